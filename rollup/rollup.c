/* rollup/rollup.c: one rollup run: staging rows past the checkpoint -> MariaDB, exactly once, then prune. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/grow.h"
#include "common/record.h"
#include "rollup/agg.h"
#include "rollup/dims.h"
#include "rollup/health.h"
#include "rollup/hll_store.h"
#include "rollup/reader.h"
#include "rollup/rollup.h"
#include "rollup/seen.h"
#include "rollup/srvzone.h"
#include "rollup/strtab.h"
#include "rollup/validate.h"

/* a decoded counters datagram, kept until the batch knows every node's last values */
struct cnt_msg {
	uint32_t node;      /* agg node index */
	int64_t boot;
	int64_t id;         /* staging id: the order snapshots are applied in */
	struct dnsa_counters c;
};

/* a staged row that did not decode */
struct quar {
	int64_t id;
	uint32_t node;
	int64_t received_us;
	char why[200];
};

/* names -> MariaDB ids, kept across batches (cleared after a rollback) */
struct idcache {
	struct strtab *names;
	uint32_t *id;       /* by strtab index; 0 = not resolved yet */
	size_t cap;
	const char *ins, *sel;
};

struct rollup {
	const struct rollup_conf *c;
	struct staging *s;
	struct mdb *m;
	rollup_hook_fn hook;
	void *hook_arg;
	struct agg *agg;
	struct reader *rd;               /* decodes the staged rows on a second thread */
	struct health *health;
	struct srvzone *srvz;            /* the nameservers' per-zone totals */
	struct hllstore *hll;            /* distinct-client sketches */
	struct cnt_msg *cnt;
	size_t ncnt, cntcap;
	struct quar *q;
	size_t nq, qcap;
	struct idcache zones, nodes;
	uint32_t *zmap, *nmap;           /* this batch: agg index -> MariaDB id */
	size_t zmapcap, nmapcap;
	struct mdb_upsert *up_series[AGG_GRAN_MAX], *up_health[AGG_GRAN_MAX], *up_names, *up_last;
	struct mdb_upsert *up_akind[AGG_GRAN_MAX], *up_lat[AGG_GRAN_MAX], *up_rnames;  /* 009's tables */
	unsigned batchno;
	int no_guard;                    /* dnsa_partner_guard failed once: not called again this run */
	int no_009;                      /* this run: 009's tables are missing (an older schema), not written */
	int part_old;                    /* no dnsa_partitions (schema before 013): retention DELETEs */
	int fatal;                       /* sticky error from a staging callback */
	struct seen *seen;               /* datagrams rolled up by any aggregator */
	struct validate_conf vc;
	size_t mem_max;                  /* bytes of aggregate that end a batch early */
	/* isolating a row MariaDB refuses: rows per table for the next batch (0: none) */
	unsigned lim_dg, lim_st;
	int isolating;                   /* lim_* are below the configured batch */
	unsigned tried_dg, tried_st;     /* rows the last batch read */
	int64_t tried_last_dg, tried_last_st;
	int64_t refuse_dg, refuse_st;    /* the row found guilty: quarantined / skipped in the next batch */
	int bare;                        /* that batch writes no health rows (they may be what is refused) */
	int mem_stop;                    /* this batch ended early at the memory bound */
	uint64_t read_records;           /* records staged in the rows this batch read (nrecords), added or not */
	char refuse_why[200];
	uint64_t replayed, refused, saturated_sql;  /* this batch */
	uint64_t retried, failovers;     /* since the last commit: added to the checkpoint row by the next */
	/* the checkpoint this run expects (what it read first, then what it committed) */
	int64_t ck_want_dg, ck_want_st;
	int ck_known;                    /* 0: unknown (run start, after a failover: a COMMIT may have landed) */
	int moved;                       /* the checkpoint moved under this run: another copy writes it */
	char first_quar[200];            /* the first quarantine reason of the run (for the log) */
	char err[700];
};

static const char SQL_CK_GET[] =
	"SELECT datagram_id, node_stats_id FROM rollup_checkpoint WHERE aggregator = ? FOR UPDATE";
static const char SQL_CK_PEEK[] =
	"SELECT datagram_id, node_stats_id FROM rollup_checkpoint WHERE aggregator = ?";
static const char SQL_CK_NEW[] =
	"INSERT INTO rollup_checkpoint (aggregator, datagram_id, node_stats_id) VALUES (?, 0, 0)";
static const char SQL_CK_SET[] =
	"UPDATE rollup_checkpoint SET datagram_id = ?, node_stats_id = ?, updated = UTC_TIMESTAMP(),"
	" batches = batches + 1, datagrams = datagrams + ?, records = records + ?,"
	" estimated = IF(estimated > 18446744073709551615 - ?, 18446744073709551615, estimated + ?),"
	" quarantined = quarantined + ?, names_untracked = names_untracked + ?,"
	" replayed = replayed + ?, refused = refused + ?, zones_folded = zones_folded + ?,"
	" asn_folded = asn_folded + ?, saturated = saturated + ?,"
	" retried = retried + ?, failovers = failovers + ?"
	" WHERE aggregator = ?";
/* 006_partner_guard.sql: kills partner sessions holding locks (the only KILL the rollup may do) */
static const char SQL_GUARD[] = "CALL dnsa_partner_guard(@dnsa_guard_killed)";
static const char SQL_GUARD_N[] = "SELECT COALESCE(@dnsa_guard_killed, 0)";
static const char SQL_ZONE_INS[] = "INSERT IGNORE INTO zone (name) VALUES (?)";
static const char SQL_ZONE_SEL[] = "SELECT zone_id FROM zone WHERE name = ?";
static const char SQL_NODE_INS[] = "INSERT IGNORE INTO node (name) VALUES (?)";
static const char SQL_NODE_SEL[] = "SELECT node_id FROM node WHERE name = ?";
static const char SQL_LAST_GET[] =
	"SELECT counter, value FROM capd_last WHERE node_id = ? AND boot_id = ? FOR UPDATE";
static const char SQL_TRIM_GET[] =
	"SELECT COALESCE(UNIX_TIMESTAMP(names_trimmed), 0) FROM rollup_checkpoint WHERE aggregator = ?";
static const char SQL_TRIM_SET[] =
	"UPDATE rollup_checkpoint SET names_trimmed = FROM_UNIXTIME(?) WHERE aggregator = ?";
/* keep the top N names of each complete (zone, hour); the derived table is materialised first */
static const char SQL_TRIM[] =
	"DELETE t FROM top_name_hour t JOIN (SELECT zone_id, ts, qname, ROW_NUMBER() OVER"
	" (PARTITION BY zone_id, ts ORDER BY est DESC, qname) AS rn FROM top_name_hour"
	" WHERE ts >= FROM_UNIXTIME(?) AND ts < FROM_UNIXTIME(?)) k"
	" ON k.zone_id = t.zone_id AND k.ts = t.ts AND k.qname = t.qname WHERE k.rn > ?";

