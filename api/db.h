/* api/db.h: MariaDB for dnsa-api: a small connection pool per account, prepared statements to JSON. */
#ifndef DNSA_API_DB_H
#define DNSA_API_DB_H

#include <jansson.h>
#include <stddef.h>

#include "api/api_conf.h"
#include "api/jbuf.h"

/* the most bytes of JSON one answer may take (beyond: DB_TOOMANY, as for too many rows) */
#define DB_JSON_MAX (64u << 20)

/*
 * Every request runs on a connection authenticated as the MariaDB account its
 * token maps to, so MariaDB's grants and the SQL SECURITY DEFINER views decide
 * what it may read, not this daemon. Connections are opened on demand, at most
 * pool_size per account, kept open for the next request, and dropped when
 * MariaDB reports a connection-level error (the next request reconnects, so
 * the daemon recovers by itself when MariaDB comes back).
 */
struct db;
struct dbconn;

/* what went wrong, for the HTTP status */
enum db_status {
	DB_OK = 0,
	DB_DENIED,       /* MariaDB refused the statement for this account (grant) -> 403 */
	DB_UNAVAILABLE,  /* cannot connect, server gone, timeout, pool exhausted -> 503 */
	DB_NOACCOUNT,    /* no credentials for the account (operator error) -> 503 */
	DB_TOOMANY,      /* more rows than allowed -> 400 (narrow the request) */
	DB_ERROR         /* anything else -> 500; details only in the log */
};

/* db_new: the pool (no connection yet). conf must outlive it. E_OK or E_NOMEM. */
int db_new(const struct api_conf *conf, struct db **out);
void db_free(struct db *db);

/*
 * db_get: a connection as `account`, waiting up to mariadb.timeout for a free
 * slot. Returns DB_OK and *out, or DB_UNAVAILABLE / DB_NOACCOUNT. Thread-safe.
 */
enum db_status db_get(struct db *db, const char *account, struct dbconn **out);
/* db_put: give the connection back (closed if a connection-level error was seen). */
void db_put(struct db *db, struct dbconn *c);

/*
 * db_rows: run one prepared statement with string parameters (NULL = SQL NULL)
 * and return its rows as a JSON array of objects (column name -> value; integer
 * columns as integers, DECIMAL/DOUBLE as reals, DATETIME as "YYYY-MM-DDTHH:MM:SSZ",
 * NULL as null, everything else as strings). More than max_rows rows is
 * DB_TOOMANY. The statement text is the caller's constant; values only ever
 * travel as parameters. On failure *rows is NULL and the MariaDB error is in
 * *errnum (0 if none) and logged by the caller, never sent to a client.
 */
enum db_status db_rows(struct dbconn *c, const char *sql, const char *const *params, size_t nparams,
    size_t max_rows, json_t **rows, unsigned *errnum);

/*
 * db_json: as db_rows, but the rows are appended to out as JSON text (the
 * same bytes json_dumps would give for db_rows' array), with no object per
 * row: the hot path. *nrows (may be NULL) gets the row count. On failure
 * out is left as it was, unless out->err is set (the answer outgrew out->cap:
 * DB_TOOMANY; no memory: DB_ERROR).
 */
enum db_status db_json(struct dbconn *c, const char *sql, const char *const *params, size_t nparams,
    size_t max_rows, struct jbuf *out, size_t *nrows, unsigned *errnum);

/*
 * db_exists: does sql (a constant, one parameter) return a row for param? The
 * answer is remembered on this connection (so for its account only) for ttl
 * seconds (0: not at all): a zone's visibility is asked once a second, not
 * once a request. Returns DB_OK and *yes, or a failure as db_rows.
 */
enum db_status db_exists(struct dbconn *c, const char *sql, const char *param, double ttl, int *yes,
    unsigned *errnum);

/* db_open_count: connections open now, all accounts together (for tests and metrics). */
size_t db_open_count(struct db *db);

#endif
