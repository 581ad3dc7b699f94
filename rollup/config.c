/* rollup/config.c: aggd-rollup's configuration table and the MariaDB credentials file. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/errors.h"
#include "rollup/config.h"

#define OFF(f) offsetof(struct rollup_conf, f)
#define SZ(f) sizeof(((struct rollup_conf *)0)->f)

const struct conf_opt config_opts[] = {
	{ "staging", CT_STR, 0, 0, "/var/lib/dnsa/staging.db", OFF(staging), SZ(staging), NULL,
	  "SQLite staging database written by aggd (read, quarantined into and pruned)" },
	{ "aggregator", CT_STR, 1, 63, "aggd", OFF(aggregator), SZ(aggregator), NULL,
	  "name of this aggregator: its checkpoint in MariaDB (unique per staging database)" },
	{ "lock_file", CT_STR, 0, 0, "/var/lib/dnsa/aggd-rollup.lock", OFF(lock_file), SZ(lock_file), NULL,
	  "file locked (flock) for the whole run; a second copy exits at once" },
	{ "staging_busy_ms", CT_INT, 0, 60000, "2000", OFF(staging_busy_ms), 0, NULL,
	  "how long to wait for aggd's SQLite write lock" },
	{ "mariadb.socket", CT_STR, 0, 0, "/run/mysqld/mysqld.sock", OFF(db_socket), SZ(db_socket), NULL,
	  "MariaDB UNIX socket; empty to use host and port" },
	{ "mariadb.host", CT_STR, 0, 0, "", OFF(db_host), SZ(db_host), NULL,
	  "MariaDB host (when socket is empty)" },
	{ "mariadb.port", CT_INT, 0, 65535, "3306", OFF(db_port), 0, NULL, "MariaDB TCP port" },
	{ "mariadb.database", CT_STR, 1, 63, "dnsa", OFF(db_name), SZ(db_name), NULL,
	  "database holding the dnsa schema (tools/dnsa-migrate)" },
	{ "mariadb.credentials", CT_STR, 1, 0, "/etc/dnsa/rollup.credentials", OFF(db_credentials),
	  SZ(db_credentials), NULL,
	  "file with 'user = ...' and 'password = ...'; refused unless mode 0600 or 0400" },
	{ "mariadb.timeout", CT_INT, 1, 3600, "60", OFF(db_timeout), 0, NULL,
	  "connect, read and write timeout, seconds" },
	{ "batch_rows", CT_INT, 1, 100000000, "1000000", OFF(batch_rows), 0, NULL,
	  "staged datagrams per MariaDB transaction, at most" },
	{ "batch_records", CT_INT, 1, 1000000000, "20000000", OFF(batch_records), 0, NULL,
	  "records per MariaDB transaction, at most; bigger batches write each hour/day row fewer times" },
	{ "names_max", CT_INT, 1000, 100000000, "1000000", OFF(names_max), 0, NULL,
	  "distinct (zone, hour, name) counted per batch (bounds memory under random-name floods)" },
	{ "zones_per_node", CT_INT, 1, 10000000, "10000", OFF(zones_per_node), 0, NULL,
	  "distinct zones counted per node and batch; records of further zones count under zone '#other'" },
	{ "zones_per_run", CT_INT, 1, 10000000, "50000", OFF(zones_per_run), 0, NULL,
	  "distinct zones counted per batch, all nodes together; further ones count under '#other'" },
	{ "asn_max", CT_INT, 1, 100000000, "100000", OFF(asn_max), 0, NULL,
	  "distinct AS numbers counted per batch; further ones count as ASN 'other'" },
	{ "memory_mb", CT_INT, 16, 1048576, "512", OFF(memory_mb), 0, NULL,
	  "memory bound of a run's aggregate: a batch is committed early once it holds a third of this" },
	{ "window.past_days", CT_INT, 1, 36500, "400", OFF(window_past_days), 0, NULL,
	  "datagrams with a time more than this many days before aggd received them are quarantined" },
	{ "window.future_seconds", CT_INT, 0, 31536000, "3600", OFF(window_future_s), 0, NULL,
	  "datagrams with a time more than this many seconds after aggd received them are quarantined" },
	{ "replay_days", CT_INT, 1, 36500, "8", OFF(replay_days), 0, NULL,
	  "days the set of rolled-up datagrams is kept (a copy staged by another aggregator within it counts once)" },
	{ "upsert_rows", CT_INT, 1, 5000, "500", OFF(upsert_rows), 0, NULL,
	  "rows per multi-row INSERT statement" },
	{ "prune_chunk", CT_INT, 1, 1000000, "5000", OFF(prune_chunk), 0, NULL,
	  "staged rows deleted per SQLite transaction (short, so aggd never waits long)" },
	{ "top_n", CT_INT, 0, 100000, "100", OFF(top_n), 0, NULL,
	  "most-queried names kept per zone and hour" },
	{ "retention.minute", CT_INT, 0, 36500, "14", OFF(keep_minute_days), 0, NULL,
	  "days of per-minute series kept (0 = forever)" },
	{ "retention.hour", CT_INT, 0, 36500, "400", OFF(keep_hour_days), 0, NULL,
	  "days of per-hour series and top names kept (0 = forever)" },
	{ "retention.day", CT_INT, 0, 36500, "0", OFF(keep_day_days), 0, NULL,
	  "days of per-day series kept (0 = forever)" },
	CONF_END
};

#define COFF(f) offsetof(struct rollup_credentials, f)
static const struct conf_opt cred_opts[] = {
	{ "user", CT_STR, 1, 0, NULL, COFF(user), sizeof(((struct rollup_credentials *)0)->user), NULL,
	  "MariaDB account" },
	{ "password", CT_STR, 0, 0, "", COFF(password), sizeof(((struct rollup_credentials *)0)->password),
	  NULL, "its password" },
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
	if (conf_load(cred_opts, out, c->db_credentials, err, arg))
		return E_CONFIG;
	if (!out->user[0])
		return E_CONFIG;
	return E_OK;
}
