/* capd/dnstap.c: protobuf wire-format walker for dnstap, zero copy, sticky-error cursor. */
#include "capd/dnstap.h"

#include <string.h>

#include "common/errors.h"
#include "common/record.h"

/*
 * Protobuf wire format, as much as dnstap needs:
 *
 *   field   := key value
 *   key     := varint (field_number << 3 | wire_type)
 *   wire_type 0: varint           (1..10 bytes, 7 bits each, low group first, MSB = more)
 *   wire_type 1: fixed64          (8 bytes little-endian)
 *   wire_type 2: length-delimited (varint length, then that many bytes: bytes or sub-message)
 *   wire_type 5: fixed32          (4 bytes little-endian)
 *   wire types 3/4 (groups) are not used by dnstap and rejected.
 *
 *   Dnstap  { 1 identity:bytes  2 version:bytes  3 extra:bytes  14 message:Message  15 type:enum }
 *   Message { 1 type  2 socket_family  3 socket_protocol  4 query_address:bytes
 *             5 response_address:bytes  6 query_port  7 response_port
 *             8 query_time_sec:uint64  9 query_time_nsec:fixed32  10 query_message:bytes
 *             11 query_zone:bytes  12 response_time_sec  13 response_time_nsec:fixed32
 *             14 response_message:bytes  15 policy:Policy  16 http_protocol }
 */

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

/* cursor with a sticky error: after the first error every read returns 0 and moves nothing */
struct pb {
	const uint8_t *p;
	const uint8_t *end;
	int err;
};

static inline void pb_fail(struct pb *c, int err)
{
	if (c->err == E_OK)
		c->err = err;
	c->p = c->end;
}

/*
 * A varint of 3..10 bytes (times, long lengths) at p: *v its value;
 * returns the bytes it took, 0 if it runs past end, -1 if malformed. It
 * takes no cursor, so the walks' cursors never escape and stay in registers.
 */
static int varint_long(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (p + i >= end)
			return 0;
		uint8_t b = p[i];
		if (i == 9 && b > 1) /* bits above 64, or an 11th byte announced */
			return -1;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return (int)i + 1;
		}
	}
	return -1;
}

static inline uint64_t pb_varint_slow(struct pb *c)
{
	uint64_t v = 0;
	if (c->err)
		return 0;
	int n = varint_long(c->p, c->end, &v);
	if (n <= 0) {
		pb_fail(c, n == 0 ? E_TRUNCATED : E_MALFORMED);
		return 0;
	}
	c->p += n;
	return v;
}

