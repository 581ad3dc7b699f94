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
	FILE *f = fopen(path, "r"), *f2;
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

	/*
	 * log_escape: what an outside string may contain, and what the log shows.
	 *   input bytes (C literal)     logged as        why
	 *   "ns1.ams"                   ns1.ams          printable ASCII is kept
	 *   "a\nb"                      a\x0ab           newline: no second line
	 *   "\x1b[2J"                   \x1b[2J          terminal escape
	 *   "a\\x0ab"                   a\\x0ab          a backslash is doubled, so it
	 *                                                cannot pass for one of ours
	 *   "\xff\0\x7f" (len 3)        \xff\x00\x7f     high byte, NUL (with a length), DEL
	 */
	char e[64];
	is_str(log_escape("ns1.ams", LOG_ESC_STR, e, sizeof e), "ns1.ams", "escape: printable kept");
	is_str(log_escape("a\nb", LOG_ESC_STR, e, sizeof e), "a\\x0ab", "escape: newline");
	is_str(log_escape("\x1b[2J", LOG_ESC_STR, e, sizeof e), "\\x1b[2J", "escape: ESC");
	is_str(log_escape("a\\x0ab", LOG_ESC_STR, e, sizeof e), "a\\\\x0ab", "escape: backslash doubled");
	is_str(log_escape("\xff\0\x7f", 3, e, sizeof e), "\\xff\\x00\\x7f", "escape: high byte, NUL with a length, DEL");
	is_str(log_escape("abc\0def", LOG_ESC_STR, e, sizeof e), "abc", "escape: LOG_ESC_STR stops at NUL");
	/* exact fit, and a cut on an escape boundary marked by "..." */
	char e3[LOG_ESC_SIZE(3)];
	is_str(log_escape("\n\n\n", 3, e3, sizeof e3), "\\x0a\\x0a\\x0a", "escape: LOG_ESC_SIZE(n) holds n escaped bytes");
	char g[10];
	is_str(log_escape("\n\n\n\n", 4, g, sizeof g), "\\x0a...", "escape: cut whole, marked");
	is_str(log_escape("abcdefghijkl", LOG_ESC_STR, g, sizeof g), "abcdef...", "escape: long string cut");
	char h1[1];
	is_str(log_escape("x", LOG_ESC_STR, h1, sizeof h1), "", "escape: cap 1 gives \"\"");
	is_str(log_escape(NULL, 5, e, sizeof e), "", "escape: NULL input");
	is_str(log_escape("x", 1, NULL, 0), "", "escape: NULL output");

	/* a control byte that reaches a message anyway stays on one line */
	dup2(fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600), 2);
	log_warnx("node '%s' said hello", "evil\nFORGED: line\x1b[0m");
	fflush(stderr);
	f2 = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, f2);
	buf[n] = 0;
	fclose(f2);
	unlink(path);
	lines = 0;
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	is(lines, 1, "unescaped newline in a message: still one line");
	ok(strstr(buf, "evil\\x0aFORGED: line\\x1b[0m' said") != NULL, "  with the control bytes as \\xHH");
	return done_testing();
}
