/* tests/tools/gen-staging.c: fill a staging database with synthetic datagrams of known content (tests, benchmark). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/record.h"
#include "common/stagefiles.h"
#include "rollup/dims.h"

/*
 * Record i is a pure function of (i, seed), so a run is reproducible. With -e,
 * every record also writes one line per series row it feeds:
 *   S <gran>|<ts>|<zone or *>|<node or *>|<dim>|<val>\t<weight>
 *   N <ts>|<zone>|<qname>\t<weight>
 *   H <gran>|<ts>|<node>|<source>|<counter>\t<increment>
 * computed here from the generator's own values, independently of the rollup's
 * aggregation; the test sums them with sort/awk and compares with MariaDB.
 */

struct opts {
	const char *out, *schema, *expect;
	uint64_t records;
	unsigned zones, nodes, per_dgram, names, asns, countries;
	uint64_t start, span, seed;
	unsigned garbage;
	int counters;
	uint64_t first_seq;
	const char *prefix;          /* node names: PREFIX00, PREFIX01, ... (NULL: "node") */
	uint64_t per_file;           /* -R: datagram rows per file of a rotated set (0: one file) */
};

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static const uint16_t qtypes[] = { 1, 28, 2, 15, 16, 43, 65, 6, 48, 65280 };
static const char *const countries[] = { "NL", "DE", "US", "BR", "JP", "FR", "GB", "ZA", "IN", "CN" };

static void make_record(const struct opts *o, uint64_t i, struct dnsa_record *r, unsigned *node)
{
	uint64_t h = splitmix(i ^ (o->seed * 0x100000001b3ULL));
	uint64_t h2 = splitmix(h);
	memset(r, 0, sizeof *r);
	*node = (unsigned)(i % o->nodes);
	r->time_us = (o->start + i * o->span / (o->records ? o->records : 1)) * 1000000ULL + h % 1000000;
	snprintf(r->zone, sizeof r->zone, "zone%u.test", (unsigned)((i / 3) % o->zones));
	r->has = RH_QSIZE;
	if (h % 97 != 0) {
		r->has |= RH_QUESTION;
		r->qtype = qtypes[(h >> 8) % (sizeof qtypes / sizeof qtypes[0])];
		r->qclass = 1;
		snprintf(r->qname, sizeof r->qname, "w%u.zone%u.test", (unsigned)((h >> 16) % o->names),
		    (unsigned)((i / 3) % o->zones));
	}
	r->rcode = (h >> 24) % 5 == 0 ? 3 : (h >> 24) % 50 == 1 ? 2 : (h >> 24) % 211 == 2 ? 23 : 0;
	r->opcode = (h >> 32) % 101 == 0 ? 4 : 0;
	r->flags = RF_QR | RF_AA;
	r->transport = (uint8_t)(1 + (h >> 36) % 4);
	r->ipver = (h >> 40) % 3 == 0 ? 6 : 4;
	r->msgtype = MT_AUTH_RESPONSE;
	if ((h >> 42) % 10 != 0) {
		r->has |= RH_EDNS;
		r->edns_version = (h >> 46) % 50 == 0 ? 1 : 0;
		r->edns_udp = 1232;
		r->edns_do = (h >> 47) & 1;
	}
	r->qsize = 40;
	if ((h >> 48) % 20 != 0) {
		r->has |= RH_RSIZE;
		r->rsize = (uint32_t)(h2 % 4300);
	}
	if ((h2 >> 20) % 8 != 0) {
		r->has |= RH_COUNTRY;
		memcpy(r->country, countries[(h2 >> 24) % o->countries], 3);
	}
	if ((h2 >> 32) % 6 != 0) {
		r->has |= RH_ASN;
		r->asn = 64496 + (uint32_t)((h2 >> 36) % o->asns);
	}
	static const uint32_t weights[] = { 1, 10, 100, 7 };
	r->weight = weights[(h2 >> 50) % 4];
}

static FILE *ex;

static void expect_series(const char *gran, uint64_t ts, const char *zone, const char *node,
    unsigned dim, uint32_t val, uint32_t w)
{
	char label[32];
	dims_label(dim, val, label, sizeof label);
	fprintf(ex, "S %s|%" PRIu64 "|%s|%s|%s|%s\t%u\n", gran, ts, zone, node, dims_name(dim), label, w);
}

