/* rollup/staging.h: the rollup's side of the SQLite staging database: read past a checkpoint, quarantine, prune. */
#ifndef DNSA_ROLLUP_STAGING_H
#define DNSA_ROLLUP_STAGING_H

#include <stddef.h>
#include <stdint.h>

/*
 * Schema: sql/staging.sql (written by aggd). Reads run in short WAL read
 * transactions, so they never block aggd; writes (quarantine, prune) are small
 * transactions that wait at most busy_ms for aggd's write lock.
 *
 * The staging path names the base file of a set (common/stagefiles.h): the
 * base file, then the files aggd rotated to, in order. The handle reads
 * across them as one table; the quarantine lives in the base file, which is
 * never unlinked. A file other than the last is closed for good: once the
 * checkpoints are past its last ids, staging_unlink_committed unlinks it
 * whole. Rows are deleted one by one (staging_prune_step) only in the base
 * file (a set that never rotated, or the rows from before rotation) and in a
 * last file aggd stopped rotating away from.
 *
 * Ids: aggd's single writer gives ids in commit order, growing across the
 * files of the set; the prune never deletes the row with the highest id of a
 * file, so ids keep growing past every checkpoint even where SQLite gives them.
 *
 * Bad files: a closed numbered file that is not a database, is corrupt or
 * truncated (found when it is read), has no segment row, or begins inside
 * the ids of the file before it is renamed NAME.bad (left for the operator),
 * counted in staging_health and skipped; its rows not read are lost with it,
 * nothing else. Ids missing between two files (a file removed before it was
 * read) are counted too. The last file is taken for aggd's only if it is a
 * staging file whose ids follow on the numbered file before it: junk or a
 * copy named past aggd's real file would make that one look closed (and
 * unlinkable while aggd writes it), so it is set aside first. aggd's file
 * itself is never set aside: its errors are errors of the run.
 *
 * Errors: functions return E_OK / a count, or -EIO for an SQLite failure
 * (staging_errmsg says which) or -EBUSY when the database stayed locked.
 */
struct staging;

struct staging_row {
	int64_t id;
	const char *node;        /* valid during the callback */
	int64_t boot_id;
	int64_t seq;
	int kind;                /* 1 records, 2 counters */
	int64_t received_us;
	int64_t nrecords;
	const uint8_t *payload;  /* valid during the callback */
	size_t len;
};

struct staging_stat {
	int64_t id;
	const char *node;        /* valid during the callback */
	int64_t time_us;
	const char *counter;     /* valid during the callback */
	int64_t value;
};

enum staging_table { ST_DATAGRAM = 0, ST_NODE_STATS = 1 };

/*
 * callbacks return 0 to go on, a negative code that stops the read and is
 * returned (the row is not counted as read), or (rows only) 1: this row is
 * taken, stop after it
 */
typedef int (*staging_row_fn)(const struct staging_row *r, void *arg);
typedef int (*staging_stat_fn)(const struct staging_stat *s, void *arg);

struct staging_conf {
	const char *path; /* an existing staging database (aggd creates it) */
	int busy_ms;      /* SQLite busy timeout while aggd holds the write lock */
};

/*
 * staging_new: open an existing staging database. Returns E_OK with *out
 * set, or E_NOMEM / -EIO (cannot open it, or not a dnsa staging database)
 * with *out NULL and a one-line message for a person in why[0..why_len).
 */
int staging_new(const struct staging_conf *c, struct staging **out, char *why, size_t why_len);
void staging_free(struct staging *s);
const char *staging_errmsg(const struct staging *s);

/*
 * staging_read: rows with id > after in id order, at most max_rows, stopping
 * early once max_records records were read (at least one row is read). Sets
 * *last_id to the last id read (after if none) and *nrows.
 */
int staging_read(struct staging *s, int64_t after, unsigned max_rows, uint64_t max_records,
    staging_row_fn fn, void *arg, int64_t *last_id, unsigned *nrows);
int staging_read_stats(struct staging *s, int64_t after, unsigned max_rows,
    staging_stat_fn fn, void *arg, int64_t *last_id, unsigned *nrows);

/* staging_quarantine: copy datagram row id into quarantine with the reason (idempotent). */
int staging_quarantine(struct staging *s, int64_t id, const char *error, int64_t now_us);

/*
 * staging_prune_step: delete up to `chunk` rows with id <= upto from table
 * (never the highest id of a file) in one transaction, in the files pruned
 * by rows (above). Returns rows deleted (0 = done).
 */
int staging_prune_step(struct staging *s, enum staging_table t, int64_t upto, unsigned chunk);

/*
 * staging_unlink_committed: unlink the closed files (in order, with their
 * -wal and -shm) whose every datagram id is <= ck_dg and every node_stats id
 * <= ck_st: the checkpoints committed in MariaDB. *files and *bytes say what
 * went. E_OK or an error (what was unlinked before it stays unlinked).
 */
int staging_unlink_committed(struct staging *s, int64_t ck_dg, int64_t ck_st, unsigned *files, uint64_t *bytes);

/* what the set looks like and what went wrong with it (cumulative for the handle's life) */
struct staging_health {
	unsigned files_pending;   /* closed files still on disk (rolled up or not) */
	uint64_t bytes;           /* the whole set on disk, with -wal files */
	unsigned strays;          /* entries named like the set but not of it (an operator's copy?), ignored */
	uint64_t files_bad;       /* files set aside as NAME.bad */
	uint64_t ids_missing[2];  /* datagram, node_stats ids between two files, past the checkpoint: lost */
	char bad_msg[700];        /* the last file set aside, and why */
	char hole_msg[400];       /* the last ids found missing */
};

/* staging_health: a snapshot (stat(2)s the files). Cannot fail. */
void staging_health(struct staging *s, struct staging_health *h);

/* staging_count: rows in table across the set (for tests and logs); negative on error. */
int64_t staging_count(struct staging *s, enum staging_table t);
/* staging_max_id: highest id in table across the set (a numbered file's first id - 1 if empty), 0 if none; negative on error. */
int64_t staging_max_id(struct staging *s, enum staging_table t);

#endif
