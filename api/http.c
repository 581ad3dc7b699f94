/* api/http.c: dnsa-api's HTTP side (libmicrohttpd): listener, TLS, static dashboard files, auth, replies. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/cache.h"
#include "api/http.h"
#include "api/jbuf.h"
#include "api/routes.h"
#include "common/addr.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"

#define FILE_MAX (4u << 20)     /* a dashboard file, at most */
#define CONN_MEMORY (64u << 10) /* per connection: request line + headers; longer URLs get 414 */

/* a file served from memory */
struct blob {
	const char *url;        /* where it is served */
	const char *type;       /* Content-Type */
	char *data;             /* contents (owned) */
	size_t len;
};

enum { B_INDEX, B_APP, B_CSS, B_OPENAPI, B_CHART, B_N };

struct http {
	const struct api_conf *conf;
	struct tokens *tokens;
	struct db *db;
	struct MHD_Daemon *d;
	struct blob files[B_N];
	char *cert, *key;       /* PEM, for MHD (owned) */
	pthread_mutex_t mu;     /* guards st */
	struct http_stats st;
	pthread_key_t outkey;   /* each worker thread's answer buffer (struct jbuf), freed when the thread ends */
	int haskey;             /* outkey was created */
	struct cache *cache;    /* answers per (account, request); NULL with cache_ttl 0 */
};

static struct log_rl rl_auth = LOG_RL_INIT(10, 60);

/* read a whole regular file (no links, no FIFOs) of at most FILE_MAX bytes */
static int slurp(const char *path, char **data, size_t *len, int secret)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (secret ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
		close(fd);
		return E_INVAL;
	}
	if (secret && (st.st_mode & 077)) {
		close(fd);
		return E_KEYPERM;
	}
	char *b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return E_NOMEM;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	b[got] = 0;
	*data = b;
	*len = got;
	return E_OK;
}

static const struct {
	const char *name, *url, *type;
} WEB[B_N] = {
	[B_INDEX] = { "index.html", "/", "text/html; charset=utf-8" },
	[B_APP] = { "app.js", "/app.js", "text/javascript; charset=utf-8" },
	[B_CSS] = { "style.css", "/style.css", "text/css; charset=utf-8" },
	[B_OPENAPI] = { "openapi.json", "/api/v1/openapi.json", "application/json" },
	[B_CHART] = { NULL, "/chart.js", "text/javascript; charset=utf-8" },
};

static int web_path(const struct api_conf *c, int i, char *out, size_t cap)
{
	if (i == B_CHART)
		return (size_t)snprintf(out, cap, "%s", c->chartjs) < cap ? 0 : -1;
	return (size_t)snprintf(out, cap, "%s/%s", c->web_root, WEB[i].name) < cap ? 0 : -1;
}

static void count(struct http *h, unsigned status)
{
	pthread_mutex_lock(&h->mu);
	h->st.requests++;
	if (status / 100 < 6)
		h->st.by_class[status / 100]++;
	if (status == 401)
		h->st.unauthorized++;
	if (status == 429)
		h->st.rate_limited++;
	pthread_mutex_unlock(&h->mu);
}

void http_stats(struct http *h, struct http_stats *out)
{
	pthread_mutex_lock(&h->mu);
	*out = h->st;
	pthread_mutex_unlock(&h->mu);
	struct cache_stats cs;
	cache_stats(h->cache, &cs);
	out->cache_hits = cs.hits;
	out->cache_misses = cs.misses;
}

static enum MHD_Result send_buf(struct http *h, struct MHD_Connection *conn, unsigned status, const char *type,
    const void *buf, size_t len, enum MHD_ResponseMemoryMode mode, const char *retry)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)buf, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	if (retry)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	if (status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"dnsa\"");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	count(h, status);
	return ret;
}

static enum MHD_Result send_json(struct http *h, struct MHD_Connection *conn, unsigned status, json_t *body,
    const char *retry)
{
	char *s = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	json_decref(body);
	if (!s)
		return send_buf(h, conn, 500, "application/json", "{\"error\":{\"code\":\"internal\",\"message\":"
		    "\"internal error\"}}", 52, MHD_RESPMEM_PERSISTENT, NULL);
	size_t n = strlen(s);
	/* MHD copies; we free ours */
	enum MHD_Result r = send_buf(h, conn, status, "application/json", s, n, MHD_RESPMEM_MUST_COPY, retry);
	free(s);
	return r;
}

