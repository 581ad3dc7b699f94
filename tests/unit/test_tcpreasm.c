/* tests/unit/test_tcpreasm.c: DNS-over-TCP reassembly: framing, order, retransmission, limits, floods, RTT. */
#include <string.h>

#include "capd/tcpreasm.h"
#include "tests/tap.h"

static const uint8_t CL[4] = { 192, 0, 2, 10 }, SV[4] = { 192, 0, 2, 53 };

struct got {
	unsigned n, from_client, rtt_n;
	uint32_t rtt;
	size_t last_len;
	uint8_t last_first;  /* first byte of the last message */
	uint8_t last_end;    /* last byte */
	uint16_t last_cport;
};

static void on_msg(const struct tcpreasm_msg *m, void *arg)
{
	struct got *g = arg;
	g->n++;
	g->from_client += m->from_client;
	if (m->has_rtt) {
		g->rtt_n++;
		g->rtt = m->rtt_us;
	}
	g->last_len = m->len;
	g->last_first = m->len ? m->dns[0] : 0;
	g->last_end = m->len ? m->dns[m->len - 1] : 0;
	g->last_cport = m->client_port;
}

static uint64_t now = 1000000;

static int seg(struct tcpreasm *t, uint16_t cport, int from_client, uint8_t flags, uint32_t seq, uint32_t ack,
	       const uint8_t *data, size_t len)
{
	struct tcpreasm_seg s;
	memset(&s, 0, sizeof(s));
	s.family = 4;
	s.from_client = (uint8_t)from_client;
	s.flags = flags;
	s.client = CL;
	s.server = SV;
	s.client_port = cport;
	s.server_port = 53;
	s.seq = seq;
	s.ack = ack;
	s.data = data;
	s.len = len;
	s.wire_len = len;
	s.ts_us = now;
	return tcpreasm_segment(t, &s);
}

/* client ISN 1000, server ISN sisn; the ACK comes rtt us after the SYN-ACK */
static void handshake(struct tcpreasm *t, uint16_t cport, uint32_t sisn, uint32_t rtt)
{
	seg(t, cport, 1, 0x02, 1000, 0, NULL, 0);
	now += 10;
	seg(t, cport, 0, 0x12, sisn, 1001, NULL, 0);
	now += rtt;
	seg(t, cport, 1, 0x10, 1001, sisn + 1, NULL, 0);
}

/* a framed message of body length n, bytes = fill, first byte = tag */
static size_t msg(uint8_t *b, size_t n, uint8_t tag, uint8_t fill)
{
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	memset(b + 2, fill, n);
	b[2] = tag;
	return n + 2;
}

static void test_basic(void)
{
	struct got g = { 0 };
	struct tcpreasm *t = tcpreasm_new(NULL, on_msg, &g);
	struct tcpreasm_stats st;
	uint8_t b[4000];
	size_t n;
	uint32_t s0 = 0xffffff00u; /* the server stream wraps past 2^32 */

	ok(t != NULL, "tcpreasm_new(NULL conf)");
	handshake(t, 5000, s0, 321);
	n = msg(b, 40, 0x11, 0xaa);
	seg(t, 5000, 1, 0x18, 1001, s0 + 1, b, n);
	is(g.n, 1, "query in one segment delivered");
	ok(g.rtt_n == 1 && g.rtt == 321, "RTT 321 us from the handshake (%u)", g.rtt);
	/* response of 1000 bytes: 1 byte of prefix, 500 bytes, the rest; across the sequence wrap */
	n = msg(b, 1000, 0x22, 0xbb);
	seg(t, 5000, 0, 0x18, s0 + 1, 1001 + 42, b, 1);
	seg(t, 5000, 0, 0x18, s0 + 2, 1001 + 42, b + 1, 500);
	is(g.n, 1, "incomplete response not delivered yet");
	seg(t, 5000, 0, 0x18, s0 + 502, 1001 + 42, b + 501, n - 501);
	ok(g.n == 2 && g.last_len == 1000 && g.last_first == 0x22 && g.last_end == 0xbb,
	   "1000-byte response rebuilt from 3 segments across the wrap");
	/* two messages and half a third in one segment, the rest in the next */
	n = msg(b, 30, 0x31, 1);
	n += msg(b + n, 31, 0x32, 2);
	n += msg(b + n, 32, 0x33, 3);
	seg(t, 5000, 1, 0x18, 1043, 0, b, n - 10);
	is(g.n, 4, "two whole messages delivered from one segment");
	seg(t, 5000, 1, 0x18, (uint32_t)(1043 + n - 10), 0, b + n - 10, 10);
	ok(g.n == 5 && g.last_first == 0x33 && g.last_len == 32, "the third completed by the next segment");
	/* FIN both ways: closed; a late retransmission is ignored */
	seg(t, 5000, 1, 0x11, (uint32_t)(1043 + n), 0, NULL, 0);
	seg(t, 5000, 0, 0x11, s0 + 1 + 1002, 0, NULL, 0);
	seg(t, 5000, 1, 0x18, 1043, 0, b, n);
	is(g.n, 5, "retransmission after close: nothing delivered");
	tcpreasm_stats(t, &st);
	is(st.flows_closed, 1, "flow closed");
	is(st.messages, 5, "5 messages");
	is(st.copied, 2, "2 went through a buffer");
	is(st.rtt_samples, 1, "1 RTT sample");
	is(st.retransmits, 1, "late retransmission counted");
	tcpreasm_free(t);
	tcpreasm_free(NULL);
}

