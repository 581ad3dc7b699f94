/* tests/unit/test_udppair.c: capd/udppair: queries paired with responses by client, port and id; misses, evictions, timeouts counted. */
#include <stdio.h>
#include <string.h>

#include "capd/udppair.h"
#include "common/errors.h"
#include "tests/tap.h"

static const uint8_t A4[4] = { 192, 0, 2, 1 }, B4[4] = { 192, 0, 2, 2 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

int main(void)
{
	struct udppair *u = NULL;
	struct udppair_stats st;
	uint64_t q = 0;

	ok(udppair_new(NULL, NULL) == E_INVAL, "udppair_new(NULL, NULL): E_INVAL");
	ok(udppair_new(&(struct udppair_conf){ .slots = (1u << 24) + 1 }, &u) == E_INVAL && !u, "too many slots refused");
	udppair_free(NULL);
	udppair_stats(NULL, &st);
	is(st.matched + st.misses, 0, "stats of NULL are zero");
	is(udppair_memory(NULL), 16384 * 32 + udppair_memory(&(struct udppair_conf){ .slots = 4 }) - 4 * 32,
	    "default table: 16384 slots of 32 bytes");

	ok(udppair_new(NULL, &u) == E_OK && u, "default table");
	udppair_query(u, 4, A4, 5000, 77, 1000);
	ok(udppair_response(u, 4, A4, 5000, 77, 1250, &q) == 1 && q == 1000, "response finds its query: query time 1000");
	ok(udppair_response(u, 4, A4, 5000, 77, 1300, &q) == 0, "a second response to the same query: a miss");
	udppair_query(u, 4, A4, 5000, 78, 2000);
	ok(udppair_response(u, 4, A4, 5001, 78, 2100, &q) == 0, "another port: a miss");
	ok(udppair_response(u, 4, B4, 5000, 78, 2100, &q) == 0, "another address: a miss");
	ok(udppair_response(u, 6, A6, 5000, 78, 2100, &q) == 0, "another family: a miss");
	ok(udppair_response(u, 4, A4, 5000, 78, 2100, &q) == 1 && q == 2000, "the right key still waits");
	/* retransmission keeps the first time */
	udppair_query(u, 6, A6, 53000, 9, 3000);
	udppair_query(u, 6, A6, 53000, 9, 3500);
	ok(udppair_response(u, 6, A6, 53000, 9, 3600, &q) == 1 && q == 3000, "a retransmitted query keeps the first time");
	/* timeout: 5 s */
	udppair_query(u, 4, B4, 1, 1, 10000000);
	ok(udppair_response(u, 4, B4, 1, 1, 15000001, &q) == 0, "a response after the 5 s timeout: a miss");
	udppair_query(u, 4, B4, 1, 1, 16000000);
	ok(udppair_response(u, 4, B4, 1, 1, 16000100, &q) == 1 && q == 16000000, "the key's slot reused by the new query");
	udppair_stats(u, &st);
	is(st.matched, 4, "4 matched");
	is(st.misses, 5, "5 misses");
	is(st.unanswered, 1, "the stale query counted unanswered when its slot was reused");
	is(st.evicted, 0, "no eviction");
	udppair_free(u);

	/* one bucket of 4: the fifth waiting query evicts the oldest */
	ok(udppair_new(&(struct udppair_conf){ .slots = 4, .timeout_ms = 1000 }, &u) == E_OK, "a 4-slot table");
	for (uint16_t i = 0; i < 5; i++)
		udppair_query(u, 4, A4, 100, i, 100 + i);
	udppair_stats(u, &st);
	is(st.evicted, 1, "the fifth query evicts one");
	ok(udppair_response(u, 4, A4, 100, 0, 200, &q) == 0, "the oldest (id 0) was the one evicted");
	for (uint16_t i = 1; i < 5; i++)
		ok(udppair_response(u, 4, A4, 100, i, 200, &q) == 1 && q == 100u + i, "id %u still paired", i);
	/* stale entries are reused without counting an eviction */
	for (uint16_t i = 0; i < 4; i++)
		udppair_query(u, 4, A4, 100, i, 1000);
	for (uint16_t i = 10; i < 14; i++)
		udppair_query(u, 4, A4, 100, i, 3000000);
	udppair_stats(u, &st);
	is(st.evicted, 1, "replacing queries older than the timeout is no eviction");
	is(st.unanswered, 4, "... they are counted unanswered");
	ok(udppair_response(u, 4, A4, 100, 13, 2999999, &q) == 0, "a response before its query's time: a miss");
	udppair_free(u);
	return done_testing();
}
