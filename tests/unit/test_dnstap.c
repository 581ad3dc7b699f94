/* tests/unit/test_dnstap.c: dnstap decoder against dnstap-ldns on the Knot sample, and hostile protobuf. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capd/capfile.h"
#include "capd/dnstap.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

#define MAXF 100000

/* what dnstap-ldns -q prints for one frame, from our decode */
struct seen {
	uint8_t type, transport, family, peek_ok;
	uint64_t time_us;
	size_t dns_len;
	char addr[INET6_ADDRSTRLEN];
};

struct ctx {
	struct seen *s;
	size_t n;
	size_t errors;
	size_t identity_ok;
	size_t ports_ok;
	size_t peeked_same;   /* dnstap_peek + dnstap_decode_peeked gave what dnstap_decode gave */
};

/* peek then decode the rest: must give exactly dnstap_decode's result (rc and message) */
static int peeked_same(const uint8_t *f, size_t len)
{
	struct capd_msg a, b;
	struct dnstap_peek pk;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	int ra = dnstap_decode(f, len, &a);
	int rp = dnstap_peek(f, len, &pk);
	if (rp != E_OK)
		return ra != E_OK; /* a frame the peek rejects the decode rejects too */
	int rb = dnstap_decode_peeked(&pk, &b);
	return ra == rb && memcmp(&a, &b, sizeof(a)) == 0;
}

static void on_frame(void *arg, const uint8_t *f, size_t len)
{
	struct ctx *c = arg;
	struct capd_msg m;
	if (c->n >= MAXF)
		return;
	if (dnstap_decode(f, len, &m) != E_OK) {
		c->errors++;
		return;
	}
	struct seen *s = &c->s[c->n++];
	s->type = m.type;
	s->transport = m.transport;
	s->family = m.family;
	s->time_us = m.type % 2 == 0 ? m.response_time_us : m.query_time_us;
	s->dns_len = m.dns_len;
	inet_ntop(m.client_addr_len == 16 ? AF_INET6 : AF_INET, m.client_addr, s->addr, sizeof(s->addr));
	if (m.identity_len == 9 && memcmp(m.identity, "knot-test", 9) == 0)
		c->identity_ok++;
	if (m.server_port == 5353 && m.client_port != 0 && m.dns != NULL)
		c->ports_ok++;
	c->peeked_same += peeked_same(f, len);
	uint8_t t, tr, fam;
	s->peek_ok = dnstap_peek_type(f, len, &t, &tr, &fam) == E_OK && t == m.type &&
		     tr == m.transport && fam == m.family;
}