static const char *const series_table[AGG_GRAN_MAX] = { "series_minute", "series_hour", "series_day" };
static const char *const akind_table[AGG_GRAN_MAX] = { "answer_kind_minute", "answer_kind_hour", "answer_kind_day" };
static const char *const lat_table[AGG_GRAN_MAX] = { "latency_minute", "latency_hour", "latency_day" };
/* the same cut for the names kept per rcode, per (zone, hour, rcode) */
static const char SQL_TRIM_RC[] =
	"DELETE t FROM top_name_rcode_hour t JOIN (SELECT ts, zone_id, rcode, qname, ROW_NUMBER() OVER"
	" (PARTITION BY zone_id, ts, rcode ORDER BY est DESC, qname) AS rn FROM top_name_rcode_hour"
	" WHERE ts >= FROM_UNIXTIME(?) AND ts < FROM_UNIXTIME(?)) k"
	" ON k.zone_id = t.zone_id AND k.ts = t.ts AND k.rcode = t.rcode AND k.qname = t.qname WHERE k.rn > ?";
static const char SQL_HAS_009[] =
	"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
	" AND TABLE_NAME = 'top_name_rcode_hour'";
static const char SQL_EXP_AM[] = "DELETE FROM answer_kind_minute WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_AH[] = "DELETE FROM answer_kind_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_AD[] = "DELETE FROM answer_kind_day WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_LM[] = "DELETE FROM latency_minute WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_LH[] = "DELETE FROM latency_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_LD[] = "DELETE FROM latency_day WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_TR[] = "DELETE FROM top_name_rcode_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char *const health_table[AGG_GRAN_MAX] = {
	"node_counter_minute", "node_counter_hour", "node_counter_day"
};
static const char *const source_name[HS_MAX] = { "capd", "aggd", "rollup" };

/* retention: one constant statement per table (prepared statements are cached by address) */
static const char SQL_EXP_SM[] = "DELETE FROM series_minute WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_SH[] = "DELETE FROM series_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_SD[] = "DELETE FROM series_day WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_NM[] = "DELETE FROM node_counter_minute WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_NH[] = "DELETE FROM node_counter_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_ND[] = "DELETE FROM node_counter_day WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_TN[] = "DELETE FROM top_name_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_ZM[] = "DELETE FROM server_zone_minute WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_ZH[] = "DELETE FROM server_zone_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_ZD[] = "DELETE FROM server_zone_day WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_ZL[] = "DELETE FROM server_zone_last WHERE updated < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_RSH[] = "DELETE FROM resolvers_sketch_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_RSD[] = "DELETE FROM resolvers_sketch_day WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_RH[] = "DELETE FROM resolvers_hour WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_RD[] = "DELETE FROM resolvers_day WHERE ts < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_CL[] =
	"DELETE FROM capd_last WHERE updated < FROM_UNIXTIME(?) LIMIT 10000";
static const char SQL_EXP_SEEN[] =
	"DELETE FROM rollup_seen WHERE updated < FROM_UNIXTIME(?) LIMIT 10000";

/* 013_partitions.sql: the time tables above expire by dropping partitions (the server's
 * clock), and get their partitions ahead; the DELETEs remain for a schema before 013 */
static const char SQL_PART[] = "CALL dnsa_partitions(?, ?, ?, @dnsa_pd, @dnsa_pa, @dnsa_px, @dnsa_pb)";
static const char SQL_PART_N[] = "SELECT @dnsa_pd, @dnsa_pa, @dnsa_px, @dnsa_pb";

static int db_fail(struct rollup *r, int rc)
{
	if (rc == E_NOMEM)
		snprintf(r->err, sizeof r->err, "out of memory");
	else
		snprintf(r->err, sizeof r->err, "%s", mdb_errmsg(r->m));
	return rc;
}

const char *rollup_errmsg(const struct rollup *r)
{
	return r->err;
}

static int on_prep(const struct reader_row *rr, void *extra, void *arg);

static int idcache_init(struct idcache *c, const char *ins, const char *sel)
{
	c->ins = ins;
	c->sel = sel;
	return strtab_new(&c->names) == E_OK ? 0 : -1;
}

static void idcache_clear(struct idcache *c)
{
	/* the ids too: names are numbered again from 0, and a stale id would file data under another name */
	strtab_clear(c->names);
	if (c->id)
		memset(c->id, 0, c->cap * sizeof *c->id);
}

int rollup_new(const struct rollup_conf *c, struct staging *s, struct mdb *m, rollup_hook_fn hook, void *hook_arg,
    struct rollup **out)
{
	*out = NULL;
	struct rollup *r = calloc(1, sizeof *r);
	if (!r)
		return E_NOMEM;
	r->c = c;
	r->s = s;
	r->m = m;
	r->hook = hook;
	r->hook_arg = hook_arg;
	agg_new(&r->agg);
	if (r->agg) {
		agg_limit_names(r->agg, (size_t)c->names_max);
		agg_limit_zones(r->agg, (size_t)c->zones_per_node, (size_t)c->zones_per_run, (size_t)c->asn_max);
		agg_limit_memory(r->agg, ((size_t)c->memory_mb << 20) / 4);
	}
	health_new(&r->health);
	reader_new(&r->rd);
	if (r->rd) {
		reader_set_prep(r->rd, sizeof(struct agg_pre), on_prep, r);
		reader_set_threads(r->rd, (int)c->read_threads);
	}
	seen_new(m, &r->seen);
	srvzone_new(m, (unsigned)c->upsert_rows, &r->srvz);
	hllstore_new(m, &r->hll);
	r->vc.past_s = c->window_past_days * 86400;
	r->vc.future_s = c->window_future_s;
	r->mem_max = (size_t)c->memory_mb << 20;
	r->lim_dg = r->lim_st = (unsigned)c->batch_rows;
	r->refuse_dg = r->refuse_st = -1;
	int bad = !r->agg || !r->rd || !r->health || !r->seen || !r->srvz || !r->hll || idcache_init(&r->zones, SQL_ZONE_INS, SQL_ZONE_SEL) ||
	    idcache_init(&r->nodes, SQL_NODE_INS, SQL_NODE_SEL);
	unsigned rows = (unsigned)c->upsert_rows;
	for (int g = 0; g < AGG_GRAN_MAX && !bad; g++) {
		mdb_upsert_new(m, series_table[g],
		    "zone_id, node_id, dim, val, ts, est, sampled", "uusstuu",
		    MDB_SAT_ADD("est") ", " MDB_SAT_ADD("sampled"), rows, &r->up_series[g]);
		mdb_upsert_new(m, health_table[g],
		    "node_id, source, counter, ts, value", "usstu", MDB_SAT_ADD("value"), rows, &r->up_health[g]);
		mdb_upsert_new(m, akind_table[g], "ts, zone_id, node_id, kind, est, sampled",
		    "tuusuu", MDB_SAT_ADD("est") ", " MDB_SAT_ADD("sampled"), rows, &r->up_akind[g]);
		mdb_upsert_new(m, lat_table[g],
		    "ts, zone_id, node_id, metric, country, bucket, est, sampled", "tuussuuu",
		    MDB_SAT_ADD("est") ", " MDB_SAT_ADD("sampled"), rows, &r->up_lat[g]);
		bad = !r->up_series[g] || !r->up_health[g] || !r->up_akind[g] || !r->up_lat[g];
	}
	if (!bad) {
		mdb_upsert_new(m, "top_name_hour", "zone_id, ts, qname, est, sampled", "utsuu",
		    MDB_SAT_ADD("est") ", " MDB_SAT_ADD("sampled"), rows, &r->up_names);
		/* the row is locked FOR UPDATE and `value` already holds the maximum: plain overwrite */
		mdb_upsert_new(m, "capd_last", "node_id, boot_id, counter, value, updated",
		    "uisut", "value = VALUES(value), updated = VALUES(updated)", rows, &r->up_last);
		mdb_upsert_new(m, "top_name_rcode_hour", "ts, zone_id, rcode, qname, est, sampled",
		    "tussuu", MDB_SAT_ADD("est") ", " MDB_SAT_ADD("sampled"), rows, &r->up_rnames);
		bad = !r->up_names || !r->up_last || !r->up_rnames;
	}
	if (bad) {
		rollup_free(r);
		return E_NOMEM;
	}
	*out = r;
	return E_OK;
}

