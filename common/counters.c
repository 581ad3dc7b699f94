/* common/counters.c: counter names and kinds, and the counters, per-zone totals and sketch pieces of COUNTERS payloads (encode and decode). */
#include "common/hll.h"
#include "common/record_cbor.h"

static const char *const counter_names[C_COUNTER_MAX] = {
	[C_MSG_TOTAL] = "msg_total",
	[C_MSG_BY_TYPE + MT_AUTH_QUERY - 1] = "msg_auth_query",
	[C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1] = "msg_auth_response",
	[C_MSG_BY_TYPE + MT_RESOLVER_QUERY - 1] = "msg_resolver_query",
	[C_MSG_BY_TYPE + MT_RESOLVER_RESPONSE - 1] = "msg_resolver_response",
	[C_MSG_BY_TYPE + MT_CLIENT_QUERY - 1] = "msg_client_query",
	[C_MSG_BY_TYPE + MT_CLIENT_RESPONSE - 1] = "msg_client_response",
	[C_MSG_BY_TYPE + MT_FORWARDER_QUERY - 1] = "msg_forwarder_query",
	[C_MSG_BY_TYPE + MT_FORWARDER_RESPONSE - 1] = "msg_forwarder_response",
	[C_MSG_BY_TYPE + MT_STUB_QUERY - 1] = "msg_stub_query",
	[C_MSG_BY_TYPE + MT_STUB_RESPONSE - 1] = "msg_stub_response",
	[C_MSG_BY_TYPE + MT_TOOL_QUERY - 1] = "msg_tool_query",
	[C_MSG_BY_TYPE + MT_TOOL_RESPONSE - 1] = "msg_tool_response",
	[C_MSG_BY_TYPE + MT_UPDATE_QUERY - 1] = "msg_update_query",
	[C_MSG_BY_TYPE + MT_UPDATE_RESPONSE - 1] = "msg_update_response",
	[C_MSG_UDP] = "msg_udp",
	[C_MSG_TCP] = "msg_tcp",
	[C_MSG_DOT] = "msg_dot",
	[C_MSG_DOH] = "msg_doh",
	[C_MSG_DOQ] = "msg_doq",
	[C_MSG_DNSCRYPT] = "msg_dnscrypt",
	[C_MSG_OTHER_TRANSPORT] = "msg_other_transport",
	[C_MSG_IPV4] = "msg_ipv4",
	[C_MSG_IPV6] = "msg_ipv6",
	[C_KS_DROP + 0] = "ks_drop_q_udp_v4",
	[C_KS_DROP + 1] = "ks_drop_q_udp_v6",
	[C_KS_DROP + 2] = "ks_drop_q_tcp_v4",
	[C_KS_DROP + 3] = "ks_drop_q_tcp_v6",
	[C_KS_DROP + 4] = "ks_drop_r_udp_v4",
	[C_KS_DROP + 5] = "ks_drop_r_udp_v6",
	[C_KS_DROP + 6] = "ks_drop_r_tcp_v4",
	[C_KS_DROP + 7] = "ks_drop_r_tcp_v6",
	[C_KS_STATE] = "ks_state",
	[C_KS_N] = "ks_n",
	[C_KS_KEPT] = "ks_kept",
	[C_KS_FRAGMENTS] = "ks_fragments",
	[C_KS_FLOWS_DROPPED] = "ks_flows_dropped",
	[C_SAMPLED] = "sampled",
	[C_RECORDED] = "recorded",
	[C_SAMPLE_N] = "sample_n",
	[C_NOT_SAMPLED_TYPE] = "not_sampled_type",
	[C_ZONE_UNLISTED] = "zone_unlisted",
	[C_PARSE_ERRORS] = "parse_errors",
	[C_DNSTAP_ERRORS] = "dnstap_errors",
	[C_FRAME_ERRORS] = "frame_errors",
	[C_DROP_OVERLOAD] = "drop_overload",
	[C_DROP_BATCH] = "drop_batch",
	[C_PKT_ERRORS] = "pkt_errors",
	[C_DNSTAP_CONNS] = "dnstap_conns",
	[C_DNSTAP_REJECTED] = "dnstap_conns_rejected",
	[C_DNSTAP_DENIED] = "dnstap_conns_denied",
	[C_DNSTAP_HANDSHAKE_TIMEOUTS] = "dnstap_handshake_timeouts",
	[C_DATAGRAMS_SENT] = "datagrams_sent",
	[C_SEND_ERRORS] = "send_errors",
	[C_RECORDS_DROPPED_SEND] = "records_dropped_send",
	[C_FAILOVERS] = "failovers",
	[C_DNSTAP_IDLE_TIMEOUTS] = "dnstap_idle_timeouts",
	[C_DNSTAP_IO_ERRORS] = "dnstap_io_errors",
	[C_DNSTAP_ACCEPT_ERRORS] = "dnstap_accept_errors",
	[C_PCAP_RECV] = "pcap_recv",
	[C_PCAP_DROP] = "pcap_drop",
	[C_PCAP_IFDROP] = "pcap_ifdrop",
	[C_DOT_CONNS] = "dot_connections",
	[C_DOH_CONNS] = "doh_connections",
	[C_FRAG_REASSEMBLED] = "frag_reassembled",
	[C_FRAG_DROPPED] = "frag_dropped",
	[C_TCP_FLOWS] = "tcp_flows",
	[C_TCP_EVICTED] = "tcp_evicted",
	[C_TCP_GAPS] = "tcp_gaps",
	[C_TCP_LOST] = "tcp_lost",
	[C_MSG_CUT] = "msg_cut",
	[C_ZONE_UNLISTED_EST] = "zone_unlisted_est",
	[C_PARSE_ERRORS_EST] = "parse_errors_est",
	[C_TCP_TFO] = "tcp_tfo",
	[C_TCP_RESYNCS] = "tcp_resyncs",
	[C_RECORDED_PARTIAL] = "recorded_partial",
	[C_PAIR_MATCHED] = "pair_matched",
	[C_PAIR_MISSES] = "pair_misses",
	[C_PAIR_EVICTED] = "pair_evicted",
	[C_HLL_ZONES_UNTRACKED] = "hll_zones_untracked",
	[C_SRV_QUERIES] = "srv_queries",
	[C_SRV_RESPONSES] = "srv_responses",
	[C_SRV_UDP] = "srv_udp",
	[C_SRV_TCP] = "srv_tcp",
	[C_SRV_IPV4] = "srv_ipv4",
	[C_SRV_IPV6] = "srv_ipv6",
	[C_SRV_NOERROR] = "srv_noerror",
	[C_SRV_NXDOMAIN] = "srv_nxdomain",
	[C_SRV_REFUSED] = "srv_refused",
	[C_SRV_SERVFAIL] = "srv_servfail",
	[C_SRV_RCODE_OTHER] = "srv_rcode_other",
	[C_SRV_DROPPED] = "srv_dropped",
	[C_SRV_DNSTAP_QUERIES] = "srv_dnstap_queries",
	[C_SRV_DNSTAP_RESPONSES] = "srv_dnstap_responses",
	[C_SRV_ZONES_UNTRACKED] = "srv_zones_untracked",
	[C_SRV_RESTARTS] = "srv_restarts",
	[C_SRV_READS] = "srv_reads",
	[C_SRV_READ_ERRORS] = "srv_read_errors",
};

