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
#include "common/clock.h"
#include "common/errors.h"
#include "common/record.h"
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


/* run the loop and the timeouts for ms milliseconds */
static void pump(struct evloop *ev, struct dnstap_input *in, unsigned ms)
{
	uint64_t end = clock_mono_us() + ms * 1000ull;
	while (clock_mono_us() < end) {
		evloop_run_once(ev, 5);
		dnstap_input_tick(in, clock_mono_us());
	}
}

/*
 * A Frame Streams control frame (READY = 4 or START = 2, with the dnstap
 * content type):
 *   00 00 00 00 | control length (4) | type (4) | field 1 | ct length | content type
 */
static size_t control(uint8_t *b, uint32_t type)
{
	static const char ct[] = "protobuf:dnstap.Dnstap";
	uint32_t w[5] = { 0, htonl(12 + sizeof(ct) - 1), htonl(type), htonl(1), htonl(sizeof(ct) - 1) };
	memcpy(b, w, sizeof(w));
	memcpy(b + sizeof(w), ct, sizeof(ct) - 1);
	return sizeof(w) + sizeof(ct) - 1;
}

static int unix_client(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* a TCP client to 127.0.0.1:port, from source address src (NULL: any) */
static int tcp_client(unsigned port, const char *src)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && src) {
		struct sockaddr_in s = { .sin_family = AF_INET };
		inet_pton(AF_INET, src, &s.sin_addr);
		if (bind(fd, (struct sockaddr *)&s, sizeof(s)) < 0) {
			close(fd);
			return -1;
		}
	}
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 once capd closed fd (EOF or reset), 0 while it is open */
static int closed_by_peer(int fd)
{
	uint8_t b[256];
	for (;;) {
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return 1;
		if (n < 0)
			return 0;
	}
}

/* READY, pump, ACCEPT read (whatever capd sent), START: the bidirectional handshake */
static int handshake(struct evloop *ev, struct dnstap_input *in, int fd)
{
	uint8_t b[128];
	size_t n = control(b, 4);
	if (send(fd, b, n, MSG_NOSIGNAL) != (ssize_t)n)
		return -1;
	pump(ev, in, 20);
	if (recv(fd, b, sizeof(b), MSG_DONTWAIT) <= 0)
		return -1;
	n = control(b, 2);
	if (send(fd, b, n, MSG_NOSIGNAL) != (ssize_t)n)
		return -1;
	pump(ev, in, 20);
	return 0;
}

static int data_frame(int fd)
{
	static const uint8_t f[] = { 0, 0, 0, 3, 'a', 'b', 'c' };
	return send(fd, f, sizeof(f), MSG_NOSIGNAL) == (ssize_t)sizeof(f) ? 0 : -1;
}

/* 13.8: a peer that never finishes the handshake, or stops sending, loses its slot */
static void timeouts(void)
{
	char sock[128];
	unsigned frames = 0;
	struct dnstap_input_stats st;
	snprintf(sock, sizeof(sock), "%s/t.sock", dir);
	struct dnstap_input_conf c = { .unix_path = sock, .handshake_timeout_ms = 300, .idle_timeout_ms = 800 };
	struct evloop *ev;
	evloop_new(&ev);
	int err = 0;
	struct dnstap_input *in;
	err = dnstap_input_new(&c, ev, no_frame, &frames, &in);
	ok(in != NULL, "listener with 300 ms handshake and 800 ms idle timeouts (%s)", dnsa_strerror(err));
	if (!in)
		return;
	int silent = unix_client(sock);   /* connects, sends nothing */
	int ready = unix_client(sock);    /* READY, never START */
	int quiet = unix_client(sock);    /* handshake, one frame, then silence */
	int busy = unix_client(sock);     /* handshake, a frame every 100 ms */
	uint8_t b[128];
	size_t n = control(b, 4);
	pump(ev, in, 20);
	ok(send(ready, b, n, MSG_NOSIGNAL) == (ssize_t)n, "READY sent");
	ok(handshake(ev, in, quiet) == 0 && data_frame(quiet) == 0, "quiet peer: handshake and one frame");
	ok(handshake(ev, in, busy) == 0, "busy peer: handshake");
	pump(ev, in, 100);
	ok(!closed_by_peer(silent) && !closed_by_peer(ready), "before the handshake timeout both unfinished peers are open");
	for (int i = 0; i < 4; i++) {
		data_frame(busy);
		pump(ev, in, 100);
	}
	ok(closed_by_peer(silent), "a peer that sent nothing is closed after the handshake timeout");
	ok(closed_by_peer(ready), "a peer that sent READY but no START is closed too");
	ok(!closed_by_peer(quiet), "a peer past its handshake is not held to the handshake timeout");
	dnstap_input_stats(in, &st);
	is(st.handshake_timeouts, 2, "2 handshake timeouts counted");
	is(st.idle_timeouts, 0, "no idle timeout yet");
	for (int i = 0; i < 6; i++) {
		data_frame(busy);
		pump(ev, in, 100);
	}
	ok(closed_by_peer(quiet), "the peer silent for more than 800 ms is closed");
	ok(!closed_by_peer(busy), "the peer sending every 100 ms stays open");
	dnstap_input_stats(in, &st);
	is(st.idle_timeouts, 1, "1 idle timeout counted");
	is(st.conns_open, 1, "one connection left open");
	is(frames, 11, "every frame of the live peers was delivered (1 + 10)");
	close(silent), close(ready), close(quiet), close(busy);
	dnstap_input_free(in);
	evloop_free(ev);
}

