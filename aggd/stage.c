/* aggd/stage.c: the SQLite staging writer: a bounded in-memory queue committed in batched WAL transactions. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "aggd/stage.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/stagefiles.h"

/* sql/staging.sql, verbatim (tests/unit/test_stage.c checks that they are equal) */
static const char schema_sql[] =
	"-- sql/staging.sql: SQLite staging database written by aggd, read (and pruned) by aggd-rollup.\n"
	"-- Opened in WAL mode. aggd appends; aggd-rollup reads rows with id > its checkpoint,\n"
	"-- and deletes rows it has committed to MariaDB (from a rotated set: unlinks whole files).\n"
	"PRAGMA journal_mode = WAL;\n"
	"\n"
	"-- one row per accepted datagram\n"
	"CREATE TABLE IF NOT EXISTS datagram (\n"
	"\tid          INTEGER PRIMARY KEY,   -- increasing; the rollup's checkpoint is an id\n"
	"\tnode        TEXT    NOT NULL,      -- node name from the envelope\n"
	"\tboot_id     INTEGER NOT NULL,      -- envelope boot id (signed 64-bit in SQLite)\n"
	"\tseq         INTEGER NOT NULL,      -- envelope sequence number\n"
	"\tkind        INTEGER NOT NULL,      -- 1 = records, 2 = counters (env_kind)\n"
	"\treceived_us INTEGER NOT NULL,      -- aggd receive time, microseconds since the epoch\n"
	"\tnrecords    INTEGER NOT NULL,      -- records in the payload (0 for counters)\n"
	"\tpayload     BLOB    NOT NULL       -- the decrypted CBOR payload (common/record.h)\n"
	");\n"
	"\n"
	"-- aggd's per-node statistics: each row holds the increments since the previous\n"
	"-- row for that node (so rows add up); node '' is for rejects that name no known node.\n"
	"CREATE TABLE IF NOT EXISTS node_stats (\n"
	"\tid          INTEGER PRIMARY KEY,\n"
	"\tnode        TEXT    NOT NULL,\n"
	"\ttime_us     INTEGER NOT NULL,      -- end of the interval\n"
	"\tcounter     TEXT    NOT NULL,      -- datagrams, records, gaps, duplicates, reject_<reason>, staging_drops\n"
	"\tvalue       INTEGER NOT NULL       -- increment over the interval\n"
	");\n"
	"\n"
	"-- rows the rollup could not decode, moved aside (never retried automatically)\n"
	"CREATE TABLE IF NOT EXISTS quarantine (\n"
	"\tid          INTEGER PRIMARY KEY,   -- the datagram's original id\n"
	"\tnode        TEXT    NOT NULL,\n"
	"\tboot_id     INTEGER NOT NULL,\n"
	"\tseq         INTEGER NOT NULL,\n"
	"\tkind        INTEGER NOT NULL,\n"
	"\treceived_us INTEGER NOT NULL,\n"
	"\tpayload     BLOB    NOT NULL,\n"
	"\terror       TEXT    NOT NULL,      -- why it did not decode\n"
	"\tmoved_us    INTEGER NOT NULL\n"
	");\n"
	"\n"
	"-- aggd's replay protection across its own restarts: the highest staged (boot id,\n"
	"-- sequence number) per node, updated in the transaction that stages the rows.\n"
	"-- Read by aggd at start only; the rollup neither reads nor prunes it.\n"
	"-- Boot ids and seqs are uint64 bit patterns (>= 2^63 read negative), compared unsigned.\n"
	"CREATE TABLE IF NOT EXISTS replay_state (\n"
	"\tnode        TEXT    PRIMARY KEY,\n"
	"\tboot_id     INTEGER NOT NULL,\n"
	"\tseq         INTEGER NOT NULL\n"
	");\n"
	"\n"
	"-- this file's place in a rotated set (common/stagefiles.h, docs/man/aggd.conf.5): one row,\n"
	"-- written by aggd in the file it rotates to, before the file gets its name; the base file\n"
	"-- has none. Ids continue across the set: the first ids of this file follow the last of the\n"
	"-- file before it. Closed files are unlinked whole by the rollup once it committed them.\n"
	"CREATE TABLE IF NOT EXISTS segment (\n"
	"\tseq             INTEGER NOT NULL,      -- N of BASE.NNNNNNNN\n"
	"\tdatagram_base   INTEGER NOT NULL,      -- the first datagram id this file gives\n"
	"\tnode_stats_base INTEGER NOT NULL,      -- the first node_stats id\n"
	"\trotate          INTEGER NOT NULL DEFAULT 1  -- 0: aggd stopped rotating, the rollup prunes rows here\n"
	");\n";

#define NAME_MAX_LEN 63
#define BACKOFF_MAX_MS 1000
#define ROTATE_RETRY_MS 10000      /* after a failed rotation, the next attempt */
#define ROW_OVERHEAD 48            /* bytes a row costs in the file beyond its name and payload, roughly */

/* A queued row; its node name and payload sit in the arena at off. */
struct qrow {
	size_t off;                /* arena offset of name bytes, payload follows */
	size_t len;                /* payload length */
	uint8_t name_len;
	uint8_t kind;
	unsigned nrecords;
	uint64_t boot_id;
	uint64_t seq;
	int64_t received_us;
	int64_t queued_ms;         /* monotonic time of stage_put, for the flush deadline */
};