static void out_free(void *p)
{
	jbuf_fini(p);
	free(p);
}

/* this thread's answer buffer: made on its first request, reused for every later one; NULL if no memory */
static struct jbuf *thread_out(struct http *h)
{
	struct jbuf *b = pthread_getspecific(h->outkey);
	if (b)
		return b;
	if (!(b = malloc(sizeof *b)))
		return NULL;
	jbuf_init(b, DB_JSON_MAX);
	if (pthread_setspecific(h->outkey, b)) {
		free(b);
		return NULL;
	}
	return b;
}

#define KEY_MAX 2048 /* a longer request is not cached */

/*
 * the cache key of a request: its path and every known parameter in a fixed
 * order, each as its length and value ("-" when absent), so no two requests
 * share a key. 0, or -1 when it does not fit (not cached).
 */
static int req_key(struct MHD_Connection *conn, const char *url, char *key, size_t cap)
{
	static const char *const known[] = { "from", "to", "step", "limit", "rcode", "metric", NULL };
	int n = snprintf(key, cap, "%s", url);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	size_t off = (size_t)n;
	for (int i = 0; known[i]; i++) {
		const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, known[i]);
		n = v ? snprintf(key + off, cap - off, "\n%zu:%s", strlen(v), v) : snprintf(key + off, cap - off, "\n-");
		if (n < 0 || (size_t)n >= cap - off)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static const char *arg(void *cls, const char *key)
{
	return MHD_lookup_connection_value(cls, MHD_GET_ARGUMENT_KIND, key);
}

/* every query parameter must be one we know: a typo is a 400, not a silently ignored filter */
struct argcheck {
	const char *bad;
	unsigned n;
};
static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct argcheck *a = cls;
	static const char *const known[] = { "from", "to", "step", "limit", "rcode", "metric", NULL };
	a->n++;
	for (int i = 0; known[i]; i++)
		if (!strcmp(key, known[i]))
			return MHD_YES;
	if (!a->bad)
		a->bad = "query";
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **state)
{
	struct http *h = cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		if (*upload_size) { /* discard any body */
			*upload_size = 0;
			return MHD_YES;
		}
		return send_json(h, conn, 405, routes_error("method_not_allowed", "read-only API: GET only", NULL),
		    NULL);
	}
	/* static files */
	for (int i = 0; i < B_N; i++)
		if (h->files[i].data && !strcmp(url, h->files[i].url))
			return send_buf(h, conn, 200, h->files[i].type, h->files[i].data, h->files[i].len,
			    MHD_RESPMEM_PERSISTENT, NULL);
	if (strncmp(url, "/api/v1/", 8))
		return send_json(h, conn, 404, routes_error("not_found", "not found", NULL), NULL);

	struct argcheck ac = { NULL, 0 };
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_arg, &ac);
	if (ac.bad || ac.n > 8)
		return send_json(h, conn, 400, routes_error("bad_parameter",
		    "unknown or repeated query parameter (known: from, to, step, limit, rcode, metric)", "query"), NULL);

	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char account[TOKEN_ACCOUNT_MAX + 1], id[TOKEN_ID_LEN + 1];
	double retry = 1;
	enum token_verdict v = TOKEN_BAD;
	if (auth && !strncmp(auth, "Bearer ", 7))
		v = tokens_check(h->tokens, auth + 7, clock_mono_s(), account, id, &retry);
	if (v == TOKEN_BAD) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		char addr[INET6_ADDRSTRLEN] = "?";
		if (ci && ci->client_addr) {
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr, sizeof addr);
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr,
				    sizeof addr);
		}
		log_warnx_rl(&rl_auth, "request from %s without a valid token", addr);
		return send_json(h, conn, 401, routes_error("unauthorized", "a valid token is required "
		    "(Authorization: Bearer dnsa_...)", NULL), NULL);
	}
	if (v == TOKEN_LIMITED) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", retry < 1 ? 1 : (int)(retry + 0.999));
		return send_json(h, conn, 429, routes_error("rate_limited", "too many requests for this token", NULL),
		    ra);
	}
	struct api_req rq = { url + 7, account, arg, conn, (int64_t)time(NULL) };
	struct api_reply rp = { 500, NULL, thread_out(h) };
	if (!rp.out)
		return send_json(h, conn, 500, routes_error("internal", "internal error", NULL), NULL);
	char key[KEY_MAX];
	int cacheable = h->cache && req_key(conn, url, key, sizeof key) == 0;
	if (cacheable && cache_get(h->cache, account, key, rp.out))
		return send_buf(h, conn, 200, "application/json", rp.out->p, rp.out->len, MHD_RESPMEM_MUST_COPY, NULL);
	routes_handle(h->db, h->conf, &rq, &rp);
	if (!rp.body) { /* written straight into this thread's buffer; MHD copies it (the buffer serves the next request) */
		if (cacheable && rp.status == 200)
			cache_put(h->cache, account, key, rp.out->p, rp.out->len);
		return send_buf(h, conn, rp.status, "application/json", rp.out->p, rp.out->len, MHD_RESPMEM_MUST_COPY,
		    NULL);
	}
	return send_json(h, conn, rp.status, rp.body, rp.status == 503 ? "5" : NULL);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	buf[strcspn(buf, "\n")] = 0;
	log_info("http: %s", buf);
}

