/* tests/unit/test_record_sketch.c: common/record: distinct-client sketch pieces (payload key 5): round trip, chunking, hostile pieces. */
#include <stdio.h>
#include <string.h>

#include "common/errors.h"
#include "common/hll.h"
#include "common/record.h"
#include "tests/tap.h"

static uint8_t buf[1300];

/* encode one piece and return the payload length */
static int one(const char *zone, uint8_t kind, uint8_t flags, uint16_t first, const uint8_t *regs, uint16_t len)
{
	struct dnsa_sketch_piece p = { .zone = zone, .kind = kind, .flags = flags, .first = first, .len = len, .regs = regs };
	size_t used = 0;
	return counters_encode_sketches(1700000000000000ull, &p, 1, &used, buf, sizeof buf);
}

int main(void)
{
	static struct dnsa_sketch_piece out[64];
	uint8_t regs[SKETCH_PIECE_MAX];
	for (int i = 0; i < SKETCH_PIECE_MAX; i++)
		regs[i] = (uint8_t)(i % (HLL_RANK_MAX + 1));

	/* round trip of a dense and a sparse piece */
	int n = one("example.test", SK_ADDR, SKF_SAMPLED, 3586, regs, 510);
	ok(n > 0, "a dense piece of 510 registers encodes (%d bytes)", n);
	is(payload_validate(buf, (size_t)n, 2), 0, "the payload validates as COUNTERS");
	is(payload_sketches(buf, (size_t)n, out, 64), 1, "one piece decodes");
	is_str(out[0].zone, "example.test", "zone");
	ok(out[0].kind == SK_ADDR && out[0].flags == SKF_SAMPLED && out[0].first == 3586 && out[0].len == 510 &&
	    !memcmp(out[0].regs, regs, 510), "kind, flags, first, registers");
	struct dnsa_counters c;
	is(payload_counters(buf, (size_t)n, &c), E_OK, "payload_counters reads it as an (empty) counters payload");
	struct dnsa_zone_total zt[2];
	is(payload_zone_totals(buf, (size_t)n, zt, 2), 0, "no zone totals in it");

	uint8_t sp[6] = { 0x0f, 0xff, 53, 0x00, 0x01, 1 };   /* register 4095 rank 53, register 1 rank 1 */
	n = one("", SK_PREFIX, SKF_SPARSE, 0, sp, 6);
	ok(n > 0 && payload_sketches(buf, (size_t)n, out, 64) == 1 && out[0].zone_buf[0] == 0 && out[0].kind == SK_PREFIX &&
	    (out[0].flags & SKF_SPARSE) && out[0].len == 6, "a sparse node piece round-trips (zone \"\")");

	/* many pieces: as many as fit, then the rest */
	struct dnsa_sketch_piece many[10];
	for (int i = 0; i < 10; i++)
		many[i] = (struct dnsa_sketch_piece){ .zone = "example.test", .kind = SK_ADDR, .first = (uint16_t)(i * 400),
			.len = 400, .regs = regs };
	size_t used = 0, total = 0;
	int dgs = 0;
	while (total < 10) {
		n = counters_encode_sketches(1, many + total, 10 - total, &used, buf, sizeof buf);
		if (n <= 0 || (size_t)n > sizeof buf)
			break;
		total += used;
		dgs++;
	}
	ok(total == 10 && dgs == 4, "10 pieces of 400 registers go in 4 payloads of at most %zu bytes (%d)", sizeof buf, dgs);
	ok(counters_encode_sketches(1, many, 1, &used, buf, 100) == E_SPACE, "a piece larger than the buffer: E_SPACE");
	ok(counters_encode_sketches(1, NULL, 1, &used, buf, sizeof buf) == E_INVAL, "NULL pieces: E_INVAL");
	ok(payload_sketches(NULL, 0, out, 1) == E_INVAL && payload_sketches(buf, 1, NULL, 1) == E_INVAL, "NULL: E_INVAL");

	/* hostile pieces: the whole payload is refused */
	uint8_t bad[3] = { 1, HLL_RANK_MAX + 1, 2 };
	n = one("example.test", SK_ADDR, 0, 0, bad, 3);
	is(payload_sketches(buf, (size_t)n, out, 64), E_MALFORMED, "a rank above 53");
	is(payload_validate(buf, (size_t)n, 2), E_MALFORMED, "... refused by payload_validate too (aggd)");
	n = one("example.test", SK_ADDR, 0, 4000, regs, 100);
	is(payload_sketches(buf, (size_t)n, out, 64), E_MALFORMED, "registers past 4096");
	uint8_t sbad[3] = { 0x10, 0x00, 1 };   /* register 4096 */
	n = one("example.test", SK_ADDR, SKF_SPARSE, 0, sbad, 3);
	is(payload_sketches(buf, (size_t)n, out, 64), E_MALFORMED, "a sparse register index of 4096");
	n = one("example.test", SK_ADDR, SKF_SPARSE, 0, sp, 5);
	is(payload_sketches(buf, (size_t)n, out, 64), E_MALFORMED, "a sparse length not a multiple of 3");
	n = one("Example.test", SK_ADDR, 0, 0, regs, 10);
	is(payload_sketches(buf, (size_t)n, out, 64), E_MALFORMED, "an upper-case zone name");
	n = one("example.test", 3, 0, 0, regs, 10);
	ok(payload_sketches(buf, (size_t)n, out, 64) < 0, "an unknown kind");
	n = one("example.test", 0, 0, 0, regs, 10);
	is(payload_sketches(buf, (size_t)n, out, 64), E_MALFORMED, "kind 0");
	n = one("example.test", SK_ADDR, 4, 0, regs, 10);
	ok(payload_sketches(buf, (size_t)n, out, 64) < 0, "an unknown flag");
	n = one("example.test", SK_ADDR, 0, 0, regs, 10);
	for (int cut = 1; cut < n; cut += 7)
		if (payload_sketches(buf, (size_t)(n - cut), out, 64) >= 0)
			ok(0, "truncated by %d accepted", cut);
	ok(1, "every truncation of a piece is refused");
	is(payload_sketches(buf, (size_t)n, out, 0), E_SPACE, "more pieces than out[] holds: E_SPACE");
	return done_testing();
}
