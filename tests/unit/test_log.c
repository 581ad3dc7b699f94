/* tests/unit/test_log.c: error strings and rate-limited logging. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/log.h"
#include "tests/tap.h"

int main(void)
{
	is_str(dnsa_strerror(E_OK), "success", "E_OK");
	is_str(dnsa_strerror(E_AUTH), "authentication failed", "project code");
	is_str(dnsa_strerror(-2), "No such file or directory", "errno code");
	is_str(dnsa_strerror(-5000), "unknown error", "out of range");
	int all = 1;
	for (int e = E_BASE - 1; e > E_LAST; e--)
		if (!strcmp(dnsa_strerror(e), "unknown error"))
			all = 0;
	ok(all, "every project code has a message");

	/* rate limiting: stderr to a file, 3 messages per 60 s pass, the rest are counted */
	char path[] = "/tmp/dnsa-test-log.XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(2);
	dup2(fd, 2);
	log_init("test", 0, 0);
	struct log_rl rl = LOG_RL_INIT(3, 60);
	for (int i = 0; i < 10; i++)
		log_warnx_rl(&rl, "bad datagram %d", i);
	log_debug("hidden at verbosity 0");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	char buf[2048] = "";
	FILE *f = fopen(path, "r");
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	unlink(path);
	int lines = 0;
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	is(lines, 3, "three of ten messages logged");
	is(rl.suppressed, 7, "seven suppressed and counted");
	ok(strstr(buf, "test: bad datagram 2") != NULL, "messages carry the ident");
	ok(strstr(buf, "hidden") == NULL, "debug hidden at verbosity 0");
	/* the next window reports the suppressed count */
	rl.window -= 61;
	dup2(fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600), 2);
	log_warnx_rl(&rl, "again");
	fflush(stderr);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	unlink(path);
	ok(strstr(buf, "again (7 similar messages suppressed)") != NULL, "suppressed count reported later");
	return done_testing();
}
