/* tests/unit/test_conf.c: declarative configuration tables: defaults, parsing, errors with file:line. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/errors.h"
#include "tests/tap.h"

struct tconf {
	int64_t n;
	int64_t size;
	int flag;
	char name[16];
	int mode;
	struct conf_list zones;
	char geo[64];
};

static const char *const modes[] = { "all", "nth", "random", NULL };

/* checks: a name must not be "bad"; a zone must end in ".test"; geo (an environment check) must exist */
static int chk_name(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	if (strcmp(v, "bad") != 0)
		return 0;
	snprintf(why, cap, "'bad' is not a good name (n is %d)", (int)((const struct tconf *)conf)->n);
	return 1;
}
static int chk_zone(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const char *z = v;
	size_t n = strlen(z);
	if (n >= 5 && strcmp(z + n - 5, ".test") == 0)
		return 0;
	snprintf(why, cap, "'%s' is not under .test", z);
	return 1;
}
static int chk_geo(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const char *p = v;
	if (!(flags & CONF_ENV) || !p[0] || access(p, R_OK) == 0)
		return 0;
	snprintf(why, cap, "%s: cannot read", p);
	return 1;
}
static const struct conf_opt tab[] = {
	{ "n", CT_INT, 1, 100000, "10", offsetof(struct tconf, n), 0, NULL, "a number", NULL },
	{ "size", CT_SIZE, 64, 65536, "1232", offsetof(struct tconf, size), 0, NULL, "bytes", NULL },
	{ "flag", CT_BOOL, 0, 0, "no", offsetof(struct tconf, flag), 0, NULL, "a flag", NULL },
	{ "name", CT_STR, 0, 0, "node", offsetof(struct tconf, name), sizeof(((struct tconf *)0)->name), NULL, "a name",
	  chk_name },
	{ "mode", CT_ENUM, 0, 0, "all", offsetof(struct tconf, mode), 0, modes, "sampling", NULL },
	{ "zone", CT_LIST, 0, 0, NULL, offsetof(struct tconf, zones), 0, NULL, "zones", chk_zone },
	{ "geo.country_db", CT_STR, 0, 0, NULL, offsetof(struct tconf, geo), 64, NULL, "db", chk_geo },
	CONF_END
};

static char errs[4096];
static void collect(void *arg, const char *msg)
{
	(void)arg;
	strncat(errs, msg, sizeof errs - strlen(errs) - 2);
	strcat(errs, "\n");
}

static int load_flags(const char *text, struct tconf *c, unsigned flags, char *path_out)
{
	char path[] = "/tmp/dnsa-test-conf.XXXXXX";
	int fd = mkstemp(path);
	if (write(fd, text, strlen(text)) < 0)
		diag("write failed");
	close(fd);
	errs[0] = 0;
	int n = conf_load(tab, c, path, flags, collect, NULL);
	unlink(path);
	snprintf(path_out, 32, "%s", path);
	return n;
}

static int load(const char *text, struct tconf *c)
{
	char path[32];
	return load_flags(text, c, 0, path);
}

