/* rollup/mdb.c: a small MariaDB client layer: connect, prepared queries, multi-row additive upserts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "common/addr.h"
#include "common/errors.h"
#include "rollup/mdb.h"

#define STMT_CACHE 48
#define STR_MAX 256
#define RES_MAX 1024   /* result strings (and rollup_seen bitmaps) up to RES_MAX - 1 bytes */

#define SERVERS_MAX 16

/* one place to connect to: a UNIX socket or a TCP host and port */
struct server {
	char socket[1024];      /* "" for TCP */
	char host[256];
	unsigned port;
};

struct mdb {
	MYSQL *my;
	struct mdb_conf c;          /* strings point into the caller's configuration */
	struct server srv[SERVERS_MAX];
	unsigned nsrv, cur;         /* servers, the one connected (or last tried) */
	unsigned gen;               /* connection number: prepared statements of an older one are dead */
	uint64_t failovers;
	struct {
		const char *sql;        /* key: the address of a constant string */
		MYSQL_STMT *st;
	} cache[STMT_CACHE];
	unsigned ncache;
	unsigned err_no;
	char err[512];
};

static int my_fail(struct mdb *m, const char *what)
{
	m->err_no = mysql_errno(m->my);
	snprintf(m->err, sizeof m->err, "MariaDB %s: %s (%u)", what, mysql_error(m->my), m->err_no);
	return -EIO;
}

static int st_fail(struct mdb *m, MYSQL_STMT *st, const char *what)
{
	m->err_no = mysql_stmt_errno(st);
	snprintf(m->err, sizeof m->err, "MariaDB %s: %s (%u)", what, mysql_stmt_error(st), m->err_no);
	return -EIO;
}

/* after a failover found no server: every call fails until the next mdb_failover */
static int gone(struct mdb *m)
{
	if (m->my)
		return 0;
	m->err_no = 2006;
	snprintf(m->err, sizeof m->err, "MariaDB: not connected (no configured server answered)");
	return 1;
}

const char *mdb_errmsg(const struct mdb *m) { return m->err; }
unsigned mdb_errno(const struct mdb *m) { return m->err_no; }
unsigned mdb_servers(const struct mdb *m) { return m->nsrv; }
uint64_t mdb_failovers(const struct mdb *m) { return m->failovers; }

const char *mdb_server(const struct mdb *m, char *buf, size_t cap)
{
	const struct server *v = &m->srv[m->cur];
	if (v->socket[0])
		snprintf(buf, cap, "%s", v->socket);
	else
		snprintf(buf, cap, "%s%s%s:%u", strchr(v->host, ':') ? "[" : "", v->host,
		    strchr(v->host, ':') ? "]" : "", v->port ? v->port : 3306);
	return buf;
}

static void drop_conn(struct mdb *m)
{
	for (unsigned i = 0; i < m->ncache; i++)
		mysql_stmt_close(m->cache[i].st);
	m->ncache = 0;
	if (m->my)
		mysql_close(m->my);
	m->my = NULL;
}

/* 1 if the connected server is a Galera node (wsrep_on) */
static int galera(struct mdb *m)
{
	int on = 0;
	if (mysql_query(m->my, "SELECT @@global.wsrep_on") == 0) {
		MYSQL_RES *r = mysql_store_result(m->my);
		MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
		on = row && row[0] && strcmp(row[0], "1") == 0;
		if (r)
			mysql_free_result(r);
	}
	return on;
}

