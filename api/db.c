/* api/db.c: MariaDB for dnsa-api: a small connection pool per account, prepared statements to JSON. */
#include <errno.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/db.h"
#include "api/jbuf.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"

#define ACCOUNTS_MAX 4096
#define COLS_MAX 64   /* node_health_* has 37 columns (011) */
#define CELL_MAX 1024

#define STMT_CACHE 16     /* prepared statements kept per connection (the endpoints x steps fit) */
#define STMT_SQL_MAX 640  /* longest statement text cached */
#define EXISTS_CACHE 8    /* db_exists answers kept per connection */

struct dbconn {
	MYSQL *my;              /* open connection */
	char account[64];       /* the account it belongs to (pools move when the array grows) */
	int broken;             /* a connection-level error was seen: close on put */
	struct dbconn *next;    /* idle list */
	struct {
		char sql[STMT_SQL_MAX];  /* the text it was prepared from */
		MYSQL_STMT *st;
	} cache[STMT_CACHE];    /* prepared once per connection: a request executes, never re-prepares */
	unsigned ncache, evict; /* slots used; the next to replace when full */
	struct {
		const char *sql;        /* the statement (the caller's constant: compared by address) */
		char param[256];        /* its one parameter */
		double until;           /* monotonic seconds: valid before this */
		int yes;                /* it returned a row */
	} seen[EXISTS_CACHE];   /* db_exists answers, this connection's account only */
	unsigned nseen;         /* the next slot to fill, round robin */
};

/* close a connection and its prepared statements */
static void conn_close(struct dbconn *c)
{
	for (unsigned i = 0; i < c->ncache; i++)
		mysql_stmt_close(c->cache[i].st);
	c->ncache = 0;
	mysql_close(c->my);
}

/* drop one cached statement (after a statement-level error: its state is unknown) */
static void stmt_forget(struct dbconn *c, MYSQL_STMT *st)
{
	for (unsigned i = 0; i < c->ncache; i++)
		if (c->cache[i].st == st) {
			mysql_stmt_close(st);
			c->cache[i] = c->cache[--c->ncache];
			return;
		}
	mysql_stmt_close(st);
}

/* the prepared statement for sql: from the cache, or prepared now (and cached when it fits) */
static MYSQL_STMT *stmt_get(struct dbconn *c, const char *sql, unsigned *errnum, int *cached)
{
	size_t n = strlen(sql);
	*cached = 1;
	for (unsigned i = 0; i < c->ncache; i++)
		if (!strcmp(c->cache[i].sql, sql))
			return c->cache[i].st;
	MYSQL_STMT *st = mysql_stmt_init(c->my);
	if (!st) {
		*errnum = mysql_errno(c->my);
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, n)) {
		*errnum = mysql_stmt_errno(st);
		mysql_stmt_close(st);
		return NULL;
	}
	if (n < STMT_SQL_MAX) {
		unsigned k;
		if (c->ncache < STMT_CACHE) {
			k = c->ncache++;
		} else {
			k = c->evict++ % STMT_CACHE;   /* full: replace one, round robin (not in use: one at a time) */
			mysql_stmt_close(c->cache[k].st);
		}
		memcpy(c->cache[k].sql, sql, n + 1);
		c->cache[k].st = st;
	} else {
		*cached = 0;
	}
	return st;
}

struct pool {
	char account[64];       /* MariaDB account (the token's) */
	unsigned open;          /* connections open (idle + in use) */
	struct dbconn *idle;    /* idle connections */
};

struct db {
	const struct api_conf *conf;
	pthread_mutex_t mu;     /* guards pools and counts */
	pthread_cond_t freed;   /* a connection was returned */
	struct pool *pools;     /* one per account seen */
	size_t npools, cap;
	size_t open_total;      /* connections open, all accounts */
};

int db_new(const struct api_conf *conf, struct db **out)
{
	*out = NULL;
	struct db *db = calloc(1, sizeof *db);
	if (!db)
		return E_NOMEM;
	db->conf = conf;
	pthread_mutex_init(&db->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&db->freed, &ca);
	pthread_condattr_destroy(&ca);
	*out = db;
	return E_OK;
}

void db_free(struct db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->npools; i++)
		for (struct dbconn *c = db->pools[i].idle, *n; c; c = n) {
			n = c->next;
			conn_close(c);
			free(c);
		}
	free(db->pools);
	pthread_cond_destroy(&db->freed);
	pthread_mutex_destroy(&db->mu);
	free(db);
}

