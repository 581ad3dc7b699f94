/* tests/unit/test_pipeline.c: count, sample, parse, zone, client data and record fields through a real sender on loopback (TAP). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capd/geo.h"
#include "capd/pipeline.h"
#include "capd/sender.h"
#include "capd/zones.h"
#include "common/errors.h"
#include <stdint.h>
#include <string.h>
#include "common/hll.h"
#include "tests/tap.h"

static uint8_t key[ENV_KEY_LEN];
static struct dnsa_record got[64];
static int ngot;

static int on_rec(const struct dnsa_record *r, void *arg)
{
	(void)arg;
	if (ngot < 64)
		got[ngot++] = *r;
	return 0;
}

/* collect every record that arrived on fd */
static int receive(int fd)
{
	uint8_t dg[2000], pl[2000];
	struct pollfd p = { fd, POLLIN, 0 };
	ngot = 0;
	while (poll(&p, 1, 300) == 1) {
		ssize_t n = recv(fd, dg, sizeof dg, 0);
		struct env_header h;
		if (n <= 0 || envelope_peek(dg, (size_t)n, &h) != E_OK)
			break;
		int pn = envelope_open(&h, key, dg, (size_t)n, pl, sizeof pl);
		if (pn > 0 && h.kind == ENV_KIND_RECORDS)
			payload_foreach_record(pl, (size_t)pn, on_rec, NULL);
	}
	return ngot;
}

/* a DNS message: header, one question, optionally an OPT with DO and an ECS option */
static size_t wire(uint8_t *w, const char *name, uint16_t qtype, uint16_t flags, uint8_t rcode, int opt)
{
	size_t o = 0;
	w[o++] = 0x12; w[o++] = 0x34;
	uint16_t f = (uint16_t)(flags | rcode);
	w[o++] = (uint8_t)(f >> 8); w[o++] = (uint8_t)f;
	w[o++] = 0; w[o++] = 1; w[o++] = 0; w[o++] = 0; w[o++] = 0; w[o++] = 0;
	w[o++] = 0; w[o++] = opt ? 1 : 0;
	const char *p = name;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		w[o++] = (uint8_t)l;
		memcpy(w + o, p, l);
		o += l;
		p += l + (dot ? 1 : 0);
	}
	w[o++] = 0;
	w[o++] = (uint8_t)(qtype >> 8); w[o++] = (uint8_t)qtype;
	w[o++] = 0; w[o++] = 1;
	if (opt) {
		/* root name, TYPE 41, CLASS 1232, TTL ext-rcode 0 version 0 DO, RDLEN 11 */
		static const uint8_t o1[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 11,
			/* ECS: code 8, len 7, family 1, source /24, scope 0, 192.0.2 */
			0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2 };
		memcpy(w + o, o1, sizeof o1);
		o += sizeof o1;
	}
	return o;
}

static void msg(struct capd_msg *m, uint8_t type, uint8_t tr, const uint8_t *dns, size_t len, const char *client)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	m->transport = tr;
	m->dns = dns;
	m->dns_len = len;
	if (inet_pton(AF_INET, client, m->client_addr) == 1) {
		m->family = 4;
		m->client_addr_len = 4;
	} else if (inet_pton(AF_INET6, client, m->client_addr) == 1) {
		m->family = 6;
		m->client_addr_len = 16;
	}
	m->has_response_time = 1;
	m->response_time_us = 1700000000123456ull;
}

static struct dnsa_record *find(const char *qname, uint8_t msgtype)
{
	for (int i = 0; i < ngot; i++)
		if (strcmp(got[i].qname, qname) == 0 && got[i].msgtype == msgtype)
			return &got[i];
	return NULL;
}


