/* common/record.c: CBOR codec for records, counters and datagram payloads (libcbor streaming encoder, own decoder). */
#include <endian.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "common/errors.h"
#include "common/record.h"
#include "common/hll.h"

/*
 * Record map keys (docs/wire-format.md is the reference):
 *  0 time_us  1 zone  2 qname  3 qtype  4 qclass  5 opcode  6 rcode  7 flags
 *  8 transport  9 ipver  10 msgtype  11 weight  12 edns_version  13 edns_udp
 *  14 edns_do  15 edns_ecs  16 qsize  17 rsize  18 latency_us  19 rtt_us
 *  20 country  21 asn  22 client address (4 or 16 bytes, zero past prefix)
 *  23 prefix length (bits)
 *  24 partial (RP_* bits; absent = 0)
 *  25 akind (enum dnsa_akind; absent = AK_NONE)
 */
enum {
	K_TIME = 0, K_ZONE, K_QNAME, K_QTYPE, K_QCLASS, K_OPCODE, K_RCODE, K_FLAGS,
	K_TRANSPORT, K_IPVER, K_MSGTYPE, K_WEIGHT, K_EDNS_VERSION, K_EDNS_UDP,
	K_EDNS_DO, K_EDNS_ECS, K_QSIZE, K_RSIZE, K_LATENCY, K_RTT, K_COUNTRY,
	K_ASN, K_ADDR, K_PREFIXLEN, K_PARTIAL, K_AKIND
};

/* payload map keys */
enum { P_VERSION = 0, P_TIME = 1, P_RECORDS = 2, P_COUNTERS = 3, P_ZONES = 4, P_SKETCHES = 5 };
/* counters map keys */
enum { CK_TIME = 0, CK_VALUES = 1 };

#define MAX_DEPTH 8      /* nesting accepted when skipping unknown values */
#define MAX_RECORDS 65535 /* records in one payload */

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

/* ---- encoding: libcbor's streaming encoders write into a bounded buffer ---- */

struct wr {
	uint8_t *p;
	size_t cap, len;
	int full; /* sticky: something did not fit */
};

static void w_put(struct wr *w, size_t n)
{
	if (n == 0)
		w->full = 1;
	w->len += n;
}
static inline void w_uint(struct wr *w, uint64_t v)
{
	if (w->full)
		return;
	/* every key and most values are below 24: one initial byte, no library call */
	if (v < 24 && w->len < w->cap) {
		w->p[w->len++] = (uint8_t)v;
		return;
	}
	w_put(w, cbor_encode_uint(v, w->p + w->len, w->cap - w->len));
}
static void w_map(struct wr *w, size_t n)
{
	if (!w->full)
		w_put(w, cbor_encode_map_start(n, w->p + w->len, w->cap - w->len));
}
static void w_array(struct wr *w, size_t n)
{
	if (!w->full)
		w_put(w, cbor_encode_array_start(n, w->p + w->len, w->cap - w->len));
}
static void w_raw(struct wr *w, const void *src, size_t n)
{
	if (w->full)
		return;
	if (w->cap - w->len < n) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}
static void w_text(struct wr *w, const char *s)
{
	size_t n = strlen(s);
	if (!w->full)
		w_put(w, cbor_encode_string_start(n, w->p + w->len, w->cap - w->len));
	w_raw(w, s, n);
}
static void w_bytes(struct wr *w, const uint8_t *b, size_t n)
{
	if (!w->full)
		w_put(w, cbor_encode_bytestring_start(n, w->p + w->len, w->cap - w->len));
	w_raw(w, b, n);
}
static void w_kv(struct wr *w, unsigned k, uint64_t v)
{
	w_uint(w, k);
	w_uint(w, v);
}

