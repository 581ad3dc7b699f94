/* tests/unit/test_rollup.c: unit tests of the rollup's aggregation, staging reader and credentials (htab, dims, health: their own tests). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/errors.h"
#include "common/record.h"
#include "rollup/agg.h"
#include "rollup/config.h"
#include "rollup/dims.h"
#include "rollup/health.h"
#include "rollup/mdb.h"
#include "rollup/staging.h"
#include "rollup/validate.h"
#include "tests/tap.h"

static void rec(struct dnsa_record *r, uint64_t t_s, const char *zone, const char *qname, uint16_t qtype,
    uint16_t rcode, uint32_t weight)
{
	memset(r, 0, sizeof *r);
	r->time_us = t_s ? t_s * 1000000 + 1 : 0;
	snprintf(r->zone, sizeof r->zone, "%s", zone);
	snprintf(r->qname, sizeof r->qname, "%s", qname);
	r->has = RH_QUESTION | RH_EDNS | RH_RSIZE | RH_COUNTRY | RH_ASN;
	r->qtype = qtype;
	r->rcode = rcode;
	r->transport = TR_UDP;
	r->ipver = 6;
	r->edns_do = 1;
	r->rsize = 600;
	memcpy(r->country, "nl", 3);
	r->asn = 1136;
	r->weight = weight;
}

/* find one series row */
static int64_t get(const struct agg *a, int gran, uint32_t ts, uint32_t zone, uint32_t node, unsigned dim,
    uint32_t val, uint64_t *sampled)
{
	uint64_t it = 0;
	struct agg_series s;
	while (agg_series_next(a, &it, &s))
		if (s.gran == gran && s.ts == ts && s.zone == zone && s.node == node && s.dim == dim && s.val == val) {
			if (sampled)
				*sampled = s.sampled;
			return (int64_t)s.est;
		}
	return -1;
}