static void sample_vs_dnstap_ldns(void)
{
	const char *dir = getenv("DNSA_SAMPLES") ? getenv("DNSA_SAMPLES") : "tests/data/realservers/samples";
	char path[512], cmd[700], line[1024];
	snprintf(path, sizeof(path), "%s/knot.fstrm", dir);
	struct ctx c = { .s = calloc(MAXF, sizeof(struct seen)) };
	struct framestream_stats st = { 0 };
	is(capfile_dnstap_read(path, on_frame, &c, &st), E_OK, "capfile reads %s", path);
	is(c.errors, 0, "every frame decodes");
	is(st.frames, 15000, "15,000 data frames");
	is(st.started, 1, "one START");
	is(st.stopped, 1, "one STOP");
	is(c.identity_ok, c.n, "identity knot-test on every frame");
	is(c.ports_ok, c.n, "server port 5353, client port and DNS message on every frame");
	is(c.peeked_same, c.n, "peek + decode_peeked gives dnstap_decode's result on every frame");

	/* dnstap-ldns -q: "DATE TIME TYPE ADDR PROTO SIZEb QNAME CLASS TYPE", one line per frame, in order */
	snprintf(cmd, sizeof(cmd), "TZ=UTC dnstap-ldns -q -r '%s'", path);
	FILE *p = popen(cmd, "r");
	ok(p != NULL, "popen dnstap-ldns");
	size_t i = 0, bad_type = 0, bad_proto = 0, bad_addr = 0, bad_size = 0, bad_time = 0, bad_peek = 0;
	size_t ref_aq = 0, ref_ar = 0, ref_udp = 0, ref_tcp = 0, ref_v6 = 0;
	size_t aq = 0, ar = 0, udp = 0, tcp = 0, v4 = 0, v6 = 0;
	while (p && fgets(line, sizeof(line), p)) {
		char date[16], tim[32], type[8], addr[64], proto[8];
		unsigned size;
		if (sscanf(line, "%15s %31s %7s %63s %7s %ub", date, tim, type, addr, proto, &size) != 6)
			continue;
		ref_aq += strcmp(type, "AQ") == 0;
		ref_ar += strcmp(type, "AR") == 0;
		ref_udp += strcmp(proto, "UDP") == 0;
		ref_tcp += strcmp(proto, "TCP") == 0;
		ref_v6 += strchr(addr, ':') != NULL;
		if (i >= c.n) {
			i++;
			continue;
		}
		struct seen *s = &c.s[i++];
		bad_type += !((s->type == MT_AUTH_QUERY && !strcmp(type, "AQ")) ||
			      (s->type == MT_AUTH_RESPONSE && !strcmp(type, "AR")));
		bad_proto += !((s->transport == TR_UDP && !strcmp(proto, "UDP")) ||
			       (s->transport == TR_TCP && !strcmp(proto, "TCP")));
		bad_addr += strcmp(s->addr, addr) != 0;
		bad_size += s->dns_len != size;
		bad_peek += !s->peek_ok;
		/* time: seconds via timegm, microseconds from the fraction */
		struct tm tm = { 0 };
		char both[64];
		snprintf(both, sizeof(both), "%s %s", date, tim);
		char *rest = strptime(both, "%Y-%m-%d %H:%M:%S", &tm);
		uint64_t us = (uint64_t)timegm(&tm) * 1000000u + (rest && *rest == '.' ? strtoul(rest + 1, NULL, 10) : 0);
		bad_time += us != s->time_us;
	}
	if (p)
		pclose(p);
	is(i, c.n, "dnstap-ldns prints as many frames as we decoded (%zu)", c.n);
	is(bad_type, 0, "message type equal on every frame");
	is(bad_proto, 0, "transport equal on every frame");
	is(bad_addr, 0, "client address equal on every frame");
	is(bad_size, 0, "DNS message size equal on every frame");
	is(bad_time, 0, "timestamp (us) equal on every frame");
	is(bad_peek, 0, "dnstap_peek_type agrees with dnstap_decode on every frame");
	for (size_t k = 0; k < c.n; k++) {
		aq += c.s[k].type == MT_AUTH_QUERY;
		ar += c.s[k].type == MT_AUTH_RESPONSE;
		udp += c.s[k].transport == TR_UDP;
		tcp += c.s[k].transport == TR_TCP;
		v4 += c.s[k].family == 4;
		v6 += c.s[k].family == 6;
	}
	is(aq, ref_aq, "AUTH_QUERY total = dnstap-ldns AQ");
	is(ar, ref_ar, "AUTH_RESPONSE total = dnstap-ldns AR");
	is(udp, ref_udp, "UDP total = dnstap-ldns");
	is(tcp, ref_tcp, "TCP total = dnstap-ldns");
	is(v6, ref_v6, "IPv6 total = dnstap-ldns");
	is(v4, c.n - ref_v6, "IPv4 total = dnstap-ldns");
	/* the known content of the sample (README): 5,500+5,500 UDP, 2,000+2,000 TCP, 1,000+1,000 over ::1 */
	is(aq, 7500, "7,500 AQ");
	is(ar, 7500, "7,500 AR");
	is(udp, 11000, "11,000 over UDP");
	is(tcp, 4000, "4,000 over TCP");
	is(v6, 2000, "2,000 over IPv6");
	free(c.s);
}

