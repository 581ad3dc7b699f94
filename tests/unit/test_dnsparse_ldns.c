/* tests/unit/test_dnsparse_ldns.c: differential test of capd/dnsparse against ldns_wire2pkt (the reference). */
/*
 * Inputs: (a) every DNS message (queries and responses) of the real Knot
 * capture tests/data/realservers/samples/knot.fstrm, read with libfstrm's
 * file reader and capd's dnstap_decode; (a') the same with an OPT appended
 * (the capture has no EDNS); (b) generated odd packets; (c) every
 * truncation of 200 real responses with OPT; (d) 20000 seeded random
 * mutations of (a) and (a').
 *
 * Per message, both parsers run; the verdict is one of:
 *   AGREE      both accept and every field is equal
 *   BOTH_REJ   both reject
 *   R_LOOP     dnsparse E_LOOP, ldns accepts: the byte at err_off is a
 *              compression pointer to an offset >= its own or < 12 (ldns
 *              follows forward pointers and pointers into the header;
 *              we require pointers to prior occurrences, RFC 1035 4.1.4)
 *   R_TWO_OPT  dnsparse E_MALFORMED, ldns accepts: err_off starts an RR of
 *              type OPT in the additional section and ldns saw EDNS (a
 *              second OPT: RFC 6891 6.1.1 says FORMERR; ldns keeps the
 *              last one)
 *   R_RRDATA   dnsparse accepts, ldns rejects: ldns accepts the same
 *              message with ANCOUNT/NSCOUNT/ARCOUNT zeroed and agrees on
 *              header and question (we frame RRs but neither parse RDATA
 *              nor follow pointers in names we do not report; ldns does
 *              both). EDNS of such messages is not verified.
 *   R_RDLEN    ldns accepts and dnsparse rejects, or both accept with a
 *              different EDNS result, and ldns's RDATA parse of some RR
 *              ends elsewhere than its RDLENGTH says (ldns then reads the
 *              next RR from where its RDATA parse stopped; we trust
 *              RDLENGTH, RFC 1035 4.1.3). Checked by walking the RRs with
 *              ldns_wire2rr and comparing each end with owner + 10 + RDLENGTH.
 *   CAPPED     both accept, dnsparse set rr_capped (more than
 *              DNSPARSE_MAX_RRS RRs): every field but EDNS agrees
 *   FAIL       anything else (a bug on one side or the other)
 * Lenient reading: when dnsparse rejects a message but keeps its header
 * and first question (has_question: what capd records, flagged cut or
 * malformed), those must equal ldns's reading of the header and question
 * alone: the message cut right after the question with the counts set to
 * one question and no RRs (so ldns sees only what capd claims to have
 * read; a qname forward pointer is resolved by ldns from the full buffer
 * first). Each generated odd case states whether it is recorded so.
 * Field mapping: ldns arcount excludes the OPT (ldns subtracts it); ldns
 * owner text has a trailing dot and original case; ldns rcode is 4 bits
 * plus edns_extended_rcode.
 */
#include <ldns/ldns.h>
#include <fstrm.h>
#include <stdlib.h>
#include <string.h>

#include "capd/dnsparse.h"
#include "capd/dnstap.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

#define KNOT_FSTRM "tests/data/realservers/samples/knot.fstrm" /* tests run from the top of the tree */

enum verdict { AGREE, BOTH_REJ, R_LOOP, R_TWO_OPT, R_RRDATA, R_RDLEN, CAPPED, FAIL, V_MAX };
static const char *vname[V_MAX] = { "agree", "both-rejected", "rule-loop", "rule-two-opt",
	"rule-rrdata", "rule-rdlength", "capped", "FAIL" };

struct stats {
	unsigned n[V_MAX];
	unsigned total;
	unsigned fail_shown;
	unsigned qr[2], edns, ecs; /* among AGREE: queries, responses, with OPT, with ECS */
	unsigned lenient;          /* rejected but header and question kept (has_question): recorded flagged */
	unsigned lenient_bad;      /* ... whose header or question differs from ldns's reading of them */
};

static char why[2600]; /* why the last compare failed */

/* ---- what ldns says, in dnsparse's terms ---- */

struct ref {
	struct dns_info d; /* qname etc. filled from ldns */
	int edns_present;
};

