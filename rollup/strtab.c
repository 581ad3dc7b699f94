/* rollup/strtab.c: string interning for in-memory aggregation (equal strings, one small index). */
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "rollup/strtab.h"

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

int strtab_new(struct strtab **out)
{
	*out = NULL;
	struct strtab *t = calloc(1, sizeof *t);
	if (!t)
		return E_NOMEM;
	t->scap = 256;
	t->slot = calloc(t->scap, sizeof *t->slot);
	if (!t->slot) {
		free(t);
		return E_NOMEM;
	}
	*out = t;
	return E_OK;
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
