/* tests/unit/test_sampler.c: sampler modes, weights and statistics (TAP). */
#include <math.h>
#include <stdlib.h>

#include "capd/sampler.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

#define RESP_MASK ((1u << MT_AUTH_RESPONSE) | (1u << MT_CLIENT_RESPONSE))

static struct sampler *mk(enum sampler_mode mode, uint32_t n, uint64_t seed)
{
	struct sampler_conf c = { .mode = mode, .n = n, .target = 1000, .min_n = 1, .max_n = 100000,
		.type_mask = RESP_MASK, .seed = seed };
	struct sampler *made;
	sampler_new(&c, &made);
	return made;
}

/* feed `msgs` eligible messages during one simulated second ending at *t; returns records, adds weights */
static uint64_t second(struct sampler *s, uint64_t msgs, uint64_t *t, uint64_t *wsum)
{
	uint64_t rec = 0;
	int skip;
	for (uint64_t i = 0; i < msgs; i++) {
		uint32_t w = sampler_decide(s, MT_AUTH_RESPONSE, &skip);
		if (w) {
			rec++;
			*wsum += w;
		}
	}
	*t += 1000000;
	sampler_tick(s, *t);
	return rec;
}

int main(void)
{
	struct sampler_conf c = { 0 };
	int skip = -1;

	/* mode parsing */
	is(sampler_parse_mode("all", &c), E_OK, "parse all");
	is(c.mode, SAMPLER_ALL, "all mode");
	is(sampler_parse_mode("nth:10", &c), E_OK, "parse nth:10");
	is(c.mode, SAMPLER_NTH, "nth mode");
	is(c.n, 10, "nth n");
	is(sampler_parse_mode("random:100", &c), E_OK, "parse random:100");
	is(c.mode, SAMPLER_RANDOM, "random mode");
	is(c.n, 100, "random n");
	is(sampler_parse_mode("adaptive", &c), E_OK, "parse adaptive");
	is(c.mode, SAMPLER_ADAPTIVE, "adaptive mode");
	is(sampler_parse_mode("nth:0", &c), E_INVAL, "nth:0 rejected");
	is(sampler_parse_mode("random:", &c), E_INVAL, "random: rejected");
	is(sampler_parse_mode("random:-3", &c), E_INVAL, "random:-3 rejected");
	is(sampler_parse_mode("nth:5x", &c), E_INVAL, "nth:5x rejected");
	is(sampler_parse_mode("sometimes", &c), E_INVAL, "unknown mode rejected");
	is(sampler_parse_mode(NULL, &c), E_INVAL, "NULL mode rejected");

	/* type masks */
	uint32_t m = 0;
	is(sampler_type_mask("AUTH_RESPONSE, CLIENT_RESPONSE", &m), E_OK, "type list parses");
	is(m, RESP_MASK, "mask of AR+CR");
	is(sampler_type_mask("aq,ar", &m), E_OK, "short names parse");
	is(m, (1u << MT_AUTH_QUERY) | (1u << MT_AUTH_RESPONSE), "mask of AQ+AR");
	is(sampler_type_mask("AUTH_RESPONSE,BOGUS", &m), E_INVAL, "unknown type rejected");
	is(sampler_type_mask("", &m), E_INVAL, "empty list rejected");
	/* what may be sampled: each client exchange at most once (the zone series count it) */
	ok(sampler_types_check(RESP_MASK, 0) == NULL, "AR+CR (the default) accepted");
	ok(sampler_types_check((1u << MT_AUTH_QUERY) | (1u << MT_CLIENT_QUERY), 0) == NULL, "AQ+CQ (queries only) accepted");
	ok(sampler_types_check(1u << MT_AUTH_RESPONSE, 0) == NULL, "AR alone accepted");
	ok(sampler_types_check((1u << MT_AUTH_QUERY) | (1u << MT_AUTH_RESPONSE), 0) != NULL, "AQ+AR refused (double count)");
	ok(sampler_types_check((1u << MT_AUTH_QUERY) | (1u << MT_CLIENT_RESPONSE), 0) != NULL,
	    "AQ+CR refused (BIND's RD=1 pair)");
	ok(sampler_types_check(RESP_MASK | (1u << MT_RESOLVER_RESPONSE), 0) != NULL, "RESOLVER_RESPONSE refused");
	ok(sampler_types_check(1u << MT_RESOLVER_QUERY, 0) != NULL, "RESOLVER_QUERY refused");
	ok(sampler_types_check((1u << MT_AUTH_QUERY) | (1u << MT_AUTH_RESPONSE), 1) == NULL,
	    "AQ+AR accepted with double_count");
	ok(sampler_types_check(RESP_MASK | (1u << MT_TOOL_QUERY), 1) == NULL, "TOOL_QUERY accepted with double_count");
	for (unsigned t = MT_FORWARDER_QUERY; t < MT_MAX; t++)
		ok(sampler_types_check(1u << t, 0) != NULL, "%s refused", sampler_type_name(t));
	is_str(sampler_type_name(MT_CLIENT_RESPONSE), "CLIENT_RESPONSE", "type name");
	ok(sampler_type_name(99) == NULL, "no name for type 99");

	/* bad configurations */
	struct sampler_conf bad = { .mode = SAMPLER_NTH, .n = 0, .type_mask = RESP_MASK };
	struct sampler *none_sampler = NULL;
	ok(sampler_new(&bad, &none_sampler) == E_INVAL && none_sampler == NULL, "nth with n=0 refused");
	bad = (struct sampler_conf){ .mode = SAMPLER_ADAPTIVE, .target = 10, .min_n = 5, .max_n = 2 };
	ok(sampler_new(&bad, &none_sampler) == E_INVAL && none_sampler == NULL, "adaptive with min_n > max_n refused");
	ok(sampler_new(NULL, &none_sampler) == E_INVAL && none_sampler == NULL, "NULL conf refused");
	sampler_free(NULL);

	/* all: weight 1 for eligible, 0 and skipped for other types */
	struct sampler *s = mk(SAMPLER_ALL, 1, 1);
	is(sampler_decide(s, MT_AUTH_RESPONSE, &skip), 1, "all: AR weight 1");
	is(skip, 0, "all: AR not type-skipped");
	is(sampler_decide(s, MT_AUTH_QUERY, &skip), 0, "all: AQ not sampled");
	is(skip, 1, "all: AQ type-skipped");
	is(sampler_decide(s, 200, &skip), 0, "type 200 not sampled");
	is(skip, 1, "type 200 type-skipped");
	sampler_free(s);

	/* nth:10: exactly every 10th eligible message, weight 10, queries in between don't count */
	s = mk(SAMPLER_NTH, 10, 1);
	int taken = 0, first = -1, wrong_w = 0;
	for (int i = 1; i <= 1000; i++) {
		sampler_decide(s, MT_AUTH_QUERY, &skip);
		uint32_t w = sampler_decide(s, MT_CLIENT_RESPONSE, &skip);
		if (w) {
			taken++;
			if (first < 0)
				first = i;
			if (w != 10 || i % 10 != 0)
				wrong_w++;
		}
	}
	is(taken, 100, "nth:10 takes exactly 100 of 1000");
	is(first, 10, "nth:10 first pick is the 10th");
	is(wrong_w, 0, "nth:10 picks are every 10th with weight 10");
	is(sampler_current_n(s), 10, "nth current n");
	sampler_free(s);

	/* random:10 over 1e6 with a fixed seed: binomial(1e6, 0.1), sd = 300 */
	s = mk(SAMPLER_RANDOM, 10, 12345);
	uint64_t rec = 0, wsum = 0;
	for (int i = 0; i < 1000000; i++) {
		uint32_t w = sampler_decide(s, MT_AUTH_RESPONSE, &skip);
		if (w) {
			rec++;
			wsum += w;
		}
	}
	diag("random:10 took %llu of 1e6", (unsigned long long)rec);
	ok(rec > 100000 - 1500 && rec < 100000 + 1500, "random:10 count within 5 sd of 100000");
	is(wsum, rec * 10, "random:10 weights are 10");
	ok(wsum > 1000000 - 15000 && wsum < 1000000 + 15000, "random:10 estimate within 5 sd of 1e6");
	sampler_free(s);

	/* two seeds give different streams; the same seed the same */
	struct sampler *a = mk(SAMPLER_RANDOM, 2, 7), *b = mk(SAMPLER_RANDOM, 2, 7), *d = mk(SAMPLER_RANDOM, 2, 8);
	int same = 0, diff = 0;
	for (int i = 0; i < 1000; i++) {
		uint32_t x = sampler_decide(a, MT_AUTH_RESPONSE, &skip);
		same += x == sampler_decide(b, MT_AUTH_RESPONSE, &skip);
		diff += x != sampler_decide(d, MT_AUTH_RESPONSE, &skip);
	}
	is(same, 1000, "same seed, same decisions");
	ok(diff > 100, "other seed, other decisions (%d differ)", diff);
	sampler_free(a);
	sampler_free(b);
	sampler_free(d);

	/* adaptive: 100k msgs/s steady, target 1000/s: within 10% after 3 s, estimate unbiased */
	s = mk(SAMPLER_ADAPTIVE, 0, 99);
	uint64_t t = 1000000;
	sampler_tick(s, t);
	wsum = 0;
	for (int i = 0; i < 3; i++)
		second(s, 100000, &t, &wsum);
	int in_band = 0;
	wsum = 0;
	uint64_t total = 0;
	for (int i = 0; i < 10; i++) {
		rec = second(s, 100000, &t, &wsum);
		total += rec;
		in_band += rec >= 900 && rec <= 1100;
	}
	is(in_band, 10, "adaptive 100k/s -> 1000/s: every second within 10%% after 3 s");
	is(sampler_current_n(s), 100, "adaptive settles on n = 100");
	ok(fabs((double)wsum - 1e6) < 5 * sqrt(1e6 * 100), "adaptive estimate of 1e6 within 5 sd (%llu)",
	    (unsigned long long)wsum);

	/* step down to 1500 msgs/s: n* = 1.5 (dithering between 1 and 2), ~1000 records/s */
	for (int i = 0; i < 6; i++)
		second(s, 1500, &t, &wsum);
	wsum = 0;
	total = 0;
	in_band = 0;
	for (int i = 0; i < 10; i++) {
		rec = second(s, 1500, &t, &wsum);
		total += rec;
		in_band += rec >= 900 && rec <= 1100;
	}
	ok(in_band >= 9, "adaptive 1500/s: records within 10%% of 1000 (%d of 10 s)", in_band);
	ok(fabs((double)wsum - 15000) < 5 * sqrt(15000 * 0.5), "dithered weights estimate 15000 (%llu)",
	    (unsigned long long)wsum);
	is(sampler_current_n(s), 1, "dithering between n=1 and n=2");

	/* below target: everything, weight 1 */
	for (int i = 0; i < 8; i++)
		second(s, 500, &t, &wsum);
	wsum = 0;
	rec = second(s, 500, &t, &wsum);
	is(rec, 500, "adaptive under target keeps everything");
	is(wsum, 500, "with weight 1");
	sampler_free(s);

	/* adaptive clamps to max_n */
	struct sampler_conf ac = { .mode = SAMPLER_ADAPTIVE, .target = 10, .min_n = 2, .max_n = 50,
		.type_mask = RESP_MASK, .seed = 3 };
	sampler_new(&ac, &s);
	is(sampler_current_n(s), 2, "adaptive starts at min_n");
	t = 1;
	sampler_tick(s, t);
	wsum = 0;
	second(s, 100000, &t, &wsum);
	is(sampler_current_n(s), 50, "adaptive clamps at max_n");
	sampler_free(s);

	return done_testing();
}