/* connect to server i; E_OK or -EIO with the message in m->err */
static int connect_one(struct mdb *m, unsigned i)
{
	const struct server *v = &m->srv[i];
	char where[1100];
	m->cur = i;
	if (!(m->my = mysql_init(NULL))) {
		snprintf(m->err, sizeof m->err, "MariaDB: out of memory");
		m->err_no = 0;
		return E_NOMEM;
	}
	unsigned t = m->c.timeout_s ? m->c.timeout_s : 30;
	mysql_options(m->my, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	mysql_options(m->my, MYSQL_OPT_READ_TIMEOUT, &t);
	mysql_options(m->my, MYSQL_OPT_WRITE_TIMEOUT, &t);
	mysql_options(m->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	const char *sock = v->socket[0] ? v->socket : NULL;
	const char *host = v->host[0] ? v->host : (sock ? "localhost" : "127.0.0.1");
	mdb_server(m, where, sizeof where);
	if (!mysql_real_connect(m->my, host, m->c.user, m->c.password, m->c.database, v->port, sock, 0)) {
		m->err_no = mysql_errno(m->my);
		snprintf(m->err, sizeof m->err, "cannot connect to MariaDB at %.400s%s%.64s: %s", where,
		    m->c.database ? " database " : "", m->c.database ? m->c.database : "", mysql_error(m->my));
		drop_conn(m);
		return -EIO;
	}
	/*
	 * A lock held by someone else (a partner in SERIALIZABLE, staff) is waited for 2 s,
	 * not 50: the batch is then retried after dnsa_partner_guard (rollup.c).
	 */
	if (mysql_query(m->my, "SET time_zone = '+00:00', innodb_lock_wait_timeout = 2") ||
	    mysql_autocommit(m->my, 0)) {
		m->err_no = mysql_errno(m->my);
		snprintf(m->err, sizeof m->err, "MariaDB session setup at %.400s: %s", where, mysql_error(m->my));
		drop_conn(m);
		return -EIO;
	}
	/*
	 * A Galera node that is not part of the primary component answers 1047 to every
	 * statement, but accepts connections: not a server to write to. A server without
	 * Galera has wsrep_on = 0 (or, built without it, no such variable).
	 */
	if (galera(m)) {
		int down = 0;
		if (mysql_query(m->my, "SHOW STATUS LIKE 'wsrep_ready'") == 0) {
			MYSQL_RES *r = mysql_store_result(m->my);
			MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
			down = !row || !row[1] || strcmp(row[1], "ON") != 0;
			if (r)
				mysql_free_result(r);
		}
		if (down) {
			m->err_no = 1047;
			snprintf(m->err, sizeof m->err, "MariaDB at %.400s: Galera node not ready (not in the"
			    " primary component)", where);
			drop_conn(m);
			return -EIO;
		}
		/*
		 * Causal reads: a read waits until this node has applied every write set
		 * committed anywhere before it, so the checkpoint read after a failover or a
		 * certification conflict sees the winner's commit (certification alone keeps
		 * exactly-once too, but by failing the batch again).
		 */
		if (mysql_query(m->my, "SET SESSION wsrep_sync_wait = 1")) {
			m->err_no = mysql_errno(m->my);
			snprintf(m->err, sizeof m->err, "MariaDB session setup at %.400s: %s", where, mysql_error(m->my));
			drop_conn(m);
			return -EIO;
		}
	}
	m->gen++;
	return E_OK;
}

/* parse one configured server ("/socket" or HOST:PORT); 0 or -1 */
static int add_server(struct mdb *m, const char *s)
{
	struct server *v = &m->srv[m->nsrv];
	uint16_t port;
	memset(v, 0, sizeof *v);
	if (s[0] == '/') {
		if (strlen(s) >= sizeof v->socket)
			return -1;
		snprintf(v->socket, sizeof v->socket, "%s", s);
	} else if (addr_split_hostport(s, v->host, sizeof v->host, &port) == E_OK) {
		v->port = port;
	} else {
		return -1;
	}
	m->nsrv++;
	return 0;
}

int mdb_new(const struct mdb_conf *c, struct mdb **out, char *err, size_t errlen)
{
	*out = NULL;
	struct mdb *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "MariaDB: out of memory");
		return E_NOMEM;
	}
	m->c = *c;
	for (size_t i = 0; i < c->nservers && m->nsrv < SERVERS_MAX; i++)
		if (add_server(m, c->servers[i])) {
			snprintf(err, errlen, "MariaDB server '%.200s': neither /socket nor host:port", c->servers[i]);
			free(m);
			return E_INVAL;
		}
	if (m->nsrv == 0) {
		struct server *v = &m->srv[m->nsrv++];
		snprintf(v->socket, sizeof v->socket, "%s", c->socket ? c->socket : "");
		snprintf(v->host, sizeof v->host, "%s", c->host ? c->host : "");
		v->port = c->port;
	}
	/* the first server that answers, in the configured order */
	int rc = -EIO;
	for (unsigned i = 0; i < m->nsrv && rc; i++)
		rc = connect_one(m, i);
	if (rc) {
		snprintf(err, errlen, "%s%s", m->err, m->nsrv > 1 ? " (and every other configured server)" : "");
		free(m);
		return -EIO;
	}
	*out = m;
	return E_OK;
}