struct stage {
	struct stage_conf conf;
	char *path;                /* owned copy of conf.path: the base file of the set */
	/*
	 * The file written now (database side: the writer thread, or the caller
	 * without it): the base file, or the newest of the set (common/stagefiles.h).
	 * Rows get explicit ids, next_dg and next_st, so ids keep growing
	 * across files whatever SQLite would pick in an empty one.
	 */
	char *cur;                 /* path, or path.NNNNNNNN (owned) */
	uint32_t seq;              /* its number, 0 for the base file */
	int64_t next_dg, next_st;  /* the ids of the next rows (known once ready) */
	uint64_t cur_bytes;        /* its size when opened plus what was committed to it since, roughly */
	uint64_t cur_rows;         /* rows committed to it since it was opened */
	int64_t cur_since_ms;      /* when it was opened or created (monotonic) */
	int64_t rotate_at;         /* no rotation attempt before this (monotonic ms; after a failure) */
	uint64_t w_rotations, w_rotate_failures; /* database side's counts, copied to ctr under mu */
	sqlite3 *db;               /* NULL after an I/O error until the next reopen */
	sqlite3_stmt *ins;         /* INSERT INTO datagram */
	sqlite3_stmt *state;       /* upsert replay_state from the rows of this transaction */
	sqlite3_stmt *stat;        /* INSERT INTO node_stats */
	int ready;                 /* schema applied and statements prepared */
	struct qrow *rows;         /* ring of conf.queue_rows */
	unsigned head;             /* index of the oldest row */
	unsigned count;            /* rows queued */
	uint8_t *arena;            /* conf.queue_bytes */
	size_t used;               /* bytes of queued rows (not counting wrap padding) */
	int64_t retry_at;          /* no commit attempt before this (monotonic ms) */
	unsigned backoff;          /* current back-off, ms; 0 when healthy */
	struct stage_counters ctr;
	char errmsg[256];          /* the last database error, for the caller */
	char werr[256];            /* the same, as the database side writes it (copied to errmsg under mu) */
	/*
	 * The writer thread (stage_start). The receive loop only copies rows
	 * into the ring (stage_put); the thread commits them. mu guards head,
	 * count, used, ctr, errmsg, retry_at, backoff, the pending stats and the
	 * flags; the thread alone touches db and its statements, and the rows
	 * [head, head + count) it is committing stay where they are until it
	 * advances head (stage_put only writes outside them).
	 */
	pthread_mutex_t mu;
	pthread_cond_t wake;       /* to the writer: rows or stats queued, stop */
	pthread_t thread;
	int threaded;              /* the writer thread runs */
	int stop;                  /* writer: finish (commit until drain_until) and exit */
	int64_t drain_until;       /* monotonic ms */
	struct pend_stat *pend;    /* node_stats rows waiting for the writer (merged by node, counter) */
	size_t npend, cappend;
	int64_t pend_time_us;      /* time_us of the newest stage_write_stats among them */
};

/* a node_stats increment waiting for the writer thread */
struct pend_stat {
	char node[NAME_MAX_LEN + 1];
	char counter[48];
	int64_t value;
};

const char *stage_schema(void) { return schema_sql; }

/*
 * No link games in the staging directory. Whoever else can write that
 * directory (a careless mode, a shared group) could plant staging.db, or its
 * -wal, -shm or -journal, as a symbolic link to a file aggd's user may write,
 * and aggd would write SQLite pages through it; a hard link does the same to
 * a file of aggd's own, a FIFO would stall it. So:
 *  - stage_new resolves the directory once (realpath: links above the file
 *    are the administrator's), so the path SQLite sees has no link but the
 *    last component;
 *  - before every open each of the four files is lstat'ed: a symbolic link is
 *    refused (-ELOOP), anything but a regular file with one link (-EPERM);
 *  - SQLITE_OPEN_NOFOLLOW makes SQLite refuse a link it would resolve itself;
 *  - and, for the race between the check and the open, every open() of
 *    SQLite's unix VFS in this process goes through safe_open: O_NOFOLLOW
 *    (a link swapped in after the check fails with ELOOP), O_NONBLOCK (a
 *    FIFO cannot block the open), then fstat: only a regular file with at
 *    most one link, or a directory opened read-only (SQLite's directory
 *    fsync), is handed to SQLite.
 * The link count cannot be checked race-free (the extra name can go between
 * open and fstat): against hard links swapped in at the right moment the
 * defence is the kernel's fs.protected_hardlinks (on by default), under which
 * nobody can link a file they could not write themselves.
 */
static int safe_open(const char *path, int flags, int mode)
{
	struct stat sb;
	int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK, mode);

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0)
		goto refuse;
	if (S_ISREG(sb.st_mode) && sb.st_nlink <= 1) {
		if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
			goto refuse;
		return fd;
	}
	if (S_ISDIR(sb.st_mode) && (flags & O_ACCMODE) == O_RDONLY && !(flags & O_CREAT))
		return fd;
	errno = S_ISREG(sb.st_mode) ? EMLINK : EPERM;
refuse:;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* install safe_open in SQLite's default (unix) VFS, once, before the first database is opened */
static int vfs_harden(void)
{
	static int done;
	sqlite3_vfs *vfs;

	if (done)
		return E_OK;
	if (sqlite3_initialize() != SQLITE_OK || !(vfs = sqlite3_vfs_find(NULL)) || vfs->iVersion < 3 ||
	    !vfs->xSetSystemCall || vfs->xSetSystemCall(vfs, "open", (sqlite3_syscall_ptr)safe_open) != SQLITE_OK)
		return -EIO;
	done = 1;
	return E_OK;
}

/* the four files SQLite may open for path: -ELOOP for a link, -EPERM for anything odd, else E_OK */
static int check_files(const char *path, char *msg, size_t cap)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 16];
	struct stat sb;

	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		if (lstat(p, &sb) < 0) {
			if (errno == ENOENT)
				continue;
			snprintf(msg, cap, "%.200s: %s", p, strerror(errno));
			return -EIO;
		}
		if (S_ISLNK(sb.st_mode)) {
			snprintf(msg, cap, "%.160s is a symbolic link: not followed (aggd opens no link in the staging directory)", p);
			return -ELOOP;
		}
		if (!S_ISREG(sb.st_mode) || sb.st_nlink > 1) {
			snprintf(msg, cap, "%.200s is %s: refused", p, S_ISREG(sb.st_mode) ? "a file with other hard links" :
			    "not a regular file");
			return -EPERM;
		}
	}
	return E_OK;
}