/* every named counter has a kind (test_pipeline checks both tables and the docs agree) */
static const uint8_t counter_kinds[C_COUNTER_MAX] = {
	[C_MSG_TOTAL] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_AUTH_QUERY - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_RESOLVER_QUERY - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_RESOLVER_RESPONSE - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_CLIENT_QUERY - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_CLIENT_RESPONSE - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_FORWARDER_QUERY - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_FORWARDER_RESPONSE - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_STUB_QUERY - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_STUB_RESPONSE - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_TOOL_QUERY - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_TOOL_RESPONSE - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_UPDATE_QUERY - 1] = CK_EXACT,
	[C_MSG_BY_TYPE + MT_UPDATE_RESPONSE - 1] = CK_EXACT,
	[C_MSG_UDP] = CK_EXACT,
	[C_MSG_TCP] = CK_EXACT,
	[C_MSG_DOT] = CK_EXACT,
	[C_MSG_DOH] = CK_EXACT,
	[C_MSG_DOQ] = CK_EXACT,
	[C_MSG_DNSCRYPT] = CK_EXACT,
	[C_MSG_OTHER_TRANSPORT] = CK_EXACT,
	[C_MSG_IPV4] = CK_EXACT,
	[C_MSG_IPV6] = CK_EXACT,
	[C_KS_DROP + 0] = CK_EXACT,
	[C_KS_DROP + 1] = CK_EXACT,
	[C_KS_DROP + 2] = CK_EXACT,
	[C_KS_DROP + 3] = CK_EXACT,
	[C_KS_DROP + 4] = CK_EXACT,
	[C_KS_DROP + 5] = CK_EXACT,
	[C_KS_DROP + 6] = CK_EXACT,
	[C_KS_DROP + 7] = CK_EXACT,
	[C_KS_STATE] = CK_GAUGE,
	[C_KS_N] = CK_GAUGE,
	[C_KS_KEPT] = CK_EXACT,
	[C_KS_FRAGMENTS] = CK_EXACT,
	[C_KS_FLOWS_DROPPED] = CK_EXACT,
	[C_SAMPLED] = CK_SAMPLE,
	[C_RECORDED] = CK_SAMPLE,
	[C_SAMPLE_N] = CK_GAUGE,
	[C_NOT_SAMPLED_TYPE] = CK_EXACT,
	[C_ZONE_UNLISTED] = CK_SAMPLE,
	[C_PARSE_ERRORS] = CK_SAMPLE,
	[C_DNSTAP_ERRORS] = CK_ESTIMATE,
	[C_FRAME_ERRORS] = CK_EXACT,
	[C_DROP_OVERLOAD] = CK_EXACT,
	[C_DROP_BATCH] = CK_SAMPLE,
	[C_PKT_ERRORS] = CK_EXACT,
	[C_DNSTAP_CONNS] = CK_EXACT,
	[C_DATAGRAMS_SENT] = CK_EXACT,
	[C_SEND_ERRORS] = CK_EXACT,
	[C_RECORDS_DROPPED_SEND] = CK_SAMPLE,
	[C_FAILOVERS] = CK_EXACT,
	[C_PCAP_RECV] = CK_EXACT,
	[C_PCAP_DROP] = CK_EXACT,
	[C_PCAP_IFDROP] = CK_EXACT,
	[C_DOT_CONNS] = CK_EXACT,
	[C_DOH_CONNS] = CK_EXACT,
	[C_FRAG_REASSEMBLED] = CK_EXACT,
	[C_FRAG_DROPPED] = CK_EXACT,
	[C_TCP_FLOWS] = CK_EXACT,
	[C_TCP_EVICTED] = CK_EXACT,
	[C_TCP_GAPS] = CK_EXACT,
	[C_TCP_LOST] = CK_EXACT,
	[C_MSG_CUT] = CK_EXACT,
	[C_ZONE_UNLISTED_EST] = CK_ESTIMATE,
	[C_PARSE_ERRORS_EST] = CK_ESTIMATE,
	[C_TCP_TFO] = CK_EXACT,
	[C_TCP_RESYNCS] = CK_EXACT,
	[C_RECORDED_PARTIAL] = CK_SAMPLE,
	[C_PAIR_MATCHED] = CK_EXACT,
	[C_PAIR_MISSES] = CK_EXACT,
	[C_PAIR_EVICTED] = CK_EXACT,
	[C_HLL_ZONES_UNTRACKED] = CK_SAMPLE,
	[C_DNSTAP_REJECTED] = CK_EXACT,
	[C_DNSTAP_DENIED] = CK_EXACT,
	[C_DNSTAP_HANDSHAKE_TIMEOUTS] = CK_EXACT,
	[C_DNSTAP_IDLE_TIMEOUTS] = CK_EXACT,
	[C_DNSTAP_IO_ERRORS] = CK_EXACT,
	[C_DNSTAP_ACCEPT_ERRORS] = CK_EXACT,
	[C_SRV_QUERIES] = CK_EXACT,
	[C_SRV_RESPONSES] = CK_EXACT,
	[C_SRV_UDP] = CK_EXACT,
	[C_SRV_TCP] = CK_EXACT,
	[C_SRV_IPV4] = CK_EXACT,
	[C_SRV_IPV6] = CK_EXACT,
	[C_SRV_NOERROR] = CK_EXACT,
	[C_SRV_NXDOMAIN] = CK_EXACT,
	[C_SRV_REFUSED] = CK_EXACT,
	[C_SRV_SERVFAIL] = CK_EXACT,
	[C_SRV_RCODE_OTHER] = CK_EXACT,
	[C_SRV_DROPPED] = CK_EXACT,
	[C_SRV_DNSTAP_QUERIES] = CK_EXACT,
	[C_SRV_DNSTAP_RESPONSES] = CK_EXACT,
	[C_SRV_ZONES_UNTRACKED] = CK_EXACT,
	[C_SRV_RESTARTS] = CK_EXACT,
	[C_SRV_READS] = CK_EXACT,
	[C_SRV_READ_ERRORS] = CK_EXACT,
};

