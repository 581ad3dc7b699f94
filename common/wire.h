/* common/wire.h: reading untrusted wire formats: big-endian loads and stores, and a sticky-error cursor. */
#ifndef DNSA_COMMON_WIRE_H
#define DNSA_COMMON_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/errors.h"

/*
 * Loads and stores at p, which the caller has checked holds the bytes (any
 * alignment). Inline: packet decoding calls them per field. Cannot fail.
 */
static inline uint16_t wire_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t wire_be64(const uint8_t *p)
{
	return (uint64_t)wire_be32(p) << 32 | wire_be32(p + 4);
}

static inline void wire_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void wire_put_be64(uint8_t *p, uint64_t v)
{
	wire_put_be32(p, (uint32_t)(v >> 32));
	wire_put_be32(p + 4, (uint32_t)v);
}

/*
 * Cursor over untrusted bytes with a sticky error (Knot's wire_ctx shape):
 * the first read that does not fit records E_TRUNCATED (or the parser
 * records its own code with wire_fail) and where; every read after that is
 * a no-op returning 0 or NULL, so a parser reads its fields and checks
 * c->err once. Nothing is ever read past p + len.
 *
 *   p[0] ................ p[off] ............ p[len]
 *        already read      next read           end
 */
struct wire_cur {
	const uint8_t *p; /* the bytes (borrowed) */
	size_t len;       /* how many */
	size_t off;       /* next byte to read, <= len */
	int err;          /* E_OK, or the first failure (sticky) */
	size_t err_off;   /* off where that failure was found */
};

/* wire_init: a cursor over p[0..len), at 0, no error. Cannot fail. */
static inline void wire_init(struct wire_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
	c->err = E_OK;
	c->err_off = 0;
}

/* wire_fail: record err found at off, unless an earlier failure is recorded. */
static inline void wire_fail(struct wire_cur *c, int err, size_t off)
{
	if (c->err == E_OK) {
		c->err = err;
		c->err_off = off;
	}
}

/* wire_take: the next n bytes, advancing past them; NULL (E_TRUNCATED at off) if fewer are left. */
static inline const uint8_t *wire_take(struct wire_cur *c, size_t n)
{
	const uint8_t *r;
	if (c->err != E_OK)
		return NULL;
	if (c->len - c->off < n) {
		wire_fail(c, E_TRUNCATED, c->off);
		return NULL;
	}
	r = c->p + c->off;
	c->off += n;
	return r;
}

static inline void wire_skip(struct wire_cur *c, size_t n)
{
	(void)wire_take(c, n);
}

static inline uint8_t wire_u8(struct wire_cur *c)
{
	const uint8_t *b = wire_take(c, 1);
	return b ? b[0] : 0;
}

static inline uint16_t wire_u16(struct wire_cur *c)
{
	const uint8_t *b = wire_take(c, 2);
	return b ? wire_be16(b) : 0;
}

static inline uint32_t wire_u32(struct wire_cur *c)
{
	const uint8_t *b = wire_take(c, 4);
	return b ? wire_be32(b) : 0;
}

static inline uint64_t wire_u64(struct wire_cur *c)
{
	const uint8_t *b = wire_take(c, 8);
	return b ? wire_be64(b) : 0;
}

/* wire_copy: the next n bytes into dst (dst untouched on failure). */
static inline void wire_copy(struct wire_cur *c, void *dst, size_t n)
{
	const uint8_t *b = wire_take(c, n);
	if (b)
		memcpy(dst, b, n);
}

/* wire_left: bytes not yet read (0 once failed). */
static inline size_t wire_left(const struct wire_cur *c)
{
	return c->err != E_OK ? 0 : c->len - c->off;
}

/* wire_here: where the next read starts (valid for wire_left bytes). */
static inline const uint8_t *wire_here(const struct wire_cur *c)
{
	return c->p + c->off;
}

#endif