int stage_check_paths(const char *path, char *msg, size_t cap)
{
	int rc = vfs_harden();
	if (rc != E_OK) {
		snprintf(msg, cap, "cannot install the no-link open in SQLite's VFS");
		return rc;
	}
	return check_files(path, msg, cap);
}

/* path with its directory resolved (the caller frees), or NULL with errno set */
static char *resolve_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
	char *real = dir ? realpath(dir, NULL) : NULL;
	char *out = NULL;

	if (real && *base && asprintf(&out, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base) < 0)
		out = NULL;
	if (!*base)
		errno = EISDIR;
	free(dir);
	free(real);
	return out;
}

/* map an SQLite result to a project code and remember its message */
static int db_fail(struct stage *st, int rc)
{
	snprintf(st->werr, sizeof st->werr, "%s (%s)",
	    st->db ? sqlite3_errmsg(st->db) : "no database", sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

static void db_close(struct stage *st)
{
	sqlite3_finalize(st->ins);
	sqlite3_finalize(st->state);
	sqlite3_finalize(st->stat);
	st->ins = st->state = st->stat = NULL;
	if (st->db)
		sqlite3_close_v2(st->db);
	st->db = NULL;
	st->ready = 0;
}

static int db_open(struct stage *st)
{
	int rc = check_files(st->cur, st->werr, sizeof st->werr);
	if (rc != E_OK)
		return rc;
	rc = sqlite3_open_v2(st->cur, &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		int e = db_fail(st, rc);
		db_close(st);
		return e == -EBUSY ? e : -EIO;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, (int)st->conf.busy_timeout_ms);
	return E_OK;
}

/* the set rotates: by size, by age or both */
static int rotating(const struct stage_conf *c)
{
	return c->rotate_bytes > 0 || c->rotate_seconds > 0;
}

/* one integer from sql on st->db (0 for no row / NULL); an SQLite code */
static int db_int(struct stage *st, const char *sql, int64_t *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	*v = 0;
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * The ids the next rows of the current file get: past its highest, and not
 * below the first ids its segment row gives (an empty file the set rotated
 * to). The rollup never deletes a file's highest row, so ids never go back.
 * Also marks whether the file is left behind by rotation or pruned by rows.
 */
static int next_ids(struct stage *st)
{
	int64_t dmax, smax, dbase = 1, sbase = 1;
	char sql[96];
	int rc = db_int(st, "SELECT MAX(id) FROM datagram", &dmax);
	if (rc == SQLITE_OK)
		rc = db_int(st, "SELECT MAX(id) FROM node_stats", &smax);
	if (rc == SQLITE_OK && st->seq) {
		if ((rc = db_int(st, "SELECT datagram_base FROM segment", &dbase)) == SQLITE_OK)
			rc = db_int(st, "SELECT node_stats_base FROM segment", &sbase);
		snprintf(sql, sizeof sql, "UPDATE segment SET rotate = %d WHERE rotate <> %d",
		    rotating(&st->conf), rotating(&st->conf));
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK)
		return rc;
	st->next_dg = dmax + 1 > dbase ? dmax + 1 : dbase;
	st->next_st = smax + 1 > sbase ? smax + 1 : sbase;
	return SQLITE_OK;
}

/* schema and statements; may fail with -EBUSY while another process holds the lock */
static int db_prepare(struct stage *st)
{
	static const char ins_sql[] =
	    "INSERT INTO datagram (node, boot_id, seq, kind, received_us, nrecords, payload, id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	/*
	 * Several (node, boot) groups may come from one transaction: keep the
	 * newest. Boot ids and sequence numbers are unsigned 64-bit values
	 * stored as their bit pattern in SQLite's signed INTEGER, so 2^63 and up
	 * read back negative: every comparison here is unsigned. a >u b is
	 * "same sign and a > b, or a negative (>= 2^63) and b not"; the largest
	 * unsigned seq of a group is its largest negative one if it has any.
	 * (A signed compare never saved a boot id >= 2^63 over a smaller one, so
	 * a restarted aggd accepted that boot's datagrams again.)
	 */
#define UGT(a, b) "(((" a " < 0) = (" b " < 0) AND " a " > " b ") OR (" a " < 0 AND " b " >= 0))"
	static const char state_sql[] =
	    "INSERT INTO replay_state (node, boot_id, seq) "
	    "SELECT node, boot_id, CASE WHEN min(seq) < 0 THEN max(CASE WHEN seq < 0 THEN seq END) ELSE max(seq) END "
	    "FROM datagram WHERE id >= ?1 GROUP BY node, boot_id "
	    "ON CONFLICT (node) DO UPDATE SET boot_id = excluded.boot_id, seq = excluded.seq "
	    "WHERE " UGT("excluded.boot_id", "replay_state.boot_id") " OR "
	    "(excluded.boot_id = replay_state.boot_id AND " UGT("excluded.seq", "replay_state.seq") ")";
#undef UGT
	static const char stat_sql[] =
	    "INSERT INTO node_stats (node, time_us, counter, value, id) VALUES (?1, ?2, ?3, ?4, ?5)";
	int rc;

	if (st->ready)
		return E_OK;
	if (!st->db && (rc = db_open(st)) != E_OK)
		return rc;
	/*
	 * A row is a ~1.3 KB datagram: 16 KB pages cut the staging CPU per row
	 * by about a third against 4 KB (tests/tools/dnsa-sender -B). Only takes
	 * effect when the file is created (before WAL mode is set).
	 */
	rc = sqlite3_exec(st->db, "PRAGMA page_size = 16384", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, schema_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864;",
		    NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(st->db, ins_sql, -1, SQLITE_PREPARE_PERSISTENT, &st->ins, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(st->db, state_sql, -1, SQLITE_PREPARE_PERSISTENT, &st->state, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(st->db, stat_sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stat, NULL);
	if (rc == SQLITE_OK)
		rc = next_ids(st);
	if (rc != SQLITE_OK) {
		int e = db_fail(st, rc);
		sqlite3_finalize(st->ins);
		sqlite3_finalize(st->state);
		sqlite3_finalize(st->stat);
		st->ins = st->state = st->stat = NULL;
		return e;
	}
	st->ready = 1;
	return E_OK;
}

static void set_ctr_locked(struct stage *st);

/* path.NNNNNNNN.tmp and the files SQLite may have made beside it: what a rotation cut short left */
static void unlink_tmp(const char *tmp)
{
	static const char *const suffix[] = { "", "-journal", "-wal", "-shm" };
	char p[PATH_MAX + 16];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", tmp, suffix[i]);
		unlink(p);
	}
}

/* one integer from a file opened read-only for the question; rc: an SQLite code */
static int64_t peek_int(const char *path, const char *sql, int *rc)
{
	sqlite3 *db = NULL;
	int64_t v = 0;
	*rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL);
	if (*rc == SQLITE_OK) {
		struct stage tmp = { .db = db };
		*rc = db_int(&tmp, sql, &v);
	}
	sqlite3_close(db);
	return v;
}

/*
 * The newest numbered file must be one aggd made: a staging database with
 * a segment row whose first ids follow on the file before it. An
 * operator's junk or a copy of an older file named past the real one would
 * otherwise be written with ids the rollup has already passed (lost), and
 * make the real file look closed to the rollup. E_OK or E_MALFORMED (msg).
 */
static int check_newest(const char *base, const struct stagefile *v, size_t n, char *msg, size_t cap)
{
	char newest[PATH_MAX], prev[PATH_MAX];
	int rc, prc = SQLITE_ERROR;
	if (!n || stagefiles_name(base, v[n - 1].seq, newest, sizeof newest) != E_OK)
		return E_OK;
	int64_t dbase = peek_int(newest, "SELECT datagram_base FROM segment", &rc);
	int64_t sbase = rc == SQLITE_OK ? peek_int(newest, "SELECT node_stats_base FROM segment", &rc) : 0;
	if (rc != SQLITE_OK || dbase <= 0 || sbase <= 0) {
		snprintf(msg, cap, "%.300s is not a staging file aggd made (no segment row): move it away", newest);
		return E_MALFORMED;
	}
	/* against the last readable numbered file before it (junk between is the rollup's to set aside) */
	int64_t dmax = 0, smax = 0;
	for (size_t i = n - 1; i-- > 0 && prc != SQLITE_OK;) {
		if (stagefiles_name(base, v[i].seq, prev, sizeof prev) != E_OK)
			continue;
		dmax = peek_int(prev, "SELECT MAX(id) FROM datagram", &prc);
		if (prc == SQLITE_OK)
			smax = peek_int(prev, "SELECT MAX(id) FROM node_stats", &prc);
	}
	if (prc == SQLITE_OK && (dbase <= dmax || sbase <= smax)) {
		snprintf(msg, cap, "%.300s: its ids begin inside those of the file before it (a copy?): move it away",
		    newest);
		return E_MALFORMED;
	}
	return E_OK;
}

/*
 * The file to write: the newest of the set (aggd never writes an older one:
 * the rollup unlinks those), else the base file. A rotation cut short by a
 * crash left at most the next file's .tmp: removed.
 */
static int pick_current(struct stage *st)
{
	struct stagefile *v;
	size_t n;
	char name[PATH_MAX], tmp[PATH_MAX + 8];
	int rc = stagefiles_list(st->path, &v, &n, NULL);
	if (rc != E_OK)
		return rc;
	st->seq = n ? v[n - 1].seq : 0;
	rc = check_newest(st->path, v, n, st->werr, sizeof st->werr);
	free(v);
	if (rc != E_OK)
		return rc;
	if (st->seq && stagefiles_name(st->path, st->seq, name, sizeof name) != E_OK)
		return E_TOOBIG;
	if (!(st->cur = strdup(st->seq ? name : st->path)))
		return E_NOMEM;
	if (st->seq < STAGEFILES_MAX_SEQ && stagefiles_name(st->path, st->seq + 1, name, sizeof name) == E_OK &&
	    snprintf(tmp, sizeof tmp, "%s.tmp", name) < (int)sizeof tmp)
		unlink_tmp(tmp);
	st->cur_bytes = stagefiles_bytes(st->cur);
	st->cur_since_ms = clock_mono_ms();
	return E_OK;
}

int stage_new(const struct stage_conf *c, struct stage **out)
{
	struct stage *st;
	int rc;

	*out = NULL;
	if (!c || !c->path || !c->path[0] || c->batch_rows == 0 || c->queue_rows == 0 ||
	    c->queue_bytes < 1024)
		return E_INVAL;
	if (!(st = calloc(1, sizeof *st)))
		return E_NOMEM;
	st->conf = *c;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->wake, NULL);
	st->rows = calloc(c->queue_rows, sizeof *st->rows);
	st->arena = malloc(c->queue_bytes);
	if (!st->rows || !st->arena) {
		stage_free(st);
		return E_NOMEM;
	}
	if ((rc = vfs_harden()) != E_OK || !(st->path = resolve_dir(c->path))) {
		rc = rc != E_OK ? rc : errno == ENOMEM ? E_NOMEM : -EIO;
		stage_free(st);
		return rc;
	}
	st->conf.path = st->path;
	if ((rc = pick_current(st)) != E_OK) {
		stage_free(st);
		return rc;
	}
	if ((rc = db_open(st)) != E_OK) {
		stage_free(st);
		return rc;
	}
	/* a locked database is not fatal: the schema waits for the first flush */
	rc = db_prepare(st);
	memcpy(st->errmsg, st->werr, sizeof st->errmsg);
	if (rc != E_OK && rc != -EBUSY) {
		stage_free(st);
		return rc;
	}
	set_ctr_locked(st);
	*out = st;
	return E_OK;
}

static void writer_stop(struct stage *st, int64_t drain_until)
{
	if (!st->threaded)
		return;
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	st->drain_until = drain_until;
	pthread_cond_signal(&st->wake);
	pthread_mutex_unlock(&st->mu);
	pthread_join(st->thread, NULL);
	st->threaded = 0;
	st->stop = 0;
}

void stage_free(struct stage *st)
{
	if (!st)
		return;
	writer_stop(st, 0);
	db_close(st);
	free(st->path);
	free(st->cur);
	free(st->rows);
	free(st->arena);
	free(st->pend);
	pthread_cond_destroy(&st->wake);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

/* where a block of need bytes can go in the arena, or -1 if it does not fit now */
static long arena_place(const struct stage *st, size_t need)
{
	size_t cap = st->conf.queue_bytes;
	if (st->count == 0)
		return need <= cap ? 0 : -1;
	const struct qrow *first = &st->rows[st->head];
	const struct qrow *last = &st->rows[(st->head + st->count - 1) % st->conf.queue_rows];
	size_t end = last->off + last->name_len + last->len;
	if (last->off >= first->off) {
		/* used region is [first, end): free space at the end, then before first */
		if (end + need <= cap)
			return (long)end;
		if (need <= first->off)
			return 0;
		return -1;
	}
	/* wrapped: free space is [end, first) */
	return end + need <= first->off ? (long)end : -1;
}

int stage_put(struct stage *st, const struct stage_row *row, int64_t now_ms)
{
	size_t name_len = strlen(row->node);
	long off;

	if (name_len == 0 || name_len > NAME_MAX_LEN || name_len + row->len > st->conf.queue_bytes)
		return E_INVAL;
	/* uncontended most of the time: the writer holds mu only to take or retire a batch */
	pthread_mutex_lock(&st->mu);
	if (st->count == st->conf.queue_rows || (off = arena_place(st, name_len + row->len)) < 0) {
		st->ctr.dropped++;
		pthread_mutex_unlock(&st->mu);
		return E_SPACE;
	}
	struct qrow *q = &st->rows[(st->head + st->count) % st->conf.queue_rows];
	q->off = (size_t)off;
	q->len = row->len;
	q->name_len = (uint8_t)name_len;
	q->kind = (uint8_t)row->kind;
	q->nrecords = row->nrecords;
	q->boot_id = row->boot_id;
	q->seq = row->seq;
	q->received_us = row->received_us;
	q->queued_ms = now_ms;
	memcpy(st->arena + off, row->node, name_len);
	memcpy(st->arena + off + name_len, row->payload, row->len);
	st->count++;
	st->used += name_len + row->len;
	st->ctr.queued++;
	/* wake the writer only when it may be waiting for this: the first row, or a full batch */
	if (st->threaded && (st->count == 1 || st->count == st->conf.batch_rows))
		pthread_cond_signal(&st->wake);
	pthread_mutex_unlock(&st->mu);
	return E_OK;
}

/* mu held: ms until the next commit attempt (0 = now), -1 when the queue is empty; age ignored when draining */
static int64_t due_locked(const struct stage *st, int64_t now_ms, int draining)
{
	if (st->count == 0)
		return -1;
	int64_t due = st->count >= st->conf.batch_rows || draining ? now_ms
	    : st->rows[st->head].queued_ms + st->conf.flush_ms;
	if (due < st->retry_at)
		due = st->retry_at;
	return due <= now_ms ? 0 : due - now_ms;
}

int64_t stage_due(const struct stage *st, int64_t now_ms)
{
	if (st->threaded)
		return -1;
	return due_locked(st, now_ms, 0);
}

/* database side (no mu): undo a failed transaction; the project code of rc */
static int tx_undo(struct stage *st, int rc)
{
	int e = db_fail(st, rc);
	if (st->ins)
		sqlite3_reset(st->ins);
	if (st->state)
		sqlite3_reset(st->state);
	if (st->stat)
		sqlite3_reset(st->stat);
	if (st->db && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return e;
}

/* mu held: what the database side did to the set, for stage_counters */
static void set_ctr_locked(struct stage *st)
{
	st->ctr.rotations = st->w_rotations;
	st->ctr.rotate_failures = st->w_rotate_failures;
	st->ctr.file_seq = st->seq;
	st->ctr.file_bytes = st->cur_bytes;
}

/* mu held: count a failed attempt e and back off */
static void failed_locked(struct stage *st, int e, int reopened, int64_t now_ms)
{
	memcpy(st->errmsg, st->werr, sizeof st->errmsg);
	set_ctr_locked(st);
	st->ctr.reopens += (unsigned)reopened;
	st->ctr.failures++;
	st->backoff = st->backoff ? st->backoff * 2 : (st->conf.retry_ms ? st->conf.retry_ms : 50);
	if (st->backoff > BACKOFF_MAX_MS)
		st->backoff = BACKOFF_MAX_MS;
	st->retry_at = now_ms + st->backoff;
	(void)e;
}

/*
 * A new file of the set with its schema; with a segment row (the first ids
 * it gives) and the replay state copied from the current file when seq > 0.
 * Closed again (its WAL checkpointed and removed), so it can be renamed.
 */
static int make_file(struct stage *st, const char *path, uint32_t seq)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int rc;

	if ((rc = check_files(path, st->werr, sizeof st->werr)) != E_OK)
		return rc;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA page_size = 16384", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK && seq) {
		char sql[160];
		snprintf(sql, sizeof sql, "BEGIN; INSERT INTO segment (seq, datagram_base, node_stats_base, rotate)"
		    " VALUES (%u, %lld, %lld, 1)", (unsigned)seq, (long long)st->next_dg, (long long)st->next_st);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_prepare_v2(st->db, "SELECT node, boot_id, seq FROM replay_state", -1, &sel, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_prepare_v2(db, "INSERT INTO replay_state (node, boot_id, seq) VALUES (?1, ?2, ?3)",
			    -1, &ins, NULL);
		while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
			sqlite3_bind_value(ins, 1, sqlite3_column_value(sel, 0));
			sqlite3_bind_int64(ins, 2, sqlite3_column_int64(sel, 1));
			sqlite3_bind_int64(ins, 3, sqlite3_column_int64(sel, 2));
			rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
			sqlite3_reset(ins);
		}
		if (rc == SQLITE_DONE)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK)
		snprintf(st->werr, sizeof st->werr, "%.200s: %s (%s)", path, db ? sqlite3_errmsg(db) : "cannot open",
		    sqlite3_errstr(rc));
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	if (sqlite3_close(db) != SQLITE_OK && rc == SQLITE_OK)
		rc = SQLITE_IOERR;
	if (rc == SQLITE_OK)
		return E_OK;
	return (rc & 0xff) == SQLITE_FULL ? -ENOSPC : (rc & 0xff) == SQLITE_BUSY ? -EBUSY : -EIO;
}

/* the directory entry of a rename made durable */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%.*s", slash ? (slash == path ? 1 : (int)(slash - path)) : 1, slash ? path : ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * database side: switch to the next file of the set. It is made complete
 * under a .tmp name (schema, first ids, replay state) and renamed into
 * place; from then on the old file is closed for good, which is what lets
 * the rollup unlink it. A crash before the rename leaves the .tmp (removed
 * at the next start) and aggd on the old file; after it, on the new one.
 */
static int rotate(struct stage *st, int64_t now_ms)
{
	char next[PATH_MAX], tmp[PATH_MAX + 8];
	uint32_t seq = st->seq + 1;
	int rc;

	if (st->seq >= STAGEFILES_MAX_SEQ || stagefiles_name(st->path, seq, next, sizeof next) != E_OK ||
	    snprintf(tmp, sizeof tmp, "%s.tmp", next) >= (int)sizeof tmp) {
		snprintf(st->werr, sizeof st->werr, "rotation: file number %u or name too long", (unsigned)seq);
		return E_TOOBIG;
	}
	/* the rollup keeps its quarantine in the base file: it must exist (an operator may have removed it) */
	if (access(st->path, F_OK) != 0 && (rc = make_file(st, st->path, 0)) != E_OK)
		return rc;
	char *cur = strdup(next);
	if (!cur)
		return E_NOMEM;
	unlink_tmp(tmp);
	if ((rc = make_file(st, tmp, seq)) != E_OK) {
		unlink_tmp(tmp);
		free(cur);
		return rc;
	}
	if (st->conf.hook)
		st->conf.hook("rotate_made", st->conf.hook_arg);
	if (rename(tmp, next) != 0) {
		rc = -errno;
		snprintf(st->werr, sizeof st->werr, "rotation: rename %.200s: %s", tmp, strerror(errno));
		unlink_tmp(tmp);
		free(cur);
		return rc;
	}
	sync_dir(next);
	if (st->conf.hook)
		st->conf.hook("rotate_renamed", st->conf.hook_arg);
	db_close(st);
	free(st->cur);
	st->cur = cur;
	st->seq = seq;
	st->cur_bytes = 0;   /* rows only: the empty schema's pages are not what the bound is about */
	st->cur_rows = 0;
	st->cur_since_ms = now_ms;
	st->w_rotations++;
	return db_prepare(st);
}

/*
 * database side: rotate when the current file is big or old enough and has
 * rows (the base file too: an upgraded deployment's rows there are pruned
 * by rows once, then it keeps only the quarantine)
 */
static void maybe_rotate(struct stage *st, int64_t now_ms)
{
	const struct stage_conf *c = &st->conf;
	if (!rotating(c) || now_ms < st->rotate_at)
		return;
	if (!(st->cur_rows > 0 && ((c->rotate_bytes && st->cur_bytes >= c->rotate_bytes) ||
	    (c->rotate_seconds && now_ms - st->cur_since_ms >= (int64_t)c->rotate_seconds * 1000))))
		return;
	if (db_prepare(st) != E_OK)
		return;   /* the commit that follows reports it */
	int rc = rotate(st, now_ms);
	if (rc != E_OK && rc != -EBUSY) {
		st->w_rotate_failures++;
		st->rotate_at = now_ms + ROTATE_RETRY_MS;
	}
}

/* database side (no mu): one transaction of the n rows from ring index h on. E_OK or the error */
static int commit_rows(struct stage *st, unsigned h, unsigned n, int *reopened, int64_t now_ms)
{
	sqlite3_int64 first_id = 0;
	uint64_t bytes = 0;
	int rc, e;

	*reopened = 0;
	maybe_rotate(st, now_ms);
	if ((e = db_prepare(st)) != E_OK)
		return e;
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (unsigned i = 0; rc == SQLITE_OK && i < n; i++) {
		const struct qrow *q = &st->rows[(h + i) % st->conf.queue_rows];
		const uint8_t *p = st->arena + q->off;
		sqlite3_bind_text(st->ins, 1, (const char *)p, q->name_len, SQLITE_STATIC);
		sqlite3_bind_int64(st->ins, 2, (sqlite3_int64)q->boot_id);
		sqlite3_bind_int64(st->ins, 3, (sqlite3_int64)q->seq);
		sqlite3_bind_int(st->ins, 4, q->kind);
		sqlite3_bind_int64(st->ins, 5, q->received_us);
		sqlite3_bind_int64(st->ins, 6, q->nrecords);
		sqlite3_bind_blob(st->ins, 7, p + q->name_len, (int)q->len, SQLITE_STATIC);
		sqlite3_bind_int64(st->ins, 8, st->next_dg + i);
		rc = sqlite3_step(st->ins);
		if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
		sqlite3_reset(st->ins);
		if (i == 0)
			first_id = sqlite3_last_insert_rowid(st->db);
		bytes += q->name_len + q->len + ROW_OVERHEAD;
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st->state, 1, first_id);
		rc = sqlite3_step(st->state);
		if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
			sqlite3_reset(st->state);
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		st->next_dg += n;
		st->cur_rows += n;
		st->cur_bytes += bytes;
		return E_OK;
	}
	e = tx_undo(st, rc);
	/* other errors than busy/full may come from a broken file handle: start afresh */
	if (e == -EIO) {
		db_close(st);
		*reopened = 1;
	}
	return e;
}

/*
 * mu held (released while SQLite works): commit up to batch_rows rows.
 * The rows committed, 0 (nothing, or in the back-off), or the error.
 */
static int flush_locked(struct stage *st, int64_t now_ms)
{
	unsigned n = st->count < st->conf.batch_rows ? st->count : st->conf.batch_rows;
	int reopened;

	if (n == 0 || now_ms < st->retry_at)
		return 0;
	unsigned h = st->head;
	pthread_mutex_unlock(&st->mu);
	int e = commit_rows(st, h, n, &reopened, now_ms);
	pthread_mutex_lock(&st->mu);
	if (e != E_OK) {
		failed_locked(st, e, reopened, now_ms);
		return e;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct qrow *q = &st->rows[st->head];
		st->used -= q->name_len + q->len;
		st->head = (st->head + 1) % st->conf.queue_rows;
	}
	st->count -= n;
	/* empty: start from the front again, so the row index only ever touches the pages
	 * the largest backlog needed (otherwise head walks all queue_rows and RSS creeps) */
	if (st->count == 0)
		st->head = 0;
	st->ctr.committed += n;
	st->ctr.commits++;
	set_ctr_locked(st);
	st->backoff = 0;
	st->retry_at = 0;
	return (int)n;
}

int stage_flush(struct stage *st, int64_t now_ms)
{
	if (st->threaded)
		return 0;
	pthread_mutex_lock(&st->mu);
	int rc = flush_locked(st, now_ms);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

static int write_stats_now(struct stage *st, int64_t time_us, const struct pend_stat *rows, size_t n, int *reopened,
    int64_t now_ms);
static void pend_add(struct stage *st, const char *node, const char *counter, int64_t value);

/* mu held (released while SQLite works): write the pending node_stats rows; on failure they stay pending */
static void stats_locked(struct stage *st, int64_t now_ms)
{
	struct pend_stat *rows = st->pend;
	size_t n = st->npend;
	int64_t t = st->pend_time_us;
	int reopened;

	st->pend = NULL;
	st->npend = st->cappend = 0;
	pthread_mutex_unlock(&st->mu);
	int e = write_stats_now(st, t, rows, n, &reopened, now_ms);
	pthread_mutex_lock(&st->mu);
	if (e != E_OK) {
		failed_locked(st, e, reopened, now_ms);
		/* put them back in front of what came meanwhile (merged: rows add up) */
		for (size_t i = 0; i < n; i++)
			pend_add(st, rows[i].node, rows[i].counter, rows[i].value);
		if (t > st->pend_time_us)
			st->pend_time_us = t;
	} else {
		set_ctr_locked(st);
		st->backoff = 0;
		st->retry_at = 0;
	}
	free(rows);
}

static void *writer_main(void *arg)
{
	struct stage *st = arg;

	pthread_mutex_lock(&st->mu);
	for (;;) {
		int64_t now = clock_mono_ms();
		if (st->stop && ((st->count == 0 && st->npend == 0) || now >= st->drain_until))
			break;
		if (st->npend && now >= st->retry_at) {
			stats_locked(st, now);
			continue;
		}
		int64_t wait = due_locked(st, now, st->stop);
		if (wait == 0) {
			flush_locked(st, now);
			continue;
		}
		if (st->npend && (wait < 0 || st->retry_at - now < wait))
			wait = st->retry_at - now;
		if (st->stop && (wait < 0 || st->drain_until - now < wait))
			wait = st->drain_until - now;
		if (wait < 0) {
			pthread_cond_wait(&st->wake, &st->mu);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (wait % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&st->wake, &st->mu, &ts);
		}
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

int stage_start(struct stage *st)
{
	pthread_condattr_t ca;
	int rc;

	if (!st || st->threaded)
		return E_INVAL;
	/* the writer's timed waits run on the monotonic clock, like every deadline here */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&st->wake);
	pthread_cond_init(&st->wake, &ca);
	pthread_condattr_destroy(&ca);
	st->stop = 0;
	st->threaded = 1;
	if ((rc = pthread_create(&st->thread, NULL, writer_main, st)) != 0) {
		st->threaded = 0;
		return -rc;
	}
	return E_OK;
}

unsigned stage_drain(struct stage *st, int64_t timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	if (st->threaded) {
		writer_stop(st, deadline);
		return st->count;
	}
	while (st->count > 0) {
		int64_t now = clock_mono_ms();
		if (now >= deadline)
			break;
		if (now < st->retry_at) {
			nanosleep(&pause, NULL);
			continue;
		}
		stage_flush(st, now);
	}
	return st->count;
}

/* database side (no mu): the rows in one transaction */
static int write_stats_now(struct stage *st, int64_t time_us, const struct pend_stat *rows, size_t n, int *reopened,
    int64_t now_ms)
{
	int rc, e;

	*reopened = 0;
	if (n == 0)
		return E_OK;
	maybe_rotate(st, now_ms);
	if ((e = db_prepare(st)) != E_OK)
		return e;
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_bind_text(st->stat, 1, rows[i].node, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st->stat, 2, time_us);
		sqlite3_bind_text(st->stat, 3, rows[i].counter, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st->stat, 4, rows[i].value);
		sqlite3_bind_int64(st->stat, 5, st->next_st + (int64_t)i);
		rc = sqlite3_step(st->stat);
		if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
		sqlite3_reset(st->stat);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		st->next_st += (int64_t)n;
		st->cur_rows += n;
		return E_OK;
	}
	e = tx_undo(st, rc);
	if (e == -EIO) {
		db_close(st);
		*reopened = 1;
	}
	return e;
}

/* mu held: add an increment to the pending rows, merged with one for the same node and counter */
static void pend_add(struct stage *st, const char *node, const char *counter, int64_t value)
{
	for (size_t i = 0; i < st->npend; i++)
		if (strcmp(st->pend[i].node, node) == 0 && strcmp(st->pend[i].counter, counter) == 0) {
			st->pend[i].value += value;
			return;
		}
	if (st->npend == st->cappend) {
		size_t cap = st->cappend ? st->cappend * 2 : 64;
		struct pend_stat *v = realloc(st->pend, cap * sizeof *v);
		if (!v) {
			st->ctr.stats_lost++;
			return;
		}
		st->pend = v;
		st->cappend = cap;
	}
	struct pend_stat *p = &st->pend[st->npend++];
	snprintf(p->node, sizeof p->node, "%s", node);
	snprintf(p->counter, sizeof p->counter, "%s", counter);
	p->value = value;
}

int stage_write_stats(struct stage *st, int64_t time_us, const struct stage_stat *rows, size_t n)
{
	int rc = E_OK, reopened;

	if (n == 0)
		return E_OK;
	pthread_mutex_lock(&st->mu);
	/* the rows join what may still wait from a failed attempt (merged: node_stats rows add up) */
	for (size_t i = 0; i < n; i++)
		pend_add(st, rows[i].node, rows[i].counter, rows[i].value);
	st->pend_time_us = time_us;
	if (st->threaded) {
		pthread_cond_signal(&st->wake);
	} else {
		/* synchronous: one attempt now, outside the back-off */
		struct pend_stat *p = st->pend;
		size_t np = st->npend;
		st->pend = NULL;
		st->npend = st->cappend = 0;
		rc = write_stats_now(st, time_us, p, np, &reopened, clock_mono_ms());
		if (rc != E_OK)
			failed_locked(st, rc, reopened, clock_mono_ms());
		else
			set_ctr_locked(st);
		free(p);
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

int stage_load_state(struct stage *st, stage_state_fn fn, void *arg)
{
	sqlite3_stmt *s = NULL;
	int rc, n = 0;

	if ((rc = db_prepare(st)) != E_OK) {
		memcpy(st->errmsg, st->werr, sizeof st->errmsg);
		return rc;
	}
	rc = sqlite3_prepare_v2(st->db, "SELECT node, boot_id, seq FROM replay_state", -1, &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *node = (const char *)sqlite3_column_text(s, 0);
		if (node)
			fn(node, (uint64_t)sqlite3_column_int64(s, 1), (uint64_t)sqlite3_column_int64(s, 2), arg);
		n++;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		n = db_fail(st, rc);
	sqlite3_finalize(s);
	memcpy(st->errmsg, st->werr, sizeof st->errmsg);
	return n;
}

void stage_counters(const struct stage *st, struct stage_counters *out)
{
	pthread_mutex_t *mu = (pthread_mutex_t *)&st->mu; /* a snapshot locks, the stage stays logically const */
	pthread_mutex_lock(mu);
	*out = st->ctr;
	out->depth = st->count;
	out->depth_bytes = st->used;
	pthread_mutex_unlock(mu);
}

const char *stage_errmsg(const struct stage *st) { return st->errmsg; }

const char *stage_errmsg_copy(const struct stage *st, char *buf, size_t cap)
{
	pthread_mutex_t *mu = (pthread_mutex_t *)&st->mu;
	pthread_mutex_lock(mu);
	snprintf(buf, cap, "%s", st->errmsg);
	pthread_mutex_unlock(mu);
	return buf;
}

int stage_check_set(const char *path, char *msg, size_t cap)
{
	struct stagefile *v;
	size_t n;
	int rc = stagefiles_list(path, &v, &n, NULL);
	if (rc != E_OK) {
		snprintf(msg, cap, "listing the staging directory: %s", dnsa_strerror(rc));
		return rc;
	}
	rc = check_newest(path, v, n, msg, cap);
	free(v);
	return rc;
}

int stage_backlog(const struct stage *st, unsigned *files, uint64_t *bytes)
{
	struct stagefile *v;
	size_t n;
	int rc = stagefiles_list(st->path, &v, &n, NULL);
	*files = 0;
	*bytes = 0;
	if (rc != E_OK)
		return rc;
	*files = (unsigned)n + 1;
	*bytes = stagefiles_bytes(st->path);
	for (size_t i = 0; i < n; i++)
		*bytes += v[i].bytes;
	free(v);
	return E_OK;
}
