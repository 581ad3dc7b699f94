/* rollup/config.c: aggd-rollup's configuration table and the MariaDB credentials file. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/addr.h"
#include "common/errors.h"
#include "rollup/config.h"

#define OFF(f) offsetof(struct rollup_conf, f)
#define SZ(f) sizeof(((struct rollup_conf *)0)->f)


static int chk_credentials(const void *conf, const void *v, unsigned flags, char *why, size_t cap);

/* the staging database as a run opens it: read-write, with dnsa's tables (SQLite's message kept) */
static int chk_staging(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const char *path = v;
	struct stat st;
	if (!(flags & CONF_ENV) || !path[0])
		return 0;
	if (stat(path, &st) < 0) {
		snprintf(why, cap, "%.300s: %s (aggd creates it)", path, strerror(errno));
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, cap, "%.300s: not a regular file", path);
		return 1;
	}
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	/* as a run does: another rollup's prune or WAL checkpoint holds a lock for a moment */
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(db, (int)((const struct rollup_conf *)conf)->staging_busy_ms);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "SELECT 1 FROM datagram, node_stats, quarantine LIMIT 0", -1, &q, NULL);
	if (rc != SQLITE_OK)
		snprintf(why, cap, "%.300s: %s (SQLite; a dnsa staging database? see sql/staging.sql)", path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return rc != SQLITE_OK;
}

/* the lock file: opened read-write, created if missing */
static int chk_lock(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const char *path = v;
	char dir[PATH_MAX];
	if (!(flags & CONF_ENV) || !path[0])
		return 0;
	if (access(path, R_OK | W_OK) == 0)
		return 0;
	if (errno != ENOENT) {
		snprintf(why, cap, "%.300s: %s", path, strerror(errno));
		return 1;
	}
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (slash == path ? 1 : (int)(slash - path)) : 1, slash ? path : ".");
	if (access(dir, W_OK | X_OK) == 0)
		return 0;
	snprintf(why, cap, "%.300s cannot be created: directory %.300s: %s", path, dir, strerror(errno));
	return 1;
}

/* one mariadb.server: an absolute UNIX socket path or HOST:PORT */
static int chk_server(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const char *s = v;
	char host[256];
	uint16_t port;
	if (s[0] == '/' && strlen(s) < 1024)
		return 0;
	if (s[0] != '/' && addr_split_hostport(s, host, sizeof host, &port) == E_OK && port != 0)
		return 0;
	snprintf(why, cap, "'%.200s' is neither a socket path (/run/mysqld/mysqld.sock) nor host:port"
	    " (db1.example:3306, [2001:db8::1]:3306)", s);
	return 1;
}

