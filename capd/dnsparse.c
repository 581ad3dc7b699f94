/* capd/dnsparse.c: fast DNS message parser: walks the wire once, fills a fixed struct, never allocates. */
#include "capd/dnsparse.h"

#include <string.h>

#include "common/errors.h"
#include "common/record.h"
#include "common/wire.h"

/*
 * DNS header (RFC 1035 4.1.1), 12 octets:
 *
 *   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 * |                      ID                       |  0
 * |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |  2
 * |                    QDCOUNT                    |  4
 * |                    ANCOUNT                    |  6
 * |                    NSCOUNT                    |  8
 * |                    ARCOUNT                    | 10
 * +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * The RF_* bits of record.h are these bits of the second 16-bit word.
 */
#define HDR_LEN 12
#define NAME_WIRE_MAX 255   /* octets, root label included */
#define RR_MIN 11           /* root owner (1) + type, class, ttl, rdlength (10) */
#define Q_MIN 5             /* root qname (1) + qtype, qclass (4) */
#define TYPE_OPT 41
#define TYPE_NS 2
#define TYPE_SOA 6
#define RCODE_NOERROR 0
#define RCODE_NXDOMAIN 3
#define RCODE_REFUSED 5
#define OPCODE_QUERY 0
#define EDNS_OPT_ECS 8

/*
 * Presentation form of label octets (rule in dnsparse.h): printable ASCII
 * as itself (A-Z lower-cased), the five specials as "\c", the rest "\DDD".
 * PRINT_AS[b] is the character b prints as, or 0 if it needs an escape; a
 * constant table, built by the preprocessor from the rule itself.
 */
#define PA_ESC(c) ((c) < 0x21 || (c) > 0x7e || (c) == '.' || (c) == '\\' || (c) == ';' || \
	(c) == '(' || (c) == ')')
#define PA(c) ((uint8_t)(PA_ESC(c) ? 0 : (c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c)))
#define PA4(c) PA(c), PA((c) + 1), PA((c) + 2), PA((c) + 3)
#define PA16(c) PA4(c), PA4((c) + 4), PA4((c) + 8), PA4((c) + 12)
#define PA64(c) PA16(c), PA16((c) + 16), PA16((c) + 32), PA16((c) + 48)
static const uint8_t PRINT_AS[256] = { PA64(0), PA64(64), PA64(128), PA64(192) };

size_t dnsparse_label_text(const uint8_t *lab, size_t n, char *out)
{
	size_t o = 0;
	uint8_t esc = 0;

	/*
	 * the usual label needs no escape: a table load and a store a byte,
	 * no branch; only a label with a byte that does is written again below
	 */
	for (size_t i = 0; i < n; i++) {
		uint8_t c = PRINT_AS[lab[i]];

		out[i] = (char)c;
		esc |= c == 0;
	}
	if (!esc)
		return n;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = lab[i], c = PRINT_AS[b];

		if (c != 0) {
			out[o++] = (char)c;
		} else if (b < 0x21 || b > 0x7e) {
			out[o++] = '\\';
			out[o++] = (char)('0' + b / 100);
			out[o++] = (char)('0' + b / 10 % 10);
			out[o++] = (char)('0' + b % 10);
		} else {
			out[o++] = '\\';
			out[o++] = (char)b;
		}
	}
	return o;
}

/*
 * Decode the name at off into text. Compression (RFC 1035 4.1.4): a
 * 11xxxxxx octet starts a 14-bit pointer to a prior occurrence. Rules:
 * a pointer must point strictly before itself and not into the header
 * (< 12). So a cycle of pointers alone is impossible (it would need a
 * pointer that does not go back), and a cycle through labels adds at least
 * one label per turn, which the 255-octet name limit stops within 127
 * turns; DNSPARSE_MAX_HOPS bounds the remaining case, long chains of
 * pointers to earlier pointers. Work per name is thus bounded (about 255
 * label octets and 128 hops), whatever the input. Real compressors only
 * point at earlier occurrences, which these rules allow.
 * Returns the text length or a negative code (*err_off set).
 */
