/* tests/tap.h: a minimal TAP producer for the unit tests (plan, ok, is, done). */
#ifndef DNSA_TESTS_TAP_H
#define DNSA_TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n;      /* tests run so far */
static int tap_failed; /* tests failed so far */

static inline void plan(int n) { printf("1..%d\n", n); fflush(stdout); }

static inline int ok_(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   Failed test at %s line %d\n", file, line);
	}
	fflush(stdout);
	return cond;
}
#define ok(cond, ...) ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* is: integers equal (as intmax_t), with both values shown on failure */
#define is(got, want, ...) do { \
	intmax_t g_ = (intmax_t)(got), w_ = (intmax_t)(want); \
	if (!ok_(g_ == w_, __FILE__, __LINE__, __VA_ARGS__)) \
		printf("#          got: %jd\n#     expected: %jd\n", g_, w_); \
} while (0)

/* is_str: C strings equal (NULL allowed) */
#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	int eq_ = (g_ == NULL || w_ == NULL) ? g_ == w_ : strcmp(g_, w_) == 0; \
	if (!ok_(eq_, __FILE__, __LINE__, __VA_ARGS__)) \
		printf("#          got: '%s'\n#     expected: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

static inline void diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* done_testing: print the plan at the end; exit status is the failure count */
static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed > 254 ? 254 : tap_failed;
}

#endif