/* counters of one run of `n` responses through a pipeline with sampler sc: every 5th unlisted, every 5th garbage */
static void run_mix(struct sender *s, const struct sampler_conf *sc, unsigned n, struct dnsa_counters *c)
{
	struct zones *z;
	zones_new(&z);
	struct pipeline_conf pc = { .sampler = *sc, .qname_labels = 1 };
	struct pipeline *p;
	uint8_t w[512];
	struct capd_msg m;

	zones_add_list(z, "example.test");
	pc.sampler.type_mask = 1u << MT_AUTH_RESPONSE;
	pc.sampler.seed = 42;
	pipeline_new(&pc, s, &z, 0, NULL, &p);
	for (unsigned i = 0; i < n; i++) {
		size_t wl;
		if (i % 4 == 0) { /* a query now and then: not a sampled type, counted exactly */
			wl = wire(w, "www.example.test", 1, 0, 0, 0);
			msg(&m, MT_AUTH_QUERY, TR_UDP, w, wl, "192.0.2.1");
			pipeline_msg(p, &m);
		}
		wl = wire(w, i % 5 == 1 ? "www.other.invalid" : "www.example.test", 1, 0x8400, 0, 0);
		if (i % 5 == 2)
			wl = 7; /* shorter than a header: a parse error */
		msg(&m, MT_AUTH_RESPONSE, i % 3 ? TR_UDP : TR_TCP, w, wl, i % 7 ? "192.0.2.1" : "2001:db8::1");
		pipeline_msg(p, &m);
	}
	memset(c, 0, sizeof *c);
	pipeline_counters(p, c);
	pipeline_free(p);
	sender_flush(s);
}

/* docs/wire-format.md lists every counter as "| id | name | kind | ... |" */
static int doc_kind(const char *doc, unsigned id, const char *name, const char *kind)
{
	char row[200];
	snprintf(row, sizeof row, "| %u | %s | %s |", id, name, kind);
	return strstr(doc, row) != NULL;
}

static void test_counter_kinds(struct sender *s, int fd)
{
	struct dnsa_counters all, nth, rnd;
	struct sampler_conf a = { .mode = SAMPLER_ALL }, n3 = { .mode = SAMPLER_NTH, .n = 3 },
		r10 = { .mode = SAMPLER_RANDOM, .n = 10 };
	static char doc[200000];
	FILE *f = fopen("docs/wire-format.md", "r");
	size_t dl = f ? fread(doc, 1, sizeof doc - 1, f) : 0;
	unsigned named = 0, documented = 0, kinded = 0, same = 0, checked = 0;

	if (f)
		fclose(f);
	doc[dl] = '\0';
	ok(dl > 0, "read docs/wire-format.md");
	for (unsigned id = 0; id < C_COUNTER_MAX; id++) {
		const char *nm = counter_name(id);
		if (!nm)
			continue;
		named++;
		kinded += counter_kind(id) != CK_NONE;
		if (doc_kind(doc, id, nm, counter_kind_name(counter_kind(id))))
			documented++;
		else
			diag("counter %u %s (%s) not in the docs' counter table", id, nm,
			    counter_kind_name(counter_kind(id)));
	}
	is(kinded, named, "every one of the %u counters is exact, estimate, sample or gauge", named);
	is(documented, named, "every counter is in docs/wire-format.md with its kind");

	/* 1500 messages, period 5; nth:3 takes each residue equally often, so estimates come out exact */
	run_mix(s, &a, 1500, &all);
	run_mix(s, &n3, 1500, &nth);
	run_mix(s, &r10, 20000, &rnd);
	receive(fd);
	for (unsigned id = 0; id < C_COUNTER_MAX; id++) {
		int k = counter_kind(id);
		if (!counters_has(&all, id) || (k != CK_EXACT && k != CK_ESTIMATE))
			continue;
		checked++;
		if (all.value[id] == nth.value[id])
			same++;
		else
			diag("%s (%s): all %ju, nth:3 %ju", counter_name(id), counter_kind_name(k),
			    (uintmax_t)all.value[id], (uintmax_t)nth.value[id]);
	}
	ok(checked >= 10, "%u exact and estimated counters compared", checked);
	is(same, checked, "exact counters equal under all and nth:3; estimates equal their exact value");
	is(all.value[C_ZONE_UNLISTED_EST], 300, "zone_unlisted_est: 300 of 1500 under all");
	is(nth.value[C_ZONE_UNLISTED_EST], 300, "zone_unlisted_est: 300 under nth:3 (100 sampled, weight 3)");
	is(all.value[C_PARSE_ERRORS_EST], 300, "parse_errors_est: 300 under all");
	ok(all.value[C_SAMPLED] == 1500 && nth.value[C_SAMPLED] == 500 && nth.value[C_PARSE_ERRORS] == 100,
	   "sample counters count sampled work: sampled %ju vs %ju, parse_errors 100",
	   (uintmax_t)all.value[C_SAMPLED], (uintmax_t)nth.value[C_SAMPLED]);
	is(rnd.value[C_MSG_TOTAL], 25000, "random:10: msg_total exact (20000 responses, 5000 queries)");
	ok(rnd.value[C_ZONE_UNLISTED_EST] > 3200 && rnd.value[C_ZONE_UNLISTED_EST] < 4800,
	   "random:10: zone_unlisted_est %ju estimates 4000 (within 4 sigma)", (uintmax_t)rnd.value[C_ZONE_UNLISTED_EST]);
}

