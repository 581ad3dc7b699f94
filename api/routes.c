/* api/routes.c: dnsa-api's endpoints under /api/v1/: parameters checked, one prepared statement each. */
#include <stdio.h>
#include <string.h>

#include "api/params.h"
#include "api/routes.h"
#include "common/errors.h"
#include "common/log.h"

/* statement texts: constants only; every value is a parameter. %s is a table suffix from step_name() */
static const char SQL_ZONES[] = "SELECT zone FROM my_zones ORDER BY zone";
static const char SQL_ZONE_VISIBLE[] = "SELECT zone FROM my_zones WHERE zone = ?";
static const char SQL_STAFF[] = "SELECT COUNT(*) AS staff FROM staff_self";
static const char SQL_QPS[] =
    "SELECT ts, queries, qps, sampled FROM zone_qps_%s WHERE zone = ? AND ts >= ? AND ts < ? ORDER BY ts";
static const char SQL_DIM[] =
    "SELECT val AS value, CAST(SUM(queries) AS UNSIGNED) AS queries, SUM(queries) / ? AS qps, "
    "CAST(SUM(sampled) AS UNSIGNED) AS sampled "
    "FROM zone_dim_%s WHERE zone = ? AND dim = ? AND ts >= ? AND ts < ? GROUP BY val "
    "ORDER BY queries DESC, val";
static const char SQL_TOP[] =
    "SELECT qname, CAST(SUM(queries) AS UNSIGNED) AS queries, CAST(SUM(sampled) AS UNSIGNED) AS sampled "
    "FROM zone_top_names_hour "
    "WHERE zone = ? AND ts >= ? AND ts < ? GROUP BY qname ORDER BY queries DESC, qname LIMIT %d";
static const char SQL_KIND[] =
    "SELECT kind AS value, CAST(SUM(responses) AS UNSIGNED) AS queries, SUM(responses) / ? AS qps, "
    "CAST(SUM(sampled) AS UNSIGNED) AS sampled FROM zone_answer_kind_%s WHERE zone = ? AND ts >= ? AND ts < ? "
    "GROUP BY kind ORDER BY queries DESC, kind";
static const char SQL_TOP_RCODE[] =
    "SELECT qname, CAST(SUM(queries) AS UNSIGNED) AS queries, CAST(SUM(sampled) AS UNSIGNED) AS sampled "
    "FROM zone_top_names_rcode_hour WHERE zone = ? AND rcode = ? AND ts >= ? AND ts < ? GROUP BY qname "
    "ORDER BY queries DESC, qname LIMIT %d";
static const char SQL_LATENCY[] =
    "SELECT ts, responses, p50_us, p95_us, p99_us FROM zone_latency_pct_%s WHERE zone = ? AND metric = ? "
    "AND ts >= ? AND ts < ? ORDER BY ts";
static const char SQL_HEALTH[] =
    "SELECT * FROM node_health_%s WHERE ts >= ? AND ts < ? ORDER BY node, ts";

/* seconds a connection remembers a zone's visibility: a revoked grant shows within this */
#define VISIBLE_TTL 1.0

/* breakdown dimensions: the names in series_* dim (asn is kept per hour and day only) */
static const char *const DIMS[] = { "country", "qtype", "rcode", "opcode", "transport", "ipver", "edns", "do",
	"rsize", "asn", "answer_kind", NULL };
/* the rcodes whose names are kept per zone and hour (rollup/agg.c name_rcodes[]) */
static const char *const NAME_RCODES[] = { "NXDOMAIN", NULL };

json_t *routes_error(const char *code, const char *message, const char *parameter)
{
	json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (parameter)
		json_object_set_new(e, "parameter", json_string(parameter));
	return json_pack("{s:o}", "error", e);
}

static void fail(struct api_reply *rp, unsigned status, const char *code, const char *msg, const char *param)
{
	rp->status = status;
	rp->body = routes_error(code, msg, param);
}

static struct log_rl rl_db = LOG_RL_INIT(10, 10);

/* map a db failure to the reply; the MariaDB error number goes to the log only */
static void db_fail(struct api_reply *rp, enum db_status st, unsigned errnum, const char *account)
{
	switch (st) {
	case DB_DENIED:
		fail(rp, 403, "forbidden", "this account may not read that", NULL);
		break;
	case DB_TOOMANY:
		fail(rp, 400, "too_many_rows", "the answer would be too large: narrow the range or use a coarser step",
		    NULL);
		break;
	case DB_UNAVAILABLE:
	case DB_NOACCOUNT:
		fail(rp, 503, "unavailable", "the database is not available; retry later", NULL);
		break;
	default:
		fail(rp, 500, "internal", "internal error", NULL);
		break;
	}
	if (st != DB_DENIED && st != DB_TOOMANY)
		log_warnx_rl(&rl_db, "request as %s failed: %s (MariaDB error %u)", account,
		    st == DB_NOACCOUNT ? "no credentials" : st == DB_UNAVAILABLE ? "database unavailable" : "error",
		    errnum);
}