static void test_agg(void)
{
	struct agg *a;
	agg_new(&a);
	ok(a != NULL, "agg_new");
	agg_free(NULL);
	const uint64_t T = 1767225600 + 3 * 3600 + 125; /* 03:02:05 */
	int n0 = agg_node(a, "ams1"), n1 = agg_node(a, "fra1");
	is(n0, 0, "first node index 0");
	is(agg_node(a, "ams1"), 0, "node interned");
	struct dnsa_record r;
	rec(&r, T, "nl", "www.example.nl", 1, 0, 10);
	agg_add(a, n0, 0, &r);
	rec(&r, T + 30, "nl", "www.example.nl", 28, 3, 10);
	agg_add(a, n1, 0, &r);
	rec(&r, T + 70, "nl", "mail.example.nl", 1, 0, 1);   /* next minute */
	agg_add(a, n0, 0, &r);
	rec(&r, T, "frl", "x.frl", 1, 0, 0);                 /* weight 0 counts as 1 */
	r.has &= ~(uint32_t)(RH_EDNS | RH_COUNTRY | RH_ASN | RH_RSIZE);
	agg_add(a, n0, 0, &r);
	rec(&r, 0, "nl", "evil\x01name.nl", 1, 0, 5);        /* no time: received time is used */
	agg_add(a, n0, (T + 3600) * 1000000, &r);
	is(agg_records(a), 5, "5 records");
	is(agg_weight(a), 10 + 10 + 1 + 1 + 5, "weights summed (0 as 1)");
	is(agg_zone_count(a), 2, "2 zones");
	is(agg_finish(a, 2), E_OK, "agg_finish");

	uint32_t m = (uint32_t)(T - T % 60), h = (uint32_t)(T - T % 3600), d = (uint32_t)(T - T % 86400);
	uint64_t s;
	is(get(a, AGG_MINUTE, m, 1, 0, DIM_TOTAL, 0, &s), 20, "nl minute total = 10 + 10");
	is(s, 2, "on 2 records");
	is(get(a, AGG_MINUTE, m, 1, 0, DIM_QTYPE, 28, NULL), 10, "nl minute AAAA");
	is(get(a, AGG_MINUTE, m, 1, 0, DIM_RCODE, 3, NULL), 10, "nl minute NXDOMAIN");
	is(get(a, AGG_MINUTE, m, 0, 1, DIM_TOTAL, 0, NULL), 11, "ams1 minute total (nl 10 + frl 1)");
	is(get(a, AGG_MINUTE, m, 0, 2, DIM_TOTAL, 0, NULL), 10, "fra1 minute total");
	is(get(a, AGG_MINUTE, m, 0, 0, DIM_TOTAL, 0, NULL), 21, "all zones, all nodes minute total");
	is(get(a, AGG_MINUTE, m, 0, 0, DIM_COUNTRY, 'N' << 8 | 'L', NULL), 20, "country upper-cased");
	is(get(a, AGG_MINUTE, m, 0, 0, DIM_COUNTRY, 0, NULL), 1, "no country -> unknown");
	is(get(a, AGG_MINUTE, m, 0, 0, DIM_EDNS, DIMS_NONE, NULL), 1, "no EDNS -> none");
	is(get(a, AGG_MINUTE, m, 0, 0, DIM_RSIZE, dims_rsize_band(600), NULL), 20, "rsize band");
	is(get(a, AGG_MINUTE, m, 1, 1, DIM_TOTAL, 0, NULL), -1, "no zone x node rows per minute");
	is(get(a, AGG_MINUTE, m, 1, 0, DIM_ASN, 1136, NULL), -1, "no ASN rows per minute");
	is(get(a, AGG_HOUR, h, 1, 0, DIM_TOTAL, 0, NULL), 21, "nl hour total (3 records)");
	is(get(a, AGG_HOUR, h, 1, 1, DIM_TOTAL, 0, NULL), 11, "nl x ams1 hour total");
	is(get(a, AGG_HOUR, h, 1, 1, DIM_QTYPE, 1, NULL), -1, "zone x node only for the total");
	is(get(a, AGG_HOUR, h, 1, 0, DIM_ASN, 1136, NULL), 21, "nl hour ASN 1136");
	is(get(a, AGG_HOUR, h, 0, 0, DIM_ASN, 0, NULL), 1, "all zones hour ASN unknown");
	is(get(a, AGG_HOUR, h + 3600, 1, 0, DIM_TOTAL, 0, NULL), 5, "a record without time lands at its received hour");
	is(get(a, AGG_DAY, d, 0, 0, DIM_TOTAL, 0, &s), 27, "day total over everything");
	is(s, 5, "day sampled = 5 records");
	is(get(a, AGG_DAY, d, 2, 0, DIM_ASN, 0, NULL), 1, "frl day ASN unknown");

	uint64_t it = 0;
	struct agg_name nm;
	int found = 0, nnames = 0;
	while (agg_names_next(a, &it, &nm)) {
		nnames++;
		if (strcmp(nm.qname, "www.example.nl") == 0 && nm.ts == h && nm.zone == 1)
			found = nm.est == 20 && nm.sampled == 2;
		if (nm.qname[4] == '\\')
			is_str(nm.qname, "evil\\001name.nl", "hostile qname escaped");
	}
	ok(found, "top name www.example.nl: est 20 on 2 records");
	is(nnames, 4, "names: www + mail (nl 03h), x.frl, evil (nl 04h)");
	is_str(agg_zone_name(a, 0), "nl", "zone name kept");

	/* top_n cut: 5 names in one zone-hour, keep 2 by estimate then name */
	agg_reset(a);
	is(agg_records(a), 0, "agg_reset");
	int n = agg_node(a, "ams1");
	const char *names[5] = { "e.nl", "d.nl", "c.nl", "b.nl", "a.nl" };
	uint32_t w[5] = { 5, 9, 9, 1, 2 };
	for (int i = 0; i < 5; i++) {
		rec(&r, T, "nl", names[i], 1, 0, w[i]);
		agg_add(a, n, 0, &r);
	}
	agg_finish(a, 2);
	it = 0;
	char got[64] = "";
	while (agg_names_next(a, &it, &nm)) {
		strcat(got, nm.qname);
		strcat(got, " ");
	}
	is_str(got, "c.nl d.nl ", "top 2: highest estimates, ties broken by name");

	/* names_max: past the limit only names already tracked count */
	agg_reset(a);
	agg_limit_names(a, 2);
	n = agg_node(a, "ams1");
	const char *flood[5] = { "a.nl", "b.nl", "x1.nl", "a.nl", "x2.nl" };
	for (int i = 0; i < 5; i++) {
		rec(&r, T, "nl", flood[i], 1, 0, 1);
		agg_add(a, n, 0, &r);
	}
	agg_finish(a, 10);
	it = 0;
	got[0] = '\0';
	while (agg_names_next(a, &it, &nm)) {
		char one[32];
		snprintf(one, sizeof one, "%s=%llu ", nm.qname, (unsigned long long)nm.est);
		strcat(got, one);
	}
	is_str(got, "a.nl=2 b.nl=1 ", "names_max 2: a.nl still counted past the limit, x1/x2 not");
	is(agg_names_untracked(a), 2, "2 records untracked");
	is(get(a, AGG_MINUTE, (uint32_t)(T - T % 60), 1, 0, DIM_TOTAL, 0, NULL), 5, "series still count all 5");
	agg_free(a);
}