void rollup_free(struct rollup *r)
{
	if (!r)
		return;
	agg_free(r->agg);
	reader_free(r->rd);
	health_free(r->health);
	seen_free(r->seen);
	srvzone_free(r->srvz);
	hllstore_free(r->hll);
	free(r->cnt);
	free(r->q);
	strtab_free(r->zones.names);
	free(r->zones.id);
	strtab_free(r->nodes.names);
	free(r->nodes.id);
	free(r->zmap);
	free(r->nmap);
	for (int g = 0; g < AGG_GRAN_MAX; g++) {
		mdb_upsert_free(r->up_series[g]);
		mdb_upsert_free(r->up_health[g]);
		mdb_upsert_free(r->up_akind[g]);
		mdb_upsert_free(r->up_lat[g]);
	}
	mdb_upsert_free(r->up_rnames);
	mdb_upsert_free(r->up_names);
	mdb_upsert_free(r->up_last);
	free(r);
}

/* ---- reading the batch ---- */

static int resolve(struct rollup *r, struct idcache *c, const char *name, uint32_t *out);

static int add_quarantine(struct rollup *r, const struct staging_row *row, int node, const char *why)
{
	if (grow_array((void **)&r->q, &r->qcap, r->nq + 1, sizeof *r->q))
		return E_NOMEM;
	struct quar *q = &r->q[r->nq++];
	q->id = row->id;
	q->node = (uint32_t)node;
	q->received_us = row->received_us;
	snprintf(q->why, sizeof q->why, "%s", why);
	if (!r->first_quar[0])
		snprintf(r->first_quar, sizeof r->first_quar, "staged id %lld: %s", (long long)row->id, why);
	return E_OK;
}

/* a staging callback's MariaDB failure: the message is kept for the caller */
static int cb_db_fail(struct rollup *r, int rc)
{
	r->fatal = 1;
	if (rc == E_NOMEM)
		snprintf(r->err, sizeof r->err, "out of memory");
	else
		snprintf(r->err, sizeof r->err, "%s", mdb_errmsg(r->m));
	return rc;
}

/*
 * 1 if this datagram was already rolled up (by this or another aggregator),
 * counted as `replayed`; 0 once it is marked as rolled up in this batch.
 */
static int replayed(struct rollup *r, const struct staging_row *row, int node)
{
	if (grow_array((void **)&r->nmap, &r->nmapcap, (size_t)node + 1, sizeof *r->nmap))
		return cb_db_fail(r, E_NOMEM);
	int rc;
	if (!r->nmap[node] && (rc = resolve(r, &r->nodes, agg_node_name(r->agg, (uint32_t)node), &r->nmap[node])))
		return cb_db_fail(r, rc);
	rc = seen_mark(r->seen, r->nmap[node], row->boot_id, row->seq);
	if (rc < 0)
		return cb_db_fail(r, rc);
	if (rc == 1) {
		r->replayed++;
		if (!r->bare && (rc = health_add(r->health, (uint32_t)node, (uint64_t)row->received_us, HS_ROLLUP,
		        "replayed", 1)))
			return rc;
		return 1;
	}
	return 0;
}

/* health counter of the rollup's own folding, added at the datagram's receive time */
static int count_fold(struct rollup *r, int node, int64_t received_us, const char *name, uint64_t n)
{
	if (!n || r->bare)
		return E_OK;
	return health_add(r->health, (uint32_t)node, (uint64_t)received_us, HS_ROLLUP, name, n);
}

/*
 * The reader's thread, ahead of on_row, for every RECORDS row that decoded:
 * the records' checks and agg_prepare. It reads only what does not change
 * during a read (r->vc) and writes only extra. Returns 1 if a record is out of range (on_row says why), else 0.
 */
static int on_prep(const struct reader_row *rr, void *extra, void *arg)
{
	struct rollup *r = arg;
	char why[200];
	if (validate_records(&r->vc, rr->recs, rr->n, rr->row.received_us, why, sizeof why))
		return 1;
	agg_prepare(rr->recs, rr->n, (uint64_t)rr->row.received_us, extra);
	return 0;
}

/* a staged row, its records decoded (rr->n, rr->recs) and prepared (rr->extra) by the reader's thread */
static int on_row(const struct reader_row *rr, void *arg)
{
	const struct staging_row *row = &rr->row;
	struct rollup *r = arg;
	char why[200];
	/* what the read's budget (batch_records) counts: replayed and quarantined rows too */
	r->read_records += row->nrecords > 0 ? (uint64_t)row->nrecords : 0;
	int bad_node = validate_node(row->node, why, sizeof why);
	int node = agg_node(r->agg, bad_node ? "" : row->node);
	int rc;
	if (node < 0)
		return node;
	if (row->id == r->refuse_dg)
		return add_quarantine(r, row, node, r->refuse_why);
	if (bad_node || validate_received(row->received_us, why, sizeof why))
		return add_quarantine(r, row, node, why);
	if (row->kind == ENV_KIND_RECORDS) {
		const struct dnsa_record *recs = rr->recs;
		int n = rr->n;
		if (n < 0) {
			snprintf(why, sizeof why, "records: %s", dnsa_strerror(n));
			return add_quarantine(r, row, node, why);
		}
		/* checked on the reader's thread (rr->extra set) or not yet (one thread, or no records) */
		if ((!rr->extra || rr->prep) && validate_records(&r->vc, recs, n, row->received_us, why, sizeof why))
			return add_quarantine(r, row, node, why);
		if ((rc = replayed(r, row, node)))
			return rc < 0 ? rc : E_OK;
		uint64_t zf = agg_zones_folded(r->agg), af = agg_asn_folded(r->agg);
		rc = rr->extra ? agg_add_prepared(r->agg, node, recs, rr->extra, n) :
		    agg_add_records(r->agg, node, (uint64_t)row->received_us, recs, n);
		if (rc < 0)
			return rc;
		if ((rc = count_fold(r, node, row->received_us, "zones_folded", agg_zones_folded(r->agg) - zf)) ||
		    (rc = count_fold(r, node, row->received_us, "asn_folded", agg_asn_folded(r->agg) - af)))
			return rc;
	} else if (row->kind == ENV_KIND_COUNTERS) {
		if (grow_array((void **)&r->cnt, &r->cntcap, r->ncnt + 1, sizeof *r->cnt))
			return E_NOMEM;
		struct cnt_msg *cm = &r->cnt[r->ncnt];
		memset(cm, 0, sizeof *cm);
		rc = payload_counters(row->payload, row->len, &cm->c);
		if (rc < 0) {
			snprintf(why, sizeof why, "counters: %s", dnsa_strerror(rc));
			return add_quarantine(r, row, node, why);
		}
		if (validate_counters(&r->vc, &cm->c, row->received_us, why, sizeof why))
			return add_quarantine(r, row, node, why);
		if ((rc = replayed(r, row, node)))
			return rc < 0 ? rc : E_OK;
		if (!cm->c.time_us)
			cm->c.time_us = (uint64_t)row->received_us;
		rc = srvzone_payload(r->srvz, (uint32_t)node, row->boot_id, row->id, cm->c.time_us, row->payload, row->len);
		if (rc == E_NOMEM)
			return rc;
		if (rc < 0) {
			snprintf(why, sizeof why, "zone totals: %s", dnsa_strerror(rc));
			return add_quarantine(r, row, node, why);
		}
		rc = hllstore_payload(r->hll, (uint32_t)node, cm->c.time_us, row->payload, row->len);
		if (rc == E_NOMEM)
			return rc;
		if (rc < 0) {
			snprintf(why, sizeof why, "sketches: %s", dnsa_strerror(rc));
			return add_quarantine(r, row, node, why);
		}
		cm->node = (uint32_t)node;
		cm->boot = row->boot_id;
		cm->id = row->id;
		r->ncnt++;
	} else {
		snprintf(why, sizeof why, "unknown kind %d", row->kind);
		return add_quarantine(r, row, node, why);
	}
	/*
	 * memory: end the batch after this row once the aggregate holds a third of
	 * its bound: agg_finish's hour, day and all-zones rows take it to about
	 * three times what reading left (measured: docs/sql.md)
	 */
	if (agg_bytes(r->agg) + health_bytes(r->health) < r->mem_max / 3)
		return E_OK;
	r->mem_stop = 1;
	return 1;
}