/* run sql as the request's account; 0 and *rows, or -1 with rp filled */
static int run(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp,
    const char *sql, const char *const *p, size_t np, json_t **rows)
{
	struct dbconn *c;
	enum db_status st = db_get(db, rq->account, &c);
	unsigned errnum = 0;
	if (st == DB_OK) {
		st = db_rows(c, sql, p, np, (size_t)cf->max_rows, rows, &errnum);
		db_put(db, c);
	}
	if (st != DB_OK) {
		db_fail(rp, st, errnum, rq->account);
		return -1;
	}
	return 0;
}

/* run sql as the request's account, its rows appended to rp->out as a JSON array; 0, or -1 with rp filled */
static int run_json(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp,
    const char *sql, const char *const *p, size_t np)
{
	struct dbconn *c;
	enum db_status st = db_get(db, rq->account, &c);
	unsigned errnum = 0;
	if (st == DB_OK) {
		st = db_json(c, sql, p, np, (size_t)cf->max_rows, rp->out, NULL, &errnum);
		db_put(db, c);
	}
	if (st == DB_OK && rp->out->err)
		st = rp->out->err == E_TOOBIG ? DB_TOOMANY : DB_ERROR;
	if (st != DB_OK) {
		db_fail(rp, st, errnum, rq->account);
		return -1;
	}
	return 0;
}

/* the window from the request's from/to/step; 0, or -1 with rp filled */
static int window(const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp, struct window *w)
{
	const char *bad = NULL, *why = NULL;
	if (param_window(rq->arg(rq->cls, "from"), rq->arg(rq->cls, "to"), rq->arg(rq->cls, "step"), rq->now,
	    cf->max_points, w, &bad, &why)) {
		fail(rp, 400, "bad_parameter", why, bad);
		return -1;
	}
	return 0;
}

/* [,]"window":{"from":..,"to":..,"step":..} as json_pack("{s:s, s:s, s:s}") would dump it */
static void window_json(struct jbuf *o, const struct window *w, int first)
{
	char f[32], t[32];
	int fl = snprintf(f, sizeof f, "%.10sT%sZ", w->from_sql, w->from_sql + 11);
	int tl = snprintf(t, sizeof t, "%.10sT%sZ", w->to_sql, w->to_sql + 11);
	const char *sn = step_name(w->step);
	if (!first)
		jbuf_putc(o, ',');
	jbuf_lit(o, "\"window\":{\"from\":");
	jbuf_str(o, f, (size_t)fl);
	jbuf_lit(o, ",\"to\":");
	jbuf_str(o, t, (size_t)tl);
	jbuf_lit(o, ",\"step\":");
	jbuf_str(o, sn, strlen(sn));
	jbuf_putc(o, '}');
}

/* ,"KEY":"VALUE" */
static void member_str(struct jbuf *o, const char *key, const char *v)
{
	jbuf_putc(o, ',');
	jbuf_str(o, key, strlen(key));
	jbuf_putc(o, ':');
	jbuf_str(o, v, strlen(v));
}

/* {"zone":"ZONE" : the start of every per-zone answer */
static void open_zone(struct jbuf *o, const char *zone)
{
	jbuf_reset(o);
	jbuf_lit(o, "{\"zone\":");
	jbuf_str(o, zone, strlen(zone));
}

/* the answer is complete: rp->out holds it, unless writing it failed */
static void done_text(struct api_reply *rp, const char *account)
{
	jbuf_putc(rp->out, '}');
	if (rp->out->err) {
		db_fail(rp, rp->out->err == E_TOOBIG ? DB_TOOMANY : DB_ERROR, 0, account);
		return;
	}
	rp->status = 200;
	rp->body = NULL;
}

/* is zone visible to the caller? 1 yes, 0 no (rp = 404), -1 error (rp filled) */
static int zone_visible(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp,
    const char *zone)
{
	struct dbconn *c;
	int vis = 0;
	unsigned errnum = 0;
	enum db_status st = db_get(db, rq->account, &c);
	if (st == DB_OK) {
		st = db_exists(c, SQL_ZONE_VISIBLE, zone, VISIBLE_TTL, &vis, &errnum);
		db_put(db, c);
	}
	if (st != DB_OK) {
		db_fail(rp, st, errnum, rq->account);
		return -1;
	}
	if (!vis)
		fail(rp, 404, "not_found", "no such zone for this account", "zone");
	return vis;
}