int main(void)
{
	struct tconf c;

	is(conf_defaults(tab, &c, collect, NULL), E_OK, "defaults apply");
	ok(c.n == 10 && c.size == 1232 && c.flag == 0 && !strcmp(c.name, "node") && c.mode == 0 && c.zones.n == 0,
	    "default values");

	is(load("# comment\n; other\n\nn = 5k\nsize=2k\nflag = on\nname = \"ns1\"\nmode = random\n"
	    "zone = a.test\nzone = b.test\n[geo]\ncountry_db = /x.mmdb\n", &c), 0, "valid file: no errors");
	ok(c.n == 5000 && c.size == 2048 && c.flag == 1 && !strcmp(c.name, "ns1") && c.mode == 2,
	    "values parsed (k suffixes, quotes, enum)");
	ok(c.zones.n == 2 && !strcmp(c.zones.v[1], "b.test"), "repeatable list");
	is_str(c.geo, "/x.mmdb", "section prefixes keys");
	conf_free(tab, &c);
	ok(c.zones.n == 0 && c.zones.v == NULL, "conf_free releases lists");

	is(load("n = 5\nbogus = 1\nn = 6\nsize = 10\nflag = maybe\nname = 01234567890123456789\nmode = x\n"
	    "no equals here\n[broken\nn2 = 3\n", &c), 9, "nine errors counted");
	ok(strstr(errs, ":2: unknown option 'bogus'") != NULL, "unknown key with line number");
	ok(strstr(errs, ":3: option 'n' given twice") != NULL, "repeated key");
	ok(strstr(errs, ":4: size: 10 is out of range 64..65536") != NULL, "out of range with range");
	ok(strstr(errs, ":5: flag: 'maybe' is not yes/no") != NULL, "bad boolean");
	ok(strstr(errs, ":6: name: value too long") != NULL, "string too long");
	ok(strstr(errs, ":7: mode: 'x' is not one of") != NULL, "bad enum");
	ok(strstr(errs, ":8: expected 'key = value'") != NULL, "syntax error");
	ok(strstr(errs, ":9: bad section header") != NULL, "bad section");
	conf_free(tab, &c);

	is(load("n = 12x\n", &c), 1, "trailing garbage in a number");
	is(load("n = 99999999999999999999999\n", &c), 1, "overflowing number");
	is(load("n = 9000000000000000000G\n", &c), 1, "overflow through a suffix");
	is(load("n = 0\n", &c), 1, "below minimum");

	errs[0] = 0;
	is(conf_load(tab, &c, "/nonexistent/dnsa.conf", 0, collect, NULL), 1, "missing file is one error");
	ok(strstr(errs, "/nonexistent/dnsa.conf: cannot open") != NULL, "and says which file");

	errs[0] = 0;
	is(conf_set(tab, &c, "n", "7", "cmdline", 1, collect, NULL), 0, "conf_set");
	is(c.n, 7, "conf_set value");
	is(conf_set(tab, &c, "nope", "7", "cmdline", 1, collect, NULL), 1, "conf_set unknown key");

	/* check callbacks: after parsing, with the line of the key (or of the list element) */
	char path[32], want[128];
	is(load_flags("zone = a.test\nzone = b.example\nname = bad\nn = 3\n[geo]\ncountry_db = /nonexistent/x.mmdb\n",
	    &c, 0, path), 2, "two values refused by their checks; the environment check does not run without CONF_ENV");
	snprintf(want, sizeof want, "%s:3: name: 'bad' is not a good name (n is 3)", path);
	ok(strstr(errs, want) != NULL, "check error with file:line, key and reason (and the check saw n parsed after it)");
	snprintf(want, sizeof want, "%s:2: zone: 'b.example' is not under .test", path);
	ok(strstr(errs, want) != NULL, "a list element checked on its own line");
	conf_free(tab, &c);
	is(load_flags("[geo]\ncountry_db = /nonexistent/x.mmdb\n", &c, CONF_ENV, path), 1, "CONF_ENV runs the environment check");
	snprintf(want, sizeof want, "%s:2: geo.country_db: /nonexistent/x.mmdb: cannot read", path);
	ok(strstr(errs, want) != NULL, "in its section, on its line");
	conf_free(tab, &c);
	is(load_flags("name = 0123456789012345678901\n", &c, CONF_ENV, path), 1, "a value that did not parse is not checked too");
	conf_free(tab, &c);
	is(conf_check(tab, &c, "/nonexistent/x.conf", CONF_ENV, collect, NULL), 0, "conf_check on good values: 0 errors");
	snprintf(c.name, sizeof c.name, "bad");
	errs[0] = 0;
	is(conf_check(tab, &c, "/nonexistent/x.conf", 0, collect, NULL), 1, "conf_check alone");
	ok(strstr(errs, "/nonexistent/x.conf: name: 'bad'") != NULL, "a value not found in the file: reported without a line");
	char fl[] = "/tmp/dnsa-test-fl.XXXXXX";
	int fd = mkstemp(fl);
	const char *txt = "# c\nn = 1\n[geo]\n  country_db   =  \"/a b\"\n[x]\nn = 2\nzone = q\nzone = r\n";
	if (write(fd, txt, strlen(txt)) < 0)
		diag("write failed");
	close(fd);
	is(conf_find_line(fl, "geo.country_db", NULL), 4, "conf_find_line: a key in a section, blanks around it");
	is(conf_find_line(fl, "n", NULL), 2, "a top-level key");
	is(conf_find_line(fl, "x.n", NULL), 6, "the same key in another section");
	is(conf_find_line(fl, "zone", "r"), 0, "a top-level key that is only in a section: not found");
	is(conf_find_line(fl, "x.zone", "r"), 8, "a list element by value");
	is(conf_find_line("/nonexistent", "n", NULL), 0, "unreadable file: 0");
	unlink(fl);

	char *usage = NULL;
	size_t ulen = 0;
	FILE *f = open_memstream(&usage, &ulen);
	conf_usage(tab, f);
	fclose(f);
	ok(strstr(usage, "size") && strstr(usage, "64..65536") && strstr(usage, "[default: 1232]") &&
	    strstr(usage, "(all|nth|random)"), "usage lists names, ranges, defaults and choices");
	free(usage);
	conf_free(tab, &c);
	return done_testing();
}