static int count_rows(const struct staging_row *r, void *arg)
{
	(*(int *)arg)++;
	return r->kind == 99 ? E_INVAL : 0;
}

static void test_staging(const char *dir)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/st.db", dir);
	struct staging_conf sc = { path, 10 };
	struct staging *s = NULL;
	ok(staging_new(&sc, &s, err, sizeof err) == -EIO && s == NULL, "staging_new: missing file refused");
	ok(strstr(err, "st.db") != NULL, "with the path in the message");
	sqlite3 *db;
	sqlite3_open(path, &db);
	FILE *f = fopen("sql/staging.sql", "r");
	char schema[8192] = "";
	if (f) {
		size_t n = fread(schema, 1, sizeof schema - 1, f);
		schema[n] = '\0';
		fclose(f);
	}
	is(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK, "staging schema from sql/staging.sql");
	for (int i = 1; i <= 30; i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "INSERT INTO datagram VALUES (%d, 'n', 1, %d, %d, 0, 2, x'00')", i, i, i == 25 ? 99 : 1);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	sqlite3_close(db);
	is(staging_new(&sc, &s, err, sizeof err), E_OK, "staging_new");
	ok(s != NULL, "  with a handle");
	staging_free(NULL);
	int n = 0;
	int64_t last;
	unsigned rows;
	is(staging_read(s, 0, 10, 1000, count_rows, &n, &last, &rows), E_OK, "read 10");
	is(rows, 10, "10 rows");
	is(last, 10, "last id 10");
	is(staging_read(s, 10, 100, 7, count_rows, &n, &last, &rows), E_OK, "read with a record budget");
	is(rows, 4, "stops once 7 records (2 per row) are read");
	is(staging_read(s, 14, 100, 1000, count_rows, &n, &last, &rows), E_INVAL, "callback error stops the read");
	is(last, 24, "last id is the row before the failing one");
	is(staging_quarantine(s, 25, "bad", 7), E_OK, "quarantine");
	is(staging_quarantine(s, 25, "bad", 7), E_OK, "quarantine again (idempotent)");
	is(staging_count(s, ST_DATAGRAM), 30, "quarantine copies, the prune deletes");
	int total = 0, step;
	while ((step = staging_prune_step(s, ST_DATAGRAM, 30, 7)) > 0)
		total += step;
	is(step, 0, "prune ends with 0");
	is(total, 29, "prune deleted 29 rows up to 30 ...");
	is(staging_max_id(s, ST_DATAGRAM), 30, "... but kept the highest id, so ids never restart");
	is(staging_prune_step(s, ST_NODE_STATS, 30, 7), 0, "prune of an empty table");
	staging_free(s);
}

