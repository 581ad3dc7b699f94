/* tests/unit/test_health.c: rollup/health: capd snapshots to increments (boots, gauges, late snapshots) and the per-minute/hour/day accumulator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/record.h"
#include "rollup/agg.h"
#include "rollup/health.h"
#include "tests/tap.h"

static void test_health(void)
{
	struct dnsa_counters last, snap, delta;
	memset(&last, 0, sizeof last);
	memset(&snap, 0, sizeof snap);
	counters_set(&snap, C_MSG_TOTAL, 1000);
	counters_set(&snap, C_SAMPLE_N, 10);
	snap.time_us = 5;
	health_delta(&last, &snap, &delta);
	is(delta.value[C_MSG_TOTAL], 1000, "first snapshot of a boot: all of it is new");
	ok(!counters_has(&delta, C_SAMPLE_N), "a gauge gives no increment");
	is(last.value[C_SAMPLE_N], 10, "but is remembered");
	counters_set(&snap, C_MSG_TOTAL, 1500);
	health_delta(&last, &snap, &delta);
	is(delta.value[C_MSG_TOTAL], 500, "next snapshot: the difference");
	counters_set(&snap, C_MSG_TOTAL, 1200);
	health_delta(&last, &snap, &delta);
	ok(!counters_has(&delta, C_MSG_TOTAL), "a late lower snapshot adds nothing");
	is(last.value[C_MSG_TOTAL], 1500, "and keeps the highest value");
	counters_set(&snap, C_MSG_TOTAL, 1500);
	health_delta(&last, &snap, &delta);
	ok(!counters_has(&delta, C_MSG_TOTAL), "an equal snapshot adds nothing");
	is_str(health_counter_name(C_MSG_TOTAL), "msg_total", "counter name from the codec");
	is_str(health_counter_name(69), "c69", "unnamed counter id");

	struct health *h;
	health_new(&h);
	health_free(NULL);
	is(health_add(h, 0, 1767225600ull * 1000000 + 61000000, HS_AGGD, "gaps", 2), E_OK, "health_add");
	health_add(h, 0, 1767225600ull * 1000000 + 62000000, HS_AGGD, "gaps", 3);
	health_add(h, 0, 1767225600ull * 1000000 + 62000000, HS_AGGD, "zero", 0);
	is(health_rows(h), 3, "one row per granularity (same minute), zero skipped");
	uint64_t it = 0;
	struct health_row row;
	int good = 0;
	while (health_next(h, &it, &row))
		good += row.value == 5 && strcmp(row.counter, "gaps") == 0;
	is(good, 3, "minute, hour and day rows hold 2 + 3");
	health_free(h);
}

static void test_delta_more(void)
{
	struct dnsa_counters last, snap, delta;
	ok(health_is_gauge(C_SAMPLE_N), "the sampling n is a gauge");
	ok(!health_is_gauge(C_MSG_TOTAL) && !health_is_gauge(C_DROP_OVERLOAD), "msg_total and drop_overload are counts");
	ok(health_is_gauge(C_KS_N) && health_is_gauge(C_KS_STATE) && !health_is_gauge(C_KS_DROP), "the kernel filter's n and state are gauges, its drops counts");
	is_str(health_counter_name(C_DROP_OVERLOAD), "drop_overload", "drop_overload's name");
	is_str(health_counter_name(C_COUNTER_MAX), "c_invalid", "an id past the table");

	/* counters come and go between snapshots; each is followed on its own */
	memset(&last, 0, sizeof last);
	memset(&snap, 0, sizeof snap);
	counters_set(&snap, C_MSG_TOTAL, 100);
	counters_set(&snap, C_PARSE_ERRORS, 0);
	snap.time_us = 2000;
	health_delta(&last, &snap, &delta);
	ok(counters_has(&delta, C_MSG_TOTAL) && !counters_has(&delta, C_PARSE_ERRORS), "a zero count gives no increment");
	is(delta.time_us, 2000, "the increments carry the snapshot's time");
	memset(&snap, 0, sizeof snap);
	counters_set(&snap, C_PARSE_ERRORS, 4);
	snap.time_us = 1000; /* older than the first */
	health_delta(&last, &snap, &delta);
	is(delta.value[C_PARSE_ERRORS], 4, "a counter absent before: its value is new");
	ok(!counters_has(&delta, C_MSG_TOTAL), "a counter absent from this snapshot: nothing");
	is(last.value[C_MSG_TOTAL], 100, "and its last value is kept");
	is(last.time_us, 2000, "last keeps the latest snapshot time");

	/* a new boot: the caller starts from zero, so the whole value counts again */
	struct dnsa_counters boot2;
	memset(&boot2, 0, sizeof boot2);
	memset(&snap, 0, sizeof snap);
	counters_set(&snap, C_MSG_TOTAL, 30);
	health_delta(&boot2, &snap, &delta);
	is(delta.value[C_MSG_TOTAL], 30, "new boot: 30 after the restart are 30 new");

	/* a run of snapshots: the increments add up to the last value */
	uint64_t sum = 0;
	memset(&last, 0, sizeof last);
	for (uint64_t v = 0; v <= 10000; v += 137) {
		memset(&snap, 0, sizeof snap);
		counters_set(&snap, C_MSG_TOTAL, v);
		health_delta(&last, &snap, &delta);
		sum += counters_has(&delta, C_MSG_TOTAL) ? delta.value[C_MSG_TOTAL] : 0;
	}
	is(sum, 137 * (10000 / 137), "increments of 74 snapshots add up to the last value");
}

