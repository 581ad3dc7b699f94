/* tests/unit/test_pktdecode.c: link/IP/transport decoding on byte tables, truncated and hostile cases. */
#include <stdlib.h>
#include <string.h>

#include "capd/pktdecode.h"
#include "tests/tap.h"

/* IPv4 + UDP 192.0.2.10:4660 -> 192.0.2.53:53, 12-byte DNS header */
static const uint8_t ip4udp[] = {
	0x45, 0x00, 0x00, 0x28,  /* v4, ihl 5, total 40 */
	0x00, 0x01, 0x40, 0x00,  /* id 1, DF */
	0x40, 0x11, 0x00, 0x00,  /* ttl 64, UDP, checksum (not verified) */
	192, 0, 2, 10,           /* src */
	192, 0, 2, 53,           /* dst */
	0x12, 0x34, 0x00, 0x35,  /* sport 4660, dport 53 */
	0x00, 0x14, 0x00, 0x00,  /* length 20, checksum */
	0xab, 0xcd, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* DNS header id 0xabcd */
};

/* IPv6 + hop-by-hop (8) + destination options (8) + UDP 2001:db8::10:4660 -> 2001:db8::53:53, 12-byte DNS */
static const uint8_t ip6ext[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x40,  /* plen 36, next HBH, hlim 64 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
	60, 0, 1, 4, 0, 0, 0, 0,          /* HBH: next dest-opts, len 0 (8 bytes), PadN */
	17, 0, 1, 4, 0, 0, 0, 0,          /* dest opts: next UDP */
	0x12, 0x34, 0x00, 0x35, 0x00, 0x14, 0x00, 0x00,
	0xab, 0xcd, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* IPv6 + fragment header (offset 0, M=1, id 0x01020304) + the first 16 bytes of a UDP datagram */
static const uint8_t ip6frag[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 44, 0x40,   /* plen 24, next fragment */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	17, 0, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04,      /* next UDP, offset 0, M=1 */
	0x00, 0x35, 0x12, 0x34, 0x00, 0x40, 0x00, 0x00, /* UDP 53 -> 4660, length 64 (whole datagram) */
	0xab, 0xcd, 0x84, 0x00, 0, 1, 0, 0,
};

/* IPv4 + TCP with 12 bytes of options, flags PSH|ACK, 4 bytes of payload */
static const uint8_t ip4tcp[] = {
	0x45, 0x00, 0x00, 0x34 + 4,
	0x00, 0x02, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	192, 0, 2, 10, 192, 0, 2, 53,
	0x9c, 0x40, 0x00, 0x35,        /* 40000 -> 53 */
	0x11, 0x22, 0x33, 0x44,        /* seq */
	0x55, 0x66, 0x77, 0x88,        /* ack */
	0x80, 0x18, 0xff, 0xff,        /* doff 8 (32 bytes), PSH|ACK, window */
	0x00, 0x00, 0x00, 0x00,        /* checksum, urgent */
	1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, /* NOP NOP timestamps */
	0x00, 0x02, 0xde, 0xad,        /* payload: length 2 + 2 bytes */
};

static uint8_t frame[256];

/* link header + IP packet into `frame`; returns total length */
static size_t wrap(const uint8_t *hdr, size_t hl, const uint8_t *ip, size_t il)
{
	memcpy(frame, hdr, hl);
	memcpy(frame + hl, ip, il);
	return hl + il;
}

static void test_ethernet(void)
{
	static const uint8_t eth[] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00 };
	static const uint8_t vlan2[] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2,
		0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x65, 0x08, 0x00 };  /* QinQ */
	static const uint8_t vlan5[] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2,
		0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x08, 0x00 };
	static const uint8_t arp[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 2, 0x08, 0x06 };
	static const uint8_t eth6[] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x86, 0xdd };
	struct pkt_info pi;
	size_t n;

	n = wrap(eth, sizeof(eth), ip4udp, sizeof(ip4udp));
	is(pktdecode_link(1, frame, n, n, &pi), PKT_OK, "Ethernet IPv4 UDP: ok");
	is(pi.family, 4, "family 4");
	is(pi.proto, 17, "UDP");
	is(pi.sport, 4660, "sport");
	is(pi.dport, 53, "dport");
	ok(memcmp(pi.src, "\xc0\0\2\x0a", 4) == 0 && memcmp(pi.dst, "\xc0\0\2\x35", 4) == 0, "addresses");
	is(pi.payload_len, 12, "payload 12 bytes");
	is(pi.payload[0], 0xab, "payload points at the DNS header");

	/* Ethernet pads short frames: the IP total length wins */
	memset(frame + n, 0xee, 10);
	is(pktdecode_link(1, frame, n + 10, n + 10, &pi), PKT_OK, "padded frame: ok");
	is(pi.payload_len, 12, "padded frame: padding not in the payload");

	n = wrap(vlan2, sizeof(vlan2), ip4udp, sizeof(ip4udp));
	is(pktdecode_link(1, frame, n, n, &pi), PKT_OK, "QinQ 0x88a8 + 0x8100: ok");
	is(pi.dport, 53, "QinQ: dport");
	n = wrap(vlan5, sizeof(vlan5), ip4udp, sizeof(ip4udp));
	is(pktdecode_link(1, frame, n, n, &pi), PKT_E_NOT_IP, "5 VLAN tags: not_ip (at most 4)");
	n = wrap(arp, sizeof(arp), ip4udp, 28);
	is(pktdecode_link(1, frame, n, n, &pi), PKT_E_NOT_IP, "ARP: not_ip");
	n = wrap(eth6, sizeof(eth6), ip6ext, sizeof(ip6ext));
	is(pktdecode_link(1, frame, n, n, &pi), PKT_OK, "Ethernet IPv6 + HBH + dest opts + UDP: ok");
	is(pi.family, 6, "family 6");
	is(pi.payload_len, 12, "IPv6: payload 12 bytes");
	is(pi.dst[15], 0x53, "IPv6 dst");
	is(pktdecode_link(1, frame, 0, 0, &pi), PKT_E_LINK_TRUNC, "empty frame: link_trunc");
	is(pktdecode_link(1, NULL, 0, 0, &pi), PKT_E_LINK_TRUNC, "NULL frame of length 0: link_trunc");
}

