/* tests/unit/test_zones.c: capd/zones: longest-suffix match on label boundaries, 10,000 zones, truncation, parser label starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capd/dnsparse.h"
#include "capd/zones.h"
#include "common/errors.h"
#include "tests/tap.h"

static struct zone_match M;

/* match qname; return the zone name or "(none)" */
static const char *zm(const struct zones *z, const char *q)
{
	return zones_match(z, q, strlen(q), &M) == E_OK ? M.zone : "(none)";
}

/* truncate q to its zone + n labels */
static const char *tr(const struct zones *z, const char *q, unsigned n)
{
	static char out[256];

	if (zones_match(z, q, strlen(q), &M) != E_OK)
		return "(none)";
	if (zones_truncate(q, strlen(q), &M, n, out, sizeof(out)) < 0)
		return "(error)";
	return out;
}

/*
 * zones_match_labels / zones_truncate_labels with dnsparse's label starts
 * against zones_match / zones_truncate scanning the text, on random wire
 * names: labels of 1..63 octets from an alphabet of letters (both cases),
 * digits, the escaped specials ". \\ ; ( )" and bytes outside 0x21..0x7e,
 * some ending in a configured zone's labels. Returns the disagreements.
 */
static int starts_vs_text(const struct zones *z, int rounds)
{
	static const uint8_t alpha[] = "aAbBzZ09-_.\\;()\x00\x20\x7f\xff*";
	uint32_t seed = 12345;
	int bad = 0;

	for (int r = 0; r < rounds; r++) {
		uint8_t w[512] = { 0, 1, 1, 0, 0, 1 }; /* id, flags, qdcount 1 */
		size_t o = 12, wire = 0;
		unsigned nl = (seed = seed * 1103515245u + 12345u) >> 16 & 7;
		if (r % 97 == 0)
			nl = 127;   /* the most a name can have */
		for (unsigned i = 0; i < nl; i++) {
			unsigned len = r % 97 == 0 ? 1 : 1 + ((seed = seed * 1103515245u + 12345u) >> 16) % 12;
			if (wire + 1 + len + 1 > 255)
				break;
			w[o++] = (uint8_t)len;
			for (unsigned k = 0; k < len; k++)
				w[o++] = alpha[((seed = seed * 1103515245u + 12345u) >> 16) % (sizeof(alpha) - 1)];
			wire += 1 + len;
		}
		static const uint8_t tail[] = "\7example\4test";
		if (r % 3 == 0 && wire + sizeof(tail) <= 255) {
			memcpy(w + o, tail, sizeof(tail) - 1);
			o += sizeof(tail) - 1;
		}
		w[o++] = 0;
		w[o++] = 0; w[o++] = 1; w[o++] = 0; w[o++] = 1; /* A IN */

		static struct dns_info d;
		if (dnsparse_message(w, o, DNSPARSE_QUESTION, &d) != E_OK || !d.has_question) {
			bad++;
			continue;
		}
		struct zone_match a, b;
		int ra = zones_match(z, d.qname, d.qname_len, &a);
		int rb = zones_match_labels(z, d.qname, d.qname_len, d.qname_starts, d.qname_labels, &b);
		if (ra != rb || a.zone != b.zone || a.zone_labels != b.zone_labels || a.suffix_off != b.suffix_off) {
			diag("match differs on %s", d.qname);
			bad++;
			continue;
		}
		if (ra != E_OK)
			continue;
		for (unsigned n = 0; n < 3; n++) {
			char ta[256], tb[256];
			size_t cap = n == 2 ? 20 : sizeof(ta);  /* also where labels are dropped to fit */
			int la = zones_truncate(d.qname, d.qname_len, &a, n, ta, cap);
			int lb = zones_truncate_labels(d.qname, d.qname_len, d.qname_starts, d.qname_labels, &b, n, tb, cap);
			if (la != lb || (la >= 0 && strcmp(ta, tb) != 0)) {
				diag("truncate %u differs on %s", n, d.qname);
				bad++;
			}
		}
	}
	return bad;
}

