/* api/api_conf.h: dnsa-api's configuration table and the per-account MariaDB credentials. */
#ifndef DNSA_API_CONF_H
#define DNSA_API_CONF_H

#include <stdint.h>

#include "common/conf.h"

struct api_conf {
	char listen[128];             /* ADDR:PORT to listen on (IPv6 in brackets) */
	char tls_cert[4096];          /* PEM certificate; empty = plain HTTP (behind a TLS proxy) */
	char tls_key[4096];           /* PEM private key, mode 0600/0400 */
	char web_root[4096];          /* dashboard files served at / */
	char chartjs[4096];           /* Chart.js served at /chart.js (Debian libjs-chart.js) */
	char tokens[4096];            /* token file written by dnsa-token */
	char accounts_dir[4096];      /* one credentials file per MariaDB account: DIR/NAME */
	char db_socket[1024];         /* mariadb.socket */
	char db_host[256];            /* mariadb.host (when no socket) */
	int64_t db_port;              /* mariadb.port */
	char db_name[64];             /* mariadb.database */
	int64_t db_timeout;           /* mariadb.timeout seconds (connect, read, write) */
	int64_t pool_size;            /* MariaDB connections per account, at most */
	int64_t threads;              /* HTTP worker threads */
	int64_t max_clients;          /* concurrent HTTP connections, at most */
	int64_t client_timeout;       /* seconds an idle or slow client may hold a connection */
	int64_t rate;                 /* requests per second per token (sustained) */
	int64_t burst;                /* requests a token may make at once */
	int64_t max_points;           /* time-series points per response, at most */
	int64_t max_rows;             /* rows per response, at most */
	int64_t cache_ttl;            /* seconds an account's answer is served again; 0 = no cache */
	int64_t cache_size;           /* MiB of answers (keys + bodies) the cache holds, at most */
};

/* the option table: drives parsing, checks and --help */
extern const struct conf_opt api_conf_opts[];

/*
 * api_conf_load: the file into c, every option's check (with CONF_ENV: the
 * files and directories are looked at, as start-up and -n do) and the checks
 * across options. Returns the number of errors, each reported through err
 * as FILE:LINE: key: reason.
 */
int api_conf_load(const char *path, struct api_conf *c, unsigned flags, conf_err_fn err, void *arg);

/* MariaDB credentials of one account (DIR/NAME: "user = ...", "password = ...") */
struct api_cred {
	char user[128];
	char password[256];
};

/*
 * api_cred_load: read accounts_dir/name, refusing (E_KEYPERM) a file that is
 * not regular or is accessible by group or others; never follows a symlink or
 * blocks on a FIFO. name must match [a-z][a-z0-9_-]{0,31} (E_INVAL otherwise).
 * Returns E_OK, E_KEYPERM, E_INVAL, -errno or E_CONFIG (reported through err).
 */
int api_cred_load(const char *dir, const char *name, struct api_cred *out, conf_err_fn err, void *arg);

/* api_name_ok: 1 if s is a valid account name ([a-z][a-z0-9_-]{0,31}). Cannot fail. */
int api_name_ok(const char *s);

#endif
