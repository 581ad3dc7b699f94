/* tests/unit/test_bootid.c: boot ids grow across starts whatever the clock does; the state file is checked like any outside input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capd/bootid.h"
#include "common/errors.h"
#include "tests/tap.h"

static char dir[] = "/tmp/test_bootid.XXXXXX";
static char file[300], victim[300], tmp[320];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static const char *get(const char *path)
{
	static char buf[128];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return f ? buf : "(none)";
}

int main(void)
{
	char why[512];
	uint64_t id = 0;

	if (!mkdtemp(dir))
		return 1;
	snprintf(file, sizeof file, "%s/%s", dir, BOOTID_FILE);
	snprintf(tmp, sizeof tmp, "%s.new", file);
	snprintf(victim, sizeof victim, "%s/victim", dir);

	/*
	 *   state before   clock (us)   boot id   state after   why
	 *   (none)         1000         1000      1000          first start: the clock
	 *   1000           500          1001      1001          clock an hour (here 500 us) behind
	 *   1001           5000         5000      5000          clock ahead again: the clock
	 *   5000           5000         5001      5001          same microsecond: still above
	 */
	static const struct { uint64_t now, want; } steps[] = { { 1000, 1000 }, { 500, 1001 }, { 5000, 5000 },
		{ 5000, 5001 } };
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		is(bootid_next(dir, steps[i].now, &id, why, sizeof why), E_OK, "start %zu, clock %llu: E_OK", i + 1,
		    (unsigned long long)steps[i].now);
		is(id, steps[i].want, "  boot id %llu", (unsigned long long)steps[i].want);
	}
	is_str(get(file), "5001\n", "state file: one decimal number and a newline");
	ok(access(tmp, F_OK) != 0, "no temporary file left behind");
	struct stat sb;
	mode_t um = umask(0);
	umask(um);
	ok(stat(file, &sb) == 0 && (sb.st_mode & 0777) == (0644 & ~um), "state file mode 0644 (less the umask)");

	/* hostile or broken state files: E_MALFORMED, the clock's id, and the file replaced by it */
	static const char *const bad[] = { "", "abc\n", "12 \n", "-5\n", "+5\n", "12", "12\n\n", "1e3\n",
		"18446744073709551616\n", "99999999999999999999999\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put(file, bad[i]);
		int rc = bootid_next(dir, 7000 + i, &id, why, sizeof why);
		is(rc, E_MALFORMED, "state file '%.*s...': E_MALFORMED", (int)strcspn(bad[i], "\n"), bad[i]);
		ok(id == 7000 + i && strstr(why, "not one decimal number") != NULL, "  boot id from the clock, why: %s", why);
	}
	is_str(get(file), "7009\n", "  and the file holds the new id");

	/* 2^64-1 leaves nothing higher: E_TOOBIG, the clock's id, file untouched */
	put(file, "18446744073709551615\n");
	is(bootid_next(dir, 9000, &id, why, sizeof why), E_TOOBIG, "last boot id 2^64-1: E_TOOBIG");
	is(id, 9000, "  boot id from the clock");
	is_str(get(file), "18446744073709551615\n", "  file left as it was");
	put(file, "18446744073709551614\n");
	is(bootid_next(dir, 9000, &id, why, sizeof why), E_OK, "last boot id 2^64-2: E_OK");
	ok(id == UINT64_MAX, "  boot id 2^64-1");

	/* links: the state file as a symbolic link is not followed; a planted temp link is removed, not written through */
	put(victim, "precious\n");
	unlink(file);
	ok(symlink(victim, file) == 0, "state file replaced by a symbolic link to a victim");
	is(bootid_next(dir, 9100, &id, why, sizeof why), -ELOOP, "  -ELOOP");
	is(id, 9100, "  boot id from the clock");
	is_str(get(victim), "precious\n", "  victim untouched");
	unlink(file);
	put(file, "100\n");
	ok(symlink(victim, tmp) == 0, "temporary name planted as a symbolic link to the victim");
	is(bootid_next(dir, 50, &id, why, sizeof why), E_OK, "  E_OK");
	is(id, 101, "  boot id 101");
	is_str(get(victim), "precious\n", "  victim untouched");
	is_str(get(file), "101\n", "  state saved");
	unlink(file);
	ok(mkfifo(file, 0600) == 0, "state file replaced by a FIFO");
	is(bootid_next(dir, 9200, &id, why, sizeof why), -EPERM, "  -EPERM at once (no hang)");
	unlink(file);

	/* no state directory */
	char gone[320];
	snprintf(gone, sizeof gone, "%s/missing", dir);
	is(bootid_next(gone, 9300, &id, why, sizeof why), -ENOENT, "missing directory: -ENOENT");
	ok(id == 9300 && strstr(why, "missing") != NULL, "  boot id from the clock, why names it: %s", why);
	is(bootid_next("", 9400, &id, why, sizeof why), E_INVAL, "empty dir: E_INVAL");
	is(id, 9400, "  boot id from the clock");
	is(bootid_next(dir, 0, &id, why, sizeof why), E_OK, "clock at 0 and no state");
	is(id, 1, "  boot id 1, never 0");
	is(bootid_next(NULL, 5, NULL, NULL, 0), E_INVAL, "NULL everything: E_INVAL");

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