/* a good frame, field by field */
static const uint8_t good[] = {
	0x0a, 0x04, 't', 'e', 's', 't',       /* 1 identity "test" */
	0x72, 0x35,                           /* 14 message, 53 bytes: */
	  0x08, 0x02,                         /*   1 type AUTH_RESPONSE */
	  0x10, 0x02,                         /*   2 family INET6 */
	  0x18, 0x07,                         /*   3 protocol DOQ */
	  0x22, 0x04, 192, 0, 2, 1,           /*   4 query_address 192.0.2.1 (length 4 though INET6: taken as is) */
	  0x2a, 0x04, 192, 0, 2, 53,          /*   5 response_address 192.0.2.53 */
	  0x30, 0xb9, 0x60,                   /*   6 query_port 12345 */
	  0x38, 0x35,                         /*   7 response_port 53 */
	  0x60, 0x80, 0xe2, 0xcf, 0xaa, 0x06, /*   12 response_time_sec 1700000000 */
	  0x6d, 0x40, 0x42, 0x0f, 0x00,       /*   13 response_time_nsec 1,000,000 (fixed32 LE) */
	  0x52, 0x02, 0xaa, 0xbb,             /*   10 query_message (2 bytes) */
	  0x72, 0x03, 0x01, 0x02, 0x03,       /*   14 response_message (3 bytes) */
	  0xf9, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, /*   111 unknown fixed64: skipped */
	0x78, 0x01,                           /* 15 type MESSAGE */
	0x1d, 9, 9, 9, 9,                     /* 3 extra as fixed32: unknown use, skipped */
};

static void good_frame(void)
{
	struct capd_msg m;
	is(dnstap_decode(good, sizeof(good) - 5, &m), E_OK, "good frame decodes");
	is(m.type, MT_AUTH_RESPONSE, "type AUTH_RESPONSE");
	is(m.family, 6, "family from socket_family");
	is(m.transport, TR_DOQ, "DOQ (dnstap 7) -> TR_DOQ");
	is(m.client_addr_len, 4, "client address length");
	is(m.client_addr[3], 1, "client address bytes");
	is(m.server_addr[3], 53, "server address bytes");
	is(m.client_port, 12345, "client port");
	is(m.server_port, 53, "server port");
	ok(m.has_response_time && !m.has_query_time, "only the response time");
	is(m.response_time_us, 1700000000ull * 1000000 + 1000, "response time in us");
	is(m.dns_len, 3, "dns = response_message");
	ok(m.dns == good + 8 + 40, "dns points into the frame (zero copy)");
	is(m.query_dns_len, 2, "query_dns = query_message on a response");
	is(m.identity_len, 4, "identity length");
	ok(m.identity == good + 2, "identity points into the frame");
	/* the same with the trailing field 3 as fixed32: skipped */
	is(dnstap_decode(good, sizeof(good), &m), E_OK, "unknown wire type 5 at top level skipped");
	uint8_t t, tr, fam;
	is(dnstap_peek_type(good, sizeof(good), &t, &tr, &fam), E_OK, "peek good frame");
	ok(t == MT_AUTH_RESPONSE && tr == TR_DOQ && fam == 6, "peek type/transport/family");
	is(dnstap_peek_type(good, sizeof(good), NULL, NULL, NULL), E_OK, "peek with NULL outputs");
}

/* socket_protocol -> transport for all dnstap values */
static void transports(void)
{
	static const uint8_t want[] = { TR_UNKNOWN, TR_UDP, TR_TCP, TR_DOT, TR_DOH,
					TR_DNSCRYPT_UDP, TR_DNSCRYPT_TCP, TR_DOQ, TR_UNKNOWN };
	for (unsigned v = 0; v <= 8; v++) {
		/* 14 message { 1 type CLIENT_QUERY, 3 protocol v, 4 query_address ::1, 10 query_message 1 byte } */
		uint8_t f[] = { 0x72, 25, 0x08, 0x05, 0x18, (uint8_t)v,
				0x22, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
				0x52, 0x01, 0x42 };
		struct capd_msg m;
		int rc = dnstap_decode(f, sizeof(f), &m);
		ok(rc == E_OK && m.transport == want[v], "socket_protocol %u -> transport %u", v, want[v]);
		if (v == 1) {
			is(m.family, 6, "family inferred from a 16-byte address when socket_family is absent");
			is(m.type, MT_CLIENT_QUERY, "CLIENT_QUERY");
			ok(m.dns == f + 26 && m.dns_len == 1 && m.query_dns == NULL, "dns = query_message on a query");
		}
	}
}