int main(void)
{
	struct zones *z;
	zones_new(&z);
	char name[300], path[] = "/tmp/test_zones.XXXXXX";
	char out[256];
	int fd, bad = 0;
	unsigned line = 0;
	FILE *f;

	/* NULL and empty */
	ok(z != NULL, "zones_new");
	{ /* in a child, so a crash is a failed assertion here, not a lost test run */
		pid_t pid = fork();
		int st = -1;
		if (pid == 0) {
			zones_free(NULL);
			_exit(0);
		}
		ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "zones_free(NULL) is a no-op (returns normally)");
	}
	is(zones_count(NULL), 0, "count of NULL is 0");
	is(zones_add(NULL, "a"), E_INVAL, "add to NULL");
	is(zones_add(z, NULL), E_INVAL, "add NULL name");
	is(zones_add_list(z, NULL), E_INVAL, "add_list NULL");
	is(zones_match(NULL, "a", 1, &M), E_INVAL, "match on NULL set");
	is(zones_match(z, NULL, 0, &M), E_INVAL, "match NULL qname");
	is(zones_match(z, "a", 0, &M), E_INVAL, "match empty qname");
	is(zones_match(z, "a", 1, NULL), E_INVAL, "match NULL out");
	is(zones_truncate(NULL, 0, &M, 1, out, sizeof(out)), E_INVAL, "truncate NULL");
	is(zones_load_file(z, "/nonexistent/zones", &line), -2, "missing file: -ENOENT");
	is(zones_match(z, "www.example.test", 16, &M), E_NOTFOUND, "empty set: no match");

	/* bad names */
	is(zones_add(z, ""), E_MALFORMED, "empty name");
	is(zones_add(z, "a..b"), E_MALFORMED, "empty label");
	is(zones_add(z, ".a"), E_MALFORMED, "leading dot");
	is(zones_add(z, "a.b.."), E_MALFORMED, "two trailing dots");
	is(zones_add(z, "a\\25"), E_MALFORMED, "short \\DDD escape");
	is(zones_add(z, "a\\300"), E_MALFORMED, "\\DDD over 255");
	is(zones_add(z, "a\\"), E_MALFORMED, "dangling backslash");
	memset(name, 'a', 64);
	name[64] = '\0';
	is(zones_add(z, name), E_MALFORMED, "label of 64");
	for (int i = 0; i < 4; i++) {
		memset(name + i * 64, 'b', 63);
		name[i * 64 + 63] = '.';
	}
	name[255] = '\0';
	is(zones_add(z, name), E_TOOBIG, "name over 255 octets");
	is(zones_count(z), 0, "nothing added");

	/* nested zones, case, boundaries */
	is(zones_add(z, "test"), E_OK, "add test");
	is(zones_add(z, "Example.TEST."), E_OK, "add Example.TEST. (any case, trailing dot)");
	is(zones_add(z, "example.test"), E_OK, "adding again is fine");
	is(zones_add(z, "\\115ub.example.test"), E_OK, "add \\115ub.example.test (= sub)");
	is(zones_add_list(z, "a.example, b.example\tc.example\n"), E_OK, "add a list");
	is(zones_count(z), 6, "6 zones");
	is_str(zm(z, "www.example.test"), "example.test", "www.example.test -> example.test");
	is(M.zone_labels, 2, "zone labels 2");
	is(M.suffix_off, 4, "suffix offset 4");
	is_str(zm(z, "example.test"), "example.test", "apex matches itself");
	is_str(zm(z, "WWW.EXAMPLE.TEST"), "example.test", "upper-case qname matches");
	is_str(zm(z, "www.example.test."), "example.test", "trailing dot ignored");
	is_str(zm(z, "x.sub.example.test"), "sub.example.test", "deepest zone wins");
	is_str(zm(z, "xexample.test"), "test", "xexample.test is not under example.test");
	is_str(zm(z, "xsub.example.test"), "example.test", "xsub.example.test is not under sub");
	is_str(zm(z, "a\\.example.test"), "test", "escaped dot is not a boundary");
	is_str(zm(z, "test"), "test", "tld itself");
	is_str(zm(z, "example"), "(none)", "example alone: no zone");
	is_str(zm(z, "b.example"), "b.example", "list entry b.example");
	is_str(zm(z, "example.com"), "(none)", "unlisted");
	is_str(zm(z, "."), "(none)", "root qname, no catch-all");

	/* truncation */
	is_str(tr(z, "a.b.www.example.test", 1), "www.example.test", "zone + 1 label");
	is_str(tr(z, "a.b.www.example.test", 2), "b.www.example.test", "zone + 2 labels");
	is_str(tr(z, "a.b.www.example.test", 0), "example.test", "zone + 0 labels");
	is_str(tr(z, "a.b.www.example.test", 9), "a.b.www.example.test", "shallower than N: whole");
	is_str(tr(z, "example.test", 1), "example.test", "apex stays apex");
	is_str(tr(z, "A.B.WWW.Example.Test", 1), "www.example.test", "truncation lower-cases");
	is_str(tr(z, "x.a\\.b.example.test", 1), "a\\.b.example.test", "escaped dot kept in a label");
	zones_match(z, "a.b.www.example.test", 20, &M);
	is(zones_truncate("a.b.www.example.test", 20, &M, 1, out, 13), 12, "small buffer: drops labels");
	is_str(out, "example.test", "... down to the zone");
	is(zones_truncate("a.b.www.example.test", 20, &M, 1, out, 12), E_SPACE, "zone does not fit");

	/* a qname of 200 labels (not from dnsparse, which caps at 127): matched on its last 127 */
	{
		static char big[200 * 2 + 16];
		size_t o = 0;

		for (int i = 0; i < 200; i++) {
			big[o++] = 'a';
			big[o++] = '.';
		}
		strcpy(big + o, "example.test");
		is_str(zm(z, big), "example.test", "200-label qname matches its zone");
		is_str(tr(z, big, 1), "a.example.test", "... and truncates");
	}

	/* root catch-all */
	is(zones_add(z, "."), E_OK, "add root");
	is(zones_count(z), 7, "7 zones with the root");
	is_str(zm(z, "example.com"), ".", "unlisted -> root");
	is(M.zone_labels, 0, "root has 0 labels");
	is_str(zm(z, "www.example.test"), "example.test", "a real zone still wins");
	is_str(zm(z, "."), ".", "root qname -> root");
	is_str(tr(z, "a.b.example.com", 1), "com", "root + 1 label");
	is_str(tr(z, "a.b.example.com", 2), "example.com", "root + 2 labels");
	is_str(tr(z, ".", 1), ".", "root qname truncates to '.'");
	is(starts_vs_text(z, 20000), 0, "20,000 random wire names: the parser's label starts match and truncate as the text does");

	/* the label-start variants: NULL, empty and out-of-range arguments */
	{
		static const uint16_t st[2] = { 0, 2 };
		is(zones_match_labels(NULL, "a.b", 3, st, 2, &M), E_INVAL, "match_labels on NULL set");
		is(zones_match_labels(z, NULL, 3, st, 2, &M), E_INVAL, "match_labels NULL qname");
		is(zones_match_labels(z, "a.b", 0, st, 2, &M), E_INVAL, "match_labels empty qname");
		is(zones_match_labels(z, "a.b", 3, NULL, 2, &M), E_INVAL, "match_labels NULL starts");
		is(zones_match_labels(z, "a.b", 3, st, 128, &M), E_INVAL, "match_labels 128 labels");
		is(zones_match_labels(z, "a.b", 2, st, 2, &M), E_INVAL, "match_labels: a start past the name");
		is(zones_match_labels(z, ".", 1, NULL, 0, &M), E_OK, "match_labels root, no starts");
		is_str(M.zone, ".", "... the root catch-all");
		is(zones_truncate_labels(NULL, 3, st, 2, &M, 1, out, sizeof(out)), E_INVAL, "truncate_labels NULL qname");
		is(zones_truncate_labels("a.b", 3, NULL, 2, &M, 1, out, sizeof(out)), E_INVAL, "truncate_labels NULL starts");
		is(zones_truncate_labels("a.b", 3, st, 2, NULL, 1, out, sizeof(out)), E_INVAL, "truncate_labels NULL match");
		is(zones_truncate_labels("a.b", 3, st, 2, &M, 1, NULL, 0), E_INVAL, "truncate_labels NULL out");
		is(zones_truncate_labels("a.b", 2, st, 2, &M, 1, out, sizeof(out)), E_INVAL, "truncate_labels: a start past the name");
		is(zones_truncate_labels("a.b", 3, st, 2, &M, 1, out, sizeof(out)), 1, "truncate_labels root + 1 label");
		is_str(out, "b", "... the last label");
	}
	zones_free(z);

	/* 10,000 generated zones from a file, nested, with a lookup of each */
	fd = mkstemp(path);
	ok(fd >= 0 && (f = fdopen(fd, "w")) != NULL, "temp zone file");
	fprintf(f, "# generated zones\n\n");
	for (int i = 0; i < 10000; i++)
		fprintf(f, "zone%d.%s   # comment\n", i, i % 3 == 0 ? "test" : i % 3 == 1 ? "example" : "nested.zone0.test");
	fclose(f);
	zones_new(&z);
	is(zones_load_file(z, path, &line), E_OK, "load 10,000 zones");
	is(zones_count(z), 10000, "10,000 zones");
	for (int i = 0; i < 10000; i++) {
		char want[64];

		snprintf(want, sizeof(want), "zone%d.%s", i, i % 3 == 0 ? "test" : i % 3 == 1 ? "example" : "nested.zone0.test");
		snprintf(name, sizeof(name), "WWW.a.%s", want);
		if (strcmp(zm(z, name), want) != 0 || strcmp(tr(z, name, 1), name + 4) != 0)
			bad++;
		snprintf(name, sizeof(name), "x%s", want);   /* not on a boundary */
		if (strcmp(zm(z, name), "(none)") != 0 && !(i % 3 == 2 && strcmp(M.zone, "zone0.test") == 0))
			bad++;
	}
	is(bad, 0, "each of 10,000 zones: matched and truncated under it, not matched by xNAME");
	is_str(zm(z, "a.nested.zone0.test"), "zone0.test", "nested.zone0.test is not a zone itself");
	is_str(zm(z, "q.zone2.nested.zone0.test"), "zone2.nested.zone0.test", "deeper zone wins over zone0.test");
	is_str(tr(z, "a.b.c.zone2.nested.zone0.test", 1), "c.zone2.nested.zone0.test", "truncated under deep zone");
	zones_free(z);

	/* a bad line is reported by number */
	f = fopen(path, "w");
	fprintf(f, "good.test\n\nbad..test\n");
	fclose(f);
	zones_new(&z);
	is(zones_load_file(z, path, &line), E_MALFORMED, "bad name in file");
	is(line, 3, "reported on line 3");
	zones_free(z);
	unlink(path);
	return done_testing();
}