int record_encode(const struct dnsa_record *r, uint8_t *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, 0 };
	uint32_t h = r->has;
	/* always: time zone opcode rcode flags transport ipver msgtype weight */
	unsigned n = 9 + (h & RH_QUESTION ? 3 : 0) + (h & RH_EDNS ? 4 : 0) + !!(h & RH_QSIZE) +
	    !!(h & RH_RSIZE) + !!(h & RH_LATENCY) + !!(h & RH_RTT) +
	    (h & RH_COUNTRY && r->country[0] ? 1 : 0) + !!(h & RH_ASN) +
	    (h & (RH_PREFIX | RH_ADDR) && (r->addr_len == 4 || r->addr_len == 16) ? 2 : 0) + !!r->partial +
	    (r->akind > AK_NONE && r->akind < AK_MAX);
	w_map(&w, n);
	w_kv(&w, K_TIME, r->time_us);
	w_uint(&w, K_ZONE);
	w_text(&w, r->zone);
	if (h & RH_QUESTION) {
		w_uint(&w, K_QNAME);
		w_text(&w, r->qname);
		w_kv(&w, K_QTYPE, r->qtype);
		w_kv(&w, K_QCLASS, r->qclass);
	}
	w_kv(&w, K_OPCODE, r->opcode);
	w_kv(&w, K_RCODE, r->rcode);
	w_kv(&w, K_FLAGS, r->flags);
	w_kv(&w, K_TRANSPORT, r->transport);
	w_kv(&w, K_IPVER, r->ipver);
	w_kv(&w, K_MSGTYPE, r->msgtype);
	w_kv(&w, K_WEIGHT, r->weight);
	if (h & RH_EDNS) {
		w_kv(&w, K_EDNS_VERSION, r->edns_version);
		w_kv(&w, K_EDNS_UDP, r->edns_udp);
		w_kv(&w, K_EDNS_DO, r->edns_do);
		w_kv(&w, K_EDNS_ECS, r->edns_ecs);
	}
	if (h & RH_QSIZE)
		w_kv(&w, K_QSIZE, r->qsize);
	if (h & RH_RSIZE)
		w_kv(&w, K_RSIZE, r->rsize);
	if (h & RH_LATENCY)
		w_kv(&w, K_LATENCY, r->latency_us);
	if (h & RH_RTT)
		w_kv(&w, K_RTT, r->rtt_us);
	if (h & RH_COUNTRY && r->country[0]) {
		w_uint(&w, K_COUNTRY);
		w_text(&w, r->country);
	}
	if (h & RH_ASN)
		w_kv(&w, K_ASN, r->asn);
	if (h & (RH_PREFIX | RH_ADDR) && (r->addr_len == 4 || r->addr_len == 16)) {
		w_uint(&w, K_ADDR);
		w_bytes(&w, r->addr, r->addr_len);
		w_kv(&w, K_PREFIXLEN, r->prefix_len);
	}
	if (r->partial)
		w_kv(&w, K_PARTIAL, r->partial);
	if (r->akind > AK_NONE && r->akind < AK_MAX)
		w_kv(&w, K_AKIND, r->akind);
	return w.full ? E_SPACE : (int)w.len;
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
	/* fixed part: map(4) 0:ver 1:time 3:{0:time, 1:{}} 4:array head (at most 9 bytes) */
	struct wr w = { buf, cap, 0, 0 };
	w_map(&w, 4);
	w_kv(&w, P_VERSION, RECORD_SCHEMA_VERSION);
	w_kv(&w, P_TIME, time_us);
	w_uint(&w, P_COUNTERS);
	w_map(&w, 2);
	w_kv(&w, CK_TIME, time_us);
	w_uint(&w, CK_VALUES);
	w_map(&w, 0);
	w_uint(&w, P_ZONES);
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
	w_map(&w, 4);
	w_kv(&w, P_VERSION, RECORD_SCHEMA_VERSION);
	w_kv(&w, P_TIME, time_us);
	w_uint(&w, P_COUNTERS);
	w_map(&w, 2);
	w_kv(&w, CK_TIME, time_us);
	w_uint(&w, CK_VALUES);
	w_map(&w, 0);
	w_uint(&w, P_SKETCHES);
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