int counter_kind(unsigned id)
{
	return id < C_COUNTER_MAX && counter_names[id] ? counter_kinds[id] : CK_NONE;
}

const char *counter_kind_name(int kind)
{
	switch (kind) {
	case CK_EXACT: return "exact";
	case CK_ESTIMATE: return "estimate";
	case CK_SAMPLE: return "sample";
	case CK_GAUGE: return "gauge";
	default: return "none";
	}
}

const char *counter_name(unsigned id)
{
	return id < C_COUNTER_MAX ? counter_names[id] : NULL;
}

static unsigned counters_present(const struct dnsa_counters *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < C_COUNTER_MAX; i++)
		n += counters_has(c, i);
	return n;
}

static void w_counters(struct wr *w, const struct dnsa_counters *c)
{
	w_map(w, 2);
	w_kv(w, CK_TIME, c->time_us);
	w_uint(w, CK_VALUES);
	w_map(w, counters_present(c));
	for (unsigned i = 0; i < C_COUNTER_MAX; i++)
		if (counters_has(c, i))
			w_kv(w, i, c->value[i]);
}

int counters_encode(const struct dnsa_counters *c, uint8_t *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, 0 };
	w_map(&w, 3);
	w_kv(&w, P_VERSION, RECORD_SCHEMA_VERSION);
	w_kv(&w, P_TIME, c->time_us);
	w_uint(&w, P_COUNTERS);
	w_counters(&w, c);
	return w.full ? E_SPACE : (int)w.len;
}

