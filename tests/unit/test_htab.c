/* tests/unit/test_htab.c: rollup/htab: the aggregation hash table (growth, iteration, hashed/prefetched path) and the string interner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "rollup/htab.h"
#include "rollup/strtab.h"
#include "tests/tap.h"

struct k16 {
	uint64_t a, b;
};

static void test_htab(void)
{
	struct htab *h;
	htab_new(sizeof(struct k16), sizeof(uint64_t), &h);
	ok(h != NULL, "htab_new");
	struct htab *none = NULL;
	ok(htab_new(12, 8, &none) == E_INVAL && none == NULL, "htab_new refuses a key size that is not a multiple of 8");
	htab_free(NULL);
	/* 100k keys force many doublings; every value must survive them */
	for (uint64_t i = 0; i < 100000; i++) {
		struct k16 k = { i, i * 7 };
		uint64_t *v = htab_upsert(h, &k);
		*v += i + 1;
	}
	for (uint64_t i = 0; i < 100000; i += 3) {
		struct k16 k = { i, i * 7 };
		uint64_t *v = htab_upsert(h, &k);
		*v += 1;
	}
	is(htab_count(h), 100000, "100000 distinct keys");
	struct k16 k = { 99999, 99999 * 7 };
	uint64_t *v = htab_find(h, &k);
	is(v ? *v : 0, 100000 + 1, "value of key 99999 (added to twice)");
	k.b = 1;
	ok(htab_find(h, &k) == NULL, "absent key not found");
	size_t it = 0, n = 0;
	uint64_t sum = 0;
	const void *kp;
	while ((v = htab_next(h, &it, &kp))) {
		n++;
		sum += *v;
	}
	is(n, 100000, "iteration visits every entry once");
	is(sum, 100000ull * 100001 / 2 + 33334, "iteration sums every value");
	htab_clear(h);
	is(htab_count(h), 0, "htab_clear empties");
	it = 0;
	ok(htab_next(h, &it, &kp) == NULL, "nothing to iterate after clear");
	htab_free(h);

	struct strtab *t;
	strtab_new(&t);
	is(strtab_intern(t, "nl", 2), 0, "first string gets index 0");
	is(strtab_intern(t, "frl", 3), 1, "second string index 1");
	is(strtab_intern(t, "nlx", 2), 0, "same bytes, same index (length bounded)");
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "z%d.test", i);
		strtab_intern(t, name, strlen(name));
	}
	is(strtab_count(t), 5002, "5002 distinct strings after growth");
	is_str(strtab_str(t, 1), "frl", "strtab_str after growth");
	is(strtab_intern(t, "z4999.test", 10), 5001, "lookup after growth");
	strtab_free(t);
	strtab_free(NULL);
}

