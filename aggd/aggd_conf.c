/* aggd/aggd_conf.c: aggd's configuration: the option table, defaults and checks. */
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aggd/aggd_conf.h"
#include "aggd/receiver.h"
#include "common/envelope.h"

#define OFF(f) offsetof(struct aggd_conf, f)
#define SZ(f) sizeof(((struct aggd_conf *)0)->f)

const struct conf_opt aggd_conf_opts[] = {
	{ "listen", CT_LIST, 0, 0, NULL, OFF(listen), 0, NULL,
	  "UDP address to receive datagrams on: 192.0.2.1:5300, [2001:db8::1]:5300, *:5300, [::]:5300 (repeatable, at least one)" },
	{ "rcvbuf", CT_SIZE, 0, 1024LL * 1024 * 1024, "8M", OFF(rcvbuf), 0, NULL,
	  "socket receive buffer per address (absorbs bursts while staging commits)" },
	{ "max_datagram", CT_INT, 64, ENV_MAX_DATAGRAM, "4096", OFF(max_datagram), 0, NULL,
	  "longest datagram accepted, bytes; longer ones are rejected as oversized" },
	{ "recv_batch", CT_INT, 1, 1024, "64", OFF(recv_batch), 0, NULL,
	  "datagrams read per recvmmsg call" },
	{ "keyring", CT_STR, 0, 0, "/etc/dnsa/aggd.keys", OFF(keyring), SZ(keyring), NULL,
	  "keyring file: one 'NODE HEXKEY' line per node, mode 0600 or 0400, owned by user; reloaded on SIGHUP" },
	{ "staging", CT_STR, 0, 0, "/var/lib/dnsa/staging.db", OFF(staging), SZ(staging), NULL,
	  "SQLite staging database (WAL); its directory must be writable by user" },
	{ "batch_rows", CT_INT, 1, 100000, "1000", OFF(batch_rows), 0, NULL,
	  "datagrams committed per staging transaction, at most" },
	{ "flush_ms", CT_INT, 1, 10000, "100", OFF(flush_ms), 0, NULL,
	  "commit queued datagrams at least every flush_ms milliseconds" },
	{ "busy_timeout_ms", CT_INT, 0, 10000, "10", OFF(busy_timeout_ms), 0, NULL,
	  "wait at most this long for a locked staging database before queueing and retrying" },
	{ "queue_rows", CT_INT, 16, 100000000, "200000", OFF(queue_rows), 0, NULL,
	  "datagrams held while the staging database is busy or full; beyond, new ones are dropped (counted)" },
	{ "queue_bytes", CT_SIZE, 65536, 16LL * 1024 * 1024 * 1024, "256M", OFF(queue_bytes), 0, NULL,
	  "payload bytes held while the staging database is busy or full" },
	{ "stats_interval", CT_INT, 1, 3600, "10", OFF(stats_interval), 0, NULL,
	  "seconds between per-node statistics rows written to staging (node_stats)" },
	{ "summary_interval", CT_INT, 0, 86400, "60", OFF(summary_interval), 0, NULL,
	  "seconds between one-line summaries in the log (0 = none)" },
	{ "user", CT_STR, 0, 0, NULL, OFF(user), SZ(user), NULL,
	  "user to run as after binding the sockets (required when started as root, unless allow_root)" },
	{ "group", CT_STR, 0, 0, NULL, OFF(group), SZ(group), NULL,
	  "group to run as (default: the user's primary group)" },
	{ "allow_root", CT_BOOL, 0, 0, "no", OFF(allow_root), 0, NULL,
	  "keep running as root when no user is set (not recommended)" },
	CONF_END
};

/* the line of path where key = value is set, for error messages (0 if not found) */
static int find_line(const char *path, const char *key, const char *value)
{
	char buf[4096];
	int lineno = 0, found = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (!found && fgets(buf, sizeof buf, f)) {
		lineno++;
		char *s = buf + strspn(buf, " \t");
		if (strncmp(s, key, strlen(key)) == 0 && strchr(s, '=') && strstr(s, value))
			found = lineno;
	}
	fclose(f);
	return found;
}

static void report(conf_err_fn err, void *arg, const char *path, int line, const char *fmt, const char *v)
{
	char msg[1024], text[900];
	snprintf(text, sizeof text, fmt, v);
	snprintf(msg, sizeof msg, "%s:%d: %s", path, line, text);
	err(arg, msg);
}

int aggd_conf_load(const char *path, struct aggd_conf *c, conf_err_fn err, void *arg)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int errors = conf_load(aggd_conf_opts, c, path, err, arg);

	if (errors)
		return errors;
	if (c->listen.n == 0) {
		report(err, arg, path, 0, "%s", "no 'listen' address configured");
		errors++;
	}
	if (c->listen.n > RECEIVER_MAX_SOCKS) {
		report(err, arg, path, 0, "%s", "too many 'listen' addresses (at most 16)");
		errors++;
	}
	for (size_t i = 0; i < c->listen.n; i++)
		if (receiver_parse_addr(c->listen.v[i], &ss, &sl) != 0) {
			report(err, arg, path, find_line(path, "listen", c->listen.v[i]),
			    "listen: '%s' is not addr:port, [v6addr]:port, *:port", c->listen.v[i]);
			errors++;
		}
	if (!c->keyring[0]) {
		report(err, arg, path, 0, "%s", "keyring: a file name is required");
		errors++;
	}
	if (!c->staging[0]) {
		report(err, arg, path, 0, "%s", "staging: a file name is required");
		errors++;
	}
	if (c->user[0] && !getpwnam(c->user)) {
		report(err, arg, path, find_line(path, "user", c->user), "user: no such user '%s'", c->user);
		errors++;
	}
	if (c->group[0] && !getgrnam(c->group)) {
		report(err, arg, path, find_line(path, "group", c->group), "group: no such group '%s'", c->group);
		errors++;
	}
	if (c->group[0] && !c->user[0]) {
		report(err, arg, path, find_line(path, "group", c->group), "group: '%s' set without a user", c->group);
		errors++;
	}
	return errors;
}

void aggd_conf_free(struct aggd_conf *c)
{
	conf_free(aggd_conf_opts, c);
}