static void test_other_links(void)
{
	static const uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 2, 0, 0, 0x08, 0x00 };
	static const uint8_t sll2[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 0, 0, 0, 0, 2, 0, 0 };
	static const uint8_t null_le[4] = { 2, 0, 0, 0 }, null_be6[4] = { 0, 0, 0, 24 };
	static const uint8_t null_le6[4] = { 30, 0, 0, 0 }, null_x[4] = { 7, 0, 0, 0 };
	static const uint8_t loop4[4] = { 0, 0, 0, 2 }, loop6[4] = { 0, 0, 0, 28 };
	struct pkt_info pi;
	size_t n;

	n = wrap(sll, 16, ip4udp, sizeof(ip4udp));
	is(pktdecode_link(113, frame, n, n, &pi), PKT_OK, "Linux cooked v1 IPv4: ok");
	n = wrap(sll2, 20, ip6ext, sizeof(ip6ext));
	is(pktdecode_link(276, frame, n, n, &pi), PKT_OK, "Linux cooked v2 IPv6: ok");
	is(pi.family, 6, "SLL2: family 6");
	is(pktdecode_link(276, frame, 19, 19, &pi), PKT_E_LINK_TRUNC, "SLL2 cut at 19 bytes: link_trunc");
	n = wrap(null_le, 4, ip4udp, sizeof(ip4udp));
	is(pktdecode_link(0, frame, n, n, &pi), PKT_OK, "DLT_NULL AF_INET little-endian: ok");
	n = wrap(null_be6, 4, ip6ext, sizeof(ip6ext));
	is(pktdecode_link(0, frame, n, n, &pi), PKT_OK, "DLT_NULL AF 24 big-endian (OpenBSD): ok");
	n = wrap(null_le6, 4, ip6ext, sizeof(ip6ext));
	is(pktdecode_link(0, frame, n, n, &pi), PKT_OK, "DLT_NULL AF 30 little-endian (Darwin): ok");
	n = wrap(null_x, 4, ip4udp, sizeof(ip4udp));
	is(pktdecode_link(0, frame, n, n, &pi), PKT_E_NOT_IP, "DLT_NULL AF 7: not_ip");
	n = wrap(loop4, 4, ip4udp, sizeof(ip4udp));
	is(pktdecode_link(108, frame, n, n, &pi), PKT_OK, "DLT_LOOP AF_INET: ok");
	n = wrap(loop6, 4, ip6ext, sizeof(ip6ext));
	is(pktdecode_link(108, frame, n, n, &pi), PKT_OK, "DLT_LOOP AF 28 (FreeBSD IPv6): ok");
	is(pktdecode_link(12, ip4udp, sizeof(ip4udp), sizeof(ip4udp), &pi), PKT_OK, "DLT_RAW IPv4: ok");
	is(pktdecode_link(101, ip6ext, sizeof(ip6ext), sizeof(ip6ext), &pi), PKT_OK, "LINKTYPE_RAW IPv6: ok");
	is(pktdecode_link(229, ip6ext, sizeof(ip6ext), sizeof(ip6ext), &pi), PKT_OK, "DLT_IPV6: ok");
	is(pktdecode_link(999, ip4udp, sizeof(ip4udp), sizeof(ip4udp), &pi), PKT_E_LINKTYPE, "link type 999: linktype");
}

