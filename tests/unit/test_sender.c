/* tests/unit/test_sender.c: batching, sealing, budget, age flush, counters and failover over real loopback UDP (TAP). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capd/sender.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

static uint8_t key[ENV_KEY_LEN];

static int bind_udp(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(*port) };
	socklen_t sl = sizeof sa;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return fd;
}

struct rx {
	unsigned datagrams, records, counters, too_big, bad, zones;
	uint64_t zone_sum;   /* sum of the srv_queries values of every zone received */
	uint64_t first_seq, last_seq, boot, weights;
	int seq_gap;
	struct dnsa_counters c;
};

static int on_rec(const struct dnsa_record *r, void *arg)
{
	struct rx *x = arg;
	x->records++;
	x->weights += r->weight;
	return 0;
}

/* read every datagram waiting on fd (waiting up to ms for the first) */
static void drain_rx(int fd, struct rx *x, int ms, size_t budget)
{
	uint8_t dg[70000], pl[70000];
	struct pollfd p = { fd, POLLIN, 0 };
	while (poll(&p, 1, ms) == 1) {
		ssize_t n = recv(fd, dg, sizeof dg, 0);
		if (n <= 0)
			break;
		ms = 50;
		struct env_header h;
		x->datagrams++;
		if ((size_t)n > budget)
			x->too_big++;
		if (envelope_peek(dg, (size_t)n, &h) != E_OK) {
			x->bad++;
			continue;
		}
		int pn = envelope_open(&h, key, dg, (size_t)n, pl, sizeof pl);
		if (pn < 0) {
			x->bad++;
			continue;
		}
		if (x->last_seq && h.seq != x->last_seq + 1)
			x->seq_gap = 1;
		if (!x->first_seq)
			x->first_seq = h.seq;
		x->last_seq = h.seq;
		x->boot = h.boot_id;
		if (h.kind == ENV_KIND_RECORDS) {
			if (payload_foreach_record(pl, (size_t)pn, on_rec, x) < 0)
				x->bad++;
		} else {
			x->counters++;
			static struct dnsa_zone_total zt[512];
			int nz = payload_zone_totals(pl, (size_t)pn, zt, 512);
			if (nz < 0)
				x->bad++;
			for (int i = 0; i < nz; i++) {
				x->zones++;
				x->zone_sum += zt[i].value[0];
			}
			if (nz <= 0 && payload_counters(pl, (size_t)pn, &x->c) != E_OK)
				x->bad++;
		}
	}
}

static void fill(struct dnsa_record *r, int i, int big)
{
	memset(r, 0, sizeof *r);
	r->has = RH_QUESTION | RH_RSIZE | RH_COUNTRY;
	r->time_us = 1700000000000000ull + (uint64_t)i;
	strcpy(r->zone, "example.test");
	if (big) {
		/* a 253-character name */
		for (int k = 0; k < 253; k++)
			r->qname[k] = (k % 4 == 3) ? '.' : 'a';
		r->qname[253] = '\0';
	} else {
		snprintf(r->qname, sizeof r->qname, "www%d.example.test", i % 50);
	}
	r->qtype = 1;
	r->qclass = 1;
	r->transport = 1;
	r->ipver = 4;
	r->msgtype = 2;
	r->rsize = 100;
	strcpy(r->country, "XA");
	r->weight = (uint32_t)(1 + i % 7);
}

