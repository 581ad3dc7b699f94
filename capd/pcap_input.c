/* capd/pcap_input.c: libpcap capture -> pktdecode -> ipfrag/tcpreasm -> capd_msg callback. */
#include "capd/pcap_input.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "capd/ksample.h"
#include "common/errors.h"
#include "common/record.h"
#include "common/wire.h"

struct pcap_input {
	struct pcap_input_conf conf;
	pcap_t *pc;
	int dlt;
	int fd;
	int eof;
	int live;
	size_t nports;
	pcap_input_fn fn;
	void *arg;
	struct ipfrag *frag;
	struct tcpreasm *tcp;
	struct udppair *pair;   /* NULL: pairing off */
	uint64_t last_tick_us;  /* packet time of the last expiry pass */
	uint32_t raw_stat[3];   /* last pcap_stats values: 32-bit, they wrap; we accumulate deltas */
	struct pcap_input_stats st;
	int lo_ignore_out;      /* live on lo: the kernel skips the sent copies (PACKET_IGNORE_OUTGOING) */
	unsigned lo_index;      /* loopback's interface index (0: none), resolved once at open */
	struct ksample *ks;     /* kernel sampling filter on the live socket, or NULL */
	char ks_why[200]; /* why there is none although asked for */
	char err[PCAP_ERRBUF_SIZE];
};

static void on_tcp_msg(const struct tcpreasm_msg *m, void *arg);

static int addr_text(const struct pcap_input_addr *a, char *buf, size_t len)
{
	if (a->family == 4)
		return snprintf(buf, len, "%u.%u.%u.%u", a->addr[0], a->addr[1], a->addr[2], a->addr[3]);
	{
		size_t i, o = 0;
		for (i = 0; i < 16 && o < len; i += 2)
			o += (size_t)snprintf(buf + o, len - o, "%s%x", i ? ":" : "", a->addr[i] << 8 | a->addr[i + 1]);
		return (int)o;
	}
}

int pcap_input_default_filter(const struct pcap_input_conf *c, char *buf, size_t len)
{
	size_t o = 0, i, nports = 0;
	char a[64];
	int n, dot = c->dot_port ? c->dot_port : 853, doh = c->doh_port ? c->doh_port : 443;

#define PUT(...) do { \
		n = snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__); \
		if (n < 0 || (size_t)n >= (o < len ? len - o : 0)) \
			return E_SPACE; \
		o += (size_t)n; \
	} while (0)

	if (!buf || !len)
		return E_SPACE;
	buf[0] = 0;
	if (c->nservers) {
		PUT("(");
		for (i = 0; i < c->nservers && i < PCAP_INPUT_MAX_SERVERS; i++) {
			addr_text(&c->servers[i], a, sizeof(a));
			PUT("%shost %s", i ? " or " : "", a);
		}
		PUT(") and ");
	}
	PUT("(((udp or tcp) and (");
	for (i = 0; i < PCAP_INPUT_MAX_PORTS; i++)
		if (c->dns_ports[i]) {
			PUT("%sport %u", nports ? " or " : "", c->dns_ports[i]);
			nports++;
		}
	if (!nports)
		PUT("port 53");
	PUT("))");
	if (dot > 0)
		PUT(" or (tcp and port %d)", dot);
	if (doh > 0)
		PUT(" or (tcp and port %d)", doh);
	/* non-first fragments carry no ports; the IPv6 test sees a first-header fragment */
	PUT(" or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44))");
#undef PUT
	return (int)o;
}

/*
 * On lo every packet passes the tap twice: sent (PACKET_OUTGOING) and received.
 * libpcap and the kernel filter keep only the received copy, but the kernel
 * clones the sent one for the socket before any filter runs (dev_queue_xmit_nit),
 * in the sender's context: the nameserver's, for every response. Linux >= 4.20
 * skips that clone for a socket that ignores outgoing packets; older kernels
 * refuse the option and keep today's path. On any other interface the sent
 * packets are the responses and are kept.
 */
