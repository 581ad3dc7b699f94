/* rollup/config.h: aggd-rollup's configuration table and the MariaDB credentials file. */
#ifndef DNSA_ROLLUP_CONFIG_H
#define DNSA_ROLLUP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"

struct rollup_conf {
	char staging[4096];           /* SQLite staging database written by aggd */
	char aggregator[64];          /* this aggregator's name: its checkpoint row in MariaDB */
	char lock_file[4096];         /* flock()ed for the whole run */
	char metrics_file[4096];      /* Prometheus textfile written after each run; "" = none */
	int64_t staging_busy_ms;      /* wait for aggd's write lock (quarantine, prune) */
	char db_socket[1024];         /* mariadb.socket */
	char db_host[256];            /* mariadb.host (when no socket) */
	int64_t db_port;              /* mariadb.port */
	struct conf_list db_servers;  /* mariadb.server (repeatable): failover list, replaces socket/host/port */
	char db_name[64];             /* mariadb.database */
	char db_credentials[4096];    /* mariadb.credentials: user/password file, mode 0600 or 0400 */
	int64_t db_timeout;           /* mariadb.timeout seconds */
	int64_t batch_rows;           /* staged datagrams per MariaDB transaction (at most) */
	int64_t batch_records;        /* records per transaction (at most; bounds memory) */
	int64_t upsert_rows;          /* rows per multi-row INSERT */
	int64_t prune_chunk;          /* staged rows deleted per SQLite transaction */
	int64_t top_n;                /* names kept per zone and hour */
	int64_t names_max;            /* distinct (zone, hour, name) tracked per batch */
	int64_t zones_per_node;       /* distinct zones per node and batch; more fold into "#other" */
	int64_t zones_per_run;        /* distinct zones per batch, all nodes together */
	int64_t asn_max;              /* distinct AS numbers per batch; more count as ASN "other" */
	int64_t memory_mb;            /* a batch ends early once its aggregate uses this much */
	int64_t read_threads;         /* 2: decode and prepare on the reader's thread; 1: all on the caller's */
	int64_t window_past_days;     /* times accepted this long before aggd received them */
	int64_t window_future_s;      /* ... and this long after */
	int64_t replay_days;          /* rollup_seen rows kept this long after their last update */
	int64_t keep_minute_days;     /* retention.minute (days, 0 = forever) */
	int64_t keep_hour_days;       /* retention.hour */
	int64_t keep_day_days;        /* retention.day */
};

/* the option table: drives parsing, checks and --help */
extern const struct conf_opt config_opts[];

/*
 * rollup_conf_load: defaults, then path, then each option's check. flags
 * CONF_ENV (-n and every run) also checks what a run would refuse: the
 * credentials file (regular, mode 0600/0400, a user), the staging database
 * (read-write, dnsa's tables; SQLite's message kept), the lock file
 * (openable or creatable). Errors go to err as "file:line: message".
 * Returns the error count (0 = OK).
 */
int rollup_conf_load(struct rollup_conf *c, const char *path, unsigned flags, conf_err_fn err, void *arg);

/* rollup_conf_free: free what the loader allocated (the server list). Accepts a loaded or zeroed conf. */
void rollup_conf_free(struct rollup_conf *c);

/* the credentials file's own table: user, password */
struct rollup_credentials {
	char user[128];
	char password[256];
};

/*
 * config_credentials: read the credentials file named in c, refusing it
 * (E_KEYPERM) when it is not a regular file or is readable or writable by
 * group or others. Parse errors are reported through err/arg. Returns E_OK,
 * E_KEYPERM, -errno (cannot stat/open) or E_CONFIG.
 */
int config_credentials(const struct rollup_conf *c, struct rollup_credentials *out,
    conf_err_fn err, void *arg);

#endif