static int on_stat(const struct staging_stat *st, void *arg)
{
	struct rollup *r = arg;
	if (st->id == r->refuse_st) {
		r->refused++;
		return E_OK;
	}
	int node = agg_node(r->agg, strnlen(st->node, VALIDATE_NODE_MAX + 1) > VALIDATE_NODE_MAX ? "" : st->node);
	if (node < 0)
		return node;
	if (st->value <= 0 || !st->counter[0] || r->bare)
		return E_OK;
	/* aggd's own rows: a time outside the window is its clock's fault, not a node's; count it now */
	int64_t t = st->time_us;
	char why[8];
	if (validate_received(t, why, sizeof why)) {
		struct timespec wall;
		clock_gettime(CLOCK_REALTIME, &wall);
		t = (int64_t)wall.tv_sec * 1000000;
	}
	char counter[65];
	snprintf(counter, sizeof counter, "%s", st->counter);
	return health_add(r->health, (uint32_t)node, (uint64_t)t, HS_AGGD, counter, (uint64_t)st->value);
}

/* ---- MariaDB side ---- */

struct pair {
	int64_t a, b;
	int found;
};

static int get_pair(const struct mdb_val *v, unsigned n, void *arg)
{
	struct pair *p = arg;
	p->a = v[0].i;
	p->b = n > 1 ? v[1].i : 0;
	p->found = 1;
	return 0;
}

static int checkpoint_lock(struct rollup *r, int64_t *dg, int64_t *st)
{
	struct mdb_val agg = MDB_S(r->c->aggregator);
	struct pair p = { 0, 0, 0 };
	int rc = mdb_query(r->m, SQL_CK_GET, &agg, 1, "ii", get_pair, &p, NULL);
	if (!rc && !p.found) {
		rc = mdb_query(r->m, SQL_CK_NEW, &agg, 1, NULL, NULL, NULL, NULL);
		if (!rc)
			rc = mdb_query(r->m, SQL_CK_GET, &agg, 1, "ii", get_pair, &p, NULL);
	}
	*dg = p.a;
	*st = p.b;
	return rc;
}

static int resolve(struct rollup *r, struct idcache *c, const char *name, uint32_t *out)
{
	int64_t i = strtab_intern(c->names, name, strlen(name));
	if (i < 0 || grow_array((void **)&c->id, &c->cap, (size_t)i + 1, sizeof *c->id))
		return E_NOMEM;
	if (!c->id[i]) {
		struct mdb_val v = MDB_S(name);
		struct pair p = { 0, 0, 0 };
		int rc = mdb_query(r->m, c->ins, &v, 1, NULL, NULL, NULL, NULL);
		if (!rc)
			rc = mdb_query(r->m, c->sel, &v, 1, "i", get_pair, &p, NULL);
		if (rc)
			return rc;
		if (!p.found || p.a <= 0) {
			snprintf(r->err, sizeof r->err, "cannot resolve the id of '%s'", name);
			return -EIO;
		}
		c->id[i] = (uint32_t)p.a;
	}
	*out = c->id[i];
	return E_OK;
}

static int resolve_all(struct rollup *r)
{
	uint32_t nz = agg_zone_count(r->agg), nn = agg_node_count(r->agg);
	if (grow_array((void **)&r->zmap, &r->zmapcap, nz + 1, sizeof *r->zmap) ||
	    grow_array((void **)&r->nmap, &r->nmapcap, nn + 1, sizeof *r->nmap))
		return E_NOMEM;
	int rc;
	for (uint32_t i = 0; i < nz; i++)
		if ((rc = resolve(r, &r->zones, agg_zone_name(r->agg, i), &r->zmap[i])))
			return rc;
	for (uint32_t i = 0; i < nn; i++)
		if ((rc = resolve(r, &r->nodes, agg_node_name(r->agg, i), &r->nmap[i])))
			return rc;
	return E_OK;
}

static int cnt_cmp(const void *pa, const void *pb)
{
	const struct cnt_msg *x = pa, *y = pb;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->boot != y->boot)
		return x->boot < y->boot ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int get_last(const struct mdb_val *v, unsigned n, void *arg)
{
	struct dnsa_counters *last = arg;
	for (unsigned id = 0; id < C_COUNTER_MAX; id++)
		if (strcmp(v[0].s, health_counter_name(id)) == 0) {
			counters_set(last, id, (uint64_t)v[1].i);
			break;
		}
	return 0;
}

/* capd counters are cumulative per (node, boot): increments against the last values in MariaDB */
static int counters_apply(struct rollup *r)
{
	if (r->ncnt > 1)
		qsort(r->cnt, r->ncnt, sizeof *r->cnt, cnt_cmp);
	int rc;
	for (size_t i = 0; i < r->ncnt;) {
		size_t j = i;
		uint32_t node = r->cnt[i].node;
		int64_t boot = r->cnt[i].boot;
		struct dnsa_counters last, delta;
		memset(&last, 0, sizeof last);
		struct mdb_val key[2] = { MDB_U(r->nmap[node]), MDB_I(boot) };
		if ((rc = mdb_query(r->m, SQL_LAST_GET, key, 2, "su", get_last, &last, NULL)))
			return db_fail(r, rc);
		for (; j < r->ncnt && r->cnt[j].node == node && r->cnt[j].boot == boot; j++) {
			health_delta(&last, &r->cnt[j].c, &delta);
			for (unsigned id = 0; id < C_COUNTER_MAX; id++)
				if (counters_has(&delta, id) &&
				    (rc = health_add(r->health, node, delta.time_us, HS_CAPD,
				        health_counter_name(id), delta.value[id])))
					return db_fail(r, rc);
		}
		for (unsigned id = 0; id < C_COUNTER_MAX; id++) {
			if (!counters_has(&last, id))
				continue;
			struct mdb_val v[5] = { MDB_U(r->nmap[node]), MDB_I(boot),
				MDB_S(health_counter_name(id)), MDB_U(last.value[id]),
				MDB_U(last.time_us / 1000000u) };
			if ((rc = mdb_upsert_add(r->up_last, v)))
				return db_fail(r, rc);
		}
		i = j;
	}
	if ((rc = mdb_upsert_flush(r->up_last)))
		return db_fail(r, rc);
	return E_OK;
}