int http_new(const struct api_conf *conf, struct tokens *tokens, struct db *db, struct http **out,
    const char **why)
{
	*out = NULL;
	struct http *h = calloc(1, sizeof *h);
	if (!h) {
		*why = "out of memory";
		return E_NOMEM;
	}
	h->conf = conf;
	h->tokens = tokens;
	h->db = db;
	pthread_mutex_init(&h->mu, NULL);
	if (pthread_key_create(&h->outkey, out_free)) {
		*why = "out of memory";
		http_free(h);
		return E_NOMEM;
	}
	h->haskey = 1;
	if (cache_new((unsigned)conf->cache_ttl, (size_t)conf->cache_size << 20, &h->cache) != E_OK) {
		*why = "out of memory";
		http_free(h);
		return E_NOMEM;
	}
	char path[4200];
	size_t n;
	if (conf->web_root[0])
		for (int i = 0; i < B_N; i++) {
			h->files[i].url = WEB[i].url;
			h->files[i].type = WEB[i].type;
			if (web_path(conf, i, path, sizeof path) ||
			    slurp(path, &h->files[i].data, &h->files[i].len, 0) != E_OK) {
				*why = "cannot read a dashboard file (dnsa-api -n names it)";
				http_free(h);
				return E_CONFIG;
			}
		}
	if (conf->tls_cert[0] && (slurp(conf->tls_cert, &h->cert, &n, 0) != E_OK ||
	    slurp(conf->tls_key, &h->key, &n, 1) != E_OK)) {
		*why = "cannot read the TLS certificate or key (dnsa-api -n says why)";
		http_free(h);
		return E_CONFIG;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	if (addr_parse_hostport(conf->listen, ADDR_NOPORT0, &ss, &sl) != E_OK) {
		*why = "listen is not ADDR:PORT";
		http_free(h);
		return E_CONFIG;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_AUTO;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (h->cert)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, h->key },
		{ MHD_OPTION_END, 0, NULL },
	};
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)conf->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)conf->max_clients,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)conf->client_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(conf->max_clients / 2 > 0 ? conf->max_clients / 2 : 1),
	    MHD_OPTION_ARRAY, h->cert ? tls : tls + 2,
	    MHD_OPTION_END);
	if (!h->d) {
		*why = "cannot start the HTTP server (address in use or not local?)";
		http_free(h);
		return E_CONFIG;
	}
	*out = h;
	return E_OK;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);
	for (int i = 0; i < B_N; i++)
		free(h->files[i].data);
	free(h->cert);
	if (h->key) {
		memset(h->key, 0, strlen(h->key));
		free(h->key);
	}
	if (h->haskey)
		pthread_key_delete(h->outkey);
	cache_free(h->cache);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
