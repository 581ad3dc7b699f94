/* tests/unit/test_hll.c: common/hll: estimates against exact distinct counts, the error against 1.04/sqrt(m), merge = union. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hll.h"
#include "tests/tap.h"

/* distinct IPv4-like keys: value i of trial t (distinct for distinct (t, i)) */
static void key(uint32_t t, uint32_t i, uint8_t out[8])
{
	memcpy(out, &t, 4);
	memcpy(out + 4, &i, 4);
}

static void test_basics(void)
{
	static struct hll h, g, u;
	double se = -1;
	hll_clear(&h);
	ok(hll_estimate(&h, &se) == 0 && se == 0, "an empty sketch estimates 0 with se 0");
	is(hll_nonzero(&h), 0, "an empty sketch has no register set");
	uint8_t k[8];
	key(0, 1, k);
	for (int i = 0; i < 1000; i++)
		hll_add_hash(&h, hll_hash(k, sizeof k, 0));
	is(hll_nonzero(&h), 1, "one value added 1000 times sets one register");
	double e = hll_estimate(&h, &se);
	ok(fabs(e - 1) < 0.01, "one value: estimate %.4f", e);
	ok(hll_hash(k, 8, 0) != hll_hash(k, 8, 1), "the seed changes the hash");
	ok(hll_hash(k, 4, 0) != hll_hash(k, 8, 0), "the length is part of the hash");
	uint64_t w = 0;
	ok(hll_add_hash(&h, w) == 1 && h.reg[0] == HLL_RANK_MAX, "an all-zero hash takes the largest rank %u", HLL_RANK_MAX);

	/* merge is the union: A = 0..59999, B = 40000..99999, A u B = 0..99999 added to one sketch */
	hll_clear(&h);
	hll_clear(&g);
	hll_clear(&u);
	for (uint32_t i = 0; i < 100000; i++) {
		key(7, i, k);
		uint64_t x = hll_hash(k, sizeof k, 0);
		if (i < 60000)
			hll_add_hash(&h, x);
		if (i >= 40000)
			hll_add_hash(&g, x);
		hll_add_hash(&u, x);
	}
	hll_merge(&h, &g);
	ok(memcmp(h.reg, u.reg, HLL_M) == 0, "merge of two overlapping sketches = the sketch of their union");
	e = hll_estimate(&h, &se);
	diag("union of 100000: estimate %.0f, se %.0f, z %.2f", e, se, (e - 100000) / se);
	ok(fabs(e - 100000) < 3 * se, "union estimate within 3 se of 100000");

	/* chunks as they travel */
	hll_clear(&g);
	ok(hll_merge_chunk(&g, 0, h.reg, 2048) == 0 && hll_merge_chunk(&g, 2048, h.reg + 2048, 2048) == 0,
	    "two chunks merge");
	ok(memcmp(g.reg, h.reg, HLL_M) == 0, "two chunks rebuild the sketch");
	uint8_t bad[2] = { 1, HLL_RANK_MAX + 1 };
	ok(hll_merge_chunk(&g, 0, bad, 2) == -1, "a register above the largest rank is refused");
	ok(hll_merge_chunk(&g, HLL_M - 1, bad, 2) == -1, "a chunk past the last register is refused");
	ok(hll_merge_chunk(&g, HLL_M + 1, bad, 0) == -1, "a first register past the end is refused");
	ok(hll_merge_chunk(&g, 0, NULL, 1) == -1, "NULL registers refused");
	ok(hll_merge_chunk(&g, HLL_M, NULL, 0) == 0, "an empty chunk at the end is accepted");
	ok(memcmp(g.reg, h.reg, HLL_M) == 0, "refused chunks change nothing");
}

/*
 * For each n, T independent sketches of n distinct values: the mean
 * relative error (bias) and its spread against the theory: 1.04/sqrt(m)
 * for the raw estimate, the linear-counting se below 2.5 m.
 */
static void test_error(void)
{
	static const uint32_t ns[] = { 100, 1000, 5000, 20000, 100000, 400000 };
	enum { T = 24 };
	static struct hll h;
	uint8_t k[8];
	for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++) {
		uint32_t n = ns[a];
		double sum = 0, sq = 0, se_sum = 0, zmax = 0;
		for (uint32_t t = 0; t < T; t++) {
			hll_clear(&h);
			for (uint32_t i = 0; i < n; i++) {
				key(1000 * (uint32_t)a + t, i, k);
				hll_add_hash(&h, hll_hash(k, sizeof k, 0));
			}
			double se, e = hll_estimate(&h, &se);
			double r = (e - n) / n;
			sum += r;
			sq += r * r;
			se_sum += se / n;
			if (fabs((e - n) / se) > zmax)
				zmax = fabs((e - n) / se);
		}
		double mean = sum / T, rms = sqrt(sq / T), theory = se_sum / T;
		diag("n=%u: mean rel error %+.4f, rms %.4f, stated se %.4f (1.04/sqrt(m) = %.4f), max |z| %.2f",
		    n, mean, rms, theory, 1.04 / sqrt(HLL_M), zmax);
		/* the bias must be small against the noise of T trials, the spread as stated */
		ok(fabs(mean) < 3 * theory / sqrt(T) + 0.002, "n=%u: no bias beyond 3 se of the mean (%+.4f)", n, mean);
		ok(rms < 1.5 * theory + 0.001 && rms > 0.5 * theory - 0.001,
		    "n=%u: rms error %.4f agrees with the stated se %.4f", n, rms, theory);
		ok(zmax < 4, "n=%u: every trial within 4 se (max |z| %.2f)", n, zmax);
	}
	ok(fabs(1.04 / sqrt(HLL_M) - 0.01625) < 1e-5, "m = 4096: 1.04/sqrt(m) = 1.625%%");
}

int main(void)
{
	test_basics();
	test_error();
	return done_testing();
}
