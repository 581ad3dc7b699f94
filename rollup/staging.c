/* rollup/staging.c: the rollup's side of the SQLite staging database: read past a checkpoint, quarantine, prune. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/errors.h"
#include "common/grow.h"
#include "common/stagefiles.h"
#include "rollup/staging.h"

/* one file of the set: f[0] is the base file, then the numbered files in order */
struct sfile {
	uint32_t seq;             /* 0: the base file */
	char *path;
	sqlite3 *db;              /* NULL until needed, and again once a read went past a closed file */
	sqlite3_stmt *read[2];    /* rows after an id, by table */
	sqlite3_stmt *get;        /* one datagram by id (the quarantine copy) */
	int64_t base[2];          /* the first ids the file gives (segment row; 1 for the base file) */
	int64_t max[2];           /* highest ids (0: none); final once `closed` */
	int closed;               /* a newer file exists: aggd writes this one no more */
	int maxknown;             /* closed and max[] read: final */
	int rotate;               /* 0: aggd stopped rotating (segment.rotate): its rows are pruned */
	int listed;               /* seen in the last directory listing */
};

struct staging {
	char *base;               /* the configured path */
	int busy_ms;
	struct sfile *f;
	size_t nf, capf;
	sqlite3_stmt *quar;       /* f[0]: INSERT OR REPLACE INTO quarantine */
	struct staging_health h;
	char err[700];
	/* unlinked files still open: their blocks are freed by the closer thread's close(2) */
	int *fds;
	size_t nfds, capfds;
	pthread_t closer;
	int closing;              /* the closer thread runs (joined before the next one, and by staging_free) */
	int *cfds;                /* the fds it closes (its own array) */
	size_t ncfds;
};

static const char *const tables[2] = { "datagram", "node_stats" };

static const char SQL_READ_DG[] =
	"SELECT id, node, boot_id, seq, kind, received_us, nrecords, payload FROM datagram"
	" WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char SQL_READ_ST[] =
	"SELECT id, node, time_us, counter, value FROM node_stats WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char SQL_GET[] =
	"SELECT node, boot_id, seq, kind, received_us, payload FROM datagram WHERE id = ?1";
static const char SQL_QUAR[] =
	"INSERT OR REPLACE INTO quarantine (id, node, boot_id, seq, kind, received_us, payload, error, moved_us)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static int code_of(sqlite3 *db)
{
	int code = db ? sqlite3_errcode(db) : SQLITE_CANTOPEN;
	return code == SQLITE_BUSY || code == SQLITE_LOCKED ? -EBUSY : -EIO;
}

static int fail_db(struct staging *s, sqlite3 *db, const char *path, const char *what)
{
	snprintf(s->err, sizeof s->err, "staging %.300s: %.100s: %.200s", path, what, db ? sqlite3_errmsg(db) : "cannot open");
	return code_of(db);
}

/* the data in the file is bad (not a database, corrupt, not dnsa's tables), as opposed to busy or I/O */
static int bad_data(sqlite3 *db)
{
	int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_CANTOPEN;
	return code == SQLITE_CORRUPT || code == SQLITE_NOTADB || code == SQLITE_ERROR || code == SQLITE_FORMAT ||
	    code == SQLITE_EMPTY || code == SQLITE_MISMATCH;
}

const char *staging_errmsg(const struct staging *s)
{
	return s->err;
}

static void file_close(struct sfile *f)
{
	for (int t = 0; t < 2; t++) {
		sqlite3_finalize(f->read[t]);
		f->read[t] = NULL;
	}
	sqlite3_finalize(f->get);
	f->get = NULL;
	sqlite3_close(f->db);
	f->db = NULL;
}

static int64_t one(sqlite3 *db, const char *sql, int *rc)
{
	sqlite3_stmt *st;
	int64_t v = 0;
	*rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (*rc != SQLITE_OK)
		return 0;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (step != SQLITE_DONE)
		*rc = step;
	sqlite3_finalize(st);
	return v;
}

/* the highest ids of f (final for a closed file). An SQLite code */
static int file_max(struct sfile *f)
{
	int rc = SQLITE_OK;
	for (int t = 0; t < 2 && rc == SQLITE_OK; t++) {
		char sql[64];
		snprintf(sql, sizeof sql, "SELECT COALESCE(MAX(id), 0) FROM %s", tables[t]);
		f->max[t] = one(f->db, sql, &rc);
	}
	return rc;
}