/* the value of each dimension, computed from the record as a reader of docs/sql.md would */
static uint32_t dim_value(const struct dnsa_record *r, unsigned dim)
{
	switch (dim) {
	case DIM_QTYPE: return (r->has & RH_QUESTION) ? r->qtype : DIMS_NONE;
	case DIM_RCODE: return r->rcode;
	case DIM_OPCODE: return r->opcode;
	case DIM_TRANSPORT: return r->transport;
	case DIM_IPVER: return r->ipver;
	case DIM_EDNS: return (r->has & RH_EDNS) ? r->edns_version : DIMS_NONE;
	case DIM_DO: return (r->has & RH_EDNS) && r->edns_do;
	case DIM_RSIZE: return (r->has & RH_RSIZE) ? dims_rsize_band(r->rsize) : DIMS_RSIZE_UNKNOWN;
	case DIM_COUNTRY: return (r->has & RH_COUNTRY) ? (uint32_t)(r->country[0] << 8 | r->country[1]) : 0;
	case DIM_ASN: return (r->has & RH_ASN) ? r->asn : 0;
	default: return 0;
	}
}

static void expect_record(const struct dnsa_record *r, const char *node)
{
	static const char *const gran[3] = { "minute", "hour", "day" };
	static const uint64_t span[3] = { 60, 3600, 86400 };
	uint64_t t = r->time_us / 1000000;
	for (int g = 0; g < 3; g++) {
		uint64_t ts = t - t % span[g];
		for (unsigned d = 0; d < DIM_MAX; d++) {
			if (g == 0 && d == DIM_ASN)
				continue;
			uint32_t v = dim_value(r, d);
			expect_series(gran[g], ts, r->zone, "*", d, v, r->weight);
			expect_series(gran[g], ts, "*", node, d, v, r->weight);
			expect_series(gran[g], ts, "*", "*", d, v, r->weight);
		}
		if (g > 0)
			expect_series(gran[g], ts, r->zone, node, DIM_TOTAL, 0, r->weight);
	}
	if (r->has & RH_QUESTION)
		fprintf(ex, "N %" PRIu64 "|%s|%s\t%u\n", t - t % 3600, r->zone, r->qname, r->weight);
}

static void expect_health(uint64_t time_s, const char *node, const char *src, const char *counter,
    uint64_t v)
{
	static const char *const gran[3] = { "minute", "hour", "day" };
	static const uint64_t span[3] = { 60, 3600, 86400 };
	if (!ex || v == 0)
		return;
	for (int g = 0; g < 3; g++)
		fprintf(ex, "H %s|%" PRIu64 "|%s|%s|%s\t%" PRIu64 "\n", gran[g], time_s - time_s % span[g],
		    node, src, counter, v);
}

static sqlite3_stmt *ins, *ins_stat;
static uint64_t rows;

/*
 * A rotated set as aggd writes it (common/stagefiles.h): with -R the base
 * file gets the schema only and the rows go to OUT.00000001, OUT.00000002,
 * ..., R datagram rows each, ids continuing across the files, each with its
 * segment row. node_stats rows go to the file being written.
 */
static sqlite3 *db;
static const char *schema_text, *out_base;
static uint64_t per_file, file_rows;
static uint32_t file_seq;
static int64_t next_dg = 1, next_st = 1;

static void die_db(const char *what)
{
	fprintf(stderr, "gen-staging: %s: %s\n", what, db ? sqlite3_errmsg(db) : "cannot open");
	exit(1);
}

/* open path, apply the schema, begin; seq > 0: with its segment row */
static void open_file(const char *path, uint32_t seq)
{
	char sql[200];
	/* aggd's page size (aggd/stage.c), so the rollup reads and prunes the file aggd would write */
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, getenv("GEN_STAGING_4K") ? "" : "PRAGMA page_size = 16384", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, schema_text, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO datagram (node, boot_id, seq, kind, received_us, nrecords,"
	        " payload, id) VALUES (?,?,?,?,?,?,?,?)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO node_stats (node, time_us, counter, value, id) VALUES (?,?,?,?,?)",
	        -1, &ins_stat, NULL) != SQLITE_OK)
		die_db(path);
	snprintf(sql, sizeof sql, "INSERT INTO segment (seq, datagram_base, node_stats_base) VALUES (%u, %lld, %lld)",
	    (unsigned)seq, (long long)next_dg, (long long)next_st);
	if (seq && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die_db(path);
}

static void close_file(void)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die_db("commit");
	sqlite3_finalize(ins);
	sqlite3_finalize(ins_stat);
	sqlite3_close(db);
	db = NULL;
}

/* with -R: the next file once the current one has its rows (the base file has none) */
static void next_file(void)
{
	char name[4096];
	if (!per_file || (file_seq && file_rows < per_file))
		return;
	close_file();
	file_seq++;
	file_rows = 0;
	if (stagefiles_name(out_base, file_seq, name, sizeof name) != E_OK) {
		fprintf(stderr, "gen-staging: %s: name too long\n", out_base);
		exit(1);
	}
	open_file(name, file_seq);
}

