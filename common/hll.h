/* common/hll.h: HyperLogLog sketch (2^12 registers) of distinct values: add, merge, estimate, standard error. */
#ifndef DNSA_COMMON_HLL_H
#define DNSA_COMMON_HLL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Flajolet, Fusy, Gandouet, Meunier (2007) with a 64-bit hash: the first
 * HLL_P bits of the hash choose a register, the register keeps the largest
 * rank (1 + leading zeros) of the remaining 52 bits, so a register is
 * 0..HLL_RANK_MAX. Two sketches of the same hash merge by the maximum per
 * register, exactly as if every value had been added to one sketch: that is
 * what lets nodes, intervals, hours and days add up without the values.
 * Relative standard error 1.04 / sqrt(4096) = 1.6% above a few thousand
 * distinct values; below that (linear counting) it is smaller (hll_estimate).
 * A plain value type, fixed size, no pointers: embed it, copy it, zero it
 * (a zeroed struct is an empty sketch).
 */
#define HLL_P 12
#define HLL_M (1u << HLL_P)
#define HLL_RANK_MAX (64 - HLL_P + 1)

struct hll {
	uint8_t reg[HLL_M];   /* register j: max rank seen for register j (0: none) */
};

/* hll_mix: a 64-bit mixer (xor-shift, multiply by odd constants): every input bit reaches every output bit. */
static inline uint64_t hll_mix(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

/*
 * hll_hash: 64-bit hash of len bytes, well spread, seeded; no allocation.
 * Sketches merge only if every producer hashes alike: changing a hash that
 * feeds a sketch on the wire is a wire format change.
 */
uint64_t hll_hash(const void *data, size_t len, uint64_t seed);

/* hll_add_hash: add one hashed value. Cannot fail. Returns 1 if a register rose. */
static inline int hll_add_hash(struct hll *h, uint64_t x)
{
	uint32_t j = (uint32_t)(x >> (64 - HLL_P));
	/* the guard bit bounds the rank at HLL_RANK_MAX when the other 52 bits are all zero */
	uint64_t w = (x << HLL_P) | (1ull << (HLL_P - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);
	if (rank > h->reg[j]) {
		h->reg[j] = rank;
		return 1;
	}
	return 0;
}

/* hll_clear: empty the sketch. */
void hll_clear(struct hll *h);

/* hll_merge: dst = union of dst and src (register-wise maximum). */
void hll_merge(struct hll *dst, const struct hll *src);

/* hll_nonzero: registers that are not 0 (0: empty sketch). */
unsigned hll_nonzero(const struct hll *h);

/*
 * hll_estimate: the estimated number of distinct values added, and in *se
 * (may be NULL) its standard error in the same unit: linear counting
 * m ln(m/V) with se sqrt(m (e^t - t - 1)), t = n/m (Whang et al. 1990) while
 * the raw estimate is below 2.5 m and some register V is still 0; else the
 * raw HyperLogLog estimate with se 1.04 n / sqrt(m). 0 for an empty sketch.
 */
double hll_estimate(const struct hll *h, double *se);

/*
 * hll_merge_chunk: merge registers[0..n) into h starting at register
 * first (a chunk of a sketch as it travels). Returns 0, or -1 (h unchanged)
 * if the chunk runs past HLL_M or holds a value above HLL_RANK_MAX.
 */
int hll_merge_chunk(struct hll *h, unsigned first, const uint8_t *registers, size_t n);

#endif