/* open f and prepare its statements; E_OK or an error with s->err set */
static int file_open(struct staging *s, struct sfile *f)
{
	int rc;
	if (f->db)
		return E_OK;
	if (sqlite3_open_v2(f->path, &f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = fail_db(s, f->db, f->path, "open");
		file_close(f);
		return rc;
	}
	sqlite3_busy_timeout(f->db, s->busy_ms);
	/*
	 * mmap: reads of the database file skip the copy out of the kernel's page
	 * cache. A hint: a build that refuses it only runs slower.
	 */
	sqlite3_exec(f->db, "PRAGMA mmap_size = 2147418112; PRAGMA cache_size = -32768", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(f->db, SQL_READ_DG, -1, &f->read[0], NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, SQL_READ_ST, -1, &f->read[1], NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, SQL_GET, -1, &f->get, NULL) != SQLITE_OK) {
		snprintf(s->err, sizeof s->err, "staging %.300s: %s (not a dnsa staging database? see sql/staging.sql)",
		    f->path, sqlite3_errmsg(f->db));
		rc = code_of(f->db) == -EBUSY ? -EBUSY : bad_data(f->db) ? E_MALFORMED : -EIO;
		file_close(f);
		return rc;
	}
	f->base[0] = f->base[1] = 1;
	f->rotate = 1;
	if (f->seq) {
		/* a numbered file without its segment row was not made by aggd */
		sqlite3_stmt *st;
		int ok = sqlite3_prepare_v2(f->db, "SELECT datagram_base, node_stats_base, rotate FROM segment",
		    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
		if (ok) {
			f->base[0] = sqlite3_column_int64(st, 0);
			f->base[1] = sqlite3_column_int64(st, 1);
			f->rotate = sqlite3_column_int(st, 2);
		}
		if (!ok)
			snprintf(s->err, sizeof s->err, "staging %.300s: no segment row: %s (not a file aggd rotated to)",
			    f->path, sqlite3_errmsg(f->db));
		rc = ok ? E_OK : code_of(f->db) == -EBUSY ? -EBUSY : E_MALFORMED;
		sqlite3_finalize(st);
		if (rc) {
			file_close(f);
			return rc;
		}
	}
	return E_OK;
}

/*
 * A closed file that is not what aggd wrote (truncated, overwritten, not a
 * database, ids out of order): renamed .bad for the operator, out of the set.
 */
static void set_aside(struct staging *s, struct sfile *f, const char *why)
{
	char to[PATH_MAX + 8];
	file_close(f);
	snprintf(to, sizeof to, "%s.bad", f->path);
	s->h.files_bad++;
	if (rename(f->path, to) != 0)
		snprintf(s->h.bad_msg, sizeof s->h.bad_msg, "%.300s: %s; rename to .bad: %s", f->path, why, strerror(errno));
	else
		snprintf(s->h.bad_msg, sizeof s->h.bad_msg, "%.300s: %s; renamed %.300s.bad", f->path, why, f->path);
	f->listed = 0;
}

static void file_free(struct sfile *f)
{
	file_close(f);
	free(f->path);
}

static int tail_check(struct staging *s);
static void closer_join(struct staging *s);

/*
 * The set as the directory shows it now. Files keep their handles across
 * listings; the last listed is the one aggd may still write, every other is
 * closed for good (aggd names a file only once it is complete and writes
 * nothing older than its newest). Gone files are dropped, new ones added,
 * odd ones set aside.
 */
static int refresh(struct staging *s)
{
	struct stagefile *v;
	size_t n;
	unsigned strays = 0;
	int rc = stagefiles_list(s->base, &v, &n, &strays);
	if (rc != E_OK) {
		snprintf(s->err, sizeof s->err, "staging %.300s: listing the directory: %s", s->base, dnsa_strerror(rc));
		return rc == E_NOMEM ? rc : -EIO;
	}
	s->h.strays = strays;
	/* merge: both are in increasing order */
	struct sfile *old = s->f + 1;
	size_t nold = s->nf - 1, i = 0;
	struct sfile *nw = calloc(n + 1, sizeof *nw);
	if (!nw) {
		free(v);
		return E_NOMEM;
	}
	nw[0] = s->f[0];
	size_t k = 1;
	for (size_t j = 0; j < n; j++) {
		while (i < nold && old[i].seq < v[j].seq)
			file_free(&old[i++]);
		if (i < nold && old[i].seq == v[j].seq) {
			nw[k] = old[i++];
		} else {
			char name[PATH_MAX];
			memset(&nw[k], 0, sizeof nw[k]);
			nw[k].seq = v[j].seq;
			if (stagefiles_name(s->base, v[j].seq, name, sizeof name) != E_OK || !(nw[k].path = strdup(name)))
				continue;
		}
		nw[k].listed = 1;
		k++;
	}
	while (i < nold)
		file_free(&old[i++]);
	free(v);
	free(s->f);
	s->f = nw;
	s->nf = k;
	s->capf = n + 1;
	if ((rc = tail_check(s)) != E_OK)
		return rc;
	s->f[0].closed = s->nf > 1;
	for (size_t j = 1; j < s->nf; j++)
		s->f[j].closed = j + 1 < s->nf;
	return E_OK;
}

/* drop the entries set aside during a read (listed = 0) */
static void compact(struct staging *s)
{
	size_t w = 1;
	for (size_t j = 1; j < s->nf; j++) {
		if (!s->f[j].listed) {
			file_free(&s->f[j]);
			continue;
		}
		s->f[w++] = s->f[j];
	}
	s->nf = w;
}

#define SKIP 1        /* file_ready: nothing in the file past `after` */
#define ASIDE 2       /* file_ready: the file was set aside */

/* the highest id of table t in f now (0: none), uncached: f may still be aggd's */
static int64_t max_now(struct sfile *f, int t, int *rc)
{
	char sql[64];
	snprintf(sql, sizeof sql, "SELECT COALESCE(MAX(id), 0) FROM %s", tables[t]);
	return one(f->db, sql, rc);
}

/*
 * The last listed file is taken for the one aggd writes, and every file
 * before it for closed, hence unlinkable once committed. So the last one
 * must be aggd's: a file named like the next of the set that is no staging
 * file (an operator's junk), or whose ids do not follow on the file before
 * it (a copy of an older one), would make aggd's real file look closed and
 * be unlinked while aggd still writes it. Such a file is set aside, and the
 * one before it looked at again. aggd names a file only once it is
 * complete, so a file it is making is never seen half made.
 */
static int tail_check(struct staging *s)
{
	while (s->nf > 1) {
		struct sfile *f = &s->f[s->nf - 1], *p = &s->f[s->nf - 2];
		int rc = file_open(s, f), src = SQLITE_OK;
		if (rc == E_MALFORMED) {
			set_aside(s, f, "not a staging file aggd wrote");
		} else if (rc) {
			return rc;
		} else {
			/* the base file's ids are SQLite's or an operator's: only numbered files are compared */
			if (!p->seq)
				return E_OK;
			if ((rc = file_open(s, p)) == E_MALFORMED)
				return E_OK;   /* p is set aside when it is read; f is the last good one */
			if (rc)
				return rc;
			int later = 1;
			for (int t = 0; t < 2 && src == SQLITE_OK; t++) {
				int64_t m = p->maxknown ? p->max[t] : max_now(p, t, &src);
				if (m && f->base[t] <= m)
					later = 0;
			}
			if (src != SQLITE_OK)
				return fail_db(s, p->db, p->path, "highest id");
			if (later)
				return E_OK;
			set_aside(s, f, "its ids begin inside the file before it (not the file aggd writes)");
		}
		file_free(f);
		s->nf--;
	}
	return E_OK;
}

/*
 * Make f usable for reading table t past `after` (-1: whatever it holds):
 * open it, know its ids. E_OK (read it), SKIP, ASIDE, or an error.
 */
static int file_ready(struct staging *s, struct sfile *f, int t, int64_t after)
{
	if (f->maxknown && f->max[t] <= after)
		return SKIP;
	int rc = file_open(s, f);
	if (rc == E_MALFORMED && f->seq && (f->closed || !f->listed)) {
		set_aside(s, f, "not a staging file aggd wrote");
		return ASIDE;
	}
	if (rc)
		return rc;
	if (f->closed && !f->maxknown) {
		if ((rc = file_max(f)) != SQLITE_OK) {
			if (bad_data(f->db) && f->seq) {
				char why[200];
				snprintf(why, sizeof why, "%s", sqlite3_errmsg(f->db));
				set_aside(s, f, why);
				return ASIDE;
			}
			return fail_db(s, f->db, f->path, "highest id");
		}
		f->maxknown = 1;
		if (f->max[t] <= after)
			return SKIP;
	}
	return E_OK;
}

/*
 * Ids of table t the set should hold but does not: between the end of the
 * file before f (prev) and f's first id, past `after`. Only a numbered file
 * knows where it starts; ids are given without holes, so a hole is a file
 * removed before the rollup read it.
 */
static void count_hole(struct staging *s, const struct sfile *prev, const struct sfile *f, int t, int64_t after)
{
	if (!f->seq || !prev || !prev->closed)
		return;
	int64_t end = prev->max[t] ? prev->max[t] : prev->base[t] - 1;
	if (end < after)
		end = after;
	if (f->base[t] - 1 > end) {
		s->h.ids_missing[t] += (uint64_t)(f->base[t] - 1 - end);
		snprintf(s->h.hole_msg, sizeof s->h.hole_msg, "%s ids %lld..%lld missing before %.300s (a staging file"
		    " removed?)", tables[t], (long long)end + 1, (long long)f->base[t] - 1, f->path);
	}
}

/* f's ids begin at or below the end of the numbered file before it: a copy, or renamed out of order */
static int overlaps(const struct sfile *prev, const struct sfile *f)
{
	if (!f->seq || !prev || !prev->seq || !prev->closed)
		return 0;
	for (int t = 0; t < 2; t++)
		if (prev->max[t] && f->base[t] <= prev->max[t])
			return 1;
	return 0;
}

int staging_new(const struct staging_conf *c, struct staging **out, char *why, size_t why_len)
{
	*out = NULL;
	struct staging *s = calloc(1, sizeof *s);
	if (!s || !(s->base = strdup(c->path)) || !(s->f = calloc(1, sizeof *s->f)) || !(s->f[0].path = strdup(c->path))) {
		snprintf(why, why_len, "staging: out of memory");
		staging_free(s);
		return E_NOMEM;
	}
	s->nf = s->capf = 1;
	s->busy_ms = c->busy_ms;
	int rc = file_open(s, &s->f[0]);
	if (rc == E_OK && sqlite3_prepare_v2(s->f[0].db, SQL_QUAR, -1, &s->quar, NULL) != SQLITE_OK)
		rc = fail_db(s, s->f[0].db, c->path, "quarantine (not a dnsa staging database? see sql/staging.sql)");
	if (rc == E_OK)
		rc = refresh(s);
	if (rc != E_OK) {
		snprintf(why, why_len, "%s", s->err[0] ? s->err : dnsa_strerror(rc));
		staging_free(s);
		return rc == E_NOMEM ? rc : -EIO;
	}
	*out = s;
	return E_OK;
}

void staging_free(struct staging *s)
{
	if (!s)
		return;
	closer_join(s);
	for (size_t i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	free(s->fds);
	sqlite3_finalize(s->quar);
	for (size_t i = 0; s->f && i < s->nf; i++)
		file_free(&s->f[i]);
	free(s->f);
	free(s->base);
	free(s);
}

/* one file's rows of table t after `after`, in one read transaction (one WAL snapshot) */
struct rd {
	int t;
	unsigned max_rows;
	uint64_t max_records;
	staging_row_fn rfn;
	staging_stat_fn sfn;
	void *arg;
	int64_t last;
	unsigned n;
	uint64_t records;
	int stop;                 /* the callback or a budget ended the read */
};

static int read_file(struct staging *s, struct sfile *f, int64_t after, struct rd *x)
{
	sqlite3_stmt *st = f->read[x->t];
	int rc = E_OK, step;
	if (sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(s, f->db, f->path, "BEGIN");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, x->max_rows - x->n);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int c;
		if (x->t == 0) {
			struct staging_row r;
			r.id = id;
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
			c = x->rfn(&r, x->arg);
			if (c >= 0)
				x->records += r.nrecords > 0 ? (uint64_t)r.nrecords : 0;
		} else {
			struct staging_stat r;
			r.id = id;
			r.node = (const char *)sqlite3_column_text(st, 1);
			r.time_us = sqlite3_column_int64(st, 2);
			r.counter = (const char *)sqlite3_column_text(st, 3);
			r.value = sqlite3_column_int64(st, 4);
			if (!r.node)
				r.node = "";
			if (!r.counter)
				r.counter = "";
			c = x->sfn(&r, x->arg);
			if (c > 0)
				c = 0;   /* node_stats callbacks only go on or fail */
		}
		if (c < 0) {
			rc = c;
			x->stop = 1;
			break;
		}
		x->last = id;
		x->n++;
		if (c > 0 || x->n >= x->max_rows || (x->t == 0 && x->records >= x->max_records)) {
			x->stop = 1;
			break;
		}
	}
	if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = fail_db(s, f->db, f->path, x->t ? "read node_stats" : "read datagram");
	sqlite3_reset(st);
	sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/*
 * Rows of table t after `after` across the set, in file order. The listing
 * is taken once: a file named after it is read by the next call, so rows
 * aggd commits to the last file meanwhile are never jumped over.
 */
static int read_set(struct staging *s, int t, int64_t after, struct rd *x, int64_t *last_id, unsigned *nrows)
{
	int rc = refresh(s);
	x->t = t;
	x->last = after;
	x->n = 0;
	x->records = 0;
	x->stop = 0;
	*last_id = after;
	*nrows = 0;
	if (rc)
		return rc;
	struct sfile *prev = NULL;
	for (size_t i = 0; i < s->nf && !x->stop && x->n < x->max_rows && rc == E_OK; i++) {
		struct sfile *f = &s->f[i];
		int r = file_ready(s, f, t, x->last);
		if (r == ASIDE)
			continue;
		if (r && r != SKIP) {
			rc = r;
			break;
		}
		if (overlaps(prev, f)) {
			if (f->closed) {
				set_aside(s, f, "its ids begin inside the file before it (out of order)");
				continue;
			}
			snprintf(s->h.bad_msg, sizeof s->h.bad_msg, "%.300s: its ids begin inside the file before it"
			    " (out of order); only ids past the checkpoint are read", f->path);
		}
		if (r == SKIP) {
			prev = f;
			continue;
		}
		count_hole(s, prev, f, t, x->last);
		rc = read_file(s, f, x->last, x);
		if (rc && rc != -EBUSY && !x->stop && f->closed && f->seq && bad_data(f->db)) {
			/* what was read of it stays read; the rest is lost with the file */
			char why[200];
			snprintf(why, sizeof why, "%s", sqlite3_errmsg(f->db));
			set_aside(s, f, why);
			rc = E_OK;
			continue;
		}
		/* read past a closed file: its handle is not needed again (its max[] stays) */
		if (!rc && f->maxknown && f->seq && !x->stop)
			file_close(f);
		prev = f;
	}
	compact(s);
	*last_id = x->last;
	*nrows = x->n;
	return rc;
}

int staging_read(struct staging *s, int64_t after, unsigned max_rows, uint64_t max_records,
    staging_row_fn fn, void *arg, int64_t *last_id, unsigned *nrows)
{
	struct rd x = { 0, max_rows, max_records, fn, NULL, arg, 0, 0, 0, 0 };
	return read_set(s, 0, after, &x, last_id, nrows);
}

int staging_read_stats(struct staging *s, int64_t after, unsigned max_rows,
    staging_stat_fn fn, void *arg, int64_t *last_id, unsigned *nrows)
{
	struct rd x = { 1, max_rows, UINT64_MAX, NULL, fn, arg, 0, 0, 0, 0 };
	return read_set(s, 1, after, &x, last_id, nrows);
}

/* the file holding datagram id (the last whose first id is <= id), or NULL */
static struct sfile *holder(struct staging *s, int64_t id)
{
	struct sfile *h = NULL;
	for (size_t i = 0; i < s->nf; i++)
		if (s->f[i].base[0] <= id || i == 0)
			h = &s->f[i];
	return h;
}

int staging_quarantine(struct staging *s, int64_t id, const char *error, int64_t now_us)
{
	struct sfile *f = holder(s, id);
	int rc;
	if (!f)
		return E_OK;
	if ((rc = file_open(s, f)) != E_OK)
		return rc == E_MALFORMED ? -EIO : rc;
	sqlite3_stmt *g = f->get, *q = s->quar;
	sqlite3_bind_int64(g, 1, id);
	int step = sqlite3_step(g);
	if (step == SQLITE_ROW) {
		sqlite3_bind_int64(q, 1, id);
		sqlite3_bind_value(q, 2, sqlite3_column_value(g, 0));
		sqlite3_bind_value(q, 3, sqlite3_column_value(g, 1));
		sqlite3_bind_value(q, 4, sqlite3_column_value(g, 2));
		sqlite3_bind_value(q, 5, sqlite3_column_value(g, 3));
		sqlite3_bind_value(q, 6, sqlite3_column_value(g, 4));
		sqlite3_bind_value(q, 7, sqlite3_column_value(g, 5));
		sqlite3_bind_text(q, 8, error, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 9, now_us);
		int qs = sqlite3_step(q);
		rc = qs == SQLITE_DONE ? E_OK : fail_db(s, s->f[0].db, s->f[0].path, "quarantine");
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	} else if (step != SQLITE_DONE) {
		rc = fail_db(s, f->db, f->path, "quarantine: read the row");
	}
	sqlite3_reset(g);
	return rc;
}

static int exec(struct staging *s, sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail_db(s, db, "", sql);
	return E_OK;
}

/* the files whose rows are pruned one by one: the base file, and a last file aggd no longer rotates away from */
static int row_pruned(const struct staging *s, size_t i)
{
	return i == 0 || (i + 1 == s->nf && s->f[i].db && !s->f[i].rotate);
}

static int prune_file(struct staging *s, struct sfile *f, enum staging_table t, int64_t upto, unsigned chunk)
{
	char sql[200];
	int rc;
	if ((rc = file_open(s, f)) != E_OK)
		return rc == E_MALFORMED ? 0 : rc;
	snprintf(sql, sizeof sql, "SELECT MIN(id) FROM %s", tables[t]);
	int64_t lo = one(f->db, sql, &rc);
	if (rc != SQLITE_OK)
		return fail_db(s, f->db, f->path, sql);
	if (lo == 0 || lo > upto)
		return 0;
	int64_t hi = lo + (int64_t)chunk - 1 < upto ? lo + (int64_t)chunk - 1 : upto;
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id <= %lld AND id < (SELECT MAX(id) FROM %s)",
	    tables[t], (long long)hi, tables[t]);
	/*
	 * synchronous = NORMAL for the delete only: in WAL mode a power cut may
	 * then lose the last prune transactions, never corrupt the file, and a
	 * lost prune is redone by the next run (rows <= checkpoint). Without the
	 * WAL fsync per chunk the prune takes about half the wall time. The
	 * quarantine copy, which must be durable before MariaDB's commit, keeps FULL.
	 */
	exec(s, f->db, "PRAGMA synchronous = NORMAL");
	rc = exec(s, f->db, sql);
	int changes = sqlite3_changes(f->db);
	exec(s, f->db, "PRAGMA synchronous = FULL");
	return rc ? rc : changes;
}

int staging_prune_step(struct staging *s, enum staging_table t, int64_t upto, unsigned chunk)
{
	for (size_t i = 0; i < s->nf; i++) {
		if (!row_pruned(s, i))
			continue;
		int n = prune_file(s, &s->f[i], t, upto, chunk);
		if (n != 0)
			return n;
	}
	return 0;
}

/* path and the files SQLite keeps beside it */
static int unlink_all(const char *path)
{
	static const char *const suffix[] = { "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 16];
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
	return E_OK;
}

/*
 * Freeing a ~270 MB file's blocks and cached pages takes the unlinking
 * thread ~70-100 ms of kernel time. The file is opened before its name is
 * unlinked, so the unlink only removes the name (what the crash-safety
 * rules are about: the name is gone at the same point as before) and the
 * last close(2), on a thread of its own, frees the blocks while the next
 * batch reads. A crash meanwhile leaves an orphan inode the filesystem frees
 * at mount, never a name.
 */
static void *closer_run(void *arg)
{
	struct staging *s = arg;
	for (size_t i = 0; i < s->ncfds; i++)
		close(s->cfds[i]);
	return NULL;
}

static void closer_join(struct staging *s)
{
	if (s->closing)
		pthread_join(s->closer, NULL);
	s->closing = 0;
	free(s->cfds);
	s->cfds = NULL;
	s->ncfds = 0;
}

/* hand the open fds of unlinked files to a closer thread (or close them here if none can start) */
static void closer_start(struct staging *s)
{
	closer_join(s);
	if (!s->nfds)
		return;
	s->cfds = s->fds;
	s->ncfds = s->nfds;
	s->fds = NULL;
	s->nfds = s->capfds = 0;
	if (pthread_create(&s->closer, NULL, closer_run, s) == 0) {
		s->closing = 1;
		return;
	}
	closer_run(s);
	closer_join(s);
}

int staging_unlink_committed(struct staging *s, int64_t ck_dg, int64_t ck_st, unsigned *files, uint64_t *bytes)
{
	int rc = refresh(s);
	*files = 0;
	*bytes = 0;
	if (rc)
		return rc;
	/* in order: a closed file goes once the checkpoints passed every id in it */
	struct sfile *prev = NULL;
	for (size_t i = 1; i < s->nf && s->f[i].closed; i++) {
		struct sfile *f = &s->f[i];
		int r = file_ready(s, f, 0, -1);
		if (r == ASIDE)
			continue;
		if (r) {
			rc = r;
			break;
		}
		/* a copy of an earlier file is not the next one: its rows were never read from here */
		if (overlaps(prev, f)) {
			set_aside(s, f, "its ids begin inside the file before it (out of order)");
			continue;
		}
		prev = f;
		if (f->max[0] > ck_dg || f->max[1] > ck_st)
			break;
		file_close(f);
		uint64_t b = stagefiles_bytes(f->path);
		/* kept open past the unlink, for the closer thread; without an fd the unlink frees the blocks here */
		int fd = grow_array((void **)&s->fds, &s->capfds, s->nfds + 1, sizeof *s->fds) ? -1 :
		    open(f->path, O_RDONLY | O_CLOEXEC);
		if ((r = unlink_all(f->path)) != E_OK) {
			if (fd >= 0)
				close(fd);
			snprintf(s->err, sizeof s->err, "staging %.300s: unlink: %s", f->path, strerror(-r));
			rc = r;
			break;
		}
		if (fd >= 0)
			s->fds[s->nfds++] = fd;
		f->listed = 0;
		(*files)++;
		*bytes += b;
	}
	compact(s);
	closer_start(s);
	return rc;
}

void staging_health(struct staging *s, struct staging_health *h)
{
	*h = s->h;
	h->files_pending = 0;
	h->bytes = stagefiles_bytes(s->base);
	for (size_t i = 1; i < s->nf; i++) {
		h->bytes += stagefiles_bytes(s->f[i].path);
		h->files_pending += s->f[i].closed;
	}
}

/* f's count or highest id of table t (SQLite code in *rc) */
static int64_t file_stat(struct staging *s, struct sfile *f, enum staging_table t, int count, int *rc)
{
	char sql[100];
	if ((*rc = file_open(s, f)) != E_OK)
		return 0;
	snprintf(sql, sizeof sql, count ? "SELECT COUNT(*) FROM %s" : "SELECT COALESCE(MAX(id), 0) FROM %s", tables[t]);
	int src;
	int64_t v = one(f->db, sql, &src);
	if (src != SQLITE_OK)
		*rc = fail_db(s, f->db, f->path, sql);
	if (!count && v < f->base[t] - 1)
		v = f->base[t] - 1;
	return v;
}

int64_t staging_count(struct staging *s, enum staging_table t)
{
	int rc = refresh(s);
	int64_t n = 0;
	for (size_t i = 0; !rc && i < s->nf; i++)
		n += file_stat(s, &s->f[i], t, 1, &rc);
	return rc ? rc : n;
}

int64_t staging_max_id(struct staging *s, enum staging_table t)
{
	int rc = refresh(s);
	int64_t m = 0;
	for (size_t i = 0; !rc && i < s->nf; i++) {
		int64_t v = file_stat(s, &s->f[i], t, 0, &rc);
		if (rc == E_MALFORMED && i > 0) {
			rc = E_OK;   /* a bad file: set aside by the read, ignored here */
			continue;
		}
		if (v > m)
			m = v;
	}
	return rc ? rc : m;
}
