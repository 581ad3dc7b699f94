/* aggd/aggd_conf.c: aggd's configuration: the option table, defaults and checks. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "aggd/aggd_conf.h"
#include "aggd/receiver.h"
#include "aggd/stage.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/keys.h"
#include "common/privdrop.h"

#define OFF(f) offsetof(struct aggd_conf, f)
#define SZ(f) sizeof(((struct aggd_conf *)0)->f)


static int chk_listen(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (receiver_parse_addr(v, &ss, &sl) == E_OK)
		return 0;
	snprintf(why, cap, "'%.200s' is not addr:port, [v6addr]:port, *:port", (const char *)v);
	return 1;
}

static int required(const char *v, char *why, size_t cap)
{
	if (v[0])
		return 0;
	snprintf(why, cap, "a file name is required");
	return 1;
}

/*
 * The keyring and the staging database are opened after aggd dropped
 * privileges: check them as the configured user would see them (the
 * filesystem ids switched while still root), so -n and start-up refuse
 * what aggd could not open later. A missing user is reported by its own
 * check; here it only means nothing to switch.
 */
static int as_user_begin(const struct aggd_conf *c, struct privdrop_fs *fs)
{
	return privdrop_fs_begin(c->user, c->group, fs) == E_OK;
}

static int chk_keyring(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const char *path = v;
	struct privdrop_fs fs;
	if (required(path, why, cap))
		return 1;
	if (!(flags & CONF_ENV) || !as_user_begin(conf, &fs))
		return 0;
	int bad = keys_check_keyring(path, why, cap);
	privdrop_fs_end(&fs);
	return bad;
}

/* the staging database: its directory writable (SQLite's -wal and -shm files), the file, if any, a database */
static int staging_usable(const char *path, const char *who, char *why, size_t cap)
{
	char dir[PATH_MAX], probe[PATH_MAX + 32];
	struct stat st;
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (slash == path ? 1 : (int)(slash - path)) : 1, slash ? path : ".");
	snprintf(probe, sizeof probe, "%s/.aggd-check-XXXXXX", dir);
	int fd = mkstemp(probe);
	if (fd < 0) {
		snprintf(why, cap, "directory %.300s is not writable by %s: %s (aggd creates the database and its"
		    " -wal and -shm files there)", dir, who, strerror(errno));
		return 1;
	}
	close(fd);
	unlink(probe);
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0; /* created at start */
		snprintf(why, cap, "%.300s: %s", path, strerror(errno));
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, cap, "%.300s: not a regular file", path);
		return 1;
	}
	/* no link and no FIFO reach SQLite, here as at start (a FIFO as -wal would hang the check) */
	char msg[400];
	if (stage_check_paths(path, msg, sizeof msg) != E_OK) {
		snprintf(why, cap, "%.300s: %s: refused, aggd follows no link in the staging directory (remove it, and"
		    " make the directory writable by aggd's user only)", path, msg);
		return 1;
	}
	/* a rotated set's newest file: one aggd made, as at start */
	if (stage_check_set(path, msg, sizeof msg) != E_OK) {
		snprintf(why, cap, "%.380s", msg);
		return 1;
	}
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		snprintf(why, cap, "%.300s: %s (SQLite)", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_close(db);
	return rc != SQLITE_OK;
}

static int chk_staging(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const struct aggd_conf *c = conf;
	const char *path = v;
	struct privdrop_fs fs;
	char who[96];
	if (required(path, why, cap))
		return 1;
	if (!(flags & CONF_ENV) || !as_user_begin(conf, &fs))
		return 0;
	if (fs.active)
		snprintf(who, sizeof who, "user '%s'", c->user);
	else
		snprintf(who, sizeof who, "uid %u", (unsigned)geteuid());
	int bad = staging_usable(path, who, why, cap);
	privdrop_fs_end(&fs);
	return bad;
}

/*
 * Rotation: 0 turns a trigger off; a small non-zero value would make a file
 * every few rows or seconds (thousands of files, a rename and an fsync each),
 * which no range can refuse while still allowing 0.
 */
static int zero_or_at_least(const void *v, int64_t min, const char *unit, const char *by, char *why, size_t cap)
{
	int64_t x = *(const int64_t *)v;
	if (x == 0 || x >= min)
		return 0;
	snprintf(why, cap, "%lld %s: use 0 (no rotation by %s) or at least %lld", (long long)x, unit, by, (long long)min);
	return 1;
}

static int chk_rotate_mb(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	return zero_or_at_least(v, 4, "MB", "size", why, cap);
}

static int chk_rotate_seconds(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	return zero_or_at_least(v, 10, "s", "age", why, cap);
}

