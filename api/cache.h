/* api/cache.h: dnsa-api's per-account answer cache: a few seconds, bounded memory, never shared across accounts. */
#ifndef DNSA_API_CACHE_H
#define DNSA_API_CACHE_H

#include <stddef.h>

#include "api/jbuf.h"

/*
 * A successful answer (status 200, JSON text) is kept for ttl seconds under
 * the key (account, normalized request). A lookup matches the account and
 * the request exactly, so an account is only ever given what MariaDB
 * answered to that same account: segregation still rests on MariaDB's
 * grants, and a changed grant or new data shows within ttl seconds. Memory:
 * the keys and bodies held take at most max_bytes together (plus a fixed
 * 64 bytes of bookkeeping per entry, and a hash table of 4096 pointers); the
 * oldest entries go first when a new one would pass it, and an answer
 * larger than max_bytes / 4 is not kept. Thread-safe (one mutex; a hit is a
 * copy under it).
 */
struct cache;

/* cache_new: an empty cache with a random hash key, or (ttl 0) none: *out NULL and every call a no-op. E_OK or E_NOMEM. */
int cache_new(unsigned ttl, size_t max_bytes, struct cache **out);
void cache_free(struct cache *c);

/*
 * cache_get: the answer kept for (account, req), appended to out (reset
 * first). 1 on a hit, 0 on a miss (out untouched), cache NULL included.
 */
int cache_get(struct cache *c, const char *account, const char *req, struct jbuf *out);
/* cache_put: keep a copy of body for (account, req). Cannot fail (no memory: not kept). */
void cache_put(struct cache *c, const char *account, const char *req, const char *body, size_t len);

/* counters since start */
struct cache_stats {
	unsigned long long hits, misses, entries, bytes;
};
void cache_stats(struct cache *c, struct cache_stats *out);

#endif
