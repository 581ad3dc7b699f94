/* bench/mkcapture.c: make a large, varied dnstap or pcap capture by repeating a real one (for make bench). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"

/*
 * usage: mkcapture [-n MESSAGES] [-T SECONDS] [-N NAMES] [-s SEED] -i IN -o OUT
 *
 * Reads a dnstap file (Frame Streams, as fstrm_capture writes) or a pcap file
 * (Ethernet link type, microsecond or nanosecond) into memory, then writes
 * copies of it to OUT until at least MESSAGES data frames (dnstap) or packets
 * (pcap) have been written. Copy k differs from the original so that no
 * cache, hash table or branch predictor in the reader sees the same few
 * thousand messages over and over:
 *   - client addresses: UDP messages get an address drawn from (k, client
 *     port, DNS id), so a query and its response keep one client and the
 *     clients spread over the whole IPv4/IPv6 space; a TCP connection keeps
 *     one address per (k, client port), so reassembly still sees flows;
 *   - qnames: the first label of a name with three or more labels is
 *     rewritten in place (same length, [a-z0-9]) from (k mod NAMES, label),
 *     identically in the query and in the response (compression pointers
 *     stay valid because lengths do not change);
 *   - times: copy k is shifted by k * SECONDS (default 1).
 * All edits are in place and keep every length, so protobuf and IP lengths
 * stay valid; IPv4 header, UDP and TCP checksums are recomputed.
 * Output size is bounded by MESSAGES (default 1,000,000).
 *
 * mkcapture -F FLOWS [-p SERVER_PORT] -o OUT writes instead a pcap of a SYN
 * flood with payload: for each of FLOWS distinct clients (address and port
 * from a hash), a SYN to 127.0.0.1:SERVER_PORT, then a segment carrying the
 * first 12 bytes of a 30-byte length-prefixed query, which a TCP reassembler
 * must hold until it is evicted. For the memory ceiling of capd's pcap input.
 */

#define FS_CONTENT_TYPE "protobuf:dnstap.Dnstap"