size_t db_open_count(struct db *db)
{
	pthread_mutex_lock(&db->mu);
	size_t n = db->open_total;
	pthread_mutex_unlock(&db->mu);
	return n;
}

static struct pool *pool_of(struct db *db, const char *account)
{
	for (size_t i = 0; i < db->npools; i++)
		if (!strcmp(db->pools[i].account, account))
			return &db->pools[i];
	if (db->npools == ACCOUNTS_MAX)
		return NULL;
	if (db->npools == db->cap) {
		size_t nc = db->cap ? db->cap * 2 : 16;
		struct pool *np = realloc(db->pools, nc * sizeof *np);
		if (!np)
			return NULL;
		db->pools = np;
		db->cap = nc;
	}
	struct pool *p = &db->pools[db->npools++];
	memset(p, 0, sizeof *p);
	snprintf(p->account, sizeof p->account, "%s", account);
	return p;
}

static void cred_err(void *arg, const char *msg)
{
	log_warnx("api account credentials: %s", msg);
}

/* open one connection as account; NULL on failure (logged) */
static MYSQL *connect_as(const struct api_conf *cf, const char *account, enum db_status *st)
{
	struct api_cred cr;
	int rc = api_cred_load(cf->accounts_dir, account, &cr, cred_err, NULL);
	if (rc != E_OK) {
		log_warnx("no usable credentials for account %s in %s: %s", account, cf->accounts_dir,
		    rc == E_KEYPERM ? "not a regular file of mode 0600/0400" : dnsa_strerror(rc));
		*st = DB_NOACCOUNT;
		return NULL;
	}
	MYSQL *my = mysql_init(NULL);
	if (!my) {
		*st = DB_UNAVAILABLE;
		return NULL;
	}
	unsigned to = (unsigned)cf->db_timeout;
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &to);
	mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &to);
	mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &to);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* every statement read-only and bounded in time, whatever the account's own limits */
	char init[128];
	snprintf(init, sizeof init, "SET SESSION max_statement_time = %u", to);
	mysql_options(my, MYSQL_INIT_COMMAND, "SET SESSION TRANSACTION READ ONLY");
	mysql_options(my, MYSQL_INIT_COMMAND, init);
	mysql_options(my, MYSQL_INIT_COMMAND, "SET SESSION time_zone = '+00:00'");
	const char *sock = cf->db_socket[0] ? cf->db_socket : NULL;
	const char *host = sock ? "localhost" : cf->db_host;
	if (!mysql_real_connect(my, host, cr.user, cr.password, cf->db_name, (unsigned)cf->db_port, sock, 0)) {
		log_warnx("MariaDB connect as %s: %s (%u)", cr.user, mysql_error(my), mysql_errno(my));
		*st = mysql_errno(my) == ER_ACCESS_DENIED_ERROR || mysql_errno(my) == ER_DBACCESS_DENIED_ERROR
		    ? DB_NOACCOUNT : DB_UNAVAILABLE;
		mysql_close(my);
		memset(&cr, 0, sizeof cr);
		return NULL;
	}
	memset(&cr, 0, sizeof cr);
	return my;
}

enum db_status db_get(struct db *db, const char *account, struct dbconn **out)
{
	*out = NULL;
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += db->conf->db_timeout;
	pthread_mutex_lock(&db->mu);
	for (;;) {
		struct pool *p = pool_of(db, account);
		if (!p) {
			pthread_mutex_unlock(&db->mu);
			return DB_UNAVAILABLE;
		}
		if (p->idle) {
			struct dbconn *c = p->idle;
			p->idle = c->next;
			c->next = NULL;
			pthread_mutex_unlock(&db->mu);
			*out = c;
			return DB_OK;
		}
		if (p->open < (unsigned)db->conf->pool_size) {
			p->open++;
			db->open_total++;
			char acct[64];
			snprintf(acct, sizeof acct, "%s", p->account);
			pthread_mutex_unlock(&db->mu);
			enum db_status st = DB_OK;
			MYSQL *my = connect_as(db->conf, acct, &st);
			struct dbconn *c = my ? calloc(1, sizeof *c) : NULL;
			if (!c) {
				if (my)
					mysql_close(my);
				pthread_mutex_lock(&db->mu);
				p = pool_of(db, acct);
				if (p)
					p->open--;
				db->open_total--;
				pthread_cond_broadcast(&db->freed);
				pthread_mutex_unlock(&db->mu);
				return st == DB_OK ? DB_UNAVAILABLE : st;
			}
			c->my = my;
			snprintf(c->account, sizeof c->account, "%s", acct);
			*out = c;
			return DB_OK;
		}
		if (pthread_cond_timedwait(&db->freed, &db->mu, &dl) == ETIMEDOUT) {
			pthread_mutex_unlock(&db->mu);
			return DB_UNAVAILABLE;
		}
	}
}

