/* tests/tools/dnsa-mkpcap.c: write crafted pcap files (TCP splits, fragments, link types, hostile packets) for capd's tests. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"

/*
 * usage: dnsa-mkpcap DIR [SYNFLOOD_N]     write every scenario below into DIR
 *        dnsa-mkpcap -R N IN OUT          write IN N times (timestamps shifted) to OUT
 *        dnsa-mkpcap -C N SEED OUT        N UDP exchanges from many clients (scen_clients)
 *
 * Every DNS message is real wire format built here: queries with RD=0 (an
 * authoritative server's traffic), responses with QR=1 AA=1 and TXT answers
 * padded to a chosen size. Client 192.0.2.10 / 2001:db8::10, server
 * 192.0.2.53 / 2001:db8::53, port 53. IP, UDP and TCP checksums are right,
 * so tcpdump shows the files cleanly. The expected counts of each file are
 * asserted in tests/unit/test_pcap_input.c.
 */

#define MAXPKT 70000

/* the client: fixed, except in the clients scenario (-C), which changes it per exchange */
static uint8_t C4[4] = { 192, 0, 2, 10 };
static const uint8_t S4[4] = { 192, 0, 2, 53 };
static uint8_t C6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
static const uint8_t S6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };

/* a pcap being written */
struct pw {
	pcap_t *dead;
	pcap_dumper_t *d;
	int dlt;
	int snaplen;
	uint16_t tags[3];     /* Ethernet VLAN tag ethertypes (0 = none) */
	uint32_t null_af6;    /* DLT_NULL / LOOP: AF value written for IPv6 */
	int null_be;          /* DLT_NULL written by a big-endian host */
	uint64_t ts;          /* next timestamp (us) */
	uint32_t cut_next;    /* the next packet is captured to this many bytes only (0 = snaplen) */
};

static void die(const char *m)
{
	fprintf(stderr, "dnsa-mkpcap: %s\n", m);
	exit(1);
}

static void pw_open(struct pw *w, const char *dir, const char *name, int dlt, int snaplen)
{
	char path[4096];
	memset(w, 0, sizeof(*w));
	w->dlt = dlt;
	w->snaplen = snaplen;
	w->null_af6 = 30;
	w->ts = 1700000000000000ull;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	w->dead = pcap_open_dead_with_tstamp_precision(dlt, snaplen, PCAP_TSTAMP_PRECISION_MICRO);
	if (!w->dead)
		die("pcap_open_dead");
	w->d = pcap_dump_open(w->dead, path);
	if (!w->d)
		die(pcap_geterr(w->dead));
}

static void pw_close(struct pw *w)
{
	pcap_dump_close(w->d);
	pcap_close(w->dead);
}

/* write one IP packet (ip[0..len)) wrapped in the file's link header */
static void pw_ip(struct pw *w, const uint8_t *ip, size_t len, uint64_t dt)
{
	static uint8_t f[MAXPKT + 64];
	struct pcap_pkthdr h;
	size_t o = 0;
	int v6 = ip[0] >> 4 == 6, i;
	uint16_t et = v6 ? 0x86dd : 0x0800;

	switch (w->dlt) {
	case DLT_EN10MB:
		memset(f, 0, 12);
		f[5] = 1; /* dst 00:00:00:00:00:01, src 00:..:02 */
		f[11] = 2;
		o = 12;
		for (i = 0; i < 3 && w->tags[i]; i++) {
			wire_put_be16(f + o, w->tags[i]);
			wire_put_be16(f + o + 2, (uint16_t)(100 + i)); /* VLAN id */
			o += 4;
		}
		wire_put_be16(f + o, et);
		o += 2;
		break;
	case DLT_LINUX_SLL:
		memset(f, 0, 16);
		wire_put_be16(f, 0);       /* to us */
		wire_put_be16(f + 2, 1);   /* ARPHRD_ETHER */
		wire_put_be16(f + 4, 6);
		f[11] = 2;
		wire_put_be16(f + 14, et);
		o = 16;
		break;
	case DLT_LINUX_SLL2:
		memset(f, 0, 20);
		wire_put_be16(f, et);
		wire_put_be32(f + 4, 2);   /* ifindex */
		wire_put_be16(f + 8, 1);
		f[11] = 6;
		f[17] = 2;
		o = 20;
		break;
	case DLT_NULL: {
		uint32_t af = v6 ? w->null_af6 : 2;
		if (w->null_be)
			wire_put_be32(f, af);
		else
			memcpy(f, &af, 4); /* host order, as BSD writes it (this host is little-endian) */
		o = 4;
		break;
	}
	case DLT_LOOP:
		wire_put_be32(f, v6 ? w->null_af6 : 2);
		o = 4;
		break;
	case DLT_RAW:
		break;
	default:
		die("link type");
	}
	memcpy(f + o, ip, len);
	w->ts += dt;
	h.ts.tv_sec = (time_t)(w->ts / 1000000u);
	h.ts.tv_usec = (suseconds_t)(w->ts % 1000000u);
	h.len = (uint32_t)(o + len);
	h.caplen = h.len < (uint32_t)w->snaplen ? h.len : (uint32_t)w->snaplen;
	if (w->cut_next && w->cut_next < h.caplen)
		h.caplen = w->cut_next;
	w->cut_next = 0;
	pcap_dump((u_char *)w->d, &h, f);
}

