/* aggd/stage.h: the SQLite staging writer: a bounded in-memory queue committed in batched WAL transactions. */
#ifndef DNSA_AGGD_STAGE_H
#define DNSA_AGGD_STAGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * aggd appends one row per accepted datagram to the `datagram` table of the
 * staging database (schema: sql/staging.sql, applied at open). Rows wait in a
 * bounded queue and are committed many per transaction, when `batch_rows`
 * are queued or the oldest has waited `flush_ms`, by a writer thread once
 * stage_start has run (aggd), else by the caller's stage_flush. A busy,
 * locked, full or failing database never blocks the caller (with the
 * thread; without it, for at most `busy_timeout_ms` per attempt) and never
 * loses a queued row: the transaction is rolled back, the rows stay queued
 * and are retried after a back-off. Only when the queue is full does
 * stage_put refuse a row (the caller counts the drop).
 *
 * Durability: WAL with synchronous=NORMAL, so a committed row survives the
 * death of the process (kill -9); a power loss may lose the last commits.
 *
 * With every committed batch the highest (boot id, sequence number) per node
 * is kept in `replay_state`, so a restarted aggd refuses replays of what it
 * already staged and counts the datagrams lost in between as gaps.
 *
 * Rotation (rotate_bytes or rotate_seconds set): `path` is the base file of a
 * set (common/stagefiles.h). aggd writes the newest file, path.NNNNNNNN, and
 * starts the next one when the current one is rotate_bytes big or
 * rotate_seconds old (and has rows; the age counts from when aggd opened or
 * made it). The rollup reads across the files and unlinks a closed
 * file once it committed all its rows, so nobody deletes rows one by one.
 * Ids are given by aggd, not SQLite, and keep growing across the files; the
 * new file gets the replay state before it gets its name. A rotation that
 * fails (disk full) is counted and retried 10 s later; the rows keep going
 * to the current file. Without rotation aggd writes the newest file of the
 * set too (the base file if there is none), and the rollup prunes its rows.
 */

struct stage_conf {
	const char *path;          /* database file; created if missing */
	unsigned batch_rows;       /* rows per transaction, at most (>= 1) */
	unsigned flush_ms;         /* commit when the oldest queued row is this old */
	unsigned busy_timeout_ms;  /* SQLite busy handler wait per attempt */
	unsigned retry_ms;         /* first back-off after a failed commit (doubles up to 1 s) */
	size_t queue_bytes;        /* node names + payloads held in the queue, at most */
	unsigned queue_rows;       /* rows held in the queue, at most */
	uint64_t rotate_bytes;     /* start the next file of the set at this size (0: not by size) */
	unsigned rotate_seconds;   /* ... or when the file is this old and has rows (0: not by age) */
	/* crash tests: called at "rotate_made" (the .tmp is complete) and "rotate_renamed" (it has its name) */
	void (*hook)(const char *point, void *arg);
	void *hook_arg;
};

/* One datagram to stage; the caller's memory, copied by stage_put. */
struct stage_row {
	const char *node;          /* node name (1..63 characters) */
	uint64_t boot_id;
	uint64_t seq;
	int kind;                  /* enum env_kind */
	int64_t received_us;       /* receive time, microseconds since the epoch */
	unsigned nrecords;         /* records in the payload (0 for counters) */
	const uint8_t *payload;    /* decrypted, validated CBOR payload */
	size_t len;
};

/* One node_stats row (an increment over the interval ending at time_us). */
struct stage_stat {
	const char *node;          /* "" for rejects naming no known node */
	const char *counter;       /* datagrams, records, gaps, duplicates, reject_<reason>, staging_drops */
	int64_t value;
};

/* Counters of the writer itself (cumulative since stage_new). */
struct stage_counters {
	uint64_t queued;           /* rows accepted by stage_put */
	uint64_t committed;        /* rows committed to the database */
	uint64_t dropped;          /* rows refused by stage_put (queue full) */
	uint64_t commits;          /* successful transactions */
	uint64_t failures;         /* failed transactions (rolled back, rows kept) */
	uint64_t reopens;          /* database connections re-opened after an I/O error */
	uint64_t stats_lost;       /* node_stats increments dropped (out of memory while they waited) */
	unsigned depth;            /* rows in the queue now */
	size_t depth_bytes;        /* bytes used in the queue now */
	uint64_t rotations;        /* files of the set started (rotation) */
	uint64_t rotate_failures;  /* rotations that failed (rows kept going to the current file) */
	uint32_t file_seq;         /* number of the file written now (0: the base file) */
	uint64_t file_bytes;       /* its size, roughly */
};

struct stage;

/*
 * stage_new: open (create) the database, enable WAL and apply the schema.
 * If the database is locked right now, the schema is applied at the first
 * flush instead. Returns E_OK with *out set, or with *out NULL: E_INVAL for a bad conf,
 * E_NOMEM, -EIO/-EACCES-like codes for a file that cannot be opened, -ELOOP
 * when the file or its -wal, -shm or -journal is a symbolic link, -EPERM when
 * one is not a regular file or has other hard links: aggd never writes
 * through a link it did not create; stage.c explains how, races included).
 * The same checks run on every re-open. Not thread-safe: the first call
 * installs an open() wrapper in SQLite's unix VFS for the whole process.
 */
