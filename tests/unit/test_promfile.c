/* tests/unit/test_promfile.c: the Prometheus text-format writer: exact lines, escaping, atomic replacement, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/promfile.h"
#include "tests/tap.h"

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

int main(void)
{
	char dir[] = "/tmp/test_promfile.XXXXXX", path[256], tmp[256], link[256];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/dnsa.prom", dir);
	snprintf(tmp, sizeof tmp, "%s/dnsa.prom.tmp", dir);

	struct promfile *p;
	is(promfile_open(path, &p), E_OK, "open");
	promfile_family(p, "dnsa_capd_messages_total", PROM_COUNTER, "messages seen\nby type");
	const char *l1[] = { "node", "ns1", "type", "auth_query", NULL };
	promfile_sample(p, "dnsa_capd_messages_total", l1, 18446744073709551615ull);
	promfile_family(p, "dnsa_capd_sample_n", PROM_GAUGE, "sampling n");
	promfile_sample(p, "dnsa_capd_sample_n", NULL, 100);
	const char *l2[] = { "node", "a\"b\\c\nd\x1b", NULL };
	promfile_sample_real(p, "dnsa_x", l2, 0.5);
	ok(access(path, F_OK) != 0, "nothing at PATH before commit");
	is(promfile_commit(p), E_OK, "commit");
	is_str(slurp(path),
	    "# HELP dnsa_capd_messages_total messages seen\\nby type\n"
	    "# TYPE dnsa_capd_messages_total counter\n"
	    "dnsa_capd_messages_total{node=\"ns1\",type=\"auth_query\"} 18446744073709551615\n"
	    "# HELP dnsa_capd_sample_n sampling n\n"
	    "# TYPE dnsa_capd_sample_n gauge\n"
	    "dnsa_capd_sample_n 100\n"
	    "dnsa_x{node=\"a\\\"b\\\\c\\nd?\"} 0.5\n",
	    "exact text format: HELP/TYPE, labels, escapes, 2^64-1, a real");
	ok(access(tmp, F_OK) != 0, "no temporary file left");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "mode 0644 (node_exporter reads it)");

	/* replaced whole, never half */
	is(promfile_open(path, &p), E_OK, "reopen");
	promfile_family(p, "dnsa_y", PROM_GAUGE, "y");
	promfile_abort(p);
	ok(strstr(slurp(path), "dnsa_capd_sample_n 100") != NULL, "abort leaves the previous file");
	ok(access(tmp, F_OK) != 0, "and no temporary file");

	/* a bad metric or label name is an error at commit, and the file is untouched */
	is(promfile_open(path, &p), E_OK, "open again");
	promfile_family(p, "9bad name", PROM_COUNTER, "x");
	is(promfile_commit(p), E_INVAL, "a bad metric name fails the commit");
	is(promfile_open(path, &p), E_OK, "open again");
	const char *bl[] = { "bad-label", "v", NULL };
	promfile_sample(p, "dnsa_z", bl, 1);
	is(promfile_commit(p), E_INVAL, "a bad label name fails the commit");
	ok(strstr(slurp(path), "dnsa_capd_sample_n 100") != NULL, "the previous file is still there");

	/* no symlink followed for the temporary file */
	snprintf(link, sizeof link, "%s/victim", dir);
	FILE *v = fopen(link, "w");
	fputs("keep", v);
	fclose(v);
	symlink(link, tmp);
	ok(promfile_open(path, &p) < 0, "a symlink at PATH.tmp is refused");
	is_str(slurp(link), "keep", "its target is untouched");
	unlink(tmp);

	is(promfile_open("", &p), E_INVAL, "empty path");
	ok(promfile_open("/nonexistent-dir/x.prom", &p) < 0, "unwritable directory");
	promfile_abort(NULL);
	is(promfile_commit(NULL), E_INVAL, "commit(NULL)");
	char e[8];
	is(promfile_escape("abcdefghij", e, sizeof e), 7, "escape truncates to the buffer");
	is(promfile_escape("\"\"\"\"", e, sizeof e), 6, "and never splits an escape");

	unlink(link);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