static void ep_zones(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp)
{
	json_t *rows, *staff;
	if (run(db, cf, rq, rp, SQL_ZONES, NULL, 0, &rows))
		return;
	/* staff_self is granted to staff only: a partner's refusal means "not staff" */
	struct dbconn *c;
	unsigned errnum = 0;
	enum db_status st = db_get(db, rq->account, &c);
	if (st == DB_OK) {
		st = db_rows(c, SQL_STAFF, NULL, 0, 1, &staff, &errnum);
		db_put(db, c);
	}
	if (st == DB_DENIED) {
		staff = json_pack("[{s:i}]", "staff", 0);
	} else if (st != DB_OK) {
		json_decref(rows);
		db_fail(rp, st, errnum, rq->account);
		return;
	}
	json_t *names = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		json_array_append(names, json_object_get(r, "zone"));
	json_int_t s = json_integer_value(json_object_get(json_array_get(staff, 0), "staff"));
	rp->status = 200;
	rp->body = json_pack("{s:s, s:b, s:o}", "account", rq->account, "staff", s > 0, "zones", names);
	json_decref(rows);
	json_decref(staff);
}

static void ep_qps(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp,
    const char *zone)
{
	struct window w;
	if (window(cf, rq, rp, &w) || zone_visible(db, cf, rq, rp, zone) <= 0)
		return;
	char sql[256];
	snprintf(sql, sizeof sql, SQL_QPS, step_name(w.step));
	const char *p[] = { zone, w.from_sql, w.to_sql };
	open_zone(rp->out, zone);
	window_json(rp->out, &w, 0);
	jbuf_lit(rp->out, ",\"series\":");
	if (run_json(db, cf, rq, rp, sql, p, 3))
		return;
	done_text(rp, rq->account);
}

static void ep_breakdown(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp,
    const char *zone, const char *dim)
{
	size_t i;
	for (i = 0; DIMS[i] && strcmp(DIMS[i], dim); i++)
		;
	if (!DIMS[i]) {
		fail(rp, 404, "not_found", "no such breakdown (country, qtype, rcode, opcode, transport, ipver, edns, do, "
		    "rsize, asn, answer_kind)", "dimension");
		return;
	}
	struct window w;
	if (window(cf, rq, rp, &w))
		return;
	if (!strcmp(dim, "asn") && w.step == STEP_MINUTE)
		w.step = STEP_HOUR; /* AS numbers are kept per hour and day only */
	if (zone_visible(db, cf, rq, rp, zone) <= 0)
		return;
	char sql[512], secs[24];
	snprintf(secs, sizeof secs, "%lld", (long long)(w.to - w.from));
	open_zone(rp->out, zone);
	member_str(rp->out, "dimension", DIMS[i]);
	window_json(rp->out, &w, 0);
	jbuf_lit(rp->out, ",\"values\":");
	if (!strcmp(DIMS[i], "answer_kind")) { /* its own table: responses by kind (docs/sql.md "Answer kinds") */
		snprintf(sql, sizeof sql, SQL_KIND, step_name(w.step));
		const char *p[] = { secs, zone, w.from_sql, w.to_sql };
		if (run_json(db, cf, rq, rp, sql, p, 4))
			return;
	} else {
		snprintf(sql, sizeof sql, SQL_DIM, step_name(w.step));
		const char *p[] = { secs, zone, DIMS[i], w.from_sql, w.to_sql };
		if (run_json(db, cf, rq, rp, sql, p, 5))
			return;
	}
	done_text(rp, rq->account);
}