static unsigned popcount32(uint32_t v)
{
	return (unsigned)__builtin_popcount(v);
}

/* one zone entry: [zone, {id: value, ...}] */
/*
 * the fixed part of a counters datagram that carries a list under payload
 * key `list` (zones, sketches): map(4) 0:ver 1:time 3:{0:time, 1:{}} list:
 * (the array head follows, at most 9 bytes)
 */
static void w_list_head(struct wr *w, uint64_t time_us, uint64_t list)
{
	w_map(w, 4);
	w_kv(w, P_VERSION, RECORD_SCHEMA_VERSION);
	w_kv(w, P_TIME, time_us);
	w_uint(w, P_COUNTERS);
	w_map(w, 2);
	w_kv(w, CK_TIME, time_us);
	w_uint(w, CK_VALUES);
	w_map(w, 0);
	w_uint(w, list);
}

static void w_zone(struct wr *w, const struct dnsa_zone_total *z)
{
	w_array(w, 2);
	w_text(w, z->zone);
	w_map(w, popcount32(z->set & ((1u << C_SRV_ZONE_IDS) - 1)));
	for (unsigned i = 0; i < C_SRV_ZONE_IDS; i++)
		if (z->set >> i & 1)
			w_kv(w, C_SRV_FIRST + i, z->value[i]);
}

