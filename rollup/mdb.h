/* rollup/mdb.h: a small MariaDB client layer: connect, prepared queries, multi-row additive upserts. */
#ifndef DNSA_ROLLUP_MDB_H
#define DNSA_ROLLUP_MDB_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every statement that carries a value is a prepared statement; mdb_exec
 * runs constant SQL only (START TRANSACTION, COMMIT, SET ...). Functions
 * return E_OK (or a count) or -EIO with mdb_errmsg()/mdb_errno() telling the
 * server's error (1213 deadlock and 1205 lock wait timeout mean: retry).
 */
struct mdb;

struct mdb_conf {
	const char *const *servers; /* nservers "/socket" or "HOST:PORT": tried in order (then socket/host/port unused) */
	size_t nservers;
	const char *socket;     /* UNIX socket path, or NULL/"" for host:port */
	const char *host;       /* NULL/"" = localhost */
	unsigned port;          /* 0 = default */
	const char *database;
	const char *user;
	const char *password;
	unsigned timeout_s;     /* connect, read and write timeouts */
};

/* a parameter or result value: t is 'i' (int64), 'u' (uint64 in i), 's' (s, len), 'n' (NULL result) */
struct mdb_val {
	char t;
	int64_t i;
	const char *s;
	size_t len;
};
#define MDB_I(v) ((struct mdb_val){ 'i', (int64_t)(v), NULL, 0 })
#define MDB_U(v) ((struct mdb_val){ 'u', (int64_t)(v), NULL, 0 })
#define MDB_S(str) ((struct mdb_val){ 's', 0, (str), 0 })  /* NUL-terminated; len computed */

/*
 * mdb_new: connect to the first configured server that answers and is
 * usable (a Galera node must be in the primary component); UTC session,
 * autocommit off, causal reads on Galera. The strings in c must outlive the
 * handle. Returns E_OK with *out set, or E_NOMEM / E_INVAL (a server that is
 * neither a socket path nor HOST:PORT) / -EIO (none answered) with *out NULL
 * and a one-line message in err.
 */
int mdb_new(const struct mdb_conf *c, struct mdb **out, char *err, size_t errlen);
void mdb_free(struct mdb *m);
const char *mdb_errmsg(const struct mdb *m);
unsigned mdb_errno(const struct mdb *m);

/*
 * mdb_failover: drop the connection (its open transaction is lost: the caller
 * redoes it) and connect to the next usable server of the list, wrapping
 * around, the current one last. Prepared statements are re-prepared on first
 * use. E_OK, or -EIO when none answers (the message names the last one).
 */
int mdb_failover(struct mdb *m);
/* mdb_lost: 1 if err_no means the connection or the node is gone (fail over), else 0 */
int mdb_lost(unsigned err_no);
unsigned mdb_servers(const struct mdb *m);                  /* servers configured (>= 1) */
uint64_t mdb_failovers(const struct mdb *m);                /* successful failovers so far */
/* mdb_server: the server connected (or last tried), as configured; returns buf */
const char *mdb_server(const struct mdb *m, char *buf, size_t cap);

int mdb_exec(struct mdb *m, const char *sql);
int mdb_commit(struct mdb *m);
int mdb_rollback(struct mdb *m);

/*
 * mdb_query: run `sql` (a string constant: statements are cached by its
 * address) with np parameters. If rtypes is non-NULL, each result row is
 * passed to fn with one value per character of rtypes ('i', 'u' or 's';
 * strings up to 1023 bytes, binary-safe: len is set). fn returns 0 to go on. Returns E_OK or -EIO and
 * sets *affected (if non-NULL) for DML.
 */
typedef int (*mdb_row_fn)(const struct mdb_val *cols, unsigned n, void *arg);
int mdb_query(struct mdb *m, const char *sql, const struct mdb_val *params, unsigned np,
    const char *rtypes, mdb_row_fn fn, void *arg, uint64_t *affected);

/*
 * Multi-row upsert: INSERT INTO table (cols) VALUES (...),(...) ON DUPLICATE
 * KEY UPDATE on_dup, `rows_per_stmt` rows per execution. types has one
 * character per column: 'i' int64, 'u' uint64, 's' string (<= 255 bytes,
 * longer is truncated), 't' seconds since the epoch written as
 * FROM_UNIXTIME(?) (a DATETIME in the UTC session). Rows are buffered and
 * sent when the buffer is full or on mdb_upsert_flush.
 */
struct mdb_upsert;
int mdb_upsert_new(struct mdb *m, const char *table, const char *cols, const char *types, const char *on_dup,
    unsigned rows_per_stmt, struct mdb_upsert **out);
void mdb_upsert_free(struct mdb_upsert *u);
int mdb_upsert_add(struct mdb_upsert *u, const struct mdb_val *vals);
int mdb_upsert_flush(struct mdb_upsert *u);
/* mdb_upsert_discard: drop buffered rows (after a rollback). Cannot fail. */
void mdb_upsert_discard(struct mdb_upsert *u);
uint64_t mdb_upsert_rows(const struct mdb_upsert *u);     /* rows sent so far */
uint64_t mdb_upsert_stmts(const struct mdb_upsert *u);    /* statements executed so far */

/*
 * mdb_data_error: 1 if the server error is about the data of a statement
 * (a value out of range or too long, a NULL or bad datetime, a CHECK
 * constraint, a trigger's SIGNAL, a foreign key, no partition for a value),
 * so the same statement without the offending row would pass; 0 for
 * everything else (connection, locks, disk, privileges, syntax).
 */
int mdb_data_error(unsigned err_no);

/* MDB_SAT_ADD(col): "col + VALUES(col)" saturating at 2^64-1 instead of failing with error 1690 */
#define MDB_SAT_ADD(col) col " = IF(" col " > 18446744073709551615 - VALUES(" col "), 18446744073709551615, " \
	col " + VALUES(" col "))"

#endif
