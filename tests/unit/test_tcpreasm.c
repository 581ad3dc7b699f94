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

/* a segment cut by the snap length: len bytes captured of wire */
static int seg_cut(struct tcpreasm *t, uint16_t cport, int from_client, uint32_t seq, const uint8_t *data, size_t len,
		   size_t wire)
{
	struct tcpreasm_seg s;
	memset(&s, 0, sizeof(s));
	s.family = 4;
	s.from_client = (uint8_t)from_client;
	s.flags = 0x18;
	s.client = CL;
	s.server = SV;
	s.client_port = cport;
	s.server_port = 53;
	s.seq = seq;
	s.data = data;
	s.len = len;
	s.wire_len = wire;
	s.truncated = 1;
	s.ts_us = now;
	return tcpreasm_segment(t, &s);
}

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
	struct tcpreasm *t;
	tcpreasm_new(NULL, on_msg, &g, &t);
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
	struct tcpreasm *t;
	tcpreasm_new(&c, on_msg, &g, &t);
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
	/* beyond the out-of-order room (2 slots per direction): the hole is given up, the held segments go on */
	{
		uint8_t q1[40], q2[40], q3[40];
		size_t l1 = msg(q1, 20, 0x45, 0x80), l2 = msg(q2, 20, 0x46, 0x80), l3 = msg(q3, 20, 0x47, 0x80);
		uint32_t at = 7001 + 704 + 100;
		seg(t, 5001, 0, 0x18, at, 0, q1, l1);
		seg(t, 5001, 0, 0x18, (uint32_t)(at + l1 + l2), 0, q3, l3);
		is(g.n, 2, "two segments held behind a hole");
		is(seg(t, 5001, 0, 0x18, (uint32_t)(at + l1), 0, q2, l2), 1, "a third: no room, the hole is given up: 1 lost");
		ok(g.n == 5 && g.last_first == 0x47, "the held messages and the new one delivered after the hole (%u)", g.n);
		seg(t, 5001, 0, 0x18, 7001 + 704, 0, b, n);
		is(g.n, 5, "the late hole filler is an old retransmission now");
	}
	n = msg(b, 20, 0x43, 0xee);
	seg(t, 5001, 1, 0x18, 1001, 0, b, n);
	is(g.n, 6, "the other direction still works");
	tcpreasm_stats(t, &st);
	is(st.gaps, 1, "1 hole given up");
	is(st.lost, 1, "1 message counted lost");
	is(st.ooo_queued, 3, "3 segments queued out of order");
	ok(st.retransmits >= 1, "retransmission counted");
	/* out-of-order segment larger than a slot: held in two slots, delivered when the hole fills */
	handshake(t, 5002, 9000, 10);
	n = msg(b, 600, 0x44, 0xcc);
	seg(t, 5002, 0, 0x18, 9001 + 300, 0, b + 300, 302);
	seg(t, 5002, 0, 0x18, 9001, 0, b, 300);
	ok(g.n == 7 && g.last_len == 600 && g.last_end == 0xcc, "out-of-order segment larger than ooo_size: kept in pieces");
	tcpreasm_stats(t, &st);
	is(st.gaps, 1, "... no hole");
	/* RST frees the flow */
	seg(t, 5002, 1, 0x04, 1001, 0, NULL, 0);
	tcpreasm_stats(t, &st);
	is(st.flows_active, 1, "RST: flow gone (1 left)");
	tcpreasm_free(t);
}

static void test_buffers(void)
{
	struct got g = { 0 };
	struct tcpreasm_conf c = { .buf_count = 1, .buf_size = 300, .max_message = 300 };
	struct tcpreasm *t;
	tcpreasm_new(&c, on_msg, &g, &t);
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
	struct tcpreasm *t;
	tcpreasm_new(&c, on_msg, &g, &t);
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

	ok(tcpreasm_memory(NULL) < 9.5 * 1024 * 1024, "default memory ceiling %zu bytes < 9.5 MiB (header: about 9.3 MiB)",
	   tcpreasm_memory(NULL));
	ok(tcpreasm_memory(&c) < tcpreasm_memory(NULL), "small conf, small ceiling (%zu)", tcpreasm_memory(&c));
}