static void ep_top(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp,
    const char *zone)
{
	int64_t limit;
	if (param_uint(rq->arg(rq->cls, "limit"), 1, 1000, 20, &limit)) {
		fail(rp, 400, "bad_parameter", "must be an integer from 1 to 1000", "limit");
		return;
	}
	struct window w;
	const char *step = rq->arg(rq->cls, "step");
	if (step && strcmp(step, "hour")) {
		fail(rp, 400, "bad_parameter", "top names are kept per hour: step must be hour or absent", "step");
		return;
	}
	if (window(cf, rq, rp, &w))
		return;
	if (w.step == STEP_MINUTE) { /* whole hours */
		w.from -= w.from % 3600;
		if (w.to % 3600)
			w.to += 3600 - w.to % 3600;
		struct window w2;
		char f[24], t[24];
		snprintf(f, sizeof f, "%lld", (long long)w.from);
		snprintf(t, sizeof t, "%lld", (long long)w.to);
		const char *bad, *why;
		if (param_window(f, t, "hour", rq->now, cf->max_points, &w2, &bad, &why)) {
			fail(rp, 400, "bad_parameter", why, bad);
			return;
		}
		w = w2;
	}
	w.step = STEP_HOUR;
	const char *rcode = rq->arg(rq->cls, "rcode");
	size_t k = 0;
	if (rcode) {
		for (k = 0; NAME_RCODES[k] && strcmp(NAME_RCODES[k], rcode); k++)
			;
		if (!NAME_RCODES[k]) {
			fail(rp, 400, "bad_parameter", "names are kept per rcode for NXDOMAIN only", "rcode");
			return;
		}
	}
	if (zone_visible(db, cf, rq, rp, zone) <= 0)
		return;
	char sql[512];
	open_zone(rp->out, zone);
	window_json(rp->out, &w, 0);
	jbuf_lit(rp->out, ",\"names\":");
	if (rcode) {
		snprintf(sql, sizeof sql, SQL_TOP_RCODE, (int)limit);
		const char *p[] = { zone, NAME_RCODES[k], w.from_sql, w.to_sql };
		if (run_json(db, cf, rq, rp, sql, p, 4))
			return;
		member_str(rp->out, "rcode", NAME_RCODES[k]);
	} else {
		snprintf(sql, sizeof sql, SQL_TOP, (int)limit);
		const char *p[] = { zone, w.from_sql, w.to_sql };
		if (run_json(db, cf, rq, rp, sql, p, 3))
			return;
	}
	done_text(rp, rq->account);
}

static void ep_latency(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp,
    const char *zone)
{
	const char *metric = rq->arg(rq->cls, "metric");
	if (!metric)
		metric = "response";
	if (strcmp(metric, "response") && strcmp(metric, "tcp_rtt")) {
		fail(rp, 400, "bad_parameter", "must be response (answer time) or tcp_rtt (handshake round trip)",
		    "metric");
		return;
	}
	struct window w;
	if (window(cf, rq, rp, &w) || zone_visible(db, cf, rq, rp, zone) <= 0)
		return;
	char sql[256];
	snprintf(sql, sizeof sql, SQL_LATENCY, step_name(w.step));
	const char *p[] = { zone, metric, w.from_sql, w.to_sql };
	open_zone(rp->out, zone);
	member_str(rp->out, "metric", metric);
	window_json(rp->out, &w, 0);
	jbuf_lit(rp->out, ",\"series\":");
	if (run_json(db, cf, rq, rp, sql, p, 4))
		return;
	done_text(rp, rq->account);
}

static void ep_health(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp)
{
	struct window w;
	if (window(cf, rq, rp, &w))
		return;
	char sql[256];
	snprintf(sql, sizeof sql, SQL_HEALTH, step_name(w.step));
	const char *p[] = { w.from_sql, w.to_sql };
	jbuf_reset(rp->out);
	jbuf_putc(rp->out, '{');
	window_json(rp->out, &w, 1);
	jbuf_lit(rp->out, ",\"nodes\":");
	/* partners hold no grant on node_health_*: MariaDB refuses, and that is the 403 */
	if (run_json(db, cf, rq, rp, sql, p, 2))
		return;
	done_text(rp, rq->account);
}

void routes_handle(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp)
{
	rp->status = 500;
	rp->body = NULL;
	jbuf_reset(rp->out);
	const char *p = rq->path;
	if (!strcmp(p, "/zones")) {
		ep_zones(db, cf, rq, rp);
		return;
	}
	if (!strcmp(p, "/nodes/health")) {
		ep_health(db, cf, rq, rp);
		return;
	}
	if (!strncmp(p, "/zones/", 7)) {
		const char *z = p + 7, *slash = strchr(z, '/');
		char raw[256], zone[256];
		size_t zl = slash ? (size_t)(slash - z) : strlen(z);
		if (zl == 0 || zl >= sizeof raw) {
			fail(rp, 400, "bad_parameter", "not a zone name", "zone");
			return;
		}
		memcpy(raw, z, zl);
		raw[zl] = 0;
		if (param_zone(raw, zone)) {
			fail(rp, 400, "bad_parameter", "not a zone name", "zone");
			return;
		}
		const char *rest = slash ? slash : "";
		if (!strcmp(rest, "/qps")) {
			ep_qps(db, cf, rq, rp, zone);
			return;
		}
		if (!strcmp(rest, "/latency")) {
			ep_latency(db, cf, rq, rp, zone);
			return;
		}
		if (!strcmp(rest, "/top-names")) {
			ep_top(db, cf, rq, rp, zone);
			return;
		}
		if (!strncmp(rest, "/breakdown/", 11)) {
			ep_breakdown(db, cf, rq, rp, zone, rest + 11);
			return;
		}
	}
	fail(rp, 404, "not_found", "no such endpoint (see /api/v1/openapi.json)", NULL);
}