/* capd -r: adaptive follows the capture's timestamps, not the wall clock */
static void test_capture_clock(struct sender *s, int fd)
{
	for (int cc = 0; cc < 2; cc++) {
		struct zones *z;
		zones_new(&z);
		struct pipeline_conf pc = { .sampler = { .mode = SAMPLER_ADAPTIVE, .target = 100, .min_n = 1,
			.max_n = 10000, .type_mask = 1u << MT_AUTH_RESPONSE, .seed = 7 }, .qname_labels = 1,
			.capture_clock = cc };
		struct pipeline *p;
		struct dnsa_counters c;
		uint8_t w[512];
		struct capd_msg m;
		size_t wl = wire(w, "www.example.test", 1, 0x8400, 0, 0);

		zones_add_list(z, "example.test");
		pipeline_new(&pc, s, &z, 0, NULL, &p);
		pipeline_tick(p, 1700000000000000ull, 5000000);
		/* 10 s of capture at 5000 responses/s, replayed in a few ms of wall time */
		for (unsigned i = 0; i < 50000; i++) {
			msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, wl, "192.0.2.1");
			m.response_time_us = 1600000000000000ull + (uint64_t)i * 200;
			pipeline_msg(p, &m);
			if (i % 5000 == 0)
				pipeline_tick(p, 1700000000000000ull, 5000000 + i / 1000); /* wall: no second passes */
		}
		memset(&c, 0, sizeof c);
		pipeline_counters(p, &c);
		if (cc)
			ok(c.value[C_SAMPLE_N] >= 40 && c.value[C_SAMPLE_N] <= 60,
			   "capture clock: adaptive n %ju = 5000/s over target 100/s", (uintmax_t)c.value[C_SAMPLE_N]);
		else
			is(c.value[C_SAMPLE_N], 1, "wall clock: a replay faster than a second stays at n = min_n");
		pipeline_free(p);
		sender_flush(s);
		receive(fd);
	}
}

/* odd and cut messages: recorded with what was readable, flagged */
/* the sketches of one zone ("" = node) and kind, merged from pieces */
static double sketch_est(const struct dnsa_sketch_piece *pc, size_t n, const char *zone, uint8_t kind, uint8_t *flags)
{
	static struct hll h;
	hll_clear(&h);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pc[i].zone, zone) || pc[i].kind != kind)
			continue;
		*flags = pc[i].flags;
		if (pc[i].flags & SKF_SPARSE)
			for (size_t j = 0; j + 2 < pc[i].len; j += 3)
				hll_merge_chunk(&h, (unsigned)pc[i].regs[j] << 8 | pc[i].regs[j + 1], &pc[i].regs[j + 2], 1);
		else
			hll_merge_chunk(&h, pc[i].first, pc[i].regs, pc[i].len);
	}
	return hll_estimate(&h, NULL);
}