static int name_decode(const uint8_t *w, size_t len, size_t off, char *out, size_t cap,
    unsigned *labels_out, size_t *next_out, size_t *err_off, int allow_fwd, uint16_t *starts)
{
	size_t pos = off, next = 0, o = 0, wire = 0;
	unsigned labels = 0, hops = 0;

	for (;;) {
		uint8_t b;

		if (pos >= len) {
			*err_off = pos;
			return E_TRUNCATED;
		}
		b = w[pos];
		if (b == 0) {
			if (next == 0)
				next = pos + 1;
			break;
		}
		if ((b & 0xc0) == 0xc0) {
			size_t t;

			if (len - pos < 2) {
				*err_off = pos;
				return E_TRUNCATED;
			}
			t = (size_t)(b & 0x3f) << 8 | w[pos + 1];
			if (next == 0)
				next = pos + 2;
			/* allow_fwd (lenient retry of a qname): forward pointers too, the hop cap still bounds the work */
			if (t < HDR_LEN || (t >= pos && !allow_fwd) || ++hops > DNSPARSE_MAX_HOPS) {
				*err_off = pos;
				return E_LOOP;
			}
			pos = t;
			continue;
		}
		if (b & 0xc0) {          /* 01 and 10: extended label types, obsolete */
			*err_off = pos;
			return E_MALFORMED;
		}
		if (len - pos - 1 < b) {
			*err_off = pos;
			return E_TRUNCATED;
		}
		wire += 1u + b;
		if (wire + 1 > NAME_WIRE_MAX) {
			*err_off = pos;
			return E_MALFORMED;
		}
		/* worst case: separator + 4 chars per octet + final NUL */
		if (cap - o < 1 + 4 * (size_t)b + 1) {
			*err_off = pos;
			return E_SPACE;
		}
		if (labels > 0)
			out[o++] = '.';
		/* labels < DNSPARSE_LABELS_MAX: each takes >= 2 of the 254 wire octets checked above */
		if (starts)
			starts[labels] = (uint16_t)o;
		o += dnsparse_label_text(w + pos + 1, b, out + o);
		labels++;
		pos += 1u + b;
	}
	if (labels == 0) {
		if (cap < 2) {
			*err_off = off;
			return E_SPACE;
		}
		out[o++] = '.';
	}
	out[o] = '\0';
	if (labels_out)
		*labels_out = labels;
	if (next_out)
		*next_out = next;
	return (int)o;
}

int dnsparse_name(const uint8_t *wire, size_t len, size_t off, char *out, size_t cap,
    unsigned *labels, size_t *next)
{
	size_t err_off;

	if (wire == NULL || out == NULL)
		return E_INVAL;
	if (cap == 0)
		return E_SPACE;
	return name_decode(wire, len, off, out, cap, labels, next, &err_off, 0, NULL);
}

/*
 * Step over a name without decompressing it: labels are checked in place
 * (type, bounds, length so far); a pointer ends the name and is checked
 * against the same rules as in name_decode (strictly backwards, not into
 * the header) but not followed: we never use what it points to.
 */
static void skip_name(struct wire_cur *c)
{
	size_t wire = 0;

	while (c->err == E_OK) {
		uint8_t b;

		if (c->off >= c->len) {
			wire_fail(c, E_TRUNCATED, c->off);
			return;
		}
		b = c->p[c->off];
		if (b == 0) {
			c->off++;
			return;
		}
		if ((b & 0xc0) == 0xc0) {
			size_t t;

			if (c->len - c->off < 2) {
				wire_fail(c, E_TRUNCATED, c->off);
				return;
			}
			t = (size_t)(b & 0x3f) << 8 | c->p[c->off + 1];
			if (t < HDR_LEN || t >= c->off) {
				wire_fail(c, E_LOOP, c->off);
				return;
			}
			c->off += 2;
			return;
		}
		if (b & 0xc0) {
			wire_fail(c, E_MALFORMED, c->off);
			return;
		}
		if (c->len - c->off - 1 < b) {
			wire_fail(c, E_TRUNCATED, c->off);
			return;
		}
		wire += 1u + b;
		if (wire + 1 > NAME_WIRE_MAX) {
			wire_fail(c, E_MALFORMED, c->off);
			return;
		}
		c->off += 1u + b;
	}
}

