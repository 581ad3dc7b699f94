/* common/hash.h: the hash mixers every table uses (not cryptographic: tables seed or bound what a peer can choose). */
#ifndef DNSA_COMMON_HASH_H
#define DNSA_COMMON_HASH_H

#include <stdint.h>

/*
 * hash_mix64: the 64-bit finaliser of MurmurHash3 (fmix64): every input bit
 * affects every output bit, so a table may take the low or the high bits.
 * Cannot fail.
 */
static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* FNV-1a, 32 bits, one byte at a time: h = HASH_FNV1A32_INIT, then h = hash_fnv1a32(h, byte) per byte. */
#define HASH_FNV1A32_INIT 2166136261u

static inline uint32_t hash_fnv1a32(uint32_t h, uint8_t byte)
{
	return (h ^ byte) * 16777619u;
}

#endif
