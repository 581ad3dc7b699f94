/* tests/unit/test_stagefiles.c: the names of a rotated staging set: made, parsed, listed in order, strays counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/stagefiles.h"
#include "tests/tap.h"

static char dir[] = "/tmp/test_stagefiles.XXXXXX";

static void touch(const char *name, size_t bytes)
{
	char p[300];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	for (size_t i = 0; f && i < bytes; i++)
		fputc('x', f);
	if (f)
		fclose(f);
}

int main(void)
{
	char buf[64];

	is(stagefiles_name("/var/lib/dnsa/staging.db", 1, buf, sizeof buf), E_OK, "name");
	is_str(buf, "/var/lib/dnsa/staging.db.00000001", "  padded to 8 digits");
	is(stagefiles_name("/var/lib/dnsa/staging.db", 123456789, buf, sizeof buf), E_OK, "a 9-digit number");
	is_str(buf, "/var/lib/dnsa/staging.db.123456789", "  not cut");
	is(stagefiles_name("/var/lib/dnsa/staging.db", 1, buf, 20), E_TOOBIG, "too small a buffer: E_TOOBIG");

	/* name -> number: aggd's spelling only */
	static const struct { const char *name; unsigned seq; } cases[] = {
		{ "staging.db.00000001", 1 },
		{ "staging.db.00000042", 42 },
		{ "staging.db.123456789", 123456789 },
		{ "staging.db.00000000", 0 },          /* 0 is the base file */
		{ "staging.db.0000001", 0 },           /* 7 digits */
		{ "staging.db.000000001", 0 },         /* another spelling of 1 */
		{ "staging.db.00000001-wal", 0 },
		{ "staging.db.00000001.tmp", 0 },
		{ "staging.db.00000001.bad", 0 },
		{ "staging.db", 0 },
		{ "staging.db.", 0 },
		{ "staging.dbx00000001", 0 },
		{ "other.db.00000001", 0 },
		{ "staging.db.4000000001", 0 },        /* above STAGEFILES_MAX_SEQ */
		{ "staging.db.99999999999", 0 },       /* 11 digits */
		{ "", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is(stagefiles_parse("staging.db", cases[i].name), cases[i].seq, "parse '%s' = %u", cases[i].name, cases[i].seq);

	if (!mkdtemp(dir))
		return 1;
	char base[300];
	snprintf(base, sizeof base, "%s/staging.db", dir);
	struct stagefile *v;
	size_t n;
	unsigned strays = 9;
	is(stagefiles_list(base, &v, &n, &strays), E_OK, "list an empty directory");
	ok(n == 0 && v == NULL && strays == 0, "  nothing");
	touch("staging.db", 100);
	touch("staging.db-wal", 100);
	touch("staging.db.00000010", 1000);
	touch("staging.db.00000010-wal", 24);
	touch("staging.db.00000002", 10);
	touch("staging.db.00000002-shm", 10);
	touch("staging.db.00000011.tmp", 10);
	touch("staging.db.00000003.bad", 10);
	touch("staging.db.000000002", 10);       /* stray: another spelling */
	touch("staging.db.old", 10);             /* stray */
	touch("staging.db.00000004.orig", 10);   /* stray */
	touch("unrelated.txt", 10);
	is(stagefiles_list(base, &v, &n, &strays), E_OK, "list the set");
	ok(n == 2 && v && v[0].seq == 2 && v[1].seq == 10, "  files 2 and 10, in order");
	ok(n == 2 && v[0].bytes == 10 && v[1].bytes == 1024, "  with their -wal in the bytes (%llu, %llu)",
	    n == 2 ? (unsigned long long)v[0].bytes : 0, n == 2 ? (unsigned long long)v[1].bytes : 0);
	is(strays, 3, "  3 strays (not -wal/-shm/.tmp/.bad, not the base, not unrelated names)");
	free(v);
	is(stagefiles_bytes(base), 200, "stagefiles_bytes: the file and its -wal");
	is(stagefiles_bytes("/nonexistent/x"), 0, "stagefiles_bytes of nothing: 0");
	char nodir[] = "/nonexistent/dir/staging.db";
	ok(stagefiles_list(nodir, &v, &n, NULL) < 0 && v == NULL && n == 0, "a missing directory: -errno, nothing listed");

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