/* the rows of 009's tables: answer kinds, latency histograms, names per rcode */
static int write_extra(struct rollup *r)
{
	int rc;
	if (r->no_009)
		return E_OK;
	uint64_t it = 0;
	struct agg_series s;
	char label[32], cc[32];
	while (agg_extra_next(r->agg, &it, &s)) {
		struct mdb_val z = MDB_U(s.zone ? r->zmap[s.zone - 1] : 0), n = MDB_U(s.node ? r->nmap[s.node - 1] : 0);
		if (s.dim == DIM_AKIND) {
			dims_label(s.dim, s.val, label, sizeof label);
			struct mdb_val v[6] = { MDB_U(s.ts), z, n, MDB_S(label), MDB_U(s.est), MDB_U(s.sampled) };
			rc = mdb_upsert_add(r->up_akind[s.gran], v);
		} else {
			int rtt = s.dim == DIM_RTT || s.dim == DIM_RTT_CC;
			int bycc = s.dim == DIM_LATENCY_CC || s.dim == DIM_RTT_CC;
			if (bycc)
				dims_label(s.dim, s.val, cc, sizeof cc);
			else
				cc[0] = '\0';
			struct mdb_val v[8] = { MDB_U(s.ts), z, n, MDB_S(rtt ? "tcp_rtt" : "response"), MDB_S(cc),
				MDB_U(s.val & 0xff), MDB_U(s.est), MDB_U(s.sampled) };
			rc = mdb_upsert_add(r->up_lat[s.gran], v);
		}
		if (rc)
			return db_fail(r, rc);
	}
	it = 0;
	struct agg_name nm;
	while (agg_rnames_next(r->agg, &it, &nm)) {
		dims_label(DIM_RCODE, nm.rcode, label, sizeof label);
		struct mdb_val v[6] = { MDB_U(nm.ts), MDB_U(r->zmap[nm.zone - 1]), MDB_S(label), MDB_S(nm.qname),
			MDB_U(nm.est), MDB_U(nm.sampled) };
		if ((rc = mdb_upsert_add(r->up_rnames, v)))
			return db_fail(r, rc);
	}
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		if ((rc = mdb_upsert_flush(r->up_akind[g])) || (rc = mdb_upsert_flush(r->up_lat[g])))
			return db_fail(r, rc);
	if ((rc = mdb_upsert_flush(r->up_rnames)))
		return db_fail(r, rc);
	return E_OK;
}

static int write_all(struct rollup *r)
{
	int rc;
	uint64_t it = 0;
	struct agg_series s;
	char label[32];
	while (agg_series_next(r->agg, &it, &s)) {
		dims_label(s.dim, s.val, label, sizeof label);
		struct mdb_val v[7] = {
			MDB_U(s.zone ? r->zmap[s.zone - 1] : 0), MDB_U(s.node ? r->nmap[s.node - 1] : 0),
			MDB_S(dims_name(s.dim)), MDB_S(label), MDB_U(s.ts), MDB_U(s.est), MDB_U(s.sampled)
		};
		if (s.dim == DIM_TOTAL)
			v[3].len = 0, v[3].s = "";
		if ((rc = mdb_upsert_add(r->up_series[s.gran], v)))
			return db_fail(r, rc);
	}
	it = 0;
	struct agg_name n;
	while (agg_names_next(r->agg, &it, &n)) {
		struct mdb_val v[5] = { MDB_U(r->zmap[n.zone - 1]), MDB_U(n.ts), MDB_S(n.qname),
			MDB_U(n.est), MDB_U(n.sampled) };
		if ((rc = mdb_upsert_add(r->up_names, v)))
			return db_fail(r, rc);
	}
	if ((rc = write_extra(r)))
		return rc;
	it = 0;
	struct health_row h;
	while (health_next(r->health, &it, &h)) {
		struct mdb_val v[5] = { MDB_U(r->nmap[h.node]), MDB_S(source_name[h.source]),
			MDB_S(h.counter), MDB_U(h.ts), MDB_U(h.value) };
		if ((rc = mdb_upsert_add(r->up_health[h.gran], v)))
			return db_fail(r, rc);
	}
	struct mdb_upsert *all[2 * AGG_GRAN_MAX + 1];
	for (int g = 0; g < AGG_GRAN_MAX; g++) {
		all[g] = r->up_series[g];
		all[AGG_GRAN_MAX + g] = r->up_health[g];
	}
	all[2 * AGG_GRAN_MAX] = r->up_names;
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
		if ((rc = mdb_upsert_flush(all[i])))
			return db_fail(r, rc);
	return E_OK;
}

static void discard(struct rollup *r)
{
	for (int g = 0; g < AGG_GRAN_MAX; g++) {
		mdb_upsert_discard(r->up_series[g]);
		mdb_upsert_discard(r->up_health[g]);
		mdb_upsert_discard(r->up_akind[g]);
		mdb_upsert_discard(r->up_lat[g]);
	}
	mdb_upsert_discard(r->up_rnames);
	mdb_upsert_discard(r->up_names);
	mdb_upsert_discard(r->up_last);
	seen_reset(r->seen);
	if (r->nmap)
		memset(r->nmap, 0, r->nmapcap * sizeof *r->nmap);
	srvzone_discard(r->srvz);
	hllstore_discard(r->hll);
	/* ids inserted by the rolled-back transaction no longer exist */
	idcache_clear(&r->zones);
	idcache_clear(&r->nodes);
}

static void hook(struct rollup *r, const char *point)
{
	if (r->hook)
		r->hook(point, r->batchno, r->hook_arg);
}

static uint64_t rows_sent(const struct rollup *r, uint64_t *stmts)
{
	uint64_t n = 0, s = 0;
	for (int g = 0; g < AGG_GRAN_MAX; g++) {
		n += mdb_upsert_rows(r->up_series[g]) + mdb_upsert_rows(r->up_health[g]) +
		    mdb_upsert_rows(r->up_akind[g]) + mdb_upsert_rows(r->up_lat[g]);
		s += mdb_upsert_stmts(r->up_series[g]) + mdb_upsert_stmts(r->up_health[g]) +
		    mdb_upsert_stmts(r->up_akind[g]) + mdb_upsert_stmts(r->up_lat[g]);
	}
	n += mdb_upsert_rows(r->up_rnames);
	s += mdb_upsert_stmts(r->up_rnames);
	n += mdb_upsert_rows(r->up_names) + mdb_upsert_rows(r->up_last);
	s += mdb_upsert_stmts(r->up_names) + mdb_upsert_stmts(r->up_last);
	*stmts = s;
	return n;
}