static void ignore_lo_outgoing(struct pcap_input *p, const char *ifname)
{
	int one = 1;
	p->lo_index = if_nametoindex("lo");
	if (p->lo_index == 0 || if_nametoindex(ifname) != p->lo_index)
		return;
	p->lo_ignore_out = setsockopt(pcap_fileno(p->pc), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) == 0;
}

static int open_live(struct pcap_input *p, const struct pcap_input_conf *c)
{
	int r;
	p->pc = pcap_create(c->interface, p->err);
	if (!p->pc)
		return -1;
	pcap_set_snaplen(p->pc, c->snaplen > 0 ? c->snaplen : 65535);
	pcap_set_promisc(p->pc, c->promisc ? 1 : 0);
	pcap_set_buffer_size(p->pc, c->buffer_size > 0 ? c->buffer_size : 8 << 20);
	pcap_set_timeout(p->pc, c->timeout_ms > 0 ? c->timeout_ms : 100);
	if (c->immediate)
		pcap_set_immediate_mode(p->pc, 1);
	pcap_set_tstamp_precision(p->pc, PCAP_TSTAMP_PRECISION_MICRO);
	r = pcap_activate(p->pc);
	if (r < 0) {
		snprintf(p->err, sizeof(p->err), "%s: %s", c->interface, pcap_geterr(p->pc));
		return -1;
	}
	if (pcap_setnonblock(p->pc, 1, p->err) < 0)
		return -1;
	ignore_lo_outgoing(p, c->interface);
	p->fd = pcap_get_selectable_fd(p->pc);
	if (p->fd < 0) {
		snprintf(p->err, sizeof(p->err), "%s: no selectable descriptor", c->interface);
		return -1;
	}
	p->live = 1;
	return 0;
}

/*
 * The kernel sampling filter replaces libpcap's on the socket (SO_ATTACH_BPF
 * takes the place of SO_ATTACH_FILTER), so it is attached after
 * pcap_setfilter, never before, and does the default filter's job itself.
 * Packets already in the ring passed libpcap's filter unsampled: ksample
 * weighs them 1 (capture time before the attach).
 */
