/* tests/unit/test_zones.c: capd/zones: longest-suffix match on label boundaries, 10,000 zones, truncation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
