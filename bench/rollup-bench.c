/* bench/rollup-bench.c: decode + aggregate throughput of the rollup over a staging database (no MariaDB). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/record.h"
#include "rollup/agg.h"
#include "rollup/reader.h"
#include "rollup/staging.h"
#include "rollup/validate.h"

/*
 * usage: rollup-bench STAGING_DB [BATCH_RECORDS [PASSES]]   (PASSES e.g. "2": aggregate only; default "0123")
 * Four passes over every datagram, in batches like aggd-rollup's:
 *   read:   SQLite read only;  decode: + payload_decode_records (the single
 *   pass agg_payload uses);  aggregate: + agg_payload, then agg_finish per batch;
 *   2 threads: the same as aggd-rollup does it: decoded, checked (validate_records)
 *   and prepared (agg_prepare) on rollup/reader.c's thread, aggregated on this one.
 * Prints CPU seconds (of both threads) and records per CPU second for each, and
 * the distinct series per batch and the wall time of the aggregating passes;
 * for the 2 threads, the CPU seconds of each.
 */

struct ctx {
	int mode;          /* 0 read, 1 decode, 2 aggregate */
	struct agg *agg;
	uint64_t records;
	uint64_t bad;
	struct dnsa_record *recs;   /* decode pass */
	size_t cap;
};

/* mode 3, on the reader's thread: as rollup.c's on_prep */
static int on_prep(const struct reader_row *rr, void *extra, void *arg)
{
	static const struct validate_conf vc = { 400 * 86400, 3600 };
	char why[200];
	if (validate_records(&vc, rr->recs, rr->n, rr->row.received_us, why, sizeof why))
		return 1;
	agg_prepare(rr->recs, rr->n, (uint64_t)rr->row.received_us, extra);
	return 0;
}


static int on_row(const struct staging_row *row, void *arg)
{
	struct ctx *c = arg;
	if (row->kind != ENV_KIND_RECORDS)
		return 0;
	int n;
	if (c->mode == 0) {
		n = (int)row->nrecords;
	} else if (c->mode == 1) {
		size_t need = row->len / RECORD_MIN_SIZE + 1;
		if (need > c->cap) {
			struct dnsa_record *nr = realloc(c->recs, need * sizeof *nr);
			if (!nr)
				return E_NOMEM;
			c->recs = nr;
			c->cap = need;
		}
		n = payload_decode_records(row->payload, row->len, c->recs, c->cap);
	} else {
		int node = agg_node(c->agg, row->node);
		if (node < 0)
			return node;
		n = agg_payload(c->agg, node, (uint64_t)row->received_us, row->payload, row->len);
		if (n == E_NOMEM)
			return n;
	}
	if (n < 0)
		c->bad++;
	else
		c->records += (uint64_t)n;
	return 0;
}

/* mode 3: the rollup's own split, records decoded by rollup/reader.c's thread */
static int on_decoded(const struct reader_row *rr, void *arg)
{
	struct ctx *c = arg;
	if (rr->row.kind != ENV_KIND_RECORDS)
		return 0;
	if (rr->n < 0 || rr->prep) {
		c->bad++;
		return 0;
	}
	int node = agg_node(c->agg, rr->row.node);
	if (node < 0)
		return node;
	int n = rr->extra ? agg_add_prepared(c->agg, node, rr->recs, rr->extra, rr->n) :
	    agg_add_records(c->agg, node, (uint64_t)rr->row.received_us, rr->recs, rr->n);
	if (n < 0)
		return n;
	c->records += (uint64_t)n;
	return 0;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this process: the machine is shared, wall time is noise */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: rollup-bench STAGING_DB [BATCH_RECORDS]\n");
		return 2;
	}
	uint64_t batch = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	char err[512];
	struct staging_conf sc = { argv[1], 1000 };
	struct staging *s;
	if (staging_new(&sc, &s, err, sizeof err) != E_OK) {
		fprintf(stderr, "rollup-bench: %s\n", err);
		return 1;
	}
	static const char *const names[4] = { "read", "decode", "decode+aggregate+finish", "same, 2 threads" };
	const char *passes = argc > 3 ? argv[3] : "0123";
	struct reader *rd;
	if (reader_new(&rd) != E_OK)
		return 1;
	for (int mode = 0; mode < 4; mode++) {
		if (!strchr(passes, '0' + mode))
			continue;
		struct ctx c = { mode, NULL, 0, 0, NULL, 0 };
		if (agg_new(&c.agg) != E_OK)
			return 1;
		reader_set_prep(rd, sizeof(struct agg_pre), on_prep, NULL);
		double rcpu0 = reader_cpu_s(rd), mcpu0 = thread_cpu();
		int64_t after = 0, last;
		unsigned nrows;
		size_t series = 0, batches = 0;
		double fin_cpu = 0, fin_wall = 0;
		double t0 = now(), w0 = wall();
		do {
			int rc = mode == 3 ? reader_read(rd, s, after, 10000000, batch, on_decoded, &c, &last, &nrows) :
			    staging_read(s, after, 10000000, batch, on_row, &c, &last, &nrows);
			if (rc) {
				fprintf(stderr, "rollup-bench: %s\n", rc == E_NOMEM ? "out of memory" : staging_errmsg(s));
				return 1;
			}
			after = last;
			if (mode >= 2 && nrows) {
				double f0 = thread_cpu(), fw0 = wall();
				int frc = agg_finish(c.agg, 100);
				fin_cpu += thread_cpu() - f0;
				fin_wall += wall() - fw0;
				if (frc) {
					fprintf(stderr, "rollup-bench: out of memory\n");
					return 1;
				}
				series += agg_series_count(c.agg);
				batches++;
				agg_reset(c.agg);
			}
		} while (nrows);
		double dt = now() - t0, dw = wall() - w0;
		printf("%-24s %10" PRIu64 " records %8.3f s CPU %12.0f records/s", names[mode], c.records, dt,
		    c.records / dt);
		if (mode >= 2)
			printf("  (%zu batches, %zu series rows; %.3f s wall; agg_finish %.3f s CPU, %.3f s wall)", batches, series,
			    dw, fin_cpu, fin_wall);
		if (mode == 3) {
			struct reader_waits wt;
			reader_get_waits(rd, &wt);
			printf("\n%-24s reader thread %.3f s CPU, aggregating thread %.3f s CPU", "", reader_cpu_s(rd) - rcpu0,
			    thread_cpu() - mcpu0);
			printf("\n%-24s sleeps on the ring: reader thread %" PRIu64 " (%.3f s), aggregating thread %" PRIu64
			    " (%.3f s)", "", wt.decoder_sleeps, wt.decoder_sleep_s, wt.caller_sleeps, wt.caller_sleep_s);
		}
		printf("\n");
		agg_free(c.agg);
		free(c.recs);
	}
	reader_free(rd);
	staging_free(s);
	return 0;
}