static void ref_from_ldns(ldns_pkt *p, struct ref *r)
{
	ldns_rr_list *q = ldns_pkt_question(p);
	struct dns_info *d = &r->d;

	memset(r, 0, sizeof(*r));
	d->id = ldns_pkt_id(p);
	d->flags = (uint16_t)((ldns_pkt_qr(p) ? RF_QR : 0) | (ldns_pkt_aa(p) ? RF_AA : 0) |
	    (ldns_pkt_tc(p) ? RF_TC : 0) | (ldns_pkt_rd(p) ? RF_RD : 0) | (ldns_pkt_ra(p) ? RF_RA : 0) |
	    (ldns_pkt_ad(p) ? RF_AD : 0) | (ldns_pkt_cd(p) ? RF_CD : 0));
	d->opcode = (uint8_t)ldns_pkt_get_opcode(p);
	r->edns_present = p->_edns_present != 0;
	d->rcode = ldns_pkt_get_rcode(p);
	if (r->edns_present)
		d->rcode = (uint16_t)(ldns_pkt_edns_extended_rcode(p) << 4 | d->rcode);
	d->qdcount = ldns_pkt_qdcount(p);
	d->ancount = ldns_pkt_ancount(p);
	d->nscount = ldns_pkt_nscount(p);
	d->arcount = (uint16_t)(ldns_pkt_arcount(p) + (r->edns_present ? 1 : 0));
	if (q != NULL && ldns_rr_list_rr_count(q) > 0) {
		ldns_rr *rr = ldns_rr_list_rr(q, 0);
		char *s = ldns_rdf2str(ldns_rr_owner(rr));
		size_t n = strlen(s);

		if (n > 1 && s[n - 1] == '.')
			s[--n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (s[i] >= 'A' && s[i] <= 'Z')
				s[i] = (char)(s[i] + 32);
		snprintf(d->qname, sizeof(d->qname), "%s", s);
		free(s);
		d->has_question = 1;
		d->qname_labels = (uint8_t)ldns_dname_label_count(ldns_rr_owner(rr));
		d->qtype = (uint16_t)ldns_rr_get_type(rr);
		d->qclass = (uint16_t)ldns_rr_get_class(rr);
	}
	if (r->edns_present) {
		ldns_rdf *data = ldns_pkt_edns_data(p);

		d->has_edns = 1;
		d->edns_version = ldns_pkt_edns_version(p);
		d->edns_do = ldns_pkt_edns_do(p);
		d->edns_udp = ldns_pkt_edns_udp_size(p);
		/* ECS: an option of code 8 in the well-formed prefix of the option list */
		if (data != NULL) {
			const uint8_t *o = ldns_rdf_data(data);
			size_t len = ldns_rdf_size(data), i = 0;

			while (len - i >= 4) {
				size_t ol = (size_t)(o[i + 2] << 8 | o[i + 3]);

				if (len - i - 4 < ol)
					break;
				if ((o[i] << 8 | o[i + 1]) == 8)
					d->edns_ecs = 1;
				i += 4 + ol;
			}
		}
	}
}

#define CMP(f) do { if (a->f != b->f) { \
	snprintf(why, sizeof(why), #f ": dnsparse %ld ldns %ld", (long)a->f, (long)b->f); return 0; } } while (0)

/* header + question fields; EDNS too when with_edns */
static int same(const struct dns_info *a, const struct dns_info *b, int with_edns)
{
	CMP(id); CMP(flags); CMP(opcode); CMP(qdcount); CMP(ancount); CMP(nscount);
	CMP(has_question);
	if (with_edns) {
		CMP(rcode); CMP(arcount); CMP(has_edns); CMP(edns_version); CMP(edns_do);
		CMP(edns_udp); CMP(edns_ecs);
	} else if ((a->rcode & 0x0f) != (b->rcode & 0x0f)) {
		snprintf(why, sizeof(why), "rcode low bits: %u vs %u", a->rcode, b->rcode);
		return 0;
	}
	if (a->has_question) {
		CMP(qtype); CMP(qclass); CMP(qname_labels);
		if (strcmp(a->qname, b->qname) != 0) {
			snprintf(why, sizeof(why), "qname: dnsparse '%s' ldns '%s'", a->qname, b->qname);
			return 0;
		}
		if (a->qname_len != strlen(a->qname)) {
			snprintf(why, sizeof(why), "qname_len %u != strlen", a->qname_len);
			return 0;
		}
	}
	return 1;
}

/* type of the RR starting at off (its owner name parsed by ldns), -1 if none */
static int rr_type_at(const uint8_t *w, size_t len, size_t off)
{
	ldns_rdf *name = NULL;
	size_t pos = off;

	if (ldns_wire2dname(&name, w, len, &pos) != LDNS_STATUS_OK)
		return -1;
	ldns_rdf_deep_free(name);
	if (pos + 2 > len)
		return -1;
	return w[pos] << 8 | w[pos + 1];
}

/* 1 if ldns_wire2rr ends some RR elsewhere than owner + 10 + RDLENGTH, before any ldns error */
static int ldns_rdlen_mismatch(const uint8_t *w, size_t len)
{
	size_t pos = 12;
	unsigned qd, rrs;

	if (len < 12)
		return 0;
	qd = (unsigned)(w[4] << 8 | w[5]);
	rrs = (unsigned)(w[6] << 8 | w[7]) + (unsigned)(w[8] << 8 | w[9]) + (unsigned)(w[10] << 8 | w[11]);
	for (unsigned i = 0; i < qd + rrs; i++) {
		ldns_rdf *name = NULL;
		ldns_rr *rr = NULL;
		size_t p1 = pos, q = pos, end;
		ldns_status st;

		if (ldns_wire2dname(&name, w, len, &p1) != LDNS_STATUS_OK)
			return 0;
		ldns_rdf_deep_free(name);
		if (i < qd) {
			pos = p1 + 4;
			continue;
		}
		if (p1 + 10 > len)
			return 0;
		end = p1 + 10 + (size_t)(w[p1 + 8] << 8 | w[p1 + 9]);
		st = ldns_wire2rr(&rr, w, len, &q, LDNS_SECTION_ANSWER);
		ldns_rr_free(rr);
		if (st != LDNS_STATUS_OK)
			return 0;
		if (q != end)
			return 1;
		pos = q;
	}
	return 0;
}

static enum verdict compare(const uint8_t *w, size_t len, struct dns_info *mine)
{
	ldns_pkt *p = NULL;
	struct ref r;
	int rc = dnsparse_message(w, len, DNSPARSE_FULL, mine);
	ldns_status ls = ldns_wire2pkt(&p, w, len);
	enum verdict v = FAIL;

	why[0] = '\0';
	if (rc == E_OK && ls == LDNS_STATUS_OK) {
		ref_from_ldns(p, &r);
		if (mine->rr_capped)
			v = same(mine, &r.d, 0) ? CAPPED : FAIL;
		else if (same(mine, &r.d, 1))
			v = AGREE;
		else if (same(mine, &r.d, 0) && ldns_rdlen_mismatch(w, len))
			v = R_RDLEN;
	} else if (rc != E_OK && ls != LDNS_STATUS_OK) {
		v = BOTH_REJ;
	} else if (rc == E_LOOP) {
		size_t o = mine->err_off;

		if (o + 1 < len && (w[o] & 0xc0) == 0xc0) {
			size_t t = (size_t)(w[o] & 0x3f) << 8 | w[o + 1];
			if (t >= o || t < 12)
				v = R_LOOP;
		}
		if (v == FAIL)
			snprintf(why, sizeof(why), "E_LOOP at %u not a forward/header pointer", mine->err_off);
	} else if (rc == E_MALFORMED && p->_edns_present && mine->err_off > 12 &&
	    rr_type_at(w, len, mine->err_off) == 41) {
		v = R_TWO_OPT;
	} else if (rc != E_OK) {
		if (ldns_rdlen_mismatch(w, len))
			v = R_RDLEN;
		else
			snprintf(why, sizeof(why), "dnsparse %s at %u, ldns accepts", dnsa_strerror(rc),
			    mine->err_off);
	} else {
		/* dnsparse accepts, ldns rejects: must be RR content beyond the question */
		uint8_t *cut = malloc(len);
		ldns_pkt *p2 = NULL;

		memcpy(cut, w, len);
		memset(cut + 6, 0, 6);
		if (ldns_wire2pkt(&p2, cut, len) == LDNS_STATUS_OK) {
			ref_from_ldns(p2, &r);
			r.d.arcount = mine->arcount;
			r.d.ancount = mine->ancount;
			r.d.nscount = mine->nscount;
			if (same(mine, &r.d, 0))
				v = R_RRDATA;
		} else {
			snprintf(why, sizeof(why), "ldns rejects (%s) even header+question",
			    ldns_get_errorstr_by_id(ls));
		}
		ldns_pkt_free(p2);
		free(cut);
	}
	ldns_pkt_free(p);
	return v;
}


/*
 * dnsparse rejected w but kept the question: ldns must read the same
 * header and question from the header and question alone.
 */
static int lenient_ok(const uint8_t *w, size_t len, const struct dns_info *mine)
{
	uint8_t *b = malloc(len);
	ldns_pkt *p = NULL;
	struct ref r;
	int good = 0;

	memcpy(b, w, len);
	b[4] = 0; b[5] = 1;
	memset(b + 6, 0, 6);
	if (ldns_wire2pkt(&p, b, len) == LDNS_STATUS_OK) {
		ref_from_ldns(p, &r);
		r.d.qdcount = mine->qdcount;
		r.d.ancount = mine->ancount;
		r.d.nscount = mine->nscount;
		good = same(mine, &r.d, 0);
	} else {
		snprintf(why, sizeof(why), "lenient: ldns rejects the header and question alone");
	}
	ldns_pkt_free(p);
	free(b);
	return good;
}

static void hexdump(const uint8_t *w, size_t len)
{
	char line[3 * 32 + 1];
	size_t o = 0;

	for (size_t i = 0; i < len && i < 256; i++) {
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%02x ", w[i]);
		if (i % 32 == 31 || i + 1 == len || i == 255) {
			diag("%04zx: %s", i - i % 32, line);
			o = 0;
		}
	}
}

static int last_lenient; /* the last run: 1 recorded leniently (header and question kept), 2 kept but wrong */

static enum verdict run(struct stats *st, const uint8_t *msg, size_t len, const char *what)
{
	struct dns_info d;
	/* an exact-size copy, so that ASan (make SAN=1) catches any read past the end */
	uint8_t *w = malloc(len ? len : 1);
	enum verdict v;

	memcpy(w, msg, len);
	v = compare(w, len, &d);
	last_lenient = 0;
	if (v != AGREE && v != CAPPED && v != R_RDLEN && v != R_RRDATA && d.has_question) {
		last_lenient = 1;
		st->lenient++;
		if (!lenient_ok(w, len, &d)) {
			st->lenient_bad++;
			last_lenient = 2;
			if (st->fail_shown++ < 5)
				diag("LENIENT MISMATCH %s (len %zu): %s", what, len, why);
		}
	}
	if (v == AGREE) {
		st->qr[(d.flags & RF_QR) ? 1 : 0]++;
		st->edns += d.has_edns;
		st->ecs += d.edns_ecs;
	}

	st->n[v]++;
	st->total++;
	if (v == FAIL && st->fail_shown++ < 5) {
		diag("FAIL %s (len %zu): %s", what, len, why);
		hexdump(w, len);
	}
	free(w);
	return v;
}

static void report(const char *name, const struct stats *st)
{
	diag("%s: %u compared: %u agreed, %u both rejected, %u rule-loop, %u rule-two-opt, "
	    "%u rule-rrdata, %u rule-rdlength, %u capped, %u FAILED", name, st->total, st->n[AGREE],
	    st->n[BOTH_REJ], st->n[R_LOOP], st->n[R_TWO_OPT], st->n[R_RRDATA], st->n[R_RDLEN],
	    st->n[CAPPED], st->n[FAIL]);
	diag("%s: agreed ones: %u queries, %u responses, %u with OPT, %u with ECS", name, st->qr[0],
	    st->qr[1], st->edns, st->ecs);
	diag("%s: %u rejected but recorded with header and question (%u of them differing from ldns)", name,
	    st->lenient, st->lenient_bad);
}

/* ---- corpus (a): the real Knot capture ---- */

struct corpus {
	uint8_t *buf;
	size_t len, cap;
	size_t *off;    /* message i at buf + off[i], length off[i+1] - off[i] */
	size_t n, ncap;
};

static void corpus_add(struct corpus *c, const uint8_t *m, size_t len)
{
	if (c->len + len > c->cap) {
		c->cap = (c->len + len) * 2;
		c->buf = realloc(c->buf, c->cap);
	}
	if (c->n + 2 > c->ncap) {
		c->ncap = c->ncap ? c->ncap * 2 : 1024;
		c->off = realloc(c->off, c->ncap * sizeof(*c->off));
	}
	memcpy(c->buf + c->len, m, len);
	c->off[c->n++] = c->len;
	c->len += len;
	c->off[c->n] = c->len;
}

static int corpus_load(struct corpus *c, const char *path, unsigned *frames, unsigned *bad)
{
	struct fstrm_file_options *fo = fstrm_file_options_init();
	struct fstrm_reader *r;
	const uint8_t *data;
	size_t dlen;

	fstrm_file_options_set_file_path(fo, path);
	r = fstrm_file_reader_init(fo, NULL);
	fstrm_file_options_destroy(&fo);
	if (r == NULL)
		return -1;
	while (fstrm_reader_read(r, &data, &dlen) == fstrm_res_success) {
		struct capd_msg m;

		(*frames)++;
		if (dnstap_decode(data, dlen, &m) != E_OK) {
			(*bad)++;
			continue;
		}
		if (m.dns != NULL)
			corpus_add(c, m.dns, m.dns_len);
		if (m.query_dns != NULL)
			corpus_add(c, m.query_dns, m.query_dns_len);
	}
	fstrm_reader_destroy(&r);
	return 0;
}

/* ---- message builder for the generated corpus ---- */

struct mb {
	uint8_t b[65535];
	size_t n;
};

static void mb_u8(struct mb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void mb_u16(struct mb *m, unsigned v) { mb_u8(m, v >> 8); mb_u8(m, v & 0xff); }
static void mb_u32(struct mb *m, uint32_t v) { mb_u16(m, v >> 16); mb_u16(m, v & 0xffff); }
static void mb_hdr(struct mb *m, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	mb_u16(m, 0x1234); mb_u16(m, flags); mb_u16(m, qd); mb_u16(m, an); mb_u16(m, ns); mb_u16(m, ar);
}
/* dotted name, no escapes; "." is the root */
static void mb_name(struct mb *m, const char *s)
{
	while (*s && strcmp(s, ".") != 0) {
		const char *d = strchr(s, '.');
		size_t l = d ? (size_t)(d - s) : strlen(s);

		mb_u8(m, (unsigned)l);
		memcpy(m->b + m->n, s, l);
		m->n += l;
		s += l + (d ? 1 : 0);
	}
	mb_u8(m, 0);
}
static void mb_rr(struct mb *m, unsigned type, unsigned cls, uint32_t ttl, unsigned rdlen)
{
	mb_u16(m, type); mb_u16(m, cls); mb_u32(m, ttl); mb_u16(m, rdlen);
}
/* an A record whose owner is a pointer to the qname */
static void mb_a(struct mb *m)
{
	mb_u16(m, 0xc00c); mb_rr(m, 1, 1, 300, 4); mb_u32(m, 0xc0000201);
}
static void mb_opt(struct mb *m, unsigned udp, uint8_t ext, uint8_t ver, int dobit, int ecs)
{
	mb_u8(m, 0);
	mb_rr(m, 41, udp, (uint32_t)ext << 24 | (uint32_t)ver << 16 | (dobit ? 0x8000u : 0),
	    ecs ? 4 + 8 + 4 + 7 : 4 + 8);
	mb_u16(m, 10); mb_u16(m, 8); mb_u32(m, 0x01020304); mb_u32(m, 0x05060708); /* COOKIE */
	if (ecs) {
		mb_u16(m, 8); mb_u16(m, 7); mb_u16(m, 1); mb_u8(m, 24); mb_u8(m, 0);
		mb_u8(m, 192); mb_u8(m, 0); mb_u8(m, 2);
	}
}

static struct mb M;

/* one generated case: expected verdict and, if dnsparse accepts, the checks below */
/* rec: capd records it (accepted, or rejected with header and question kept: flagged malformed) */
static void gen(struct stats *st, const char *what, enum verdict want, int rec)
{
	enum verdict v = run(st, M.b, M.n, what);
	int recorded = v == AGREE || v == CAPPED || v == R_RDLEN || v == R_RRDATA || last_lenient == 1;

	if (v != want)
		diag("%s: %s", what, why);
	is(v, want, "generated: %s -> %s", what, vname[want]);
	is(recorded, rec, "generated: %s: %s", what, rec ? (last_lenient ? "recorded, flagged malformed" : "recorded")
	    : "not recorded (no readable question)");
}

static void generated(struct stats *st)
{
	struct dns_info d;

	/* plain query and response */
	mb_hdr(&M, 0x0100, 1, 0, 0, 0); mb_name(&M, "www.Example.TEST"); mb_u16(&M, 1); mb_u16(&M, 1);
	gen(st, "query, mixed case", AGREE, 1);
	mb_hdr(&M, 0x8580, 1, 2, 0, 1); mb_name(&M, "www.example.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_a(&M); mb_a(&M); mb_opt(&M, 1232, 0, 0, 1, 0);
	gen(st, "response, 2 answers, OPT DO", AGREE, 1);

	/* no question */
	mb_hdr(&M, 0x8000, 0, 0, 0, 0);
	gen(st, "no question", AGREE, 1);
	/* qdcount 2 */
	mb_hdr(&M, 0x0000, 2, 0, 0, 0); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_u8(&M, 1); mb_u8(&M, 'b'); mb_u16(&M, 0xc00e); mb_u16(&M, 28); mb_u16(&M, 1);
	gen(st, "qdcount 2, second compressed", AGREE, 1);
	/* qdcount 2 but only one question */
	mb_hdr(&M, 0x0000, 2, 0, 0, 0); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_u8(&M, 0); mb_u8(&M, 0);
	gen(st, "qdcount 2, one question present", BOTH_REJ, 1);

	/* compression loops and bad pointers */
	mb_hdr(&M, 0, 1, 0, 0, 0); mb_u16(&M, 0xc00c); mb_u16(&M, 1); mb_u16(&M, 1);
	gen(st, "qname pointer to itself", BOTH_REJ, 0);
	mb_hdr(&M, 0, 1, 0, 0, 0); mb_u8(&M, 1); mb_u8(&M, 'a'); mb_u16(&M, 0xc00c); mb_u16(&M, 1);
	mb_u16(&M, 1);
	gen(st, "qname loop through a label", BOTH_REJ, 0);
	mb_hdr(&M, 0, 1, 0, 0, 0); mb_u16(&M, 0xc012); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_name(&M, "fwd.test");
	gen(st, "qname pointer forward (ldns follows it)", R_LOOP, 1);
	mb_hdr(&M, 0, 1, 0, 0, 0); mb_u16(&M, 0xc005); mb_u16(&M, 1); mb_u16(&M, 1);
	gen(st, "qname pointer into the header (ldns reads header bytes as labels)", R_LOOP, 0);
	mb_hdr(&M, 0, 1, 0, 0, 0); mb_u16(&M, 0xffff); mb_u16(&M, 1); mb_u16(&M, 1);
	gen(st, "qname pointer out of bounds", BOTH_REJ, 0);
	mb_hdr(&M, 0, 1, 0, 0, 0); mb_u8(&M, 0xc0);
	gen(st, "qname half a pointer", BOTH_REJ, 0);
	mb_hdr(&M, 0x8000, 1, 1, 0, 0); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_u16(&M, 0xc000 | 24); mb_rr(&M, 1, 1, 0, 4); mb_u32(&M, 0);
	gen(st, "answer owner pointer to itself", BOTH_REJ, 1);
	mb_hdr(&M, 0x8000, 1, 1, 0, 0); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_u16(&M, 0xc000 | 28); mb_rr(&M, 1, 1, 0, 4); mb_u32(&M, 0);
	gen(st, "answer owner pointer forward into its own TYPE (ldns: root)", R_LOOP, 1);
	mb_hdr(&M, 0x8000, 1, 1, 0, 0); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_u16(&M, 0xc000 | 38); mb_rr(&M, 1, 1, 0, 4); mb_u32(&M, 0); mb_name(&M, "x.test");
	gen(st, "answer owner pointer forward to a valid name", R_LOOP, 1);

	/* label and name limits */
	mb_hdr(&M, 0, 1, 0, 0, 0); mb_u8(&M, 64); for (int i = 0; i < 64; i++) mb_u8(&M, 'a');
	mb_u8(&M, 0); mb_u16(&M, 1); mb_u16(&M, 1);
	gen(st, "label of 64", BOTH_REJ, 0);
	mb_hdr(&M, 0, 1, 0, 0, 0); mb_u8(&M, 0x80); mb_u8(&M, 0); mb_u16(&M, 1); mb_u16(&M, 1);
	gen(st, "label type 10", BOTH_REJ, 0);
	/* 255 octets exactly: 3 x (1+63) + (1+61) + root; every odd byte value inside */
	mb_hdr(&M, 0, 1, 0, 0, 0);
	for (int l = 0, v = 0; l < 4; l++) {
		int n = l < 3 ? 63 : 61;

		mb_u8(&M, (unsigned)n);
		for (int i = 0; i < n; i++)
			mb_u8(&M, (unsigned)(v++ * 7 % 256));
	}
	mb_u8(&M, 0); mb_u16(&M, 1); mb_u16(&M, 1);
	gen(st, "name of 255 octets with every kind of byte", AGREE, 1);
	dnsparse_message(M.b, M.n, DNSPARSE_FULL, &d);
	ok(strstr(d.qname, "\\000") && strstr(d.qname, "\\.") && strstr(d.qname, "\\\\") &&
	    strstr(d.qname, "\\255") && !strpbrk(d.qname, "ABCZ"), "escapes \\000 \\. \\\\ \\255, lower case");
	mb_hdr(&M, 0, 1, 0, 0, 0);
	for (int l = 0; l < 4; l++) {
		mb_u8(&M, 63);
		for (int i = 0; i < 63; i++)
			mb_u8(&M, 'x');
	}
	mb_u8(&M, 0); mb_u16(&M, 1); mb_u16(&M, 1);
	gen(st, "name of 257 octets", BOTH_REJ, 0);

	/* EDNS placement and content */
	mb_hdr(&M, 0x8000, 1, 1, 0, 0); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_opt(&M, 4096, 0, 0, 1, 0);
	gen(st, "OPT in the answer section (not EDNS)", AGREE, 1);
	mb_hdr(&M, 0x8000, 1, 0, 0, 2); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_opt(&M, 4096, 0, 0, 1, 0); mb_opt(&M, 512, 0, 0, 0, 1);
	gen(st, "two OPTs", R_TWO_OPT, 1);
	mb_hdr(&M, 0, 1, 0, 0, 1); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_opt(&M, 1400, 0, 0, 0, 1);
	gen(st, "OPT with ECS", AGREE, 1);
	dnsparse_message(M.b, M.n, DNSPARSE_FULL, &d);
	ok(d.has_edns && d.edns_ecs && d.edns_udp == 1400 && !d.edns_do, "ECS seen, udp 1400, no DO");
	mb_hdr(&M, 0x8000, 1, 0, 0, 1); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_opt(&M, 1232, 1, 0, 0, 0);
	gen(st, "extended rcode BADVERS", AGREE, 1);
	dnsparse_message(M.b, M.n, DNSPARSE_FULL, &d);
	is(d.rcode, 16, "BADVERS is rcode 16");
	mb_hdr(&M, 0x8003, 1, 0, 0, 1); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_opt(&M, 1232, 0xff, 1, 1, 0);
	gen(st, "extended rcode 0xff3, version 1", AGREE, 1);
	dnsparse_message(M.b, M.n, DNSPARSE_FULL, &d);
	is(d.rcode, 0xff3, "rcode 0xff3");
	mb_hdr(&M, 0, 1, 0, 0, 1); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_u8(&M, 0); mb_rr(&M, 41, 1232, 0, 6); mb_u16(&M, 10); mb_u16(&M, 9); mb_u16(&M, 0);
	gen(st, "OPT with an overlong option (kept, no ECS)", AGREE, 1);
	mb_hdr(&M, 0, 1, 0, 0, 1); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_u8(&M, 0); mb_rr(&M, 41, 1232, 0, 10);
	gen(st, "OPT RDATA past the end", BOTH_REJ, 1);

	/* many RRs */
	mb_hdr(&M, 0x8400, 1, 900, 0, 1); mb_name(&M, "many.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	for (int i = 0; i < 900; i++)
		mb_a(&M);
	mb_opt(&M, 1232, 0, 0, 1, 0);
	gen(st, "900 answers then OPT", AGREE, 1);
	mb_hdr(&M, 0x8400, 1, 1500, 0, 1); mb_name(&M, "many.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	for (int i = 0; i < 1500; i++)
		mb_a(&M);
	mb_opt(&M, 1232, 0, 0, 1, 0);
	gen(st, "1500 answers (over the RR cap)", CAPPED, 1);
	dnsparse_message(M.b, M.n, DNSPARSE_FULL, &d);
	ok(d.rr_capped && !d.has_edns && d.has_question, "capped: question kept, EDNS not looked for");
	mb_hdr(&M, 0x8400, 1, 60000, 0, 0); mb_name(&M, "many.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	for (int i = 0; i < 100; i++)
		mb_a(&M);
	gen(st, "ANCOUNT 60000 in a small message", BOTH_REJ, 1);
	/* RR with RDATA ldns dislikes but whose framing is sound */
	mb_hdr(&M, 0x8000, 1, 1, 0, 0); mb_name(&M, "a.test"); mb_u16(&M, 1); mb_u16(&M, 1);
	mb_u16(&M, 0xc00c); mb_rr(&M, 2, 1, 0, 2); mb_u16(&M, 0xc0ff);
	gen(st, "NS RDATA with a bad pointer", R_RRDATA, 1);
	/* MX RDLENGTH 3 but a 2+5 octet RDATA: ldns parses the name past RDLENGTH */
	mb_hdr(&M, 0x8000, 1, 1, 0, 1); mb_name(&M, "a.test"); mb_u16(&M, 15); mb_u16(&M, 1);
	mb_u16(&M, 0xc00c); mb_rr(&M, 15, 1, 0, 3); mb_u16(&M, 5); mb_u8(&M, 2); mb_u8(&M, 'm');
	mb_u8(&M, 'x'); mb_u16(&M, 0xc00c); mb_opt(&M, 1232, 0, 0, 1, 0);
	gen(st, "MX RDATA longer than RDLENGTH", R_RDLEN, 1);
}

/* ---- (c) truncation, (d) mutation ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull; /* fixed seed: the same mutations every run */
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void mutate_one(uint8_t *b, size_t *len)
{
	size_t n = *len;
	size_t at = (size_t)(rnd() % n);

	switch (rnd() % 6) {
	case 0: b[at] ^= (uint8_t)(1u << (rnd() % 8)); break;          /* bit flip */
	case 1: b[at] = (uint8_t)rnd(); break;                           /* random byte */
	case 2: if (at + 1 < n) { b[at] = (uint8_t)(0xc0 | (rnd() & 1)); b[at + 1] = (uint8_t)rnd(); }
		break;                                                   /* plant a pointer */
	case 3: *len = at + 1; break;                                    /* truncate */
	case 4: b[4 + rnd() % 8] = (uint8_t)(rnd() % 3); break;          /* poke a count */
	default: b[at] = (uint8_t)(rnd() % 64); break;                   /* plausible label length */
	}
}

/*
 * A copy of a real message with an OPT appended (ARCOUNT + 1): random UDP
 * size, version, DO, extended rcode, and options (COOKIE, ECS, padding)
 * in a random mix. The capture has no EDNS (dnsperf sends none); this is
 * how EDNS meets the differential test on real message bodies.
 */
static size_t with_opt(const uint8_t *w, size_t len, uint8_t *out)
{
	uint64_t r = rnd();
	size_t o = len, rdl_at;
	uint16_t ar;

	memcpy(out, w, len);
	ar = (uint16_t)((out[10] << 8 | out[11]) + 1);
	out[10] = (uint8_t)(ar >> 8);
	out[11] = (uint8_t)ar;
	out[o++] = 0;                                   /* root owner */
	out[o++] = 0; out[o++] = 41;                    /* OPT */
	out[o++] = (uint8_t)(r >> 8); out[o++] = (uint8_t)r;       /* UDP size */
	out[o++] = (r >> 16) % 4 == 0 ? (uint8_t)(r >> 24) : 0;  /* extended rcode, sometimes */
	out[o++] = (r >> 32) % 8 == 0 ? 1 : 0;                   /* version */
	out[o++] = (uint8_t)((r >> 35) & 0x80);                   /* DO */
	out[o++] = 0;
	rdl_at = o;
	o += 2;
	if (r >> 40 & 1) {                              /* COOKIE */
		static const uint8_t ck[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
		memcpy(out + o, ck, sizeof(ck));
		o += sizeof(ck);
	}
	if (r >> 41 & 1) {                              /* ECS 2001:db8::/56 */
		static const uint8_t ecs[] = { 0, 8, 0, 11, 0, 2, 56, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0 };
		memcpy(out + o, ecs, sizeof(ecs));
		o += sizeof(ecs);
	}
	if (r >> 42 & 1) {                              /* PADDING, 5 zeros */
		static const uint8_t pad[] = { 0, 12, 0, 5, 0, 0, 0, 0, 0 };
		memcpy(out + o, pad, sizeof(pad));
		o += sizeof(pad);
	}
	out[rdl_at] = (uint8_t)((o - rdl_at - 2) >> 8);
	out[rdl_at + 1] = (uint8_t)(o - rdl_at - 2);
	return o;
}

int main(void)
{
	struct corpus c = { 0 }, ce = { 0 };
	struct stats knot = { 0 }, gens = { 0 }, trunc = { 0 }, mut = { 0 }, edns = { 0 };
	unsigned frames = 0, bad = 0, responses = 0, truncated_msgs = 0;
	uint8_t *tmp = malloc(65536);

	/* (a) the real capture */
	ok(corpus_load(&c, KNOT_FSTRM, &frames, &bad) == 0, "read %s", KNOT_FSTRM);
	is(bad, 0, "every dnstap frame decoded (%u frames)", frames);
	ok(c.n >= frames, "%zu DNS messages from %u frames", c.n, frames);
	for (size_t i = 0; i < c.n; i++)
		run(&knot, c.buf + c.off[i], c.off[i + 1] - c.off[i], "knot.fstrm");
	report("knot.fstrm", &knot);
	is(knot.n[AGREE], c.n, "knot.fstrm: all %zu messages agree on every field", c.n);

	/* (a') the same messages with an OPT appended */
	for (size_t i = 0; i < c.n; i++) {
		size_t n = with_opt(c.buf + c.off[i], c.off[i + 1] - c.off[i], tmp);
		corpus_add(&ce, tmp, n);
		run(&edns, tmp, n, "knot.fstrm+OPT");
	}
	report("knot.fstrm+OPT", &edns);
	is(edns.n[AGREE], c.n, "knot.fstrm+OPT: all %zu messages agree on every field", c.n);
	ok(edns.edns == c.n && edns.ecs > c.n / 4 && edns.ecs < c.n * 3 / 4,
	    "knot.fstrm+OPT: EDNS in all, ECS in about half (%u)", edns.ecs);

	/* (b) generated odd packets */
	generated(&gens);
	report("generated", &gens);
	is(gens.n[FAIL], 0, "generated: no unexplained difference");
	is(gens.lenient_bad, 0, "generated: every leniently kept header and question equals ldns's");

	/* (c) every truncation of the first 200 real responses (with their OPT appended) */
	for (size_t i = 0; i < ce.n && truncated_msgs < 200; i++) {
		const uint8_t *w = ce.buf + ce.off[i];
		size_t len = ce.off[i + 1] - ce.off[i];

		if (len < 12 || !(w[2] & 0x80))
			continue;
		responses++;
		truncated_msgs++;
		for (size_t cut = 0; cut < len; cut++)
			run(&trunc, w, cut, "truncation");
	}
	report("truncations", &trunc);
	is(trunc.n[FAIL], 0, "truncations: no unexplained difference");
	is(trunc.n[BOTH_REJ], trunc.total, "truncations: every cut response rejected by both");
	ok(trunc.lenient > trunc.total / 2 && trunc.lenient_bad == 0,
	    "truncations: %u cut after the question recorded (snaplen), each header and question as ldns reads it",
	    trunc.lenient);

	/* (d) 20000 seeded mutations (1..4 edits each) of real messages, half with OPT */
	for (unsigned k = 0; k < 20000 && c.n > 0; k++) {
		const struct corpus *src = k % 2 ? &ce : &c;
		size_t i = (size_t)(rnd() % src->n), len = src->off[i + 1] - src->off[i];
		unsigned edits = 1 + (unsigned)(rnd() % 4);

		memcpy(tmp, src->buf + src->off[i], len);
		for (unsigned e = 0; e < edits && len > 0; e++)
			mutate_one(tmp, &len);
		run(&mut, tmp, len, "mutation");
	}
	report("mutations", &mut);
	is(mut.n[FAIL], 0, "mutations: no unexplained difference");
	is(mut.lenient_bad, 0, "mutations: every leniently kept header and question equals ldns's (%u kept)", mut.lenient);
	ok(mut.n[AGREE] > 100 && mut.n[BOTH_REJ] > 100, "mutations exercise both outcomes");

	free(tmp);
	free(c.buf);
	free(c.off);
	free(ce.buf);
	free(ce.off);
	return done_testing();
}
