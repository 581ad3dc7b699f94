/* tests/unit/test_ipfrag.c: fragment reassembly: orders, duplicates, overlaps, limits, timeouts. */
#include <string.h>

#include "capd/ipfrag.h"
#include "common/errors.h"
#include "tests/tap.h"

static uint8_t dgram[3000];
static const uint8_t A[16] = { 192, 0, 2, 53 }, B[16] = { 192, 0, 2, 10 }, C[16] = { 198, 51, 100, 1 };

/* offer fragment k (1232-byte pieces) of dgram with this id and source */
static int frag(struct ipfrag *f, int family, const uint8_t *src, uint32_t id, int k, uint64_t ts,
		const uint8_t **out, size_t *len)
{
	struct ipfrag_frag fr;
	size_t off = (size_t)k * 1232, n = sizeof(dgram) - off < 1232 ? sizeof(dgram) - off : 1232;
	fr.family = (uint8_t)family;
	fr.proto = 17;
	fr.src = src;
	fr.dst = B;
	fr.id = id;
	fr.offset = (uint32_t)off;
	fr.more = off + n < sizeof(dgram);
	fr.data = dgram + off;
	fr.len = n;
	fr.ts_us = ts;
	return ipfrag_add(f, &fr, out, len);
}

static void test_orders(void)
{
	struct ipfrag *f;
	ipfrag_new(NULL, &f);
	struct ipfrag_stats st;
	const uint8_t *out = NULL;
	size_t len = 0;
	int r;

	ok(f != NULL, "ipfrag_new(NULL): defaults");
	is(frag(f, 4, A, 1, 0, 100, &out, &len), 0, "in order: first pending");
	is(frag(f, 4, A, 1, 1, 101, &out, &len), 0, "in order: second pending");
	is(frag(f, 4, A, 1, 2, 102, &out, &len), 1, "in order: last completes");
	ok(len == sizeof(dgram) && memcmp(out, dgram, len) == 0, "in order: 3000 bytes intact");

	is(frag(f, 6, A, 2, 2, 200, &out, &len), 0, "out of order: last first");
	is(frag(f, 6, A, 2, 0, 201, &out, &len), 0, "out of order: then first");
	is(frag(f, 6, A, 2, 0, 202, &out, &len), 0, "exact duplicate ignored");
	r = frag(f, 6, A, 2, 1, 203, &out, &len);
	is(r, 1, "out of order: middle completes");
	ok(len == sizeof(dgram) && memcmp(out, dgram, len) == 0, "out of order (IPv6): bytes intact");

	/* same id, other family or source: separate datagrams */
	is(frag(f, 4, A, 3, 0, 300, &out, &len), 0, "v4 id 3 from A");
	is(frag(f, 6, A, 3, 0, 300, &out, &len), 0, "v6 id 3 from A: separate");
	is(frag(f, 4, C, 3, 1, 300, &out, &len), 0, "v4 id 3 from C: separate");
	ipfrag_stats(f, &st);
	is(st.reassembled, 2, "2 reassembled");
	is(st.duplicates, 1, "1 duplicate");
	is(st.active, 3, "3 in progress");
	ipfrag_expire(f, 300 + 5000001);
	ipfrag_stats(f, &st);
	ok(st.active == 0 && st.timeouts == 3, "expire after 5 s: 3 timed out");
	ipfrag_free(f);
	ipfrag_free(NULL);
}