/* 13.8: TCP peers fill their own pool; the nameserver's UNIX socket still gets in */
static void pools(void)
{
	char sock[128];
	unsigned frames = 0;
	struct dnstap_input_stats st;
	snprintf(sock, sizeof(sock), "%s/p.sock", dir);
	struct dnstap_input_conf c = { .unix_path = sock, .tcp_listen = "127.0.0.1:0", .max_conns = 2, .tcp_max_conns = 3 };
	struct evloop *ev;
	evloop_new(&ev);
	int err = 0, t[6], u[3];
	struct dnstap_input *in;
	err = dnstap_input_new(&c, ev, no_frame, &frames, &in);
	ok(in != NULL, "UNIX pool of 2, TCP pool of 3 (%s)", dnsa_strerror(err));
	if (!in)
		return;
	unsigned port = dnstap_input_tcp_port(in);
	for (int i = 0; i < 6; i++) {
		t[i] = tcp_client(port, NULL);
		pump(ev, in, 10);
	}
	dnstap_input_stats(in, &st);
	is(st.conns_accepted, 3, "6 idle TCP peers: 3 accepted");
	is(st.conns_rejected, 3, "and 3 rejected (counted)");
	u[0] = unix_client(sock);
	u[1] = unix_client(sock);
	pump(ev, in, 20);
	ok(handshake(ev, in, u[0]) == 0 && data_frame(u[0]) == 0 && handshake(ev, in, u[1]) == 0,
	    "with the TCP pool full, 2 nameservers connect on the UNIX socket and complete the handshake");
	pump(ev, in, 20);
	ok(!closed_by_peer(u[0]) && !closed_by_peer(u[1]), "and stay connected");
	is(frames, 1, "the nameserver's frame was delivered");
	u[2] = unix_client(sock);
	pump(ev, in, 20);
	ok(closed_by_peer(u[2]), "a third UNIX peer is closed at once (UNIX pool full)");
	dnstap_input_stats(in, &st);
	is(st.conns_accepted, 5, "5 accepted in all");
	is(st.conns_rejected, 4, "4 rejected in all");
	struct dnsa_counters cn;
	memset(&cn, 0, sizeof cn);
	counters_set(&cn, C_FRAME_ERRORS, 7);
	dnstap_input_counters(in, &cn);
	ok(counters_has(&cn, C_DNSTAP_CONNS) && cn.value[C_DNSTAP_CONNS] == 5 && cn.value[C_DNSTAP_REJECTED] == 4 &&
	    counters_has(&cn, C_DNSTAP_DENIED) && cn.value[C_DNSTAP_DENIED] == 0 &&
	    counters_has(&cn, C_DNSTAP_HANDSHAKE_TIMEOUTS) && counters_has(&cn, C_DNSTAP_IDLE_TIMEOUTS) &&
	    counters_has(&cn, C_DNSTAP_IO_ERRORS) && counters_has(&cn, C_DNSTAP_ACCEPT_ERRORS) &&
	    !counters_has(&cn, C_DROP_OVERLOAD), "dnstap_input_counters: connections 5, rejected 4, every refusal counter set");
	/* shed frames reach drop_overload through pipeline_shed only: adding frames_shed here counted them twice */
	is(cn.value[C_FRAME_ERRORS], 7, "frame errors are added to what the counters already hold");
	dnstap_input_counters(NULL, &cn);
	dnstap_input_counters(in, NULL);
	is(cn.value[C_DNSTAP_CONNS], 5, "NULL input or counters: nothing changes");
	for (int i = 0; i < 6; i++)
		if (t[i] >= 0)
			close(t[i]);
	for (int i = 0; i < 3; i++)
		if (u[i] >= 0)
			close(u[i]);
	dnstap_input_free(in);
	evloop_free(ev);
}