static void test_sketches(struct sender *s, int fd)
{
	struct zones *z = NULL;
	zones_new(&z);
	struct pipeline_conf pc = { .sampler = { .mode = SAMPLER_ALL, .type_mask = 1u << MT_AUTH_RESPONSE },
		.qname_labels = 1, .resolvers = 1, .resolvers_zones = 1 };
	struct dnsa_counters c;
	uint8_t w[512];
	struct capd_msg m;
	char a[64];
	zones_add_list(z, "example.test other.test");
	struct pipeline *p = NULL;
	pipeline_new(&pc, s, &z, 0, NULL, &p);
	size_t wl = wire(w, "www.example.test", 1, 0x8400, 0, 0);
	/* 100 IPv4 clients in one /24, 10 IPv6 clients in one /48, each twice */
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < 100; i++) {
			snprintf(a, sizeof a, "198.51.100.%d", i);
			msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, wl, a);
			pipeline_msg(p, &m);
		}
		for (int i = 0; i < 10; i++) {
			snprintf(a, sizeof a, "2001:db8:1:%x::1", i);
			msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, wl, a);
			pipeline_msg(p, &m);
		}
	}
	/* a second zone has no sketch slot (resolvers_zones = 1): counted */
	wl = wire(w, "www.other.test", 1, 0x8400, 0, 0);
	msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, wl, "203.0.113.1");
	pipeline_msg(p, &m);
	memset(&c, 0, sizeof c);
	pipeline_counters(p, &c);
	is(c.value[C_HLL_ZONES_UNTRACKED], 1, "a record of a zone beyond resolvers_zones: hll_zones_untracked");

	/* pieces are valid until the next call: read each zone's at once */
	size_t it = 0, n, calls = 0;
	const struct dnsa_sketch_piece *pcs;
	double na = 0, np = 0, za = 0, zp = 0;
	uint8_t nfl = 0, zfl = 0, fl = 0;
	while ((pcs = pipeline_sketches(p, &it, &n))) {
		calls++;
		if (n && !pcs[0].zone[0]) {
			na = sketch_est(pcs, n, "", SK_ADDR, &nfl);
			np = sketch_est(pcs, n, "", SK_PREFIX, &fl);
		} else if (n) {
			za = sketch_est(pcs, n, "example.test", SK_ADDR, &zfl);
			zp = sketch_est(pcs, n, "example.test", SK_PREFIX, &fl);
		}
	}
	is(calls, 2, "sketches of the node and of example.test (one call each)");
	ok(na > 111 - 3 * 2 && na < 111 + 3 * 2, "node: ~111 distinct clients (%.1f)", na);
	ok(nfl & SKF_SPARSE, "a sketch with few registers set travels sparse");
	ok(!(nfl & SKF_SAMPLED), "the node's sketch (pipeline_msg) is not flagged sampled");
	ok(np > 2.5 && np < 3.5, "node: 3 prefixes (the /24, the /48 and 203.0.113.0/24): %.2f", np);
	ok(za > 104 && za < 116, "example.test: ~110 distinct clients (%.1f)", za);
	ok(!(zfl & SKF_SAMPLED), "under mode all the zone's sketch is not flagged sampled");
	ok(zp > 1.5 && zp < 2.5, "example.test: 2 prefixes (%.2f)", zp);
	pipeline_sketches_clear(p);
	it = 0;
	ok(pipeline_sketches(p, &it, &n) == NULL, "after clear: no sketch until new messages");
	pipeline_free(p);

	/*
	 * zones alternating record by record (the pipeline finds a zone's
	 * sketch again by the zone set's own name pointer), then a new zone
	 * set in place of the old (whose names' memory a new set may reuse):
	 * every client lands in its own zone's sketch, by name
	 */
	zones_new(&z);
	zones_add_list(z, "a.test b.test");
	pc.resolvers_zones = 8;
	pipeline_new(&pc, s, &z, 0, NULL, &p);
	uint8_t wa[512], wb[512];
	size_t la = wire(wa, "x.a.test", 1, 0x8400, 0, 0), lb = wire(wb, "x.b.test", 1, 0x8400, 0, 0);
	for (int i = 0; i < 60; i++) {
		snprintf(a, sizeof a, "192.0.2.%d", i);
		msg(&m, MT_AUTH_RESPONSE, TR_UDP, i % 3 ? wa : wb, i % 3 ? la : lb, a); /* 40 to a.test, 20 to b.test */
		pipeline_msg(p, &m);
	}
	zones_new(&z);
	zones_add_list(z, "c.test b.test");
	pipeline_replace_zones(p, &z, 0);
	size_t lc = wire(w, "x.c.test", 1, 0x8400, 0, 0);
	for (int i = 0; i < 30; i++) {
		snprintf(a, sizeof a, "203.0.113.%d", i);
		msg(&m, MT_AUTH_RESPONSE, TR_UDP, i % 3 ? w : wb, i % 3 ? lc : lb, a); /* 20 to c.test, 10 more to b.test */
		pipeline_msg(p, &m);
	}
	double ea = 0, eb = 0, ec = 0;
	it = 0;
	while ((pcs = pipeline_sketches(p, &it, &n))) {
		if (!n || !pcs[0].zone[0])
			continue;
		double e = sketch_est(pcs, n, pcs[0].zone, SK_ADDR, &fl);
		if (!strcmp(pcs[0].zone, "a.test"))
			ea = e;
		else if (!strcmp(pcs[0].zone, "b.test"))
			eb = e;
		else if (!strcmp(pcs[0].zone, "c.test"))
			ec = e;
	}
	ok(ea > 38 && ea < 42, "alternating zones: a.test saw its 40 clients (%.1f)", ea);
	ok(eb > 28 && eb < 32, "b.test its 20 + 10, before and after the new zone set (%.1f)", eb);
	ok(ec > 18 && ec < 22, "c.test, of the new set, its 20 (%.1f)", ec);
	pipeline_free(p);
	(void)fd;
}