struct hostile {
	const char *what;
	uint8_t b[24];
	size_t len;
	int want;
};

static const struct hostile hostile[] = {
	{ "empty frame: no Message", { 0 }, 0, E_MALFORMED },
	{ "only Dnstap.type", { 0x78, 0x01 }, 2, E_MALFORMED },
	{ "truncated key varint", { 0x80 }, 1, E_TRUNCATED },
	{ "truncated length varint", { 0x72, 0x80 }, 2, E_TRUNCATED },
	{ "message length past the end", { 0x72, 0x10, 0x08, 0x01 }, 4, E_TRUNCATED },
	{ "huge length (2^63)", { 0x72, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, 11, E_TRUNCATED },
	{ "length 2^32+1", { 0x72, 0x81, 0x80, 0x80, 0x80, 0x10, 0x08, 0x01 }, 8, E_TRUNCATED },
	{ "message as varint (wrong wire type)", { 0x70, 0x01 }, 2, E_TYPE },
	{ "identity as varint", { 0x08, 0x01, 0x72, 0x02, 0x08, 0x01 }, 6, E_TYPE },
	{ "11-byte varint", { 0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 12, E_MALFORMED },
	{ "10-byte varint above 64 bits", { 0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 }, 11, E_MALFORMED },
	{ "field number 0", { 0x02, 0x00 }, 2, E_MALFORMED },
	{ "group wire type 3", { 0x0b, 0x0c }, 2, E_MALFORMED },
	{ "wire type 7", { 0x0f }, 1, E_MALFORMED },
	{ "Dnstap.type 2", { 0x72, 0x02, 0x08, 0x01, 0x78, 0x02 }, 6, E_TYPE },
	{ "Message without type", { 0x72, 0x02, 0x18, 0x01 }, 4, E_MALFORMED },
	{ "Message type as bytes", { 0x72, 0x03, 0x0a, 0x01, 0x00 }, 5, E_TYPE },
	{ "nested: inner length past the sub-message", { 0x72, 0x04, 0x08, 0x01, 0x52, 0x05 }, 6, E_TRUNCATED },
	{ "nested: truncated varint at sub-message end", { 0x72, 0x03, 0x08, 0x01, 0x30, 0x78, 0x01 }, 7, E_TRUNCATED },
	{ "nested: truncated fixed32 nsec", { 0x72, 0x05, 0x08, 0x01, 0x4d, 0x00, 0x00 }, 7, E_TRUNCATED },
	{ "nested: truncated fixed64", { 0x72, 0x05, 0x08, 0x01, 0xf9, 0x06, 0x00 }, 7, E_TRUNCATED },
	{ "nsec >= 1e9", { 0x72, 0x09, 0x08, 0x01, 0x40, 0x01, 0x4d, 0x00, 0xca, 0x9a, 0x3b }, 11, E_MALFORMED },
	{ "port 70000", { 0x72, 0x05, 0x08, 0x01, 0x30, 0xf0, 0xa2, 0x04 }, 8, E_MALFORMED },
	{ "time_sec 2^64-1", { 0x72, 0x0c, 0x08, 0x01, 0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 15, E_MALFORMED },
};

static void hostile_frames(void)
{
	{
		/* 14 message { 1 type AUTH_RESPONSE, 10 query_message 1 byte }: no response_message */
		static const uint8_t nores[] = { 0x72, 0x05, 0x08, 0x02, 0x52, 0x01, 0x00 };
		/* 14 message { 1 type AUTH_QUERY, 10 query_message 1 byte }: a query needs no response */
		static const uint8_t q[] = { 0x72, 0x05, 0x08, 0x01, 0x52, 0x01, 0x00 };
		struct capd_msg mm;
		is(dnstap_decode(nores, sizeof(nores), &mm), E_MALFORMED, "AUTH_RESPONSE without response_message: a dnstap error");
		ok(mm.dns == NULL && mm.type == 0, "  message left zeroed");
		ok(dnstap_decode(q, sizeof(q), &mm) == E_OK && mm.dns_len == 1, "AUTH_QUERY with its query_message decodes");
	}
	size_t same = 0;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		same += peeked_same(hostile[i].b, hostile[i].len);
	is(same, sizeof(hostile) / sizeof(hostile[0]), "hostile frames: peek + decode_peeked agrees with decode on each");
	{
		/* 14 message { 4 query_address 127.0.0.1, 1 type CLIENT_QUERY, 3 protocol UDP, 2 family INET,
		 *              10 query_message 1 byte }: fields 1..3 after one the peek skips */
		static const uint8_t late[] = { 0x72, 0x0f, 0x22, 0x04, 0x7f, 0x00, 0x00, 0x01, 0x08, 0x05, 0x18, 0x01,
						0x10, 0x01, 0x52, 0x01, 0x00 };
		struct dnstap_peek pk;
		struct capd_msg mm;
		ok(dnstap_peek(late, sizeof(late), &pk) == E_OK && pk.type == MT_CLIENT_QUERY && pk.transport == TR_UDP &&
		   pk.family == 4 && pk.resume == pk.msg, "late type: the peek finds it, the decode restarts the Message");
		ok(dnstap_decode_peeked(&pk, &mm) == E_OK && mm.client_addr_len == 4 && mm.client_addr[0] == 127 &&
		   mm.dns_len == 1, "  and decodes the address it skipped");
		ok(peeked_same(late, sizeof(late)), "  same as dnstap_decode");
		ok(peeked_same(good, sizeof(good)), "good frame: peek + decode_peeked same as dnstap_decode");
		ok(dnstap_peek(good, sizeof(good), &pk) == E_OK && pk.resume > pk.msg && pk.found == 7,
		   "good frame: the decode takes over after fields 1..3");
	}
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];
		struct capd_msg m;
		memset(&m, 0x5a, sizeof(m));
		int rc = dnstap_decode(h->b, h->len, &m);
		is(rc, h->want, "decode %s -> %s", h->what, dnsa_strerror(h->want));
		ok(m.dns == NULL && m.type == 0, "  message left zeroed");
	}
	struct capd_msg m0;
	/* 14 message { 1 type AUTH_RESPONSE, 1 type AUTH_QUERY, 14 response_message 1 byte }: the first type counts */
	static const uint8_t dup[] = { 0x72, 0x07, 0x08, 0x02, 0x08, 0x01, 0x72, 0x01, 0x00 };
	uint8_t pt = 0;
	ok(dnstap_decode(dup, sizeof(dup), &m0) == E_OK && m0.type == MT_AUTH_RESPONSE, "repeated type: decode keeps the first");
	ok(dnstap_peek_type(dup, sizeof(dup), &pt, NULL, NULL) == E_OK && pt == MT_AUTH_RESPONSE, "repeated type: peek keeps the first");
	/* every prefix of the good frame is rejected or decodes, never reads past the end (ASan checks) */
	size_t rejected = 0;
	/* the first 61 bytes are identity + message; the Dnstap.type that follows is not required */
	for (size_t n = 0; n < 61; n++) {
		struct capd_msg m;
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, good, n);
		rejected += dnstap_decode(copy, n, &m) != E_OK;
		free(copy);
	}
	is(rejected, 61, "every prefix of the good frame that cuts identity or message is rejected");
	is(dnstap_decode(good, 61, &m0), E_OK, "identity + message without Dnstap.type decodes");
	/* peek on hostile input */
	uint8_t t = 9;
	is(dnstap_peek_type(hostile[3].b, hostile[3].len, &t, NULL, NULL), E_TRUNCATED, "peek: truncated length");
	is(t, 0, "peek: type zeroed on error");
	is(dnstap_peek_type(hostile[15].b, hostile[15].len, &t, NULL, NULL), E_MALFORMED, "peek: Message without type");
}

