/* rollup/htab.c: open-addressing hash table for in-memory aggregation (fixed-size keys). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/errors.h"
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

int htab_new(size_t keysize, size_t valsize, struct htab **out)
{
	*out = NULL;
	if (keysize == 0 || keysize % 8)
		return E_INVAL;
	struct htab *h = calloc(1, sizeof *h);
	if (!h)
		return E_NOMEM;
	h->keysize = keysize;
	h->valsize = valsize;
	h->slotsize = 8 + ((keysize + valsize + 7) & ~(size_t)7);
	if (alloc_slots(h, 1024)) {
		free(h);
		return E_NOMEM;
	}
	*out = h;
	return E_OK;
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
