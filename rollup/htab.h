/* rollup/htab.h: open-addressing hash tables for in-memory aggregation (fixed-size keys; interned strings). */
#ifndef DNSA_ROLLUP_HTAB_H
#define DNSA_ROLLUP_HTAB_H

#include <stddef.h>
#include <stdint.h>

/*
 * htab: fixed-size keys (a multiple of 8 bytes, compared with memcmp, so
 * callers zero their padding) mapped to fixed-size values. Linear probing,
 * power-of-two capacity, grows at 50% load. Growth allocates; a lookup of an
 * existing key never does. Pointers returned stay valid until the next
 * htab_upsert or htab_clear.
 */
struct htab;

/* htab_new: keysize % 8 == 0 and > 0; NULL on allocation failure or bad size. */
struct htab *htab_new(size_t keysize, size_t valsize);
void htab_free(struct htab *h);
/* htab_clear: forget every entry, keep the memory. Cannot fail. */
void htab_clear(struct htab *h);
/* htab_upsert: the value for key (zero-filled when new); NULL only on allocation failure. */
void *htab_upsert(struct htab *h, const void *key);
/*
 * Many independent lookups per record are bound by memory latency, not by
 * work: callers hash their keys first, htab_prefetch every slot, then
 * htab_upsert_hashed, so the cache misses overlap. hv = htab_hash(key, keysize).
 */
void htab_prefetch(const struct htab *h, uint64_t hv);
void *htab_upsert_hashed(struct htab *h, const void *key, uint64_t hv);
/* htab_find: the value for key or NULL. */
void *htab_find(const struct htab *h, const void *key);
size_t htab_count(const struct htab *h);
/* htab_bytes: bytes the table holds (its slots, used or not). Cannot fail. */
size_t htab_bytes(const struct htab *h);
/* htab_trim: htab_clear, and give the memory back if the table holds more than max bytes. Cannot fail. */
void htab_trim(struct htab *h, size_t max);
/* htab_next: iterate; start with *it = 0; returns the value (and *key) or NULL at the end. */
void *htab_next(const struct htab *h, size_t *it, const void **key);

/* htab_hash: 64-bit hash of len bytes (any length). Cannot fail. */
uint64_t htab_hash(const void *p, size_t len);

/*
 * strtab: interns strings: equal strings get the same small index, in order
 * of first appearance (0, 1, 2...). Strings are copied into an arena owned by
 * the table.
 */
struct strtab;
struct strtab *strtab_new(void);
void strtab_free(struct strtab *t);
void strtab_clear(struct strtab *t);
/* strtab_intern: index of s[0..len), adding it if new; -1 on allocation failure. */
int64_t strtab_intern(struct strtab *t, const char *s, size_t len);
/*
 * strtab_intern_hashed: the same with hv = htab_hash(s, len) computed by the
 * caller, who may strtab_prefetch(t, hv) ahead of it so the slot's cache miss
 * overlaps other work. strtab_prefetch cannot fail and changes nothing.
 */
int64_t strtab_intern_hashed(struct strtab *t, const char *s, size_t len, uint64_t hv);
void strtab_prefetch(const struct strtab *t, uint64_t hv);
/*
 * strtab_peek: a hint, once the slot is cached: the index of the string that
 * most likely has hash hv (its home slot's, compared by tag only, so maybe
 * another string), or -1; prefetches that string for the compare to come.
 * Cannot fail, changes nothing.
 */
int64_t strtab_peek(const struct strtab *t, uint64_t hv);
/* strtab_find: index of s[0..len) or -1 if absent. Cannot fail. */
int64_t strtab_find(const struct strtab *t, const char *s, size_t len);
/* strtab_find_hashed: strtab_find with hv = htab_hash(s, len). Cannot fail. */
int64_t strtab_find_hashed(const struct strtab *t, const char *s, size_t len, uint64_t hv);
/* strtab_bytes: bytes the table holds. Cannot fail. */
size_t strtab_bytes(const struct strtab *t);
/* strtab_trim: strtab_clear, and give the memory back if it holds more than max bytes. Cannot fail. */
void strtab_trim(struct strtab *t, size_t max);
/* strtab_str: the NUL-terminated string of index i (i < strtab_count). */
const char *strtab_str(const struct strtab *t, uint32_t i);
uint32_t strtab_count(const struct strtab *t);

#endif