static void test_hostile(void)
{
	struct ipfrag *f;
	ipfrag_new(NULL, &f);
	struct ipfrag_stats st;
	struct ipfrag_frag fr;
	const uint8_t *out;
	size_t len;

	/* overlap: [0,1232) then [8, 1240) */
	is(frag(f, 4, A, 10, 0, 1, &out, &len), 0, "overlap: first");
	memset(&fr, 0, sizeof(fr));
	fr.family = 4;
	fr.proto = 17;
	fr.src = A;
	fr.dst = B;
	fr.id = 10;
	fr.offset = 8;
	fr.more = 1;
	fr.data = dgram;
	fr.len = 1232;
	fr.ts_us = 2;
	is(ipfrag_add(f, &fr, &out, &len), E_MALFORMED, "overlapping fragment: E_MALFORMED");
	is(frag(f, 4, A, 10, 1, 3, &out, &len), 0, "after an overlap the datagram starts over");
	is(frag(f, 4, A, 10, 2, 4, &out, &len), 0, "... and cannot complete without its first part");

	fr.id = 11;
	fr.offset = 0;
	fr.len = 1001;
	is(ipfrag_add(f, &fr, &out, &len), E_MALFORMED, "non-final fragment of 1001 bytes (not a multiple of 8): E_MALFORMED");
	fr.offset = 65528;
	fr.len = 16;
	fr.more = 0;
	is(ipfrag_add(f, &fr, &out, &len), E_TOOBIG, "fragment ending past 65535: E_TOOBIG");
	/* two different final fragments */
	fr.id = 12;
	fr.offset = 1232;
	fr.len = 100;
	is(ipfrag_add(f, &fr, &out, &len), 0, "final fragment at 1232");
	fr.offset = 2464;
	is(ipfrag_add(f, &fr, &out, &len), E_MALFORMED, "a second, different final fragment: E_MALFORMED");
	ipfrag_stats(f, &st);
	is(st.overlaps, 2, "2 datagrams dropped for overlaps");
	is(st.too_big, 2, "2 fragments too big or misaligned");
	ipfrag_free(f);
}

static void test_limits(void)
{
	struct ipfrag_conf c = { .max_datagrams = 4, .max_per_source = 2, .timeout_us = 1000000 };
	struct ipfrag *f;
	ipfrag_new(&c, &f);
	struct ipfrag_stats st;
	const uint8_t *out;
	size_t len;

	is(frag(f, 4, A, 1, 0, 10, &out, &len), 0, "source A: datagram 1");
	is(frag(f, 4, A, 2, 0, 11, &out, &len), 0, "source A: datagram 2");
	is(frag(f, 4, A, 3, 0, 12, &out, &len), E_SPACE, "source A: third datagram refused (per-source limit 2)");
	is(frag(f, 4, A, 1, 1, 13, &out, &len), 0, "source A: its existing datagrams still grow");
	is(frag(f, 4, C, 4, 0, 14, &out, &len), 0, "source C: datagram 4");
	is(frag(f, 6, C, 5, 0, 15, &out, &len), 0, "source C (v6): datagram 5 fills the table");
	is(frag(f, 4, B, 6, 0, 16, &out, &len), 0, "source B: table full, oldest evicted");
	is(frag(f, 4, A, 1, 2, 17, &out, &len), 0, "the evicted datagram 1 cannot complete");
	ipfrag_stats(f, &st);
	is(st.source_limit, 1, "1 refused by the per-source limit");
	ok(st.evicted >= 1, "evictions counted (%ju)", (uintmax_t)st.evicted);
	ok(st.active <= 4, "never more than 4 datagrams held (%ju)", (uintmax_t)st.active);
	/* timeout on arrival: a fragment 2 s later finds its datagram expired */
	is(frag(f, 4, C, 4, 1, 2000000, &out, &len), 0, "late fragment starts a new datagram");
	ipfrag_stats(f, &st);
	ok(st.timeouts >= 4, "expired on the next arrival (%ju)", (uintmax_t)st.timeouts);
	is(ipfrag_memory(&c), ipfrag_memory(&c), "memory is a function of the conf");
	ok(ipfrag_memory(NULL) < 2200 * 1024, "default ceiling %zu bytes < 2.2 MiB (header says ~2.1 MiB)",
	   ipfrag_memory(NULL));
	ipfrag_free(f);
}

int main(void)
{
	size_t i;
	for (i = 0; i < sizeof(dgram); i++)
		dgram[i] = (uint8_t)(i * 31 + 7);
	test_orders();
	test_hostile();
	test_limits();
	return done_testing();
}
