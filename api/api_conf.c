/* api/api_conf.c: dnsa-api's configuration table and the per-account MariaDB credentials. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_conf.h"
#include "common/addr.h"
#include "common/errors.h"

#define OFF(f) offsetof(struct api_conf, f)
#define SZ(f) sizeof(((struct api_conf *)0)->f)

/* a regular file we can read (no FIFO: O_NONBLOCK); secret: no link, not accessible by group/others */
static int chk_file(const char *path, int secret, unsigned flags, char *why, size_t cap)
{
	struct stat st;
	if (!path[0] || !(flags & CONF_ENV))
		return 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (secret ? O_NOFOLLOW : 0));
	if (fd < 0) {
		snprintf(why, cap, "%.300s: %s", path, strerror(errno));
		return 1;
	}
	int r = fstat(fd, &st);
	close(fd);
	if (r < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, cap, "%.300s: not a regular file", path);
		return 1;
	}
	if (secret == 1 && (st.st_mode & 077)) {
		snprintf(why, cap, "%.300s: readable or writable by group or others (chmod 0600)", path);
		return 1;
	}
	if (secret == 2 && (st.st_mode & 022)) {
		snprintf(why, cap, "%.300s: writable by group or others (chmod 0600)", path);
		return 1;
	}
	return 0;
}

static int chk_listen(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (addr_parse_hostport(v, ADDR_NOPORT0, &ss, &sl) == E_OK)
		return 0;
	snprintf(why, cap, "'%.120s' is not ADDR:PORT or [V6ADDR]:PORT (numeric, port 1-65535)", (const char *)v);
	return 1;
}

static int chk_cert(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	return chk_file(v, 0, flags, why, cap);
}

static int chk_key(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	return chk_file(v, 1, flags, why, cap);
}

static int chk_tokens(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	return chk_file(v, 2, flags, why, cap);
}

static int chk_chartjs(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const struct api_conf *c = conf;
	return c->web_root[0] ? chk_file(v, 0, flags, why, cap) : 0;
}