/*
 * OPT pseudo-RR (RFC 6891 6.1.2), after its owner name and type:
 *   CLASS  = requestor's UDP payload size
 *   TTL    = | EXTENDED-RCODE (8) | VERSION (8) | DO (1) | Z (15) |
 *   RDLEN, then options: | CODE (16) | LENGTH (16) | DATA (LENGTH) | ...
 * Only ECS's presence is noted; its bytes are skipped unread.
 */
static void opt_read(struct dns_info *out, uint16_t cls, uint32_t ttl, const uint8_t *rd,
    size_t rdlen)
{
	size_t p = 0;

	out->has_edns = 1;
	out->edns_udp = cls;
	out->edns_version = (uint8_t)(ttl >> 16);
	out->edns_do = (uint8_t)(ttl >> 15 & 1);
	out->rcode = (uint16_t)((ttl >> 24) << 4 | (out->rcode & 0x0f));
	while (rdlen - p >= 4) {
		uint16_t code = wire_be16(rd + p);
		size_t olen = wire_be16(rd + p + 2);

		if (rdlen - p - 4 < olen)
			break;      /* malformed option list: not a malformed message */
		if (code == EDNS_OPT_ECS)
			out->edns_ecs = 1;
		p += 4 + olen;
	}
}

/* Walk one section's RRs: in the authority section, note NS and SOA; in the additional, pick up the OPT. */
enum { SEC_ANSWER = 0, SEC_AUTHORITY, SEC_ADDITIONAL };
static void rrs_walk(struct wire_cur *c, unsigned n, int section, struct dns_info *out)
{
	for (unsigned i = 0; i < n && c->err == E_OK; i++) {
		size_t rr_start = c->off;
		uint16_t type, cls, rdlen;
		uint32_t ttl;

		skip_name(c);
		type = wire_u16(c);
		cls = wire_u16(c);
		/* as two halves: a TTL cut short fails (err_off) where its second half starts */
		ttl = (uint32_t)wire_u16(c) << 16;
		ttl |= wire_u16(c);
		rdlen = wire_u16(c);
		if (c->err != E_OK)
			return;
		if (c->len - c->off < rdlen) {
			wire_fail(c, E_TRUNCATED, c->off);
			return;
		}
		if (section == SEC_AUTHORITY) {
			out->auth_ns |= type == TYPE_NS;
			out->auth_soa |= type == TYPE_SOA;
		}
		if (section == SEC_ADDITIONAL && type == TYPE_OPT) {
			/* RFC 6891 6.1.1: more than one OPT makes the message malformed */
			if (out->has_edns) {
				wire_fail(c, E_MALFORMED, rr_start);
				return;
			}
			opt_read(out, cls, ttl, c->p + c->off, rdlen);
		}
		c->off += rdlen;
	}
}

