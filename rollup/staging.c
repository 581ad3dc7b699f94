/* rollup/staging.c: the rollup's side of the SQLite staging database: read past a checkpoint, quarantine, prune. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/errors.h"
#include "rollup/staging.h"

struct staging {
	sqlite3 *db;
	sqlite3_stmt *read_dg;    /* datagrams after an id */
	sqlite3_stmt *read_st;    /* node_stats after an id */
	sqlite3_stmt *quar;       /* copy one datagram into quarantine */
	char err[256];
};

static const char *const tables[2] = { "datagram", "node_stats" };

static int fail(struct staging *s, const char *what)
{
	int code = sqlite3_errcode(s->db);
	snprintf(s->err, sizeof s->err, "staging: %s: %s", what, sqlite3_errmsg(s->db));
	return code == SQLITE_BUSY || code == SQLITE_LOCKED ? -EBUSY : -EIO;
}

const char *staging_errmsg(const struct staging *s)
{
	return s->err;
}

int staging_new(const struct staging_conf *c, struct staging **out, char *why, size_t why_len)
{
	const char *path = c->path;
	*out = NULL;
	struct staging *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(why, why_len, "staging: out of memory");
		return E_NOMEM;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(why, why_len, "staging %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		staging_free(s);
		return -EIO;
	}
	sqlite3_busy_timeout(s->db, c->busy_ms);
	/*
	 * mmap: reads of the database file skip the copy out of the kernel's page
	 * cache. A hint: a build that refuses it only runs slower.
	 */
	sqlite3_exec(s->db, "PRAGMA mmap_size = 2147418112; PRAGMA cache_size = -32768", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(s->db,
	        "SELECT id, node, boot_id, seq, kind, received_us, nrecords, payload FROM datagram"
	        " WHERE id > ?1 ORDER BY id LIMIT ?2", -1, &s->read_dg, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
	        "SELECT id, node, time_us, counter, value FROM node_stats"
	        " WHERE id > ?1 ORDER BY id LIMIT ?2", -1, &s->read_st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
	        "INSERT OR REPLACE INTO quarantine (id, node, boot_id, seq, kind, received_us, payload,"
	        " error, moved_us) SELECT id, node, boot_id, seq, kind, received_us, payload, ?2, ?3"
	        " FROM datagram WHERE id = ?1", -1, &s->quar, NULL) != SQLITE_OK) {
		snprintf(why, why_len, "staging %s: %s (not a dnsa staging database? see sql/staging.sql)",
		    path, sqlite3_errmsg(s->db));
		staging_free(s);
		return -EIO;
	}
	*out = s;
	return E_OK;
}

void staging_free(struct staging *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->read_dg);
	sqlite3_finalize(s->read_st);
	sqlite3_finalize(s->quar);
	sqlite3_close(s->db);
	free(s);
}

static int exec(struct staging *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, sql);
	return E_OK;
}

/* a read transaction pins one WAL snapshot for the whole batch */
int staging_read(struct staging *s, int64_t after, unsigned max_rows, uint64_t max_records,
    staging_row_fn fn, void *arg, int64_t *last_id, unsigned *nrows)
{
	int rc = exec(s, "BEGIN");
	if (rc)
		return rc;
	sqlite3_stmt *st = s->read_dg;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, max_rows);
	uint64_t records = 0;
	unsigned n = 0;
	*last_id = after;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct staging_row r;
		r.id = sqlite3_column_int64(st, 0);
		r.node = (const char *)sqlite3_column_text(st, 1);
		r.boot_id = sqlite3_column_int64(st, 2);
		r.seq = sqlite3_column_int64(st, 3);
		r.kind = sqlite3_column_int(st, 4);
		r.received_us = sqlite3_column_int64(st, 5);
		r.nrecords = sqlite3_column_int64(st, 6);
		r.payload = sqlite3_column_blob(st, 7);
		r.len = (size_t)sqlite3_column_bytes(st, 7);
		if (!r.node)
			r.node = "";
		if (!r.payload)
			r.len = 0;
		int stop = 0;
		if ((rc = fn(&r, arg)) < 0)
			break;
		if (rc > 0)
			stop = 1, rc = E_OK;
		*last_id = r.id;
		n++;
		records += r.nrecords > 0 ? (uint64_t)r.nrecords : 0;
		if (records >= max_records || stop)
			break;
	}
	if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = fail(s, "read datagram");
	sqlite3_reset(st);
	exec(s, "COMMIT");
	*nrows = n;
	return rc;
}

