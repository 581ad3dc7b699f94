/* tests/unit/test_dnsparse.c: capd/dnsparse on commented byte tables: normal, EDNS, hostile, NULL/empty. */
#include <string.h>

#include "capd/dnsparse.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

#define P(name, ...) static const uint8_t name[] = { __VA_ARGS__ }

/* query www.Example.test A IN, RD, no EDNS */
P(q_plain,
	0xbe, 0xef,             /* id */
	0x01, 0x00,             /* QR=0 opcode=0 RD=1 */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* qd=1 an=0 ns=0 ar=0 */
	3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
	0x00, 0x01, 0x00, 0x01  /* A IN */
);

/* response: AA, RD, NXDOMAIN; SOA in authority; OPT udp 1232 DO, with a COOKIE and ECS option */
P(r_edns,
	0x12, 0x34,
	0x85, 0x03,             /* QR AA RD, RA=0, rcode 3 */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, /* qd=1 an=0 ns=1 ar=1 */
	4, 'n', 'o', 'p', 'e', 4, 't', 'e', 's', 't', 0,  /* @12 nope.test */
	0x00, 0x1c, 0x00, 0x01, /* AAAA IN */
	/* authority @27: owner -> "test" at 17, SOA IN ttl 300, rdlen 24 */
	0xc0, 0x11, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x18,
	0xc0, 0x11, 0xc0, 0x11, /* mname, rname (compressed) */
	0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, /* serial, refresh, retry, expire, minimum */
	/* additional: root owner, OPT, udp 1232, ext-rcode 0, version 0, DO, rdlen 23 */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x17,
	0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,     /* COOKIE (10), 8 octets */
	0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 24, 0, 192, 0, 2 /* ECS (8): family 1 /24 */
);

/* response with no question (qdcount 0), TC and AD+CD set */
P(r_noq,
	0x00, 0x01, 0x82, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
);

/* root qname, NS query, opcode NOTIFY (4) */
P(q_root,
	0x00, 0x02, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x01
);

/* hostile: qname is a pointer to itself (offset 12) */
P(h_selfptr, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1);
/* hostile: label 'a' then pointer back to it: a loop through a label */
P(h_labelloop, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 0x0c, 0, 1, 0, 1);
/* hostile: pointer forward to a valid name at 18 */
P(h_fwdptr, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x12, 0, 1, 0, 1, 1, 'x', 0);
/* hostile: pointer into the header */
P(h_hdrptr, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x02, 0, 1, 0, 1);
/* hostile: pointer beyond the message */
P(h_oobptr, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 1, 0, 1);
/* hostile: label length 64 (type 01) */
P(h_label64, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 'a', 0, 0, 1, 0, 1);
/* hostile: label runs past the end */
P(h_labelpast, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'a', 'b');
/* hostile: question without its type/class */
P(h_noqtype, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0);
/* hostile: ancount 1 but nothing after the question */
P(h_missing_an, 0, 0, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1,
	0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2 /* rdata 4 announced, 2 present */);
/* hostile: two OPTs in the additional section */
P(h_twoopt, 0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 2, 1, 'a', 0, 0, 1, 0, 1,
	0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0,   /* @19 OPT 1024 */
	0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0);  /* @30 OPT 512 */
/* OPT in the answer section: not EDNS */
P(r_optans, 0, 0, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1,
	0, 0, 41, 4, 0, 0, 0, 0x80, 0, 0, 0);
/* BADVERS: header rcode 0, OPT ext-rcode 1 -> 16; version 1 */
P(r_badvers, 0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 'a', 0, 0, 1, 0, 1,
	0, 0, 41, 4, 0, 1, 1, 0, 0, 0, 0);
/* OPT with a malformed option list (option length 9, 2 left): still EDNS, no ECS */
P(r_badopt, 0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 'a', 0, 0, 1, 0, 1,
	0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 6, 0, 8, 0, 9, 0, 0);
/* name with odd bytes: "a.b", 0x00, 0xff, '\\', 'Z' in one label */
P(q_odd, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'a', '.', 'b', 0x00, 0xff, '\\', 'Z', 0, 0, 1, 0, 1);
/* second question compressed into the first: qdcount 2 */
P(q_two, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
	1, 'b', 0xc0, 0x0e, 0, 28, 0, 1);

/* referral: QR, no AA, NOERROR; question a.test A; authority a.test NS ns.a.test; additional glue A */
P(r_referral, 0, 0, 0x80, 0x00, 0, 1, 0, 0, 0, 1, 0, 1,
	1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,       /* @12 a.test A IN */
	0xc0, 0x0c, 0, 2, 0, 1, 0, 0, 0x0e, 0x10, 0, 5,     /* @24 a.test NS, rdlen 5 */
	2, 'n', 's', 0xc0, 0x0c,                            /* ns.a.test */
	0xc0, 0x24, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1); /* @41 glue A */