/* handshake packets seen again mid-flow (their ACKs were lost) must not reset it */
static void test_handshake_retrans(void)
{
	struct got g = { 0 };
	struct tcpreasm *t;
	tcpreasm_new(NULL, on_msg, &g, &t);
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


/* a DNS-looking framed message: body n bytes, QR set for responses, tag in the ID */
static size_t dmsg(uint8_t *b, size_t n, int response, uint8_t tag)
{
	size_t l = msg(b, n, tag, 0x61);
	b[4] = response ? 0x84 : 0x00;
	b[5] = 0;
	return l;
}

/* TCP Fast Open: the query rides in the SYN (seq = ISN, data from ISN + 1) */
static void test_tfo(void)
{
	struct got g = { 0 };
	struct tcpreasm *t;
	tcpreasm_new(NULL, on_msg, &g, &t);
	struct tcpreasm_stats st;
	uint8_t q[64], r[128];
	size_t ql = dmsg(q, 30, 0, 0x81), rl = dmsg(r, 80, 1, 0x82);

	is(seg(t, 9100, 1, 0x02, 5000, 0, q, ql), 0, "TFO SYN with a query: nothing lost");
	ok(g.n == 1 && g.from_client == 1 && g.last_first == 0x81, "the query in the SYN is delivered");
	seg(t, 9100, 1, 0x02, 5000, 0, q, ql); /* the SYN retransmitted, data and all */
	is(g.n, 1, "retransmitted TFO SYN: not delivered twice");
	seg(t, 9100, 0, 0x12, 77000, (uint32_t)(5001 + ql), NULL, 0);
	seg(t, 9100, 0, 0x18, 77001, 0, r, rl);
	ok(g.n == 2 && g.last_first == 0x82, "the response on the TFO flow is delivered");
	seg(t, 9100, 1, 0x10, (uint32_t)(5001 + ql), 77001 + (uint32_t)rl, NULL, 0);
	seg(t, 9100, 1, 0x18, (uint32_t)(5001 + ql), 0, q, ql);
	is(g.n, 3, "a second query after the handshake, at ISN + 1 + the TFO data");
	tcpreasm_stats(t, &st);
	ok(st.tfo == 1 && st.flows_created == 1 && st.lost == 0, "1 TFO SYN, 1 flow, nothing lost");
	tcpreasm_free(t);
}

/* holes: inside a message (stays in step), between messages (resync), at the end of the input */
static void test_holes(void)
{
	struct got g = { 0 };
	struct tcpreasm *t;
	tcpreasm_new(NULL, on_msg, &g, &t);
	struct tcpreasm_stats st;
	static uint8_t b[70000];
	uint8_t q[64];
	size_t n, ql;
	uint32_t s0 = 20000;

	handshake(t, 9200, s0, 10);
	/* a 3000-byte response in 3 segments, the middle one never seen, then a whole one */
	n = dmsg(b, 3000, 1, 0x91);
	n += dmsg(b + n, 100, 1, 0x92);
	seg(t, 9200, 0, 0x18, s0 + 1, 0, b, 1000);
	seg(t, 9200, 0, 0x18, s0 + 2001, 0, b + 2000, n - 2000);
	is(g.n, 0, "a hole inside a message: the rest waits for a retransmission");
	now += 4000000; /* hole_us (3 s) later, another segment of the stream */
	n = dmsg(b, 50, 1, 0x93);
	seg(t, 9200, 0, 0x18, s0 + 1 + 3002 + 102, 0, b, n);
	ok(g.n == 2 && g.last_first == 0x93, "after hole_us the hole is given up: the next messages delivered (%u)", g.n);
	tcpreasm_stats(t, &st);
	ok(st.lost == 1 && st.gaps == 1 && st.resyncs == 0, "a hole inside a message costs that message, no resync");

	/* hole between messages at the end of the input: the held query after it comes out at flush */
	ql = dmsg(q, 30, 0, 0x94);
	seg(t, 9200, 1, 0x18, 1001, 0, q, ql);                       /* query 1 */
	seg(t, 9200, 1, 0x18, (uint32_t)(1001 + 2 * ql), 0, q, ql); /* query 3; query 2 never captured */
	is(g.n, 3, "query 1 delivered, query 3 held behind the hole");
	/* a message half collected at the end */
	n = dmsg(b, 40000, 1, 0x95);
	seg(t, 9200, 0, 0x18, s0 + 1 + 3002 + 102 + 52, 0, b, 1400);
	tcpreasm_flush(t);
	tcpreasm_stats(t, &st);
	ok(g.n == 4 && g.last_first == 0x94, "flush: the held query delivered (%u)", g.n);
	is(st.lost, 3, "flush: the missing query and the half response counted lost, 3 in all");
	is(st.incomplete, 1, "... the half response as incomplete");
	is(st.resyncs, 1, "... the query stream back in step after the hole");
	is(st.flows_active, 0, "flush: no flow left");

	/* a segment cut by the snap length: the messages before the cut delivered, the cut one lost */
	handshake(t, 9201, s0, 10);
	n = dmsg(b, 60, 1, 0xa1);
	n += dmsg(b + n, 300, 1, 0xa2);
	is(seg_cut(t, 9201, 0, s0 + 1, b, 100, n), 1, "cut segment: 1 message lost");
	ok(g.n == 5 && g.last_first == 0xa1, "cut segment: the whole message before the cut delivered");
	n = dmsg(b, 70, 1, 0xa3);
	seg(t, 9201, 0, 0x18, s0 + 1 + 62 + 302, 0, b, n);
	ok(g.n == 6 && g.last_first == 0xa3, "the stream in step after the cut (the cut message skipped by length)");

	/* mid-stream pickup starting inside a message: dropped until a segment starts a message */
	memset(b, 0x20, 200);
	seg(t, 9202, 0, 0x18, 123456, 0, b, 200);
	n = dmsg(b, 90, 1, 0xa4);
	seg(t, 9202, 0, 0x18, 123656, 0, b, n);
	ok(g.n == 7 && g.last_first == 0xa4, "mid-stream: the tail of an unseen message dropped, the next delivered");
	tcpreasm_free(t);
}

/* large messages and large out-of-order segments with the default limits; the memory bound */
static void test_large(void)
{
	struct got g = { 0 };
	struct tcpreasm *t;
	tcpreasm_new(NULL, on_msg, &g, &t);
	struct tcpreasm_stats st;
	static uint8_t b[70000];
	size_t n, o;
	uint32_t s0 = 30000;
	struct tcpreasm_conf c = { .big_count = 2 };

	handshake(t, 9300, s0, 10);
	n = dmsg(b, 40960, 1, 0xb1);
	for (o = 0; o < n; o += 1448)
		seg(t, 9300, 0, 0x18, s0 + 1 + (uint32_t)o, 0, b + o, n - o < 1448 ? n - o : 1448);
	ok(g.n == 1 && g.last_len == 40960 && g.last_first == 0xb1, "40 KiB response from 29 segments");
	n = dmsg(b, 65535, 1, 0xb2);
	seg(t, 9300, 0, 0x18, s0 + 1 + 40962 + 8000, 0, b + 8000, n - 8000); /* 57 KiB segment out of order (GRO) */
	seg(t, 9300, 0, 0x18, s0 + 1 + 40962 + 4000, 0, b + 4000, 4000);     /* 4 KiB out of order */
	seg(t, 9300, 0, 0x18, s0 + 1 + 40962, 0, b, 4000);
	ok(g.n == 2 && g.last_len == 65535 && g.last_end == 0x61, "65,535-byte response from out-of-order 57 KiB and 4 KiB segments");
	tcpreasm_stats(t, &st);
	ok(st.lost == 0 && st.gaps == 0, "nothing lost");
	tcpreasm_free(t);
	/* the ceiling: 2 large buffers cost 2 x 64 KiB, not more */
	ok(tcpreasm_memory(&c) - tcpreasm_memory(&(struct tcpreasm_conf){ .big_count = 1 }) == 65535 + sizeof(uint32_t),
	   "each large buffer costs 65,535 bytes and its index");
	ok(tcpreasm_memory(NULL) <= 10u << 20, "default ceiling %zu bytes <= 10 MiB", tcpreasm_memory(NULL));
}

/* a hole is given up by time, whichever side sends next; a flow closed around a hole ends after weak_us */
static void test_hole_time(void)
{
	struct got g = { 0 };
	struct tcpreasm_conf c = { .weak_us = 2000000 };
	struct tcpreasm *t;
	tcpreasm_new(&c, on_msg, &g, &t);
	struct tcpreasm_stats st;
	uint8_t q[64], r[64];
	size_t ql = dmsg(q, 30, 0, 0xc1), rl = dmsg(r, 40, 1, 0xc2);

	handshake(t, 9400, 40000, 10);
	seg(t, 9400, 1, 0x18, (uint32_t)(1001 + ql), 0, q, ql); /* query 2; query 1 never captured */
	is(g.n, 0, "query 2 held behind the hole");
	now += 3500000;
	seg(t, 9400, 0, 0x18, 40001, 0, r, rl); /* the server answers both, 3.5 s later */
	ok(g.n == 2 && g.from_client == 1, "the server's segment after hole_us gives the client's hole up: query 2 out");
	handshake(t, 9401, 50000, 10);
	seg(t, 9401, 1, 0x18, (uint32_t)(1001 + ql), 0, q, ql);
	seg(t, 9401, 1, 0x11, (uint32_t)(1001 + 2 * ql), 0, NULL, 0);
	seg(t, 9401, 0, 0x11, 50001, 0, NULL, 0);
	is(g.n, 2, "FIN both ways around a hole: still waiting");
	now += 2500000;
	tcpreasm_expire(t, now);
	tcpreasm_stats(t, &st);
	ok(g.n == 3 && st.flows_active == 1, "ended after weak_us (2 s), not idle_us (60 s): the held query delivered");
	is(st.lost, 2, "the two uncaptured queries counted lost");
	tcpreasm_free(t);
}

int main(void)
{
	test_hole_time();
	test_tfo();
	test_holes();
	test_large();
	test_handshake_retrans();
	test_basic();
	test_order();
	test_buffers();
	test_table();
	return done_testing();
}