int staging_read_stats(struct staging *s, int64_t after, unsigned max_rows,
    staging_stat_fn fn, void *arg, int64_t *last_id, unsigned *nrows)
{
	sqlite3_stmt *st = s->read_st;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, max_rows);
	unsigned n = 0;
	int rc = E_OK, step;
	*last_id = after;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct staging_stat r;
		r.id = sqlite3_column_int64(st, 0);
		r.node = (const char *)sqlite3_column_text(st, 1);
		r.time_us = sqlite3_column_int64(st, 2);
		r.counter = (const char *)sqlite3_column_text(st, 3);
		r.value = sqlite3_column_int64(st, 4);
		if (!r.node)
			r.node = "";
		if (!r.counter)
			r.counter = "";
		if ((rc = fn(&r, arg)))
			break;
		*last_id = r.id;
		n++;
	}
	if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = fail(s, "read node_stats");
	sqlite3_reset(st);
	*nrows = n;
	return rc;
}

int staging_quarantine(struct staging *s, int64_t id, const char *error, int64_t now_us)
{
	sqlite3_stmt *st = s->quar;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now_us);
	int step = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return step == SQLITE_DONE ? E_OK : fail(s, "quarantine");
}

static int64_t scalar(struct staging *s, const char *sql, int64_t bind, int *rc)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	*rc = E_OK;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		*rc = fail(s, sql);
		return 0;
	}
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, bind);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (step != SQLITE_DONE)
		*rc = fail(s, sql);
	sqlite3_finalize(st);
	return v;
}

int staging_prune_step(struct staging *s, enum staging_table t, int64_t upto, unsigned chunk)
{
	char sql[200];
	int rc;
	snprintf(sql, sizeof sql, "SELECT MIN(id) FROM %s", tables[t]);
	int64_t lo = scalar(s, sql, 0, &rc);
	if (rc)
		return rc;
	if (lo == 0 || lo > upto)
		return 0;
	int64_t hi = lo + (int64_t)chunk - 1 < upto ? lo + (int64_t)chunk - 1 : upto;
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id <= ?1 AND id < (SELECT MAX(id) FROM %s)",
	    tables[t], tables[t]);
	/*
	 * synchronous = NORMAL for the delete only: in WAL mode a power cut may
	 * then lose the last prune transactions, never corrupt the file, and a
	 * lost prune is redone by the next run (rows <= checkpoint). Without the
	 * WAL fsync per chunk the prune takes about half the wall time. The
	 * quarantine copy, which must be durable before MariaDB's commit, keeps FULL.
	 */
	exec(s, "PRAGMA synchronous = NORMAL");
	scalar(s, sql, hi, &rc);
	int changes = sqlite3_changes(s->db);
	exec(s, "PRAGMA synchronous = FULL");
	if (rc)
		return rc;
	return changes;
}

int64_t staging_count(struct staging *s, enum staging_table t)
{
	char sql[100];
	int rc;
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", tables[t]);
	int64_t v = scalar(s, sql, 0, &rc);
	return rc ? rc : v;
}

int64_t staging_max_id(struct staging *s, enum staging_table t)
{
	char sql[100];
	int rc;
	snprintf(sql, sizeof sql, "SELECT COALESCE(MAX(id), 0) FROM %s", tables[t]);
	int64_t v = scalar(s, sql, 0, &rc);
	return rc ? rc : v;
}
