/* rollup/htab.h: open-addressing hash table for in-memory aggregation (fixed-size keys). */
#ifndef DNSA_ROLLUP_HTAB_H
#define DNSA_ROLLUP_HTAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/hash.h"

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

/*
 * htab_hash: 64-bit hash of len bytes (any length). Cannot fail. Inline: the
 * aggregation hashes several fixed-size keys per record, and with a constant
 * len the loop unrolls (as a call it was ~10% of the rollup's profile).
 */
static inline uint64_t htab_hash(const void *p, size_t len)
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
		/* the tail as one little-endian word, read in 4/2/1-byte pieces: a memcpy of a
		 * variable length into w stalled on the store-to-load forward (~25% of agg_prepare) */
		uint64_t w = 0;
		unsigned o = 0;
		if (len & 4) {
			uint32_t x;
			memcpy(&x, b, 4);
			w = x;
			o = 4;
		}
		if (len & 2) {
			uint16_t x;
			memcpy(&x, b + o, 2);
			w |= (uint64_t)x << (o * 8);
			o += 2;
		}
		if (len & 1)
			w |= (uint64_t)b[o] << (o * 8);
		h = (h ^ w ^ 0xa5) * 0x100000001b3ULL;
	}
	return hash_mix64(h);
}

#endif
