/* rollup/htab.c: open-addressing hash tables for in-memory aggregation (fixed-size keys; interned strings). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "rollup/htab.h"

/*
 * Slot layout: tag (8 bytes: 0 = empty, else (hash >> 32) | 1), key, value, in
 * one contiguous slot, so a lookup touches one cache line, not a tag array
 * and then a slot array.
 */
struct htab {
	size_t keysize, valsize, slotsize;
	size_t cap;        /* slots, power of two */
	size_t count;      /* used slots */
	uint8_t *slot;     /* cap * slotsize bytes */
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
		h = (h ^ w) * 0x100000001b3ULL;
		h = (h << 29) | (h >> 35);
		b += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, b, len);
		h = (h ^ w ^ 0xa5) * 0x100000001b3ULL;
	}
	return mix(h);
}

static inline uint64_t *tag_at(const struct htab *h, size_t i)
{
	return (uint64_t *)(void *)(h->slot + i * h->slotsize);
}

/* keys are whole 8-byte words: compare them without a library call */
static inline int key_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t diff = 0;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
	}
	return diff == 0;
}

/*
 * Big tables are looked up at random, one lookup per dimension per record:
 * on 4 KiB pages nearly every lookup also misses the TLB. Tables of 2 MiB or
 * more are 2 MiB-aligned and marked for transparent huge pages.
 */
#define HUGE_PAGE (2u << 20)