int mdb_failover(struct mdb *m)
{
	unsigned from = m->cur;
	char last[512];
	drop_conn(m);
	for (unsigned k = 1; k <= m->nsrv; k++) {
		int rc = connect_one(m, (from + k) % m->nsrv);
		if (rc == E_OK) {
			m->failovers++;
			return E_OK;
		}
		if (rc == E_NOMEM)
			return rc;
		snprintf(last, sizeof last, "%s", m->err);
	}
	snprintf(m->err, sizeof m->err, "%.440s%s", last, m->nsrv > 1 ? " (and every other configured server)" : "");
	return -EIO;
}

int mdb_lost(unsigned e)
{
	switch (e) {
	case 1047:   /* ER_UNKNOWN_COM_ERROR: a Galera node outside the primary component */
	case 1053:   /* ER_SERVER_SHUTDOWN */
	case 1180:   /* ER_ERROR_DURING_COMMIT: Galera could not replicate (node left the primary component) */
	case 1927:   /* ER_CONNECTION_KILLED */
	case 2002:   /* CR_CONNECTION_ERROR (socket) */
	case 2003:   /* CR_CONN_HOST_ERROR */
	case 2006:   /* CR_SERVER_GONE_ERROR */
	case 2013:   /* CR_SERVER_LOST */
	case 2055:   /* CR_SERVER_LOST_EXTENDED */
	case 4031:   /* ER_NET_ERROR_ON_WRITE (idle disconnect) */
		return 1;
	}
	return 0;
}

void mdb_free(struct mdb *m)
{
	if (!m)
		return;
	drop_conn(m);
	free(m);
}

int mdb_exec(struct mdb *m, const char *sql)
{
	if (gone(m))
		return -EIO;
	if (mysql_query(m->my, sql))
		return my_fail(m, sql);
	MYSQL_RES *r = mysql_store_result(m->my);
	if (r)
		mysql_free_result(r);
	/* CALL ends with a status result of its own */
	while (mysql_more_results(m->my)) {
		if (mysql_next_result(m->my) > 0)
			return my_fail(m, sql);
		if ((r = mysql_store_result(m->my)))
			mysql_free_result(r);
	}
	return E_OK;
}

int mdb_commit(struct mdb *m)
{
	if (gone(m))
		return -EIO;
	return mysql_commit(m->my) ? my_fail(m, "COMMIT") : E_OK;
}

int mdb_rollback(struct mdb *m)
{
	if (gone(m))
		return -EIO;
	return mysql_rollback(m->my) ? my_fail(m, "ROLLBACK") : E_OK;
}

static MYSQL_STMT *prepare(struct mdb *m, const char *sql, size_t len, int *rc)
{
	if (gone(m)) {
		*rc = -EIO;
		return NULL;
	}
	MYSQL_STMT *st = mysql_stmt_init(m->my);
	if (!st) {
		*rc = my_fail(m, "statement init");
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)len)) {
		*rc = st_fail(m, st, "prepare");
		mysql_stmt_close(st);
		return NULL;
	}
	*rc = E_OK;
	return st;
}