void db_put(struct db *db, struct dbconn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&db->mu);
	struct pool *p = NULL;
	for (size_t i = 0; i < db->npools; i++)
		if (!strcmp(db->pools[i].account, c->account))
			p = &db->pools[i];
	if (c->broken || !p) {
		if (p)
			p->open--;
		db->open_total--;
		pthread_mutex_unlock(&db->mu);
		conn_close(c);
		free(c);
		pthread_mutex_lock(&db->mu);
	} else {
		c->next = p->idle;
		p->idle = c;
	}
	pthread_cond_broadcast(&db->freed);
	pthread_mutex_unlock(&db->mu);
}

/* errors that mean the connection (or the server) is gone, not the statement */
static int conn_level(unsigned e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
	    e == CR_CONN_HOST_ERROR || e == CR_UNKNOWN_HOST || e == CR_COMMANDS_OUT_OF_SYNC ||
	    e == ER_CON_COUNT_ERROR || e == ER_SERVER_SHUTDOWN || e == ER_CONNECTION_KILLED ||
	    e == ER_NET_READ_INTERRUPTED || e == ER_NET_READ_ERROR || e == ER_NET_WRITE_INTERRUPTED;
}

static enum db_status classify(struct dbconn *c, unsigned e)
{
	if (conn_level(e)) {
		c->broken = 1;
		return DB_UNAVAILABLE;
	}
	if (e == ER_TABLEACCESS_DENIED_ERROR || e == ER_COLUMNACCESS_DENIED_ERROR ||
	    e == ER_SPECIFIC_ACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR || e == ER_PROCACCESS_DENIED_ERROR)
		return DB_DENIED;
	if (e == ER_STATEMENT_TIMEOUT || e == ER_LOCK_WAIT_TIMEOUT || e == ER_QUERY_INTERRUPTED)
		return DB_UNAVAILABLE;
	c->broken = 1; /* unknown state: start afresh next time */
	return DB_ERROR;
}

/* how a column is fetched: 1 as a 64-bit integer, 2 as a MYSQL_TIME, 0 as text */
static int native(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG: case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
		return 1;
	case MYSQL_TYPE_DATETIME: case MYSQL_TYPE_TIMESTAMP:
		return 2;
	default:
		return 0;
	}
}

/* "YYYY-MM-DDTHH:MM:SSZ" (fractions dropped, as the text form was cut to 19 characters) */
static void time_json(struct jbuf *o, const MYSQL_TIME *t)
{
	char s[23];
	unsigned v[6] = { t->year % 10000, t->month % 100, t->day % 100, t->hour % 100, t->minute % 100,
		t->second % 100 };
	static const unsigned char at[6] = { 1, 6, 9, 12, 15, 18 };
	memcpy(s, "\"0000-00-00T00:00:00Z\"", 22);
	s[1] = (char)('0' + v[0] / 1000);
	s[2] = (char)('0' + v[0] / 100 % 10);
	for (int i = 0; i < 6; i++) {
		s[at[i] + (i ? 0 : 2)] = (char)('0' + v[i] / 10 % 10);
		s[at[i] + (i ? 1 : 3)] = (char)('0' + v[i] % 10);
	}
	jbuf_put(o, s, 22);
}

/* one cell as JSON, with the types json_t cells had (db.h) */
static void cell(struct jbuf *o, enum enum_field_types t, const char *s, unsigned long len, my_bool isnull)
{
	if (isnull) {
		jbuf_lit(o, "null");
		return;
	}
	switch (t) {
	case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG: case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
		jbuf_intstr(o, s, len);
		return;
	case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL:
		jbuf_decimal(o, s, len);
		return;
	case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE:
		jbuf_real(o, strtod(s, NULL));
		return;
	case MYSQL_TYPE_DATETIME: case MYSQL_TYPE_TIMESTAMP:
		if (len >= 19) { /* "YYYY-MM-DD HH:MM:SS[.f]" -> "YYYY-MM-DDTHH:MM:SSZ" */
			char iso[20];
			iso[0] = '"';
			memcpy(iso + 1, s, 10);
			iso[11] = 'T';
			memcpy(iso + 12, s + 11, 8);
			jbuf_put(o, iso, 20);
			jbuf_lit(o, "Z\"");
			return;
		}
		jbuf_str(o, s, len);
		return;
	default:
		jbuf_str(o, s, len);
		return;
	}
}