int counters_encode_zones(uint64_t time_us, const struct dnsa_zone_total *z, size_t n, size_t *used,
    uint8_t *buf, size_t cap)
{
	if (!z || !n || !used || !buf)
		return E_INVAL;
	*used = 0;
	struct wr w = { buf, cap, 0, 0 };
	w_list_head(&w, time_us, P_ZONES);
	if (w.full)
		return E_SPACE;
	/* size each entry on its own first, then write the head with the count that fits */
	size_t fixed = w.len, body = 0, k = 0;
	uint8_t tmp[RECORD_NAME_MAX + 16 + C_SRV_ZONE_IDS * 12];
	for (; k < n; k++) {
		struct wr e = { tmp, sizeof tmp, 0, 0 };
		w_zone(&e, &z[k]);
		if (e.full || fixed + 9 + body + e.len > cap)
			break;
		body += e.len;
	}
	if (!k)
		return E_SPACE;
	w_array(&w, k);
	for (size_t i = 0; i < k; i++)
		w_zone(&w, &z[i]);
	if (w.full)
		return E_SPACE;
	*used = k;
	return (int)w.len;
}

/* one sketch piece: [zone, kind, flags, first, regs] */
static void w_sketch(struct wr *w, const struct dnsa_sketch_piece *p)
{
	w_array(w, 5);
	w_text(w, p->zone ? p->zone : "");
	w_uint(w, p->kind);
	w_uint(w, p->flags);
	w_uint(w, p->first);
	w_bytes(w, p->regs, p->len);
}

int counters_encode_sketches(uint64_t time_us, const struct dnsa_sketch_piece *s, size_t n, size_t *used,
    uint8_t *buf, size_t cap)
{
	if (!s || !n || !used || !buf)
		return E_INVAL;
	*used = 0;
	struct wr w = { buf, cap, 0, 0 };
	w_list_head(&w, time_us, P_SKETCHES);
	if (w.full)
		return E_SPACE;
	size_t fixed = w.len, body = 0, k = 0;
	uint8_t tmp[RECORD_NAME_MAX + 32 + SKETCH_PIECE_MAX];
	for (; k < n; k++) {
		struct wr e = { tmp, sizeof tmp, 0, 0 };
		if (s[k].len > SKETCH_PIECE_MAX)
			return E_INVAL;
		w_sketch(&e, &s[k]);
		if (e.full || fixed + 9 + body + e.len > cap)
			break;
		body += e.len;
	}
	if (!k)
		return E_SPACE;
	w_array(&w, k);
	for (size_t i = 0; i < k; i++)
		w_sketch(&w, &s[i]);
	if (w.full)
		return E_SPACE;
	*used = k;
	return (int)w.len;
}

void counters_rd(struct rd *r, struct dnsa_counters *c)
{
	memset(c, 0, sizeof *c);
	uint64_t n = rd_container(r, 5);
	int have_values = 0;
	for (uint64_t i = 0; i < n && !r->err; i++) {
		uint64_t k = rd_uint(r, UINT64_MAX);
		if (r->err)
			break;
		if (k == CK_TIME) {
			c->time_us = rd_uint(r, UINT64_MAX);
		} else if (k == CK_VALUES) {
			uint64_t m = rd_container(r, 5);
			have_values = 1;
			for (uint64_t j = 0; j < m && !r->err; j++) {
				uint64_t id = rd_uint(r, UINT64_MAX);
				uint64_t v = rd_uint(r, UINT64_MAX);
				if (!r->err && id < C_COUNTER_MAX)
					counters_set(c, (unsigned)id, v);
			}
		} else {
			rd_skip(r, 1);
		}
	}
	if (!r->err && !have_values)
		r->err = E_MALFORMED;
}