/* the same header with AA and one answer (the A record in the answer section) */
P(r_answer, 0, 0, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,
	1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
	0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1);
/* NODATA: AA, NOERROR, no answer, SOA in authority (owner test, rdata cut to nothing: rdlen 0) */
P(r_nodata, 0, 0, 0x84, 0x00, 0, 1, 0, 0, 0, 1, 0, 0,
	1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
	0xc0, 0x0e, 0, 6, 0, 1, 0, 0, 0x0e, 0x10, 0, 0);
/* no AA, no answer, SOA (not NS) in authority: not a referral */
P(r_upward, 0, 0, 0x80, 0x00, 0, 1, 0, 0, 0, 1, 0, 0,
	1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
	0xc0, 0x0e, 0, 6, 0, 1, 0, 0, 0x0e, 0x10, 0, 0);
/* REFUSED, SERVFAIL, and a TC'd empty NOERROR with AA */
P(r_refused, 0, 0, 0x80, 0x05, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1);
P(r_servfail, 0, 0, 0x80, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1);
P(r_tc, 0, 0, 0x86, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1);
/* referral-shaped but the NS record is cut short: sections not read, so other */
P(r_refcut, 0, 0, 0x80, 0x00, 0, 1, 0, 0, 0, 1, 0, 0,
	1, 'a', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
	0xc0, 0x0c, 0, 2, 0, 1, 0, 0, 0x0e, 0x10, 0, 5, 2, 'n');

#define PARSE(buf, mode) dnsparse_message(buf, sizeof(buf), mode, &d)

