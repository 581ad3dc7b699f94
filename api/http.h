/* api/http.h: dnsa-api's HTTP side (libmicrohttpd): listener, TLS, static dashboard files, auth, replies. */
#ifndef DNSA_API_HTTP_H
#define DNSA_API_HTTP_H

#include <stdint.h>

#include "api/api_conf.h"
#include "api/db.h"
#include "api/tokens.h"

struct http;

/* what the server has done since start (read with http_stats) */
struct http_stats {
	uint64_t requests;          /* requests answered */
	uint64_t by_class[6];       /* by status class: [2] 2xx, [4] 4xx, [5] 5xx */
	uint64_t unauthorized;      /* 401 */
	uint64_t rate_limited;      /* 429 */
	uint64_t cache_hits;        /* answers served from the cache (cache_ttl) */
	uint64_t cache_misses;      /* cache lookups that found nothing (the request went on to routes) */
};

/*
 * http_new: load the dashboard files and the TLS certificate/key into memory,
 * bind conf->listen and start the worker threads. tokens and db must outlive
 * the server. Returns E_OK and *out, or a negative code with *why a static
 * reason (and *out NULL).
 */
int http_new(const struct api_conf *conf, struct tokens *tokens, struct db *db, struct http **out,
    const char **why);
/* http_free: stop accepting, finish the requests in progress, free. Accepts NULL. */
void http_free(struct http *h);
void http_stats(struct http *h, struct http_stats *out);

#endif