/* ---- decoding: a cursor over hostile bytes with a sticky error ---- */

struct rd {
	const uint8_t *p;
	size_t len, off;
	int err; /* sticky: first error; every read after it is a no-op */
};

/*
 * Initial byte: major type (3 bits) | additional info (5 bits).
 *   ai 0..23  value is ai          ai 24/25/26/27  value in next 1/2/4/8 bytes
 *   ai 28..30 reserved (malformed) ai 31           indefinite length (refused)
 */
static inline __attribute__((always_inline)) int rd_head(struct rd *r, unsigned *major, uint64_t *val)
{
	if (__builtin_expect(r->err != 0, 0))
		return r->err;
	if (__builtin_expect(r->off >= r->len, 0))
		return r->err = E_TRUNCATED;
	uint8_t ib = r->p[r->off++];
	unsigned ai = ib & 0x1f;
	*major = ib >> 5;
	if (__builtin_expect(ai < 24, 1)) {
		*val = ai;
		return 0;
	}
	if (ai == 31)
		return r->err = E_INDEFINITE;
	if (ai > 27)
		return r->err = E_MALFORMED;
	size_t n = (size_t)1 << (ai - 24);
	if (r->len - r->off < n)
		return r->err = E_TRUNCATED;
	/* big-endian 1/2/4/8 bytes: whole loads, not a byte loop (every record has an 8-byte time) */
	const uint8_t *b = r->p + r->off;
	uint64_t v;
	if (n == 1) {
		v = b[0];
	} else if (n == 2) {
		uint16_t x;
		memcpy(&x, b, 2);
		v = be16toh(x);
	} else if (n == 4) {
		uint32_t x;
		memcpy(&x, b, 4);
		v = be32toh(x);
	} else {
		uint64_t x;
		memcpy(&x, b, 8);
		v = be64toh(x);
	}
	r->off += n;
	*val = v;
	return 0;
}

static inline __attribute__((always_inline)) uint64_t rd_uint(struct rd *r, uint64_t max)
{
	unsigned major;
	uint64_t v;
	/* fast path: a small unsigned integer in the initial byte (every key, most values) */
	if (__builtin_expect(!r->err && r->off < r->len && r->p[r->off] < 0x18, 1)) {
		v = r->p[r->off++];
		if (__builtin_expect(v <= max, 1))
			return v;
		r->err = E_TOOBIG;
		return 0;
	}
	if (rd_head(r, &major, &v))
		return 0;
	if (major != 0) {
		r->err = E_TYPE;
		return 0;
	}
	if (v > max) {
		r->err = E_TOOBIG;
		return 0;
	}
	return v;
}

/* a text or byte string: returns a pointer into the buffer, *n its length */
static const uint8_t *rd_str(struct rd *r, unsigned want_major, size_t *n)
{
	unsigned major;
	uint64_t v;
	*n = 0;
	if (rd_head(r, &major, &v))
		return NULL;
	if (major != want_major) {
		r->err = E_TYPE;
		return NULL;
	}
	if (v > r->len - r->off) {
		r->err = E_TRUNCATED;
		return NULL;
	}
	const uint8_t *s = r->p + r->off;
	r->off += (size_t)v;
	*n = (size_t)v;
	return s;
}