/* an Ethernet frame of another ethertype */
static void pw_frame(struct pw *w, uint16_t et, const uint8_t *data, size_t len)
{
	static uint8_t f[2048];
	struct pcap_pkthdr h;
	memset(f, 0xff, 6);
	memset(f + 6, 0, 6);
	wire_put_be16(f + 12, et);
	memcpy(f + 14, data, len);
	w->ts += 100;
	h.ts.tv_sec = (time_t)(w->ts / 1000000u);
	h.ts.tv_usec = (suseconds_t)(w->ts % 1000000u);
	h.len = h.caplen = (uint32_t)(14 + len);
	pcap_dump((u_char *)w->d, &h, f);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;
	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* transport checksum over the pseudo-header, written at l4[csum_off] */
static void l4_checksum(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint8_t *l4, size_t len,
			size_t csum_off)
{
	uint32_t s = 0;
	size_t alen = v6 ? 16 : 4;
	s = sum16(src, alen, s);
	s = sum16(dst, alen, s);
	s += proto;
	s += (uint32_t)len;
	wire_put_be16(l4 + csum_off, 0);
	s = sum16(l4, len, s);
	wire_put_be16(l4 + csum_off, fold(s) ? fold(s) : 0xffff);
}

/*
 * Emit a transport payload l4[0..len) in IP: unfragmented, or cut into
 * fragments of frag_size bytes (multiple of 8), written in the order given
 * by `order` (indexes of fragments), with extra IPv4 option / IPv6 extension
 * header bytes when `ext` is set.
 */
static void send_ip(struct pw *w, int v6, int from_client, uint8_t proto, const uint8_t *l4, size_t len,
		    size_t frag_size, const int *order, int ext, uint64_t dt)
{
	static uint8_t ip[MAXPKT];
	static uint16_t ipid = 1000;
	const uint8_t *src = v6 ? (from_client ? C6 : S6) : (from_client ? C4 : S4);
	const uint8_t *dst = v6 ? (from_client ? S6 : C6) : (from_client ? S4 : C4);
	size_t nfrag = frag_size ? (len + frag_size - 1) / frag_size : 1, k;
	uint32_t id = ipid++;

	for (k = 0; k < nfrag; k++) {
		size_t i = order ? (size_t)order[k] : k, off = i * frag_size;
		size_t flen = frag_size ? (len - off < frag_size ? len - off : frag_size) : len;
		int more = frag_size && off + flen < len;
		size_t h;
		if (!v6) {
			h = ext ? 24 : 20;
			memset(ip, 0, h);
			ip[0] = (uint8_t)(0x40 | h / 4);
			wire_put_be16(ip + 2, (uint16_t)(h + flen));
			wire_put_be16(ip + 4, (uint16_t)id);
			wire_put_be16(ip + 6, frag_size ? (uint16_t)((more ? 0x2000 : 0) | off / 8) : 0x4000 /* DF */);
			ip[8] = 64;
			ip[9] = proto;
			memcpy(ip + 12, src, 4);
			memcpy(ip + 16, dst, 4);
			if (ext) { /* router alert option */
				ip[20] = 0x94;
				ip[21] = 4;
			}
			wire_put_be16(ip + 10, fold(sum16(ip, h, 0)));
		} else {
			uint8_t *nhp = ip + 6;
			h = 40;
			memset(ip, 0, 40);
			ip[0] = 0x60;
			ip[7] = 64;
			memcpy(ip + 8, src, 16);
			memcpy(ip + 24, dst, 16);
			if (ext) { /* hop-by-hop (PadN) then destination options (PadN) */
				*nhp = 0;
				memset(ip + h, 0, 8);
				ip[h + 2] = 1;
				ip[h + 3] = 4;
				nhp = ip + h;
				h += 8;
				*nhp = 60;
				memset(ip + h, 0, 16);
				ip[h + 1] = 1;
				ip[h + 2] = 1;
				ip[h + 3] = 12;
				nhp = ip + h;
				h += 16;
			}
			if (frag_size) {
				*nhp = 44;
				memset(ip + h, 0, 8);
				ip[h] = proto;
				wire_put_be16(ip + h + 2, (uint16_t)(off | (more ? 1 : 0)));
				wire_put_be32(ip + h + 4, 0x5eed0000u | id);
				h += 8;
			} else {
				*nhp = proto;
			}
			wire_put_be16(ip + 4, (uint16_t)(h - 40 + flen));
		}
		memcpy(ip + h, l4 + off, flen);
		pw_ip(w, ip, h + flen, k ? 10 : dt);
	}
}

static void send_udp(struct pw *w, int v6, int from_client, uint16_t cport, const uint8_t *dns, size_t len,
		     size_t frag_size, const int *order, uint64_t dt)
{
	static uint8_t u[MAXPKT];
	wire_put_be16(u, from_client ? cport : 53);
	wire_put_be16(u + 2, from_client ? 53 : cport);
	wire_put_be16(u + 4, (uint16_t)(8 + len));
	memcpy(u + 8, dns, len);
	l4_checksum(v6, v6 ? (from_client ? C6 : S6) : (from_client ? C4 : S4),
		    v6 ? (from_client ? S6 : C6) : (from_client ? S4 : C4), 17, u, 8 + len, 6);
	send_ip(w, v6, from_client, 17, u, 8 + len, frag_size, order, 0, dt);
}

/* raw UDP with a chosen port pair and payload (hostile packets) */
static void send_udp_ports(struct pw *w, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t len)
{
	static uint8_t u[MAXPKT];
	wire_put_be16(u, sport);
	wire_put_be16(u + 2, dport);
	wire_put_be16(u + 4, (uint16_t)(8 + len));
	memcpy(u + 8, pl, len);
	l4_checksum(0, C4, S4, 17, u, 8 + len, 6);
	send_ip(w, 0, 1, 17, u, 8 + len, 0, NULL, 0, 100);
}

/* a TCP connection being scripted */
struct conn {
	int v6;
	uint16_t cport, sport;
	uint32_t cisn, sisn;   /* initial sequence numbers */
	uint32_t cnext, snext; /* next sequence to send, each side */
};

static void tcp_raw(struct pw *w, struct conn *c, int from_client, uint8_t flags, uint32_t seq, const uint8_t *data,
		    size_t len, uint64_t dt)
{
	static uint8_t t[MAXPKT];
	int v6 = c->v6;
	memset(t, 0, 20);
	wire_put_be16(t, from_client ? c->cport : c->sport);
	wire_put_be16(t + 2, from_client ? c->sport : c->cport);
	wire_put_be32(t + 4, seq);
	wire_put_be32(t + 8, from_client ? c->snext : c->cnext);
	t[12] = 5 << 4;
	t[13] = flags;
	wire_put_be16(t + 14, 65535);
	if (len)
		memcpy(t + 20, data, len);
	l4_checksum(v6, v6 ? (from_client ? C6 : S6) : (from_client ? C4 : S4),
		    v6 ? (from_client ? S6 : C6) : (from_client ? S4 : C4), 6, t, 20 + len, 16);
	send_ip(w, v6, from_client, 6, t, 20 + len, 0, NULL, 0, dt);
}

/* data at the side's current sequence, advancing it */
static void tcp_send(struct pw *w, struct conn *c, int from_client, const uint8_t *data, size_t len, uint64_t dt)
{
	uint32_t *next = from_client ? &c->cnext : &c->snext;
	tcp_raw(w, c, from_client, 0x18, *next, data, len, dt);
	*next += (uint32_t)len;
}

/* SYN, SYN-ACK after 100 us, ACK after rtt_us more */
static void tcp_open(struct pw *w, struct conn *c, int v6, uint16_t cport, uint16_t sport, uint32_t rtt_us)
{
	c->v6 = v6;
	c->cport = cport;
	c->sport = sport;
	c->cisn = 0x10000000u + cport;
	c->sisn = 0xfffff000u; /* wraps inside the stream: sequence arithmetic must cope */
	c->cnext = c->cisn;
	c->snext = 0;
	tcp_raw(w, c, 1, 0x02, c->cisn, NULL, 0, 1000);
	c->cnext = c->cisn + 1;
	tcp_raw(w, c, 0, 0x12, c->sisn, NULL, 0, 100);
	c->snext = c->sisn + 1;
	tcp_raw(w, c, 1, 0x10, c->cnext, NULL, 0, rtt_us);
}

static void tcp_close(struct pw *w, struct conn *c)
{
	tcp_raw(w, c, 1, 0x11, c->cnext, NULL, 0, 100);
	c->cnext++;
	tcp_raw(w, c, 0, 0x11, c->snext, NULL, 0, 100);
	c->snext++;
	tcp_raw(w, c, 1, 0x10, c->cnext, NULL, 0, 100);
}

/* name in wire format */
static size_t put_name(uint8_t *p, const char *name)
{
	size_t o = 0;
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		p[o++] = (uint8_t)l;
		memcpy(p + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	p[o++] = 0;
	return o;
}

/* a query: header (RD=0), one question */
static size_t dns_query(uint8_t *b, uint16_t id, const char *name, uint16_t qtype)
{
	size_t o;
	memset(b, 0, 12);
	wire_put_be16(b, id);
	wire_put_be16(b + 4, 1);
	o = 12 + put_name(b + 12, name);
	wire_put_be16(b + o, qtype);
	wire_put_be16(b + o + 2, 1);
	return o + 4;
}

/* a response (QR AA) with TXT answers until at least `size` bytes */
static size_t dns_response(uint8_t *b, uint16_t id, const char *name, uint16_t qtype, size_t size)
{
	size_t o = dns_query(b, id, name, qtype);
	uint16_t an = 0;
	b[2] = 0x84;
	while (o < size) {
		size_t want = size - o > 12 + 1 ? size - o - 12 - 1 : 1;
		if (want > 255)
			want = 255;
		wire_put_be16(b + o, 0xc00c);
		wire_put_be16(b + o + 2, 16); /* TXT */
		wire_put_be16(b + o + 4, 1);
		wire_put_be32(b + o + 6, 3600);
		wire_put_be16(b + o + 10, (uint16_t)(want + 1));
		b[o + 12] = (uint8_t)want;
		memset(b + o + 13, 'a' + an % 26, want);
		o += 13 + want;
		an++;
	}
	wire_put_be16(b + 6, an);
	return o;
}

/* a length-prefixed copy for TCP */
static size_t framed(uint8_t *out, const uint8_t *m, size_t len)
{
	wire_put_be16(out, (uint16_t)len);
	memcpy(out + 2, m, len);
	return len + 2;
}

static void udp_pair(struct pw *w, int v6, uint16_t cport, uint16_t id, size_t rsize)
{
	uint8_t q[512], r[4096];
	size_t ql = dns_query(q, id, "www.example.test", 1), rl = dns_response(r, id, "www.example.test", 1, rsize);
	send_udp(w, v6, 1, cport, q, ql, 0, NULL, 1000);
	send_udp(w, v6, 0, cport, r, rl, 0, NULL, 200);
}

static void scen_tcp_split3(const char *dir)
{
	struct pw w;
	struct conn c;
	uint8_t q[512], r[2048], fq[600], fr[2100];
	size_t ql, rl, fl;
	pw_open(&w, dir, "tcp-split3.pcap", DLT_EN10MB, 65535);
	tcp_open(&w, &c, 0, 40001, 53, 250);
	ql = dns_query(q, 1, "split.example.test", 16);
	tcp_send(&w, &c, 1, fq, framed(fq, q, ql), 50);
	rl = dns_response(r, 1, "split.example.test", 16, 1000);
	fl = framed(fr, r, rl);
	/* one byte of the length prefix, then 400 bytes, then the rest */
	tcp_send(&w, &c, 0, fr, 1, 100);
	tcp_send(&w, &c, 0, fr + 1, 400, 10);
	tcp_send(&w, &c, 0, fr + 401, fl - 401, 10);
	tcp_close(&w, &c);
	pw_close(&w);
}

static void scen_tcp_two_in_one(const char *dir)
{
	struct pw w;
	struct conn c;
	uint8_t m[512], buf[2048];
	size_t o = 0;
	pw_open(&w, dir, "tcp-two-in-one.pcap", DLT_EN10MB, 65535);
	tcp_open(&w, &c, 1, 40002, 53, 400);
	o += framed(buf + o, m, dns_query(m, 7, "a.example.test", 1));
	o += framed(buf + o, m, dns_query(m, 8, "b.example.test", 28));
	tcp_send(&w, &c, 1, buf, o, 50);
	o = 0;
	o += framed(buf + o, m, dns_response(m, 7, "a.example.test", 1, 100));
	o += framed(buf + o, m, dns_response(m, 8, "b.example.test", 28, 120));
	tcp_send(&w, &c, 0, buf, o, 100);
	tcp_close(&w, &c);
	pw_close(&w);
}

static void scen_tcp_ooo(const char *dir)
{
	struct pw w;
	struct conn c;
	uint8_t q[512], r[2048], fq[600], fr[2100];
	size_t ql, rl, fl;
	uint32_t base;
	pw_open(&w, dir, "tcp-ooo.pcap", DLT_EN10MB, 65535);
	tcp_open(&w, &c, 0, 40003, 53, 300);
	ql = dns_query(q, 3, "ooo.example.test", 16);
	tcp_send(&w, &c, 1, fq, framed(fq, q, ql), 50);
	rl = dns_response(r, 3, "ooo.example.test", 16, 1200);
	fl = framed(fr, r, rl);
	base = c.snext;
	/* segments 1, 3, 2 */
	tcp_raw(&w, &c, 0, 0x18, base, fr, 500, 100);
	tcp_raw(&w, &c, 0, 0x18, base + 1000, fr + 1000, fl - 1000, 10);
	tcp_raw(&w, &c, 0, 0x18, base + 500, fr + 500, 500, 10);
	c.snext = base + (uint32_t)fl;
	tcp_close(&w, &c);
	pw_close(&w);
}

static void scen_tcp_retrans(const char *dir)
{
	struct pw w;
	struct conn c;
	uint8_t q[512], r[2048], fq[600], fr[2100];
	size_t ql, rl, fl, qfl;
	uint32_t base;
	pw_open(&w, dir, "tcp-retrans.pcap", DLT_EN10MB, 65535);
	tcp_open(&w, &c, 0, 40004, 53, 300);
	ql = dns_query(q, 4, "retrans.example.test", 1);
	qfl = framed(fq, q, ql);
	base = c.cnext;
	tcp_send(&w, &c, 1, fq, qfl, 50);
	tcp_raw(&w, &c, 1, 0x18, base, fq, qfl, 200000); /* whole retransmission of the query */
	rl = dns_response(r, 4, "retrans.example.test", 1, 900);
	fl = framed(fr, r, rl);
	base = c.snext;
	tcp_raw(&w, &c, 0, 0x18, base, fr, 300, 100);
	tcp_raw(&w, &c, 0, 0x18, base + 200, fr + 200, 400, 10);  /* overlaps the first by 100 */
	tcp_raw(&w, &c, 0, 0x18, base + 600, fr + 600, fl - 600, 10);
	tcp_raw(&w, &c, 0, 0x18, base + 600, fr + 600, fl - 600, 200000); /* again */
	c.snext = base + (uint32_t)fl;
	tcp_close(&w, &c);
	pw_close(&w);
}

static void scen_frag(const char *dir, int v6)
{
	struct pw w;
	uint8_t q[512], r[4096];
	static const int order[3] = { 2, 0, 1 };
	size_t ql = dns_query(q, 9, "big.example.test", 48);
	size_t rl = dns_response(r, 9, "big.example.test", 48, 3000);
	pw_open(&w, dir, v6 ? "frag6.pcap" : "frag4.pcap", DLT_EN10MB, 65535);
	send_udp(&w, v6, 1, 41000, q, ql, 0, NULL, 1000);
	send_udp(&w, v6, 0, 41000, r, rl, 1232, order, 200);
	pw_close(&w);
}

static void scen_links(const char *dir)
{
	struct pw w;
	pw_open(&w, dir, "vlan.pcap", DLT_EN10MB, 65535);
	w.tags[0] = 0x8100;
	udp_pair(&w, 0, 42001, 11, 80);
	w.tags[0] = 0x88a8; /* QinQ: service tag then customer tag */
	w.tags[1] = 0x8100;
	udp_pair(&w, 1, 42002, 12, 90);
	pw_close(&w);

	pw_open(&w, dir, "sll.pcap", DLT_LINUX_SLL, 65535);
	udp_pair(&w, 0, 42003, 13, 80);
	udp_pair(&w, 1, 42004, 14, 80);
	pw_close(&w);

	pw_open(&w, dir, "sll2.pcap", DLT_LINUX_SLL2, 65535);
	udp_pair(&w, 0, 42005, 15, 80);
	udp_pair(&w, 1, 42006, 16, 80);
	pw_close(&w);

	pw_open(&w, dir, "raw.pcap", DLT_RAW, 65535);
	udp_pair(&w, 0, 42007, 17, 80);
	udp_pair(&w, 1, 42008, 18, 80);
	pw_close(&w);

	pw_open(&w, dir, "null.pcap", DLT_NULL, 65535);
	udp_pair(&w, 0, 42009, 19, 80);      /* AF_INET 2, little-endian writer */
	w.null_af6 = 30;                     /* Darwin's AF_INET6 */
	udp_pair(&w, 1, 42010, 20, 80);
	w.null_af6 = 24;                     /* NetBSD/OpenBSD, written big-endian */
	w.null_be = 1;
	udp_pair(&w, 1, 42011, 21, 80);
	pw_close(&w);

	pw_open(&w, dir, "loop.pcap", DLT_LOOP, 65535);
	w.null_af6 = 28;                     /* FreeBSD */
	udp_pair(&w, 0, 42012, 22, 80);
	udp_pair(&w, 1, 42013, 23, 80);
	pw_close(&w);
}

/* IPv4 with an option (query) and IPv6 with hop-by-hop + destination options (both) */
static void scen_ipext(const char *dir)
{
	struct pw w;
	static uint8_t u[4096];
	uint8_t q[512], r[512];
	size_t ql = dns_query(q, 30, "ext.example.test", 1), rl = dns_response(r, 30, "ext.example.test", 1, 120);
	pw_open(&w, dir, "ipext.pcap", DLT_EN10MB, 65535);
	for (int v6 = 0; v6 < 2; v6++) {
		wire_put_be16(u, 43000);
		wire_put_be16(u + 2, 53);
		wire_put_be16(u + 4, (uint16_t)(8 + ql));
		memcpy(u + 8, q, ql);
		l4_checksum(v6, v6 ? C6 : C4, v6 ? S6 : S4, 17, u, 8 + ql, 6);
		send_ip(&w, v6, 1, 17, u, 8 + ql, 0, NULL, 1, 1000);
		wire_put_be16(u, 53);
		wire_put_be16(u + 2, 43000);
		wire_put_be16(u + 4, (uint16_t)(8 + rl));
		memcpy(u + 8, r, rl);
		l4_checksum(v6, v6 ? S6 : S4, v6 ? C6 : C4, 17, u, 8 + rl, 6);
		send_ip(&w, v6, 0, 17, u, 8 + rl, 0, NULL, 1, 100);
	}
	pw_close(&w);
}

/* snap length 96: small query kept, UDP response cut, TCP response cut */
static void scen_snaplen(const char *dir)
{
	struct pw w;
	struct conn c;
	uint8_t q[512], r[2048], f[2100];
	size_t l;
	pw_open(&w, dir, "snaplen.pcap", DLT_EN10MB, 96);
	udp_pair(&w, 0, 44001, 40, 300);
	tcp_open(&w, &c, 0, 44002, 53, 100);
	l = dns_query(q, 41, "www.example.test", 1);
	tcp_send(&w, &c, 1, f, framed(f, q, l), 50);
	l = dns_response(r, 41, "www.example.test", 1, 300);
	tcp_send(&w, &c, 0, f, framed(f, r, l), 100);
	tcp_close(&w, &c);
	pw_close(&w);
}

/* hostile and non-DNS packets, plus DoT/DoH connection attempts */
static void scen_garbage(const char *dir)
{
	struct pw w;
	struct conn c;
	static uint8_t ip[256];
	uint8_t m[512];
	size_t l;
	pw_open(&w, dir, "garbage.pcap", DLT_EN10MB, 65535);
	send_udp_ports(&w, 45001, 53, (const uint8_t *)"hello", 5);          /* dns_short */
	send_udp_ports(&w, 45002, 80, (const uint8_t *)"GET / HTTP/1.0\r\n", 16); /* not_dns */
	l = dns_response(m, 50, "www.example.test", 1, 60);
	send_udp_ports(&w, 45003, 53, m, l);                                 /* direction: a response sent to the server */
	memcpy(m, "\x13\x37garbage-but-12+bytes", 22);
	send_udp_ports(&w, 45004, 53, m, 22);                                /* delivered: DNS parsing is not this layer's */
	/* ICMP echo: not_udp_tcp */
	memset(ip, 0, 28);
	ip[0] = 0x45;
	wire_put_be16(ip + 2, 28);
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, C4, 4);
	memcpy(ip + 16, S4, 4);
	ip[20] = 8;
	pw_ip(&w, ip, 28, 100);
	/* IPv4 header cut at 10 bytes (on the wire too): ip_trunc */
	pw_ip(&w, ip, 10, 100);
	/* total length larger than the packet: ip_bad */
	wire_put_be16(ip + 2, 200);
	ip[9] = 17;
	pw_ip(&w, ip, 28, 100);
	/* TCP with data offset 2 (< 5): l4_bad */
	memset(ip, 0, 60);
	ip[0] = 0x45;
	wire_put_be16(ip + 2, 40);
	ip[9] = 6;
	memcpy(ip + 12, C4, 4);
	memcpy(ip + 16, S4, 4);
	wire_put_be16(ip + 20, 45005);
	wire_put_be16(ip + 22, 53);
	ip[32] = 2 << 4;
	pw_ip(&w, ip, 40, 100);
	/* IPv6 version nibble 7: ip_bad */
	memset(ip, 0, 60);
	ip[0] = 0x70;
	pw_ip(&w, ip, 60, 100);
	/* DoT and DoH handshakes: counted as connections, not parsed */
	tcp_open(&w, &c, 0, 45007, 853, 100);
	tcp_open(&w, &c, 0, 45008, 443, 100);
	/* ARP request: not_ip */
	memset(ip, 0, 28);
	wire_put_be16(ip, 1);
	wire_put_be16(ip + 2, 0x0800);
	ip[4] = 6;
	ip[5] = 4;
	wire_put_be16(ip + 6, 1);
	pw_frame(&w, 0x0806, ip, 28);
	pw_close(&w);
}

/*
 * SYN flood: one real connection opened, then n SYNs from distinct client
 * ports and addresses (198.18.x.y), then a query and response on the real
 * connection, which must still be tracked.
 */
static void scen_synflood(const char *dir, unsigned n)
{
	struct pw w;
	struct conn c;
	uint8_t q[512], r[512], b[600];
	size_t l;
	unsigned i;
	pw_open(&w, dir, "synflood.pcap", DLT_EN10MB, 65535);
	tcp_open(&w, &c, 0, 46000, 53, 500);
	for (i = 0; i < n; i++) {
		static uint8_t t[20], ip[40];
		memset(ip, 0, 40);
		ip[0] = 0x45;
		wire_put_be16(ip + 2, 40);
		ip[8] = 64;
		ip[9] = 6;
		ip[12] = 198;
		ip[13] = 18;
		ip[14] = (uint8_t)(i >> 8);
		ip[15] = (uint8_t)i;
		memcpy(ip + 16, S4, 4);
		wire_put_be16(ip + 10, fold(sum16(ip, 20, 0)));
		memset(t, 0, 20);
		wire_put_be16(t, (uint16_t)(1024 + i % 60000));
		wire_put_be16(t + 2, 53);
		wire_put_be32(t + 4, i * 7919u);
		t[12] = 5 << 4;
		t[13] = 0x02;
		wire_put_be16(t + 14, 1024);
		l4_checksum(0, ip + 12, ip + 16, 6, t, 20, 16);
		memcpy(ip + 20, t, 20);
		pw_ip(&w, ip, 40, 1);
	}
	l = dns_query(q, 60, "flood.example.test", 1);
	tcp_send(&w, &c, 1, b, framed(b, q, l), 50);
	l = dns_response(r, 60, "flood.example.test", 1, 200);
	tcp_send(&w, &c, 0, b, framed(b, r, l), 100);
	tcp_close(&w, &c);
	pw_close(&w);
}


/*
 * Everything capd must count that a real node sees, in one file, each
 * message with its own qname (m-N.example.test) so a test can match
 * capd's records against tshark's decode message by message:
 *   - 7 UDP query/response pairs, responses of 60..1200 bytes (editcap -s
 *     100 cuts the larger ones; one response is cut here already, to 100
 *     bytes captured);
 *   - odd but real responses (ldns rejects them, DSC and tshark count
 *     them): answer RDATA cut short, ARCOUNT higher than the records
 *     present, two OPT records, an answer owner pointing at itself, a
 *     qname that is a forward pointer;
 *   - a query in a TCP Fast Open SYN, and its response;
 *   - a TCP connection with three queries in three segments, the second
 *     never captured (a hole), and the responses to the first and third;
 *   - a 40 KiB response over TCP in 1448-byte segments;
 *   - UDP between two port-53 hosts (a NOTIFY from the server's port 53),
 *     a query sent from port 53 to a high port, and a TCP connection
 *     between port 53 and port 53 picked up without its SYN.
 */
static size_t odd_msg(uint8_t *b, int kind, const char *name)
{
	size_t o = dns_query(b, (uint16_t)(500 + kind), name, 1), n0;
	b[2] = 0x84;
	switch (kind) {
	case 0: /* answer RDATA cut short: RDLENGTH 4, 2 bytes left */
		wire_put_be16(b + 6, 1);
		wire_put_be16(b + o, 0xc00c); wire_put_be16(b + o + 2, 1); wire_put_be16(b + o + 4, 1); wire_put_be32(b + o + 6, 60);
		wire_put_be16(b + o + 10, 4); b[o + 12] = 192; b[o + 13] = 0;
		return o + 14;
	case 1: /* ARCOUNT 3, one OPT present */
		wire_put_be16(b + 10, 3);
		b[o] = 0; wire_put_be16(b + o + 1, 41); wire_put_be16(b + o + 3, 1232); wire_put_be32(b + o + 5, 0x8000); wire_put_be16(b + o + 9, 0);
		return o + 11;
	case 2: /* two OPTs */
		wire_put_be16(b + 10, 2);
		b[o] = 0; wire_put_be16(b + o + 1, 41); wire_put_be16(b + o + 3, 1232); wire_put_be32(b + o + 5, 0x8000); wire_put_be16(b + o + 9, 0);
		b[o + 11] = 0; wire_put_be16(b + o + 12, 41); wire_put_be16(b + o + 14, 512); wire_put_be32(b + o + 16, 0); wire_put_be16(b + o + 20, 0);
		return o + 22;
	case 3: /* answer owner: a pointer to itself */
		wire_put_be16(b + 6, 1);
		wire_put_be16(b + o, (uint16_t)(0xc000 | o)); wire_put_be16(b + o + 2, 1); wire_put_be16(b + o + 4, 1); wire_put_be32(b + o + 6, 60);
		wire_put_be16(b + o + 10, 4); wire_put_be32(b + o + 12, 0xc0000201u);
		return o + 16;
	default: /* the qname is a forward pointer to the answer's owner name */
		n0 = 12 + 2 + 4;
		wire_put_be16(b + 12, (uint16_t)(0xc000 | n0)); wire_put_be16(b + 14, 1); wire_put_be16(b + 16, 1);
		wire_put_be16(b + 6, 1);
		o = n0 + put_name(b + n0, name);
		wire_put_be16(b + o, 1); wire_put_be16(b + o + 2, 1); wire_put_be32(b + o + 4, 60); wire_put_be16(b + o + 8, 4); wire_put_be32(b + o + 10, 0xc0000202u);
		return o + 14;
	}
}

static void scen_fidelity(const char *dir)
{
	struct pw w;
	struct conn c;
	static uint8_t q[512], r[70000], f[70000];
	static const size_t rsize[7] = { 60, 90, 150, 300, 600, 1000, 1200 };
	char name[64];
	size_t ql, rl, fl, o;
	int i;

	pw_open(&w, dir, "fidelity.pcap", DLT_EN10MB, 65535);
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof name, "m%d.example.test", i + 1);
		ql = dns_query(q, (uint16_t)(100 + i), name, 1);
		rl = dns_response(r, (uint16_t)(100 + i), name, 1, rsize[i]);
		send_udp(&w, i % 2, 1, (uint16_t)(47000 + i), q, ql, 0, NULL, 1000);
		if (i == 4)
			w.cut_next = 100; /* captured with a snap length of 100 */
		send_udp(&w, i % 2, 0, (uint16_t)(47000 + i), r, rl, 0, NULL, 200);
	}
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "odd%d.example.test", i + 1);
		rl = odd_msg(r, i, name);
		send_udp(&w, 0, 0, (uint16_t)(47100 + i), r, rl, 0, NULL, 300);
	}
	/* TFO: SYN carrying the query, SYN-ACK acknowledging it, the response */
	memset(&c, 0, sizeof c);
	c.cport = 47200;
	c.sport = 53;
	c.cisn = 0x20000000u;
	c.sisn = 0x30000000u;
	ql = dns_query(q, 200, "tfo.example.test", 1);
	fl = framed(f, q, ql);
	c.snext = 0;
	tcp_raw(&w, &c, 1, 0x02, c.cisn, f, fl, 1000);
	c.cnext = c.cisn + 1 + (uint32_t)fl;
	tcp_raw(&w, &c, 0, 0x12, c.sisn, NULL, 0, 100);
	c.snext = c.sisn + 1;
	tcp_raw(&w, &c, 1, 0x10, c.cnext, NULL, 0, 100);
	rl = dns_response(r, 200, "tfo.example.test", 1, 120);
	tcp_send(&w, &c, 0, f, framed(f, r, rl), 100);
	tcp_close(&w, &c);
	/* a hole: the second of three queries never captured */
	tcp_open(&w, &c, 0, 47201, 53, 200);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "hole%d.example.test", i + 1);
		ql = dns_query(q, (uint16_t)(300 + i), name, 1);
		fl = framed(f, q, ql);
		if (i == 1)
			c.cnext += (uint32_t)fl; /* sent, not captured */
		else
			tcp_send(&w, &c, 1, f, fl, 100);
	}
	for (i = 0; i < 3; i += 2) {
		snprintf(name, sizeof name, "hole%d.example.test", i + 1);
		rl = dns_response(r, (uint16_t)(300 + i), name, 1, 200);
		tcp_send(&w, &c, 0, f, framed(f, r, rl), 100);
	}
	tcp_close(&w, &c);
	/* a 40 KiB response */
	tcp_open(&w, &c, 1, 47202, 53, 300);
	ql = dns_query(q, 400, "big.example.test", 16);
	tcp_send(&w, &c, 1, f, framed(f, q, ql), 100);
	rl = dns_response(r, 400, "big.example.test", 16, 40960);
	fl = framed(f, r, rl);
	for (o = 0; o < fl; o += 1448)
		tcp_send(&w, &c, 0, f + o, fl - o < 1448 ? fl - o : 1448, 20);
	tcp_close(&w, &c);
	/* port 53 to port 53: a NOTIFY over UDP from the server's port, a TCP query picked up mid-flow */
	ql = dns_query(q, 600, "notify.example.test", 6);
	q[2] = 0x20; /* opcode NOTIFY, QR=0 */
	send_udp_ports(&w, 53, 53, q, ql);
	ql = dns_query(q, 602, "q53.example.test", 1);
	send_udp_ports(&w, 53, 40053, q, ql); /* a query sent from port 53 (to a server on 40053): still a query */
	memset(&c, 0, sizeof c);
	c.cport = 53;
	c.sport = 53;
	c.cnext = 0x40000000u;
	c.snext = 0x50000000u;
	ql = dns_query(q, 601, "p53.example.test", 1);
	tcp_send(&w, &c, 1, f, framed(f, q, ql), 100);
	rl = dns_response(r, 601, "p53.example.test", 1, 100);
	tcp_send(&w, &c, 0, f, framed(f, r, rl), 100);
	pw_close(&w);
}

