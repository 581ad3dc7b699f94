/* aggd/aggd_conf.h: aggd's configuration: the option table, defaults and checks. */
#ifndef DNSA_AGGD_AGGD_CONF_H
#define DNSA_AGGD_AGGD_CONF_H

#include <limits.h>
#include <stdint.h>

#include "common/conf.h"

struct aggd_conf {
	struct conf_list listen;   /* UDP addresses to listen on, "addr:port" / "[v6]:port" */
	int64_t rcvbuf;            /* SO_RCVBUF per socket, bytes (0 = kernel default) */
	int64_t max_datagram;      /* longer datagrams are rejected as oversized */
	int64_t recv_batch;        /* datagrams per recvmmsg */
	char keyring[PATH_MAX];    /* node keys, mode 0600/0400, readable by `user` */
	char staging[PATH_MAX];    /* SQLite staging database: the base file of the set */
	int64_t rotate_mb;         /* staging.rotate_mb: next file at this size (0: not by size) */
	int64_t rotate_seconds;    /* staging.rotate_seconds: ... or at this age (0: not by age) */
	int64_t batch_rows;        /* rows per staging transaction, at most */
	int64_t flush_ms;          /* commit queued rows at least this often */
	int64_t busy_timeout_ms;   /* wait for a locked database per attempt */
	int64_t queue_rows;        /* staging queue bound, rows */
	int64_t queue_bytes;       /* staging queue bound, bytes */
	int64_t stats_interval;    /* seconds between node_stats writes */
	char metrics_file[1024];   /* Prometheus textfile rewritten each stats_interval; "" = none */
	int64_t summary_interval;  /* seconds between summary log lines (0 = never) */
	char user[64];             /* drop privileges to this user after binding */
	char group[64];            /* and this group (default: the user's primary group) */
	int allow_root;            /* keep running as root if no user is set */
};

/* the option table (drives parsing, defaults and --help) */
extern const struct conf_opt aggd_conf_opts[];

/*
 * aggd_conf_load: defaults, then path, each option's check, then the checks
 * the table cannot express (at least one listen address, each parses; user
 * and group exist). flags CONF_ENV (-n and start-up) also checks what
 * start-up would refuse, as the configured user would see it: the keyring
 * (a regular file, mode 0600/0400, readable, well-formed, no node twice;
 * errors with its FILE:LINE), the staging directory writable and an
 * existing staging file a SQLite database (SQLite's message kept), root
 * without user or allow_root. Errors go to err as "file:line: message".
 * Returns the error count (0 = OK). The caller frees with aggd_conf_free,
 * also after errors.
 */
int aggd_conf_load(struct aggd_conf *c, const char *path, unsigned flags, conf_err_fn err, void *arg);
void aggd_conf_free(struct aggd_conf *c);

#endif
