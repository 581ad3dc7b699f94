/* tests/unit/test_dnstap_guard.c: dnstap listeners against hostile local users and peers: symlink race, timeouts, pools, allow-list. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "capd/dnstap_input.h"
#include "capd/evloop.h"
#include "common/errors.h"
#include "tests/tap.h"

static char dir[64];
static pid_t child;

static void cleanup(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = 0;
	}
	if (dir[0] && getenv("DNSA_KEEP") == NULL) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
}

static void on_alarm(int sig)
{
	static const char msg[] = "not ok - test_dnstap_guard timed out\n";
	if (child > 0)
		kill(child, SIGKILL);
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void no_frame(void *arg, const uint8_t *frame, size_t len, unsigned flags)
{
	(*(unsigned *)arg)++;
}

/*
 * 13.9: capd as root creates its socket in a directory another user
 * (nobody) can write. That user swaps a symlink to a root-owned 0600 file in
 * as soon as the socket appears, hoping capd's chown/chmod follow it. After
 * 1,000 tries the file must be untouched, and no try may have failed for
 * any reason but the attacker's own entry at the path (-EEXIST).
 */
static void symlink_race(void)
{
	char racedir[128], sock[160], victim[160], lnk[160];
	const int tries = 1000;
	if (geteuid() != 0) {
		ok(1, "# SKIP symlink race needs root (capd's chown as root is the threat)");
		return;
	}
	snprintf(racedir, sizeof(racedir), "%s/shared", dir);
	snprintf(sock, sizeof(sock), "%s/dnstap.sock", racedir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(lnk, sizeof(lnk), "%s/l", racedir);
	int fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || mkdir(racedir, 0755) < 0 || chown(racedir, 65534, 65534) < 0 || chmod(dir, 0755) < 0) {
		ok(0, "race set-up: %s", strerror(errno));
		return;
	}
	close(fd);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		/* the attacker: another user with write access to the socket's directory */
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		for (;;) {
			struct stat sb;
			if (lstat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
				unlink(lnk);
				if (symlink(victim, lnk) == 0)
					rename(lnk, sock);
			}
		}
	}
	struct evloop *ev = evloop_new();
	unsigned frames = 0, made = 0, refused = 0, other = 0;
	int last_other = 0;
	for (int i = 0; i < tries; i++) {
		struct dnstap_input_conf c = { .unix_path = sock, .unix_group = "65534", .unix_mode = 0666 };
		int err = 0;
		unlink(sock); /* whatever the attacker left from the previous try */
		struct dnstap_input *in = dnstap_input_new(&c, ev, no_frame, &frames, &err);
		if (in)
			made++;
		else if (err == -EEXIST)
			refused++;
		else
			other++, last_other = err;
		dnstap_input_free(in);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	child = 0;
	evloop_free(ev);
	struct stat vb;
	stat(victim, &vb);
	diag("%d tries: %u listeners made, %u refused (attacker's entry at the path), %u other (last %s)", tries, made,
	    refused, other, other ? dnsa_strerror(last_other) : "-");
	ok(made > 0, "the listener was made in some of the %d tries (%u)", tries, made);
	is(vb.st_mode & 07777, 0600, "after %d tries with a symlink swapped in, the victim file is still mode 0600", tries);
	is(vb.st_uid, 0, "and still owned by root");
	is(vb.st_gid, 0, "and still of group root");
	is(other, 0, "no try failed for another reason");
	/* no private directory left behind */
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -c '^\\.capd-' >/dev/null", racedir);
	ok(system(cmd) != 0, "no .capd-* directory left in %s", racedir);
}

int main(void)
{
	signal(SIGALRM, on_alarm);
	alarm(60);
	snprintf(dir, sizeof(dir), "/tmp/dnsa-guard.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	atexit(cleanup);
	symlink_race();
	return done_testing();
}