static void put_row(const char *node, int64_t boot, int64_t seq, int kind, int64_t recv_us,
    int nrec, const void *payload, size_t len)
{
	next_file();
	sqlite3_bind_text(ins, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 2, boot);
	sqlite3_bind_int64(ins, 3, seq);
	sqlite3_bind_int(ins, 4, kind);
	sqlite3_bind_int64(ins, 5, recv_us);
	sqlite3_bind_int(ins, 6, nrec);
	sqlite3_bind_blob(ins, 7, payload, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 8, next_dg++);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		fprintf(stderr, "gen-staging: insert: %s\n", sqlite3_errmsg(sqlite3_db_handle(ins)));
		exit(1);
	}
	sqlite3_reset(ins);
	rows++;
	file_rows++;
}

static void put_stat(const char *node, uint64_t time_s, const char *counter, int64_t v)
{
	sqlite3_bind_text(ins_stat, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins_stat, 2, (int64_t)time_s * 1000000 + 500000);
	sqlite3_bind_text(ins_stat, 3, counter, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins_stat, 4, v);
	sqlite3_bind_int64(ins_stat, 5, next_st++);
	if (sqlite3_step(ins_stat) != SQLITE_DONE) {
		fprintf(stderr, "gen-staging: insert stat: %s\n", sqlite3_errmsg(sqlite3_db_handle(ins_stat)));
		exit(1);
	}
	sqlite3_reset(ins_stat);
	expect_health(time_s, node, "aggd", counter, (uint64_t)v);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/*
 * Counters: per node j, boot 1000+j sends cumulative snapshots 1000(j+1)(k+1)
 * at minutes +1..+3 and then a stale copy of the +2 one (adds nothing); boot
 * 2000+j (a restart) sends 300 then 900. Increments: 1000(j+1) three times,
 * then 300 and 600.
 */
static void gen_counters(const struct opts *o, char names[][16])
{
	uint8_t buf[2048];
	for (unsigned j = 0; j < o->nodes; j++) {
		struct { int64_t boot; unsigned minute; uint64_t total; uint64_t inc; } snaps[] = {
			{ 1000 + j, 1, 1000ull * (j + 1), 1000ull * (j + 1) },
			{ 1000 + j, 2, 2000ull * (j + 1), 1000ull * (j + 1) },
			{ 1000 + j, 3, 3000ull * (j + 1), 1000ull * (j + 1) },
			{ 1000 + j, 3, 2000ull * (j + 1), 0 },
			{ 2000 + j, 4, 300, 300 },
			{ 2000 + j, 5, 900, 600 },
		};
		for (unsigned k = 0; k < sizeof snaps / sizeof snaps[0]; k++) {
			struct dnsa_counters c;
			memset(&c, 0, sizeof c);
			uint64_t t = o->start + snaps[k].minute * 60 + 10;
			c.time_us = t * 1000000;
			counters_set(&c, C_MSG_TOTAL, snaps[k].total);
			counters_set(&c, C_SAMPLED, snaps[k].total / 10);
			counters_set(&c, C_SAMPLE_N, 10);
			int len = counters_encode(&c, buf, sizeof buf);
			if (len < 0) {
				fprintf(stderr, "gen-staging: counters_encode: %s\n", dnsa_strerror(len));
				exit(1);
			}
			put_row(names[j], snaps[k].boot, 900000 + k, ENV_KIND_COUNTERS, (int64_t)c.time_us + 1000,
			    0, buf, (size_t)len);
			expect_health(t, names[j], "capd", "msg_total", snaps[k].inc);
			expect_health(t, names[j], "capd", "sampled", snaps[k].inc / 10);
		}
		put_stat(names[j], o->start + 70, "datagrams", 40 + j);
		put_stat(names[j], o->start + 70, "gaps", 2);
		put_stat(names[j], o->start + 130, "gaps", 1);
		put_stat(names[j], o->start + 130, "reject_bad_tag", 3);
	}
	put_stat("", o->start + 70, "reject_unknown_node", 5);
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: gen-staging -o STAGING_DB [-s sql/staging.sql] [-r RECORDS] [-z ZONES] [-n NODES]\n"
	    "         [-k RECORDS_PER_DATAGRAM] [-q NAMES_PER_ZONE] [-a ASNS] [-t START_UNIX]\n"
	    "         [-d SPAN_SECONDS] [-S SEED] [-g GARBAGE_ROWS] [-c] [-e EXPECT_FILE] [-p NODE_PREFIX]\n"
	    "         [-R ROWS_PER_FILE]\n"
	    "  -c  also counters datagrams (two boots per node) and aggd node_stats rows\n"
	    "  -R  a rotated set: the base file holds the schema only, the rows go to\n"
	    "      STAGING_DB.00000001, ... ROWS_PER_FILE datagram rows each\n"
	    "  -e  write the expected series/name/health lines (see the file comment)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { NULL, "sql/staging.sql", NULL, 10000, 5, 3, 20, 50, 100, 10,
		1767225600, 7200, 1, 0, 0, 1, NULL, 0 };
	int ch;
	while ((ch = getopt(argc, argv, "o:s:e:r:z:n:k:q:a:t:d:S:g:cp:R:")) != -1) {
		switch (ch) {
		case 'o': o.out = optarg; break;
		case 's': o.schema = optarg; break;
		case 'e': o.expect = optarg; break;
		case 'r': o.records = strtoull(optarg, NULL, 10); break;
		case 'z': o.zones = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': o.nodes = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': o.per_dgram = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'q': o.names = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'a': o.asns = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': o.start = strtoull(optarg, NULL, 10); break;
		case 'd': o.span = strtoull(optarg, NULL, 10); break;
		case 'S': o.seed = strtoull(optarg, NULL, 10); break;
		case 'g': o.garbage = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': o.counters = 1; break;
		case 'p': o.prefix = optarg; break;
		case 'R': o.per_file = strtoull(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!o.out || !o.zones || !o.nodes || !o.per_dgram || !o.names || !o.asns || o.nodes > 999)
		usage();
	char *schema = slurp(o.schema);
	if (!schema) {
		fprintf(stderr, "gen-staging: %s: %s\n", o.schema, strerror(errno));
		return 1;
	}
	schema_text = schema;
	out_base = o.out;
	per_file = o.per_file;
	open_file(o.out, 0);
	if (o.expect && !(ex = fopen(o.expect, "w"))) {
		fprintf(stderr, "gen-staging: %s: %s\n", o.expect, strerror(errno));
		return 1;
	}

	char (*names)[16] = calloc(o.nodes, 16);
	struct batch **b = calloc(o.nodes, sizeof *b);
	uint64_t *seq = calloc(o.nodes, sizeof *seq), *last_us = calloc(o.nodes, sizeof *last_us);
	uint8_t payload[RECORD_MAX_PAYLOAD];
	for (unsigned j = 0; j < o.nodes; j++) {
		snprintf(names[j], 16, "%.8s%02u", o.prefix ? o.prefix : "node", j % 1000u);
		batch_new(1232, &b[j]);
		seq[j] = o.first_seq;
	}
	uint64_t records = 0, weight = 0;
	for (uint64_t i = 0; i < o.records; i++) {
		struct dnsa_record r;
		unsigned j;
		make_record(&o, i, &r, &j);
		int rc = batch_add(b[j], &r);
		if (rc == E_SPACE || batch_count(b[j]) >= o.per_dgram) {
			unsigned n = batch_count(b[j]);
			int len = batch_finish(b[j], last_us[j], payload, sizeof payload);
			put_row(names[j], 1000 + j, (int64_t)seq[j]++, ENV_KIND_RECORDS, (int64_t)last_us[j] + 2000,
			    (int)n, payload, (size_t)len);
			if (rc == E_SPACE)
				rc = batch_add(b[j], &r);
		}
		if (rc) {
			fprintf(stderr, "gen-staging: batch_add: %s\n", dnsa_strerror(rc));
			return 1;
		}
		last_us[j] = r.time_us;
		records++;
		weight += r.weight;
		if (ex)
			expect_record(&r, names[j]);
	}
	for (unsigned j = 0; j < o.nodes; j++) {
		unsigned n = batch_count(b[j]);
		if (n) {
			int len = batch_finish(b[j], last_us[j], payload, sizeof payload);
			put_row(names[j], 1000 + j, (int64_t)seq[j]++, ENV_KIND_RECORDS, (int64_t)last_us[j] + 2000,
			    (int)n, payload, (size_t)len);
		}
		batch_free(b[j]);
	}
	if (o.counters)
		gen_counters(&o, names);
	/* rows that must not decode: random bytes as records, as counters, and an unknown kind */
	for (unsigned g = 0; g < o.garbage; g++) {
		uint8_t junk[64];
		for (unsigned k = 0; k < sizeof junk; k++)
			junk[k] = (uint8_t)splitmix(g * 131 + k);
		put_row(names[g % o.nodes], 1000 + g % o.nodes, 800000 + g, g % 3 == 2 ? 7 : 1 + g % 2,
		    (int64_t)o.start * 1000000, 3, junk, sizeof junk);
		expect_health(o.start, names[g % o.nodes], "rollup", "quarantined", 1);
	}
	close_file();
	if (ex && fclose(ex)) {
		fprintf(stderr, "gen-staging: %s: %s\n", o.expect, strerror(errno));
		return 1;
	}
	printf("rows %" PRIu64 " records %" PRIu64 " weight %" PRIu64 " garbage %u", rows, records, weight,
	    o.garbage);
	if (per_file)
		printf(" files %u", (unsigned)file_seq);
	printf("\n");
	free(names);
	free(b);
	free(seq);
	free(last_us);
	return 0;
}
