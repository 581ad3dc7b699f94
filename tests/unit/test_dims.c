/* tests/unit/test_dims.c: rollup/dims: SQL labels of each dimension, response size bands, name sanitizing, names vs the schema's ENUM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/record.h"
#include "rollup/dims.h"
#include "tests/tap.h"

static void test_dims(void)
{
	char b[32];
	struct { unsigned dim; uint32_t val; const char *want; } cases[] = {
		{ DIM_TOTAL, 0, "" }, { DIM_QTYPE, 1, "A" }, { DIM_QTYPE, 28, "AAAA" },
		{ DIM_QTYPE, 65, "HTTPS" }, { DIM_QTYPE, 65280, "TYPE65280" }, { DIM_QTYPE, DIMS_NONE, "none" },
		{ DIM_RCODE, 0, "NOERROR" }, { DIM_RCODE, 3, "NXDOMAIN" }, { DIM_RCODE, 23, "BADCOOKIE" },
		{ DIM_RCODE, 12, "RCODE12" }, { DIM_RCODE, 4095, "RCODE4095" }, { DIM_OPCODE, 4, "NOTIFY" },
		{ DIM_OPCODE, 3, "OPCODE3" }, { DIM_TRANSPORT, TR_DOH, "doh" }, { DIM_TRANSPORT, 99, "unknown" },
		{ DIM_IPVER, 6, "6" }, { DIM_IPVER, 0, "unknown" }, { DIM_EDNS, 0, "v0" },
		{ DIM_EDNS, DIMS_NONE, "none" }, { DIM_DO, 1, "1" }, { DIM_RSIZE, 0, "0-127" },
		{ DIM_RSIZE, 9, "4096+" }, { DIM_RSIZE, DIMS_RSIZE_UNKNOWN, "unknown" },
		{ DIM_COUNTRY, 'N' << 8 | 'L', "NL" }, { DIM_COUNTRY, 0, "--" }, { DIM_COUNTRY, 'n' << 8 | 'l', "--" },
		{ DIM_ASN, 64496, "64496" }, { DIM_MAX, 1, "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dims_label(cases[i].dim, cases[i].val, b, sizeof b);
		is_str(b, cases[i].want, "dims_label(%u, %u)", cases[i].dim, cases[i].val);
	}
	is(dims_label(DIM_QTYPE, 65280, b, 4), 3, "dims_label truncates to the buffer");
	is(dims_rsize_band(0), 0, "rsize 0 -> band 0");
	is(dims_rsize_band(511), 2, "rsize 511 -> 256-511");
	is(dims_rsize_band(512), 3, "rsize 512 -> 512-767");
	is(dims_rsize_band(1231), 5, "rsize 1231 -> 1024-1231");
	is(dims_rsize_band(1232), 6, "rsize 1232 -> 1232-1471");
	is(dims_rsize_band(65535), 9, "rsize 65535 -> 4096+");
	is_str(dims_name(DIM_DO), "do", "dims_name");
	ok(dims_name(DIM_MAX) == NULL, "dims_name out of range");
	char out[16];
	dims_sanitize("a\x01 b\xff", out, sizeof out);
	is_str(out, "a\\001\\032b\\255", "dims_sanitize escapes control, space and 8-bit bytes");
	dims_sanitize("abcdefghijklmnopqrstuvwxyz", out, 8);
	is_str(out, "abcdefg", "dims_sanitize truncates");
}

/* every response size falls in the band whose label says so ("lo-hi" or "lo+") */
static void test_bands(void)
{
	char b[32];
	unsigned bad = 0, last = 0, monotonic = 1;
	for (uint32_t rs = 0; rs <= 70000; rs++) {
		unsigned band = dims_rsize_band(rs);
		unsigned lo = 0, hi = 0;
		if (band >= DIMS_RSIZE_BANDS) {
			bad++;
			continue;
		}
		dims_label(DIM_RSIZE, band, b, sizeof b);
		if (sscanf(b, "%u-%u", &lo, &hi) == 2) {
			bad += rs < lo || rs > hi;
		} else if (sscanf(b, "%u+", &lo) == 1 && b[strlen(b) - 1] == '+') {
			bad += rs < lo;
		} else {
			bad++;
		}
		monotonic &= band >= last;
		last = band;
	}
	is(bad, 0, "every size 0..70000 is inside the range its band's label names");
	ok(monotonic, "bands never go down as the size grows");
	is(dims_rsize_band(0), 0, "the first band starts at 0");
	is(dims_rsize_band(70000), DIMS_RSIZE_BANDS - 1, "the last band is open");
	{
		/* labels of consecutive bands meet: hi of one + 1 = lo of the next */
		unsigned meet = 1, lo, hi, plo;
		for (unsigned band = 0; band + 1 < DIMS_RSIZE_BANDS; band++) {
			dims_label(DIM_RSIZE, band, b, sizeof b);
			if (sscanf(b, "%u-%u", &lo, &hi) != 2) {
				meet = 0;
				break;
			}
			dims_label(DIM_RSIZE, band + 1, b, sizeof b);
			meet &= sscanf(b, "%u", &plo) == 1 && plo == hi + 1;
		}
		ok(meet, "the %d bands leave no size out and overlap nowhere", DIMS_RSIZE_BANDS);
	}
}