static uint64_t mix(uint64_t x)
{
	/* splitmix64 finaliser: a cheap, well spread hash */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

struct vary {
	uint64_t copy, seed, names;
	int64_t shift; /* seconds added to every time in this copy */
};

/* a public-looking client address: IPv4 first octet 1..223 minus 10/127, IPv6 in 2000::/3 */
static void client_addr(uint8_t *a, size_t len, uint64_t h)
{
	if (len == 4) {
		uint32_t v = (uint32_t)h;
		uint8_t o = (uint8_t)(1 + (v >> 24) % 223);
		if (o == 10 || o == 127)
			o = 11;
		a[0] = o;
		a[1] = (uint8_t)(v >> 16);
		a[2] = (uint8_t)(v >> 8);
		a[3] = (uint8_t)v;
	} else if (len == 16) {
		uint64_t h2 = mix(h);
		a[0] = 0x20;
		a[1] = (uint8_t)(h >> 56) & 0x0f;
		for (int i = 2; i < 8; i++)
			a[i] = (uint8_t)(h >> (8 * i));
		for (int i = 8; i < 16; i++)
			a[i] = (uint8_t)(h2 >> (8 * (i - 8)));
	}
}

/* rewrite the first label of the qname at dns[12] when the name has >= 3 labels */
static void vary_qname(uint8_t *dns, size_t len, const struct vary *v)
{
	static const char cs[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t off = 12, labels = 0;
	if (len < 13)
		return;
	while (off < len && dns[off] != 0) {
		if (dns[off] & 0xc0)
			return; /* no compression in a question name */
		off += 1 + (size_t)dns[off];
		labels++;
	}
	if (off >= len || labels < 3)
		return;
	uint8_t l = dns[12];
	uint64_t h = mix(v->seed ^ mix(v->copy % v->names));
	for (uint8_t i = 0; i < l; i++)
		h = mix(h ^ dns[13 + i]);
	for (uint8_t i = 0; i < l; i++, h = mix(h))
		dns[13 + i] = (uint8_t)cs[h % 36];
}

static uint16_t dns_id(const uint8_t *dns, size_t len)
{
	return len >= 2 ? (uint16_t)(dns[0] << 8 | dns[1]) : 0;
}

/* ---------- dnstap (protobuf inside Frame Streams) ---------- */

struct pb {
	uint8_t *p, *end;
	int err;
};

static uint64_t pb_varint(struct pb *c)
{
	uint64_t v = 0;
	for (int s = 0; s < 64 && !c->err; s += 7) {
		if (c->p >= c->end) {
			c->err = 1;
			break;
		}
		uint8_t b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			return v;
	}
	c->err = 1;
	return 0;
}

/* rewrite a varint in place with the same number of bytes; skip if it would not fit */
static void pb_rewrite_varint(uint8_t *at, size_t n, uint64_t v)
{
	if (n < 10 && (v >> (7 * n)) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		at[i] = (uint8_t)((v & 0x7f) | (i + 1 < n ? 0x80 : 0));
		v >>= 7;
	}
}

/* one field: tag, wire type, and for length-delimited fields the value span */
struct pb_field {
	uint32_t num, wt;
	uint8_t *val; /* start of the value (after the length for wt 2) */
	size_t len;   /* bytes of the value */
};

static int pb_next(struct pb *c, struct pb_field *f)
{
	if (c->p >= c->end || c->err)
		return 0;
	uint64_t tag = pb_varint(c);
	f->num = (uint32_t)(tag >> 3);
	f->wt = (uint32_t)(tag & 7);
	f->val = c->p;
	switch (f->wt) {
	case 0: pb_varint(c); break;
	case 1: c->p += 8; break;
	case 5: c->p += 4; break;
	case 2: {
		uint64_t l = pb_varint(c);
		if (c->err || l > (uint64_t)(c->end - c->p)) {
			c->err = 1;
			return 0;
		}
		f->val = c->p;
		c->p += l;
		break;
	}
	default: c->err = 1; return 0;
	}
	if (c->p > c->end) {
		c->err = 1;
		return 0;
	}
	f->len = (size_t)(c->p - f->val);
	return !c->err;
}

/* Dnstap.message (14) fields we edit */
enum { M_TYPE = 1, M_PROTO = 3, M_QADDR = 4, M_QPORT = 6, M_QSEC = 8, M_QMSG = 10, M_RSEC = 12, M_RMSG = 14 };

static void vary_dnstap(uint8_t *frame, size_t len, const struct vary *v)
{
	struct pb top = { frame, frame + len, 0 };
	struct pb_field f;
	while (pb_next(&top, &f)) {
		if (f.num != 14 || f.wt != 2)
			continue;
		struct pb m = { f.val, f.val + f.len, 0 };
		struct pb_field g, qaddr = { 0 }, qmsg = { 0 }, rmsg = { 0 };
		uint64_t proto = 1, qport = 0;
		while (pb_next(&m, &g)) {
			if (g.num == M_QADDR && g.wt == 2)
				qaddr = g;
			else if (g.num == M_QMSG && g.wt == 2)
				qmsg = g;
			else if (g.num == M_RMSG && g.wt == 2)
				rmsg = g;
			else if ((g.num == M_PROTO || g.num == M_QPORT) && g.wt == 0) {
				struct pb c = { g.val, g.val + g.len, 0 };
				uint64_t x = pb_varint(&c);
				if (g.num == M_PROTO)
					proto = x;
				else
					qport = x;
			} else if ((g.num == M_QSEC || g.num == M_RSEC) && g.wt == 0) {
				struct pb c = { g.val, g.val + g.len, 0 };
				uint64_t t = pb_varint(&c);
				if (!c.err)
					pb_rewrite_varint(g.val, g.len, t + (uint64_t)v->shift);
			}
		}
		uint8_t *dns = qmsg.val ? qmsg.val : rmsg.val;
		size_t dlen = qmsg.val ? qmsg.len : rmsg.len;
		/* socket_protocol 1 = UDP; TCP and the encrypted transports keep a client per connection */
		uint64_t key = proto == 1 ? (qport << 16 | dns_id(dns, dlen)) : qport;
		if (qaddr.val)
			client_addr(qaddr.val, qaddr.len, mix(v->seed ^ mix(v->copy << 32 ^ key)));
		if (qmsg.val)
			vary_qname(qmsg.val, qmsg.len, v);
		if (rmsg.val)
			vary_qname(rmsg.val, rmsg.len, v);
	}
}

static void put_be32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	fwrite(b, 1, 4, f);
}

/* control frame: escape 0, length, type, optional content-type field */
static void fs_control(FILE *f, uint32_t type, int with_ct)
{
	size_t ctl = strlen(FS_CONTENT_TYPE);
	put_be32(f, 0);
	put_be32(f, (uint32_t)(4 + (with_ct ? 8 + ctl : 0)));
	put_be32(f, type);
	if (with_ct) {
		put_be32(f, 1); /* FSTRM_CONTROL_FIELD_CONTENT_TYPE */
		put_be32(f, (uint32_t)ctl);
		fwrite(FS_CONTENT_TYPE, 1, ctl, f);
	}
}

static int make_dnstap(uint8_t *buf, size_t n, FILE *out, uint64_t want, struct vary *v, int64_t step, uint64_t *written)
{
	/* index the data frames once */
	size_t cap = 1024, nf = 0, off = 0;
	size_t *fo = malloc(cap * sizeof *fo);
	if (!fo)
		return -1;
	while (off + 4 <= n) {
		uint32_t l = wire_be32(buf + off);
		if (l == 0) { /* control frame: escape, length, body */
			if (off + 8 > n)
				break;
			off += 8 + wire_be32(buf + off + 4);
			continue;
		}
		if (off + 4 + l > n)
			break;
		if (nf == cap) {
			size_t *t = realloc(fo, 2 * cap * sizeof *fo);
			if (!t) {
				free(fo);
				return -1;
			}
			fo = t;
			cap *= 2;
		}
		fo[nf++] = off;
		off += 4 + l;
	}
	if (nf == 0) {
		free(fo);
		fprintf(stderr, "mkcapture: no data frames\n");
		return -1;
	}
	uint8_t *tmp = malloc(65536 + 4);
	if (!tmp) {
		free(fo);
		return -1;
	}
	fs_control(out, 0x02, 1); /* START */
	for (v->copy = 0; *written < want; v->copy++) {
		v->shift = (int64_t)v->copy * step;
		for (size_t i = 0; i < nf && *written < want; i++) {
			uint32_t l = wire_be32(buf + fo[i]);
			if (l > 65536)
				continue;
			memcpy(tmp, buf + fo[i], 4 + l);
			if (v->copy > 0)
				vary_dnstap(tmp + 4, l, v);
			fwrite(tmp, 1, 4 + l, out);
			(*written)++;
		}
	}
	fs_control(out, 0x03, 0); /* STOP */
	free(tmp);
	free(fo);
	return 0;
}

/* ---------- pcap ---------- */

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* recompute the UDP/TCP checksum of segment l4 (len bytes) with the pseudo header */
static void l4_checksum(uint8_t *l4, size_t len, int proto, const uint8_t *src, const uint8_t *dst, size_t alen)
{
	size_t co = proto == 17 ? 6 : 16;
	if (len < co + 2)
		return;
	l4[co] = l4[co + 1] = 0;
	uint32_t s = csum_add(0, src, alen);
	s = csum_add(s, dst, alen);
	s += (uint32_t)proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	s = csum_add(s, l4, len);
	uint16_t c = csum_fold(s);
	if (proto == 17 && c == 0)
		c = 0xffff;
	l4[co] = (uint8_t)(c >> 8);
	l4[co + 1] = (uint8_t)c;
}

static void vary_packet(uint8_t *pkt, size_t caplen, uint16_t server_port, const struct vary *v)
{
	if (caplen < 14 + 20)
		return;
	uint16_t et = (uint16_t)(pkt[12] << 8 | pkt[13]);
	uint8_t *ip = pkt + 14, *src, *dst, *l4;
	size_t rem = caplen - 14, alen, l4len;
	int proto;
	if (et == 0x0800 && (ip[0] >> 4) == 4) {
		size_t ihl = (size_t)(ip[0] & 15) * 4, tot = (size_t)(ip[2] << 8 | ip[3]);
		if (ihl < 20 || tot > rem || tot < ihl || (ip[6] & 0x3f) || ip[7])
			return; /* fragments stay as they are */
		proto = ip[9];
		src = ip + 12;
		dst = ip + 16;
		alen = 4;
		l4 = ip + ihl;
		l4len = tot - ihl;
	} else if (et == 0x86dd && rem >= 40 && (ip[0] >> 4) == 6) {
		size_t pl = (size_t)(ip[4] << 8 | ip[5]);
		if (40 + pl > rem)
			return;
		proto = ip[6]; /* no extension headers in the samples */
		src = ip + 8;
		dst = ip + 24;
		alen = 16;
		l4 = ip + 40;
		l4len = pl;
	} else {
		return;
	}
	if ((proto != 17 && proto != 6) || l4len < (proto == 17 ? 8u : 20u))
		return;
	uint16_t sport = (uint16_t)(l4[0] << 8 | l4[1]), dport = (uint16_t)(l4[2] << 8 | l4[3]);
	int to_server = dport == server_port;
	if (!to_server && sport != server_port)
		return;
	uint16_t cport = to_server ? sport : dport;
	size_t hl = proto == 17 ? 8 : (size_t)(l4[12] >> 4) * 4;
	uint8_t *dns = l4 + hl;
	size_t dlen = l4len > hl ? l4len - hl : 0;
	if (proto == 6 && dlen >= 2) { /* a segment that starts with a length-prefixed message */
		dns += 2;
		dlen -= 2;
	}
	uint64_t key = proto == 17 ? ((uint64_t)cport << 16 | dns_id(dns, dlen)) : cport;
	client_addr(to_server ? src : dst, alen, mix(v->seed ^ mix(v->copy << 32 ^ key)));
	if (dlen >= 12)
		vary_qname(dns, dlen, v);
	if (alen == 4) {
		ip[10] = ip[11] = 0;
		uint16_t c = csum_fold(csum_add(0, ip, (size_t)(ip[0] & 15) * 4));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	l4_checksum(l4, l4len, proto, src, dst, alen);
}

static int make_pcap(uint8_t *buf, size_t n, FILE *out, uint64_t want, struct vary *v, int64_t step,
    uint16_t port, uint64_t *written)
{
	if (n < 24)
		return -1;
	uint32_t magic = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
	int le;
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		le = 1;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		le = 0;
	else {
		fprintf(stderr, "mkcapture: not a pcap file (pcapng is not supported)\n");
		return -1;
	}
#define U32(p) (le ? ((uint32_t)(p)[0] | (uint32_t)(p)[1] << 8 | (uint32_t)(p)[2] << 16 | (uint32_t)(p)[3] << 24) : wire_be32(p))
	if (U32(buf + 20) != 1) {
		fprintf(stderr, "mkcapture: pcap link type %u, only Ethernet (1) is supported\n", U32(buf + 20));
		return -1;
	}
	uint8_t *tmp = malloc(262144 + 16);
	if (!tmp)
		return -1;
	fwrite(buf, 1, 24, out);
	for (v->copy = 0; *written < want; v->copy++) {
		v->shift = (int64_t)v->copy * step;
		size_t off = 24;
		uint64_t before = *written;
		while (off + 16 <= n && *written < want) {
			uint32_t incl = U32(buf + off + 8);
			if (incl > 262144 || off + 16 + incl > n)
				break;
			memcpy(tmp, buf + off, 16 + incl);
			if (v->copy > 0) {
				uint32_t sec = U32(buf + off) + (uint32_t)v->shift;
				for (int i = 0; i < 4; i++)
					tmp[le ? i : 3 - i] = (uint8_t)(sec >> (8 * i));
				vary_packet(tmp + 16, incl, port, v);
			}
			fwrite(tmp, 1, 16 + incl, out);
			(*written)++;
			off += 16 + incl;
		}
		if (*written == before)
			break; /* no packets at all */
	}
#undef U32
	free(tmp);
	return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* one Ethernet/IPv4/TCP packet with the pcap record header, checksums set */
static void flood_packet(FILE *out, uint32_t usec_total, uint32_t client, uint16_t cport, uint16_t sport,
    uint32_t seq, uint8_t flags, const uint8_t *pl, size_t plen)
{
	uint8_t b[16 + 14 + 20 + 20 + 64];
	size_t caplen = 14 + 20 + 20 + plen;
	memset(b, 0, sizeof b);
	put_le32(b, 1700000000u + usec_total / 1000000u);
	put_le32(b + 4, usec_total % 1000000u);
	put_le32(b + 8, (uint32_t)caplen);
	put_le32(b + 12, (uint32_t)caplen);
	uint8_t *e = b + 16, *ip = e + 14, *tcp = ip + 20;
	e[12] = 0x08; /* IPv4 */
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 20 + plen) >> 8);
	ip[3] = (uint8_t)(20 + 20 + plen);
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = (uint8_t)(client >> 24); ip[13] = (uint8_t)(client >> 16); ip[14] = (uint8_t)(client >> 8); ip[15] = (uint8_t)client;
	ip[16] = 127; ip[19] = 1;
	uint16_t c = csum_fold(csum_add(0, ip, 20));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	tcp[0] = (uint8_t)(cport >> 8); tcp[1] = (uint8_t)cport;
	tcp[2] = (uint8_t)(sport >> 8); tcp[3] = (uint8_t)sport;
	tcp[4] = (uint8_t)(seq >> 24); tcp[5] = (uint8_t)(seq >> 16); tcp[6] = (uint8_t)(seq >> 8); tcp[7] = (uint8_t)seq;
	tcp[12] = 0x50;
	tcp[13] = flags;
	tcp[14] = 0xff; tcp[15] = 0xff;
	if (plen)
		memcpy(tcp + 20, pl, plen);
	l4_checksum(tcp, 20 + plen, 6, ip + 12, ip + 16, 4);
	fwrite(b, 1, 16 + caplen, out);
}

static int make_flood(FILE *out, uint64_t flows, uint16_t port, uint64_t seed)
{
	/* pcap global header: microseconds, little endian, Ethernet */
	uint8_t gh[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0 };
	/* 2-byte length 30, then the first 12 bytes of a query header: held, never completed */
	static const uint8_t part[14] = { 0, 30, 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	fwrite(gh, 1, sizeof gh, out);
	for (uint64_t i = 0; i < flows; i++) {
		uint64_t h = mix(seed ^ mix(i));
		uint8_t a[4];
		client_addr(a, 4, h);
		uint32_t client = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		uint16_t cport = (uint16_t)(1024 + (h >> 40) % 64000);
		uint32_t seq = (uint32_t)(h >> 8);
		flood_packet(out, (uint32_t)(2 * i), client, cport, port, seq, 0x02 /* SYN */, NULL, 0);
		flood_packet(out, (uint32_t)(2 * i + 1), client, cport, port, seq + 1, 0x18 /* PSH|ACK */, part, sizeof part);
	}
	return 0;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, len = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		size_t r = fread(b + len, 1, cap - len, f);
		len += r;
		if (len < cap)
			break;
		uint8_t *t = realloc(b, cap * 2);
		if (!t) {
			free(b);
			b = NULL;
			break;
		}
		b = t;
		cap *= 2;
	}
	fclose(f);
	*n = len;
	return b;
}

int main(int argc, char **argv)
{
	const char *in = NULL, *outp = NULL;
	uint64_t want = 1000000;
	int64_t step = 1;
	uint16_t port = 5353;
	uint64_t flood = 0;
	struct vary v = { .seed = 1, .names = 100000 };
	int ch;
	while ((ch = getopt(argc, argv, "i:o:n:T:N:s:p:F:h")) != -1) {
		switch (ch) {
		case 'i': in = optarg; break;
		case 'o': outp = optarg; break;
		case 'n': want = strtoull(optarg, NULL, 10); break;
		case 'T': step = strtoll(optarg, NULL, 10); break;
		case 'N': v.names = strtoull(optarg, NULL, 10); break;
		case 's': v.seed = strtoull(optarg, NULL, 10); break;
		case 'p': port = (uint16_t)atoi(optarg); break;
		case 'F': flood = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: mkcapture [-n MESSAGES] [-T SECONDS] [-N NAMES] [-s SEED] [-p SERVER_PORT] -i IN -o OUT\n"
			    "       mkcapture -F FLOWS [-p SERVER_PORT] [-s SEED] -o OUT   (SYN flood with held segments)\n");
			return 2;
		}
	}
	if (flood && outp) {
		FILE *f = fopen(outp, "wb");
		if (!f) {
			fprintf(stderr, "mkcapture: %s: %s\n", outp, strerror(errno));
			return 1;
		}
		setvbuf(f, NULL, _IOFBF, 1 << 20);
		make_flood(f, flood, port, v.seed);
		if (fclose(f) != 0) {
			fprintf(stderr, "mkcapture: %s: %s\n", outp, strerror(errno));
			return 1;
		}
		printf("%" PRIu64 "\n", 2 * flood);
		return 0;
	}
	if (!in || !outp || v.names == 0) {
		fprintf(stderr, "mkcapture: -i and -o are required (and -N > 0)\n");
		return 2;
	}
	size_t n;
	uint8_t *buf = slurp(in, &n);
	if (!buf || n < 8) {
		fprintf(stderr, "mkcapture: %s: %s\n", in, buf ? "too short" : strerror(errno));
		free(buf);
		return 1;
	}
	FILE *out = fopen(outp, "wb");
	if (!out) {
		fprintf(stderr, "mkcapture: %s: %s\n", outp, strerror(errno));
		free(buf);
		return 1;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	uint64_t written = 0;
	int rc = wire_be32(buf) == 0 ? make_dnstap(buf, n, out, want, &v, step, &written)
				: make_pcap(buf, n, out, want, &v, step, port, &written);
	if (fclose(out) != 0)
		rc = -1;
	free(buf);
	if (rc != 0) {
		fprintf(stderr, "mkcapture: failed\n");
		return 1;
	}
	printf("%" PRIu64 "\n", written);
	return 0;
}