enum db_status db_json(struct dbconn *c, const char *sql, const char *const *params, size_t nparams,
    size_t max_rows, struct jbuf *out, size_t *nrows, unsigned *errnum)
{
	*errnum = 0;
	if (nrows)
		*nrows = 0;
	enum db_status st = DB_ERROR;
	MYSQL_RES *meta = NULL;
	size_t mark = out->len;
	if (nparams > 16)
		return DB_ERROR;
	int cached = 0;
	MYSQL_STMT *s = stmt_get(c, sql, errnum, &cached);
	if (!s)
		return classify(c, *errnum ? *errnum : CR_SERVER_LOST);
	MYSQL_BIND pb[16];
	unsigned long plen[16];
	my_bool pnull[16];
	if (mysql_stmt_param_count(s) != nparams)
		goto done;
	memset(pb, 0, sizeof pb);
	for (size_t i = 0; i < nparams; i++) {
		pnull[i] = params[i] == NULL;
		plen[i] = params[i] ? strlen(params[i]) : 0;
		pb[i].buffer_type = MYSQL_TYPE_STRING;
		pb[i].buffer = (void *)(params[i] ? params[i] : "");
		pb[i].buffer_length = plen[i];
		pb[i].length = &plen[i];
		pb[i].is_null = &pnull[i];
	}
	if (nparams && mysql_stmt_bind_param(s, pb))
		goto err;
	if (mysql_stmt_execute(s))
		goto err;
	meta = mysql_stmt_result_metadata(s);
	if (!meta)
		goto err;
	unsigned nc = mysql_num_fields(meta);
	if (nc == 0 || nc > COLS_MAX)
		goto done;
	MYSQL_FIELD *fl = mysql_fetch_fields(meta);
	static __thread char buf[COLS_MAX][CELL_MAX];
	unsigned long len[COLS_MAX];
	my_bool isnull[COLS_MAX], trunc[COLS_MAX];
	MYSQL_BIND rb[COLS_MAX];
	memset(rb, 0, sizeof rb);
	for (unsigned i = 0; i < nc; i++) {
		/* integers and times arrive binary and are written by hand: as strings, libmariadb would
		   sprintf every one of them (most of the CPU of a long series) */
		switch (native(fl[i].type)) {
		case 1:
			rb[i].buffer_type = MYSQL_TYPE_LONGLONG;
			rb[i].is_unsigned = (fl[i].flags & UNSIGNED_FLAG) != 0;
			rb[i].buffer_length = sizeof(long long);
			break;
		case 2:
			rb[i].buffer_type = MYSQL_TYPE_DATETIME;
			rb[i].buffer_length = sizeof(MYSQL_TIME);
			break;
		default:
			rb[i].buffer_type = MYSQL_TYPE_STRING;
			rb[i].buffer_length = CELL_MAX - 1;
		}
		rb[i].buffer = buf[i];
		rb[i].length = &len[i];
		rb[i].is_null = &isnull[i];
		rb[i].error = &trunc[i];
	}
	if (mysql_stmt_bind_result(s, rb))
		goto err;
	/* the column names as JSON keys, escaped once per answer, not once per row */
	static __thread char keys[COLS_MAX * 2 * 70];
	size_t koff[COLS_MAX + 1];
	struct jbuf kb = { keys, 0, sizeof keys, sizeof keys, E_OK };
	for (unsigned i = 0; i < nc; i++) {
		koff[i] = kb.len;
		jbuf_putc(&kb, i ? ',' : '{');
		jbuf_str(&kb, fl[i].name, strlen(fl[i].name));
		jbuf_putc(&kb, ':');
	}
	koff[nc] = kb.len;
	if (kb.err)
		goto done; /* column names longer than a MariaDB identifier */
	jbuf_putc(out, '[');
	size_t n = 0;
	int r;
	while ((r = mysql_stmt_fetch(s)) == 0 || r == MYSQL_DATA_TRUNCATED) {
		if (++n > max_rows) {
			st = DB_TOOMANY;
			goto done;
		}
		if (n > 1)
			jbuf_putc(out, ',');
		for (unsigned i = 0; i < nc; i++) {
			jbuf_put(out, keys + koff[i], koff[i + 1] - koff[i]);
			if (isnull[i] || rb[i].buffer_type == MYSQL_TYPE_STRING) {
				unsigned long l = len[i] < CELL_MAX - 1 ? len[i] : CELL_MAX - 1;
				buf[i][l] = 0;
				cell(out, fl[i].type, buf[i], l, isnull[i]);
			} else if (rb[i].buffer_type == MYSQL_TYPE_LONGLONG) {
				long long v;
				memcpy(&v, buf[i], sizeof v);
				if (rb[i].is_unsigned && v < 0) /* above 2^63: a double keeps the magnitude, as before */
					jbuf_real(out, (double)(unsigned long long)v);
				else
					jbuf_int(out, v);
			} else {
				MYSQL_TIME t;
				memcpy(&t, buf[i], sizeof t);
				time_json(out, &t);
			}
		}
		jbuf_putc(out, '}');
		if (out->err)
			break;
	}
	if (out->err) {
		st = out->err == E_TOOBIG ? DB_TOOMANY : DB_ERROR;
		goto done;
	}
	if (r != MYSQL_NO_DATA)
		goto err;
	jbuf_putc(out, ']');
	if (nrows)
		*nrows = n;
	st = DB_OK;
	goto done;
err:
	*errnum = mysql_stmt_errno(s);
	st = classify(c, *errnum);
done:
	if (st != DB_OK && !out->err)
		out->len = mark; /* nothing half-written is left behind */
	if (meta)
		mysql_free_result(meta);
	/* kept prepared for the next request: discard what is left of the result (too many rows) */
	if (!cached) {
		if (mysql_stmt_close(s))
			c->broken = 1;
	} else if (st == DB_OK || st == DB_TOOMANY || st == DB_DENIED) {
		if (mysql_stmt_free_result(s) || mysql_stmt_reset(s))
			c->broken = 1;
	} else if (!c->broken) {
		stmt_forget(c, s);
	}
	return st;
}