/* mutations of the good frame: every result is E_OK or a documented code; ASan/UBSan watch the reads */
static void mutations(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull; /* xorshift, fixed seed: reproducible */
	size_t okc = 0, errc = 0, other = 0, differ = 0;
	uint8_t f[sizeof(good)];
	for (int i = 0; i < 200000; i++) {
		memcpy(f, good, sizeof(good));
		for (int k = 0; k < 3; k++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			f[x % sizeof(good)] = (uint8_t)(x >> 32);
		}
		size_t len = (x >> 40) % (sizeof(good) + 1);
		uint8_t *heap = malloc(len ? len : 1); /* exact size: any overread is caught */
		memcpy(heap, f, len);
		struct capd_msg m;
		int rc = dnstap_decode(heap, len, &m);
		uint8_t t, tr, fam;
		int rp = dnstap_peek_type(heap, len, &t, &tr, &fam);
		differ += !peeked_same(heap, len);
		free(heap);
		if (rc == E_OK) {
			okc++;
			/* peek must accept what decode accepts, and see the same type/transport/family */
			other += rp != E_OK || t != m.type || tr != m.transport || (fam && fam != m.family);
		} else if (rc == E_TRUNCATED || rc == E_MALFORMED || rc == E_TYPE) {
			errc++;
		} else {
			other++;
		}
	}
	is(other, 0, "200,000 mutated frames: only E_OK/E_TRUNCATED/E_MALFORMED/E_TYPE, peek agrees on accepted ones");
	is(differ, 0, "  and peek + decode_peeked gives decode's result on every one");
	diag("mutations: %zu decoded, %zu rejected", okc, errc);
}