const struct conf_opt aggd_conf_opts[] = {
	{ "listen", CT_LIST, 0, 0, NULL, OFF(listen), 0, NULL,
	  "UDP address to receive datagrams on: 192.0.2.1:5300, [2001:db8::1]:5300, *:5300, [::]:5300 (repeatable, at least one)",
	  chk_listen },
	{ "rcvbuf", CT_SIZE, 0, 1024LL * 1024 * 1024, "8M", OFF(rcvbuf), 0, NULL,
	  "socket receive buffer per address (absorbs bursts while staging commits)", NULL },
	{ "max_datagram", CT_INT, 64, ENV_MAX_DATAGRAM, "65507", OFF(max_datagram), 0, NULL,
	  "longest datagram accepted, bytes; longer ones are rejected as oversized (65507: the largest UDP payload, what capd's auto payload_size sends on loopback)", NULL },
	{ "recv_batch", CT_INT, 1, 1024, "64", OFF(recv_batch), 0, NULL,
	  "datagrams read per recvmmsg call", NULL },
	{ "keyring", CT_STR, 0, 0, "/etc/dnsa/aggd.keys", OFF(keyring), SZ(keyring), NULL,
	  "keyring file: one 'NODE HEXKEY' line per node, mode 0600 or 0400, owned by user; reloaded on SIGHUP",
	  chk_keyring },
	{ "staging", CT_STR, 0, 0, "/var/lib/dnsa/staging.db", OFF(staging), SZ(staging), NULL,
	  "SQLite staging database (WAL); its directory must be writable by user; with rotation the base"
	  " name of the set STAGING.NNNNNNNN (see staging.rotate_mb)", chk_staging },
	{ "staging.rotate_mb", CT_INT, 0, 1024 * 1024, "256", OFF(rotate_mb), 0, NULL,
	  "start the next staging file when the current one reaches this many MB (0: not by size); the rollup"
	  " unlinks whole files it has committed instead of deleting rows", chk_rotate_mb },
	{ "staging.rotate_seconds", CT_INT, 0, 86400, "60", OFF(rotate_seconds), 0, NULL,
	  "... or when it is this many seconds old and has rows (0: not by age); both 0: one file, rows pruned",
	  chk_rotate_seconds },
	{ "batch_rows", CT_INT, 1, 100000, "1000", OFF(batch_rows), 0, NULL,
	  "datagrams committed per staging transaction, at most", NULL },
	{ "flush_ms", CT_INT, 1, 10000, "100", OFF(flush_ms), 0, NULL,
	  "commit queued datagrams at least every flush_ms milliseconds", NULL },
	{ "busy_timeout_ms", CT_INT, 0, 10000, "10", OFF(busy_timeout_ms), 0, NULL,
	  "wait at most this long for a locked staging database before queueing and retrying", NULL },
	{ "queue_rows", CT_INT, 16, 100000000, "200000", OFF(queue_rows), 0, NULL,
	  "datagrams held while the staging database is busy or full; beyond, new ones are dropped (counted)", NULL },
	{ "queue_bytes", CT_SIZE, 65536, 16LL * 1024 * 1024 * 1024, "256M", OFF(queue_bytes), 0, NULL,
	  "payload bytes held while the staging database is busy or full", NULL },
	{ "metrics_file", CT_STR, 0, 0, "", OFF(metrics_file), sizeof(((struct aggd_conf *)0)->metrics_file), NULL,
	  "Prometheus textfile (node_exporter textfile collector) rewritten each stats_interval; empty: none", NULL },
	{ "stats_interval", CT_INT, 1, 3600, "10", OFF(stats_interval), 0, NULL,
	  "seconds between per-node statistics rows written to staging (node_stats)", NULL },
	{ "summary_interval", CT_INT, 0, 86400, "60", OFF(summary_interval), 0, NULL,
	  "seconds between one-line summaries in the log (0 = none)", NULL },
	{ "user", CT_STR, 0, 0, NULL, OFF(user), SZ(user), NULL,
	  "user to run as after binding the sockets (required when started as root, unless allow_root)", conf_check_user },
	{ "group", CT_STR, 0, 0, NULL, OFF(group), SZ(group), NULL,
	  "group to run as (default: the user's primary group)", conf_check_group },
	{ "allow_root", CT_BOOL, 0, 0, "no", OFF(allow_root), 0, NULL,
	  "keep running as root when no user is set (not recommended)", NULL },
	CONF_END
};

int aggd_conf_load(struct aggd_conf *c, const char *path, unsigned flags, conf_err_fn err, void *arg)
{
	struct conf_ctx x = { path, err, arg, 0 };
	x.errors = conf_load(aggd_conf_opts, c, path, flags, err, arg);
	if (access(path, R_OK) != 0)
		return x.errors; /* reported by conf_load; nothing else to say */
	/* go on: a key that did not parse kept its (valid) default, so what follows
	 * reports only other problems, and -n shows every error at once */

	/* what depends on several keys (each key's own checks ran in conf_load) */
	if (c->listen.n == 0)
		conf_bad(&x, "listen", NULL, "no 'listen' address configured");
	if (c->listen.n > RECEIVER_MAX_SOCKS)
		conf_bad(&x, "listen", NULL, "too many 'listen' addresses (at most 16)");
	if (c->group[0] && !c->user[0])
		conf_bad(&x, "group", c->group, "'%s' set without a user", c->group);
	if ((flags & CONF_ENV) && geteuid() == 0 && !c->user[0] && !c->allow_root)
		conf_bad(&x, "user", NULL, "refusing to run as root: set 'user' (or 'allow_root = yes'; or check as"
		    " the user aggd runs as)");
	return x.errors;
}

void aggd_conf_free(struct aggd_conf *c)
{
	conf_free(aggd_conf_opts, c);
}
