/* api/jbuf.c: JSON text written straight into one reusable buffer, formatted as jansson would (hot path). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/jbuf.h"
#include "common/errors.h"

void jbuf_init(struct jbuf *b, size_t cap)
{
	memset(b, 0, sizeof *b);
	b->cap = cap;
}

void jbuf_reset(struct jbuf *b)
{
	b->len = 0;
	b->err = E_OK;
}

void jbuf_fini(struct jbuf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->size = 0;
}

/* room for n more bytes; 0, or -1 with the sticky error set */
static int room(struct jbuf *b, size_t n)
{
	if (b->err)
		return -1;
	if (n <= b->size - b->len)
		return 0;
	if (n > b->cap || b->len > b->cap - n) {
		b->err = E_TOOBIG;
		return -1;
	}
	size_t ns = b->size ? b->size : 4096;
	while (ns - b->len < n)
		ns *= 2;
	if (ns > b->cap)
		ns = b->cap;
	char *np = realloc(b->p, ns);
	if (!np) {
		b->err = E_NOMEM;
		return -1;
	}
	b->p = np;
	b->size = ns;
	return 0;
}

void jbuf_put(struct jbuf *b, const char *s, size_t n)
{
	if (room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void jbuf_putc(struct jbuf *b, char c)
{
	if (room(b, 1))
		return;
	b->p[b->len++] = c;
}

/* length of the UTF-8 sequence at s (n bytes left), 0 if invalid: jansson's utf8_check_first/full */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], len, v;
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		len = 2;
		v = c & 0x1F;
	} else if (c < 0xF0) {
		len = 3;
		v = c & 0x0F;
	} else if (c <= 0xF4) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (unsigned i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000))
		return 0;
	return len;
}

void jbuf_str(struct jbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	/* worst case every byte becomes \u00XX */
	if (n > (SIZE_MAX - 2) / 6 || room(b, 6 * n + 2))
		return;
	char *o = b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		if (c >= 0x80) {
			size_t l = utf8_len(u + i, n - i);
			if (!l) {
				b->err = E_INVAL;
				return;
			}
			memcpy(o, u + i, l);
			o += l;
			i += l;
			continue;
		}
		i++;
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default: {
			static const char hex[] = "0123456789ABCDEF";
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

void jbuf_int(struct jbuf *b, int64_t v)
{
	char t[24], *e = t + sizeof t, *q = e;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--q = '-';
	jbuf_put(b, q, (size_t)(e - q));
}

void jbuf_real(struct jbuf *b, double v)
{
	char t[40];
	if (!isfinite(v)) { /* json_real refuses these; a DECIMAL never is one */
		jbuf_lit(b, "null");
		return;
	}
	int r = snprintf(t, sizeof t - 3, "%.12g", v);
	if (r < 0 || (size_t)r >= sizeof t - 3) {
		b->err = b->err ? b->err : E_INVAL;
		return;
	}
	size_t n = (size_t)r;
	char *dot = strchr(t, '.'), *ex = strchr(t, 'e');
	if (!dot && !ex) {
		t[n++] = '.';
		t[n++] = '0';
	}
	if (ex) { /* "1e+20" -> "1e20", "1e-05" -> "1e-5" */
		char *st = ex + 1, *en = ex + 2;
		if (*st == '-')
			st++;
		while (*en == '0')
			en++;
		if (en != st) {
			memmove(st, en, n - (size_t)(en - t));
			n -= (size_t)(en - st);
		}
	}
	jbuf_put(b, t, n);
}

static void real_of(struct jbuf *b, const char *s, size_t n)
{
	char t[64];
	if (n >= sizeof t) {
		b->err = b->err ? b->err : E_INVAL;
		return;
	}
	memcpy(t, s, n);
	t[n] = 0;
	jbuf_real(b, strtod(t, NULL));
}

void jbuf_decimal(struct jbuf *b, const char *s, size_t n)
{
	size_t i = 0, ib, ie, fb, fe;
	int neg = 0;
	if (i < n && s[i] == '-') {
		neg = 1;
		i++;
	}
	ib = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	ie = i;
	fb = fe = i;
	if (i < n && s[i] == '.') {
		fb = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		fe = i;
	}
	if (i != n || ie == ib || (ie - ib > 1 && s[ib] == '0'))
		goto slow; /* not the plain form MariaDB writes */
	while (fe > fb && s[fe - 1] == '0')
		fe--;
	int intzero = ie - ib == 1 && s[ib] == '0';
	size_t sig;
	if (!intzero) {
		/* %.12g is fixed-point while the exponent is below 12, exact while 12 digits hold it */
		if (ie - ib > 12)
			goto slow;
		sig = ie - ib + (fe - fb);
	} else {
		size_t z = fb;
		while (z < fe && s[z] == '0')
			z++;
		if (z == fe) { /* zero */
			if (neg)
				goto slow;
			jbuf_lit(b, "0.0");
			return;
		}
		if (z - fb > 3) /* below 1e-4: %g switches to an exponent */
			goto slow;
		sig = fe - z;
	}
	if (sig > 12)
		goto slow;
	if (room(b, n + 3))
		return;
	char *o = b->p + b->len;
	if (neg)
		*o++ = '-';
	memcpy(o, s + ib, ie - ib);
	o += ie - ib;
	*o++ = '.';
	if (fe > fb) {
		memcpy(o, s + fb, fe - fb);
		o += fe - fb;
	} else {
		*o++ = '0';
	}
	b->len = (size_t)(o - b->p);
	return;
slow:
	real_of(b, s, n);
}

void jbuf_intstr(struct jbuf *b, const char *s, size_t n)
{
	size_t i = s && n && s[0] == '-' ? 1 : 0, d = i;
	while (d < n && s[d] >= '0' && s[d] <= '9')
		d++;
	/* canonical and at most 18 digits: what json_integer would print, byte for byte */
	if (d == n && n > i && n - i <= 18 && (s[i] != '0' || n - i == 1) && !(i && s[i] == '0')) {
		jbuf_put(b, s, n);
		return;
	}
	char t[64], *end;
	if (n >= sizeof t) {
		b->err = b->err ? b->err : E_INVAL;
		return;
	}
	memcpy(t, s, n);
	t[n] = 0;
	errno = 0;
	long long v = strtoll(t, &end, 10);
	if (errno == 0 && *end == 0)
		jbuf_int(b, v);
	else
		jbuf_real(b, strtod(t, NULL)); /* above 2^63: a double keeps the magnitude */
}