static MYSQL_STMT *cached(struct mdb *m, const char *sql, int *rc)
{
	if (gone(m)) {
		*rc = -EIO;
		return NULL;
	}
	for (unsigned i = 0; i < m->ncache; i++)
		if (m->cache[i].sql == sql)
			return m->cache[i].st;
	MYSQL_STMT *st = prepare(m, sql, strlen(sql), rc);
	if (st && m->ncache < STMT_CACHE) {
		m->cache[m->ncache].sql = sql;
		m->cache[m->ncache++].st = st;
	}
	return st;
}

static void bind_val(MYSQL_BIND *b, const struct mdb_val *v, unsigned long *len)
{
	memset(b, 0, sizeof *b);
	switch (v->t) {
	case 's':
		b->buffer_type = MYSQL_TYPE_STRING;
		b->buffer = (void *)v->s;
		*len = (unsigned long)(v->len ? v->len : strlen(v->s));
		b->length = len;
		break;
	case 'u':
		b->is_unsigned = 1;
		/* fall through */
	default:
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = (void *)&v->i;
		break;
	}
}

int mdb_query(struct mdb *m, const char *sql, const struct mdb_val *params, unsigned np,
    const char *rtypes, mdb_row_fn fn, void *arg, uint64_t *affected)
{
	int rc = E_OK;
	MYSQL_STMT *st = cached(m, sql, &rc);
	if (!st)
		return rc;
	MYSQL_BIND pb[16];
	unsigned long plen[16];
	if (np > 16 || mysql_stmt_param_count(st) != np) {
		snprintf(m->err, sizeof m->err, "MariaDB: statement needs %lu parameters, %u given: %s",
		    mysql_stmt_param_count(st), np, sql);
		m->err_no = 0;
		return -EIO;
	}
	for (unsigned i = 0; i < np; i++)
		bind_val(&pb[i], &params[i], &plen[i]);
	if (np && mysql_stmt_bind_param(st, pb))
		return st_fail(m, st, "bind");
	if (mysql_stmt_execute(st))
		return st_fail(m, st, "execute");
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	if (!rtypes)
		return E_OK;

	unsigned nc = (unsigned)strlen(rtypes);
	MYSQL_BIND rb[8];
	struct mdb_val rv[8];
	char sbuf[8][RES_MAX];
	unsigned long rlen[8];
	my_bool isnull[8];
	if (nc > 8 || mysql_stmt_field_count(st) != nc) {
		mysql_stmt_free_result(st);
		snprintf(m->err, sizeof m->err, "MariaDB: result has %u columns, %u expected: %s",
		    mysql_stmt_field_count(st), nc, sql);
		m->err_no = 0;
		return -EIO;
	}
	memset(rb, 0, sizeof rb);
	for (unsigned i = 0; i < nc; i++) {
		rv[i].t = rtypes[i];
		rb[i].length = &rlen[i];
		rb[i].is_null = &isnull[i];
		if (rtypes[i] == 's') {
			rb[i].buffer_type = MYSQL_TYPE_STRING;
			rb[i].buffer = sbuf[i];
			rb[i].buffer_length = RES_MAX - 1;
		} else {
			rb[i].buffer_type = MYSQL_TYPE_LONGLONG;
			rb[i].buffer = &rv[i].i;
			rb[i].is_unsigned = rtypes[i] == 'u';
		}
	}
	if (mysql_stmt_bind_result(st, rb)) {
		rc = st_fail(m, st, "bind result");
		mysql_stmt_free_result(st);
		return rc;
	}
	rc = E_OK;
	int f;
	while ((f = mysql_stmt_fetch(st)) == 0 || f == MYSQL_DATA_TRUNCATED) {
		for (unsigned i = 0; i < nc; i++) {
			if (rtypes[i] == 's') {
				size_t l = rlen[i] < RES_MAX - 1 ? rlen[i] : RES_MAX - 1;
				sbuf[i][l] = '\0';
				rv[i].s = sbuf[i];
				rv[i].len = l;
			}
			if (isnull[i]) {
				rv[i].t = 'n';
				rv[i].i = 0;
			} else {
				rv[i].t = rtypes[i];
			}
		}
		if (fn && (rc = fn(rv, nc, arg)))
			break;
	}
	if (!rc && f == 1)
		rc = st_fail(m, st, "fetch");
	mysql_stmt_free_result(st);
	return rc;
}

