/* common/record_cbor.h: the CBOR writer and sticky-error reader shared by record.c, counters.c, payload.c and batch.c (internal, not an API). */
#ifndef DNSA_COMMON_RECORD_CBOR_H
#define DNSA_COMMON_RECORD_CBOR_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "common/errors.h"
#include "common/record.h"

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

/* ---- encoding: libcbor's streaming encoders write into a bounded buffer ---- */

struct wr {
	uint8_t *p;
	size_t cap, len;
	int full; /* sticky: something did not fit */
};

/*
 * One CBOR head: major type (3 bits) | additional info, then the argument
 * in the fewest bytes (RFC 8949 4.2.1 preferred serialisation, what
 * libcbor's cbor_encode_* write): < 24 in the initial byte, else 1, 2, 4
 * or 8 big-endian bytes after 24..27. Inline: this runs ~20 times per
 * record on capd's hot path, where a library call each was a tenth of the
 * cost of a message.
 */
static inline __attribute__((always_inline)) void w_head_c(struct wr *w, uint8_t major, uint64_t v, int chk)
{
	if (chk && w->full)
		return;
	uint8_t *p = w->p + w->len;
	/* chk 0: the caller knows the room is there (record_encode's bound): no per-head test */
	size_t room = chk ? w->cap - w->len : 9;
	uint8_t mt = (uint8_t)(major << 5);
	if (v < 24) {
		if (room < 1)
			goto full;
		p[0] = mt | (uint8_t)v;
		w->len += 1;
	} else if (v <= 0xff) {
		if (room < 2)
			goto full;
		p[0] = mt | 24;
		p[1] = (uint8_t)v;
		w->len += 2;
	} else if (v <= 0xffff) {
		if (room < 3)
			goto full;
		p[0] = mt | 25;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)v;
		w->len += 3;
	} else if (v <= 0xffffffffu) {
		if (room < 5)
			goto full;
		p[0] = mt | 26;
		for (int i = 0; i < 4; i++)
			p[1 + i] = (uint8_t)(v >> (24 - 8 * i));
		w->len += 5;
	} else {
		if (room < 9)
			goto full;
		p[0] = mt | 27;
		for (int i = 0; i < 8; i++)
			p[1 + i] = (uint8_t)(v >> (56 - 8 * i));
		w->len += 9;
	}
	return;
full:
	w->full = 1;
}
static inline void w_head(struct wr *w, uint8_t major, uint64_t v) { w_head_c(w, major, v, 1); }
static inline void w_uint(struct wr *w, uint64_t v) { w_head(w, 0, v); }
static inline void w_map(struct wr *w, size_t n) { w_head(w, 5, n); }
static inline void w_array(struct wr *w, size_t n) { w_head(w, 4, n); }
static inline void w_raw(struct wr *w, const void *src, size_t n)
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
static inline void w_text(struct wr *w, const char *s)
{
	size_t n = strlen(s);
	w_head(w, 3, n);
	w_raw(w, s, n);
}
static inline void w_bytes(struct wr *w, const uint8_t *b, size_t n)
{
	w_head(w, 2, n);
	w_raw(w, b, n);
}
static inline void w_kv(struct wr *w, unsigned k, uint64_t v)
{
	w_uint(w, k);
	w_uint(w, v);
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
static inline const uint8_t *rd_str(struct rd *r, unsigned want_major, size_t *n)
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

static inline void rd_text(struct rd *r, char *dst, size_t cap)
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
static inline uint64_t rd_container(struct rd *r, unsigned want_major)
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
static inline void rd_skip(struct rd *r, int depth)
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

/* the readers of one item that live in another file of the codec (the cursor is advanced) */
void record_rd(struct rd *r, struct dnsa_record *rec);                 /* record.c: one record map */
void counters_rd(struct rd *r, struct dnsa_counters *c);               /* counters.c: a counters map */
void counters_rd_zones(struct rd *r, struct dnsa_zone_total *out, size_t max, int *count);
void counters_rd_sketches(struct rd *r, struct dnsa_sketch_piece *out, size_t max, int *count);

#endif