static void null_args(void)
{
	struct capd_msg m;
	uint8_t t;
	is(dnstap_decode(NULL, 0, &m), E_INVAL, "decode NULL buffer");
	is(dnstap_decode(good, sizeof(good), NULL), E_INVAL, "decode NULL msg");
	is(dnstap_peek_type(NULL, 0, &t, &t, &t), E_INVAL, "peek NULL buffer");
	struct dnstap_peek pk;
	is(dnstap_peek(NULL, 0, &pk), E_INVAL, "dnstap_peek NULL buffer");
	is(dnstap_peek(good, sizeof(good), NULL), E_INVAL, "dnstap_peek NULL out");
	is(dnstap_decode_peeked(NULL, &m), E_INVAL, "decode_peeked NULL peek");
	is(dnstap_decode_peeked(&pk, &m), E_INVAL, "decode_peeked on a failed peek");
	is(dnstap_peek(good, sizeof(good), &pk), E_OK, "dnstap_peek good frame");
	is(dnstap_decode_peeked(&pk, NULL), E_INVAL, "decode_peeked NULL msg");
	is(dnstap_transport(0), TR_UNKNOWN, "transport 0 unknown");
	is(capfile_dnstap_read(NULL, on_frame, NULL, NULL), E_INVAL, "capfile NULL path");
	is(capfile_dnstap_read("/nonexistent/x.fstrm", on_frame, NULL, NULL), -2, "capfile missing file -> -ENOENT");
	is(capfile_dnstap_read("/dev/null", on_frame, NULL, NULL), E_TRUNCATED, "capfile empty file: no START");
}

int main(void)
{
	sample_vs_dnstap_ldns();
	good_frame();
	transports();
	hostile_frames();
	mutations();
	null_args();
	return done_testing();
}