/* 13.8: only configured sources reach the TCP listener; none configured: loopback only */
static void allow_list(void)
{
	unsigned frames = 0;
	struct dnstap_input_stats st;
	struct addr_prefix allow[2];
	int err = 0;
	ok(addr_parse_prefix("127.0.0.2", &allow[0]) == E_OK && addr_parse_prefix("10.0.0.0/8", &allow[1]) == E_OK,
	    "prefixes parse");
	struct dnstap_input_conf c = { .tcp_listen = "127.0.0.1:0", .tcp_allow = allow, .n_tcp_allow = 2 };
	struct evloop *ev;
	evloop_new(&ev);
	struct dnstap_input *in;
	err = dnstap_input_new(&c, ev, no_frame, &frames, &in);
	ok(in != NULL, "TCP listener allowing 127.0.0.2 and 10.0.0.0/8 (%s)", dnsa_strerror(err));
	if (!in)
		return;
	unsigned port = dnstap_input_tcp_port(in);
	int a = tcp_client(port, "127.0.0.1"), b = tcp_client(port, "127.0.0.2");
	pump(ev, in, 30);
	ok(a >= 0 && closed_by_peer(a), "a peer from 127.0.0.1 is closed at once");
	ok(b >= 0 && handshake(ev, in, b) == 0 && !closed_by_peer(b), "a peer from 127.0.0.2 completes the handshake");
	dnstap_input_stats(in, &st);
	is(st.conns_denied, 1, "1 connection denied (counted)");
	is(st.conns_accepted, 1, "1 accepted");
	close(a), close(b);
	dnstap_input_free(in);

	struct dnstap_input_conf d = { .tcp_listen = "0.0.0.0:0" };
	err = dnstap_input_new(&d, ev, no_frame, &frames, &in);
	ok(in != NULL, "TCP listener on 0.0.0.0 with no allow-list");
	if (!in)
		return;
	port = dnstap_input_tcp_port(in);
	a = tcp_client(port, "127.0.0.9");
	pump(ev, in, 30);
	ok(a >= 0 && handshake(ev, in, a) == 0 && !closed_by_peer(a), "no allow-list: a loopback peer (127.0.0.9) is served");
	/* a non-loopback source: this host's own address on another interface, if it has one */
	char host[64] = "";
	FILE *f = popen("hostname -I 2>/dev/null | awk '{print $1}'", "r");
	if (f && fgets(host, sizeof(host), f))
		host[strcspn(host, "\n")] = '\0';
	if (f)
		pclose(f);
	struct sockaddr_in sa;
	if (host[0] && inet_pton(AF_INET, host, &sa.sin_addr) == 1 && strncmp(host, "127.", 4) != 0) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = sa.sin_addr };
		int e = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int rc = connect(e, (struct sockaddr *)&to, sizeof(to));
		pump(ev, in, 30);
		ok(rc == 0 && closed_by_peer(e), "no allow-list: a peer from %s (not loopback) is closed at once", host);
		close(e);
	} else {
		ok(1, "# SKIP no non-loopback IPv4 address on this host");
	}
	close(a);
	dnstap_input_free(in);
	evloop_free(ev);
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
	struct evloop *ev;
	evloop_new(&ev);
	unsigned frames = 0, made = 0, refused = 0, other = 0;
	int last_other = 0;
	for (int i = 0; i < tries; i++) {
		struct dnstap_input_conf c = { .unix_path = sock, .unix_group = "65534", .unix_mode = 0666 };
		int err = 0;
		unlink(sock); /* whatever the attacker left from the previous try */
		struct dnstap_input *in;
		err = dnstap_input_new(&c, ev, no_frame, &frames, &in);
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
	signal(SIGPIPE, SIG_IGN);
	timeouts();
	pools();
	allow_list();
	symlink_race();
	return done_testing();
}
