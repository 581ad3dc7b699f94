/* capd/dnsparse.h: fast DNS message parser for the hot path: header, first question, EDNS OPT; no allocation. */
#ifndef DNSA_CAPD_DNSPARSE_H
#define DNSA_CAPD_DNSPARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Longest presentation form of a name: 255 wire octets hold at most 253
 * label octets, each of which may print as "\DDD" (4 chars), plus dots.
 * 1024 leaves room and keeps the struct a round size.
 */
#define DNSPARSE_NAME_MAX 1024
#define DNSPARSE_LABELS_MAX 127   /* labels of a 255-octet name, the root excluded */

/*
 * Cap on the resource records walked (answer + authority + additional) to
 * find the OPT record. A message announcing more is parsed for header and
 * question only: dns_info.rr_capped is set, has_edns is 0 and rcode keeps
 * the 4-bit header value (the OPT, if any, is never looked for). A 64 KB
 * message can hold ~6000 RRs; real responses hold a few dozen, AXFR a few
 * hundred.
 */
#define DNSPARSE_MAX_RRS 1000

/* Compression pointer hops followed in one name (see dnsparse_name). */
#define DNSPARSE_MAX_HOPS 128

/* mode for dnsparse_message() */
enum dnsparse_mode {
	DNSPARSE_FULL = 0,     /* header, first question, framing of every RR, OPT */
	DNSPARSE_QUESTION = 1  /* header and first question only (queries: OPT is not looked for) */
};

/*
 * What the parser extracts. Filled by dnsparse_message(); fields after the header
 * are valid only as their presence flags say. Never holds a pointer into
 * the message, so it outlives the buffer.
 */
struct dns_info {
	uint16_t id;            /* header ID */
	uint16_t flags;         /* RF_* bits of common/record.h (QR AA TC RD RA AD CD) */
	uint8_t opcode;         /* 4-bit opcode */
	uint16_t rcode;         /* header rcode, extended to 12 bits by the OPT TTL when has_edns */
	uint16_t qdcount, ancount, nscount, arcount; /* header counts as sent */
	uint32_t size;          /* message size, bytes (the len passed in) */

	uint8_t has_question;   /* qdcount >= 1 and the first question parsed */
	uint8_t qname_labels;   /* labels in qname, root excluded (0 for ".") */
	uint16_t qname_len;     /* strlen(qname) */
	uint16_t qtype;
	uint16_t qclass;
	/*
	 * First question's name in presentation form: lower-case (A-Z only),
	 * no trailing dot except the root ".", unambiguous: '.', '\\', ';',
	 * '(' and ')' inside a label print as "\c"; bytes outside 0x21..0x7e
	 * print as "\DDD" (decimal). These are ldns_rdf2str's rules for
	 * dnames (the reference the tests compare with), except that we
	 * lower-case and drop the trailing dot.
	 */
	char qname[DNSPARSE_NAME_MAX];
	/*
	 * Where each of qname's qname_labels labels starts in qname (the first
	 * at 0, the next one after each separating dot), as zones_match_labels
	 * takes them: the parser knows the boundaries, so nobody rescans the
	 * text for unescaped dots. Only the first qname_labels are written.
	 */
	uint16_t qname_starts[DNSPARSE_LABELS_MAX];

	uint8_t has_edns;       /* an OPT RR was found in the additional section */
	uint8_t edns_version;   /* OPT TTL bits 16..23 */
	uint8_t edns_do;        /* DO bit (OPT TTL bit 15) */
	uint8_t edns_ecs;       /* an EDNS Client Subnet option (code 8) was present; its value is never read */
	uint16_t edns_udp;      /* OPT CLASS: advertised UDP payload size */

	uint8_t rr_capped;      /* more than DNSPARSE_MAX_RRS RRs announced: EDNS not looked for */
	uint8_t auth_ns;        /* an NS RR was framed in the authority section */
	uint8_t auth_soa;       /* an SOA RR was framed in the authority section */
	uint8_t sections_read;  /* answer and authority sections framed whole (auth_* complete) */
	uint32_t err_off;       /* on error: offset of the byte (or RR start) that failed the check */
};