int main(void)
{
	for (int i = 0; i < ENV_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	uint16_t pa = 0, pb = 0;
	int fa = bind_udp(&pa), fb = bind_udp(&pb);
	if (fa < 0 || fb < 0) {
		printf("Bail out! cannot bind loopback UDP\n");
		return 1;
	}
	char sa[64], sb[64];
	snprintf(sa, sizeof sa, "127.0.0.1:%u", pa);
	snprintf(sb, sizeof sb, "localhost:%u", pb);
	const char *aggs[] = { sa, sb };
	struct sender_conf c = { .aggregators = aggs, .n_aggregators = 2, .node = "node-1.test", .key = key,
		.payload_size = 1232, .flush_us = 1000000, .failback_us = 5000000, .boot_id = 424242, .salt = 99 };
	struct sender *s = NULL;
	char bad[256] = "";

	/* bad configurations */
	const char *junk[] = { "nonsense" };
	struct sender_conf bc = c;
	bc.aggregators = junk;
	bc.n_aggregators = 1;
	is(sender_new(&bc, &s, bad, sizeof bad), E_INVAL, "aggregator without port refused");
	is_str(bad, "aggregator nonsense", "bad aggregator named");
	bc = c;
	bc.payload_size = 100;
	is(sender_new(&bc, &s, bad, sizeof bad), E_INVAL, "payload budget below envelope + 128 refused");
	bc = c;
	bc.payload_size = 0;
	is(sender_new(&bc, &s, bad, sizeof bad), E_OK, "payload_size 0: auto");
	/* loopback routes have a 65536-byte MTU: auto takes aggd's default max_datagram */
	is(sender_payload_size(s), 65507, "  auto on loopback: 65507 bytes (65536 - 28, at most the largest UDP payload)");
	is(sender_max_payload(s), 65000, "  plaintext budget = the batch's largest (65000, below 65507 - overhead)");
	/* room for a full sendmmsg queue (32 datagrams) asked for; the kernel's cap (wmem_max)
	 * applies alike to a plain socket given the same request, whatever the host's sysctl */
	{
		int ref = socket(AF_INET, SOCK_DGRAM, 0), want = 32 * 65507, got = 0, dflt = 0;
		socklen_t gl = sizeof got;
		getsockopt(ref, SOL_SOCKET, SO_SNDBUF, &dflt, &gl);
		setsockopt(ref, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
		gl = sizeof got;
		getsockopt(ref, SOL_SOCKET, SO_SNDBUF, &got, &gl);
		close(ref);
		is(sender_sndbuf(s), got, "  send_buffer 0, 65 KB datagrams: SO_SNDBUF raised for 32 of them (%d, default %d)", got,
		    dflt);
		sender_free(s);
		bc.sndbuf = 100000;
		ref = socket(AF_INET, SOCK_DGRAM, 0);
		want = 100000;
		setsockopt(ref, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
		gl = sizeof got;
		getsockopt(ref, SOL_SOCKET, SO_SNDBUF, &got, &gl);
		close(ref);
		is(sender_new(&bc, &s, bad, sizeof bad), E_OK, "  auto with send_buffer 100000");
		is(sender_sndbuf(s), got, "  a configured send_buffer is kept as set (%d)", got);
		bc.sndbuf = 0;
	}
	sender_free(s);
	s = NULL;
	bc = c;
	bc.n_aggregators = 0;
	is(sender_new(&bc, &s, bad, sizeof bad), E_INVAL, "no aggregator refused");
	is(sender_new(NULL, &s, bad, sizeof bad), E_INVAL, "NULL conf refused");
	ok(s == NULL, "no handle on failure");
	sender_free(NULL);

	is(sender_new(&c, &s, bad, sizeof bad), E_OK, "sender_new");
	is(sender_max_payload(s), 1232 - envelope_overhead(strlen("node-1.test")), "plaintext budget = 1232 - overhead");
	is(sender_payload_size(s), 1232, "a configured payload_size is kept");
	is(sender_boot_id(s), 424242, "boot id from conf");

	/* 500 small records + 30 maximal ones: all arrive, none over budget, seq 1.. contiguous */
	struct dnsa_record r;
	uint64_t wsum = 0;
	sender_tick(s, 1000000);
	for (int i = 0; i < 530; i++) {
		fill(&r, i, i >= 500);
		wsum += r.weight;
		if (sender_add(s, &r) != E_OK)
			break;
	}
	sender_flush(s);
	struct rx x = { 0 };
	drain_rx(fa, &x, 1000, 1232);
	is(x.records, 530, "530 records received");
	is(x.weights, wsum, "weights preserved");
	ok(x.datagrams >= 10, "spread over %u datagrams", x.datagrams);
	is(x.too_big, 0, "no datagram above 1232 bytes");
	is(x.bad, 0, "every datagram opens and validates");
	is(x.first_seq, 1, "seq starts at 1");
	is(x.seq_gap, 0, "seq contiguous");
	is(x.boot, 424242, "boot id on the wire");

	/* age flush: nothing before 1 s, the batch after */
	sender_tick(s, 2000000);
	fill(&r, 1, 0);
	sender_add(s, &r);
	sender_tick(s, 2900000);
	struct rx y = { 0 };
	drain_rx(fa, &y, 100, 1232);
	is(y.datagrams, 0, "0.9 s old batch not sent");
	sender_tick(s, 3000000);
	drain_rx(fa, &y, 1000, 1232);
	is(y.records, 1, "1 s old batch sent");
	is(y.first_seq, x.last_seq + 1, "seq continues");

	/* counters datagram: carries our values plus the sender's */
	struct dnsa_counters k;
	memset(&k, 0, sizeof k);
	counters_set(&k, C_MSG_TOTAL, 123456789);
	is(sender_send_counters(s, &k), E_OK, "counters sent");
	struct rx z = { 0 };
	drain_rx(fa, &z, 1000, 1232);
	is(z.counters, 1, "one counters datagram");
	is(z.c.value[C_MSG_TOTAL], 123456789, "C_MSG_TOTAL carried");
	/* x's datagrams, y's one, and the counters datagram that carries the value */
	ok(counters_has(&z.c, C_DATAGRAMS_SENT) && z.c.value[C_DATAGRAMS_SENT] == x.datagrams + 2,
	    "datagrams_sent counted (%llu)", (unsigned long long)z.c.value[C_DATAGRAMS_SENT]);
	is(z.c.value[C_SEND_ERRORS], 0, "no send errors yet");

	/* failover: A goes away; ICMP port unreachable makes the next send fail, B takes over */
	close(fa);
	fill(&r, 2, 0);
	sender_add(s, &r);
	sender_flush(s); /* lost: sent before the ICMP error came back */
	usleep(50000);
	for (int i = 0; i < 5; i++) {
		fill(&r, i, 0);
		sender_add(s, &r);
	}
	sender_flush(s);
	struct rx w = { 0 };
	drain_rx(fb, &w, 1000, 1232);
	is(sender_current(s), 1, "failed over to the second aggregator");
	is(w.records, 5, "the next batch reached B");
	memset(&k, 0, sizeof k);
	sender_stats(s, &k);
	is(k.value[C_FAILOVERS], 1, "one failover counted");
	ok(k.value[C_SEND_ERRORS] >= 1, "send error counted");

	/* failback after failback_us once A is back */
	uint16_t pa2 = pa;
	fa = bind_udp(&pa2);
	ok(fa >= 0 && pa2 == pa, "A back on its port");
	sender_tick(s, 3100000 + 5000000);
	is(sender_current(s), 0, "failed back to the first aggregator");
	fill(&r, 3, 0);
	sender_add(s, &r);
	sender_flush(s);
	struct rx v = { 0 };
	drain_rx(fa, &v, 1000, 1232);
	is(v.records, 1, "A receives again");

	/* the nameserver's per-zone totals: 300 zones over as many datagrams as needed, all back */
	static struct dnsa_zone_total zt[300];
	memset(zt, 0, sizeof zt);
	uint64_t zsum = 0;
	for (int i = 0; i < 300; i++) {
		snprintf(zt[i].zone, sizeof zt[i].zone, "zone%03d.example", i);
		zt[i].set = 3;
		zt[i].value[0] = (uint64_t)i * 1000003u;
		zt[i].value[1] = 7;
		zsum += zt[i].value[0];
	}
	uint64_t seq_before = v.last_seq;
	is(sender_send_zones(s, zt, 300), E_OK, "300 zones sent");
	struct rx zx = { 0 };
	drain_rx(fa, &zx, 1000, 1232);
	is(zx.zones, 300, "300 zones received");
	is(zx.zone_sum, zsum, "their values survive");
	ok(zx.counters >= 5 && zx.counters == zx.datagrams, "in %u counters datagrams", zx.counters);
	is(zx.too_big, 0, "none above 1232 bytes");
	is(zx.bad, 0, "every one opens and validates");
	is(zx.first_seq, seq_before + 1, "the sequence goes on");
	is(sender_send_zones(s, NULL, 0), E_OK, "no zones: nothing sent");
	is(sender_send_zones(NULL, zt, 1), E_INVAL, "NULL sender refused");

	/* a lone aggregator that is down: the refused datagram's records are counted as dropped */
	close(fa);
	close(fb);
	sender_free(s);
	bc = c;
	bc.n_aggregators = 1;
	is(sender_new(&bc, &s, bad, sizeof bad), E_OK, "single-aggregator sender");
	fill(&r, 4, 0);
	sender_add(s, &r);
	sender_flush(s); /* accepted by the kernel, refused by ICMP */
	usleep(50000);
	for (int i = 0; i < 3; i++) {
		fill(&r, i, 0);
		sender_add(s, &r);
	}
	sender_flush(s);
	memset(&k, 0, sizeof k);
	sender_stats(s, &k);
	is(k.value[C_RECORDS_DROPPED_SEND], 3, "records of an unsendable datagram counted as dropped");
	is(k.value[C_SEND_ERRORS], 1, "one send error");
	is(k.value[C_FAILOVERS], 0, "no failover with one aggregator");
	is(k.value[C_DATAGRAMS_SENT], 1, "one datagram left the socket");

	sender_free(s);
	return done_testing();
}
