/* tests/unit/test_capfile.c: telling capture files apart (capfile_kind) and their counters (capfile_counters). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capd/capfile.h"
#include "common/errors.h"
#include "tests/tap.h"

static char dir[] = "/tmp/dnsa-test-capfile.XXXXXX";

/* a file holding the given bytes */
static const char *file(const char *name, const void *b, size_t n)
{
	static char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, b, n) != (ssize_t)n)
		diag("cannot write %s", p);
	close(fd);
	return p;
}

int main(void)
{
	enum capfile_kind k = 0;
	const char *samples = getenv("DNSA_SAMPLES") ? getenv("DNSA_SAMPLES") : "tests/data/realservers/samples";
	char p[512];
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(p, sizeof p, "%s/knot.fstrm", samples);
	ok(capfile_kind(p, &k) == E_OK && k == CAPFILE_DNSTAP, "knot.fstrm (fstrm_capture) is dnstap");
	snprintf(p, sizeof p, "%s/knot-udp-tcp.pcap", samples);
	ok(capfile_kind(p, &k) == E_OK && k == CAPFILE_PCAP, "knot-udp-tcp.pcap (tcpdump) is pcap");
	/* the first 4 bytes of each format: pcap us and ns in both byte orders, pcapng, Frame Streams */
	static const uint8_t heads[][4] = { { 0xa1, 0xb2, 0xc3, 0xd4 }, { 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0x0a, 0x0d, 0x0d, 0x0a } };
	int all = 1;
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
		all &= capfile_kind(file("h", heads[i], 4), &k) == E_OK && k == CAPFILE_PCAP;
	ok(all, "every pcap and pcapng magic");
	ok(capfile_kind(file("fs", "\0\0\0\0\0\0\0\x20", 8), &k) == E_OK && k == CAPFILE_DNSTAP, "a Frame Streams escape");
	ok(capfile_kind(file("txt", "hello world\n", 12), &k) == E_OK && k == CAPFILE_UNKNOWN, "text: unknown");
	ok(capfile_kind(file("short", "\0\0", 2), &k) == E_OK && k == CAPFILE_UNKNOWN, "shorter than 4 bytes: unknown");
	ok(capfile_kind(file("empty", "", 0), &k) == E_OK && k == CAPFILE_UNKNOWN, "empty: unknown");
	snprintf(p, sizeof p, "%s/missing", dir);
	is(capfile_kind(p, &k), -ENOENT, "a missing file: -ENOENT");
	is(capfile_kind(dir, &k), -EISDIR, "a directory: -EISDIR");
	ok(capfile_kind(NULL, &k) == E_INVAL && capfile_kind(p, NULL) == E_INVAL, "NULL arguments");

	struct framestream_stats st = { .err_toobig = 2, .err_truncated = 1, .frames = 99 };
	struct dnsa_counters c;
	memset(&c, 0, sizeof c);
	capfile_counters(&st, &c);
	ok(counters_has(&c, C_FRAME_ERRORS) && c.value[C_FRAME_ERRORS] == 3, "capfile_counters: 3 frame errors");
	capfile_counters(&st, &c);
	is(c.value[C_FRAME_ERRORS], 6, "added, not set");
	capfile_counters(NULL, &c);
	capfile_counters(&st, NULL);
	is(c.value[C_FRAME_ERRORS], 6, "NULL arguments: nothing");

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cleanup failed");
	return done_testing();
}