int dnsparse_message(const uint8_t *wire, size_t len, enum dnsparse_mode mode, struct dns_info *out)
{
	struct wire_cur c;
	uint16_t hflags;
	size_t rrs, soft_off = 0;
	int fit, soft = E_OK;

	if (out == NULL)
		return E_INVAL;
	/* clear the fixed part; qname is written below (no need to clear 1 KB) */
	memset(out, 0, offsetof(struct dns_info, qname));
	out->qname[0] = '\0';
	memset(&out->has_edns, 0, sizeof(*out) - offsetof(struct dns_info, has_edns));
	if (wire == NULL)
		return E_INVAL;
	wire_init(&c, wire, len);
	out->size = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
	if (len < HDR_LEN) {
		out->err_off = (uint32_t)len;
		return E_TRUNCATED;
	}
	out->id = wire_u16(&c);
	hflags = wire_u16(&c);
	out->flags = hflags & (RF_QR | RF_AA | RF_TC | RF_RD | RF_RA | RF_AD | RF_CD);
	out->opcode = (uint8_t)(hflags >> 11 & 0x0f);
	out->rcode = hflags & 0x0f;
	out->qdcount = wire_u16(&c);
	out->ancount = wire_u16(&c);
	out->nscount = wire_u16(&c);
	out->arcount = wire_u16(&c);

	/*
	 * Counts that cannot fit in what is left: the message is broken (or cut
	 * by a capture), but its first question may still be whole, so read it
	 * and then report. Walking the rest costs no more than the bytes
	 * present: every RR and question takes at least RR_MIN / Q_MIN octets.
	 */
	rrs = (size_t)out->ancount + out->nscount + out->arcount;
	fit = (size_t)out->qdcount * Q_MIN <= len - HDR_LEN &&
	    (mode != DNSPARSE_FULL || (size_t)out->qdcount * Q_MIN + rrs * RR_MIN <= len - HDR_LEN);

	if (out->qdcount > 0) {
		size_t next, eo = 0;
		unsigned labels;
		int n = name_decode(wire, len, HDR_LEN, out->qname, sizeof(out->qname), &labels, &next,
		    &eo, 0, out->qname_starts);

		if (n == E_LOOP) {
			/* a forward pointer (ldns and DSC follow it): read the name, report E_LOOP at the end */
			size_t eo2 = 0;
			n = name_decode(wire, len, HDR_LEN, out->qname, sizeof(out->qname), &labels, &next,
			    &eo2, 1, out->qname_starts);
			if (n >= 0) {
				soft = E_LOOP;
				soft_off = eo;
			} else {
				n = E_LOOP;
			}
		}
		if (n < 0) {
			out->qname[0] = '\0';
			out->err_off = (uint32_t)eo;
			return n;
		}
		c.off = next;
		out->qtype = wire_u16(&c);
		out->qclass = wire_u16(&c);
		if (c.err != E_OK) {
			out->qname[0] = '\0';
			out->err_off = (uint32_t)c.err_off;
			return c.err;
		}
		out->qname_len = (uint16_t)n;
		out->qname_labels = (uint8_t)labels;
		out->has_question = 1;
	}
	if (mode == DNSPARSE_QUESTION) {
		if (!fit) {
			out->err_off = 4;
			return E_TRUNCATED;
		}
		out->err_off = (uint32_t)soft_off;
		return soft;
	}

	for (unsigned i = 1; i < out->qdcount && c.err == E_OK; i++) {
		skip_name(&c);
		wire_skip(&c, 4);
	}
	if (rrs > DNSPARSE_MAX_RRS) {
		out->rr_capped = 1;
	} else {
		rrs_walk(&c, out->ancount, SEC_ANSWER, out);
		rrs_walk(&c, out->nscount, SEC_AUTHORITY, out);
		out->sections_read = c.err == E_OK;
		rrs_walk(&c, out->arcount, SEC_ADDITIONAL, out);
	}
	if (!fit) {
		out->err_off = 4;
		return E_TRUNCATED;
	}
	if (c.err != E_OK) {
		out->err_off = (uint32_t)c.err_off;
		return c.err;
	}
	out->err_off = (uint32_t)soft_off;
	return soft;
}
unsigned dnsparse_akind(const struct dns_info *d)
{
	if (!d || !(d->flags & RF_QR))
		return AK_NONE;
	if (d->rcode == RCODE_NXDOMAIN)
		return AK_NXDOMAIN;
	if (d->rcode == RCODE_REFUSED)
		return AK_REFUSED;
	/* a truncated answer's sections are whatever fitted: its kind is the retry's */
	if (d->rcode != RCODE_NOERROR || d->opcode != OPCODE_QUERY || (d->flags & RF_TC))
		return AK_OTHER;
	if (d->flags & RF_AA)
		return d->ancount ? AK_ANSWER : AK_NODATA;
	/* no AA: a referral only if it delegates (an upward or lame answer has no NS below the zone) */
	if (!d->ancount && d->sections_read && d->auth_ns)
		return AK_REFERRAL;
	return AK_OTHER;
}