static void test_akind(void)
{
	struct dns_info d;
	static const struct { const uint8_t *m; size_t len; unsigned want; const char *what; } cases[] = {
		{ r_referral, sizeof r_referral, AK_REFERRAL, "no AA, no answer, NS in authority: referral" },
		{ r_answer, sizeof r_answer, AK_ANSWER, "AA with an answer: answer" },
		{ r_nodata, sizeof r_nodata, AK_NODATA, "AA, no answer: NODATA" },
		{ r_upward, sizeof r_upward, AK_OTHER, "no AA, no answer, SOA only: other" },
		{ r_edns, sizeof r_edns, AK_NXDOMAIN, "rcode NXDOMAIN (with AA and SOA): nxdomain" },
		{ r_refused, sizeof r_refused, AK_REFUSED, "rcode REFUSED: refused" },
		{ r_servfail, sizeof r_servfail, AK_OTHER, "SERVFAIL: other" },
		{ r_tc, sizeof r_tc, AK_OTHER, "TC, AA, empty: other (not NODATA)" },
		{ r_refcut, sizeof r_refcut, AK_OTHER, "an NS record cut short: other (sections not read)" },
		{ q_plain, sizeof q_plain, AK_NONE, "a query: none" },
		{ r_badvers, sizeof r_badvers, AK_OTHER, "extended rcode BADVERS: other" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dnsparse_message(cases[i].m, cases[i].len, DNSPARSE_FULL, &d);
		is(dnsparse_akind(&d), cases[i].want, "%s", cases[i].what);
	}
	is(PARSE(r_referral, DNSPARSE_FULL), E_OK, "the referral parses");
	ok(d.auth_ns && !d.auth_soa && d.sections_read, "referral: NS in authority, no SOA, sections read");
	PARSE(r_edns, DNSPARSE_FULL);
	ok(!d.auth_ns && d.auth_soa, "NXDOMAIN: SOA in authority");
	is(dnsparse_akind(NULL), AK_NONE, "NULL: none");
}

int main(void)
{
	test_akind();
	struct dns_info d;
	char name[DNSPARSE_NAME_MAX];
	unsigned labels = 0;
	size_t next = 0;

	/* NULL and empty */
	is(dnsparse_message(NULL, 0, DNSPARSE_FULL, &d), E_INVAL, "NULL wire: E_INVAL");
	is(dnsparse_message(q_plain, sizeof(q_plain), DNSPARSE_FULL, NULL), E_INVAL, "NULL out: E_INVAL");
	is(dnsparse_message(q_plain, 0, DNSPARSE_FULL, &d), E_TRUNCATED, "empty: E_TRUNCATED");
	is(dnsparse_message(q_plain, 11, DNSPARSE_FULL, &d), E_TRUNCATED, "11 bytes: E_TRUNCATED");
	is(dnsparse_name(NULL, 0, 0, name, sizeof(name), NULL, NULL), E_INVAL, "dnsparse_name NULL wire");
	is(dnsparse_name(q_plain, sizeof(q_plain), 12, NULL, 0, NULL, NULL), E_INVAL, "dnsparse_name NULL out");
	is(dnsparse_name(q_plain, sizeof(q_plain), 12, name, 0, NULL, NULL), E_SPACE, "dnsparse_name cap 0");
	is(dnsparse_name(q_plain, sizeof(q_plain), 12, name, 8, NULL, NULL), E_SPACE, "dnsparse_name cap 8");
	is(dnsparse_name(q_plain, sizeof(q_plain), 99, name, sizeof(name), NULL, NULL), E_TRUNCATED,
	    "dnsparse_name offset past end");
	is(dnsparse_label_text((const uint8_t *)"", 0, name), 0, "empty label prints nothing");

	/* plain query */
	is(PARSE(q_plain, DNSPARSE_FULL), E_OK, "plain query parses");
	is(d.id, 0xbeef, "id");
	is(d.flags, RF_RD, "flags RD only");
	is(d.opcode, 0, "opcode QUERY");
	is(d.rcode, 0, "rcode 0");
	is(d.qdcount, 1, "qdcount");
	is(d.has_question, 1, "has question");
	is_str(d.qname, "www.example.test", "qname lower-cased, no trailing dot");
	is(d.qname_len, 16, "qname_len");
	is(d.qname_labels, 3, "3 labels");
	is(d.qtype, 1, "qtype A");
	is(d.qclass, 1, "qclass IN");
	is(d.has_edns, 0, "no EDNS");
	is(d.size, sizeof(q_plain), "size");
	is(PARSE(q_plain, DNSPARSE_QUESTION), E_OK, "question-only mode");
	is_str(d.qname, "www.example.test", "question-only qname");

	/* EDNS response */
	is(PARSE(r_edns, DNSPARSE_FULL), E_OK, "EDNS response parses");
	is(d.flags, RF_QR | RF_AA | RF_RD, "flags QR AA RD");
	is(d.rcode, 3, "NXDOMAIN");
	is(d.nscount, 1, "nscount");
	is(d.arcount, 1, "arcount");
	is_str(d.qname, "nope.test", "qname");
	is(d.qtype, 28, "AAAA");
	is(d.has_edns, 1, "EDNS present");
	is(d.edns_udp, 1232, "udp 1232");
	is(d.edns_do, 1, "DO");
	is(d.edns_version, 0, "version 0");
	is(d.edns_ecs, 1, "ECS present");
	is(PARSE(r_edns, DNSPARSE_QUESTION), E_OK, "question-only mode on a response");
	is(d.has_edns, 0, "question-only mode does not look for OPT");
	is(dnsparse_name(r_edns, sizeof(r_edns), 27, name, sizeof(name), &labels, &next), 4,
	    "authority owner (pointer) decodes");
	is_str(name, "test", "pointer followed to 'test'");
	is(labels, 1, "1 label");
	is(next, 29, "next is just past the pointer");
	/* every truncation of the EDNS response fails, none reads past (ASan checks that) */
	{
		int bad = 0;
		for (size_t n = 0; n < sizeof(r_edns); n++)
			if (dnsparse_message(r_edns, n, DNSPARSE_FULL, &d) != E_TRUNCATED)
				bad++;
		is(bad, 0, "each of %zu truncations: E_TRUNCATED", sizeof(r_edns));
	}

	is(PARSE(r_noq, DNSPARSE_FULL), E_OK, "no question parses");
	is(d.has_question, 0, "no question");
	is_str(d.qname, "", "qname empty");
	is(d.flags, RF_QR | RF_TC | RF_AD | RF_CD, "flags QR TC AD CD");

	is(PARSE(q_root, DNSPARSE_FULL), E_OK, "root query parses");
	is_str(d.qname, ".", "root qname is '.'");
	is(d.qname_labels, 0, "root has 0 labels");
	is(d.opcode, 4, "opcode NOTIFY");

	/* hostile cases */
	is(PARSE(h_selfptr, DNSPARSE_FULL), E_LOOP, "self pointer: E_LOOP");
	is(d.has_question, 0, "... and no question kept");
	is(d.err_off, 12, "err_off at the pointer");
	is(PARSE(h_labelloop, DNSPARSE_FULL), E_MALFORMED, "loop through a label: name too long");
	is(PARSE(h_fwdptr, DNSPARSE_FULL), E_LOOP, "forward pointer: E_LOOP");
	ok(d.has_question && strcmp(d.qname, "x") == 0 && d.qtype == 1 && d.err_off == 12,
	    "... the qname followed forward all the same ('%s'), reported at 12: recordable, flagged", d.qname);
	is(PARSE(h_hdrptr, DNSPARSE_FULL), E_LOOP, "pointer into header: E_LOOP");
	is(d.has_question, 0, "... no question kept (its labels would be header bytes)");
	is(PARSE(h_oobptr, DNSPARSE_FULL), E_LOOP, "pointer beyond the end: E_LOOP (forward)");
	is(PARSE(h_label64, DNSPARSE_FULL), E_MALFORMED, "label 64: E_MALFORMED");
	is(PARSE(h_labelpast, DNSPARSE_FULL), E_TRUNCATED, "label past end: E_TRUNCATED");
	is(PARSE(h_noqtype, DNSPARSE_FULL), E_TRUNCATED, "question without type: E_TRUNCATED");
	is(PARSE(h_missing_an, DNSPARSE_FULL), E_TRUNCATED, "short RDATA: E_TRUNCATED");
	ok(d.has_question && strcmp(d.qname, "a") == 0, "... with the question kept (odd but real: recorded flagged)");
	is(PARSE(h_missing_an, DNSPARSE_QUESTION), E_OK, "... but question-only mode is fine");
	is(PARSE(h_twoopt, DNSPARSE_FULL), E_MALFORMED, "two OPTs: E_MALFORMED");
	is(d.err_off, 30, "err_off at the second OPT");
	ok(d.has_question && d.has_edns && d.edns_udp == 1024, "... question and the first OPT (udp 1024) kept");
	/* a response cut after its question (a capture's snap length): arcount 1 announced, nothing follows */
	is(dnsparse_message(h_twoopt, 19, DNSPARSE_FULL, &d), E_TRUNCATED, "cut after the question: E_TRUNCATED (counts do not fit)");
	ok(d.has_question && d.qtype == 1 && d.err_off == 4 && !d.has_edns, "... header and question kept, no EDNS");
	is(dnsparse_message(h_twoopt, 16, DNSPARSE_FULL, &d), E_TRUNCATED, "cut inside the question: E_TRUNCATED");
	is(d.has_question, 0, "... nothing kept");
	is(PARSE(r_optans, DNSPARSE_FULL), E_OK, "OPT in answer parses");
	is(d.has_edns, 0, "OPT in answer is not EDNS");
	is(PARSE(r_badvers, DNSPARSE_FULL), E_OK, "BADVERS parses");
	is(d.rcode, 16, "extended rcode 16 (BADVERS)");
	is(d.edns_version, 1, "version 1");
	is(d.edns_udp, 1024, "udp 1024");
	is(PARSE(r_badopt, DNSPARSE_FULL), E_OK, "malformed option list: message still parses");
	is(d.has_edns, 1, "EDNS present");
	is(d.edns_ecs, 0, "no ECS from a malformed option");
	is(PARSE(q_odd, DNSPARSE_FULL), E_OK, "odd bytes parse");
	is_str(d.qname, "a\\.b\\000\\255\\\\z", "odd bytes escaped: \\. \\000 \\255 \\\\, Z lower-cased");
	is(d.qname_labels, 1, "one label");
	is(PARSE(q_two, DNSPARSE_FULL), E_OK, "qdcount 2 parses");
	is_str(d.qname, "a.test", "first question reported");
	is(d.qtype, 1, "first question's type");
	is(dnsparse_name(q_two, sizeof(q_two), 24, name, sizeof(name), &labels, &next), 6,
	    "second question decodes through its pointer");
	is_str(name, "b.test", "b.test");

	/* a chain of 130 pointers, each to the previous one: over DNSPARSE_MAX_HOPS */
	{
		static uint8_t m[12 + 2 + 2 * 131 + 4];
		size_t o = 0;

		m[5] = 1;               /* qdcount 1; the question is the last pointer */
		/* @12: a name "x" (root-terminated), then pointers p[i] -> p[i-1] */
		m[12] = 1;
		m[13] = 'x';
		m[14] = 0;
		o = 15;
		for (int i = 0; i < 130; i++) {
			size_t target = i == 0 ? 12 : o - 2;
			m[o] = (uint8_t)(0xc0 | target >> 8);
			m[o + 1] = (uint8_t)target;
			o += 2;
		}
		is(dnsparse_name(m, o, o - 2, name, sizeof(name), NULL, NULL), E_LOOP,
		    "130 hops: E_LOOP");
		is(dnsparse_name(m, o, 15 + 2 * 100, name, sizeof(name), NULL, NULL), 1,
		    "101 hops: fine");
		is_str(name, "x", "... and lands on 'x'");
	}
	return done_testing();
}
