/* api/jbuf.h: JSON text written straight into one reusable buffer, formatted as jansson would (hot path). */
#ifndef DNSA_API_JBUF_H
#define DNSA_API_JBUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * A growable text buffer with a sticky error: once a write fails (no memory,
 * or the answer would pass cap) every later write is a no-op and err says
 * why; the caller checks err once at the end. The buffer is kept between
 * uses (jbuf_reset), so a thread that answers the same request again does
 * not allocate. The writers produce exactly the bytes jansson's
 * json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(12)) produces for the same
 * values, so an answer written here equals one built from json_t objects.
 */
struct jbuf {
	char *p;        /* text (owned), not NUL-terminated */
	size_t len;     /* bytes written */
	size_t size;    /* bytes allocated */
	size_t cap;     /* most bytes an answer may take (E_TOOBIG beyond) */
	int err;        /* E_OK, or the first failure: E_NOMEM, E_TOOBIG, E_INVAL (invalid UTF-8) */
};

/* jbuf_init: an empty buffer that may grow to cap bytes. Cannot fail (allocates on first write). */
void jbuf_init(struct jbuf *b, size_t cap);
/* jbuf_reset: empty it (keeping the memory) and clear the error. */
void jbuf_reset(struct jbuf *b);
/* jbuf_fini: free the memory. Accepts NULL. */
void jbuf_fini(struct jbuf *b);

/* raw bytes (already JSON) */
void jbuf_put(struct jbuf *b, const char *s, size_t n);
void jbuf_putc(struct jbuf *b, char c);
#define jbuf_lit(b, s) jbuf_put((b), (s), sizeof(s) - 1)
/* a JSON string of n bytes of UTF-8 (quotes added, escaped as jansson does; invalid UTF-8 is E_INVAL) */
void jbuf_str(struct jbuf *b, const char *s, size_t n);
/* an integer */
void jbuf_int(struct jbuf *b, int64_t v);
/* a real as jansson with precision 12 ("%.12g", ".0" added, exponent without '+' or leading zeros); NaN/inf as null */
void jbuf_real(struct jbuf *b, double v);
/*
 * jbuf_decimal: a decimal number as MariaDB's text ("-123.4500"), written as
 * jbuf_real(strtod(s)) would write it; the common case (at most 12
 * significant digits, no exponent needed) is a copy without a double.
 */
void jbuf_decimal(struct jbuf *b, const char *s, size_t n);
/* jbuf_intstr: an integer column's text as json_integer(strtoll(s)), or a real above 2^63 */
void jbuf_intstr(struct jbuf *b, const char *s, size_t n);

#endif