static void test_order(void)
{
	struct got g = { 0 };
	struct tcpreasm_conf c = { .ooo_per_flow = 2, .ooo_size = 256 };
	struct tcpreasm *t = tcpreasm_new(&c, on_msg, &g);
	struct tcpreasm_stats st;
	uint8_t b[2000];
	size_t n = msg(b, 600, 0x41, 0xcc);

	handshake(t, 5001, 7000, 10);
	/* 3 segments of 200+200+202: order 3, 1, 2 */
	seg(t, 5001, 0, 0x18, 7001 + 400, 0, b + 400, n - 400);
	seg(t, 5001, 0, 0x18, 7001, 0, b, 200);
	is(g.n, 0, "out of order: waits for the hole");
	seg(t, 5001, 0, 0x18, 7001 + 200, 0, b + 200, 200);
	ok(g.n == 1 && g.last_len == 600 && g.last_end == 0xcc, "out of order: rebuilt when the hole fills");
	/* retransmission overlapping the past and the present */
	n = msg(b, 100, 0x42, 0xdd);
	seg(t, 5001, 0, 0x18, 7001 + 602 - 50, 0, b - 50 + 50, 0); /* empty: nothing */
	{
		uint8_t r[200];
		memset(r, 0xcc, 50);       /* the last 50 bytes of the previous message again */
		memcpy(r + 50, b, n);
		seg(t, 5001, 0, 0x18, 7001 + 602 - 50, 0, r, 50 + n);
	}
	ok(g.n == 2 && g.last_first == 0x42, "partial retransmission: old bytes trimmed, new message delivered");
	/* beyond the out-of-order limit (2 per direction): the direction is abandoned */
	seg(t, 5001, 0, 0x18, 7001 + 704 + 100, 0, b, 10);
	seg(t, 5001, 0, 0x18, 7001 + 704 + 200, 0, b, 10);
	is(seg(t, 5001, 0, 0x18, 7001 + 704 + 300, 0, b, 10), 1, "third segment ahead of a hole: 1 lost");
	seg(t, 5001, 0, 0x18, 7001 + 704, 0, b, n);
	is(g.n, 2, "after the gap nothing more is delivered that way");
	n = msg(b, 20, 0x43, 0xee);
	seg(t, 5001, 1, 0x18, 1001, 0, b, n);
	is(g.n, 3, "the other direction still works");
	tcpreasm_stats(t, &st);
	is(st.gaps, 1, "1 gap");
	is(st.ooo_queued, 3, "3 segments queued out of order");
	ok(st.retransmits >= 1, "retransmission counted");
	/* out-of-order segment larger than a slot: gap */
	handshake(t, 5002, 9000, 10);
	n = msg(b, 600, 0x44, 0xcc);
	seg(t, 5002, 0, 0x18, 9001 + 300, 0, b + 300, 302);
	tcpreasm_stats(t, &st);
	is(st.gaps, 2, "out-of-order segment larger than ooo_size: gap");
	/* RST frees the flow */
	seg(t, 5002, 1, 0x04, 1001, 0, NULL, 0);
	tcpreasm_stats(t, &st);
	is(st.flows_active, 1, "RST: flow gone (1 left)");
	tcpreasm_free(t);
}

