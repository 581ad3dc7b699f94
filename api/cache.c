/* api/cache.c: dnsa-api's per-account answer cache: a few seconds, bounded memory, never shared across accounts. */
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/cache.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/hash.h"

#define BUCKETS 4096

/* one answer: key (account NUL request NUL) then body, in one allocation */
struct entry {
	struct entry *hnext;    /* hash chain */
	struct entry *older, *newer; /* age list (ttl is the same for all: oldest expires first) */
	uint64_t hash;          /* of the key */
	double until;           /* monotonic seconds: served before this */
	size_t klen, blen;      /* key bytes (both NULs included), body bytes */
	char data[];            /* key, then body */
};

struct cache {
	pthread_mutex_t mu;     /* guards everything below */
	unsigned ttl;           /* seconds an answer is served */
	size_t max_bytes;       /* keys + bodies held, at most */
	size_t bytes;           /* keys + bodies held now */
	struct entry *b[BUCKETS]; /* hash table */
	struct entry *oldest, *newest; /* age list */
	struct cache_stats st;  /* counters */
	unsigned char key[crypto_shorthash_KEYBYTES]; /* random, drawn at cache_new */
};

int cache_new(unsigned ttl, size_t max_bytes, struct cache **out)
{
	*out = NULL;
	if (ttl == 0)
		return E_OK;
	if (sodium_init() < 0)  /* the key below comes from its random source */
		return E_NOMEM;
	struct cache *c = calloc(1, sizeof *c);
	if (!c)
		return E_NOMEM;
	pthread_mutex_init(&c->mu, NULL);
	c->ttl = ttl;
	c->max_bytes = max_bytes;
	randombytes_buf(c->key, sizeof c->key);
	*out = c;
	return E_OK;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	for (struct entry *e = c->oldest, *n; e; e = n) {
		n = e->newer;
		free(e);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/*
 * SipHash-2-4 (libsodium's crypto_shorthash) of the account and of the
 * request under the cache's random key: a partner chooses its requests, so
 * an unkeyed hash would let it fill one bucket's chain on purpose.
 */
static uint64_t hash_of(const struct cache *c, const char *account, const char *req, size_t *klen)
{
	unsigned char ha[crypto_shorthash_BYTES], hr[crypto_shorthash_BYTES];
	size_t al = strlen(account), rl = strlen(req);
	uint64_t a, r;
	crypto_shorthash(ha, (const unsigned char *)account, al, c->key);
	crypto_shorthash(hr, (const unsigned char *)req, rl, c->key);
	memcpy(&a, ha, sizeof a);
	memcpy(&r, hr, sizeof r);
	*klen = al + rl + 2;
	return hash_mix64(a) ^ r;
}

/* the key compared whole: the account and the request, both exactly */
static int same(const struct entry *e, const char *account, const char *req)
{
	size_t al = strlen(account);
	return !memcmp(e->data, account, al + 1) && !strcmp(e->data + al + 1, req);
}

static void unlink_entry(struct cache *c, struct entry *e)
{
	struct entry **pp = &c->b[e->hash % BUCKETS];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->bytes -= e->klen + e->blen;
	c->st.entries--;
	free(e);
}

/* drop what has expired, then the oldest until need more bytes fit */
static void trim(struct cache *c, double now, size_t need)
{
	while (c->oldest && (c->oldest->until <= now || c->bytes + need > c->max_bytes))
		unlink_entry(c, c->oldest);
}

int cache_get(struct cache *c, const char *account, const char *req, struct jbuf *out)
{
	if (!c)
		return 0;
	size_t kl;
	uint64_t h = hash_of(c, account, req, &kl);
	double now = clock_mono_s();
	int hit = 0;
	pthread_mutex_lock(&c->mu);
	trim(c, now, 0);
	for (struct entry *e = c->b[h % BUCKETS]; e; e = e->hnext)
		if (e->hash == h && e->klen == kl && same(e, account, req)) {
			jbuf_reset(out);
			jbuf_put(out, e->data + e->klen, e->blen);
			hit = !out->err;
			break;
		}
	if (hit)
		c->st.hits++;
	else
		c->st.misses++;
	pthread_mutex_unlock(&c->mu);
	return hit;
}

void cache_put(struct cache *c, const char *account, const char *req, const char *body, size_t len)
{
	if (!c)
		return;
	size_t kl;
	uint64_t h = hash_of(c, account, req, &kl);
	if (kl + len > c->max_bytes / 4)
		return;
	struct entry *e = malloc(sizeof *e + kl + len);
	if (!e)
		return;
	size_t al = strlen(account);
	memcpy(e->data, account, al + 1);
	memcpy(e->data + al + 1, req, kl - al - 1);
	memcpy(e->data + kl, body, len);
	e->hash = h;
	e->klen = kl;
	e->blen = len;
	double now = clock_mono_s();
	e->until = now + c->ttl;
	pthread_mutex_lock(&c->mu);
	/* another thread may have kept the same answer meanwhile: the newer one replaces it */
	for (struct entry *o = c->b[h % BUCKETS]; o; o = o->hnext)
		if (o->hash == h && o->klen == kl && same(o, account, req)) {
			unlink_entry(c, o);
			break;
		}
	trim(c, now, kl + len);
	e->hnext = c->b[h % BUCKETS];
	c->b[h % BUCKETS] = e;
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->bytes += kl + len;
	c->st.entries++;
	c->st.bytes = c->bytes;
	pthread_mutex_unlock(&c->mu);
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	*out = c->st;
	out->bytes = c->bytes;
	pthread_mutex_unlock(&c->mu);
}
