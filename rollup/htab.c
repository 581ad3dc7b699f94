/* rollup/htab.c: open-addressing hash tables for in-memory aggregation (fixed-size keys; interned strings). */
#include <stdlib.h>
#include <string.h>

#include "rollup/htab.h"

struct htab {
	size_t keysize, valsize, slotsize;
	size_t cap;        /* slots, power of two */
	size_t count;      /* used slots */
	uint32_t *tag;     /* 0 = empty, else (hash >> 32) | 1: skips most memcmp calls */
	uint8_t *slot;     /* cap * slotsize bytes: key then value */
};

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t htab_hash(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ mix(w)) * 0x100000001b3ULL;
		h = (h << 27) | (h >> 37);
		b += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, b, len);
		h ^= mix(w ^ 0xa5);
	}
	return mix(h);
}

static int alloc_slots(struct htab *h, size_t cap)
{
	h->tag = calloc(cap, sizeof *h->tag);
	h->slot = malloc(cap * h->slotsize);
	if (!h->tag || !h->slot) {
		free(h->tag);
		free(h->slot);
		h->tag = NULL;
		h->slot = NULL;
		return -1;
	}
	h->cap = cap;
	h->count = 0;
	return 0;
}

struct htab *htab_new(size_t keysize, size_t valsize)
{
	if (keysize == 0 || keysize % 8)
		return NULL;
	struct htab *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->keysize = keysize;
	h->valsize = valsize;
	h->slotsize = (keysize + valsize + 7) & ~(size_t)7;
	if (alloc_slots(h, 1024)) {
		free(h);
		return NULL;
	}
	return h;
}

void htab_free(struct htab *h)
{
	if (!h)
		return;
	free(h->tag);
	free(h->slot);
	free(h);
}

void htab_clear(struct htab *h)
{
	memset(h->tag, 0, h->cap * sizeof *h->tag);
	h->count = 0;
}

size_t htab_count(const struct htab *h)
{
	return h->count;
}

static int grow(struct htab *h)
{
	uint32_t *otag = h->tag;
	uint8_t *oslot = h->slot;
	size_t ocap = h->cap;
	if (alloc_slots(h, ocap * 2)) {
		h->tag = otag;
		h->slot = oslot;
		h->cap = ocap;
		return -1;
	}
	size_t mask = h->cap - 1;
	for (size_t i = 0; i < ocap; i++) {
		if (!otag[i])
			continue;
		uint8_t *s = oslot + i * h->slotsize;
		size_t j = htab_hash(s, h->keysize) & mask;
		while (h->tag[j])
			j = (j + 1) & mask;
		h->tag[j] = otag[i];
		memcpy(h->slot + j * h->slotsize, s, h->slotsize);
		h->count++;
	}
	free(otag);
	free(oslot);
	return 0;
}

void *htab_find(const struct htab *h, const void *key)
{
	uint64_t hv = htab_hash(key, h->keysize);
	uint32_t tag = (uint32_t)(hv >> 32) | 1;
	size_t mask = h->cap - 1;
	for (size_t j = hv & mask; h->tag[j]; j = (j + 1) & mask) {
		uint8_t *s = h->slot + j * h->slotsize;
		if (h->tag[j] == tag && memcmp(s, key, h->keysize) == 0)
			return s + h->keysize;
	}
	return NULL;
}

void *htab_upsert(struct htab *h, const void *key)
{
	if ((h->count + 1) * 2 > h->cap && grow(h))
		return NULL;
	uint64_t hv = htab_hash(key, h->keysize);
	uint32_t tag = (uint32_t)(hv >> 32) | 1;
	size_t mask = h->cap - 1;
	size_t j = hv & mask;
	for (; h->tag[j]; j = (j + 1) & mask) {
		uint8_t *s = h->slot + j * h->slotsize;
		if (h->tag[j] == tag && memcmp(s, key, h->keysize) == 0)
			return s + h->keysize;
	}
	uint8_t *s = h->slot + j * h->slotsize;
	h->tag[j] = tag;
	memcpy(s, key, h->keysize);
	memset(s + h->keysize, 0, h->slotsize - h->keysize);
	h->count++;
	return s + h->keysize;
}

void *htab_next(const struct htab *h, size_t *it, const void **key)
{
	for (size_t i = *it; i < h->cap; i++) {
		if (h->tag[i]) {
			*it = i + 1;
			uint8_t *s = h->slot + i * h->slotsize;
			if (key)
				*key = s;
			return s + h->keysize;
		}
	}
	*it = h->cap;
	return NULL;
}

/* strtab: an index table of (arena offset, length, hash) and an open-addressing array of index+1 */
struct str_ent {
	uint64_t hash;
	uint32_t off, len;
};

struct strtab {
	struct str_ent *ent;   /* by index */
	uint32_t n, ncap;
	uint32_t *slot;        /* index + 1, 0 = empty */
	uint32_t scap;         /* power of two */
	char *arena;
	size_t used, acap;
};

struct strtab *strtab_new(void)
{
	struct strtab *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->scap = 256;
	t->slot = calloc(t->scap, sizeof *t->slot);
	if (!t->slot) {
		free(t);
		return NULL;
	}
	return t;
}

void strtab_free(struct strtab *t)
{
	if (!t)
		return;
	free(t->ent);
	free(t->slot);
	free(t->arena);
	free(t);
}

void strtab_clear(struct strtab *t)
{
	memset(t->slot, 0, t->scap * sizeof *t->slot);
	t->n = 0;
	t->used = 0;
}

uint32_t strtab_count(const struct strtab *t)
{
	return t->n;
}

const char *strtab_str(const struct strtab *t, uint32_t i)
{
	return t->arena + t->ent[i].off;
}

static int strtab_grow(struct strtab *t)
{
	uint32_t ncap = t->scap * 2;
	uint32_t *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t j = t->ent[i].hash & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = i + 1;
	}
	free(t->slot);
	t->slot = ns;
	t->scap = ncap;
	return 0;
}

int64_t strtab_intern(struct strtab *t, const char *s, size_t len)
{
	if (len > UINT32_MAX / 2)
		return -1;
	uint64_t hv = htab_hash(s, len);
	uint32_t mask = t->scap - 1;
	uint32_t j = hv & mask;
	for (; t->slot[j]; j = (j + 1) & mask) {
		const struct str_ent *e = &t->ent[t->slot[j] - 1];
		if (e->hash == hv && e->len == len && memcmp(t->arena + e->off, s, len) == 0)
			return t->slot[j] - 1;
	}
	if (t->n == t->ncap) {
		uint32_t nc = t->ncap ? t->ncap * 2 : 256;
		struct str_ent *ne = realloc(t->ent, nc * sizeof *ne);
		if (!ne)
			return -1;
		t->ent = ne;
		t->ncap = nc;
	}
	if (t->used + len + 1 > t->acap) {
		size_t nc = t->acap ? t->acap * 2 : 65536;
		while (nc < t->used + len + 1)
			nc *= 2;
		char *na = realloc(t->arena, nc);
		if (!na)
			return -1;
		t->arena = na;
		t->acap = nc;
	}
	struct str_ent *e = &t->ent[t->n];
	e->hash = hv;
	e->off = (uint32_t)t->used;
	e->len = (uint32_t)len;
	memcpy(t->arena + t->used, s, len);
	t->arena[t->used + len] = '\0';
	t->used += len + 1;
	t->slot[j] = ++t->n;
	if (t->n * 2 > t->scap && strtab_grow(t))
		return -1;
	return t->n - 1;
}