int stage_new(const struct stage_conf *c, struct stage **out);

/*
 * stage_start: from now on a writer thread commits the queue, so the caller
 * (aggd's receive loop) never waits on SQLite: stage_put only copies a row
 * into the bounded queue (or counts it dropped when full) and signals the
 * thread at most once per batch; the thread commits when batch_rows are
 * queued or the oldest is flush_ms old, backs off on failures, and writes
 * node_stats. Afterwards stage_due returns -1 and stage_flush 0 (the thread
 * does both), stage_write_stats only queues, stage_drain stops the thread,
 * and the error message is read with stage_errmsg_copy. Call once, after
 * stage_load_state. E_OK, E_INVAL (NULL, already started), -errno.
 */
int stage_start(struct stage *st);

/* stage_free: stop the writer thread (no drain), close the database, free the queue. Accepts NULL. */
void stage_free(struct stage *st);

/*
 * stage_check_paths: what stage_new refuses before SQLite opens anything, for
 * the -n check: path, -wal, -shm or -journal as a symbolic link (-ELOOP), a
 * FIFO, device or file with other hard links (-EPERM); installs the no-link
 * open in SQLite's VFS for the rest of the process. E_OK, or a code and the
 * reason in msg.
 */
int stage_check_paths(const char *path, char *msg, size_t cap);

/*
 * stage_put: copy a row into the queue (now_ms: monotonic ms, for the age
 * that triggers a commit). E_OK, E_SPACE when the queue is full
 * (row dropped and counted in `dropped`), E_INVAL for a row that could never
 * fit (name too long, payload above queue_bytes). Does not allocate, no I/O,
 * no system call (an uncontended mutex; a futex wake once per batch).
 */
int stage_put(struct stage *st, const struct stage_row *row, int64_t now_ms);

/*
 * stage_due: ms until stage_flush should be called (0 = now), or -1 when the
 * queue is empty or the writer thread runs. now_ms: monotonic, milliseconds.
 */
int64_t stage_due(const struct stage *st, int64_t now_ms);

/*
 * stage_flush: commit up to batch_rows queued rows in one transaction.
 * Returns the rows committed (>= 0), or on failure -EBUSY (locked),
 * -ENOSPC (disk full), -EIO (other database error); the rows stay queued and
 * stage_due reports the back-off. Calling it during the back-off, or while
 * the writer thread runs, returns 0.
 */
int stage_flush(struct stage *st, int64_t now_ms);

/*
 * stage_drain: flush until the queue is empty or timeout_ms passed (used at
 * exit); with the writer thread, it commits what it can until then and
 * stops (later calls are synchronous again). Returns the rows left.
 */
unsigned stage_drain(struct stage *st, int64_t timeout_ms);

/*
 * stage_write_stats: node_stats rows stamped time_us. The stage takes the
 * increments in every case: they join those still waiting from a failed
 * attempt (merged per node and counter, so rows still add up) and are
 * written in one transaction, now (synchronous: E_OK, or an error as
 * stage_flush, and they wait for the next call) or by the writer thread
 * (E_OK: queued; retried after failures). The caller never resends them.
 */
int stage_write_stats(struct stage *st, int64_t time_us, const struct stage_stat *rows, size_t n);

/*
 * stage_load_state: call fn for each node's highest staged (boot id, seq),
 * from replay_state. Returns the number of nodes or an error code.
 */
typedef void (*stage_state_fn)(const char *node, uint64_t boot_id, uint64_t seq, void *arg);
int stage_load_state(struct stage *st, stage_state_fn fn, void *arg);

/* stage_counters: a snapshot of the writer's counters. Cannot fail. */
void stage_counters(const struct stage *st, struct stage_counters *out);

/* stage_errmsg: the last database error message ("" if none). Never NULL. Not while the writer thread runs. */
const char *stage_errmsg(const struct stage *st);

/* stage_errmsg_copy: the same into buf[0..cap), safe while the writer thread runs. Returns buf. */
const char *stage_errmsg_copy(const struct stage *st, char *buf, size_t cap);

/*
 * stage_check_set: what stage_new refuses of a rotated set: its newest file
 * not one aggd made (not a staging database, no segment row, or its ids
 * beginning inside the file before it: junk or a copy named past the real
 * one, which aggd would write with ids the rollup has passed). E_OK, or
 * E_MALFORMED (or -errno: the directory) and the reason in msg. For -n and
 * for the message at start-up.
 */
int stage_check_set(const char *path, char *msg, size_t cap);

/*
 * stage_backlog: the files of the set on disk (the base file included) and
 * their bytes with their -wal. Reads the directory: for the metrics, not the
 * hot path. E_OK, or E_NOMEM / -errno with 0s.
 */
int stage_backlog(const struct stage *st, unsigned *files, uint64_t *bytes);

/* stage_schema: the SQL applied at open (a copy of sql/staging.sql). Never NULL. */
const char *stage_schema(void);

#endif