struct mdb_upsert {
	struct mdb *m;
	unsigned ncols, rows;      /* columns per row, rows per full statement */
	unsigned used;             /* rows buffered */
	char types[16];
	char *head, *tail;         /* "INSERT ... VALUES " and " ON DUPLICATE KEY UPDATE ..." */
	char *tuple;               /* "(?,?,FROM_UNIXTIME(?))" */
	MYSQL_STMT *full;          /* prepared lazily for `rows` rows */
	unsigned gen;              /* the connection `full` was prepared on (mdb.gen) */
	MYSQL_BIND *bind;          /* rows * ncols, pointing into ival/sbuf/len */
	int64_t *ival;
	char *sbuf;
	unsigned long *len;
	uint64_t sent, stmts;
};

int mdb_upsert_new(struct mdb *m, const char *table, const char *cols, const char *types, const char *on_dup,
    unsigned rows_per_stmt, struct mdb_upsert **out)
{
	*out = NULL;
	size_t nc = strlen(types);
	if (nc == 0 || nc >= 16 || rows_per_stmt == 0 || rows_per_stmt * nc > 60000)
		return E_INVAL;
	struct mdb_upsert *u = calloc(1, sizeof *u);
	if (!u)
		return E_NOMEM;
	u->m = m;
	u->ncols = (unsigned)nc;
	u->rows = rows_per_stmt;
	memcpy(u->types, types, nc + 1);
	size_t hl = strlen(table) + strlen(cols) + 40;
	u->head = malloc(hl);
	u->tail = malloc(strlen(on_dup) + 40);
	u->tuple = malloc(nc * 20 + 4);
	size_t cells = (size_t)rows_per_stmt * nc;
	u->bind = calloc(cells, sizeof *u->bind);
	u->ival = calloc(cells, sizeof *u->ival);
	u->sbuf = malloc(cells * STR_MAX);
	u->len = calloc(cells, sizeof *u->len);
	if (!u->head || !u->tail || !u->tuple || !u->bind || !u->ival || !u->sbuf || !u->len) {
		mdb_upsert_free(u);
		return E_NOMEM;
	}
	snprintf(u->head, hl, "INSERT INTO %s (%s) VALUES ", table, cols);
	snprintf(u->tail, strlen(on_dup) + 40, " ON DUPLICATE KEY UPDATE %s", on_dup);
	char *p = u->tuple;
	*p++ = '(';
	for (size_t i = 0; i < nc; i++) {
		if (i)
			*p++ = ',';
		p += sprintf(p, "%s", types[i] == 't' ? "FROM_UNIXTIME(?)" : "?");
	}
	*p++ = ')';
	*p = '\0';
	for (size_t c = 0; c < cells; c++) {
		MYSQL_BIND *b = &u->bind[c];
		char t = types[c % nc];
		if (t == 's') {
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = u->sbuf + c * STR_MAX;
			b->length = &u->len[c];
		} else {
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = &u->ival[c];
			b->is_unsigned = t != 'i';
		}
	}
	*out = u;
	return E_OK;
}

void mdb_upsert_free(struct mdb_upsert *u)
{
	if (!u)
		return;
	if (u->full)
		mysql_stmt_close(u->full);
	free(u->head);
	free(u->tail);
	free(u->tuple);
	free(u->bind);
	free(u->ival);
	free(u->sbuf);
	free(u->len);
	free(u);
}

void mdb_upsert_discard(struct mdb_upsert *u) { u->used = 0; }
uint64_t mdb_upsert_rows(const struct mdb_upsert *u) { return u->sent; }
uint64_t mdb_upsert_stmts(const struct mdb_upsert *u) { return u->stmts; }

