/* tests/unit/test_pcap_input.c: pcap_input on crafted pcaps (dnsa-mkpcap) and the real Knot sample capture. */
#include <limits.h>
#include <ldns/ldns.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capd/pcap_input.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

/* the Knot sample: $REALSERVERS, else the repo copy (tests run from the top directory) */
static const char *sample_path(void)
{
	static char buf[PATH_MAX];
	const char *rs = getenv("REALSERVERS");
	if (rs) {
		snprintf(buf, sizeof(buf), "%s/samples/knot-udp-tcp.pcap", rs);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	if (realpath("tests/data/realservers/samples/knot-udp-tcp.pcap", buf) && access(buf, R_OK) == 0)
		return buf; /* absolute: run() reads relative names from the crafted directory */
	return "tests/data/realservers/samples/knot-udp-tcp.pcap";
}
#define SAMPLE sample_path()

static char dir[] = "/tmp/test_pcap_input.XXXXXX";

/* what the callback saw */
struct seen {
	unsigned n;
	unsigned parsed;       /* messages ldns accepts */
	unsigned ids_ok;       /* responses whose id matched the last query's */
	unsigned rtt_n;
	uint32_t rtt_last;
	uint16_t last_qid;
	int times_ok;          /* query/response time fields set as the type says */
	int addrs_ok;          /* client/server sides as crafted (192.0.2.10 / .53, 2001:db8::10 / ::53) */
	char qname[256];       /* first message's qname */
	uint64_t first_time;
	size_t max_len;
};

static void on_msg(const struct capd_msg *m, void *arg)
{
	struct seen *s = arg;
	ldns_pkt *pkt = NULL;
	uint16_t id = m->dns_len >= 2 ? (uint16_t)(m->dns[0] << 8 | m->dns[1]) : 0;
	static const uint8_t c4[4] = { 192, 0, 2, 10 }, s4[4] = { 192, 0, 2, 53 };

	if (s->n == 0) {
		s->times_ok = 1;
		s->addrs_ok = 1;
		s->first_time = m->type == MT_AUTH_QUERY ? m->query_time_us : m->response_time_us;
	}
	s->n++;
	if (m->dns_len > s->max_len)
		s->max_len = m->dns_len;
	if (ldns_wire2pkt(&pkt, m->dns, m->dns_len) == LDNS_STATUS_OK) {
		s->parsed++;
		if (s->qname[0] == 0 && ldns_pkt_qdcount(pkt) == 1) {
			char *q = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
			snprintf(s->qname, sizeof(s->qname), "%s", q);
			free(q);
		}
		ldns_pkt_free(pkt);
	}
	if (m->type == MT_AUTH_QUERY) {
		s->last_qid = id;
		if (!m->has_query_time || m->has_response_time || !m->query_time_us)
			s->times_ok = 0;
	} else {
		if (id == s->last_qid)
			s->ids_ok++;
		/* a UDP response carries its paired query's time (udppair), never a later one */
		if (!m->has_response_time || !m->response_time_us ||
		    (m->has_query_time && (m->transport != TR_UDP || m->query_time_us > m->response_time_us)))
			s->times_ok = 0;
	}
	if (m->has_rtt) {
		s->rtt_n++;
		s->rtt_last = m->rtt_us;
	}
	if (m->family == 4 && (m->client_addr_len != 4 || memcmp(m->client_addr, c4, 4) ||
			       memcmp(m->server_addr, s4, 4) || m->server_port != 53))
		s->addrs_ok = 0;
	if (m->family == 6 && (m->client_addr_len != 16 || m->client_addr[15] != 0x10 ||
			       m->server_addr[15] != 0x53 || m->server_port != 53))
		s->addrs_ok = 0;
}

/* read a whole file through pcap_input; returns the stats */
static int run(const char *name, const struct pcap_input_conf *base, struct pcap_input_stats *st, struct seen *s)
{
	struct pcap_input_conf c;
	struct pcap_input *p;
	char path[512], err[256];
	int rounds = 0;

	if (base)
		c = *base;
	else
		memset(&c, 0, sizeof(c));
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	c.file = path;
	memset(s, 0, sizeof(*s));
	pcap_input_new(&c, on_msg, s, &p, err, sizeof(err));
	if (!p) {
		diag("%s: %s", name, err);
		memset(st, 0, sizeof(*st));
		return -1;
	}
	while (!pcap_input_eof(p) && rounds++ < 1000000)
		if (pcap_input_dispatch(p, 64) < 0)
			break;
	pcap_input_stats(p, st);
	pcap_input_free(p);
	return 0;
}

#define Q_UDP4 st.msg[PI_Q][PI_UDP][PI_V4]
#define Q_UDP6 st.msg[PI_Q][PI_UDP][PI_V6]
#define R_UDP4 st.msg[PI_R][PI_UDP][PI_V4]
#define R_UDP6 st.msg[PI_R][PI_UDP][PI_V6]
#define Q_TCP4 st.msg[PI_Q][PI_TCP][PI_V4]
#define Q_TCP6 st.msg[PI_Q][PI_TCP][PI_V6]
#define R_TCP4 st.msg[PI_R][PI_TCP][PI_V4]
#define R_TCP6 st.msg[PI_R][PI_TCP][PI_V6]

static uint64_t skipped_total(const struct pcap_input_stats *st)
{
	uint64_t n = 0;
	int i;
	for (i = 0; i < PKT_REASON_MAX; i++)
		n += st->skipped[i];
	return n;
}

/* a file holding one UDP query + response per family: the link-type files */
static void four_udp(const char *name, int v6_pairs)
{
	struct pcap_input_stats st;
	struct seen s;
	is(run(name, NULL, &st, &s), 0, "%s: opened", name);
	is(Q_UDP4, 1, "%s: 1 UDP/IPv4 query", name);
	is(R_UDP4, 1, "%s: 1 UDP/IPv4 response", name);
	is(Q_UDP6, v6_pairs, "%s: %d UDP/IPv6 queries", name, v6_pairs);
	is(R_UDP6, v6_pairs, "%s: %d UDP/IPv6 responses", name, v6_pairs);
	is(skipped_total(&st), 0, "%s: nothing skipped", name);
	is(s.parsed, 2 + 2 * v6_pairs, "%s: every message parses with ldns", name);
	is(s.ids_ok, 1 + v6_pairs, "%s: each response follows its query (same id)", name);
	ok(s.times_ok && s.addrs_ok, "%s: times and client/server sides right", name);
}

static void test_tcp_files(void)
{
	struct pcap_input_stats st;
	struct seen s;

	run("tcp-split3.pcap", NULL, &st, &s);
	is(Q_TCP4, 1, "split3: 1 TCP query");
	is(R_TCP4, 1, "split3: 1 TCP response from 3 segments (length prefix split too)");
	is(st.tcp.copied, 1, "split3: the response was reassembled through a buffer");
	is(s.max_len, 1000, "split3: response is 1000 bytes, as crafted");
	is(s.parsed, 2, "split3: both parse with ldns");
	is_str(s.qname, "split.example.test.", "split3: qname");
	is(s.rtt_n, 2, "split3: both messages carry the handshake RTT");
	is(s.rtt_last, 250, "split3: RTT = SYN-ACK to ACK = 250 us");
	is(st.tcp.flows_closed, 1, "split3: flow closed by FINs");
	is(skipped_total(&st), 0, "split3: nothing skipped");
	ok(s.addrs_ok && s.times_ok, "split3: sides and times right");

	run("tcp-two-in-one.pcap", NULL, &st, &s);
	is(Q_TCP6, 2, "two-in-one: 2 TCP/IPv6 queries from one segment");
	is(R_TCP6, 2, "two-in-one: 2 TCP/IPv6 responses from one segment");
	is(st.tcp.copied, 0, "two-in-one: delivered without copying");
	is(s.parsed, 4, "two-in-one: all 4 parse");
	is(s.rtt_last, 400, "two-in-one: RTT 400 us");
	ok(s.addrs_ok, "two-in-one: IPv6 sides right");

	run("tcp-ooo.pcap", NULL, &st, &s);
	is(Q_TCP4 + R_TCP4, 2, "ooo: query and response");
	is(st.tcp.ooo_queued, 1, "ooo: one segment held out of order");
	is(s.max_len, 1200, "ooo: 1200-byte response rebuilt");
	is(s.parsed, 2, "ooo: both parse (order restored)");
	is(st.tcp.gaps, 0, "ooo: no gap");

	run("tcp-retrans.pcap", NULL, &st, &s);
	is(Q_TCP4, 1, "retrans: the retransmitted query counted once");
	is(R_TCP4, 1, "retrans: overlapping and repeated response segments give one response");
	is(st.tcp.retransmits, 3, "retrans: 3 retransmissions seen");
	is(s.parsed, 2, "retrans: both parse");
	is(s.max_len, 900, "retrans: 900-byte response intact");
}

static void test_frag_files(void)
{
	struct pcap_input_stats st;
	struct seen s;
	int v6;
	for (v6 = 0; v6 < 2; v6++) {
		const char *n = v6 ? "frag6.pcap" : "frag4.pcap";
		run(n, NULL, &st, &s);
		is(st.msg[PI_Q][PI_UDP][v6], 1, "%s: query", n);
		is(st.msg[PI_R][PI_UDP][v6], 1, "%s: 3000-byte response from 3 fragments out of order", n);
		is(st.frag.reassembled, 1, "%s: 1 datagram reassembled", n);
		is(st.frag_pending, 2, "%s: 2 fragments waited", n);
		is(s.max_len, 3000, "%s: response length 3000", n);
		is(s.parsed, 2, "%s: both parse with ldns", n);
		is(skipped_total(&st), 0, "%s: nothing skipped", n);
	}
}

static void test_hostile_files(void)
{
	struct pcap_input_stats st;
	struct seen s;

	run("snaplen.pcap", NULL, &st, &s);
	is(Q_UDP4, 1, "snaplen: small UDP query kept");
	is(R_UDP4, 1, "snaplen: cut UDP response delivered (marked cut)");
	is(st.cut, 1, "snaplen: 1 message cut by the snap length");
	is(Q_TCP4, 1, "snaplen: small TCP query kept");
	is(R_TCP4, 0, "snaplen: cut TCP response not delivered");
	is(st.skipped[PKT_E_SNAPLEN], 0, "snaplen: no packet lost to the snap length");
	ok(st.tcp.gaps == 1 && st.tcp.lost == 1 && st.skipped[PKT_E_TCP] == 1,
	   "snaplen: the cut TCP response is a hole and 1 message lost");

	run("garbage.pcap", NULL, &st, &s);
	is(st.skipped[PKT_E_DNS_SHORT], 1, "garbage: 5-byte payload on port 53 -> dns_short");
	is(st.skipped[PKT_E_NOT_DNS], 1, "garbage: HTTP on port 80 -> not_dns");
	is(st.skipped[PKT_E_DIRECTION], 0, "garbage: a response sent to port 53 is a response (the QR bit decides, as DSC)");
	is(st.skipped[PKT_E_NOT_UDP_TCP], 1, "garbage: ICMP -> not_udp_tcp");
	is(st.skipped[PKT_E_IP_TRUNC], 1, "garbage: 10-byte IPv4 header -> ip_trunc");
	is(st.skipped[PKT_E_IP_BAD], 2, "garbage: bad total length and bad version -> ip_bad");
	is(st.skipped[PKT_E_L4_BAD], 1, "garbage: TCP data offset 2 -> l4_bad");
	is(st.skipped[PKT_E_NOT_IP], 1, "garbage: ARP -> not_ip");
	is(st.dot_conns, 1, "garbage: 1 DoT connection counted");
	is(st.doh_conns, 1, "garbage: 1 DoH connection counted");
	is(st.messages, 2, "garbage: that response and 12+ bytes of junk with QR=0 delivered (DNS parsing is the pipeline's)");
	is(s.parsed, 1, "garbage: ldns rejects the junk");
	is(st.tcp.segments, 0, "garbage: DoT/DoH segments never reach the reassembler");
}

static void test_synflood(unsigned n)
{
	struct pcap_input_conf c;
	struct pcap_input_stats st;
	struct seen s;
	memset(&c, 0, sizeof(c));
	c.tcp.max_flows = 1024;
	c.tcp.max_weak = 256;
	run("synflood.pcap", &c, &st, &s);
	is(st.tcp.flows_created, n + 1, "synflood: %u SYN flows + 1 real one created", n);
	/* the real connection was established before the flood: only the n SYN flows are weak */
	is(st.tcp.evicted_weak, n - 256, "synflood: weak flows capped at 256 (%u evicted)", n - 256);
	is(st.tcp.evicted_lru, 0, "synflood: no established flow evicted");
	ok(st.tcp.flows_active <= 1024, "synflood: active flows %ju <= table size", (uintmax_t)st.tcp.flows_active);
	is(Q_TCP4 + R_TCP4, 2, "synflood: the established connection still delivers its query and response");
	is(s.rtt_last, 500, "synflood: and its RTT");

	/* with the defaults: the stated memory ceiling, whatever the flood */
	memset(&c, 0, sizeof(c));
	run("synflood.pcap", &c, &st, &s);
	is(Q_TCP4 + R_TCP4, 2, "synflood (defaults): established connection intact");
	is(st.tcp.evicted_weak, n > 8192 ? n - 8192 : 0, "synflood (defaults): weak cap 8192");
	ok(tcpreasm_memory(NULL) < 9.5 * 1024 * 1024, "tcpreasm default ceiling %zu bytes < 9.5 MiB",
	   tcpreasm_memory(NULL));
}

static void test_sample(void)
{
	struct pcap_input_conf c;
	struct pcap_input_stats st;
	struct seen s;
	if (access(SAMPLE, R_OK) != 0) {
		ok(0, "sample capture %s readable", SAMPLE);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.dns_ports[0] = 5353;
	run(SAMPLE, &c, &st, &s);
	is(st.packets, 15017, "sample: 15017 packets");
	is(Q_UDP4, 4500, "sample: 4500 UDP/IPv4 queries");
	is(R_UDP4, 4500, "sample: 4500 UDP/IPv4 responses");
	is(Q_UDP6, 1000, "sample: 1000 UDP/IPv6 queries");
	is(R_UDP6, 1000, "sample: 1000 UDP/IPv6 responses");
	is(Q_TCP4, 2000, "sample: 2000 TCP queries");
	is(R_TCP4, 2000, "sample: 2000 TCP responses");
	is(s.parsed, 15000, "sample: every message parses with ldns");
	is(skipped_total(&st), 0, "sample: nothing skipped");
	is(st.tcp.rtt_samples, 2, "sample: 2 handshakes gave an RTT");
	is(s.rtt_n, 4000, "sample: every TCP message carries it");

	/* the same with the server addresses configured: direction by address */
	c.nservers = 2;
	c.servers[0].family = 4;
	memcpy(c.servers[0].addr, "\x7f\0\0\1", 4);
	c.servers[1].family = 6;
	c.servers[1].addr[15] = 1;
	run(SAMPLE, &c, &st, &s);
	is(st.messages, 15000, "sample with servers 127.0.0.1, ::1: 15000 messages");
	is(st.msg[PI_Q][PI_UDP][PI_V6] + st.msg[PI_Q][PI_TCP][PI_V4], 3000, "sample with servers: queries by transport");

	/* a server address that is not in the capture: nothing is DNS */
	c.nservers = 1;
	memcpy(c.servers[0].addr, "\xc0\0\2\1", 4);
	run(SAMPLE, &c, &st, &s);
	is(st.messages, 0, "sample with another server address: 0 messages");
	is(st.skipped[PKT_E_NOT_DNS], 15017, "sample with another server address: every packet not_dns");

	/* a BPF filter applies to files too */
	memset(&c, 0, sizeof(c));
	c.dns_ports[0] = 5353;
	c.filter = "udp";
	run(SAMPLE, &c, &st, &s);
	is(st.messages, 11000, "sample with filter 'udp': 11000 messages");
}

static void test_api(void)
{
	struct pcap_input_conf c;
	struct pcap_input *p;
	char err[256], f[2048];
	pcap_t *dead;
	struct bpf_program prog;
	int n;

	memset(&c, 0, sizeof(c));
	c.file = "/nonexistent/x.pcap";
	err[0] = 0;
	is(pcap_input_new(&c, NULL, NULL, &p, err, sizeof(err)), -EIO, "missing file: -EIO");
	ok(p == NULL && strstr(err, "No such file"), "missing file: NULL with a message (%s)", err);
	c.interface = "lo";
	is(pcap_input_new(&c, NULL, NULL, &p, err, sizeof(err)), E_INVAL, "interface and file: E_INVAL");
	ok(p == NULL && strstr(err, "both"), "interface and file: refused (%s)", err);
	c.file = NULL;
	c.interface = "nonexistent0";
	pcap_input_new(&c, NULL, NULL, &p, err, sizeof(err));
	ok(p == NULL && err[0], "unknown interface: NULL with a message (%s)", err);
	c.interface = NULL;
	c.file = SAMPLE;
	c.filter = "this is not bpf";
	is(pcap_input_new(&c, NULL, NULL, &p, err, sizeof(err)), E_INVAL, "bad filter: E_INVAL");
	ok(p == NULL && strstr(err, "filter"), "bad filter: refused (%s)", err);
	pcap_input_free(NULL);
	is(pcap_input_fd(NULL), -1, "fd(NULL) = -1");

	/* the default filter compiles, with and without server addresses */
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	memset(&c, 0, sizeof(c));
	n = pcap_input_default_filter(&c, f, sizeof(f));
	ok(n > 0 && pcap_compile(dead, &prog, f, 1, PCAP_NETMASK_UNKNOWN) == 0, "default filter compiles: %s", f);
	if (n > 0)
		pcap_freecode(&prog);
	c.dns_ports[0] = 53;
	c.dns_ports[1] = 5353;
	c.nservers = 2;
	c.servers[0].family = 4;
	memcpy(c.servers[0].addr, "\xc0\0\2\x35", 4);
	c.servers[1].family = 6;
	memcpy(c.servers[1].addr, "\x20\x01\x0d\xb8", 4);
	c.servers[1].addr[15] = 0x53;
	n = pcap_input_default_filter(&c, f, sizeof(f));
	ok(n > 0 && strstr(f, "host 192.0.2.53 or host 2001:db8:0:0:0:0:0:53") && strstr(f, "port 5353") &&
	   pcap_compile(dead, &prog, f, 1, PCAP_NETMASK_UNKNOWN) == 0, "filter with servers compiles: %s", f);
	if (n > 0)
		pcap_freecode(&prog);
	is(pcap_input_default_filter(&c, f, 20), E_SPACE, "default filter: small buffer -> E_SPACE");
	pcap_close(dead);

	/* a handle without a source, fed by hand: one query on the default port */
	memset(&c, 0, sizeof(c));
	{
		struct seen s;
		struct pcap_input_stats st;
		/* Ethernet + IPv4 + UDP 10.0.0.1:1234 -> 10.0.0.2:53 + 12-byte DNS header (id 0x0102, QR=0) */
		static const uint8_t pkt[] = {
			0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00,
			0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
			0x04, 0xd2, 0, 53, 0, 20, 0, 0,
			0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		};
		memset(&s, 0, sizeof(s));
		pcap_input_new(&c, on_msg, &s, &p, err, sizeof(err));
		ok(p != NULL, "sourceless handle");
		pcap_input_packet(p, 1000000, pkt, sizeof(pkt), sizeof(pkt));
		pcap_input_packet(p, 1000001, pkt, 30, sizeof(pkt)); /* cut inside the IP header */
		pcap_input_stats(p, &st);
		is(st.msg[PI_Q][PI_UDP][PI_V4], 1, "hand-fed packet: 1 UDP query");
		is(st.skipped[PKT_E_SNAPLEN], 1, "hand-fed cut packet: snaplen");
		is(s.last_qid, 0x0102, "hand-fed packet: DNS id");
		is(s.first_time, 1000000, "hand-fed packet: query time = pcap time");
		is(pcap_input_dispatch(p, 10), 0, "sourceless dispatch: 0");
		ok(pcap_input_eof(p) == 0 && pcap_input_fd(p) == -1, "sourceless: no fd");
		pcap_input_free(p);
	}
}

int main(int argc, char **argv)
{
	char cmd[1024], bin[512];
	const char *b = getenv("DNSA_BUILD");
	unsigned n = 20000;
	int i;

	if (b)
		snprintf(bin, sizeof(bin), "%s/bin/dnsa-mkpcap", b);
	else {
		char *slash;
		snprintf(bin, sizeof(bin), "%s", argv[0]);
		slash = strrchr(bin, '/');
		if (slash)
			*slash = 0;
		strncat(bin, "/../bin/dnsa-mkpcap", sizeof(bin) - strlen(bin) - 1);
	}
	(void)argc;
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "%s %s %u", bin, dir, n);
	ok(system(cmd) == 0, "dnsa-mkpcap wrote the crafted files (%s)", cmd);

	test_tcp_files();
	test_frag_files();
	four_udp("vlan.pcap", 1);
	four_udp("sll.pcap", 1);
	four_udp("sll2.pcap", 1);
	four_udp("raw.pcap", 1);
	four_udp("null.pcap", 2);
	four_udp("loop.pcap", 1);
	four_udp("ipext.pcap", 1);
	test_hostile_files();
	test_synflood(n);
	test_sample();
	test_api();

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	i = system(cmd);
	(void)i;
	return done_testing();
}