static void prune(struct rollup *r, int64_t dg, int64_t stt, struct rollup_stats *st, int hooks)
{
	const struct { enum staging_table t; int64_t upto; } what[2] = {
		{ ST_DATAGRAM, dg }, { ST_NODE_STATS, stt }
	};
	int first = 1;
	double t0 = clock_mono_s();
	unsigned files;
	uint64_t bytes;
	/* whole files first: they are most of a rotated set, and cost one unlink each */
	int rc = staging_unlink_committed(r->s, dg, stt, &files, &bytes);
	st->files_unlinked += files;
	st->bytes_unlinked += bytes;
	if (rc) {
		st->prune_err = 1;
		snprintf(st->prune_msg, sizeof st->prune_msg, "%s", staging_errmsg(r->s));
	}
	if (files && hooks)
		hook(r, "during_prune");
	first = files == 0;
	for (int i = 0; i < 2; i++) {
		int n;
		while ((n = staging_prune_step(r->s, what[i].t, what[i].upto, (unsigned)r->c->prune_chunk)) > 0) {
			st->pruned += (uint64_t)n;
			if (first && hooks)
				hook(r, "during_prune");
			first = 0;
		}
		/* a failed prune (aggd holding the write lock) costs nothing: the next run prunes */
	}
	st->prune_s += clock_mono_s() - t0;
}

/* the time a quarantine is counted at: its receive time, or now if that is out of range */
static uint64_t quar_time(const struct quar *q)
{
	char why[8];
	if (!validate_received(q->received_us, why, sizeof why))
		return (uint64_t)q->received_us;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	return (uint64_t)wall.tv_sec * 1000000u;
}

static int get_one(const struct mdb_val *v, unsigned n, void *arg);

/*
 * Before every batch (so also before the retry of one that waited 2 s for a lock, see
 * mdb_new): a partner session holding locks would hold the batch up, so it is killed
 * (006_partner_guard.sql). A schema before 006, or an account without EXECUTE on the
 * procedure, costs the protection, not the run.
 */
static void guard(struct rollup *r, struct rollup_stats *st)
{
	int64_t k = 0;
	if (r->no_guard)
		return;
	if (mdb_exec(r->m, SQL_GUARD) || mdb_query(r->m, SQL_GUARD_N, NULL, 0, "i", get_one, &k, NULL)) {
		r->no_guard = 1;
		snprintf(st->guard_err, sizeof st->guard_err, "%s", mdb_errmsg(r->m));
		mdb_rollback(r->m);
		return;
	}
	st->partner_kills += k > 0 ? (uint64_t)k : 0;
}

/* one transaction; *caught_up when the staging had less than a full batch */
static int batch(struct rollup *r, struct rollup_stats *st, int *caught_up)
{
	int rc;
	agg_reset(r->agg);
	health_reset(r->health);
	seen_reset(r->seen);
	srvzone_reset(r->srvz);
	hllstore_reset(r->hll);
	r->ncnt = r->nq = 0;
	r->replayed = r->refused = 0;
	r->fatal = 0;
	r->mem_stop = 0;
	r->read_records = 0;
	r->tried_dg = r->tried_st = 0;
	*caught_up = 0;

	guard(r, st);
	if ((rc = mdb_exec(r->m, "START TRANSACTION")))
		return db_fail(r, rc);
	int64_t ck_dg, ck_st;
	if ((rc = checkpoint_lock(r, &ck_dg, &ck_st)))
		return db_fail(r, rc);
	/*
	 * Moved without this run committing: another aggd-rollup of the same aggregator
	 * commits batches (on another host: the lock file cannot see it; on Galera its
	 * commit won certification over ours). It goes on; this one stops.
	 */
	if (r->ck_known && (ck_dg != r->ck_want_dg || ck_st != r->ck_want_st)) {
		r->moved = 1;
		*caught_up = 1;
		return (rc = mdb_rollback(r->m)) ? db_fail(r, rc) : E_OK;
	}
	r->ck_known = 1;
	r->ck_want_dg = ck_dg;
	r->ck_want_st = ck_st;

	double t0 = clock_mono_s();
	int64_t last_dg = ck_dg, last_st = ck_st;
	unsigned ndg = 0, nst = 0;
	rc = E_OK;
	if (r->lim_dg)
		rc = reader_read(r->rd, r->s, ck_dg, r->lim_dg, (uint64_t)r->c->batch_records, on_row, r, &last_dg, &ndg);
	if (!rc && r->lim_st)
		rc = staging_read_stats(r->s, ck_st, r->lim_st, on_stat, r, &last_st, &nst);
	st->reader_cpu_s = reader_cpu_s(r->rd);
	struct reader_waits rw;
	reader_get_waits(r->rd, &rw);
	st->ring_sleeps[0] = rw.decoder_sleeps;
	st->ring_sleeps[1] = rw.caller_sleeps;
	st->ring_sleep_s[0] = rw.decoder_sleep_s;
	st->ring_sleep_s[1] = rw.caller_sleep_s;
	r->tried_dg = ndg;
	r->tried_st = nst;
	r->tried_last_dg = last_dg;
	r->tried_last_st = last_st;
	if (rc) {
		if (r->fatal)
			return rc;   /* a MariaDB failure inside a callback: r->err is set */
		if (rc == E_NOMEM || rc == E_TOOBIG)
			snprintf(r->err, sizeof r->err, "aggregating staged rows: %s", dnsa_strerror(rc));
		else
			snprintf(r->err, sizeof r->err, "%s", staging_errmsg(r->s));
		return rc;
	}
	if (ndg == 0 && nst == 0 && r->isolating && (!r->lim_dg || !r->lim_st)) {
		/* the table still read is done; the other one may have more */
		r->isolating = 0;
		r->lim_dg = r->lim_st = (unsigned)r->c->batch_rows;
		return (rc = mdb_rollback(r->m)) ? db_fail(r, rc) : E_OK;
	}
	if (ndg == 0 && nst == 0) {
		*caught_up = 1;
		return (rc = mdb_rollback(r->m)) ? db_fail(r, rc) : E_OK;
	}
	r->batchno++;
	for (size_t i = 0; i < r->nq && !r->bare; i++)
		if ((rc = health_add(r->health, r->q[i].node, quar_time(&r->q[i]), HS_ROLLUP, "quarantined", 1)))
			return db_fail(r, rc);
	if ((rc = agg_finish(r->agg, (unsigned)r->c->top_n)))
		return db_fail(r, rc);
	double t1 = clock_mono_s();
	st->read_s += t1 - t0;

	/* moved aside before the commit; a rerun after a failure copies them again (idempotent) */
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	for (size_t i = 0; i < r->nq; i++)
		if ((rc = staging_quarantine(r->s, r->q[i].id, r->q[i].why,
		        (int64_t)wall.tv_sec * 1000000 + wall.tv_nsec / 1000))) {
			snprintf(r->err, sizeof r->err, "%s", staging_errmsg(r->s));
			return rc;
		}

	if ((rc = resolve_all(r)))
		return rc == E_NOMEM || !r->err[0] ? db_fail(r, rc) : rc;
	if ((rc = counters_apply(r)) || (rc = write_all(r)))
		return rc;
	if ((rc = seen_flush(r->seen)) || (rc = srvzone_apply(r->srvz, r->nmap)) || (rc = hllstore_apply(r->hll, r->nmap)))
		return db_fail(r, rc);
	uint64_t w = agg_weight(r->agg), sat = health_saturated(r->health);
	struct mdb_val ck[16] = { MDB_I(last_dg), MDB_I(last_st), MDB_U(ndg), MDB_U(agg_records(r->agg)),
		MDB_U(w), MDB_U(w), MDB_U(r->nq), MDB_U(agg_names_untracked(r->agg)), MDB_U(r->replayed),
		MDB_U(r->refused), MDB_U(agg_zones_folded(r->agg)), MDB_U(agg_asn_folded(r->agg)), MDB_U(sat),
		MDB_U(r->retried), MDB_U(r->failovers), MDB_S(r->c->aggregator) };
	if ((rc = mdb_query(r->m, SQL_CK_SET, ck, 16, NULL, NULL, NULL, NULL)))
		return db_fail(r, rc);
	hook(r, "before_commit");
	if ((rc = mdb_commit(r->m)))
		return db_fail(r, rc);
	r->retried = r->failovers = 0;
	r->ck_want_dg = last_dg;
	r->ck_want_st = last_st;
	hook(r, "after_commit");
	st->write_s += clock_mono_s() - t1;

	st->batches++;
	st->datagrams += ndg;
	st->records += agg_records(r->agg);
	st->weight += agg_weight(r->agg);
	st->counters += r->ncnt;
	st->stats += nst;
	st->quarantined += r->nq;
	st->names_untracked += agg_names_untracked(r->agg);
	st->replayed += r->replayed;
	st->refused += r->refused;
	st->zones_folded += agg_zones_folded(r->agg);
	st->asn_folded += agg_asn_folded(r->agg);
	st->saturated += sat;
	st->rows_written = rows_sent(r, &st->statements);

	prune(r, last_dg, last_st, st, 1);
	/*
	 * Caught up only if the read ran out of rows, not out of its record budget:
	 * that budget counts the staged records of every row read, also of rows
	 * replayed or quarantined, which agg_records leaves out
	 */
	*caught_up = (ndg < r->lim_dg || !r->lim_dg) && r->read_records < (uint64_t)r->c->batch_records &&
	    (nst < r->lim_st || !r->lim_st) && !r->isolating && !r->mem_stop;
	return E_OK;
}