static char *build_sql(const struct mdb_upsert *u, unsigned n, size_t *len)
{
	size_t tl = strlen(u->tuple);
	size_t cap = strlen(u->head) + (size_t)n * (tl + 1) + strlen(u->tail) + 1;
	char *sql = malloc(cap);
	if (!sql)
		return NULL;
	char *p = sql;
	p += sprintf(p, "%s", u->head);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, u->tuple, tl);
		p += tl;
	}
	p += sprintf(p, "%s", u->tail);
	*len = (size_t)(p - sql);
	return sql;
}

static int run(struct mdb_upsert *u, MYSQL_STMT *st)
{
	struct mdb *m = u->m;
	if (mysql_stmt_bind_param(st, u->bind))
		return st_fail(m, st, "bind upsert");
	if (mysql_stmt_execute(st))
		return st_fail(m, st, "upsert");
	u->sent += u->used;
	u->stmts++;
	u->used = 0;
	return E_OK;
}

int mdb_upsert_flush(struct mdb_upsert *u)
{
	if (u->used == 0)
		return E_OK;
	int rc;
	size_t len;
	if (u->used == u->rows) {
		if (u->full && u->gen != u->m->gen) {
			/* prepared on a connection that is gone (failover): the handle is only freed */
			mysql_stmt_close(u->full);
			u->full = NULL;
		}
		if (!u->full) {
			char *sql = build_sql(u, u->rows, &len);
			if (!sql)
				return E_NOMEM;
			u->full = prepare(u->m, sql, len, &rc);
			u->gen = u->m->gen;
			free(sql);
			if (!u->full)
				return rc;
		}
		return run(u, u->full);
	}
	/* a partial statement: once per flush, so its prepare cost is per batch, not per row */
	char *sql = build_sql(u, u->used, &len);
	if (!sql)
		return E_NOMEM;
	MYSQL_STMT *st = prepare(u->m, sql, len, &rc);
	free(sql);
	if (!st)
		return rc;
	rc = run(u, st);
	mysql_stmt_close(st);
	return rc;
}

int mdb_upsert_add(struct mdb_upsert *u, const struct mdb_val *vals)
{
	size_t base = (size_t)u->used * u->ncols;
	for (unsigned c = 0; c < u->ncols; c++) {
		size_t cell = base + c;
		if (u->types[c] == 's') {
			size_t l = vals[c].len ? vals[c].len : strlen(vals[c].s);
			if (l > STR_MAX - 1)
				l = STR_MAX - 1;
			memcpy(u->sbuf + cell * STR_MAX, vals[c].s, l);
			u->len[cell] = (unsigned long)l;
		} else {
			u->ival[cell] = vals[c].i;
		}
	}
	if (++u->used == u->rows)
		return mdb_upsert_flush(u);
	return E_OK;
}

int mdb_data_error(unsigned e)
{
	switch (e) {
	case 1048:   /* ER_BAD_NULL_ERROR */
	case 1062:   /* ER_DUP_ENTRY (a unique key the rollup does not know) */
	case 1264:   /* ER_WARN_DATA_OUT_OF_RANGE */
	case 1265:   /* WARN_DATA_TRUNCATED */
	case 1292:   /* ER_TRUNCATED_WRONG_VALUE (a NULL from FROM_UNIXTIME) */
	case 1366:   /* ER_TRUNCATED_WRONG_VALUE_FOR_FIELD */
	case 1367:   /* ER_ILLEGAL_VALUE_FOR_TYPE */
	case 1406:   /* ER_DATA_TOO_LONG */
	case 1411:   /* ER_WRONG_VALUE_FOR_TYPE */
	case 1451:   /* ER_ROW_IS_REFERENCED_2 */
	case 1452:   /* ER_NO_REFERENCED_ROW_2 */
	case 1526:   /* ER_NO_PARTITION_FOR_GIVEN_VALUE */
	case 1644:   /* ER_SIGNAL_EXCEPTION (a trigger) */
	case 1690:   /* ER_DATA_OUT_OF_RANGE */
	case 3819:   /* ER_CHECK_CONSTRAINT_VIOLATED (MySQL numbering) */
	case 4025:   /* ER_CONSTRAINT_FAILED (MariaDB CHECK) */
		return 1;
	}
	return 0;
}