static void test_credentials(const char *dir)
{
	struct rollup_conf c;
	struct rollup_credentials cr;
	memset(&c, 0, sizeof c);
	snprintf(c.db_credentials, sizeof c.db_credentials, "%s/cred", dir);
	is(config_credentials(&c, &cr, NULL, NULL), -2, "missing file: -ENOENT");
	FILE *f = fopen(c.db_credentials, "w");
	fprintf(f, "user = rollup\npassword = \"s3cret\"\n");
	fclose(f);
	chmod(c.db_credentials, 0644);
	is(config_credentials(&c, &cr, NULL, NULL), E_KEYPERM, "mode 0644 refused");
	chmod(c.db_credentials, 0640);
	is(config_credentials(&c, &cr, NULL, NULL), E_KEYPERM, "mode 0640 refused");
	chmod(c.db_credentials, 0600);
	is(config_credentials(&c, &cr, NULL, NULL), E_OK, "mode 0600 accepted");
	is_str(cr.user, "rollup", "user");
	is_str(cr.password, "s3cret", "password");
	struct rollup_conf d;
	is(conf_defaults(config_opts, &d, NULL, NULL), E_OK, "config table defaults are valid");
	is(d.top_n, 100, "default top_n");
}

/* the value checks: the window around the receive time, weights, counters, node names */
static void test_validate(void)
{
	struct validate_conf c = { 400 * 86400, 3600 };
	const int64_t R = 1767225600ll * 1000000;   /* received 2026-01-01 */
	struct dnsa_record r[2];
	char why[200];
	rec(&r[0], 1767225600 - 10, "nl", "a.nl", 1, 0, 1);
	rec(&r[1], 1767225600 + 10, "nl", "a.nl", 1, 0, 10);
	is(validate_records(&c, r, 2, R, why, sizeof why), 0, "records around their receive time pass");
	r[1].time_us = 0;
	is(validate_records(&c, r, 2, R, why, sizeof why), 0, "a record without a time passes (placed at receipt)");
	r[1].time_us = 2208988800ull * 1000000;      /* 2040 */
	is(validate_records(&c, r, 2, R, why, sizeof why), -1, "2040 is refused");
	is_str(why, "record 1: time 2040-01-01 00:00:00 outside 2000-01-01 .. 2038-01-19", "with the record and its time");
	r[1].time_us = (uint64_t)(R + 3601 * 1000000ll);
	is(validate_records(&c, r, 2, R, why, sizeof why), -1, "an hour and a second ahead is refused");
	r[1].time_us = (uint64_t)(R + 3600 * 1000000ll);
	is(validate_records(&c, r, 2, R, why, sizeof why), 0, "an hour ahead passes (window.future_seconds)");
	r[1].time_us = (uint64_t)(R - 401 * 86400 * 1000000ll);
	is(validate_records(&c, r, 2, R, why, sizeof why), -1, "401 days back is refused (window.past_days 400)");
	r[1].time_us = 946684799ull * 1000000;
	is(validate_records(&c, r, 2, 946684800ll * 1000000, why, sizeof why), -1, "before 2000 is refused");
	rec(&r[1], 1767225600, "nl", "a.nl", 1, 0, 0);
	is(validate_records(&c, r, 2, R, why, sizeof why), -1, "weight 0 is refused");
	r[1].weight = VALIDATE_WEIGHT_MAX;
	is(validate_records(&c, r, 2, R, why, sizeof why), 0, "weight 10^9 passes");
	r[1].weight = VALIDATE_WEIGHT_MAX + 1;
	is(validate_records(&c, r, 2, R, why, sizeof why), -1, "weight 10^9 + 1 is refused");

	struct dnsa_counters k;
	memset(&k, 0, sizeof k);
	k.time_us = (uint64_t)R;
	counters_set(&k, C_MSG_TOTAL, VALIDATE_COUNTER_MAX);
	is(validate_counters(&c, &k, R, why, sizeof why), 0, "a counter at 2^62 passes");
	counters_set(&k, C_RECORDED, UINT64_MAX);
	is(validate_counters(&c, &k, R, why, sizeof why), -1, "a counter at 2^64-1 is refused");
	is_str(why, "counter recorded/41 = 18446744073709551615 above 2^62", "naming the counter");
	memset(&k, 0, sizeof k);
	k.time_us = 2208988800ull * 1000000;
	is(validate_counters(&c, &k, R, why, sizeof why), -1, "a counters snapshot from 2040 is refused");
	is(validate_received(R, why, sizeof why), 0, "a receive time in 2026 passes");
	is(validate_received(-5, why, sizeof why), -1, "a negative receive time is refused");
	is(validate_received(2147483648ll * 1000000, why, sizeof why), -1, "a receive time past 2038-01-19 03:14:07 is refused");
	is(validate_node("ams1", why, sizeof why), 0, "a node name passes");
	char longname[80];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	is(validate_node(longname, why, sizeof why), -1, "a node name of 79 bytes is refused (column of 64)");

	ok(mdb_data_error(1690) && mdb_data_error(1292) && mdb_data_error(1644) && mdb_data_error(4025) &&
	    mdb_data_error(1406), "out of range, bad datetime, SIGNAL, CHECK and too long are data errors");
	ok(!mdb_data_error(1213) && !mdb_data_error(2013) && !mdb_data_error(1142) && !mdb_data_error(1114),
	    "deadlock, lost connection, denied and table full are not (never quarantine for them)");
}