static void test_partial(struct sender *s, int fd)
{
	struct zones *z;
	zones_new(&z);
	struct pipeline_conf pc = { .sampler = { .mode = SAMPLER_ALL, .type_mask = 1u << MT_AUTH_RESPONSE },
		.qname_labels = 1 };
	struct pipeline *p;
	struct dnsa_counters c;
	struct dnsa_record *r;
	uint8_t w[512];
	struct capd_msg m;
	size_t wl;

	zones_add_list(z, "example.test");
	pipeline_new(&pc, s, &z, 0, NULL, &p);
	/* cut after the question and 3 bytes of its OPT */
	wl = wire(w, "cut.example.test", 16, 0x8400, 0, 1);
	msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, 12 + 18 + 4 + 3, "192.0.2.1");
	m.cut = 1;
	m.wire_len = (uint32_t)wl;
	pipeline_msg(p, &m);
	/* cut inside the header: counted by its input, not a parse error, not recorded */
	msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, 8, "192.0.2.1");
	m.cut = 1;
	m.wire_len = (uint32_t)wl;
	pipeline_msg(p, &m);
	/* two OPTs: malformed after the question; the first OPT's values kept */
	wl = wire(w, "two.example.test", 1, 0x8400, 0, 1);
	memcpy(w + wl, w + wl - 22, 22);
	wl += 22;
	w[11] = 2;
	msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, wl, "192.0.2.1");
	pipeline_msg(p, &m);
	/* the qname is a forward pointer to a name after the question */
	{
		static const uint8_t fw[] = { 0, 1, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0,
			0xc0, 18, 0, 1, 0, 1, 3, 'f', 'w', 'd', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0 };
		msg(&m, MT_AUTH_RESPONSE, TR_UDP, fw, sizeof fw, "192.0.2.1");
		pipeline_msg(p, &m);
	}
	memset(&c, 0, sizeof c);
	pipeline_counters(p, &c);
	pipeline_free(p);
	sender_flush(s);
	is(receive(fd), 3, "three partial records");
	r = find("cut.example.test", MT_AUTH_RESPONSE);
	ok(r && r->partial == RP_CUT && r->qtype == 16 && r->rsize == 12 + 18 + 4 + 22 && !(r->has & RH_EDNS),
	   "cut: qname, qtype, size on the wire, flagged cut");
	r = find("two.example.test", MT_AUTH_RESPONSE);
	ok(r && r->partial == RP_MALFORMED && (r->has & RH_EDNS) && r->edns_udp == 1232 && r->edns_do,
	   "two OPTs: flagged malformed, the first OPT's EDNS");
	r = find("fwd.example.test", MT_AUTH_RESPONSE);
	ok(r && r->partial == RP_MALFORMED, "qname as a forward pointer: followed, flagged malformed");
	ok(c.value[C_PARSE_ERRORS] == 0 && c.value[C_RECORDED_PARTIAL] == 3, "no parse error; 3 partial records");
}