/*
 * dnsparse: parse one DNS message from hostile bytes wire[0..len).
 * Never reads outside it, never allocates, no syscall. *out is fully
 * (re)written. Returns:
 *   E_OK         parsed (see mode)
 *   E_INVAL      wire or out NULL (out untouched when NULL)
 *   E_TRUNCATED  the message ends inside the header, a name, a question or
 *                an RR it announces; or its counts announce more questions
 *                and RRs than the bytes left could hold at their minimum
 *                sizes (5 and 11 octets; checked first, so a hostile count
 *                costs nothing)
 *   E_MALFORMED  label type 01/10 (length 64..191), name over 255 octets,
 *                more than one OPT in the additional section
 *   E_LOOP       a compression pointer that does not point strictly before
 *                itself (forward and self pointers), points into the header
 *                (< 12), or is the DNSPARSE_MAX_HOPS+1-th hop of a name.
 *                (A loop through labels ends as E_MALFORMED: name too long.)
 * On error the header fields (if len >= 12) and err_off are set. If
 * has_question is also set, the first question was read whole (qname,
 * qtype, qclass valid; EDNS fields valid when has_edns): the message broke
 * a rule only after it (RDATA or RRs cut short, counts higher than the
 * records present, a bad owner pointer, a second OPT: the first one's
 * values are kept), or its qname uses a forward pointer, which is then
 * followed (E_LOOP at the end). Such "odd but real" messages are what DSC
 * and tshark still count; capd records them flagged malformed (or cut,
 * when the capture cut them). Otherwise the rest of *out must not be used.
 * Names in RRs other than the first question are framed, not decompressed:
 * a pointer there is checked (backwards, >= 12) but not followed. RDATA
 * is skipped by RDLENGTH, except OPT's, whose options are walked to look
 * for ECS (a malformed option list ends the walk without error, as the
 * message is still a valid DNS message).
 *
 * Deliberate differences from ldns_wire2pkt, the reference (each one is a
 * rule checked by tests/unit/test_dnsparse_ldns.c):
 *  - ldns follows forward pointers and pointers into the header; we reject
 *    them (E_LOOP), except a forward pointer in the qname, which we follow
 *    and report (E_LOOP with has_question). ldns allows 65535 hops; we
 *    allow DNSPARSE_MAX_HOPS.
 *  - ldns keeps the last of several OPTs; we report E_MALFORMED (RFC 6891
 *    6.1.1) with the first one's values.
 *  - ldns rejects a message whose records are cut short or fewer than its
 *    counts say; we report the error with the question (has_question).
 *  - ldns parses RDATA and decompresses every name; we do neither for RRs
 *    we do not report, so bad RDATA or a bad pointer target there passes.
 *  - ldns ends an RR where its RDATA parse ends, even past or short of
 *    RDLENGTH; we trust RDLENGTH (RFC 1035 4.1.3).
 *  - over DNSPARSE_MAX_RRS RRs we do not look for the OPT (rr_capped).
 */
int dnsparse_message(const uint8_t *wire, size_t len, enum dnsparse_mode mode, struct dns_info *out);

/*
 * dnsparse_akind: the answer kind (enum dnsa_akind of common/record.h) of a
 * response parsed by dnsparse (DNSPARSE_FULL), from its rcode, AA and TC
 * flags, answer count and authority NS (docs/sql.md "Answer kinds"):
 *   NXDOMAIN, REFUSED      by rcode
 *   NOERROR, TC            other (the sections are not all there)
 *   NOERROR, AA, ANCOUNT>0 answer;  AA, ANCOUNT=0 nodata
 *   NOERROR, no AA, ANCOUNT=0, an NS in authority: referral
 *   anything else (other rcodes, opcodes other than QUERY, NOERROR without
 *   AA with answers or without NS, sections not read): other
 * AK_NONE for NULL or a message that is not a response (QR clear). Cannot fail.
 */
unsigned dnsparse_akind(const struct dns_info *d);

/*
 * dnsparse_name: decode the (possibly compressed) name starting at wire[off]
 * into out[0..cap) in the presentation form described for dns_info.qname,
 * following compression pointers under the rules of dnsparse_message(). *labels
 * (if not NULL) gets the label count, *next (if not NULL) the offset just
 * past the name as it sits at off. Returns the string length (>= 1), or
 * E_INVAL (NULL wire/out), E_SPACE (cap too small; cap >= DNSPARSE_NAME_MAX
 * never fails so), or the dnsparse_message() name errors.
 */
int dnsparse_name(const uint8_t *wire, size_t len, size_t off, char *out, size_t cap,
    unsigned *labels, size_t *next);

/*
 * dnsparse_label_text: print one label's bytes (lab[0..n), n <= 63) in that
 * presentation form into out, which must hold 4 * n bytes. Returns the
 * length written (no NUL). Cannot fail. For zones.c, which canonicalises
 * configured names the same way.
 */
size_t dnsparse_label_text(const uint8_t *lab, size_t n, char *out);

#endif