enum db_status db_rows(struct dbconn *c, const char *sql, const char *const *params, size_t nparams,
    size_t max_rows, json_t **rows, unsigned *errnum)
{
	*rows = NULL;
	struct jbuf b;
	jbuf_init(&b, DB_JSON_MAX);
	enum db_status st = db_json(c, sql, params, nparams, max_rows, &b, NULL, errnum);
	if (st == DB_OK && !(*rows = json_loadb(b.p, b.len, 0, NULL)))
		st = DB_ERROR;
	jbuf_fini(&b);
	return st;
}

enum db_status db_exists(struct dbconn *c, const char *sql, const char *param, double ttl, int *yes,
    unsigned *errnum)
{
	*yes = 0;
	*errnum = 0;
	size_t pl = strlen(param);
	double now = clock_mono_s();
	for (unsigned i = 0; i < EXISTS_CACHE; i++)
		if (c->seen[i].sql == sql && now < c->seen[i].until && !strcmp(c->seen[i].param, param)) {
			*yes = c->seen[i].yes;
			return DB_OK;
		}
	char tmp[1600]; /* [{"k":"v"}] of one parameter-sized value, escaped at worst */
	struct jbuf b = { tmp, 0, sizeof tmp, sizeof tmp, E_OK };
	size_t n = 0;
	const char *p[] = { param };
	enum db_status st = db_json(c, sql, p, 1, 1, &b, &n, errnum);
	if (b.err) /* the row did not fit tmp: say nothing rather than guess */
		return DB_ERROR;
	if (st == DB_TOOMANY) /* more than one row: it exists */
		st = DB_OK, n = 1;
	if (st != DB_OK)
		return st;
	*yes = n > 0;
	if (ttl > 0 && pl < sizeof c->seen[0].param) {
		unsigned k = c->nseen++ % EXISTS_CACHE;
		c->seen[k].sql = sql;
		memcpy(c->seen[k].param, param, pl + 1);
		c->seen[k].until = now + ttl;
		c->seen[k].yes = *yes;
	}
	return DB_OK;
}