static void test_buffers(void)
{
	struct got g = { 0 };
	struct tcpreasm_conf c = { .buf_count = 1, .buf_size = 300 };
	struct tcpreasm *t = tcpreasm_new(&c, on_msg, &g);
	struct tcpreasm_stats st;
	uint8_t b[2000];
	size_t n;

	handshake(t, 6000, 100, 10);
	handshake(t, 6001, 200, 10);
	/* too big: 500 bytes > buf_size 300, in 3 segments; skipped by length, then the next message */
	n = msg(b, 500, 0x51, 1);
	n += msg(b + n, 50, 0x52, 2);
	seg(t, 6000, 0, 0x18, 101, 0, b, 200);
	is(seg(t, 6000, 0, 0x18, 301, 0, b + 200, 200), 0, "middle of a skipped message: nothing lost anew");
	seg(t, 6000, 0, 0x18, 501, 0, b + 400, n - 400);
	ok(g.n == 1 && g.last_first == 0x52, "message longer than buf_size skipped, the stream stays in step");
	/* buffer pool of 1: flow 6000 holds it, flow 6001's partial message is skipped */
	n = msg(b, 100, 0x53, 3);
	seg(t, 6000, 1, 0x18, 1001, 0, b, 50);
	seg(t, 6001, 1, 0x18, 1001, 0, b, 50);
	seg(t, 6000, 1, 0x18, 1051, 0, b + 50, n - 50);
	seg(t, 6001, 1, 0x18, 1051, 0, b + 50, n - 50);
	is(g.n, 2, "only the buffered message completes");
	n = msg(b, 10, 0x54, 4);
	seg(t, 6001, 1, 0x18, 1001 + 102, 0, b, n);
	ok(g.n == 3 && g.last_cport == 6001, "flow 6001 back in step after the skipped message");
	tcpreasm_stats(t, &st);
	is(st.too_big, 1, "1 too big");
	is(st.no_buffer, 1, "1 without a buffer");
	tcpreasm_free(t);
}

static void test_table(void)
{
	struct got g = { 0 };
	struct tcpreasm_conf c = { .max_flows = 64, .max_weak = 16, .idle_us = 1000000, .weak_us = 500000 };
	struct tcpreasm *t = tcpreasm_new(&c, on_msg, &g);
	struct tcpreasm_stats st;
	uint8_t b[100];
	size_t n = msg(b, 20, 0x61, 5);
	unsigned i;

	for (i = 0; i < 10; i++)
		handshake(t, (uint16_t)(7000 + i), 500, 10);
	for (i = 0; i < 100000; i++) /* SYN flood from distinct ports */
		seg(t, (uint16_t)(10000 + i % 50000), 1, 0x02, i, 0, NULL, 0);
	tcpreasm_stats(t, &st);
	ok(st.flows_active <= 64, "SYN flood: active flows %ju <= 64", (uintmax_t)st.flows_active);
	is(st.evicted_lru, 0, "SYN flood: no established flow evicted");
	for (i = 0; i < 10; i++)
		seg(t, (uint16_t)(7000 + i), 1, 0x18, 1001, 0, b, n);
	is(g.n, 10, "after the flood all 10 established flows deliver");
	/* a full table of established flows: the least recently used goes */
	for (i = 0; i < 60; i++)
		seg(t, (uint16_t)(20000 + i), 1, 0x18, 1, 0, b, n);
	tcpreasm_stats(t, &st);
	ok(st.evicted_lru > 0, "table full: LRU eviction (%ju)", (uintmax_t)st.evicted_lru);
	is(st.flows_midstream, 60, "60 flows picked up mid-stream");
	is(g.n, 70, "and their messages delivered");
	now += 2000000;
	tcpreasm_expire(t, now);
	tcpreasm_stats(t, &st);
	is(st.flows_active, 0, "all flows expired after the idle timeouts");
	ok(st.expired > 0, "expiries counted (%ju)", (uintmax_t)st.expired);
	tcpreasm_free(t);

	ok(tcpreasm_memory(NULL) < 7.5 * 1024 * 1024, "default memory ceiling %zu bytes < 7.5 MiB (header: 7,284,016)",
	   tcpreasm_memory(NULL));
	ok(tcpreasm_memory(&c) < tcpreasm_memory(NULL), "small conf, small ceiling (%zu)", tcpreasm_memory(&c));
}

/* handshake packets seen again mid-flow (their ACKs were lost) must not reset it */
static void test_handshake_retrans(void)
{
	struct got g = { 0 };
	struct tcpreasm *t = tcpreasm_new(NULL, on_msg, &g);
	struct tcpreasm_stats st;
	uint8_t b[600];
	size_t n = msg(b, 500, 0x71, 9);

	handshake(t, 8000, 3000, 77);
	seg(t, 8000, 0, 0x18, 3001, 0, b, 100);
	seg(t, 8000, 0, 0x12, 3000, 1001, NULL, 0);  /* SYN-ACK again */
	seg(t, 8000, 1, 0x02, 1000, 0, NULL, 0);     /* SYN again, same ISN */
	seg(t, 8000, 0, 0x18, 3101, 0, b + 100, n - 100);
	ok(g.n == 1 && g.last_len == 500 && g.rtt == 77, "retransmitted SYN and SYN-ACK: flow and partial message kept");
	seg(t, 8000, 1, 0x02, 555555, 0, NULL, 0);   /* SYN with a new ISN: the port is reused */
	tcpreasm_stats(t, &st);
	is(st.flows_created, 2, "SYN with a new ISN: a new flow");
	tcpreasm_free(t);
}

int main(void)
{
	test_handshake_retrans();
	test_basic();
	test_order();
	test_buffers();
	test_table();
	return done_testing();
}