static int open_ksample(struct pcap_input *p, const struct pcap_input_conf *c)
{
	struct ksample_conf kc;
	int rc;
	memset(&kc, 0, sizeof kc);
	switch (p->dlt) {
	case DLT_EN10MB: kc.netoff = 14; break;
	case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_RAW: kc.netoff = 0; break;
	default:
		snprintf(p->ks_why, sizeof p->ks_why, "link type %d not supported by the kernel filter", p->dlt);
		return -1;
	}
	kc.lo_ifindex = p->lo_index;  /* "any" sees lo too: its sent copies are skipped in the filter */
	for (size_t i = 0; i < p->nports && i < KSAMPLE_MAX_PORTS; i++)
		kc.ports[kc.nports++] = p->conf.dns_ports[i];
	kc.dot_port = p->conf.dot_port;
	kc.doh_port = p->conf.doh_port;
	for (size_t i = 0; i < p->conf.nservers && i < KSAMPLE_MAX_SERVERS; i++) {
		kc.servers[i].family = p->conf.servers[i].family;
		memcpy(kc.servers[i].addr, p->conf.servers[i].addr, 16);
		kc.nservers++;
	}
	kc.n = c->kernel_n ? c->kernel_n : 1;
	kc.snaplen = (uint32_t)pcap_snapshot(p->pc);
	kc.refuse = c->kernel_refuse;
	rc = ksample_attach(&kc, pcap_fileno(p->pc), &p->ks, p->ks_why, sizeof p->ks_why);
	if (rc == E_OK) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		/* n_prev = 1 before now: what the ring holds was not sampled */
		ksample_set_n(p->ks, 1, 0);
		ksample_set_n(p->ks, kc.n, (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	}
	return rc == E_OK ? 0 : -1;
}

static int set_filter(struct pcap_input *p, const char *filter)
{
	struct bpf_program prog;
	if (pcap_compile(p->pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(p->err, sizeof(p->err), "filter \"%s\": %s", filter, pcap_geterr(p->pc));
		return -1;
	}
	if (pcap_setfilter(p->pc, &prog) < 0) {
		snprintf(p->err, sizeof(p->err), "filter: %s", pcap_geterr(p->pc));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

int pcap_input_new(const struct pcap_input_conf *conf, pcap_input_fn fn, void *arg, struct pcap_input **out,
		   char *why, size_t why_len)
{
	struct pcap_input *p = calloc(1, sizeof(*p));
	char filt[2048];
	size_t i;
	int rc = E_NOMEM;

	*out = NULL;
	if (!p) {
		if (why && why_len)
			snprintf(why, why_len, "out of memory");
		return E_NOMEM;
	}
	p->conf = *conf;
	p->fn = fn;
	p->arg = arg;
	p->fd = -1;
	p->dlt = 1;
	for (i = 0; i < PCAP_INPUT_MAX_PORTS; i++)
		if (p->conf.dns_ports[i])
			p->conf.dns_ports[p->nports++] = p->conf.dns_ports[i];
	if (!p->nports)
		p->conf.dns_ports[p->nports++] = 53;
	if (!p->conf.dot_port)
		p->conf.dot_port = 853;
	if (!p->conf.doh_port)
		p->conf.doh_port = 443;
	if (!p->conf.batch)
		p->conf.batch = 256;
	if (p->conf.nservers > PCAP_INPUT_MAX_SERVERS)
		p->conf.nservers = PCAP_INPUT_MAX_SERVERS;
	p->conf.interface = p->conf.file = p->conf.filter = NULL; /* borrowed strings are not kept */

	if (ipfrag_new(&conf->frag, &p->frag) != E_OK || tcpreasm_new(&conf->tcp, on_tcp_msg, p, &p->tcp) != E_OK) {
		snprintf(p->err, sizeof(p->err), "out of memory");
		goto fail;
	}
	if (!conf->pair_off && udppair_new(&conf->pair, &p->pair) != E_OK) {
		snprintf(p->err, sizeof(p->err), "UDP pairing table: out of memory or too large");
		goto fail;
	}
	if (conf->interface && conf->file) {
		snprintf(p->err, sizeof(p->err), "both an interface and a file given");
		rc = E_INVAL;
		goto fail;
	}
	if (conf->interface) {
		rc = -EIO;
		if (open_live(p, conf) < 0)
			goto fail;
		rc = E_INVAL;
		if (conf->filter)
			snprintf(filt, sizeof(filt), "%s", conf->filter);
		else if (pcap_input_default_filter(conf, filt, sizeof(filt)) < 0) {
			snprintf(p->err, sizeof(p->err), "default filter too long");
			goto fail;
		}
		if (set_filter(p, filt) < 0)
			goto fail;
		p->dlt = pcap_datalink(p->pc);
		if (conf->kernel_sampling && !conf->filter && open_ksample(p, conf) < 0 && conf->kernel_sampling == 2) {
			snprintf(p->err, sizeof(p->err), "kernel sampling: %s", p->ks_why);
			goto fail;
		}
	} else if (conf->file) {
		rc = -EIO;
		p->pc = pcap_open_offline_with_tstamp_precision(conf->file, PCAP_TSTAMP_PRECISION_MICRO, p->err);
		if (!p->pc)
			goto fail;
		rc = E_INVAL;
		if (conf->filter && set_filter(p, conf->filter) < 0)
			goto fail;
	}
	if (p->pc)
		p->dlt = pcap_datalink(p->pc);
	*out = p;
	return E_OK;
fail:
	if (why && why_len)
		snprintf(why, why_len, "%s", p->err);
	pcap_input_free(p);
	return rc;
}

void pcap_input_free(struct pcap_input *p)
{
	if (!p)
		return;
	if (p->pc)
		pcap_close(p->pc);
	ksample_free(p->ks);  /* after the socket: closing it detached the filter */
	ipfrag_free(p->frag);
	tcpreasm_free(p->tcp);
	udppair_free(p->pair);
	free(p);
}

struct ksample *pcap_input_ksample(const struct pcap_input *p)
{
	return p ? p->ks : NULL;
}

int pcap_input_lo_ignores_outgoing(const struct pcap_input *p)
{
	return p->lo_ignore_out;
}

const char *pcap_input_ksample_why(const struct pcap_input *p)
{
	return p && !p->ks ? p->ks_why : "";
}

int pcap_input_fd(const struct pcap_input *p)
{
	return p ? p->fd : -1;
}

int pcap_input_datalink(const struct pcap_input *p)
{
	return p ? p->dlt : -1;
}

int pcap_input_eof(const struct pcap_input *p)
{
	return p ? p->eof : 1;
}

const char *pcap_input_error(const struct pcap_input *p)
{
	return p ? p->err : "";
}

static void on_pcap(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	pcap_input_packet((struct pcap_input *)user, (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
			  bytes, h->caplen, h->len);
}

int pcap_input_dispatch(struct pcap_input *p, int max)
{
	int n;
	if (!p->pc || p->eof)
		return 0;
	n = pcap_dispatch(p->pc, max > 0 ? max : p->conf.batch, on_pcap, (u_char *)p);
	if (n == PCAP_ERROR) {
		snprintf(p->err, sizeof(p->err), "%s", pcap_geterr(p->pc));
		return -EIO;
	}
	if (n == PCAP_ERROR_BREAK)
		return 0;
	if (n == 0 && !p->live) {
		p->eof = 1;
		/* nothing more will come: held TCP data is delivered or counted, pending fragments counted */
		tcpreasm_flush(p->tcp);
		ipfrag_expire(p->frag, UINT64_MAX);
	}
	return n;
}

void pcap_input_tick(struct pcap_input *p, uint64_t now_us)
{
	ipfrag_expire(p->frag, now_us);
	tcpreasm_expire(p->tcp, now_us);
	p->last_tick_us = now_us;
}

static int is_server(const struct pcap_input *p, uint8_t family, const uint8_t *a)
{
	size_t i;
	for (i = 0; i < p->conf.nservers; i++)
		if (p->conf.servers[i].family == family &&
		    memcmp(p->conf.servers[i].addr, a, family == 6 ? 16 : 4) == 0)
			return 1;
	return 0;
}

static int is_dns_port(const struct pcap_input *p, uint16_t port)
{
	size_t i;
	for (i = 0; i < p->nports; i++)
		if (p->conf.dns_ports[i] == port)
			return 1;
	return 0;
}

/*
 * Which way the packet goes: 1 client -> server, 0 server -> client,
 * -1 undecided (both sides look like the server), -2 not DNS. *by_addr is
 * set when a configured server address decided (else only ports did, and
 * the DNS header may overrule them, as DSC does).
 */
static inline int direction(const struct pcap_input *p, const struct pkt_info *pi, int *by_addr)
{
	int pd = is_dns_port(p, pi->dport), ps = is_dns_port(p, pi->sport);
	if (!pd && !ps)
		return -2;
	if (p->conf.nservers) {
		int sd = is_server(p, pi->family, pi->dst), ss = is_server(p, pi->family, pi->src);
		*by_addr = sd != ss;
		if (sd && !ss)
			return pd ? 1 : -2;  /* to the server but not on a DNS port: not ours */
		if (ss && !sd)
			return ps ? 0 : -2;
		if (!sd && !ss)
			return -2;
	}
	if (pd && !ps)
		return 1;
	if (ps && !pd)
		return 0;
	return -1;
}

/* the pipeline's view: fill and hand over one message */
static void emit(struct pcap_input *p, int from_client, uint8_t transport, uint8_t family,
		 const uint8_t *client, uint16_t cport, const uint8_t *server, uint16_t sport,
		 uint64_t ts, const uint8_t *dns, size_t len, int has_rtt, uint32_t rtt, size_t wire, int swap_ok)
{
	struct capd_msg m;
	size_t alen = family == 6 ? 16 : 4;
	int cut = wire > len;

	/* a cut message is a message all the same: counted, recorded if readable (pipeline) */
	if (len < 12 && !cut) {
		p->st.skipped[PKT_E_DNS_SHORT]++;
		return;
	}
	if (len >= 3 && (dns[2] >> 7) == from_client) {
		const uint8_t *a = client;
		uint16_t port = cport;
		if (!swap_ok) {
			p->st.skipped[PKT_E_DIRECTION]++;
			return;
		}
		/* only ports said which side is the server: the QR bit overrules them, as in DSC */
		from_client = !from_client;
		client = server;
		cport = sport;
		server = a;
		sport = port;
	}
	memset(&m, 0, sizeof(m));
	if (cut) {
		m.cut = 1;
		m.wire_len = (uint32_t)wire;
		p->st.cut++;
	}
	m.type = from_client ? MT_AUTH_QUERY : MT_AUTH_RESPONSE;
	m.transport = transport;
	m.family = family;
	if (from_client) {
		m.has_query_time = 1;
		m.query_time_us = ts;
	} else {
		m.has_response_time = 1;
		m.response_time_us = ts;
	}
	/* UDP: the query's time goes with its response (the id is in the first two bytes, even of a cut one) */
	if (transport == TR_UDP && p->pair && len >= 2) {
		uint16_t id = (uint16_t)(dns[0] << 8 | dns[1]);
		if (from_client)
			udppair_query(p->pair, family, client, cport, id, ts);
		else if (udppair_response(p->pair, family, client, cport, id, ts, &m.query_time_us))
			m.has_query_time = 1;
	}
	m.has_rtt = (uint8_t)has_rtt;
	m.rtt_us = rtt;
	memcpy(m.client_addr, client, alen);
	m.client_addr_len = (uint8_t)alen;
	m.client_port = cport;
	memcpy(m.server_addr, server, alen);
	m.server_addr_len = (uint8_t)alen;
	m.server_port = sport;
	m.dns = dns;
	m.dns_len = len;
	p->st.messages++;
	p->st.msg[from_client ? PI_Q : PI_R][transport == TR_TCP ? PI_TCP : PI_UDP][family == 6 ? PI_V6 : PI_V4]++;
	if (p->fn)
		p->fn(&m, p->arg);
}

static void on_tcp_msg(const struct tcpreasm_msg *m, void *arg)
{
	emit((struct pcap_input *)arg, m->from_client, TR_TCP, m->family, m->client, m->client_port,
	     m->server, m->server_port, m->ts_us, m->dns, m->len, m->has_rtt, m->rtt_us, m->len, 0);
}

/* fill a segment for dir (1: the packet's source is the client) */
static void seg_fill(struct tcpreasm_seg *s, const struct pkt_info *pi, int dir, uint64_t ts)
{
	s->family = pi->family;
	s->from_client = (uint8_t)dir;
	s->flags = pi->tcp_flags;
	s->truncated = pi->truncated;
	s->client = dir ? pi->src : pi->dst;
	s->server = dir ? pi->dst : pi->src;
	s->client_port = dir ? pi->sport : pi->dport;
	s->server_port = dir ? pi->dport : pi->sport;
	s->seq = pi->seq;
	s->ack = pi->ack;
	s->data = pi->payload;
	s->len = pi->payload_len;
	s->wire_len = pi->payload_wire_len;
	s->ts_us = ts;
}

/*
 * Both ends on DNS ports and no address decides: a SYN names the client;
 * else a flow already tracked either way round; else the DNS header of a
 * segment that starts a message (len(2) id(2) QR...); else a rule that
 * gives the two directions of one connection the same roles.
 */
static int tcp_undecided(struct pcap_input *p, const struct pkt_info *pi, uint64_t ts)
{
	struct tcpreasm_seg s;
	int c;
	if (pi->tcp_flags & 0x02)
		return (pi->tcp_flags & 0x12) == 0x02; /* the SYN's sender is the client, the SYN-ACK's is the server */
	seg_fill(&s, pi, 1, ts);
	if (tcpreasm_known(p->tcp, &s))
		return 1;
	seg_fill(&s, pi, 0, ts);
	if (tcpreasm_known(p->tcp, &s))
		return 0;
	if (pi->payload_len >= 5 && wire_be16(pi->payload) >= 12)
		return !(pi->payload[4] >> 7);
	if (pi->dport != pi->sport)
		return pi->dport < pi->sport;
	c = memcmp(pi->src, pi->dst, pi->family == 6 ? 16 : 4);
	return c > 0;
}

static void handle_tcp(struct pcap_input *p, const struct pkt_info *pi, uint64_t ts)
{
	struct tcpreasm_seg s;
	int by_addr = 0, dir = direction(p, pi, &by_addr);
	int syn = (pi->tcp_flags & 0x12) == 0x02;

	if (dir == -2) {
		if (syn && p->conf.dot_port > 0 && pi->dport == p->conf.dot_port)
			p->st.dot_conns++;
		else if (syn && p->conf.doh_port > 0 && pi->dport == p->conf.doh_port)
			p->st.doh_conns++;
		else if (!(p->conf.dot_port > 0 && (pi->dport == p->conf.dot_port || pi->sport == p->conf.dot_port)) &&
			 !(p->conf.doh_port > 0 && (pi->dport == p->conf.doh_port || pi->sport == p->conf.doh_port)))
			p->st.skipped[PKT_E_NOT_DNS]++;
		return;
	}
	if (dir == -1)
		dir = tcp_undecided(p, pi, ts);
	seg_fill(&s, pi, dir, ts);
	/* what it costs (a cut segment costs at least a message) is in the reassembler's lost count */
	(void)tcpreasm_segment(p->tcp, &s);
}

void pcap_input_packet(struct pcap_input *p, uint64_t ts, const uint8_t *pkt, size_t caplen, size_t wirelen)
{
	struct pkt_info pi;
	int r, dir, by_addr = 0;

	p->st.packets++;
	if (ts > p->last_tick_us + 1000000u)
		pcap_input_tick(p, ts);
	r = pktdecode_link(p->dlt, pkt, caplen, wirelen, &pi);
	if (r == PKT_FRAGMENT) {
		struct ipfrag_frag fr;
		const uint8_t *out;
		size_t out_len;
		fr.family = pi.family;
		fr.proto = pi.proto;
		fr.src = pi.src;
		fr.dst = pi.dst;
		fr.id = pi.frag_id;
		fr.offset = pi.frag_offset;
		fr.more = pi.frag_more;
		fr.data = pi.frag_data;
		fr.len = pi.frag_len;
		fr.ts_us = ts;
		r = ipfrag_add(p->frag, &fr, &out, &out_len);
		if (r < 0) {
			p->st.skipped[PKT_E_FRAG]++;
			return;
		}
		if (r == 0) {
			p->st.frag_pending++;
			return;
		}
		r = pktdecode_l4(&pi, pi.proto, out, out_len);
	}
	/* a UDP datagram cut by the snap length after its header is still a DNS message */
	if (r == PKT_E_SNAPLEN && pi.proto == 17 && pi.truncated)
		r = PKT_OK;
	if (r != PKT_OK) {
		p->st.skipped[r]++;
		return;
	}
	if (pi.proto == 6) {
		handle_tcp(p, &pi, ts);
		return;
	}
	dir = direction(p, &pi, &by_addr);
	if (dir == -2) {
		p->st.skipped[PKT_E_NOT_DNS]++;
		return;
	}
	/* ports alone do not decide: the QR bit does (a query sent from port 53 is a query; emit swaps) */
	if (dir == -1)
		dir = pi.payload_len > 2 ? !(pi.payload[2] >> 7) : 1;
	if (dir)
		emit(p, 1, TR_UDP, pi.family, pi.src, pi.sport, pi.dst, pi.dport, ts, pi.payload, pi.payload_len, 0, 0,
		     pi.payload_wire_len, !by_addr);
	else
		emit(p, 0, TR_UDP, pi.family, pi.dst, pi.dport, pi.src, pi.sport, ts, pi.payload, pi.payload_len, 0, 0,
		     pi.payload_wire_len, !by_addr);
}

void pcap_input_stats(struct pcap_input *p, struct pcap_input_stats *st)
{
	if (p->live && p->pc) {
		struct pcap_stat ps;
		if (pcap_stats(p->pc, &ps) == 0) {
			p->st.ps_recv += (uint32_t)(ps.ps_recv - p->raw_stat[0]);
			p->st.ps_drop += (uint32_t)(ps.ps_drop - p->raw_stat[1]);
			p->st.ps_ifdrop += (uint32_t)(ps.ps_ifdrop - p->raw_stat[2]);
			p->raw_stat[0] = ps.ps_recv;
			p->raw_stat[1] = ps.ps_drop;
			p->raw_stat[2] = ps.ps_ifdrop;
		}
	}
	ipfrag_stats(p->frag, &p->st.frag);
	tcpreasm_stats(p->tcp, &p->st.tcp);
	udppair_stats(p->pair, &p->st.pair);
	p->st.skipped[PKT_E_TCP] = p->st.tcp.lost;
	*st = p->st;
}

void pcap_input_counters(struct pcap_input *p, struct dnsa_counters *c)
{
	struct pcap_input_stats ps;
	uint64_t bad = 0;
	if (p == NULL || c == NULL)
		return;
	pcap_input_stats(p, &ps);
	for (int i = PKT_E_LINKTYPE; i < PKT_REASON_MAX; i++)
		bad += ps.skipped[i];
	counters_set(c, C_PCAP_RECV, ps.ps_recv);
	counters_set(c, C_PCAP_DROP, ps.ps_drop);
	counters_set(c, C_PCAP_IFDROP, ps.ps_ifdrop);
	counters_set(c, C_PKT_ERRORS, bad);
	counters_set(c, C_FRAG_REASSEMBLED, ps.frag.reassembled);
	counters_set(c, C_FRAG_DROPPED, ps.frag.overlaps + ps.frag.too_big + ps.frag.timeouts + ps.frag.evicted +
	    ps.frag.source_limit);
	counters_set(c, C_TCP_FLOWS, ps.tcp.flows_created);
	counters_set(c, C_TCP_EVICTED, ps.tcp.evicted_weak + ps.tcp.evicted_lru + ps.tcp.expired);
	counters_set(c, C_TCP_GAPS, ps.tcp.gaps);
	counters_set(c, C_DOT_CONNS, ps.dot_conns);
	counters_set(c, C_DOH_CONNS, ps.doh_conns);
	counters_set(c, C_TCP_LOST, ps.tcp.lost);
	counters_set(c, C_MSG_CUT, ps.cut);
	counters_set(c, C_TCP_TFO, ps.tcp.tfo);
	counters_set(c, C_TCP_RESYNCS, ps.tcp.resyncs);
	if (p->pair) {
		counters_set(c, C_PAIR_MATCHED, ps.pair.matched);
		counters_set(c, C_PAIR_MISSES, ps.pair.misses);
		counters_set(c, C_PAIR_EVICTED, ps.pair.evicted);
	}
	if (p->live)
		ksample_counters(p->ks, c);
}