/* the dashboard: every file http.c serves from it */
static int chk_web(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	static const char *const files[] = { "index.html", "app.js", "style.css", "openapi.json", NULL };
	char path[4200];
	for (int i = 0; files[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", (const char *)v, files[i]);
		if (((const char *)v)[0] && chk_file(path, 0, flags, why, cap))
			return 1;
	}
	return 0;
}

static int chk_dir(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	struct stat st;
	if (!(flags & CONF_ENV))
		return 0;
	if (stat(v, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, cap, "%.300s: not a directory", (const char *)v);
		return 1;
	}
	return 0;
}

const struct conf_opt api_conf_opts[] = {
	{ "listen", CT_STR, 1, 127, "127.0.0.1:8053", OFF(listen), SZ(listen), NULL,
	  "ADDR:PORT to listen on (IPv6 as [ADDR]:PORT)", chk_listen },
	{ "tls.certificate", CT_STR, 0, 0, "", OFF(tls_cert), SZ(tls_cert), NULL,
	  "PEM certificate (chain); empty = plain HTTP, for use behind a TLS reverse proxy", chk_cert },
	{ "tls.key", CT_STR, 0, 0, "", OFF(tls_key), SZ(tls_key), NULL,
	  "PEM private key of the certificate; refused unless mode 0600 or 0400", chk_key },
	{ "web_root", CT_STR, 0, 0, "/usr/local/share/dnsa/web", OFF(web_root), SZ(web_root), NULL,
	  "directory of the dashboard (index.html, app.js, style.css, openapi.json) served at /; empty = none",
	  chk_web },
	{ "chartjs", CT_STR, 0, 0, "/usr/share/javascript/chart.js/chart.min.js", OFF(chartjs), SZ(chartjs), NULL,
	  "Chart.js file served at /chart.js (Debian package libjs-chart.js)", chk_chartjs },
	{ "tokens", CT_STR, 1, 0, "/etc/dnsa/api.tokens", OFF(tokens), SZ(tokens), NULL,
	  "token file written by dnsa-token (hashes only); re-read when it changes", chk_tokens },
	{ "accounts", CT_STR, 1, 0, "/etc/dnsa/api-accounts", OFF(accounts_dir), SZ(accounts_dir), NULL,
	  "directory with one credentials file per MariaDB account (DIR/NAME, mode 0600)", chk_dir },
	{ "mariadb.socket", CT_STR, 0, 0, "/run/mysqld/mysqld.sock", OFF(db_socket), SZ(db_socket), NULL,
	  "MariaDB UNIX socket; empty to use host and port", NULL },
	{ "mariadb.host", CT_STR, 0, 0, "", OFF(db_host), SZ(db_host), NULL,
	  "MariaDB host (when socket is empty)", NULL },
	{ "mariadb.port", CT_INT, 0, 65535, "3306", OFF(db_port), 0, NULL, "MariaDB TCP port", NULL },
	{ "mariadb.database", CT_STR, 1, 63, "dnsa", OFF(db_name), SZ(db_name), NULL,
	  "database holding the dnsa schema", NULL },
	{ "mariadb.timeout", CT_INT, 1, 300, "5", OFF(db_timeout), 0, NULL,
	  "connect, read and write timeout, seconds (a request waits no longer for MariaDB)", NULL },
	{ "pool_size", CT_INT, 1, 64, "4", OFF(pool_size), 0, NULL,
	  "MariaDB connections per account, at most (requests beyond it wait, up to mariadb.timeout)", NULL },
	{ "threads", CT_INT, 1, 256, "8", OFF(threads), 0, NULL, "HTTP worker threads", NULL },
	{ "max_clients", CT_INT, 1, 100000, "1024", OFF(max_clients), 0, NULL,
	  "concurrent HTTP connections, at most (more are refused by the listener)", NULL },
	{ "client_timeout", CT_INT, 1, 3600, "10", OFF(client_timeout), 0, NULL,
	  "seconds an idle or slow client may hold a connection", NULL },
	{ "rate", CT_INT, 1, 1000000, "50", OFF(rate), 0, NULL,
	  "requests per second per token, sustained (429 beyond)", NULL },
	{ "burst", CT_INT, 1, 1000000, "200", OFF(burst), 0, NULL, "requests a token may make at once", NULL },
	{ "max_points", CT_INT, 10, 1000000, "5000", OFF(max_points), 0, NULL,
	  "time-series points per response, at most (a longer range needs a coarser step)", NULL },
	{ "max_rows", CT_INT, 10, 1000000, "10000", OFF(max_rows), 0, NULL, "rows per response, at most", NULL },
	{ "cache_ttl", CT_INT, 0, 60, "2", OFF(cache_ttl), 0, NULL,
	  "seconds a successful answer is served again to the same account for the same request (never to "
	  "another account); 0 = no cache", NULL },
	{ "cache_size", CT_INT, 1, 4096, "64", OFF(cache_size), 0, NULL,
	  "MiB of cached answers (keys and bodies), at most; the oldest go first", NULL },
	CONF_END
};

int api_conf_load(const char *path, struct api_conf *c, unsigned flags, conf_err_fn err, void *arg)
{
	struct conf_ctx x = { path, err, arg, 0 };
	x.errors = conf_load(api_conf_opts, c, path, flags, err, arg);
	if (x.errors && conf_find_line(path, "listen", NULL) == 0 && access(path, R_OK) != 0)
		return x.errors; /* no file: nothing else to say */
	if (!!c->tls_cert[0] != !!c->tls_key[0])
		conf_bad(&x, c->tls_cert[0] ? "tls.certificate" : "tls.key", NULL,
		    "tls.certificate and tls.key go together");
	return x.errors;
}

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
	{ "user", CT_STR, 1, 0, NULL, CRED_OFF(user), sizeof(((struct api_cred *)0)->user), NULL, "MariaDB account",
	  NULL },
	{ "password", CT_STR, 0, 0, "", CRED_OFF(password), sizeof(((struct api_cred *)0)->password), NULL,
	  "its password", NULL },
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
	if (conf_load(cred_opts, out, path, 0, err, arg))
		return E_CONFIG;
	return out->user[0] ? E_OK : E_CONFIG;
}
