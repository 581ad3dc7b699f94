/* rollup/rollup.c: one rollup run: staging rows past the checkpoint -> MariaDB, exactly once, then prune. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/record.h"
#include "rollup/agg.h"
#include "rollup/dims.h"
#include "rollup/health.h"
#include "rollup/htab.h"
#include "rollup/rollup.h"
#include "rollup/srvzone.h"

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
	char why[80];
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
	struct health *health;
	struct srvzone *srvz;            /* the nameservers' per-zone totals */
	struct cnt_msg *cnt;
	size_t ncnt, cntcap;
	struct quar *q;
	size_t nq, qcap;
	struct idcache zones, nodes;
	uint32_t *zmap, *nmap;           /* this batch: agg index -> MariaDB id */
	size_t zmapcap, nmapcap;
	struct mdb_upsert *up_series[AGG_GRAN_MAX], *up_health[AGG_GRAN_MAX], *up_names, *up_last;
	unsigned batchno;
	int fatal;                       /* sticky error from a staging callback */
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
	" estimated = estimated + ?, quarantined = quarantined + ?, names_untracked = names_untracked + ?"
	" WHERE aggregator = ?";
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
static const char SQL_EXP_CL[] =
	"DELETE FROM capd_last WHERE updated < FROM_UNIXTIME(?) LIMIT 10000";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

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

static int idcache_init(struct idcache *c, const char *ins, const char *sel)
{
	c->ins = ins;
	c->sel = sel;
	return (c->names = strtab_new()) ? 0 : -1;
}

static void idcache_clear(struct idcache *c)
{
	strtab_clear(c->names);
}

struct rollup *rollup_new(const struct rollup_conf *c, struct staging *s, struct mdb *m,
    rollup_hook_fn hook, void *hook_arg)
{
	struct rollup *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->c = c;
	r->s = s;
	r->m = m;
	r->hook = hook;
	r->hook_arg = hook_arg;
	r->agg = agg_new();
	if (r->agg)
		agg_limit_names(r->agg, (size_t)c->names_max);
	r->health = health_new();
	r->srvz = srvzone_new(m, (unsigned)c->upsert_rows);
	int bad = !r->agg || !r->health || !r->srvz || idcache_init(&r->zones, SQL_ZONE_INS, SQL_ZONE_SEL) ||
	    idcache_init(&r->nodes, SQL_NODE_INS, SQL_NODE_SEL);
	unsigned rows = (unsigned)c->upsert_rows;
	for (int g = 0; g < AGG_GRAN_MAX && !bad; g++) {
		r->up_series[g] = mdb_upsert_new(m, series_table[g],
		    "zone_id, node_id, dim, val, ts, est, sampled", "uusstuu",
		    "est = est + VALUES(est), sampled = sampled + VALUES(sampled)", rows);
		r->up_health[g] = mdb_upsert_new(m, health_table[g],
		    "node_id, source, counter, ts, value", "usstu", "value = value + VALUES(value)", rows);
		bad = !r->up_series[g] || !r->up_health[g];
	}
	if (!bad) {
		r->up_names = mdb_upsert_new(m, "top_name_hour", "zone_id, ts, qname, est, sampled", "utsuu",
		    "est = est + VALUES(est), sampled = sampled + VALUES(sampled)", rows);
		/* the row is locked FOR UPDATE and `value` already holds the maximum: plain overwrite */
		r->up_last = mdb_upsert_new(m, "capd_last", "node_id, boot_id, counter, value, updated",
		    "uisut", "value = VALUES(value), updated = VALUES(updated)", rows);
		bad = !r->up_names || !r->up_last;
	}
	if (bad) {
		rollup_free(r);
		return NULL;
	}
	return r;
}

void rollup_free(struct rollup *r)
{
	if (!r)
		return;
	agg_free(r->agg);
	health_free(r->health);
	srvzone_free(r->srvz);
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
	}
	mdb_upsert_free(r->up_names);
	mdb_upsert_free(r->up_last);
	free(r);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 64;
	while (nc < need)
		nc *= 2;
	void *np = realloc(*p, nc * elem);
	if (!np)
		return -1;
	memset((char *)np + *cap * elem, 0, (nc - *cap) * elem);
	*p = np;
	*cap = nc;
	return 0;
}

/* ---- reading the batch ---- */

