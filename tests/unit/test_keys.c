/* tests/unit/test_keys.c: node key files and keyrings: formats, permissions, lookups. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "tests/tap.h"

static char dir[] = "/tmp/dnsa-test-keys.XXXXXX";

static const char *write_file(const char *name, const char *content, mode_t mode)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	FILE *f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

int main(void)
{
	char node[ENV_NAME_MAX + 1], line[200];
	uint8_t key[ENV_KEY_LEN], back[ENV_KEY_LEN];
	struct keyring *kr;
	int errline;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	ok(keys_valid_name("ns1.ams-2_x"), "valid node name");
	ok(!keys_valid_name("") && !keys_valid_name("a b") && !keys_valid_name("a/b") && !keys_valid_name(NULL),
	    "invalid node names refused");
	char longname[80];
	memset(longname, 'a', 64);
	longname[64] = 0;
	ok(!keys_valid_name(longname), "64-character name refused");

	keys_generate(key);
	int n = keys_format_line("ns1", key, line, sizeof line);
	is(n, 3 + 1 + 64 + 1, "key line length");
	is(keys_format_line("bad name", key, line, sizeof line), E_INVAL, "bad name not formatted");

	const char *p = write_file("ns1.key", line, 0600);
	is(keys_load_node(p, node, back), E_OK, "node key file loads");
	ok(!strcmp(node, "ns1") && !memcmp(key, back, ENV_KEY_LEN), "name and key read back");

	chmod(p, 0640);
	is(keys_load_node(p, node, back), E_KEYPERM, "group-readable key file refused");
	chmod(p, 0604);
	is(keys_load_node(p, node, back), E_KEYPERM, "world-readable key file refused");
	chmod(p, 0400);
	is(keys_load_node(p, node, back), E_OK, "0400 accepted");
	ok(strstr(dnsa_strerror(E_KEYPERM), "0600") != NULL, "the error says what to do");

	is(keys_load_node(write_file("short.key", "ns1 abcd\n", 0600), node, back), E_KEYFORMAT, "short key refused");
	is(keys_load_node(write_file("nohex.key", "ns1 zz01279e629edaf6abc5417158f2e75d0b39f20f6fe084e72be71d4517f0e3ab7\n", 0600), node, back),
	    E_KEYFORMAT, "non-hex key refused");
	is(keys_load_node(write_file("empty.key", "# nothing\n", 0600), node, back), E_KEYFORMAT, "empty key file refused");
	char twice[400];
	snprintf(twice, sizeof twice, "%s%s", line, line);
	is(keys_load_node(write_file("two.key", twice, 0600), node, back), E_KEYFORMAT, "two keys in a node file refused");
	ok(keys_load_node("/nonexistent/x.key", node, back) < 0, "missing file is an error");
	is(keys_load_node(dir, node, back), E_KEYTYPE, "a directory is not a key file");
	/* a FIFO: opening it for reading must not wait for a writer (issue 13.10) */
	char fifo[300], why[400];
	snprintf(fifo, sizeof fifo, "%s/fifo.key", dir);
	if (mkfifo(fifo, 0600) == 0) {
		alarm(10); /* a hang fails the test instead of stalling it */
		is(keys_load_node(fifo, node, back), E_KEYTYPE, "a FIFO key file is refused at once, not waited on");
		ok(keys_check_node(fifo, why, sizeof why) && strstr(why, "a FIFO, not a regular file"), "and described: %s", why);
		struct keyring *kf = NULL;
		int el = 0;
		is(keyring_load(fifo, &kf, &el), E_KEYTYPE, "a FIFO keyring too");
		alarm(0);
	} else {
		ok(0, "mkfifo");
	}
	ok(keys_check_node(write_file("open.key", line, 0644), why, sizeof why) &&
	    strstr(why, "mode 0644: must be readable by its owner only (chmod 600"), "0644 key described: %s", why);
	ok(keys_check_node(write_file("good.key", line, 0600), why, sizeof why) == 0, "a good key file passes the check");

	/* keyring */
	char ring[2000] = "# keyring\n\n";
	uint8_t keys[20][ENV_KEY_LEN];
	for (int i = 0; i < 20; i++) {
		char nm[16];
		snprintf(nm, sizeof nm, "node%02d", 19 - i);
		keys_generate(keys[i]);
		keys_format_line(nm, keys[i], line, sizeof line);
		strcat(ring, line);
	}
	p = write_file("ring", ring, 0600);
	is(keyring_load(p, &kr, &errline), E_OK, "keyring loads");
	is(keyring_count(kr), 20, "20 nodes");
	const uint8_t *k5 = keyring_find(kr, "node14");
	ok(k5 && !memcmp(k5, keys[5], ENV_KEY_LEN), "lookup returns the right key");
	ok(keyring_find(kr, "node20") == NULL && keyring_find(kr, "") == NULL && keyring_find(kr, NULL) == NULL,
	    "unknown node: NULL");
	is_str(keyring_name(kr, 0), "node00", "names are sorted");
	ok(keyring_name(kr, 20) == NULL, "name index out of range");
	keyring_free(kr);
	keyring_free(NULL);

	strcat(ring, "node03 ffff\n");
	p = write_file("ring-bad", ring, 0600);
	is(keyring_load(p, &kr, &errline), E_KEYFORMAT, "bad line in keyring refused");
	is(errline, 23, "bad line number reported");
	ok(kr == NULL, "no keyring on error");
	keys_format_line("node03", keys[0], line, sizeof line);
	p = write_file("ring-dup", line, 0600);
	FILE *f = fopen(p, "a");
	fputs(line, f);
	fclose(f);
	is(keyring_load(p, &kr, &errline), E_KEYDUP, "node listed twice refused as a duplicate");
	is(errline, 2, "on the line that lists it the second time");
	char why2[400];
	ok(keys_check_keyring(p, why2, sizeof why2) && strstr(why2, "ring-dup:2: node listed a second time"), "described: %s", why2);
	p = write_file("ring-perm", line, 0644);
	is(keyring_load(p, &kr, &errline), E_KEYPERM, "world-readable keyring refused");
	is(keyring_load(NULL, &kr, &errline), E_INVAL, "keyring_load(NULL)");

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cleanup failed");
	return done_testing();
}
