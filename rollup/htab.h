/* rollup/htab.h: open-addressing hash table for in-memory aggregation (fixed-size keys). */
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

/* htab_new: keysize % 8 == 0 and > 0. E_OK with *out set, or E_INVAL (bad size) / E_NOMEM with *out NULL. */
int htab_new(size_t keysize, size_t valsize, struct htab **out);
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

#endif