/* the hashed path (hash, prefetch, upsert_hashed) gives the same table as htab_upsert */
static void test_hashed(void)
{
	struct htab *a;
	htab_new(sizeof(struct k16), sizeof(uint64_t), &a);
	struct htab *b;
	htab_new(sizeof(struct k16), sizeof(uint64_t), &b);
	int same = 1;
	for (uint64_t i = 0; i < 20000; i++) {
		struct k16 k = { i % 7000, 3 };
		uint64_t hv = htab_hash(&k, sizeof k);
		*(uint64_t *)htab_upsert(a, &k) += i;
		htab_prefetch(b, hv);
		*(uint64_t *)htab_upsert_hashed(b, &k, hv) += i;
	}
	is(htab_count(a), 7000, "7000 distinct keys by htab_upsert");
	is(htab_count(b), 7000, "7000 distinct keys by htab_upsert_hashed");
	for (uint64_t i = 0; i < 7000; i++) {
		struct k16 k = { i, 3 };
		uint64_t *va = htab_find(a, &k), *vb = htab_find(b, &k);
		same &= va && vb && *va == *vb;
	}
	ok(same, "every key has the same value either way");
	/* keys differing only in their second word are distinct (the whole key is compared) */
	struct k16 k1 = { 1, 1 }, k2 = { 1, 2 };
	*(uint64_t *)htab_upsert(a, &k1) = 11;
	*(uint64_t *)htab_upsert(a, &k2) = 22;
	is(*(uint64_t *)htab_find(a, &k1), 11, "key {1,1}");
	is(*(uint64_t *)htab_find(a, &k2), 22, "key {1,2} is another entry");
	/* iteration hands out the keys too */
	size_t it = 0;
	const void *kp;
	uint64_t *v;
	int keys_ok = 1;
	while ((v = htab_next(b, &it, &kp)))
		keys_ok &= htab_find(b, kp) == v;
	ok(keys_ok, "each key from htab_next finds its own value");
	/* a new entry's value is zero-filled, also after htab_clear reuses the memory */
	htab_clear(b);
	struct k16 k = { 5, 3 };
	v = htab_upsert(b, &k);
	is(v ? *v : 99, 0, "a new value is zero after htab_clear");
	htab_free(a);
	htab_free(b);
	struct htab *none = NULL;
	ok(htab_new(0, 8, &none) == E_INVAL && none == NULL, "htab_new refuses key size 0");
}

static void test_hash(void)
{
	const char *s = "www.example.test";
	uint64_t h1 = htab_hash(s, strlen(s)), h2 = htab_hash(s, strlen(s));
	is(h1 == h2, 1, "htab_hash is a function of the bytes");
	ok(htab_hash(s, strlen(s) - 1) != h1, "one byte less, another hash");
	ok(htab_hash("www.example.tesu", 16) != h1, "last byte changed, another hash");
	/* 10000 short keys: the low 12 bits (the slot of a 4096-slot table) spread them */
	static unsigned bucket[4096];
	unsigned maxb = 0;
	char k[32];
	for (int i = 0; i < 10000; i++) {
		snprintf(k, sizeof k, "z%d.test", i);
		unsigned b = (unsigned)(htab_hash(k, strlen(k)) & 4095);
		if (++bucket[b] > maxb)
			maxb = bucket[b];
	}
	ok(maxb <= 16, "10000 similar names over 4096 slots: at most %u in one (uniform: ~2.4)", maxb);
}

static void test_strtab_more(void)
{
	struct strtab *t;
	strtab_new(&t);
	ok(t != NULL, "strtab_new");
	is(strtab_find(t, "nl", 2), -1, "find in an empty table: -1");
	uint64_t hv = htab_hash("nl", 2);
	strtab_prefetch(t, hv);
	is(strtab_intern_hashed(t, "nl", 2, hv), 0, "strtab_intern_hashed: first index 0");
	is(strtab_intern(t, "nl", 2), 0, "strtab_intern finds what intern_hashed added");
	is(strtab_find(t, "nl", 2), 0, "strtab_find");
	is(strtab_find(t, "n", 1), -1, "a prefix is another string");
	is(strtab_peek(t, hv), 0, "strtab_peek: the hint for nl's hash is nl");
	is(strtab_intern(t, "", 0), 1, "the empty string is a string too");
	is_str(strtab_str(t, 1), "", "and reads back empty");
	{
		/* a string with a NUL byte inside is interned by its length */
		is(strtab_intern(t, "a\0b", 3), 2, "bytes with a NUL inside get their own index");
		is(strtab_find(t, "a", 1), -1, "and are not the string before the NUL");
	}
	strtab_clear(t);
	is(strtab_count(t), 0, "strtab_clear empties");
	is(strtab_find(t, "nl", 2), -1, "nothing found after clear");
	is(strtab_intern(t, "frl", 3), 0, "indexes start at 0 again");
	strtab_free(t);
}

int main(void)
{
	test_htab();
	test_hashed();
	test_hash();
	test_strtab_more();
	return done_testing();
}
