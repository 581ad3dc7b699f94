/* tests/fuzz/fuzz_record.c: libFuzzer target for the CBOR record, counters and payload decoders. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/errors.h"
#include "common/record.h"
#include "tests/fuzz/fuzz.h"

static int visit(const struct dnsa_record *r, void *arg)
{
	uint8_t out[1024];
	size_t *n = arg;
	/* whatever decodes must re-encode and decode to the same bytes */
	int len = record_encode(r, out, sizeof out);
	if (len > 0) {
		struct dnsa_record back;
		if (record_decode(out, (size_t)len, &back) != len)
			__builtin_trap();
	}
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsa_record r;
	struct dnsa_counters c;
	size_t n = 0;

	if (record_decode(data, size, &r) > 0)
		visit(&r, &n);
	counters_decode(data, size, &c);
	int v = payload_validate(data, size, 1);
	int f = payload_foreach_record(data, size, visit, &n);
	if ((v < 0) != (f < 0))
		__builtin_trap(); /* validation and the walk must agree */
	int v2 = payload_validate(data, size, 2);
	payload_counters(data, size, &c);
	/* per-zone totals: the decode agrees with validation, and what decodes re-encodes to a valid payload */
	static struct dnsa_zone_total z[64];
	static uint8_t again[65536];
	int k = payload_zone_totals(data, size, z, 64);
	if (k >= 0 && v2 < 0)
		__builtin_trap();
	if (k > 0) {
		size_t used = 0;
		int len = counters_encode_zones(1, z, (size_t)k, &used, again, sizeof again);
		if (len <= 0 || used != (size_t)k || payload_zone_totals(again, (size_t)len, z, 64) != k)
			__builtin_trap();
	}
	return 0;
}