/* most keys, enums, ports and lengths fit one or two bytes: do those inline */
static inline uint64_t pb_varint(struct pb *c)
{
	const uint8_t *p = c->p;
	if (c->end - p >= 2) {
		if (p[0] < 0x80) {
			c->p = p + 1;
			return p[0];
		}
		if (p[1] < 0x80) {
			c->p = p + 2;
			return (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		}
	}
	return pb_varint_slow(c);
}

static inline uint32_t pb_fixed32(struct pb *c)
{
	if (c->err)
		return 0;
	if (c->end - c->p < 4) {
		pb_fail(c, E_TRUNCATED);
		return 0;
	}
	const uint8_t *q = c->p;
	c->p += 4;
	return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

/* a length-delimited value: returns its start, sets *len; NULL on error */
static inline const uint8_t *pb_bytes(struct pb *c, size_t *len)
{
	*len = 0;
	uint64_t n = pb_varint(c);
	if (c->err)
		return NULL;
	if (n > (uint64_t)(c->end - c->p)) {
		pb_fail(c, E_TRUNCATED);
		return NULL;
	}
	const uint8_t *q = c->p;
	c->p += n;
	*len = (size_t)n;
	return q;
}

/* next key: 0 at the end of the buffer or on error, else field number; *wt its wire type */
static inline uint32_t pb_key(struct pb *c, unsigned *wt)
{
	if (c->err || c->p >= c->end)
		return 0;
	uint64_t k = pb_varint(c);
	if (c->err)
		return 0;
	*wt = (unsigned)(k & 7);
	if ((k >> 3) == 0 || (k >> 3) > UINT32_MAX) {
		pb_fail(c, E_MALFORMED);
		return 0;
	}
	return (uint32_t)(k >> 3);
}

static inline void pb_skip(struct pb *c, unsigned wt)
{
	size_t n;
	switch (wt) {
	case WT_VARINT: (void)pb_varint(c); break;
	case WT_FIXED64:
		if (c->end - c->p < 8)
			pb_fail(c, E_TRUNCATED);
		else
			c->p += 8;
		break;
	case WT_LEN: (void)pb_bytes(c, &n); break;
	case WT_FIXED32: (void)pb_fixed32(c); break;
	default: pb_fail(c, E_MALFORMED); break;
	}
}

/* the wire type a known field must have, or the sticky E_TYPE */
static inline int pb_want(struct pb *c, unsigned wt, unsigned want)
{
	if (wt != want) {
		pb_fail(c, wt == 3 || wt == 4 || wt > 5 ? E_MALFORMED : E_TYPE);
		return 0;
	}
	return 1;
}

uint8_t dnstap_transport(uint64_t socket_protocol)
{
	switch (socket_protocol) {
	case 1: return TR_UDP;
	case 2: return TR_TCP;
	case 3: return TR_DOT;
	case 4: return TR_DOH;
	case 5: return TR_DNSCRYPT_UDP;
	case 6: return TR_DNSCRYPT_TCP;
	case 7: return TR_DOQ;
	default: return TR_UNKNOWN;
	}
}

static uint8_t dnstap_family(uint64_t f)
{
	return f == 1 ? 4 : f == 2 ? 6 : 0;
}

static uint8_t dnstap_msgtype(uint64_t t)
{
	return t >= 1 && t < MT_MAX ? (uint8_t)t : MT_UNKNOWN;
}

/* find the Message sub-message in a Dnstap; NULL with c->err set if none or broken */
static inline __attribute__((always_inline)) const uint8_t *dnstap_message_at(struct pb *c, size_t *mlen, const uint8_t **ident, size_t *ilen)
{
	const uint8_t *msg = NULL;
	unsigned wt = 0;
	uint32_t f;
	*mlen = 0;
	while ((f = pb_key(c, &wt)) != 0) {
		switch (f) {
		case 1: /* identity */
			if (pb_want(c, wt, WT_LEN) && ident != NULL)
				*ident = pb_bytes(c, ilen);
			else
				pb_skip(c, wt);
			break;
		case 14: /* message */
			if (pb_want(c, wt, WT_LEN))
				msg = pb_bytes(c, mlen);
			break;
		case 15: /* type: only MESSAGE (1) is defined */
			if (pb_want(c, wt, WT_VARINT) && pb_varint(c) != 1)
				pb_fail(c, E_TYPE);
			break;
		default:
			pb_skip(c, wt);
			break;
		}
	}
	if (c->err == E_OK && msg == NULL)
		pb_fail(c, E_MALFORMED);
	return c->err ? NULL : msg;
}

static inline uint64_t dnstap_time_us(struct pb *c, uint64_t sec, uint32_t nsec)
{
	if (nsec >= 1000000000u || sec > UINT64_MAX / 1000000u - 1) {
		pb_fail(c, E_MALFORMED);
		return 0;
	}
	return sec * 1000000u + nsec / 1000u;
}

static inline void dnstap_addr(const uint8_t *a, size_t alen, uint8_t *dst, uint8_t *dlen)
{
	/* two fixed sizes: inline moves, not a call with a variable length */
	if (a != NULL && alen == 4) {
		memcpy(dst, a, 4);
		*dlen = 4;
	} else if (a != NULL && alen == 16) {
		memcpy(dst, a, 16);
		*dlen = 16;
	}
}

/*
 * The pipeline's quick paths. Nameservers write the same few field keys in
 * the same forms every time (Knot: Dnstap 1, 2, 14, 15; Message 1, 2, 3 up
 * front): keys of one byte, lengths of one or two, all in bounds. The
 * quick paths read exactly those forms and hand anything else (another
 * key, a longer varint, a value near the end of the buffer, a bad value)
 * to the general walk: from its start for the Dnstap, at that field for
 * the Message (its fields 1..3 in dnstap_peek: at the first). Where they
 * do not hand over, they read what the general walk reads, the same way
 * (dnstap_decode is the reference it is tested against, test_dnstap and
 * fuzz_dnstap), so results and error codes are the general walk's by
 * construction.
 */

/*
 * varint_long's result for ports and times (2..5 bytes): with ten bytes of
 * buffer left no byte needs a bounds check, and the loop is unrolled.
 */
static inline int varint_quick(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	if (end - p < 10)
		return varint_long(p, end, v);
	uint64_t x = 0;
#pragma GCC unroll 9
	for (unsigned i = 0; i < 9; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (p[i] < 0x80) {
			*v = x;
			return (int)i + 1;
		}
	}
	if (p[9] > 1) /* bits above 64, or an 11th byte announced */
		return -1;
	*v = x | (uint64_t)p[9] << 63;
	return 10;
}

/* a length of one or two bytes at p, with at least two bytes of buffer from p; 0 bytes taken: not that form */
static inline unsigned quick_len(const uint8_t *p, size_t *len)
{
	if (p[0] < 0x80) {
		*len = p[0];
		return 1;
	}
	if (p[1] < 0x80) {
		*len = (size_t)(p[0] & 0x7f) | (size_t)p[1] << 7;
		return 2;
	}
	return 0;
}

/* what the Message walk has seen of the fields whose first occurrence counts */
struct dt_first {
	uint64_t type;            /* Message.type as sent (valid if has_type) */
	uint8_t family, transport; /* mapped, valid if has_family / has_proto */
	uint8_t has_type, has_family, has_proto;
};

/*
 * Walk Message fields from c (all of them, or the rest after
 * dnstap_peek stopped, with what it saw in *fs) into *m, whose pointers
 * and has_* fields the caller zeroed; identity is the caller's. Returns
 * E_OK or the sticky error, with *m zeroed on error.
 */
static inline __attribute__((always_inline)) int dnstap_message_fields_at(struct pb *c, struct dt_first *fs, struct capd_msg *m,
    int quick)
{
	const uint8_t *qa = NULL, *ra = NULL, *qm = NULL, *rm = NULL;
	size_t qalen = 0, ralen = 0, qmlen = 0, rmlen = 0;
	uint64_t qsec = 0, rsec = 0, v;
	uint32_t qnsec = 0, rnsec = 0;
	unsigned wt = 0;
	uint32_t f;
	m->family = fs->family;
	m->transport = fs->transport;
	/*
	 * quick (see dnstap_message_quick): fields 4..10, 12..14 with one-byte
	 * keys of the right wire type and values in bounds; the general loop
	 * below takes over at the first key it does not take, at that key.
	 */
	while (quick && c->p < c->end) {
		const uint8_t *p = c->p, *end = c->end;
		uint8_t k = p[0];
		size_t n;
		unsigned h;
		int vl;
		if (k == (4 << 3 | WT_LEN) || k == (5 << 3 | WT_LEN) || k == (10 << 3 | WT_LEN) || k == (14 << 3 | WT_LEN)) {
			if (end - p < 3 || (h = quick_len(p + 1, &n)) == 0 || n > (size_t)(end - p - 1 - h))
				break;
			const uint8_t *q = p + 1 + h;
			if (k == (4 << 3 | WT_LEN)) {
				qa = q;
				qalen = n;
			} else if (k == (5 << 3 | WT_LEN)) {
				ra = q;
				ralen = n;
			} else if (k == (10 << 3 | WT_LEN)) {
				qm = q;
				qmlen = n;
			} else {
				rm = q;
				rmlen = n;
			}
			c->p = q + n;
		} else if (k == (6 << 3 | WT_VARINT) || k == (7 << 3 | WT_VARINT) || k == (8 << 3 | WT_VARINT) ||
			   k == (12 << 3 | WT_VARINT)) {
			if ((vl = varint_quick(p + 1, end, &v)) <= 0)
				break;
			if (k == (6 << 3 | WT_VARINT) || k == (7 << 3 | WT_VARINT)) {
				if (v > 65535)
					break;
				if (k == (6 << 3 | WT_VARINT))
					m->client_port = (uint16_t)v;
				else
					m->server_port = (uint16_t)v;
			} else if (k == (8 << 3 | WT_VARINT)) {
				qsec = v;
				m->has_query_time = 1;
			} else {
				rsec = v;
				m->has_response_time = 1;
			}
			c->p = p + 1 + vl;
		} else if ((k == (9 << 3 | WT_FIXED32) || k == (13 << 3 | WT_FIXED32)) && end - p >= 5) {
			uint32_t x = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
			if (k == (9 << 3 | WT_FIXED32))
				qnsec = x;
			else
				rnsec = x;
			c->p = p + 5;
		} else {
			break;
		}
	}
	while ((f = pb_key(c, &wt)) != 0) {
		switch (f) {
		/*
		 * type, family, protocol: the first occurrence counts (protobuf
		 * says the last), so that dnstap_peek_type, which stops at the
		 * first, counts a hostile frame with repeats exactly as decode does.
		 */
		case 1:
			if (pb_want(c, wt, WT_VARINT)) {
				v = pb_varint(c);
				if (!fs->has_type)
					fs->type = v;
				fs->has_type = 1;
			}
			break;
		case 2:
			if (pb_want(c, wt, WT_VARINT)) {
				v = pb_varint(c);
				if (!fs->has_family)
					m->family = dnstap_family(v);
				fs->has_family = 1;
			}
			break;
		case 3:
			if (pb_want(c, wt, WT_VARINT)) {
				v = pb_varint(c);
				if (!fs->has_proto)
					m->transport = dnstap_transport(v);
				fs->has_proto = 1;
			}
			break;
		case 4: if (pb_want(c, wt, WT_LEN)) qa = pb_bytes(c, &qalen); break;
		case 5: if (pb_want(c, wt, WT_LEN)) ra = pb_bytes(c, &ralen); break;
		case 6:
		case 7:
			if (pb_want(c, wt, WT_VARINT)) {
				v = pb_varint(c);
				if (v > 65535)
					pb_fail(c, E_MALFORMED);
				else if (f == 6)
					m->client_port = (uint16_t)v;
				else
					m->server_port = (uint16_t)v;
			}
			break;
		case 8:
			if (pb_want(c, wt, WT_VARINT)) {
				qsec = pb_varint(c);
				m->has_query_time = 1;
			}
			break;
		case 9: if (pb_want(c, wt, WT_FIXED32)) qnsec = pb_fixed32(c); break;
		case 10: if (pb_want(c, wt, WT_LEN)) qm = pb_bytes(c, &qmlen); break;
		case 12:
			if (pb_want(c, wt, WT_VARINT)) {
				rsec = pb_varint(c);
				m->has_response_time = 1;
			}
			break;
		case 13: if (pb_want(c, wt, WT_FIXED32)) rnsec = pb_fixed32(c); break;
		case 14: if (pb_want(c, wt, WT_LEN)) rm = pb_bytes(c, &rmlen); break;
		default: /* 11 query_zone, 15 policy, 16 http_protocol, future fields */
			pb_skip(c, wt);
			break;
		}
	}
	if (c->err == E_OK && !fs->has_type)
		pb_fail(c, E_MALFORMED);
	if (m->has_query_time)
		m->query_time_us = dnstap_time_us(c, qsec, qnsec);
	if (m->has_response_time)
		m->response_time_us = dnstap_time_us(c, rsec, rnsec);
	if (c->err != E_OK) {
		memset(m, 0, sizeof(*m));
		return c->err;
	}

	m->type = dnstap_msgtype(fs->type);
	dnstap_addr(qa, qalen, m->client_addr, &m->client_addr_len);
	dnstap_addr(ra, ralen, m->server_addr, &m->server_addr_len);
	if (!fs->has_family)
		m->family = m->client_addr_len == 4 ? 4 : m->client_addr_len == 16 ? 6 : 0;

	int is_response = m->type != MT_UNKNOWN ? m->type % 2 == 0 : rm != NULL;
	if (is_response && rm == NULL) {
		/* a response without its message is a broken frame, not a DNS message that failed to parse */
		memset(m, 0, sizeof(*m));
		return E_MALFORMED;
	}
	if (is_response) {
		m->dns = rm;
		m->dns_len = rmlen;
		m->query_dns = qm;
		m->query_dns_len = qm ? qmlen : 0;
	} else {
		m->dns = qm;
		m->dns_len = qmlen;
	}
	if (m->dns == NULL)
		m->dns_len = 0;
	return E_OK;
}

/*
 * The walks work on a private copy of the cursor: stores into *m (bytes,
 * which may alias anything) would otherwise make the compiler reload and
 * store the cursor around each one. As in common/record.c: the walk is
 * inlined here, once, so the copy never leaves registers.
 */
static __attribute__((noinline)) const uint8_t *dnstap_message(struct pb *c, size_t *mlen, const uint8_t **ident, size_t *ilen)
{
	struct pb l = *c;
	const uint8_t *msg = dnstap_message_at(&l, mlen, ident, ilen);
	*c = l;
	return msg;
}

static __attribute__((noinline)) int dnstap_message_fields(struct pb *c, struct dt_first *fs, struct capd_msg *m)
{
	struct pb l = *c;
	int rc = dnstap_message_fields_at(&l, fs, m, 0);
	*c = l;
	return rc;
}

/* the same with the quick path first: the pipeline's (dnstap_decode_peeked) */
static __attribute__((noinline)) int dnstap_message_fields_quick(struct pb *c, struct dt_first *fs, struct capd_msg *m)
{
	struct pb l = *c;
	int rc = dnstap_message_fields_at(&l, fs, m, 1);
	*c = l;
	return rc;
}

/* the Dnstap's fields 1 (identity), 2, 14 (message), 15 (= 1) in their usual forms; NULL: use dnstap_message */
static inline const uint8_t *dnstap_message_quick(const uint8_t *p, const uint8_t *end, size_t *mlen,
    const uint8_t **ident, size_t *ilen)
{
	const uint8_t *msg = NULL, *id = NULL;
	size_t ml = 0, il = 0;
	while (p < end) {
		uint8_t k = p[0];
		if (k == (1 << 3 | WT_LEN) || k == (2 << 3 | WT_LEN) || k == (14 << 3 | WT_LEN)) {
			size_t n;
			unsigned h;
			if (end - p < 3 || (h = quick_len(p + 1, &n)) == 0 || n > (size_t)(end - p - 1 - h))
				return NULL;
			if (k == (1 << 3 | WT_LEN)) {
				id = p + 1 + h;
				il = n;
			} else if (k == (14 << 3 | WT_LEN)) {
				msg = p + 1 + h;
				ml = n;
			}
			p += 1 + h + n;
		} else if (k == (15 << 3 | WT_VARINT) && end - p >= 2 && p[1] == 1) {
			p += 2;
		} else {
			return NULL;
		}
	}
	if (msg == NULL)
		return NULL;
	*mlen = ml;
	if (id != NULL) {
		*ident = id;
		*ilen = il;
	}
	return msg;
}

int dnstap_decode(const uint8_t *buf, size_t len, struct capd_msg *m)
{
	if (buf == NULL || m == NULL)
		return E_INVAL;
	memset(m, 0, sizeof(*m));
	struct pb top = { buf, buf + len, E_OK };
	size_t mlen;
	const uint8_t *ident = NULL;
	size_t ilen = 0;
	const uint8_t *msg = dnstap_message(&top, &mlen, &ident, &ilen);
	if (msg == NULL)
		return top.err;
	struct pb c = { msg, msg + mlen, E_OK };
	struct dt_first fs = { 0 };
	int rc = dnstap_message_fields(&c, &fs, m);
	if (rc == E_OK) {
		m->identity = ident;
		m->identity_len = ilen;
	}
	return rc;
}

int dnstap_peek(const uint8_t *buf, size_t len, struct dnstap_peek *pk)
{
	if (pk == NULL)
		return E_INVAL;
	memset(pk, 0, sizeof(*pk));
	if (buf == NULL)
		return E_INVAL;

	uint8_t t = MT_UNKNOWN, tr = TR_UNKNOWN, fam = 0;
	unsigned found = 0, skipped = 0;
	uint64_t raw_type = 0;
	struct pb top = { buf, buf + len, E_OK };
	size_t mlen = 0;
	const uint8_t *msg = dnstap_message_quick(buf, buf + len, &mlen, &pk->identity, &pk->identity_len);
	if (msg == NULL) {
		pk->identity = NULL;
		pk->identity_len = 0;
		msg = dnstap_message(&top, &mlen, &pk->identity, &pk->identity_len);
	}
	if (msg == NULL) {
		pk->identity = NULL;
		pk->identity_len = 0;
		return top.err;
	}
	struct pb c = { msg, msg + mlen, E_OK };
	unsigned wt = 0;
	uint32_t f;
	/*
	 * quick: fields 1, 2, 3 in that order, one-byte values, with more of
	 * the Message after them (so the general walk would read each value
	 * by its two-byte-window path too: the same value)
	 */
	if (mlen > 6 && msg[0] == (1 << 3 | WT_VARINT) && msg[1] < 0x80 && msg[2] == (2 << 3 | WT_VARINT) &&
	    msg[3] < 0x80 && msg[4] == (3 << 3 | WT_VARINT) && msg[5] < 0x80) {
		raw_type = msg[1];
		t = dnstap_msgtype(raw_type);
		fam = dnstap_family(msg[3]);
		tr = dnstap_transport(msg[5]);
		found = 7;
		c.p = msg + 6;
	}
	while (found != 7 && (f = pb_key(&c, &wt)) != 0) {
		if (f >= 1 && f <= 3) {
			if (!pb_want(&c, wt, WT_VARINT))
				break;
			uint64_t v = pb_varint(&c);
			if (found & (1u << (f - 1)))
				continue; /* repeated: the first counts */
			if (f == 1) {
				raw_type = v;
				t = dnstap_msgtype(v);
			} else if (f == 2) {
				fam = dnstap_family(v);
			} else {
				tr = dnstap_transport(v);
			}
			found |= 1u << (f - 1);
		} else {
			pb_skip(&c, wt);
			skipped = 1;
		}
	}
	if (c.err == E_OK && !(found & 1))
		pb_fail(&c, E_MALFORMED);
	if (c.err != E_OK) {
		memset(pk, 0, sizeof(*pk));
		return c.err;
	}
	pk->type = t;
	pk->transport = tr;
	pk->family = fam;
	pk->msg = msg;
	pk->msg_end = msg + mlen;
	/*
	 * The decode can take over where the peek stopped only if the peek
	 * read nothing but fields 1..3 so far (it skips the others unread);
	 * otherwise the decode walks the Message again from its start.
	 */
	pk->resume = skipped ? msg : c.p;
	pk->found = skipped ? 0 : (uint8_t)found;
	pk->raw_type = raw_type;
	return E_OK;
}

int dnstap_decode_peeked(const struct dnstap_peek *pk, struct capd_msg *m)
{
	if (pk == NULL || m == NULL || pk->msg == NULL)
		return E_INVAL;
	memset(m, 0, sizeof(*m));
	struct pb c = { pk->resume, pk->msg_end, E_OK };
	struct dt_first fs = { 0 };
	if (pk->found & 1) {
		fs.has_type = 1;
		fs.type = pk->raw_type;
	}
	if (pk->found & 2) {
		fs.has_family = 1;
		fs.family = pk->family;
	}
	if (pk->found & 4) {
		fs.has_proto = 1;
		fs.transport = pk->transport;
	}
	int rc = dnstap_message_fields_quick(&c, &fs, m);
	if (rc == E_OK) {
		m->identity = pk->identity;
		m->identity_len = pk->identity_len;
	}
	return rc;
}

int dnstap_peek_type(const uint8_t *buf, size_t len, uint8_t *type, uint8_t *transport,
		     uint8_t *family)
{
	struct dnstap_peek pk;
	if (type) *type = 0;
	if (transport) *transport = 0;
	if (family) *family = 0;
	int rc = dnstap_peek(buf, len, &pk);
	if (rc != E_OK)
		return rc;
	if (type) *type = pk.type;
	if (transport) *transport = pk.transport;
	if (family) *family = pk.family;
	return E_OK;
}
