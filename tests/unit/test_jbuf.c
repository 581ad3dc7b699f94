/* tests/unit/test_jbuf.c: api/jbuf.c writes exactly the bytes jansson would (numbers, decimals, strings), and its limits hold. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/jbuf.h"
#include "common/errors.h"
#include "tests/tap.h"

/* what the daemon did before: json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(12)) of one value */
static char *jansson(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(12) | JSON_ENCODE_ANY);
	json_decref(v);
	return s;
}

/* jb's text as a C string (static) */
static const char *text(struct jbuf *b)
{
	static char t[4096];
	size_t n = b->len < sizeof t - 1 ? b->len : sizeof t - 1;
	memcpy(t, b->p, n);
	t[n] = 0;
	return t;
}

int main(void)
{
	struct jbuf b;
	jbuf_init(&b, 1 << 20);

	/* DECIMAL columns as MariaDB writes them: the fast copy and the slow path both equal jansson */
	static const char *const dec[] = {
		"0.0000", "1.0000", "123.4567", "-0.5000", "0.1000", "-12.0000", "5", "0.00012345",
		"0.0000123",         /* below 1e-4: %g's exponent */
		"123456789012.5",    /* 13 significant digits: rounded */
		"999999999999.0000", /* 12 digits */
		"1234567890123.0",   /* exponent 12 */
		"12345678901234567890.1234", "1.23456789012345", "-0.0000", "00.5", "1e5", "", "-", ".5", NULL
	};
	for (int i = 0; dec[i]; i++) {
		jbuf_reset(&b);
		jbuf_decimal(&b, dec[i], strlen(dec[i]));
		char *want = jansson(json_real(strtod(dec[i], NULL)));
		is_str(text(&b), want, "decimal '%s' as jansson: %s", dec[i], want);
		free(want);
	}

	/* integer columns' text: canonical copies, and the ones that are not */
	static const char *const ints[] = { "0", "-1", "123", "9223372036854775807", "-9223372036854775808",
		"18446744073709551615", "007", "-0", "123456789012345678", "1234567890123456789", NULL };
	for (int i = 0; ints[i]; i++) {
		jbuf_reset(&b);
		jbuf_intstr(&b, ints[i], strlen(ints[i]));
		char *end;
		errno = 0;
		long long v = strtoll(ints[i], &end, 10); /* db.c's cell() before jbuf */
		char *want = jansson(errno == 0 && *end == 0 ? json_integer(v) : json_real(strtod(ints[i], NULL)));
		is_str(text(&b), want, "integer text '%s' as jansson: %s", ints[i], want);
		free(want);
	}
	static const int64_t iv[] = { 0, 1, -1, 42, INT64_MAX, INT64_MIN, -1000000 };
	for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++) {
		jbuf_reset(&b);
		jbuf_int(&b, iv[i]);
		char *want = jansson(json_integer(iv[i]));
		is_str(text(&b), want, "jbuf_int %s", want);
		free(want);
	}
	static const double rv[] = { 0, 1, -3, 0.1, 1e20, 1e-5, 1.5e300, 123456789012345.0, 2.5e-300 };
	for (size_t i = 0; i < sizeof rv / sizeof rv[0]; i++) {
		jbuf_reset(&b);
		jbuf_real(&b, rv[i]);
		char *want = jansson(json_real(rv[i]));
		is_str(text(&b), want, "jbuf_real %s", want);
		free(want);
	}

	/* strings: escapes as jansson's (\" \\ \b \f \n \r \t, \u00XX upper case), UTF-8 kept */
	static const char *const str[] = { "", "plain.zone", "q\"b\\s/", "\x01\x1f\n\t\r\b\f", "\x7f",
		"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NULL };
	for (int i = 0; str[i]; i++) {
		jbuf_reset(&b);
		jbuf_str(&b, str[i], strlen(str[i]));
		char *want = jansson(json_string(str[i]));
		is_str(text(&b), want, "string %d as jansson: %s", i, want);
		free(want);
	}
	jbuf_reset(&b);
	jbuf_str(&b, "a\0b", 3);
	is_str(text(&b), "\"a\\u0000b\"", "an embedded NUL is \\u0000");
	/* invalid UTF-8: jansson refuses to dump it; jbuf sets E_INVAL */
	static const char *const bad[] = { "\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80",
		NULL };
	for (int i = 0; bad[i]; i++) {
		jbuf_reset(&b);
		jbuf_str(&b, bad[i], strlen(bad[i]));
		char *j = jansson(json_stringn_nocheck(bad[i], strlen(bad[i])));
		ok(b.err == E_INVAL && j == NULL, "invalid UTF-8 %d: E_INVAL (jansson: no dump)", i);
		free(j);
	}

	/* the sticky error: once over cap, nothing more is written */
	jbuf_fini(&b);
	jbuf_init(&b, 8);
	jbuf_lit(&b, "12345678");
	is(b.err, E_OK, "exactly cap bytes fit");
	jbuf_putc(&b, '9');
	is(b.err, E_TOOBIG, "one more: E_TOOBIG");
	jbuf_int(&b, 5);
	jbuf_str(&b, "x", 1);
	is(b.len, 8, "writes after the error are no-ops");
	jbuf_reset(&b);
	is(b.err, E_OK, "jbuf_reset clears the error");
	jbuf_str(&b, "xx", 2); /* the escape reserve (6 per byte) is over cap: refused, not overrun */
	is(b.err, E_TOOBIG, "a string whose worst case passes cap is refused");
	jbuf_fini(&b);
	jbuf_fini(NULL);
	ok(1, "jbuf_fini accepts NULL");
	return done_testing();
}
