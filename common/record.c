/* common/record.c: one record's CBOR map: encode (libcbor streaming) and decode (sticky-error cursor over hostile bytes). */
#include "common/record_cbor.h"

/* a text or byte string of known length: head and bytes (chk as w_head_c) */
static inline __attribute__((always_inline)) void w_str_c(struct wr *w, uint8_t major, const void *s, size_t n, int chk)
{
	w_head_c(w, major, n, chk);
	if (chk) {
		w_raw(w, s, n);
	} else {
		memcpy(w->p + w->len, s, n);
		w->len += n;
	}
}

static inline __attribute__((always_inline)) void w_kv_c(struct wr *w, unsigned k, uint64_t v, int chk)
{
	w_head_c(w, 0, k, chk);
	w_head_c(w, 0, v, chk);
}

/* record_encode's body; chk 0 only when the buffer holds the largest map these lengths can make */
static inline __attribute__((always_inline)) void record_encode_at(struct wr *w, const struct dnsa_record *r,
    size_t zl, size_t ql, size_t cl, int chk)
{
	uint32_t h = r->has;
	/*
	 * always: time zone flags transport ipver msgtype weight. opcode, rcode
	 * and the EDNS version, DO and ECS are left out when 0: every decoder
	 * (rd_record_at, since the first schema) reads an absent key as 0, so
	 * the record decodes to the same fields in 2 to 10 fewer bytes (of ~70:
	 * fewer bytes sealed, copied and sent per record). edns_udp is always
	 * written with EDNS: its presence is what says the message had an OPT.
	 */
	unsigned edns = h & RH_EDNS ? 1u + !!r->edns_version + !!r->edns_do + !!r->edns_ecs : 0;
	unsigned n = 7 + !!r->opcode + !!r->rcode + (h & RH_QUESTION ? 3 : 0) + edns + !!(h & RH_QSIZE) +
	    !!(h & RH_RSIZE) + !!(h & RH_LATENCY) + !!(h & RH_RTT) +
	    (h & RH_COUNTRY && r->country[0] ? 1 : 0) + !!(h & RH_ASN) +
	    (h & (RH_PREFIX | RH_ADDR) && (r->addr_len == 4 || r->addr_len == 16) ? 2 : 0) + !!r->partial +
	    (r->akind > AK_NONE && r->akind < AK_MAX);
	w_head_c(w, 5, n, chk);
	w_kv_c(w, K_TIME, r->time_us, chk);
	w_head_c(w, 0, K_ZONE, chk);
	w_str_c(w, 3, r->zone, zl, chk);
	if (h & RH_QUESTION) {
		w_head_c(w, 0, K_QNAME, chk);
		w_str_c(w, 3, r->qname, ql, chk);
		w_kv_c(w, K_QTYPE, r->qtype, chk);
		w_kv_c(w, K_QCLASS, r->qclass, chk);
	}
	if (r->opcode)
		w_kv_c(w, K_OPCODE, r->opcode, chk);
	if (r->rcode)
		w_kv_c(w, K_RCODE, r->rcode, chk);
	w_kv_c(w, K_FLAGS, r->flags, chk);
	w_kv_c(w, K_TRANSPORT, r->transport, chk);
	w_kv_c(w, K_IPVER, r->ipver, chk);
	w_kv_c(w, K_MSGTYPE, r->msgtype, chk);
	w_kv_c(w, K_WEIGHT, r->weight, chk);
	if (h & RH_EDNS) {
		if (r->edns_version)
			w_kv_c(w, K_EDNS_VERSION, r->edns_version, chk);
		w_kv_c(w, K_EDNS_UDP, r->edns_udp, chk);
		if (r->edns_do)
			w_kv_c(w, K_EDNS_DO, r->edns_do, chk);
		if (r->edns_ecs)
			w_kv_c(w, K_EDNS_ECS, r->edns_ecs, chk);
	}
	if (h & RH_QSIZE)
		w_kv_c(w, K_QSIZE, r->qsize, chk);
	if (h & RH_RSIZE)
		w_kv_c(w, K_RSIZE, r->rsize, chk);
	if (h & RH_LATENCY)
		w_kv_c(w, K_LATENCY, r->latency_us, chk);
	if (h & RH_RTT)
		w_kv_c(w, K_RTT, r->rtt_us, chk);
	if (h & RH_COUNTRY && r->country[0]) {
		w_head_c(w, 0, K_COUNTRY, chk);
		w_str_c(w, 3, r->country, cl, chk);
	}
	if (h & RH_ASN)
		w_kv_c(w, K_ASN, r->asn, chk);
	if (h & (RH_PREFIX | RH_ADDR) && (r->addr_len == 4 || r->addr_len == 16)) {
		w_head_c(w, 0, K_ADDR, chk);
		w_str_c(w, 2, r->addr, r->addr_len, chk);
		w_kv_c(w, K_PREFIXLEN, r->prefix_len, chk);
	}
	if (r->partial)
		w_kv_c(w, K_PARTIAL, r->partial, chk);
	if (r->akind > AK_NONE && r->akind < AK_MAX)
		w_kv_c(w, K_AKIND, r->akind, chk);
}

/*
 * The largest map a record with texts of these lengths encodes to: a map
 * head (<= 3 bytes for its <= 26 pairs), 26 pairs of a 1-byte key and a
 * <= 9-byte value, four string heads of <= 9 bytes, the strings, a 16-byte
 * address. Where the buffer holds that much (all but a datagram's last
 * few hundred bytes), the map is written without a room test per head.
 */
#define RECORD_FIXED_MAX (3 + 26 * 10 + 4 * 9 + 16)

int record_encode(const struct dnsa_record *r, uint8_t *buf, size_t cap)
{
	struct wr w = { buf, cap, 0, 0 };
	size_t zl = strlen(r->zone), ql = r->has & RH_QUESTION ? strlen(r->qname) : 0;
	size_t cl = r->has & RH_COUNTRY && r->country[0] ? strlen(r->country) : 0;
	if (cap >= RECORD_FIXED_MAX && cap - RECORD_FIXED_MAX >= zl + ql + cl) {
		record_encode_at(&w, r, zl, ql, cl, 0);
		return (int)w.len;
	}
	record_encode_at(&w, r, zl, ql, cl, 1);
	return w.full ? E_SPACE : (int)w.len;
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
void record_rd(struct rd *r, struct dnsa_record *rec)
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
	record_rd(&rd, r);
	return rd.err ? rd.err : (int)rd.off;
}

