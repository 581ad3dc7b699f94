/* common/record.c: one record's CBOR map: encode (libcbor streaming) and decode (sticky-error cursor over hostile bytes). */
#include "common/record_cbor.h"

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