/* dims_name follows the series tables' dim ENUM of sql/mariadb/001_base.sql, in order */
static void test_names_vs_schema(void)
{
	FILE *f = fopen("sql/mariadb/001_base.sql", "r");
	char line[512], want[512] = "", got[512] = "";
	ok(f != NULL, "sql/mariadb/001_base.sql readable (run from the repo root)");
	while (f && fgets(line, sizeof line, f)) {
		char *p = strstr(line, "dim "), *q;
		if (!p || !(p = strstr(p, "ENUM(")) || !(q = strchr(p, ')')))
			continue;
		for (p += 5; p < q; p++)
			if (*p != '\'')
				strncat(want, p, 1);
		break;
	}
	if (f)
		fclose(f);
	for (unsigned d = 0; d < DIM_MAX; d++) {
		if (d)
			strcat(got, ",");
		strcat(got, dims_name(d) ? dims_name(d) : "(null)");
	}
	is_str(got, want, "dims_name(0..DIM_MAX-1) is the schema's dim ENUM, in order");
}

static void test_sanitize_more(void)
{
	char out[64];
	is(dims_sanitize("example.test", out, sizeof out), 12, "a plain name: its length");
	is_str(out, "example.test", "a plain name is copied as is");
	is(dims_sanitize("a\\b", out, sizeof out), 3, "a backslash is printable: kept");
	dims_sanitize("\x7f", out, sizeof out);
	is_str(out, "\\127", "DEL is escaped");
	is(dims_sanitize("\x01\x02", out, 6), 4, "an escape never splits: 2 escapes need 8 bytes + NUL, 6 hold one");
	is_str(out, "\\001", "the cut output holds only whole escapes");
	is(dims_sanitize("", out, sizeof out), 0, "the empty name");
	is_str(out, "", "is empty");
}