/* the cardinality bounds: zones per node and per run, AS numbers; sums never wrap */
static void test_bounds(void)
{
	const uint64_t T = 1767225600 + 125;
	struct agg *a;
	agg_new(&a);
	agg_limit_zones(a, 3, 5, 2);
	int n0 = agg_node(a, "ams1"), n1 = agg_node(a, "fra1"), n2 = agg_node(a, "lhr1");
	struct dnsa_record r;
	char z[32];
	/* ams1: 6 zones, 2 records each; only 3 are its own, the rest fold */
	for (int i = 0; i < 12; i++) {
		snprintf(z, sizeof z, "z%d.test", i % 6);
		rec(&r, T, z, "www.x", 1, 0, 2);
		r.asn = 64512 + (uint32_t)(i % 4);
		agg_add(a, n0, 0, &r);
	}
	is(agg_zones_folded(a), 6, "ams1: records of its 4th to 6th zone fold (zones_per_node 3)");
	/* fra1: z0..z2 are known to the run: its own 3; z9 would be its 4th */
	for (int i = 0; i < 3; i++) {
		snprintf(z, sizeof z, "z%d.test", i);
		rec(&r, T, z, "www.x", 1, 0, 1);
		agg_add(a, n1, 0, &r);
	}
	rec(&r, T, "z9.test", "www.x", 1, 0, 1);
	agg_add(a, n1, 0, &r);
	is(agg_zones_folded(a), 7, "fra1: its 4th zone folds too");
	/* lhr1: new zones; the run holds z0..z2 + '#other' = 4, so one more fits (zones_per_run 5) */
	rec(&r, T, "y1.test", "www.x", 1, 0, 1);
	agg_add(a, n2, 0, &r);
	rec(&r, T, "y2.test", "www.x", 1, 0, 1);
	agg_add(a, n2, 0, &r);
	is(agg_zone_count(a), 5, "the run holds 5 zones");
	is(agg_zones_folded(a), 8, "lhr1: the 6th zone of the run folds (zones_per_run 5)");
	is(agg_asn_folded(a), 6 + 6, "AS numbers past the 2nd count as 'other' (asn_max 2; the others' 1136 too)");
	is(agg_finish(a, 10), E_OK, "agg_finish");
	uint32_t m = (uint32_t)(T - T % 60), h = (uint32_t)(T - T % 3600);
	int other = -1;
	for (uint32_t i = 0; i < agg_zone_count(a); i++)
		if (strcmp(agg_zone_name(a, i), AGG_OTHER_ZONE) == 0)
			other = (int)i;
	ok(other >= 0, "zone '#other' exists");
	is(get(a, AGG_MINUTE, m, (uint32_t)other + 1, 0, DIM_TOTAL, 0, NULL), 6 * 2 + 1 + 1,
	    "'#other' holds the folded records' weights");
	is(get(a, AGG_MINUTE, m, 0, 0, DIM_TOTAL, 0, NULL), 12 * 2 + 4 + 2, "the all-zones total loses nothing");
	is(get(a, AGG_HOUR, h, 0, 0, DIM_ASN, DIMS_NONE, NULL), 6 * 2 + 6, "ASN 'other' holds the folded weights");
	char lab[16];
	dims_label(DIM_ASN, DIMS_NONE, lab, sizeof lab);
	is_str(lab, "other", "ASN 'other' label");
	ok(agg_bytes(a) > 0 && agg_bytes(a) < (1u << 20), "agg_bytes reports the aggregate in use");
	agg_free(a);

	struct health *hh;
	health_new(&hh);
	health_add(hh, 0, T * 1000000, HS_CAPD, "msg_total", UINT64_MAX - 1);
	health_add(hh, 0, T * 1000000, HS_CAPD, "msg_total", 5);
	uint64_t it = 0;
	struct health_row row;
	int sat = 0;
	while (health_next(hh, &it, &row))
		sat += row.value == UINT64_MAX;
	is(sat, 3, "a sum past 2^64-1 stays at 2^64-1 (minute, hour, day)");
	is(health_saturated(hh), 3, "and is counted");
	health_free(hh);
}