const struct conf_opt config_opts[] = {
	{ "staging", CT_STR, 0, 0, "/var/lib/dnsa/staging.db", OFF(staging), SZ(staging), NULL,
	  "SQLite staging database written by aggd (read, quarantined into and pruned)", chk_staging },
	{ "aggregator", CT_STR, 1, 63, "aggd", OFF(aggregator), SZ(aggregator), NULL,
	  "name of this aggregator: its checkpoint in MariaDB (unique per staging database)", NULL },
	{ "lock_file", CT_STR, 0, 0, "/var/lib/dnsa/aggd-rollup.lock", OFF(lock_file), SZ(lock_file), NULL,
	  "file locked (flock) for the whole run; a second copy exits at once", chk_lock },
	{ "metrics_file", CT_STR, 0, 0, "", OFF(metrics_file), SZ(metrics_file), NULL,
	  "Prometheus textfile (node_exporter textfile collector) written after each run; empty: none", NULL },
	{ "staging_busy_ms", CT_INT, 0, 60000, "2000", OFF(staging_busy_ms), 0, NULL,
	  "how long to wait for aggd's SQLite write lock", NULL },
	{ "mariadb.socket", CT_STR, 0, 0, "/run/mysqld/mysqld.sock", OFF(db_socket), SZ(db_socket), NULL,
	  "MariaDB UNIX socket; empty to use host and port", NULL },
	{ "mariadb.host", CT_STR, 0, 0, "", OFF(db_host), SZ(db_host), NULL,
	  "MariaDB host (when socket is empty)", NULL },
	{ "mariadb.port", CT_INT, 0, 65535, "3306", OFF(db_port), 0, NULL, "MariaDB TCP port", NULL },
	{ "mariadb.server", CT_LIST, 0, 0, NULL, OFF(db_servers), 0, NULL,
	  "a MariaDB server, HOST:PORT or a socket path (repeatable: the nodes of a Galera cluster, tried"
	  " in order; a lost connection fails over to the next); replaces socket, host and port", chk_server },
	{ "mariadb.database", CT_STR, 1, 63, "dnsa", OFF(db_name), SZ(db_name), NULL,
	  "database holding the dnsa schema (tools/dnsa-migrate)", NULL },
	{ "mariadb.credentials", CT_STR, 1, 0, "/etc/dnsa/rollup.credentials", OFF(db_credentials),
	  SZ(db_credentials), NULL,
	  "file with 'user = ...' and 'password = ...'; refused unless mode 0600 or 0400", chk_credentials },
	{ "mariadb.timeout", CT_INT, 1, 3600, "60", OFF(db_timeout), 0, NULL,
	  "connect, read and write timeout, seconds", NULL },
	{ "batch_rows", CT_INT, 1, 100000000, "1000000", OFF(batch_rows), 0, NULL,
	  "staged datagrams per MariaDB transaction, at most", NULL },
	{ "batch_records", CT_INT, 1, 1000000000, "20000000", OFF(batch_records), 0, NULL,
	  "records per MariaDB transaction, at most; bigger batches write each hour/day row fewer times", NULL },
	{ "names_max", CT_INT, 1000, 100000000, "1000000", OFF(names_max), 0, NULL,
	  "distinct (zone, hour, name) counted per batch (bounds memory under random-name floods)", NULL },
	{ "zones_per_node", CT_INT, 1, 10000000, "10000", OFF(zones_per_node), 0, NULL,
	  "distinct zones counted per node and batch; records of further zones count under zone '#other'", NULL },
	{ "zones_per_run", CT_INT, 1, 10000000, "50000", OFF(zones_per_run), 0, NULL,
	  "distinct zones counted per batch, all nodes together; further ones count under '#other'", NULL },
	{ "asn_max", CT_INT, 1, 100000000, "100000", OFF(asn_max), 0, NULL,
	  "distinct AS numbers counted per batch; further ones count as ASN 'other'", NULL },
	{ "memory_mb", CT_INT, 16, 1048576, "512", OFF(memory_mb), 0, NULL,
	  "memory bound of a run's aggregate: a batch is committed early once it holds a third of this", NULL },
	{ "read_threads", CT_INT, 1, 2, "2", OFF(read_threads), 0, NULL,
	  "2: staged rows are decoded, checked and prepared on a thread of their own beside the aggregation;"
	  " 1: all on one thread (slower; the same totals)", NULL },
	{ "window.past_days", CT_INT, 1, 36500, "400", OFF(window_past_days), 0, NULL,
	  "datagrams with a time more than this many days before aggd received them are quarantined", NULL },
	{ "window.future_seconds", CT_INT, 0, 31536000, "3600", OFF(window_future_s), 0, NULL,
	  "datagrams with a time more than this many seconds after aggd received them are quarantined", NULL },
	{ "replay_days", CT_INT, 1, 36500, "8", OFF(replay_days), 0, NULL,
	  "days the set of rolled-up datagrams is kept (a copy staged by another aggregator within it counts once)", NULL },
	{ "upsert_rows", CT_INT, 1, 5000, "500", OFF(upsert_rows), 0, NULL,
	  "rows per multi-row INSERT statement", NULL },
	{ "prune_chunk", CT_INT, 1, 1000000, "5000", OFF(prune_chunk), 0, NULL,
	  "staged rows deleted per SQLite transaction (short, so aggd never waits long)", NULL },
	{ "top_n", CT_INT, 0, 100000, "100", OFF(top_n), 0, NULL,
	  "most-queried names kept per zone and hour", NULL },
	{ "retention.minute", CT_INT, 0, 36500, "14", OFF(keep_minute_days), 0, NULL,
	  "days of per-minute series kept (0 = forever)", NULL },
	{ "retention.hour", CT_INT, 0, 36500, "400", OFF(keep_hour_days), 0, NULL,
	  "days of per-hour series and top names kept (0 = forever)", NULL },
	{ "retention.day", CT_INT, 0, 36500, "0", OFF(keep_day_days), 0, NULL,
	  "days of per-day series kept (0 = forever)", NULL },
	CONF_END
};

#define COFF(f) offsetof(struct rollup_credentials, f)
static const struct conf_opt cred_opts[] = {
	{ "user", CT_STR, 1, 0, NULL, COFF(user), sizeof(((struct rollup_credentials *)0)->user), NULL,
	  "MariaDB account", NULL },
	{ "password", CT_STR, 0, 0, "", COFF(password), sizeof(((struct rollup_credentials *)0)->password),
	  NULL, "its password", NULL },
	CONF_END
};

int config_credentials(const struct rollup_conf *c, struct rollup_credentials *out,
    conf_err_fn err, void *arg)
{
	struct stat st;
	memset(out, 0, sizeof *out);
	if (stat(c->db_credentials, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077))
		return E_KEYPERM;
	if (conf_load(cred_opts, out, c->db_credentials, 0, err, arg))
		return E_CONFIG;
	if (!out->user[0])
		return E_CONFIG;
	return E_OK;
}

/* the first message of the credentials file's own parse, for chk_credentials */
static void first_msg(void *arg, const char *msg)
{
	char *buf = arg;
	if (!buf[0])
		snprintf(buf, 600, "%s", msg);
}

static int chk_credentials(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	struct rollup_conf c;
	struct rollup_credentials cred;
	char msg[600] = "";
	struct stat st;
	const char *path = v;
	if (!(flags & CONF_ENV))
		return 0;
	snprintf(c.db_credentials, sizeof c.db_credentials, "%s", path);
	int rc = config_credentials(&c, &cred, first_msg, msg);
	explicit_bzero(&cred, sizeof cred);
	if (rc == E_OK)
		return 0;
	if (rc == E_KEYPERM && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		snprintf(why, cap, "%.300s: not a regular file", path);
	else if (rc == E_KEYPERM)
		snprintf(why, cap, "%.300s: mode %04o: must be readable by its owner only (chmod 600 %.300s)", path,
		    (unsigned)(st.st_mode & 07777), path);
	else if (rc < 0 && rc > E_BASE)
		snprintf(why, cap, "%.300s: %s", path, strerror(-rc));
	else if (msg[0])
		snprintf(why, cap, "%.600s", msg);
	else
		snprintf(why, cap, "%.300s: no usable 'user ='", path);
	return 1;
}

int rollup_conf_load(struct rollup_conf *c, const char *path, unsigned flags, conf_err_fn err, void *arg)
{
	return conf_load(config_opts, c, path, flags, err, arg);
}

void rollup_conf_free(struct rollup_conf *c)
{
	conf_free(config_opts, c);
}