static int add_quarantine(struct rollup *r, const struct staging_row *row, int node, const char *why)
{
	if (grow((void **)&r->q, &r->qcap, r->nq + 1, sizeof *r->q))
		return E_NOMEM;
	struct quar *q = &r->q[r->nq++];
	q->id = row->id;
	q->node = (uint32_t)node;
	q->received_us = row->received_us;
	snprintf(q->why, sizeof q->why, "%s", why);
	return E_OK;
}

static int on_row(const struct staging_row *row, void *arg)
{
	struct rollup *r = arg;
	int node = agg_node(r->agg, row->node);
	if (node < 0)
		return node;
	if (row->kind == ENV_KIND_RECORDS) {
		int n = agg_payload(r->agg, node, (uint64_t)row->received_us, row->payload, row->len);
		if (n == E_NOMEM)
			return n;
		if (n < 0) {
			char why[80];
			snprintf(why, sizeof why, "records: %s", dnsa_strerror(n));
			return add_quarantine(r, row, node, why);
		}
		return E_OK;
	}
	if (row->kind == ENV_KIND_COUNTERS) {
		if (grow((void **)&r->cnt, &r->cntcap, r->ncnt + 1, sizeof *r->cnt))
			return E_NOMEM;
		struct cnt_msg *cm = &r->cnt[r->ncnt];
		memset(cm, 0, sizeof *cm);
		int rc = payload_counters(row->payload, row->len, &cm->c);
		if (rc < 0) {
			char why[80];
			snprintf(why, sizeof why, "counters: %s", dnsa_strerror(rc));
			return add_quarantine(r, row, node, why);
		}
		if (!cm->c.time_us)
			cm->c.time_us = (uint64_t)row->received_us;
		rc = srvzone_payload(r->srvz, (uint32_t)node, row->boot_id, row->id, cm->c.time_us, row->payload, row->len);
		if (rc == E_NOMEM)
			return rc;
		if (rc < 0) {
			char why[80];
			snprintf(why, sizeof why, "zone totals: %s", dnsa_strerror(rc));
			return add_quarantine(r, row, node, why);
		}
		cm->node = (uint32_t)node;
		cm->boot = row->boot_id;
		cm->id = row->id;
		r->ncnt++;
		return E_OK;
	}
	char why[80];
	snprintf(why, sizeof why, "unknown kind %d", row->kind);
	return add_quarantine(r, row, node, why);
}

static int on_stat(const struct staging_stat *st, void *arg)
{
	struct rollup *r = arg;
	int node = agg_node(r->agg, st->node);
	if (node < 0)
		return node;
	if (st->value <= 0 || !st->counter[0])
		return E_OK;
	return health_add(r->health, (uint32_t)node, (uint64_t)st->time_us, HS_AGGD, st->counter,
	    (uint64_t)st->value);
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
	if (i < 0 || grow((void **)&c->id, &c->cap, (size_t)i + 1, sizeof *c->id))
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
	if (grow((void **)&r->zmap, &r->zmapcap, nz + 1, sizeof *r->zmap) ||
	    grow((void **)&r->nmap, &r->nmapcap, nn + 1, sizeof *r->nmap))
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
	}
	mdb_upsert_discard(r->up_names);
	mdb_upsert_discard(r->up_last);
	srvzone_discard(r->srvz);
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
		n += mdb_upsert_rows(r->up_series[g]) + mdb_upsert_rows(r->up_health[g]);
		s += mdb_upsert_stmts(r->up_series[g]) + mdb_upsert_stmts(r->up_health[g]);
	}
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
}

