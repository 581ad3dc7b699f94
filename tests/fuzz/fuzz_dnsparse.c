/* tests/fuzz/fuzz_dnsparse.c: libFuzzer target for the DNS fast path, checked against ldns where both accept, and its label starts against the text. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "capd/dnsparse.h"
#include "capd/zones.h"
#include "common/errors.h"
#include "tests/fuzz/fuzz.h"

/*
 * The pipeline matches and truncates the qname with the parser's label
 * starts (zones_*_labels); they must give what scanning the text gives.
 */
static void starts_check(const struct dns_info *d)
{
	static struct zones *z;
	if (z == NULL && (zones_new(&z) != E_OK || zones_add_list(z, "test a.b.test c\\.d.test x\\000y.test .") != E_OK))
		__builtin_trap();
	struct zone_match a, b;
	int ra = zones_match(z, d->qname, d->qname_len, &a);
	int rb = zones_match_labels(z, d->qname, d->qname_len, d->qname_starts, d->qname_labels, &b);
	if (ra != rb || a.zone != b.zone || a.zone_labels != b.zone_labels || a.suffix_off != b.suffix_off)
		__builtin_trap();
	if (ra != E_OK)
		return;
	for (unsigned n = 0; n < 3; n++) {
		char ta[256], tb[256];
		size_t cap = n == 2 ? 24 : sizeof(ta);
		int la = zones_truncate(d->qname, d->qname_len, &a, n, ta, cap);
		int lb = zones_truncate_labels(d->qname, d->qname_len, d->qname_starts, d->qname_labels, &b, n, tb, cap);
		if (la != lb || (la >= 0 && strcmp(ta, tb) != 0))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_info d, q;
	ldns_pkt *pkt = NULL;

	int rc = dnsparse_message(data, size, DNSPARSE_FULL, &d);
	int rq = dnsparse_message(data, size, DNSPARSE_QUESTION, &q);
	if (rc == E_OK && rq != E_OK)
		__builtin_trap(); /* the full walk accepts only what the question walk accepts */
	if (d.has_question)
		starts_check(&d);
	if (rc != E_OK && d.has_question && size >= 12) {
		/* kept leniently (capd records it flagged): ldns must read that question from the header and it alone */
		uint8_t *b = malloc(size);
		memcpy(b, data, size);
		b[4] = 0; b[5] = 1;
		memset(b + 6, 0, 6);
		if (ldns_wire2pkt(&pkt, b, size) == LDNS_STATUS_OK) {
			ldns_rr_list *l = ldns_pkt_question(pkt);
			if (!l || ldns_rr_list_rr_count(l) < 1 || d.qtype != ldns_rr_get_type(ldns_rr_list_rr(l, 0)) ||
			    d.id != ldns_pkt_id(pkt))
				__builtin_trap();
		}
		ldns_pkt_free(pkt);
		pkt = NULL;
		free(b);
	}
	if (rc != E_OK || ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK) {
		ldns_pkt_free(pkt);
		return 0;
	}
	/* both accept: header and question must agree (docs: capd/dnsparse.h) */
	if (d.id != ldns_pkt_id(pkt) || d.opcode != (unsigned)ldns_pkt_get_opcode(pkt) ||
	    !!(d.flags & 0x8000) != !!ldns_pkt_qr(pkt) || !!(d.flags & 0x0400) != !!ldns_pkt_aa(pkt) ||
	    !!(d.flags & 0x0100) != !!ldns_pkt_rd(pkt) || !!(d.flags & 0x0010) != !!ldns_pkt_cd(pkt))
		__builtin_trap();
	ldns_rr_list *ql = ldns_pkt_question(pkt);
	if (d.has_question != (ql && ldns_rr_list_rr_count(ql) > 0))
		__builtin_trap();
	if (d.has_question) {
		ldns_rr *rr = ldns_rr_list_rr(ql, 0);
		if (d.qtype != ldns_rr_get_type(rr) || d.qclass != ldns_rr_get_class(rr))
			__builtin_trap();
		char *name = ldns_rdf2str(ldns_rr_owner(rr));
		if (name) {
			size_t n = strlen(name);
			if (n > 1 && name[n - 1] == '.')
				name[--n] = '\0';
			for (size_t i = 0; i < n; i++)
				name[i] = (char)tolower((unsigned char)name[i]);
			if (strcmp(name, d.qname) != 0)
				__builtin_trap();
			free(name);
		}
	}
	ldns_pkt_free(pkt);
	return 0;
}