/* health_add over two days against sums kept here, one per (gran, ts, node, source, counter) */
struct ref {
	unsigned gran, ts, node, src;
	const char *counter;
	uint64_t value;
};
static struct ref refs[20000];
static unsigned nref;

static void ref_add(unsigned gran, unsigned ts, unsigned node, unsigned src, const char *c, uint64_t v)
{
	for (unsigned i = 0; i < nref; i++)
		if (refs[i].gran == gran && refs[i].ts == ts && refs[i].node == node && refs[i].src == src &&
		    strcmp(refs[i].counter, c) == 0) {
			refs[i].value += v;
			return;
		}
	refs[nref++] = (struct ref){ gran, ts, node, src, c, v };
}

static void test_accumulate(void)
{
	static const char *names[] = { "msg_total", "gaps", "drop_overload" };
	static const unsigned span[3] = { 60, 3600, 86400 };
	const uint64_t day0 = 1767225600ull; /* 2026-01-01 00:00 UTC */
	uint64_t x = 0x2545f4914f6cdd1dull;
	struct health *h;
	health_new(&h);
	int okadd = 1;

	ok(h != NULL, "health_new");
	for (unsigned i = 0; i < 2000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned node = (unsigned)(x % 3), src = (unsigned)(x >> 8) % HS_MAX;
		const char *c = names[(x >> 16) % 3];
		uint64_t t = day0 + (x >> 24) % (2 * 86400), v = (x >> 40) % 5; /* 0 is skipped */
		uint64_t us = t * 1000000 + (x & 0xfffff); /* up to ~1 s later: may cross into the next minute */
		okadd &= health_add(h, node, us, (enum health_source)src, c, v) == E_OK;
		t = us / 1000000;
		if (v)
			for (unsigned g = 0; g < 3; g++)
				ref_add(g, (unsigned)(t - t % span[g]), node, src, c, v);
	}
	ok(okadd, "2000 health_add calls: E_OK");
	is(health_rows(h), nref, "one row per (granularity, period, node, source, counter): %u", nref);
	uint64_t it = 0;
	struct health_row row;
	unsigned match = 0, rows = 0;
	while (health_next(h, &it, &row)) {
		rows++;
		for (unsigned i = 0; i < nref; i++)
			if (refs[i].gran == row.gran && refs[i].ts == row.ts && refs[i].node == row.node &&
			    refs[i].src == row.source && strcmp(refs[i].counter, row.counter) == 0) {
				match += refs[i].value == row.value;
				break;
			}
	}
	is(rows, nref, "health_next visits every row once");
	is(match, nref, "every row's value equals the sum kept beside it");
	{
		unsigned days = 0;
		for (unsigned i = 0; i < nref; i++)
			days += refs[i].gran == AGG_DAY;
		ok(days > 0 && days <= 2 * 3 * HS_MAX * 3, "day rows: within 2 days x 3 nodes x %d sources x 3 counters (%u)", HS_MAX, days);
	}
	health_reset(h);
	is(health_rows(h), 0, "health_reset empties");
	it = 0;
	is(health_next(h, &it, &row), 0, "nothing to iterate after reset");
	is(health_add(h, 1, day0 * 1000000, HS_ROLLUP, "gaps", 9), E_OK, "health_add after reset");
	it = 0;
	ok(health_next(h, &it, &row) && row.value == 9 && strcmp(row.counter, "gaps") == 0 && row.node == 1 &&
	    row.source == HS_ROLLUP && row.ts == day0, "the new row reads back (node, source, time, counter, value)");
	health_free(h);
}

int main(void)
{
	test_health();
	test_delta_more();
	test_accumulate();
	return done_testing();
}