static void rd_text(struct rd *r, char *dst, size_t cap)
{
	size_t n;
	const uint8_t *s = rd_str(r, 3, &n);
	if (r->err)
		return;
	if (n >= cap || memchr(s, '\0', n)) {
		r->err = n >= cap ? E_TOOBIG : E_MALFORMED;
		return;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* expect a container head of `major` (4 array, 5 map); returns its count */
static uint64_t rd_container(struct rd *r, unsigned want_major)
{
	unsigned major;
	uint64_t v;
	if (rd_head(r, &major, &v))
		return 0;
	if (major != want_major) {
		r->err = E_TYPE;
		return 0;
	}
	/* every item takes at least one byte: a count above what is left is a lie */
	if (v > r->len - r->off || (want_major == 5 && v > (r->len - r->off) / 2)) {
		r->err = E_TRUNCATED;
		return 0;
	}
	return v;
}

/* skip one item of any type (for unknown keys), nesting bounded */
static void rd_skip(struct rd *r, int depth)
{
	unsigned major;
	uint64_t v;
	if (depth > MAX_DEPTH) {
		r->err = E_DEPTH;
		return;
	}
	if (rd_head(r, &major, &v))
		return;
	switch (major) {
	case 0: case 1: case 7:
		/* ints and simple values carry their value in the head; floats too (ai 25..27) */
		return;
	case 2: case 3:
		if (v > r->len - r->off) {
			r->err = E_TRUNCATED;
			return;
		}
		r->off += (size_t)v;
		return;
	case 4: case 5:
		if (v > r->len - r->off) {
			r->err = E_TRUNCATED;
			return;
		}
		for (uint64_t i = 0; i < (major == 5 ? 2 * v : v) && !r->err; i++)
			rd_skip(r, depth + 1);
		return;
	case 6:
		rd_skip(r, depth + 1);
		return;
	}
}

/* zero a record without clearing its two 256-byte name buffers (only their first byte) */
static inline void record_clear(struct dnsa_record *rec)
{
	memset(rec, 0, offsetof(struct dnsa_record, zone));
	rec->zone[0] = '\0';
	rec->qname[0] = '\0';
	memset(&rec->qtype, 0, sizeof *rec - offsetof(struct dnsa_record, qtype));
}

static void rd_record_at(struct rd *r, struct dnsa_record *rec);

/* decode with a private copy of the cursor, so the compiler keeps it in registers (the hot loop) */
static void rd_record(struct rd *r, struct dnsa_record *rec)
{
	struct rd l = *r;
	rd_record_at(&l, rec);
	*r = l;
}

static void rd_record_at(struct rd *r, struct dnsa_record *rec)
{
	record_clear(rec);
	uint64_t n = rd_container(r, 5);
	int have_time = 0, have_zone = 0, have_qname = 0, have_weight = 0;
	size_t alen = 0;
	for (uint64_t i = 0; i < n && !r->err; i++) {
		uint64_t k = rd_uint(r, UINT64_MAX);
		if (r->err)
			break;
		switch (k) {
		case K_TIME: rec->time_us = rd_uint(r, UINT64_MAX); have_time = 1; break;
		case K_ZONE: rd_text(r, rec->zone, sizeof rec->zone); have_zone = 1; break;
		case K_QNAME: rd_text(r, rec->qname, sizeof rec->qname); have_qname = 1; break;
		case K_QTYPE: rec->qtype = (uint16_t)rd_uint(r, 0xffff); break;
		case K_QCLASS: rec->qclass = (uint16_t)rd_uint(r, 0xffff); break;
		case K_OPCODE: rec->opcode = (uint8_t)rd_uint(r, 15); break;
		case K_RCODE: rec->rcode = (uint16_t)rd_uint(r, 4095); break;
		case K_FLAGS: rec->flags = (uint16_t)rd_uint(r, 0xffff); break;
		case K_TRANSPORT: rec->transport = (uint8_t)rd_uint(r, TR_MAX - 1); break;
		case K_IPVER: rec->ipver = (uint8_t)rd_uint(r, 6); break;
		case K_MSGTYPE: rec->msgtype = (uint8_t)rd_uint(r, MT_MAX - 1); break;
		case K_WEIGHT: rec->weight = (uint32_t)rd_uint(r, UINT32_MAX); have_weight = 1; break;
		case K_EDNS_VERSION: rec->edns_version = (uint8_t)rd_uint(r, 255); rec->has |= RH_EDNS; break;
		case K_EDNS_UDP: rec->edns_udp = (uint16_t)rd_uint(r, 0xffff); rec->has |= RH_EDNS; break;
		case K_EDNS_DO: rec->edns_do = (uint8_t)rd_uint(r, 1); rec->has |= RH_EDNS; break;
		case K_EDNS_ECS: rec->edns_ecs = (uint8_t)rd_uint(r, 1); rec->has |= RH_EDNS; break;
		case K_QSIZE: rec->qsize = (uint32_t)rd_uint(r, 0xffff); rec->has |= RH_QSIZE; break;
		case K_RSIZE: rec->rsize = (uint32_t)rd_uint(r, 0xffff); rec->has |= RH_RSIZE; break;
		case K_LATENCY: rec->latency_us = (uint32_t)rd_uint(r, UINT32_MAX); rec->has |= RH_LATENCY; break;
		case K_RTT: rec->rtt_us = (uint32_t)rd_uint(r, UINT32_MAX); rec->has |= RH_RTT; break;
		case K_COUNTRY: rd_text(r, rec->country, sizeof rec->country); rec->has |= RH_COUNTRY; break;
		case K_ASN: rec->asn = (uint32_t)rd_uint(r, UINT32_MAX); rec->has |= RH_ASN; break;
		case K_ADDR: {
			const uint8_t *a = rd_str(r, 2, &alen);
			if (!r->err && alen != 4 && alen != 16)
				r->err = E_MALFORMED;
			if (!r->err)
				memcpy(rec->addr, a, alen);
			rec->addr_len = (uint8_t)alen;
			break;
		}
		case K_PREFIXLEN: rec->prefix_len = (uint8_t)rd_uint(r, 128); break;
		case K_PARTIAL: rec->partial = (uint8_t)rd_uint(r, RP_CUT | RP_MALFORMED); break;
		case K_AKIND: rec->akind = (uint8_t)rd_uint(r, AK_MAX - 1); break;
		default: rd_skip(r, 1); break;
		}
	}
	if (r->err)
		return;
	/* required keys */
	if (!have_time || !have_zone || !have_weight) {
		r->err = E_MALFORMED;
		return;
	}
	if (have_qname)
		rec->has |= RH_QUESTION;
	if (alen) {
		if (rec->prefix_len > alen * 8) {
			r->err = E_MALFORMED;
			return;
		}
		rec->has |= rec->prefix_len == alen * 8 ? RH_ADDR : RH_PREFIX;
	}
}

int record_decode(const uint8_t *buf, size_t len, struct dnsa_record *r)
{
	if (!buf || !r)
		return E_INVAL;
	struct rd rd = { buf, len, 0, 0 };
	rd_record(&rd, r);
	return rd.err ? rd.err : (int)rd.off;
}

static void rd_counters(struct rd *r, struct dnsa_counters *c)
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
	rd_counters(&rd, c);
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
static void rd_zones(struct rd *r, struct dnsa_zone_total *out, size_t max, int *count)
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

static void rd_sketches(struct rd *r, struct dnsa_sketch_piece *out, size_t max, int *count)
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

/*
 * Walk a payload map. For RECORDS, calls fn per record when fn is set, and
 * validates otherwise. Returns records seen or an error.
 */
static int walk_payload_all(const uint8_t *buf, size_t len, int kind, record_fn fn, void *arg,
    struct dnsa_counters *cout, struct dnsa_record *out, size_t max,
    struct dnsa_zone_total *zout, size_t zmax, int *zcount,
    struct dnsa_sketch_piece *sout, size_t smax, int *scount);
static int walk_payload_z(const uint8_t *buf, size_t len, int kind, record_fn fn, void *arg,
    struct dnsa_counters *cout, struct dnsa_record *out, size_t max,
    struct dnsa_zone_total *zout, size_t zmax, int *zcount);
static int sk_walk(const uint8_t *buf, size_t len, struct dnsa_sketch_piece *sout, size_t smax, int *scount);

static int walk_payload(const uint8_t *buf, size_t len, int kind, record_fn fn, void *arg,
    struct dnsa_counters *cout, struct dnsa_record *out, size_t max)
{
	int zc = 0;
	return walk_payload_z(buf, len, kind, fn, arg, cout, out, max, NULL, 0, &zc);
}

static int walk_payload_z(const uint8_t *buf, size_t len, int kind, record_fn fn, void *arg,
    struct dnsa_counters *cout, struct dnsa_record *out, size_t max,
    struct dnsa_zone_total *zout, size_t zmax, int *zcount)
{
	return walk_payload_all(buf, len, kind, fn, arg, cout, out, max, zout, zmax, zcount, NULL, 0, NULL);
}

static int walk_payload_all(const uint8_t *buf, size_t len, int kind, record_fn fn, void *arg,
    struct dnsa_counters *cout, struct dnsa_record *out, size_t max,
    struct dnsa_zone_total *zout, size_t zmax, int *zcount,
    struct dnsa_sketch_piece *sout, size_t smax, int *scount)
{
	int have_zones = 0, have_sketches = 0, sc = 0;
	struct rd r = { buf, len, 0, 0 };
	struct dnsa_record rec;
	struct dnsa_counters cnt;
	int have_version = 0, have_body = 0, count = 0;

	if (!buf)
		return E_INVAL;
	uint64_t n = rd_container(&r, 5);
	for (uint64_t i = 0; i < n && !r.err; i++) {
		uint64_t k = rd_uint(&r, UINT64_MAX);
		if (r.err)
			break;
		if (k == P_VERSION) {
			uint64_t v = rd_uint(&r, UINT64_MAX);
			if (!r.err && v != RECORD_SCHEMA_VERSION)
				return E_VERSION;
			have_version = 1;
		} else if (k == P_RECORDS && kind == 1 && !have_body) {
			uint64_t m = rd_container(&r, 4);
			if (m > MAX_RECORDS)
				r.err = E_TOOBIG;
			if (out && !r.err && m > max) {
				/* say why a bad payload is bad, even when it also claims too many records */
				int rc = walk_payload(buf, len, 1, NULL, NULL, NULL, NULL, 0);
				return rc < 0 ? rc : E_SPACE;
			}
			for (uint64_t j = 0; j < m && !r.err; j++) {
				if (out) {
					/* single pass: the caller uses out[] only if the whole payload is good */
					rd_record(&r, &out[j]);
					count++;
					continue;
				}
				rd_record(&r, &rec);
				if (!r.err && fn) {
					int rc = fn(&rec, arg);
					if (rc < 0)
						return rc;
				}
				count++;
			}
			have_body = 1;
		} else if (k == P_COUNTERS && kind == 2 && !have_body) {
			rd_counters(&r, cout ? cout : &cnt);
			have_body = 1;
		} else if (k == P_ZONES && kind == 2 && !have_zones) {
			rd_zones(&r, zout, zmax, zcount);
			have_zones = 1;
		} else if (k == P_SKETCHES && kind == 2 && !have_sketches) {
			rd_sketches(&r, sout, smax, scount ? scount : &sc);
			have_sketches = 1;
		} else {
			rd_skip(&r, 1);
		}
	}
	if (r.err)
		return r.err;
	if (r.off != len)
		return E_MALFORMED; /* trailing bytes */
	if (!have_version || !have_body)
		return E_MALFORMED;
	return count;
}

int payload_validate(const uint8_t *buf, size_t len, int kind)
{
	if (kind != 1 && kind != 2)
		return E_INVAL;
	return walk_payload(buf, len, kind, NULL, NULL, NULL, NULL, 0);
}

int payload_foreach_record(const uint8_t *buf, size_t len, record_fn fn, void *arg)
{
	int rc = walk_payload(buf, len, 1, NULL, NULL, NULL, NULL, 0);
	if (rc < 0 || !fn)
		return rc;
	return walk_payload(buf, len, 1, fn, arg, NULL, NULL, 0);
}

int payload_decode_records(const uint8_t *buf, size_t len, struct dnsa_record *out, size_t max)
{
	if (!out)
		return E_INVAL;
	return walk_payload(buf, len, 1, NULL, NULL, NULL, out, max);
}

int payload_counters(const uint8_t *buf, size_t len, struct dnsa_counters *c)
{
	if (!c)
		return E_INVAL;
	int rc = walk_payload(buf, len, 2, NULL, NULL, c, NULL, 0);
	return rc < 0 ? rc : E_OK;
}

int payload_zone_totals(const uint8_t *buf, size_t len, struct dnsa_zone_total *out, size_t max)
{
	if (!buf || !out)
		return E_INVAL;
	int zc = 0;
	int rc = walk_payload_z(buf, len, 2, NULL, NULL, NULL, NULL, 0, NULL, 0, &zc);
	if (rc < 0)
		return rc;
	if ((size_t)zc > max)
		return E_SPACE;
	rc = walk_payload_z(buf, len, 2, NULL, NULL, NULL, NULL, 0, out, max, &zc);
	return rc < 0 ? rc : zc;
}

static int sk_walk(const uint8_t *buf, size_t len, struct dnsa_sketch_piece *sout, size_t smax, int *scount)
{
	int zc = 0;
	return walk_payload_all(buf, len, 2, NULL, NULL, NULL, NULL, 0, NULL, 0, &zc, sout, smax, scount);
}

int payload_sketches(const uint8_t *buf, size_t len, struct dnsa_sketch_piece *out, size_t max)
{
	if (!buf || !out)
		return E_INVAL;
	int sc = 0;
	int rc = sk_walk(buf, len, NULL, 0, &sc);
	if (rc < 0)
		return rc;
	if ((size_t)sc > max)
		return E_SPACE;
	rc = sk_walk(buf, len, out, max, &sc);
	return rc < 0 ? rc : sc;
}

/* ---- batch ---- */

struct batch {
	size_t max;      /* payload budget, bytes */
	size_t used;     /* bytes of encoded records in buf */
	unsigned count;  /* records in buf */
	uint8_t *buf;    /* encoded records, max bytes */
};

/* payload bytes other than the records: map(1) + 0:ver(2) + 1:time(1+9) + 2(1) + array head */
static size_t batch_overhead(unsigned count)
{
	size_t arr = count < 24 ? 1 : count < 256 ? 2 : 3;
	return 1 + 2 + 10 + 1 + arr;
}

int batch_new(size_t max_payload, struct batch **out)
{
	*out = NULL;
	if (max_payload < 64 || max_payload > RECORD_MAX_PAYLOAD)
		return E_INVAL;
	struct batch *b = calloc(1, sizeof *b);
	if (!b)
		return E_NOMEM;
	b->max = max_payload;
	if (!(b->buf = malloc(max_payload))) {
		free(b);
		return E_NOMEM;
	}
	*out = b;
	return E_OK;
}

void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b);
}

int batch_add(struct batch *b, const struct dnsa_record *r)
{
	if (b->count >= MAX_RECORDS)
		return E_SPACE;
	size_t room = b->max - b->used;
	size_t over = batch_overhead(b->count + 1);
	if (room <= over)
		return b->count ? E_SPACE : E_TOOBIG;
	int n = record_encode(r, b->buf + b->used, room - over);
	if (n < 0)
		return b->count ? E_SPACE : E_TOOBIG;
	b->used += (size_t)n;
	b->count++;
	return E_OK;
}

unsigned batch_count(const struct batch *b) { return b->count; }

int batch_finish(struct batch *b, uint64_t now_us, uint8_t *out, size_t cap)
{
	struct wr w = { out, cap, 0, 0 };
	w_map(&w, 3);
	w_kv(&w, P_VERSION, RECORD_SCHEMA_VERSION);
	w_kv(&w, P_TIME, now_us);
	w_uint(&w, P_RECORDS);
	w_array(&w, b->count);
	w_raw(&w, b->buf, b->used);
	b->used = 0;
	b->count = 0;
	return w.full ? E_SPACE : (int)w.len;
}
