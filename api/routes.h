/* api/routes.h: dnsa-api's endpoints under /api/v1/: parameters checked, one prepared statement each. */
#ifndef DNSA_API_ROUTES_H
#define DNSA_API_ROUTES_H

#include <jansson.h>
#include <stdint.h>

#include "api/api_conf.h"
#include "api/db.h"
#include "api/jbuf.h"

/* one request, already authenticated: path below /api/v1 (e.g. "/zones"), the caller's account */
struct api_req {
	const char *path;                                  /* e.g. "/zones/example.test/qps" */
	const char *account;                               /* MariaDB account of the token */
	const char *(*arg)(void *cls, const char *key);    /* query parameter, NULL if absent */
	void *cls;                                         /* for arg */
	int64_t now;                                       /* wall clock, unix seconds */
};

/*
 * the reply: HTTP status and either a jansson body (owned by the caller after
 * the call) or, when body is NULL, the JSON text routes_handle wrote into out
 * (the hot endpoints: no json_t per row)
 */
struct api_reply {
	unsigned status;
	json_t *body;           /* errors and cold endpoints; NULL: the answer is out */
	struct jbuf *out;       /* the caller's reusable buffer, reset by routes_handle */
};

/*
 * routes_handle: run the endpoint named by rq->path. Always fills rp (errors
 * as {"error": {"code", "message"[, "parameter"]}} with a stable code; never
 * SQL text, paths or MariaDB messages). rp->out must be set by the caller.
 * Thread-safe.
 */
void routes_handle(struct db *db, const struct api_conf *cf, const struct api_req *rq, struct api_reply *rp);

/* routes_error: an error body; parameter may be NULL. Cannot fail (but for memory). */
json_t *routes_error(const char *code, const char *message, const char *parameter);

#endif