/* every prefix of a packet, in an exact-size heap buffer (ASan catches any overread) */
static void test_prefixes(int dlt, const uint8_t *pkt, size_t len, const char *what)
{
	struct pkt_info pi;
	size_t k;
	int bad_whole = 0, bad_snap = 0;
	for (k = 0; k < len; k++) {
		uint8_t *b = malloc(k ? k : 1);
		int r1, r2;
		memcpy(b, pkt, k);
		r1 = pktdecode_link(dlt, b, k, k, &pi);      /* the packet really was this short */
		r2 = pktdecode_link(dlt, b, k, len, &pi);    /* cut by the snap length */
		if (r1 == PKT_OK || r1 == PKT_E_SNAPLEN)
			bad_whole++;
		if (r2 != PKT_E_SNAPLEN && !(r2 == PKT_OK && pi.truncated) && !(k < 14 && r2 == PKT_E_LINK_TRUNC) &&
		    !(dlt != 1 && k == 0))
			bad_snap++;
		free(b);
	}
	is(bad_whole, 0, "%s: each short packet is an error other than snaplen", what);
	is(bad_snap, 0, "%s: each cut capture is snaplen (or a cut TCP payload)", what);
}

static void test_ip(void)
{
	uint8_t p[128], f4[64];
	struct pkt_info pi;
	const uint8_t *pl;
	size_t n;
	static const uint8_t eth[] = { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00 };

	is(pktdecode_ip(ip4tcp, sizeof(ip4tcp), sizeof(ip4tcp), &pi), PKT_OK, "IPv4 TCP with options: ok");
	is(pi.proto, 6, "TCP");
	is(pi.seq, 0x11223344, "seq");
	is(pi.ack, 0x55667788, "ack");
	is(pi.tcp_flags, 0x18, "flags PSH|ACK");
	is(pi.payload_len, 4, "payload after 32-byte TCP header");
	is(pi.payload[2], 0xde, "payload bytes");
	is(pi.truncated, 0, "not truncated");
	is(pktdecode_ip(ip4tcp, sizeof(ip4tcp) - 2, sizeof(ip4tcp), &pi), PKT_OK, "TCP payload cut by snaplen: ok...");
	ok(pi.truncated && pi.payload_len == 2 && pi.payload_wire_len == 4, "... flagged truncated, 2 of 4 bytes");

	memcpy(p, ip4tcp, sizeof(ip4tcp));
	p[32] = 0x20; /* data offset 2 */
	is(pktdecode_ip(p, sizeof(ip4tcp), sizeof(ip4tcp), &pi), PKT_E_L4_BAD, "TCP data offset 8 bytes: l4_bad");
	memcpy(p, ip4tcp, sizeof(ip4tcp));
	p[9] = 1;
	is(pktdecode_ip(p, sizeof(ip4tcp), sizeof(ip4tcp), &pi), PKT_E_NOT_UDP_TCP, "ICMP: not_udp_tcp");
	p[0] = 0x44;
	is(pktdecode_ip(p, sizeof(ip4tcp), sizeof(ip4tcp), &pi), PKT_E_IP_BAD, "IHL 4: ip_bad");
	p[0] = 0x55;
	is(pktdecode_ip(p, sizeof(ip4tcp), sizeof(ip4tcp), &pi), PKT_E_IP_BAD, "version 5: ip_bad");

	memcpy(p, ip4udp, sizeof(ip4udp));
	p[25] = 7; /* UDP length 7 */
	is(pktdecode_ip(p, sizeof(ip4udp), sizeof(ip4udp), &pi), PKT_E_L4_BAD, "UDP length 7: l4_bad");
	p[24] = 1; /* UDP length > IP payload */
	is(pktdecode_ip(p, sizeof(ip4udp), sizeof(ip4udp), &pi), PKT_E_L4_BAD, "UDP length beyond IP: l4_bad");
	is(pktdecode_ip(ip4udp, sizeof(ip4udp) - 4, sizeof(ip4udp), &pi), PKT_E_SNAPLEN, "UDP payload cut: snaplen");

	/* IPv4 fragment: MF set, offset 0 */
	memcpy(f4, ip4udp, sizeof(ip4udp));
	f4[6] = 0x20;
	f4[7] = 0x00;
	is(pktdecode_ip(f4, sizeof(ip4udp), sizeof(ip4udp), &pi), PKT_FRAGMENT, "IPv4 MF: fragment");
	ok(pi.frag_offset == 0 && pi.frag_more && pi.frag_id == 1 && pi.frag_len == 20 && pi.proto == 17,
	   "IPv4 fragment fields (offset 0, more, id 1, 20 bytes, UDP)");
	pl = pi.frag_data;
	is(pktdecode_l4(&pi, 17, pl, pi.frag_len), PKT_OK, "l4 on the fragment's bytes: ok");
	is(pi.dport, 53, "l4: dport");
	f4[6] = 0x00;
	f4[7] = 0x03; /* offset 24, last */
	is(pktdecode_ip(f4, sizeof(ip4udp), sizeof(ip4udp), &pi), PKT_FRAGMENT, "IPv4 offset 3: fragment");
	ok(pi.frag_offset == 24 && !pi.frag_more, "offset 24 bytes, last");

	is(pktdecode_ip(ip6frag, sizeof(ip6frag), sizeof(ip6frag), &pi), PKT_FRAGMENT, "IPv6 fragment header: fragment");
	ok(pi.frag_id == 0x01020304 && pi.frag_more && pi.frag_offset == 0 && pi.frag_len == 16 && pi.proto == 17,
	   "IPv6 fragment fields");
	memcpy(p, ip6frag, sizeof(ip6frag));
	p[43] = 0; /* M=0 offset 0: atomic fragment */
	is(pktdecode_ip(p, sizeof(ip6frag), sizeof(ip6frag), &pi), PKT_E_L4_BAD,
	   "IPv6 atomic fragment decodes on (its UDP length 64 > 16 bytes: l4_bad)");
	memcpy(p, ip6ext, sizeof(ip6ext));
	p[6] = 50; /* ESP */
	is(pktdecode_ip(p, sizeof(ip6ext), sizeof(ip6ext), &pi), PKT_E_NOT_UDP_TCP, "IPv6 ESP: not_udp_tcp");
	p[6] = 0;
	p[4] = p[5] = 0;
	is(pktdecode_ip(p, sizeof(ip6ext), sizeof(ip6ext), &pi), PKT_E_IP6_EXT, "IPv6 payload length 0 (jumbo): ip6_ext");
	{
		/* 9 destination-option headers: more than the walk allows */
		uint8_t l[40 + 9 * 8 + 8];
		int i;
		memcpy(l, ip6ext, 40);
		l[4] = 0;
		l[5] = 9 * 8 + 8;
		l[6] = 60;
		for (i = 0; i < 9; i++) {
			memset(l + 40 + i * 8, 0, 8);
			l[40 + i * 8] = i < 8 ? 60 : 17;
		}
		memset(l + 40 + 72, 0, 8);
		is(pktdecode_ip(l, sizeof(l), sizeof(l), &pi), PKT_E_IP6_EXT, "9 extension headers: ip6_ext");
	}
	n = wrap(eth, sizeof(eth), ip4udp, sizeof(ip4udp));
	memcpy(p, frame, n);
	test_prefixes(1, p, n, "Ethernet IPv4 UDP");
	test_prefixes(12, ip6ext, sizeof(ip6ext), "raw IPv6 ext UDP");
	test_prefixes(12, ip4tcp, sizeof(ip4tcp), "raw IPv4 TCP");
}

static void test_names(void)
{
	int i, j, dup = 0;
	for (i = 0; i < PKT_REASON_MAX; i++)
		for (j = i + 1; j < PKT_REASON_MAX; j++)
			if (strcmp(pktdecode_reason_name(i), pktdecode_reason_name(j)) == 0)
				dup++;
	is(dup, 0, "reason names are distinct");
	is_str(pktdecode_reason_name(PKT_E_SNAPLEN), "snaplen", "name of PKT_E_SNAPLEN");
	is_str(pktdecode_reason_name(-1), "?", "name of -1");
	is_str(pktdecode_reason_name(PKT_REASON_MAX), "?", "name of PKT_REASON_MAX");
}

int main(void)
{
	test_ethernet();
	test_other_links();
	test_ip();
	test_names();
	return done_testing();
}