static int alloc_slots(struct htab *h, size_t cap)
{
	size_t bytes = cap * h->slotsize;
	if (bytes >= HUGE_PAGE) {
		bytes = (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
		void *p = NULL;
		if (posix_memalign(&p, HUGE_PAGE, bytes))
			return -1;
		madvise(p, bytes, MADV_HUGEPAGE);
		memset(p, 0, bytes);
		h->slot = p;
	} else {
		h->slot = calloc(cap, h->slotsize);
	}
	if (!h->slot)
		return -1;
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
	h->slotsize = 8 + ((keysize + valsize + 7) & ~(size_t)7);
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
	free(h->slot);
	free(h);
}

void htab_clear(struct htab *h)
{
	for (size_t i = 0; i < h->cap; i++)
		*tag_at(h, i) = 0;
	h->count = 0;
}

size_t htab_bytes(const struct htab *h)
{
	return h->cap * h->slotsize;
}

void htab_trim(struct htab *h, size_t max)
{
	uint8_t *old = h->slot;
	size_t oc = h->cap;
	if (oc * h->slotsize <= max || alloc_slots(h, 1024)) {
		h->slot = old;
		h->cap = oc;
		htab_clear(h);
		return;
	}
	free(old);
}

size_t htab_count(const struct htab *h)
{
	return h->count;
}

static int grow(struct htab *h)
{
	uint8_t *old = h->slot;
	size_t ocap = h->cap;
	if (alloc_slots(h, ocap * 2)) {
		h->slot = old;
		h->cap = ocap;
		return -1;
	}
	size_t mask = h->cap - 1;
	for (size_t i = 0; i < ocap; i++) {
		uint8_t *s = old + i * h->slotsize;
		uint64_t tag;
		memcpy(&tag, s, 8);
		if (!tag)
			continue;
		size_t j = htab_hash(s + 8, h->keysize) & mask;
		while (*tag_at(h, j))
			j = (j + 1) & mask;
		memcpy(h->slot + j * h->slotsize, s, h->slotsize);
		h->count++;
	}
	free(old);
	return 0;
}

void *htab_find(const struct htab *h, const void *key)
{
	uint64_t hv = htab_hash(key, h->keysize);
	uint64_t tag = (hv >> 32) | 1;
	size_t mask = h->cap - 1;
	for (size_t j = hv & mask;; j = (j + 1) & mask) {
		uint8_t *s = h->slot + j * h->slotsize;
		uint64_t t;
		memcpy(&t, s, 8);
		if (!t)
			return NULL;
		if (t == tag && key_eq(s + 8, key, h->keysize))
			return s + 8 + h->keysize;
	}
}

void htab_prefetch(const struct htab *h, uint64_t hv)
{
	__builtin_prefetch(h->slot + (hv & (h->cap - 1)) * h->slotsize, 1);
}

void *htab_upsert(struct htab *h, const void *key)
{
	return htab_upsert_hashed(h, key, htab_hash(key, h->keysize));
}

void *htab_upsert_hashed(struct htab *h, const void *key, uint64_t hv)
{
	if ((h->count + 1) * 2 > h->cap && grow(h))
		return NULL;
	uint64_t tag = (hv >> 32) | 1;
	size_t mask = h->cap - 1;
	size_t j = hv & mask;
	for (;; j = (j + 1) & mask) {
		uint8_t *s = h->slot + j * h->slotsize;
		uint64_t t;
		memcpy(&t, s, 8);
		if (!t)
			break;
		if (t == tag && key_eq(s + 8, key, h->keysize))
			return s + 8 + h->keysize;
	}
	uint8_t *s = h->slot + j * h->slotsize;
	memcpy(s, &tag, 8);
	memcpy(s + 8, key, h->keysize);
	memset(s + 8 + h->keysize, 0, h->slotsize - 8 - h->keysize);
	h->count++;
	return s + 8 + h->keysize;
}

void *htab_next(const struct htab *h, size_t *it, const void **key)
{
	for (size_t i = *it; i < h->cap; i++) {
		uint8_t *s = h->slot + i * h->slotsize;
		uint64_t t;
		memcpy(&t, s, 8);
		if (t) {
			*it = i + 1;
			if (key)
				*key = s + 8;
			return s + 8 + h->keysize;
		}
	}
	*it = h->cap;
	return NULL;
}

/*
 * strtab: an index table of (arena offset, length) by index, and an
 * open-addressing array of slots that carry enough to decide a lookup
 * without touching the index table: one load of the slot, then one of the
 * arena to confirm (a lookup is two cache misses, not three).
 */
struct str_ent {
	uint32_t off, len;
};

struct str_slot {
	uint32_t idx1;         /* index + 1, 0 = empty */
	uint32_t tag;          /* hash >> 32 */
	uint32_t off, len;     /* the string in the arena */
};

struct strtab {
	struct str_ent *ent;   /* by index */
	uint32_t n, ncap;
	struct str_slot *slot;
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
	struct str_slot *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (uint32_t i = 0; i < t->scap; i++) {
		const struct str_slot *o = &t->slot[i];
		if (!o->idx1)
			continue;
		uint32_t j = (uint32_t)htab_hash(t->arena + o->off, o->len) & (ncap - 1);
		while (ns[j].idx1)
			j = (j + 1) & (ncap - 1);
		ns[j] = *o;
	}
	free(t->slot);
	t->slot = ns;
	t->scap = ncap;
	return 0;
}

/* names are short: compare 8 bytes at a time without a library call */
static inline int str_eq(const char *a, const char *b, size_t n)
{
	while (n >= 8) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
		a += 8;
		b += 8;
		n -= 8;
	}
	while (n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

/* the slot holding s, or the empty slot where it would go */
static inline uint32_t str_probe(const struct strtab *t, const char *s, size_t len, uint64_t hv)
{
	uint32_t mask = t->scap - 1, tag = (uint32_t)(hv >> 32);
	uint32_t j = (uint32_t)hv & mask;
	for (; t->slot[j].idx1; j = (j + 1) & mask) {
		const struct str_slot *e = &t->slot[j];
		if (e->tag == tag && e->len == len && str_eq(t->arena + e->off, s, len))
			break;
	}
	return j;
}

void strtab_prefetch(const struct strtab *t, uint64_t hv)
{
	__builtin_prefetch(&t->slot[(uint32_t)hv & (t->scap - 1)]);
}

int64_t strtab_peek(const struct strtab *t, uint64_t hv)
{
	const struct str_slot *e = &t->slot[(uint32_t)hv & (t->scap - 1)];
	if (!e->idx1 || e->tag != (uint32_t)(hv >> 32))
		return -1;
	__builtin_prefetch(t->arena + e->off);
	return (int64_t)e->idx1 - 1;
}

int64_t strtab_find(const struct strtab *t, const char *s, size_t len)
{
	uint32_t j = str_probe(t, s, len, htab_hash(s, len));
	return (int64_t)t->slot[j].idx1 - 1;
}

int64_t strtab_find_hashed(const struct strtab *t, const char *s, size_t len, uint64_t hv)
{
	uint32_t j = str_probe(t, s, len, hv);
	return (int64_t)t->slot[j].idx1 - 1;
}

size_t strtab_bytes(const struct strtab *t)
{
	return t->acap + (size_t)t->ncap * sizeof(struct str_ent) + (size_t)t->scap * sizeof(struct str_slot);
}

void strtab_trim(struct strtab *t, size_t max)
{
	struct str_slot *ns;
	if (strtab_bytes(t) <= max || !(ns = calloc(256, sizeof *ns))) {
		strtab_clear(t);
		return;
	}
	free(t->slot);
	free(t->ent);
	free(t->arena);
	t->slot = ns;
	t->scap = 256;
	t->ent = NULL;
	t->ncap = 0;
	t->arena = NULL;
	t->acap = 0;
	t->n = 0;
	t->used = 0;
}

int64_t strtab_intern(struct strtab *t, const char *s, size_t len)
{
	return strtab_intern_hashed(t, s, len, htab_hash(s, len));
}

int64_t strtab_intern_hashed(struct strtab *t, const char *s, size_t len, uint64_t hv)
{
	if (len > UINT32_MAX / 2)
		return -1;
	uint32_t j = str_probe(t, s, len, hv);
	if (t->slot[j].idx1)
		return t->slot[j].idx1 - 1;
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
		if (nc > UINT32_MAX)
			return -1;
		char *na = realloc(t->arena, nc);
		if (!na)
			return -1;
		t->arena = na;
		t->acap = nc;
	}
	struct str_ent *e = &t->ent[t->n];
	e->off = (uint32_t)t->used;
	e->len = (uint32_t)len;
	memcpy(t->arena + t->used, s, len);
	t->arena[t->used + len] = '\0';
	t->used += len + 1;
	t->slot[j] = (struct str_slot){ ++t->n, (uint32_t)(hv >> 32), e->off, e->len };
	if (t->n * 2 > t->scap && strtab_grow(t))
		return -1;
	return t->n - 1;
}