/* the latency buckets: contiguous, each value inside its own, at most 25% wide; the percentile estimate by hand */
static void test_latency(void)
{
	/* the first buckets by hand: 0..7 one value each, then width 2 from 8, 4 from 16 */
	static const struct { uint32_t us; unsigned b; } cases[] = {
		{ 0, 0 }, { 1, 1 }, { 7, 7 }, { 8, 8 }, { 9, 8 }, { 10, 9 }, { 15, 11 }, { 16, 12 },
		{ 19, 12 }, { 20, 13 }, { 49, 18 }, { 192, 26 }, { 1000, 35 }, { 1023, 35 }, { 1024, 36 },
		{ UINT32_MAX, 123 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is(dims_lat_bucket(cases[i].us), cases[i].b, "latency %u us -> bucket %u", cases[i].us, cases[i].b);
	int contiguous = 1, inside = 1, narrow = 1;
	for (unsigned b = 0; b < DIMS_LAT_BUCKETS; b++) {
		if (b && dims_lat_lo(b) != dims_lat_hi(b - 1))
			contiguous = 0;
		if (dims_lat_bucket((uint32_t)dims_lat_lo(b)) != b || dims_lat_bucket((uint32_t)(dims_lat_hi(b) - 1)) != b)
			inside = 0;
		if (b >= 8 && (dims_lat_hi(b) - dims_lat_lo(b)) * 4 > dims_lat_lo(b))
			narrow = 0;
	}
	ok(contiguous, "bucket b starts where b-1 ends");
	ok(inside, "both ends of every bucket map back to it");
	ok(narrow, "from bucket 8 on a bucket is at most 25%% of its lower bound wide");
	is(dims_lat_lo(0), 0, "bucket 0 starts at 0");
	ok(dims_lat_hi(DIMS_LAT_BUCKETS - 1) == 1ull << 32, "the last bucket ends at 2^32 us");
	ok(dims_lat_lo(DIMS_LAT_BUCKETS) == UINT64_MAX, "no bucket past the last");
	/* a pseudo-random sample of values: bucket bounds hold the value */
	uint32_t x = 12345;
	int all_in = 1;
	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245u + 12345u;
		uint32_t v = x >> (x & 31);
		unsigned b = dims_lat_bucket(v);
		if (b >= DIMS_LAT_BUCKETS || v < dims_lat_lo(b) || v >= dims_lat_hi(b))
			all_in = 0;
	}
	ok(all_in, "100000 values: lo(bucket(v)) <= v < hi(bucket(v))");

	/* percentiles: 100 values in bucket 18 [48, 56): p50 = 48 + 50/100 * 8 = 52 */
	uint64_t n[DIMS_LAT_BUCKETS] = { 0 };
	n[18] = 100;
	ok(dims_lat_lo(18) == 48 && dims_lat_hi(18) == 56 && dims_lat_lo(26) == 192 && dims_lat_hi(26) == 224,
	    "bucket 18 is [48, 56), bucket 26 [192, 224)");
	ok(dims_lat_percentile(n, DIMS_LAT_BUCKETS, 0.5) == 52.0, "p50 interpolated inside one bucket");
	ok(dims_lat_percentile(n, DIMS_LAT_BUCKETS, 1.0) == 56.0, "p100 is the bucket's upper end");
	/* 90 in bucket 18, 10 in bucket 26: p95 = 192 + (95 - 90) / 10 * 32 = 208 */
	n[18] = 90;
	n[26] = 10;
	ok(dims_lat_percentile(n, DIMS_LAT_BUCKETS, 0.95) == 208.0, "p95 in the second bucket: 208");
	ok(dims_lat_percentile(n, DIMS_LAT_BUCKETS, 0.9) == 56.0, "p90 ends the first bucket exactly");
	ok(dims_lat_percentile(n, DIMS_LAT_BUCKETS, 0.99) == 192.0 + 9.0 / 10 * 32, "p99: 220.8");
	/* true quantiles of known values are within the bucket width of the estimate */
	uint64_t m[DIMS_LAT_BUCKETS] = { 0 };
	for (uint32_t v = 1; v <= 10000; v++)
		m[dims_lat_bucket(v)]++;
	double p50 = dims_lat_percentile(m, DIMS_LAT_BUCKETS, 0.5), p99 = dims_lat_percentile(m, DIMS_LAT_BUCKETS, 0.99);
	ok(p50 > 5000 * 0.99 && p50 < 5000 * 1.01, "1..10000 uniform: p50 %.1f within 1%% of 5000", p50);
	/* p99 falls in [8192, 10240), which is only partly filled: the estimate stays inside the bucket */
	ok(p99 >= 9900 && p99 < 10240, "1..10000 uniform: p99 %.1f inside the bucket [8192, 10240) of 9900", p99);
	uint64_t zero[4] = { 0 };
	ok(dims_lat_percentile(zero, 4, 0.5) == -1, "an empty histogram has no percentile");
	ok(dims_lat_percentile(n, DIMS_LAT_BUCKETS, 0) == -1 && dims_lat_percentile(n, DIMS_LAT_BUCKETS, 1.5) == -1,
	    "q outside (0, 1]: -1");
	ok(dims_lat_percentile(NULL, 4, 0.5) == -1, "NULL histogram: -1");

	char b[32];
	static const char *const kinds[] = { "", "answer", "referral", "nodata", "nxdomain", "refused", "other" };
	for (unsigned k = AK_ANSWER; k < AK_MAX; k++) {
		dims_label(DIM_AKIND, k, b, sizeof b);
		is_str(b, kinds[k], "answer kind %u label", k);
	}
	dims_label(DIM_LATENCY_CC, ('U' << 8 | 'S') << 8 | 29, b, sizeof b);
	is_str(b, "US", "country x latency: the label is the country");
	ok(dims_name(DIM_AKIND) == NULL, "the new dimensions have no series_* ENUM name");
}

int main(void)
{
	test_dims();
	test_latency();
	test_bands();
	test_names_vs_schema();
	test_sanitize_more();
	return done_testing();
}
