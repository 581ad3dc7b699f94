/* api/api_conf.c: dnsa-api's configuration table and the per-account MariaDB credentials. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_conf.h"
#include "common/errors.h"

#define OFF(f) offsetof(struct api_conf, f)
#define SZ(f) sizeof(((struct api_conf *)0)->f)

const struct conf_opt api_conf_opts[] = {
	{ "listen", CT_STR, 1, 127, "127.0.0.1:8053", OFF(listen), SZ(listen), NULL,
	  "ADDR:PORT to listen on (IPv6 as [ADDR]:PORT)" },
	{ "tls.certificate", CT_STR, 0, 0, "", OFF(tls_cert), SZ(tls_cert), NULL,
	  "PEM certificate (chain); empty = plain HTTP, for use behind a TLS reverse proxy" },
	{ "tls.key", CT_STR, 0, 0, "", OFF(tls_key), SZ(tls_key), NULL,
	  "PEM private key of the certificate; refused unless mode 0600 or 0400" },
	{ "web_root", CT_STR, 0, 0, "/usr/local/share/dnsa/web", OFF(web_root), SZ(web_root), NULL,
	  "directory of the dashboard (index.html, app.js, style.css) served at /; empty = no dashboard" },
	{ "chartjs", CT_STR, 0, 0, "/usr/share/javascript/chart.js/chart.min.js", OFF(chartjs), SZ(chartjs), NULL,
	  "Chart.js file served at /chart.js (Debian package libjs-chart.js)" },
	{ "tokens", CT_STR, 1, 0, "/etc/dnsa/api.tokens", OFF(tokens), SZ(tokens), NULL,
	  "token file written by dnsa-token (hashes only); re-read when it changes" },
	{ "accounts", CT_STR, 1, 0, "/etc/dnsa/api-accounts", OFF(accounts_dir), SZ(accounts_dir), NULL,
	  "directory with one credentials file per MariaDB account (DIR/NAME, mode 0600)" },
	{ "mariadb.socket", CT_STR, 0, 0, "/run/mysqld/mysqld.sock", OFF(db_socket), SZ(db_socket), NULL,
	  "MariaDB UNIX socket; empty to use host and port" },
	{ "mariadb.host", CT_STR, 0, 0, "", OFF(db_host), SZ(db_host), NULL,
	  "MariaDB host (when socket is empty)" },
	{ "mariadb.port", CT_INT, 0, 65535, "3306", OFF(db_port), 0, NULL, "MariaDB TCP port" },
	{ "mariadb.database", CT_STR, 1, 63, "dnsa", OFF(db_name), SZ(db_name), NULL,
	  "database holding the dnsa schema" },
	{ "mariadb.timeout", CT_INT, 1, 300, "5", OFF(db_timeout), 0, NULL,
	  "connect, read and write timeout, seconds (a request waits no longer for MariaDB)" },
	{ "pool_size", CT_INT, 1, 64, "4", OFF(pool_size), 0, NULL,
	  "MariaDB connections per account, at most (requests beyond it wait, up to mariadb.timeout)" },
	{ "threads", CT_INT, 1, 256, "8", OFF(threads), 0, NULL, "HTTP worker threads" },
	{ "max_clients", CT_INT, 1, 100000, "1024", OFF(max_clients), 0, NULL,
	  "concurrent HTTP connections, at most (more are refused by the listener)" },
	{ "client_timeout", CT_INT, 1, 3600, "10", OFF(client_timeout), 0, NULL,
	  "seconds an idle or slow client may hold a connection" },
	{ "rate", CT_INT, 1, 1000000, "50", OFF(rate), 0, NULL,
	  "requests per second per token, sustained (429 beyond)" },
	{ "burst", CT_INT, 1, 1000000, "200", OFF(burst), 0, NULL, "requests a token may make at once" },
	{ "max_points", CT_INT, 10, 1000000, "5000", OFF(max_points), 0, NULL,
	  "time-series points per response, at most (a longer range needs a coarser step)" },
	{ "max_rows", CT_INT, 10, 1000000, "10000", OFF(max_rows), 0, NULL, "rows per response, at most" },
	CONF_END
};

int api_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

#define CRED_OFF(f) offsetof(struct api_cred, f)
static const struct conf_opt cred_opts[] = {
	{ "user", CT_STR, 1, 0, NULL, CRED_OFF(user), sizeof(((struct api_cred *)0)->user), NULL, "MariaDB account" },
	{ "password", CT_STR, 0, 0, "", CRED_OFF(password), sizeof(((struct api_cred *)0)->password), NULL,
	  "its password" },
	CONF_END
};

int api_cred_load(const char *dir, const char *name, struct api_cred *out, conf_err_fn err, void *arg)
{
	char path[4200];
	struct stat st;
	memset(out, 0, sizeof *out);
	if (!api_name_ok(name))
		return E_INVAL;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return E_INVAL;
	/* O_NOFOLLOW: no link games; O_NONBLOCK: a FIFO does not hang the daemon */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fstat(fd, &st) < 0 ? -errno : E_OK;
	close(fd);
	if (r != E_OK)
		return r;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077))
		return E_KEYPERM;
	if (conf_load(cred_opts, out, path, err, arg))
		return E_CONFIG;
	return out->user[0] ? E_OK : E_CONFIG;
}