static int repeat(int n, const char *in, const char *out)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	pcap_dumper_t *d = NULL;
	uint64_t shift = 0, first = 0, last = 0;
	int i;
	for (i = 0; i < n; i++) {
		struct pcap_pkthdr *h;
		const u_char *data;
		p = pcap_open_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_MICRO, err);
		if (!p)
			die(err);
		if (!d && !(d = pcap_dump_open(p, out)))
			die(pcap_geterr(p));
		while (pcap_next_ex(p, &h, &data) == 1) {
			struct pcap_pkthdr o = *h;
			uint64_t t = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
			if (!first)
				first = t;
			if (i == 0)
				last = t;
			t += shift;
			o.ts.tv_sec = (time_t)(t / 1000000u);
			o.ts.tv_usec = (suseconds_t)(t % 1000000u);
			pcap_dump((u_char *)d, &o, data);
		}
		pcap_close(p);
		shift += last - first + 1000000u;
	}
	if (d)
		pcap_dump_close(d);
	return 0;
}

/* splitmix64: the clients scenario's reproducible randomness */
static uint64_t rnd(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ull);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct ev {
	uint64_t ts;       /* absolute capture time, us */
	uint32_t client;   /* index into the client pool */
	uint16_t port, id;
	uint8_t response;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/*
 * clients: n UDP exchanges (query, then its response 20..3000 us later,
 * several outstanding at once) from a pool of n/3 clients, one in three
 * IPv6; IPv4 clients share n/12 /24 prefixes, IPv6 clients n/24 /48s, so
 * addresses, /24s and /48s all differ in count. 2% of queries get no
 * response and 1% of responses have no query (a pairing miss each). What
 * is in the file is counted by tshark in the tests, not here.
 */
static int scen_clients(unsigned n, uint64_t seed, const char *out)
{
	struct pw w;
	uint32_t pool = n / 3 + 1, p4 = n / 12 + 1, p6 = n / 24 + 1;
	struct ev *e = calloc((size_t)n * 2, sizeof *e);
	uint8_t (*addr)[16] = calloc(pool, 16);
	size_t ne = 0;
	uint64_t t = 1700000000000000ull;
	if (!e || !addr)
		die("out of memory");
	for (uint32_t i = 0; i < pool; i++) {
		uint64_t h = rnd(&seed), pfx = rnd(&seed) % (i % 3 ? p4 : p6);
		uint64_t ph = rnd(&(uint64_t){ pfx * 7919 + (i % 3 ? 4 : 6) });
		if (i % 3) {   /* IPv4 198.18.0.0/15 .. 223.x: public-looking, prefix from the pool */
			addr[i][0] = (uint8_t)(1 + ph % 223);
			addr[i][1] = (uint8_t)(ph >> 8);
			addr[i][2] = (uint8_t)(ph >> 16);
			addr[i][3] = (uint8_t)h;
		} else {       /* IPv6 2001:db8:X::/48 from the pool, the rest random */
			addr[i][0] = 0x20;
			addr[i][1] = 0x01;
			addr[i][2] = (uint8_t)(ph >> 8);
			addr[i][3] = (uint8_t)(ph >> 16);
			addr[i][4] = (uint8_t)(ph >> 24);
			addr[i][5] = (uint8_t)(ph >> 32);
			for (int k = 6; k < 16; k++)
				addr[i][k] = (uint8_t)(h >> (8 * (k % 8)));
		}
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t h = rnd(&seed);
		/* skewed: a few clients ask a lot, as resolvers do */
		uint32_t c = (uint32_t)(h % 4 == 0 ? (h >> 8) % (pool / 20 + 1) : (h >> 8) % pool);
		uint16_t port = (uint16_t)(1024 + (h >> 32) % 60000), id = (uint16_t)(h >> 48);
		t += rnd(&seed) % 300;
		uint64_t k = rnd(&seed) % 100;
		if (k != 0)   /* 1%: the query is missing, only its response was captured */
			e[ne++] = (struct ev){ t, c, port, id, 0 };
		if (k != 1 && k != 2)   /* 2%: unanswered */
			e[ne++] = (struct ev){ t + 20 + rnd(&seed) % 2980, c, port, id, 1 };
	}
	qsort(e, ne, sizeof *e, ev_cmp);
	{
		char dir[4096];
		const char *slash = strrchr(out, '/');
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
		pw_open(&w, dir, slash ? slash + 1 : out, DLT_EN10MB, 65535);
	}
	for (size_t i = 0; i < ne; i++) {
		uint8_t m[512];
		int v6 = e[i].client % 3 == 0;
		size_t len = e[i].response ? dns_response(m, e[i].id, "www.example.test", 1, 60) :
		    dns_query(m, e[i].id, "www.example.test", 1);
		if (v6)
			memcpy(C6, addr[e[i].client], 16);
		else
			memcpy(C4, addr[e[i].client], 4);
		w.ts = e[i].ts;
		send_udp(&w, v6, !e[i].response, e[i].port, m, len, 0, NULL, 0);
	}
	pw_close(&w);
	free(e);
	free(addr);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir;
	unsigned n = 20000;
	if (argc == 5 && strcmp(argv[1], "-R") == 0)
		return repeat(atoi(argv[2]), argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "-C") == 0)
		return scen_clients((unsigned)strtoul(argv[2], NULL, 10), strtoull(argv[3], NULL, 10), argv[4]);
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: dnsa-mkpcap DIR [SYNFLOOD_N] | dnsa-mkpcap -R N IN OUT\n");
		return 2;
	}
	dir = argv[1];
	if (argc == 3)
		n = (unsigned)strtoul(argv[2], NULL, 10);
	scen_tcp_split3(dir);
	scen_tcp_two_in_one(dir);
	scen_tcp_ooo(dir);
	scen_tcp_retrans(dir);
	scen_frag(dir, 0);
	scen_frag(dir, 1);
	scen_links(dir);
	scen_ipext(dir);
	scen_snaplen(dir);
	scen_garbage(dir);
	scen_synflood(dir, n);
	scen_fidelity(dir);
	return 0;
}
