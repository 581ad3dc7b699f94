/* common/hll.c: HyperLogLog sketch: hash, merge, estimate (see hll.h for the method and its error). */
#include "common/hll.h"

#include <math.h>
#include <string.h>

#define mix hll_mix

uint64_t hll_hash(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = mix(seed ^ (0x9e3779b97f4a7c15ull * (len + 1)));
	while (len) {
		uint64_t w = 0;
		size_t k = len < 8 ? len : 8;
		memcpy(&w, p, k);
		h = mix(h ^ w) + 0x9e3779b97f4a7c15ull;
		p += k;
		len -= k;
	}
	return mix(h);
}

void hll_clear(struct hll *h)
{
	memset(h->reg, 0, sizeof h->reg);
}

void hll_merge(struct hll *dst, const struct hll *src)
{
	for (unsigned j = 0; j < HLL_M; j++)
		if (src->reg[j] > dst->reg[j])
			dst->reg[j] = src->reg[j];
}

unsigned hll_nonzero(const struct hll *h)
{
	unsigned n = 0;
	for (unsigned j = 0; j < HLL_M; j++)
		n += h->reg[j] != 0;
	return n;
}

double hll_estimate(const struct hll *h, double *se)
{
	const double m = HLL_M;
	double sum = 0;
	unsigned zeros = 0;
	for (unsigned j = 0; j < HLL_M; j++) {
		sum += ldexp(1.0, -(int)h->reg[j]);
		zeros += h->reg[j] == 0;
	}
	double e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (zeros == HLL_M) {
		if (se)
			*se = 0;
		return 0;
	}
	if (e <= 2.5 * m && zeros) {
		e = m * log(m / zeros);
		if (se) {
			double t = e / m;
			*se = sqrt(m * (exp(t) - t - 1));
		}
		return e;
	}
	if (se)
		*se = 1.04 / sqrt(m) * e;
	return e;
}

int hll_merge_chunk(struct hll *h, unsigned first, const uint8_t *r, size_t n)
{
	if (first > HLL_M || n > HLL_M - first || (n && !r))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (r[i] > HLL_RANK_MAX)
			return -1;
	for (size_t i = 0; i < n; i++)
		if (r[i] > h->reg[first + i])
			h->reg[first + i] = r[i];
	return 0;
}