int counters_decode(const uint8_t *buf, size_t len, struct dnsa_counters *c)
{
	if (!buf || !c)
		return E_INVAL;
	struct rd rd = { buf, len, 0, 0 };
	counters_rd(&rd, c);
	return rd.err ? rd.err : (int)rd.off;
}

/* a zone name as capd writes it: 1..255 bytes of lower-case printable ASCII */
static int zone_name_ok(const char *z)
{
	size_t n = strlen(z);
	if (n == 0 || n > RECORD_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (z[i] <= ' ' || z[i] > '~' || (z[i] >= 'A' && z[i] <= 'Z'))
			return 0;
	return 1;
}

/* the zones array (payload key 4); out NULL validates only */
void counters_rd_zones(struct rd *r, struct dnsa_zone_total *out, size_t max, int *count)
{
	struct dnsa_zone_total tmp;
	uint64_t n = rd_container(r, 4);
	if (out && n > max && !r->err) {
		r->err = E_SPACE;
		return;
	}
	for (uint64_t i = 0; i < n && !r->err; i++) {
		struct dnsa_zone_total *z = out ? &out[i] : &tmp;
		memset(z, 0, sizeof *z);
		if (rd_container(r, 4) != 2) {
			if (!r->err)
				r->err = E_MALFORMED;
			return;
		}
		rd_text(r, z->zone, sizeof z->zone);
		if (!r->err && !zone_name_ok(z->zone))
			r->err = E_MALFORMED;
		uint64_t m = rd_container(r, 5);
		for (uint64_t j = 0; j < m && !r->err; j++) {
			uint64_t id = rd_uint(r, UINT64_MAX);
			uint64_t v = rd_uint(r, UINT64_MAX);
			if (r->err)
				break;
			if (id < C_SRV_FIRST || id >= C_SRV_ZONE_MAX) {
				r->err = E_MALFORMED;
				break;
			}
			z->value[id - C_SRV_FIRST] = v;
			z->set |= 1u << (id - C_SRV_FIRST);
		}
	}
	if (!r->err)
		*count = (int)n;
}

void counters_rd_sketches(struct rd *r, struct dnsa_sketch_piece *out, size_t max, int *count)
{
	struct dnsa_sketch_piece tmp;
	uint64_t n = rd_container(r, 4);
	if (out && n > max && !r->err) {
		r->err = E_SPACE;
		return;
	}
	for (uint64_t i = 0; i < n && !r->err; i++) {
		struct dnsa_sketch_piece *p = out ? &out[i] : &tmp;
		memset(p, 0, sizeof *p);
		if (rd_container(r, 4) != 5) {
			if (!r->err)
				r->err = E_MALFORMED;
			return;
		}
		rd_text(r, p->zone_buf, sizeof p->zone_buf);
		p->zone = p->zone_buf;
		p->kind = (uint8_t)rd_uint(r, SK_PREFIX);
		p->flags = (uint8_t)rd_uint(r, SKF_SPARSE | SKF_SAMPLED);
		p->first = (uint16_t)rd_uint(r, HLL_M);
		size_t len = 0;
		const uint8_t *b = rd_str(r, 2, &len);
		if (r->err)
			return;
		if ((p->zone_buf[0] && !zone_name_ok(p->zone_buf)) || p->kind < SK_ADDR || len > SKETCH_PIECE_MAX) {
			r->err = E_MALFORMED;
			return;
		}
		if (p->flags & SKF_SPARSE) {
			if (len % 3)
				r->err = E_MALFORMED;
			for (size_t j = 0; j + 2 < len && !r->err; j += 3)
				if (((unsigned)b[j] << 8 | b[j + 1]) >= HLL_M || b[j + 2] > HLL_RANK_MAX)
					r->err = E_MALFORMED;
		} else {
			if (p->first + len > HLL_M)
				r->err = E_MALFORMED;
			for (size_t j = 0; j < len && !r->err; j++)
				if (b[j] > HLL_RANK_MAX)
					r->err = E_MALFORMED;
		}
		p->regs = b;
		p->len = (uint16_t)len;
	}
	if (!r->err)
		*count = (int)n;
}