/*
 * After a batch MariaDB refused for a data error (a value the validation
 * let through, a CHECK or trigger of the database): halve the batch until
 * one row is left, then quarantine that datagram (or skip that node_stats
 * row), and go back to full batches. Returns 0 to try again, -1 to give up.
 */
static int isolate(struct rollup *r)
{
	unsigned nd = r->tried_dg, ns = r->tried_st;
	if (nd == 0 && ns == 0)
		return -1;
	r->isolating = 1;
	if (r->refuse_dg >= 0 || r->refuse_st >= 0) {
		/* even the batch that only quarantines was refused: try it without health rows */
		if (r->bare)
			return -1;
		r->bare = 1;
		return 0;
	}
	if (nd + ns == 1) {
		snprintf(r->refuse_why, sizeof r->refuse_why, "refused by MariaDB: %s", mdb_errmsg(r->m));
		if (nd)
			r->refuse_dg = r->tried_last_dg;
		else
			r->refuse_st = r->tried_last_st;
		return 0;
	}
	if (nd == 1 && ns == 1) {
		r->lim_dg = 1;   /* the datagram alone first; if it passes, the node_stats row next */
		r->lim_st = 0;
		return 0;
	}
	r->lim_dg = nd > 1 ? nd / 2 : nd;
	r->lim_st = ns > 1 ? ns / 2 : ns;
	return 0;
}

/* after a committed batch: back to full batches once the guilty row is out, else grow again */
static void isolate_done(struct rollup *r)
{
	unsigned full = (unsigned)r->c->batch_rows;
	if (!r->isolating)
		return;
	if (r->refuse_dg >= 0 || r->refuse_st >= 0) {
		r->refuse_dg = r->refuse_st = -1;
		r->bare = 0;
		r->isolating = 0;
		r->lim_dg = r->lim_st = full;
		return;
	}
	if (r->lim_dg == 1 && r->lim_st == 0) {
		r->lim_dg = 0;
		r->lim_st = 1;
		return;
	}
	r->lim_dg = r->lim_dg ? (r->lim_dg > full / 2 ? full : r->lim_dg * 2) : 1;
	r->lim_st = r->lim_st ? (r->lim_st > full / 2 ? full : r->lim_st * 2) : 1;
	if (r->lim_dg == full && r->lim_st == full)
		r->isolating = 0;
}

/* before retry n of a conflicting batch: 10..20 ms x n (n <= 20), so two writers stop colliding in step */
static void backoff(unsigned n)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long ms = (long)(n < 20 ? n : 20) * (10 + (long)(t0.tv_nsec % 11));
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&d, NULL);
}

static int retryable(struct rollup *r)
{
	unsigned e = mdb_errno(r->m);
	return e == 1213 || e == 1205;   /* deadlock, lock wait timeout */
}

static int expire(struct rollup *r, const char *sql, int64_t days, time_t now, struct rollup_stats *st)
{
	if (days <= 0)
		return E_OK;
	struct mdb_val cut = MDB_I((int64_t)now - days * 86400);
	for (;;) {
		uint64_t n = 0;
		int rc = mdb_query(r->m, sql, &cut, 1, NULL, NULL, NULL, &n);
		if (!rc)
			rc = mdb_commit(r->m);
		if (rc)
			return db_fail(r, rc);
		st->expired += n;
		if (n < 10000)
			return E_OK;
	}
}

static int get_one(const struct mdb_val *v, unsigned n, void *arg)
{
	*(int64_t *)arg = v[0].i;
	return 0;
}

/* names of hours complete for two hours are cut to top_n; later additions stay bounded per run */
static int trim_names(struct rollup *r, time_t now)
{
	int64_t from = 0;
	struct mdb_val agg = MDB_S(r->c->aggregator);
	int rc = mdb_query(r->m, SQL_TRIM_GET, &agg, 1, "i", get_one, &from, NULL);
	if (rc)
		return db_fail(r, rc);
	int64_t to = ((int64_t)now / 3600 - 2) * 3600;
	if (from < to - 3 * 86400)
		from = to - 3 * 86400;
	if (from >= to)
		return mdb_commit(r->m) ? db_fail(r, -EIO) : E_OK;
	struct mdb_val p[3] = { MDB_I(from), MDB_I(to), MDB_I(r->c->top_n) };
	struct mdb_val s[2] = { MDB_I(to), MDB_S(r->c->aggregator) };
	if ((rc = mdb_query(r->m, SQL_TRIM, p, 3, NULL, NULL, NULL, NULL)) ||
	    (!r->no_009 && (rc = mdb_query(r->m, SQL_TRIM_RC, p, 3, NULL, NULL, NULL, NULL))) ||
	    (rc = mdb_query(r->m, SQL_TRIM_SET, s, 2, NULL, NULL, NULL, NULL)) ||
	    (rc = mdb_commit(r->m)))
		return db_fail(r, rc);
	return E_OK;
}

static int get_four(const struct mdb_val *v, unsigned n, void *arg)
{
	int64_t *out = arg;
	for (unsigned i = 0; i < n && i < 4; i++)
		out[i] = v[i].t == 'n' ? 0 : v[i].i;
	return 0;
}

/*
 * Partitions before the batches write: those ahead exist (no row lands in pmax to be moved
 * later) and the expired ones are dropped (a DDL each, cheap on Galera too, where a large
 * DELETE stalls the cluster). A failure here stops nothing: the writes go to pmax at worst,
 * and the next run tries again; st->part_err says why (not for a schema before 013,
 * without dnsa_partitions). Then r->part_old is set: retention DELETEs as it always did.
 */