/* one transaction; *caught_up when the staging had less than a full batch */
static int batch(struct rollup *r, struct rollup_stats *st, int *caught_up)
{
	const struct rollup_conf *c = r->c;
	int rc;
	agg_reset(r->agg);
	health_reset(r->health);
	srvzone_reset(r->srvz);
	r->ncnt = r->nq = 0;
	*caught_up = 0;

	if ((rc = mdb_exec(r->m, "START TRANSACTION")))
		return db_fail(r, rc);
	int64_t ck_dg, ck_st;
	if ((rc = checkpoint_lock(r, &ck_dg, &ck_st)))
		return db_fail(r, rc);

	double t0 = now_s();
	int64_t last_dg, last_st;
	unsigned ndg, nst;
	rc = staging_read(r->s, ck_dg, (unsigned)c->batch_rows, (uint64_t)c->batch_records, on_row, r,
	    &last_dg, &ndg);
	if (!rc)
		rc = staging_read_stats(r->s, ck_st, (unsigned)c->batch_rows, on_stat, r, &last_st, &nst);
	if (rc) {
		if (rc == E_NOMEM || rc == E_TOOBIG)
			snprintf(r->err, sizeof r->err, "aggregating staged rows: %s", dnsa_strerror(rc));
		else
			snprintf(r->err, sizeof r->err, "%s", staging_errmsg(r->s));
		return rc;
	}
	if (ndg == 0 && nst == 0) {
		*caught_up = 1;
		return (rc = mdb_rollback(r->m)) ? db_fail(r, rc) : E_OK;
	}
	r->batchno++;
	for (size_t i = 0; i < r->nq; i++)
		if ((rc = health_add(r->health, r->q[i].node, (uint64_t)r->q[i].received_us, HS_ROLLUP,
		        "quarantined", 1)))
			return db_fail(r, rc);
	if ((rc = agg_finish(r->agg, (unsigned)c->top_n)))
		return db_fail(r, rc);
	double t1 = now_s();
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
	if ((rc = srvzone_apply(r->srvz, r->nmap)))
		return db_fail(r, rc);
	struct mdb_val ck[8] = { MDB_I(last_dg), MDB_I(last_st), MDB_U(ndg), MDB_U(agg_records(r->agg)),
		MDB_U(agg_weight(r->agg)), MDB_U(r->nq), MDB_U(agg_names_untracked(r->agg)),
		MDB_S(c->aggregator) };
	if ((rc = mdb_query(r->m, SQL_CK_SET, ck, 8, NULL, NULL, NULL, NULL)))
		return db_fail(r, rc);
	hook(r, "before_commit");
	if ((rc = mdb_commit(r->m)))
		return db_fail(r, rc);
	hook(r, "after_commit");
	st->write_s += now_s() - t1;

	st->batches++;
	st->datagrams += ndg;
	st->records += agg_records(r->agg);
	st->weight += agg_weight(r->agg);
	st->counters += r->ncnt;
	st->stats += nst;
	st->quarantined += r->nq;
	st->names_untracked += agg_names_untracked(r->agg);
	st->rows_written = rows_sent(r, &st->statements);

	prune(r, last_dg, last_st, st, 1);
	*caught_up = ndg < (unsigned)c->batch_rows && agg_records(r->agg) < (uint64_t)c->batch_records &&
	    nst < (unsigned)c->batch_rows;
	return E_OK;
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
	    (rc = mdb_query(r->m, SQL_TRIM_SET, s, 2, NULL, NULL, NULL, NULL)) ||
	    (rc = mdb_commit(r->m)))
		return db_fail(r, rc);
	return E_OK;
}

static int retention(struct rollup *r, struct rollup_stats *st)
{
	const struct rollup_conf *c = r->c;
	time_t now = time(NULL);
	int64_t keep_last = c->keep_hour_days > 7 || c->keep_hour_days == 0 ? 7 : c->keep_hour_days;
	int rc;
	if ((rc = expire(r, SQL_EXP_SM, c->keep_minute_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_SH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_SD, c->keep_day_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_NM, c->keep_minute_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_NH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ND, c->keep_day_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_TN, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ZM, c->keep_minute_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ZH, c->keep_hour_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ZD, c->keep_day_days, now, st)) ||
	    (rc = expire(r, SQL_EXP_ZL, keep_last, now, st)) ||
	    /* a boot not heard of for a week will not send again */
	    (rc = expire(r, SQL_EXP_CL, keep_last, now, st)))
		return rc;
	return trim_names(r, now);
}

int rollup_run(struct rollup *r, struct rollup_stats *st)
{
	int rc;
	r->err[0] = '\0';
	memset(st, 0, sizeof *st);

	/* finish the prune of an earlier run that stopped between its commit and its prune */
	struct mdb_val agg = MDB_S(r->c->aggregator);
	struct pair p = { 0, 0, 0 };
	if ((rc = mdb_query(r->m, SQL_CK_PEEK, &agg, 1, "ii", get_pair, &p, NULL)) ||
	    (rc = mdb_commit(r->m)))
		return db_fail(r, rc);
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

	unsigned tries = 0;
	for (;;) {
		int done = 0;
		rc = batch(r, st, &done);
		if (rc) {
			int again = rc == -EIO && retryable(r) && tries++ < 5;
			mdb_rollback(r->m);
			discard(r);
			if (!again)
				return rc;
			st->retried++;
			continue;
		}
		tries = 0;
		if (done)
			break;
	}
	return retention(r, st);
}