int main(void)
{
	char dir[] = "/tmp/test_pipeline.XXXXXX", cmd[600], cpath[300];
	uint8_t w[512], q[512];
	struct capd_msg m;
	struct dnsa_counters c;

	for (int i = 0; i < ENV_KEY_LEN; i++)
		key[i] = (uint8_t)(i + 3);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	const char *b = getenv("DNSA_BUILD");
	snprintf(cpath, sizeof cpath, "%s/c.mmdb", dir);
	snprintf(cmd, sizeof cmd, "%s%stests/tools/mkmmdb -t country -o %s", b ? b : "", b ? "/../" : "", cpath);
	is(system(cmd), 0, "test country db built");

	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bind(fd, (struct sockaddr *)&sa, sizeof sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	char agg[64];
	snprintf(agg, sizeof agg, "127.0.0.1:%u", ntohs(sa.sin_port));
	const char *aggs[] = { agg };
	struct sender_conf sc = { .aggregators = aggs, .n_aggregators = 1, .node = "pipe-test", .key = key,
		.payload_size = 1232 };
	struct sender *s = NULL;
	is(sender_new(&sc, &s, NULL, 0), E_OK, "sender");

	struct zones *z;
	zones_new(&z);
	zones_add_list(z, "example.test sample.test");
	struct geo *g = NULL;
	is(geo_open(cpath, NULL, &g, NULL), E_OK, "geo");
	struct pipeline_conf pc = { .sampler = { .mode = SAMPLER_ALL, .type_mask = 1u << MT_AUTH_RESPONSE },
		.qname_labels = 1, .prefix = 1, .prefix_v4 = 24, .prefix_v6 = 48 };
	struct pipeline *p;
	pipeline_new(&pc, s, &z, 0, &g, &p);
	ok(p != NULL, "pipeline_new");
	ok(z == NULL && g == NULL, "zones and geo taken over");
	pipeline_tick(p, 1700000000000000ull, 1000000);

	/* a response with EDNS/DO/ECS, deep qname, TCP over IPv4, with its query */
	size_t wl = wire(w, "a.b.WWW.Example.TEST", 28, 0x8500, 0, 1);
	size_t ql = wire(q, "a.b.WWW.Example.TEST", 28, 0x0100, 0, 0);
	msg(&m, MT_AUTH_RESPONSE, TR_TCP, w, wl, "192.0.2.77");
	m.query_dns = q;
	m.query_dns_len = ql;
	m.has_query_time = 1;
	m.query_time_us = m.response_time_us - 250;
	pipeline_msg(p, &m);
	/* the same query message: type not sampled, counted only */
	msg(&m, MT_AUTH_QUERY, TR_TCP, q, ql, "192.0.2.77");
	pipeline_msg(p, &m);
	/* unlisted zone: counted, not recorded */
	wl = wire(w, "www.other.invalid", 1, 0x8000, 5, 0);
	msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, wl, "::1");
	pipeline_msg(p, &m);
	/* garbage: parse error */
	static const uint8_t junk[] = { 1, 2, 3 };
	msg(&m, MT_AUTH_RESPONSE, TR_UDP, junk, sizeof junk, "127.0.0.1");
	pipeline_msg(p, &m);
	/* NXDOMAIN over UDP/IPv6 in sample.test, no EDNS */
	wl = wire(w, "nxdomain.sample.test", 1, 0x8400, 3, 0);
	msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, wl, "2001:db8:abcd:12::1");
	pipeline_msg(p, &m);
	sender_flush(s);

	is(receive(fd), 2, "two records sent");
	struct dnsa_record *r = find("www.example.test", MT_AUTH_RESPONSE);
	ok(r != NULL, "deep qname truncated to www.example.test");
	if (r) {
		is_str(r->zone, "example.test", "zone example.test");
		is(r->qtype, 28, "qtype AAAA");
		is(r->qclass, 1, "qclass IN");
		is(r->rcode, 0, "rcode NOERROR");
		is(r->flags & (RF_QR | RF_AA | RF_RD), RF_QR | RF_AA | RF_RD, "flags QR AA RD");
		is(r->transport, TR_TCP, "transport TCP");
		is(r->ipver, 4, "IPv4");
		ok(r->has & RH_EDNS, "EDNS present");
		is(r->edns_udp, 1232, "EDNS UDP size");
		is(r->edns_do, 1, "DO bit");
		is(r->edns_ecs, 1, "ECS present (value not kept)");
		is(r->rsize, wl = wire(w, "a.b.WWW.Example.TEST", 28, 0x8500, 0, 1), "response size");
		ok(r->has & RH_QSIZE, "query size present (query_message given)");
		is(r->qsize, ql, "query size");
		ok(r->has & RH_LATENCY, "latency present (both times)");
		is(r->latency_us, 250, "latency 250 us");
		is(r->time_us, 1700000000123456ull, "time = response time");
		is_str(r->country, "XC", "country of 192.0.2.77 from the test DB");
		ok(r->has & RH_PREFIX, "prefix present");
		ok(!(r->has & RH_ADDR), "no full address");
		is(r->prefix_len, 24, "prefix /24");
		ok(r->addr[0] == 192 && r->addr[1] == 0 && r->addr[2] == 2 && r->addr[3] == 0, "prefix 192.0.2.0");
		is(r->weight, 1, "weight 1 with all");
	}
	r = find("nxdomain.sample.test", MT_AUTH_RESPONSE);
	ok(r != NULL, "NXDOMAIN record");
	if (r) {
		is(r->rcode, 3, "rcode NXDOMAIN");
		ok(!(r->has & RH_EDNS), "no EDNS");
		ok(!(r->has & RH_LATENCY), "no latency without a query time");
		is_str(r->country, "XD", "country of 2001:db8:... (XD)");
		is(r->prefix_len, 48, "IPv6 prefix /48");
		char str[64];
		inet_ntop(AF_INET6, r->addr, str, sizeof str);
		is_str(str, "2001:db8:abcd::", "prefix 2001:db8:abcd::/48");
	}

	memset(&c, 0, sizeof c);
	pipeline_counters(p, &c);
	is(c.value[C_MSG_TOTAL], 5, "msg_total 5");
	is(c.value[C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1], 4, "4 AUTH_RESPONSE");
	is(c.value[C_MSG_BY_TYPE + MT_AUTH_QUERY - 1], 1, "1 AUTH_QUERY");
	is(c.value[C_MSG_TCP], 2, "2 TCP");
	is(c.value[C_MSG_UDP], 3, "3 UDP");
	is(c.value[C_MSG_IPV6], 2, "2 IPv6");
	is(c.value[C_NOT_SAMPLED_TYPE], 1, "1 not sampled (type)");
	is(c.value[C_SAMPLED], 4, "4 sampled");
	is(c.value[C_PARSE_ERRORS], 1, "1 parse error");
	is(c.value[C_ZONE_UNLISTED_EST], 1, "1 unlisted (estimate: weight 1 under all)");
	ok(!counters_has(&c, C_ZONE_UNLISTED), "the old sampled-only zone_unlisted is not sent");
	is(c.value[C_RECORDED], 2, "2 recorded");
	is(c.value[C_SAMPLE_N], 1, "sample_n 1");
	pipeline_shed(p, MT_AUTH_RESPONSE, TR_UDP, 4);
	memset(&c, 0, sizeof c);
	pipeline_counters(p, &c);
	is(c.value[C_MSG_TOTAL], 6, "shed message counted in msg_total");
	is(c.value[C_DROP_OVERLOAD], 1, "and in drop_overload");
	is(c.value[C_SAMPLED], 4, "but not sampled");
	pipeline_free(p);

	/* nth:2, unlisted recorded under ".", qname_labels 0, full address */
	zones_new(&z);
	zones_add_list(z, "example.test .");
	pc = (struct pipeline_conf){ .sampler = { .mode = SAMPLER_NTH, .n = 2, .type_mask = 1u << MT_AUTH_RESPONSE },
		.qname_labels = 0, .record_unlisted = 1, .full_address = 1, .prefix = 1, .prefix_v4 = 24 };
	pipeline_new(&pc, s, &z, 0, NULL, &p);
	for (int i = 0; i < 4; i++) {
		wl = wire(w, i < 2 ? "x.y.example.test" : "foo.bar.invalid", 1, 0x8000, 0, 0);
		msg(&m, MT_AUTH_RESPONSE, TR_UDP, w, wl, "127.0.0.1");
		pipeline_msg(p, &m);
	}
	sender_flush(s);
	is(receive(fd), 2, "nth:2 of 4: two records");
	r = find("example.test", MT_AUTH_RESPONSE);
	ok(r != NULL, "qname_labels 0: qname cut to the zone");
	if (r) {
		is(r->weight, 2, "weight 2");
		ok(r->has & RH_ADDR, "full address configured");
		is(r->prefix_len, 32, "full address /32");
		ok(r->addr[0] == 127 && r->addr[3] == 1, "address 127.0.0.1");
		ok(!(r->has & RH_COUNTRY), "no country without a database");
	}
	r = find(".", MT_AUTH_RESPONSE);
	ok(r != NULL, "unlisted recorded: qname cut to the root (root + 0 labels)");
	if (r)
		is_str(r->zone, ".", "under zone '.'");
	memset(&c, 0, sizeof c);
	pipeline_counters(p, &c);
	is(c.value[C_ZONE_UNLISTED_EST], 2, "the sampled unlisted message counted by its weight (nth:2)");
	is(c.value[C_SAMPLE_N], 2, "sample_n 2");
	pipeline_free(p);

	test_partial(s, fd);
	test_sketches(s, fd);
	test_counter_kinds(s, fd);
	test_capture_clock(s, fd);

	/* a bad sampler conf frees what it was given */
	zones_new(&z);
	pc.sampler.n = 0;
	struct pipeline *none_pipeline = NULL;
	ok(pipeline_new(&pc, s, &z, 0, NULL, &none_pipeline) == E_INVAL && none_pipeline == NULL, "bad sampler conf: NULL");
	ok(z == NULL, "zones freed on failure");
	pipeline_free(NULL);

	sender_free(s);
	close(fd);
	unlink(cpath);
	rmdir(dir);
	return done_testing();
}
