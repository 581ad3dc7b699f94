/* tests/tools/stage-hostile.c: append hostile but well-formed datagrams to an aggd staging database, as aggd would stage them (tests). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/record.h"

/*
 * What a node with a bad clock, a stolen key or a hostile dnstap peer makes
 * aggd stage: the payloads are valid CBOR of the right shape (aggd's checks
 * pass), the values are not. Rows are appended with aggd's columns, so the
 * rollup reads them as it reads aggd's own.
 *   records:  -r N records of -w WEIGHT at -t TIME (seconds; fractional ok) in
 *             -Z ZONE, or in -z Z distinct zones zNNNNN.flood.test (round robin),
 *             with -a A distinct AS numbers; -k per datagram
 *   counters: -C VALUE: one counters datagram with msg_total = VALUE at -t TIME
 * Header: -N NODE -b BOOT -q FIRST_SEQ, received -R TIME (seconds, default now).
 */

static void usage(void)
{
	fprintf(stderr,
	    "usage: stage-hostile -o STAGING_DB -N NODE [-b BOOT] [-q SEQ] [-R RECEIVED_S] [-t TIME_S]\n"
	    "         (-r RECORDS [-w WEIGHT] [-Z ZONE | -z ZONES] [-a ASNS] [-k PER_DATAGRAM] | -C VALUE)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *node = NULL, *zone = "hostile.test";
	uint64_t records = 0, weight = 1, zones = 0, asns = 0, per = 20, cval = 0, boot = 1, seq = 1;
	int counters = 0;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double t = (double)now.tv_sec, recv = (double)now.tv_sec + now.tv_nsec / 1e9;
	int ch;
	while ((ch = getopt(argc, argv, "o:N:b:q:R:t:r:w:Z:z:a:k:C:")) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'N': node = optarg; break;
		case 'b': boot = strtoull(optarg, NULL, 0); break;
		case 'q': seq = strtoull(optarg, NULL, 0); break;
		case 'R': recv = strtod(optarg, NULL); break;
		case 't': t = strtod(optarg, NULL); break;
		case 'r': records = strtoull(optarg, NULL, 0); break;
		case 'w': weight = strtoull(optarg, NULL, 0); break;
		case 'Z': zone = optarg; break;
		case 'z': zones = strtoull(optarg, NULL, 0); break;
		case 'a': asns = strtoull(optarg, NULL, 0); break;
		case 'k': per = strtoull(optarg, NULL, 0); break;
		case 'C': cval = strtoull(optarg, NULL, 0); counters = 1; break;
		default: usage();
		}
	}
	if (!out || !node || (!records && !counters) || !per)
		usage();
	sqlite3 *db;
	sqlite3_stmt *ins;
	if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO datagram (node, boot_id, seq, kind, received_us, nrecords,"
	        " payload) VALUES (?,?,?,?,?,?,?)", -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "stage-hostile: %s: %s\n", out, sqlite3_errmsg(db));
		return 1;
	}
	int64_t recv_us = (int64_t)(recv * 1e6);
	uint64_t time_us = (uint64_t)(t * 1e6);
	static uint8_t payload[RECORD_MAX_PAYLOAD];
	unsigned rows = 0;
	/* put: one staged row */
#define PUT(kind, nrec, len) do { \
		sqlite3_bind_text(ins, 1, node, -1, SQLITE_STATIC); \
		sqlite3_bind_int64(ins, 2, (int64_t)boot); \
		sqlite3_bind_int64(ins, 3, (int64_t)seq++); \
		sqlite3_bind_int(ins, 4, (kind)); \
		sqlite3_bind_int64(ins, 5, recv_us); \
		sqlite3_bind_int(ins, 6, (nrec)); \
		sqlite3_bind_blob(ins, 7, payload, (len), SQLITE_STATIC); \
		if (sqlite3_step(ins) != SQLITE_DONE) { \
			fprintf(stderr, "stage-hostile: insert: %s\n", sqlite3_errmsg(db)); \
			return 1; \
		} \
		sqlite3_reset(ins); \
		rows++; \
	} while (0)

	if (counters) {
		struct dnsa_counters c;
		memset(&c, 0, sizeof c);
		c.time_us = time_us;
		counters_set(&c, C_MSG_TOTAL, cval);
		int len = counters_encode(&c, payload, sizeof payload);
		if (len < 0)
			return 1;
		PUT(ENV_KIND_COUNTERS, 0, len);
	}
	struct batch *b;
	batch_new(RECORD_MAX_PAYLOAD, &b);
	for (uint64_t i = 0; i < records; i++) {
		struct dnsa_record r;
		memset(&r, 0, sizeof r);
		r.time_us = time_us;
		r.weight = (uint32_t)weight;
		if (zones)
			snprintf(r.zone, sizeof r.zone, "z%05" PRIu64 ".flood.test", i % zones);
		else
			snprintf(r.zone, sizeof r.zone, "%s", zone);
		r.has = RH_QUESTION;
		memcpy(r.qname, "www.", 4);
		memcpy(r.qname + 4, r.zone, strnlen(r.zone, sizeof r.qname - 5));
		r.qtype = 1;
		r.qclass = 1;
		r.transport = TR_UDP;
		r.ipver = 4;
		r.msgtype = MT_AUTH_RESPONSE;
		if (asns) {
			r.has |= RH_ASN;
			r.asn = (uint32_t)(64512 + i % asns);
		}
		if (batch_add(b, &r) != E_OK)
			return 1;
		if (batch_count(b) >= per || i + 1 == records) {
			unsigned n = batch_count(b);
			int len = batch_finish(b, time_us, payload, sizeof payload);
			if (len < 0)
				return 1;
			PUT(ENV_KIND_RECORDS, (int)n, len);
		}
	}
	batch_free(b);
	sqlite3_finalize(ins);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "stage-hostile: commit: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_close(db);
	printf("%u\n", rows);
	return 0;
}