/* every output row of a finished aggregate as text (names, not indexes), sorted: for comparing two aggregates */
static int line_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static char **dump_agg(const struct agg *a, size_t *n)
{
	size_t cap = 1024;
	char **v = malloc(cap * sizeof *v);
	*n = 0;
	char buf[700];
	struct agg_series s;
	struct agg_name nm;
	for (int kind = 0; kind < 4; kind++) {
		uint64_t it = 0;
		for (;;) {
			if (kind < 2) {
				if (!(kind ? agg_extra_next(a, &it, &s) : agg_series_next(a, &it, &s)))
					break;
				snprintf(buf, sizeof buf, "S%d %u %u %s %s %u %u %llu %llu", kind, s.gran, s.dim, s.zone ?
				    agg_zone_name(a, s.zone - 1) : "*", s.node ? agg_node_name(a, s.node - 1) : "*", s.ts, s.val,
				    (unsigned long long)s.est, (unsigned long long)s.sampled);
			} else {
				if (!(kind == 3 ? agg_rnames_next(a, &it, &nm) : agg_names_next(a, &it, &nm)))
					break;
				snprintf(buf, sizeof buf, "N%d %s %u %s %u %llu %llu", kind, agg_zone_name(a, nm.zone - 1), nm.ts,
				    nm.qname, nm.rcode, (unsigned long long)nm.est, (unsigned long long)nm.sampled);
			}
			if (*n == cap)
				v = realloc(v, (cap *= 2) * sizeof *v);
			v[(*n)++] = strdup(buf);
		}
	}
	qsort(v, *n, sizeof *v, line_cmp);
	return v;
}

/*
 * agg_prepare + agg_add_prepared (the reader thread's split) against
 * agg_add_records (one thread), record for record: random records over
 * bounds that fold zones, ASNs and names (first come, so order matters),
 * hostile names that are sanitised, records without a time, a fifth of
 * the rows unprepared (as the reader's thread leaves them when it is the
 * slower one).
 */