static void partitions(struct rollup *r, struct rollup_stats *st)
{
	const struct rollup_conf *c = r->c;
	struct mdb_val keep[3] = { MDB_I(c->keep_minute_days), MDB_I(c->keep_hour_days), MDB_I(c->keep_day_days) };
	int64_t out[4] = { 0, 0, 0, 0 };
	int rc = mdb_query(r->m, SQL_PART, keep, 3, NULL, NULL, NULL, NULL);
	if (!rc)
		rc = mdb_query(r->m, SQL_PART_N, NULL, 0, "iiii", get_four, out, NULL);
	if (!rc)
		rc = mdb_commit(r->m);
	if (rc) {
		/* retention then DELETEs, so it holds whatever failed here */
		r->part_old = 1;
		if (mdb_errno(r->m) != 1305)   /* ER_SP_DOES_NOT_EXIST: a schema before 013, no news */
			snprintf(st->part_err, sizeof st->part_err, "%s", mdb_errmsg(r->m));
		mdb_rollback(r->m);
		return;
	}
	st->partitions_dropped += out[0] > 0 ? (uint64_t)out[0] : 0;
	st->partitions_added += out[1] > 0 ? (uint64_t)out[1] : 0;
	st->expired += out[2] > 0 ? (uint64_t)out[2] : 0;
	st->partitions_busy += out[3] > 0 ? (uint64_t)out[3] : 0;
}

static int retention(struct rollup *r, struct rollup_stats *st)
{
	const struct rollup_conf *c = r->c;
	time_t now = time(NULL);
	int64_t keep_last = c->keep_hour_days > 7 || c->keep_hour_days == 0 ? 7 : c->keep_hour_days;
	int rc;
	if (r->part_old &&
	    ((rc = expire(r, SQL_EXP_SM, c->keep_minute_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_SH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_SD, c->keep_day_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_NM, c->keep_minute_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_NH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ND, c->keep_day_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_TN, c->keep_hour_days, now, st)) ||
	    (!r->no_009 && ((rc = expire(r, SQL_EXP_TR, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_AM, c->keep_minute_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_AH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_AD, c->keep_day_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_LM, c->keep_minute_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_LH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_LD, c->keep_day_days, now, st)))) ||
	    (rc = expire(r, SQL_EXP_ZM, c->keep_minute_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ZH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ZD, c->keep_day_days, now, st))))
		return rc;
	/* 010's tables are not partitioned (013 does not list them): expired by DELETE whatever the schema */
	if ((rc = expire(r, SQL_EXP_RSH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_RSD, c->keep_day_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_RH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_RD, c->keep_day_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ZL, keep_last, now, st)) ||
	    /* a boot not heard of for a week will not send again */
	    (rc = expire(r, SQL_EXP_CL, keep_last, now, st)) ||
	    (rc = expire(r, SQL_EXP_SEEN, c->replay_days, now, st)))
		return rc;
	return trim_names(r, now);
}

int rollup_run(struct rollup *r, struct rollup_stats *st)
{
	int rc;
	r->err[0] = '\0';
	r->no_guard = 0;
	memset(st, 0, sizeof *st);

	/* a schema before 009 (rollup upgraded first): everything else is written as before */
	int64_t has009 = 0;
	if ((rc = mdb_query(r->m, SQL_HAS_009, NULL, 0, "i", get_one, &has009, NULL)) ||
	    (rc = mdb_commit(r->m)))
		return db_fail(r, rc);
	r->no_009 = st->no_009 = has009 == 0;

	/* finish the prune of an earlier run that stopped between its commit and its prune */
	struct mdb_val agg = MDB_S(r->c->aggregator);
	struct pair p = { 0, 0, 0 };
	for (unsigned k = 0;; k++) {
		if (!(rc = mdb_query(r->m, SQL_CK_PEEK, &agg, 1, "ii", get_pair, &p, NULL)) &&
		    !(rc = mdb_commit(r->m)))
			break;
		if (!(rc == -EIO && mdb_lost(mdb_errno(r->m)) && k < mdb_servers(r->m) && mdb_failover(r->m) == E_OK))
			return db_fail(r, rc);
		st->failovers++;
		r->failovers++;
	}
	for (int t = 0; t < 2 && p.found; t++) {
		int64_t max = staging_max_id(r->s, (enum staging_table)t);
		int64_t ck = t == 0 ? p.a : p.b;
		if (max < 0) {
			snprintf(r->err, sizeof r->err, "%s", staging_errmsg(r->s));
			return (int)max;
		}
		if (max > 0 && max < ck) {
			snprintf(r->err, sizeof r->err,
			    "staging %s ids end at %lld, below the checkpoint %lld of aggregator '%s': was the"
			    " staging database recreated? If so: UPDATE rollup_checkpoint SET datagram_id = 0,"
			    " node_stats_id = 0 WHERE aggregator = '%s'", t ? "node_stats" : "datagram",
			    (long long)max, (long long)ck, r->c->aggregator, r->c->aggregator);
			return E_INVAL;
		}
	}
	if (p.found)
		prune(r, p.a, p.b, st, 0);
	r->part_old = 0;
	partitions(r, st);

	unsigned tries = 0, refusals = 0, moves = 0;
	r->first_quar[0] = '\0';
	r->retried = r->failovers = 0;
	r->ck_known = r->moved = 0;
	for (;;) {
		int done = 0;
		rc = batch(r, st, &done);
		if (rc) {
			/* Galera: a certification conflict with another writer is a 1213 too */
			int again = rc == -EIO && retryable(r) && tries++ < 50;
			int data = rc == -EIO && mdb_data_error(mdb_errno(r->m));
			int lost = rc == -EIO && mdb_lost(mdb_errno(r->m));
			if (!lost)
				mdb_rollback(r->m);
			discard(r);
			/*
			 * The server or the node is gone: the transaction is lost (or, if the
			 * COMMIT itself was cut, committed or not: the checkpoint read on the next
			 * node says which), so the batch is redone elsewhere. Each server gets two
			 * chances per run.
			 */
			if (lost && moves++ < 2 * mdb_servers(r->m)) {
				if (mdb_failover(r->m) == E_OK) {
					st->failovers++;
					r->failovers++;
					r->ck_known = 0;
					continue;
				}
				snprintf(r->err, sizeof r->err, "%s", mdb_errmsg(r->m));
				return rc;
			}
			/* a row MariaDB refuses must not stop the run: find it (each step at least halves) */
			if (data && refusals++ < 200 && isolate(r) == 0) {
				st->isolation_steps++;
				if (!st->refused_msg[0])
					snprintf(st->refused_msg, sizeof st->refused_msg, "%s", mdb_errmsg(r->m));
				continue;
			}
			if (!again)
				return rc;
			st->retried++;
			r->retried++;
			backoff(tries);
			continue;
		}
		tries = 0;
		isolate_done(r);
		if (done)
			break;
	}
	snprintf(st->first_quarantine, sizeof st->first_quarantine, "%s", r->first_quar);
	if (r->moved) {
		st->other_writer = 1;
		return E_OK;   /* retention is the other copy's job */
	}
	rc = retention(r, st);
	if (rc == -EIO && mdb_lost(mdb_errno(r->m)) && mdb_failover(r->m) == E_OK) {
		st->failovers++;
		rc = retention(r, st);   /* each step commits on its own: redoing it is harmless */
	}
	return rc;
}