static void test_prepared(void)
{
	struct agg *a, *b;
	agg_new(&a);
	agg_new(&b);
	for (int i = 0; i < 2; i++) {
		struct agg *x = i ? b : a;
		agg_limit_zones(x, 9, 25, 40);
		agg_limit_names(x, 700);
	}
	const uint64_t T = 1767225600 + 3000;
	static struct dnsa_record recs[40];
	static struct agg_pre pre[40];
	uint64_t h = 12345;
	int same = 1, folded = 0, fails = 0;
	size_t rows = 0;
	for (int batch = 0; batch < 4; batch++) {
		for (int dg = 0; dg < 300; dg++) {
			h = h * 6364136223846793005ULL + 1442695040888963407ULL;
			int n = 1 + (int)((h >> 33) % 40);
			char node[16];
			snprintf(node, sizeof node, "n%u", (unsigned)((h >> 20) % 7));
			int na = agg_node(a, node), nb = agg_node(b, node);
			uint64_t rcv = (T + (uint64_t)dg * 20) * 1000000;
			for (int i = 0; i < n; i++) {
				h = h * 6364136223846793005ULL + 1442695040888963407ULL;
				uint64_t x = h >> 16;
				char z[32], q[64];
				if (x % 53 == 0)
					snprintf(z, sizeof z, "bad\x01zone%u", (unsigned)(x % 3));
				else
					snprintf(z, sizeof z, "z%u.test", (unsigned)((x >> 8) % 40));
				if ((x >> 14) % 41 == 0)
					snprintf(q, sizeof q, "evil\x7f%u.%s", (unsigned)((x >> 20) % 5), z);
				else
					snprintf(q, sizeof q, "w%u.%s", (unsigned)((x >> 20) % 300), z);
				rec(&recs[i], (x >> 30) % 5 ? T + (x >> 32) % 7200 : 0, x % 97 == 1 ? "" : z, q,
				    (uint16_t)(1 + (x >> 40) % 45), (uint16_t)((x >> 46) % 5 == 0 ? 3 : (x >> 46) % 30),
				    (uint32_t)((x >> 50) % 4));
				recs[i].asn = 64500 + (uint32_t)((x >> 24) % 60);
				if ((x >> 3) % 3 == 0) {
					recs[i].has |= RH_LATENCY;
					recs[i].latency_us = (uint32_t)(x % 100000);
				}
				if ((x >> 5) % 4 == 0) {
					recs[i].has |= RH_RTT;
					recs[i].rtt_us = (uint32_t)(x % 7777);
				}
				recs[i].akind = (uint8_t)((x >> 7) % 8);
				if ((x >> 9) % 11 == 0)
					recs[i].has &= ~(uint32_t)RH_QUESTION;
			}
			agg_prepare(recs, n, rcv, pre);
			/* some rows unprepared, as the reader's thread leaves them when it is the slower one */
			if (agg_add_records(a, na, rcv, recs, n) != n ||
			    (dg % 5 == 2 ? agg_add_records(b, nb, rcv, recs, n) : agg_add_prepared(b, nb, recs, pre, n)) != n)
				fails++;
		}
		is(agg_finish(a, 5), E_OK, "batch %d: agg_finish, one thread", batch);
		is(agg_finish(b, 5), E_OK, "batch %d: agg_finish, prepared", batch);
		size_t na, nb;
		char **la = dump_agg(a, &na), **lb = dump_agg(b, &nb);
		int eq = na == nb;
		for (size_t i = 0; eq && i < na; i++)
			if (strcmp(la[i], lb[i]) != 0) {
				diag("batch %d: one thread '%s', prepared '%s'", batch, la[i], lb[i]);
				eq = 0;
			}
		same &= eq;
		rows += na;
		for (size_t i = 0; i < na; i++)
			free(la[i]);
		for (size_t i = 0; i < nb; i++)
			free(lb[i]);
		free(la);
		free(lb);
		same &= agg_zones_folded(a) == agg_zones_folded(b) && agg_asn_folded(a) == agg_asn_folded(b) &&
		    agg_names_untracked(a) == agg_names_untracked(b) && agg_zone_count(a) == agg_zone_count(b);
		for (uint32_t i = 0; same && i < agg_zone_count(a); i++)
			same &= strcmp(agg_zone_name(a, i), agg_zone_name(b, i)) == 0;
		folded += agg_zones_folded(a) > 0 && agg_asn_folded(a) > 0 && agg_names_untracked(a) > 0;
		agg_reset(a);
		agg_reset(b);
	}
	is(fails, 0, "every datagram added both ways");
	ok(same, "4 batches: every series, extra, name and per-rcode name row, the zone numbering and the"
	    " folded and untracked counts are identical both ways (%zu rows)", rows);
	is(folded, 4, "every batch folded zones and ASNs and left names untracked (the bounds were exercised)");
	agg_free(a);
	agg_free(b);
}

int main(void)
{
	char dir[] = "/tmp/test_rollup.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	test_agg();
	test_validate();
	test_bounds();
	test_prepared();
	test_staging(dir);
	test_credentials(dir);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
