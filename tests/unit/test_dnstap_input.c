/* tests/unit/test_dnstap_input.c: evloop + dnstap listeners against fstrm_replay, a real Knot DNS and hostile peers. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "capd/dnstap.h"
#include "capd/dnstap_input.h"
#include "capd/evloop.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

static char dir[64];
static char sample[512];
static pid_t children[8];

/* ---- helpers ---- */

static void remember(pid_t pid)
{
	for (int i = 0; i < 8; i++)
		if (children[i] == 0) {
			children[i] = pid;
			return;
		}
}

static void forget(pid_t pid)
{
	for (int i = 0; i < 8; i++)
		if (children[i] == pid)
			children[i] = 0;
}

/* stop every child still running, by PID (also on a failed assertion path) */
static void cleanup(void)
{
	for (int i = 0; i < 8; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
	if (dir[0] && getenv("DNSA_KEEP") == NULL) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
}

/* the time bound: kill what we started (async-signal-safe calls only) and fail */
static void on_alarm(int sig)
{
	static const char msg[] = "not ok - test_dnstap_input timed out\n";
	for (int i = 0; i < 8; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		remember(pid);
	return pid;
}

/* child exit status if it has ended, -1 if still running */
static int reaped(pid_t pid, int *status)
{
	if (waitpid(pid, status, WNOHANG) == pid) {
		forget(pid);
		return 1;
	}
	return 0;
}

/* frames seen by the pipeline side, counted by peek */
struct sink {
	uint64_t frames, shed, bad;
	uint64_t by_type[MT_MAX];
	uint64_t by_tr[TR_MAX];
	unsigned slow_us; /* pretend to be a slow pipeline */
	int slow_sleeps;  /* ... by sleeping (off the CPU, as when preempted), not spinning */
};

static void sink_frame(void *arg, const uint8_t *f, size_t len, unsigned flags)
{
	struct sink *s = arg;
	uint8_t t, tr, fam;
	s->frames++;
	if (flags & DNSTAP_FRAME_SHED)
		s->shed++;
	if (dnstap_peek_type(f, len, &t, &tr, &fam) != E_OK) {
		s->bad++;
		return;
	}
	s->by_type[t < MT_MAX ? t : 0]++;
	s->by_tr[tr < TR_MAX ? tr : 0]++;
	if (s->slow_us && s->slow_sleeps && !(flags & DNSTAP_FRAME_SHED)) {
		struct timespec ts = { 0, (long)s->slow_us * 1000 };
		nanosleep(&ts, NULL);
	} else if (s->slow_us && !(flags & DNSTAP_FRAME_SHED)) { /* a shed frame costs the pipeline nothing */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t until = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000 + s->slow_us, now;
		do {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
		} while (now < until);
	}
}

static struct dnstap_input_stats st_of(struct dnstap_input *in)
{
	struct dnstap_input_stats s;
	dnstap_input_stats(in, &s);
	return s;
}

/* run the loop until cond(in) or timeout; returns 1 if cond became true */
typedef int (*cond_fn)(struct dnstap_input *in, void *arg);
static int run_until(struct evloop *ev, struct dnstap_input *in, cond_fn cond, void *arg, unsigned timeout_ms)
{
	uint64_t end = (uint64_t)clock_mono_ms() + timeout_ms;
	while ((uint64_t)clock_mono_ms() < end) {
		if (cond(in, arg))
			return 1;
		evloop_run_once(ev, 20);
	}
	return cond(in, arg);
}

static int c_closed_at_least(struct dnstap_input *in, void *arg)
{
	return st_of(in).conns_closed >= *(uint64_t *)arg;
}
static int c_frames_at_least(struct dnstap_input *in, void *arg)
{
	return st_of(in).fs.frames >= *(uint64_t *)arg;
}
static int c_accepted_at_least(struct dnstap_input *in, void *arg)
{
	return st_of(in).conns_accepted + st_of(in).conns_rejected >= *(uint64_t *)arg;
}
struct exited {
	pid_t pid;
	int status;
};
static int c_child_exited(struct dnstap_input *in, void *arg)
{
	struct exited *e = arg;
	return reaped(e->pid, &e->status);
}

static int connect_unix(const char *path)
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

static int send_all(int fd, const void *b, size_t n)
{
	return send(fd, b, n, MSG_NOSIGNAL) == (ssize_t)n;
}

/* read what the listener sent back, loop running, until EOF/n bytes/timeout */
static ssize_t recv_reply(struct evloop *ev, int fd, uint8_t *buf, size_t cap, size_t want, unsigned timeout_ms)
{
	size_t got = 0;
	uint64_t end = (uint64_t)clock_mono_ms() + timeout_ms;
	while ((uint64_t)clock_mono_ms() < end && got < want) {
		evloop_run_once(ev, 10);
		ssize_t n = recv(fd, buf + got, cap - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	return (ssize_t)got;
}

#define CT 'p', 'r', 'o', 't', 'o', 'b', 'u', 'f', ':', 'd', 'n', 's', 't', 'a', 'p', '.', 'D', 'n', 's', 't', 'a', 'p'
#define READY 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 22, CT
#define START 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 22, CT
#define STOP 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3
/* a minimal dnstap frame: 14 message { 1 type AUTH_QUERY, 3 protocol TCP } */
#define FRAME 0, 0, 0, 6, 0x72, 0x04, 0x08, 0x01, 0x18, 0x02
static const uint8_t ready[] = { READY };
static const uint8_t start[] = { START };
static const uint8_t stop[] = { STOP };
static const uint8_t frame[] = { FRAME };
static const uint8_t accept_frame[] = { 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 22, CT };
static const uint8_t finish_frame[] = { 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 5 };

/* ---- evloop ---- */

struct evt {
	int hits;
	int other_fd;
	struct evloop *ev;
};

static void ev_cb(struct evloop *ev, int fd, uint32_t events, void *arg)
{
	struct evt *e = arg;
	char b[16];
	e->hits++;
	if (read(fd, b, sizeof(b)) < 0)
		diag("read: %s", strerror(errno));
	if (e->other_fd >= 0) /* delete the other ready fd: its fetched event must not be delivered */
		evloop_del(ev, e->other_fd);
}

static void t_evloop(void)
{
	struct evloop *ev;
	evloop_new(&ev);
	int p1[2], p2[2];
	ok(ev != NULL, "evloop_new");
	evloop_free(NULL);
	is(evloop_add(NULL, 0, EPOLLIN, ev_cb, NULL), E_INVAL, "add NULL loop");
	is(evloop_add(ev, -1, EPOLLIN, ev_cb, NULL), E_INVAL, "add bad fd");
	is(evloop_add(ev, 0, EPOLLIN, NULL, NULL), E_INVAL, "add NULL callback");
	is(evloop_mod(NULL, 0, EPOLLIN), E_INVAL, "mod NULL loop");
	is(evloop_mod(ev, 999, EPOLLIN), E_NOTFOUND, "mod unknown fd");
	is(evloop_del(NULL, 0), E_INVAL, "del NULL loop");
	is(evloop_del(ev, 999), E_NOTFOUND, "del unknown fd");
	is(evloop_run_once(NULL, 0), E_INVAL, "run NULL loop");
	is(evloop_run_once(ev, 0), 0, "nothing registered: timeout, 0 events");
	if (pipe(p1) < 0 || pipe(p2) < 0)
		return;
	struct evt a = { 0, p2[0], ev }, b = { 0, p1[0], ev };
	is(evloop_add(ev, p1[0], EPOLLIN, ev_cb, &a), E_OK, "add pipe 1");
	is(evloop_add(ev, p2[0], EPOLLIN, ev_cb, &b), E_OK, "add pipe 2");
	is(evloop_add(ev, p2[0], EPOLLIN, ev_cb, &b), E_INVAL, "add twice refused");
	is(evloop_run_once(ev, 0), 0, "nothing readable yet");
	if (write(p1[1], "x", 1) != 1 || write(p2[1], "y", 1) != 1)
		diag("write failed");
	int n = evloop_run_once(ev, 100);
	is(n, 2, "2 events fetched");
	is(a.hits + b.hits, 1, "the fd deleted by the first callback got no callback");
	is(evloop_mod(ev, a.hits ? p1[0] : p2[0], EPOLLOUT), E_OK, "mod remaining fd");
	close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
	/* a high fd number grows the table */
	int hi = fcntl(0, F_DUPFD_CLOEXEC, 900);
	int pp[2];
	if (hi >= 0 && pipe(pp) == 0 && dup2(pp[0], hi) == hi) {
		struct evt c = { 0, -1, ev };
		is(evloop_add(ev, hi, EPOLLIN, ev_cb, &c), E_OK, "add fd %d (table grows)", hi);
		if (write(pp[1], "z", 1) != 1)
			diag("write failed");
		is(evloop_run_once(ev, 100), 1, "high fd event");
		is(c.hits, 1, "high fd callback");
		is(evloop_del(ev, hi), E_OK, "del high fd");
		close(pp[0]); close(pp[1]); close(hi);
	}
	evloop_free(ev);
}

/* ---- listener set-up errors ---- */

static void t_setup_errors(struct evloop *ev)
{
	struct sink s = { 0 };
	struct dnstap_input *none = NULL;
	struct dnstap_input_conf c = { 0 };
	ok(dnstap_input_new(NULL, ev, sink_frame, &s, &none) == E_INVAL && none == NULL, "NULL conf");
	ok(dnstap_input_new(&c, ev, sink_frame, &s, &none) == E_INVAL && none == NULL, "no listener configured");
	c.unix_path = "/tmp/x.sock";
	ok(dnstap_input_new(&c, NULL, sink_frame, &s, &none) == E_INVAL && none == NULL, "NULL loop");
	ok(dnstap_input_new(&c, ev, NULL, &s, &none) == E_INVAL && none == NULL, "NULL callback");
	ok(dnstap_input_new(&c, ev, sink_frame, &s, NULL) == E_INVAL, "NULL out");
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	c.unix_path = longp;
	ok(dnstap_input_new(&c, ev, sink_frame, &s, &none) == E_INVAL && none == NULL, "path longer than sun_path");
	char path[128];
	snprintf(path, sizeof(path), "%s/regular", dir);
	FILE *f = fopen(path, "w");
	if (f)
		fclose(f);
	c.unix_path = path;
	ok(dnstap_input_new(&c, ev, sink_frame, &s, &none) == -EEXIST && none == NULL, "regular file at the path: -EEXIST");
	struct stat sb;
	ok(stat(path, &sb) == 0 && S_ISREG(sb.st_mode), "  and the file is left alone");
	snprintf(path, sizeof(path), "%s/u.sock", dir);
	c.unix_owner = "no-such-user-dnsa";
	ok(dnstap_input_new(&c, ev, sink_frame, &s, &none) == E_NOTFOUND && none == NULL, "unknown owner: E_NOTFOUND");
	c.unix_owner = NULL;
	c.unix_group = "no-such-group-dnsa";
	ok(dnstap_input_new(&c, ev, sink_frame, &s, &none) == E_NOTFOUND && none == NULL, "unknown group: E_NOTFOUND");
	ok(access(path, F_OK) != 0, "  no socket left behind");
	c.unix_group = NULL;
	c.unix_path = NULL;
	c.tcp_listen = "127.0.0.1";
	ok(dnstap_input_new(&c, ev, sink_frame, &s, &none) == E_INVAL && none == NULL, "tcp without port");
	c.tcp_listen = "not-an-address:53";
	ok(dnstap_input_new(&c, ev, sink_frame, &s, &none) == E_INVAL && none == NULL, "tcp with a name, not an address");
	dnstap_input_free(NULL);
	struct dnstap_input_stats z;
	memset(&z, 0xff, sizeof(z));
	dnstap_input_stats(NULL, &z);
	is(z.fs.frames + z.conns_open, 0, "stats of NULL input are zero");
	dnstap_input_stats(NULL, NULL);
	is(dnstap_input_tcp_port(NULL), 0, "tcp port of NULL input");
}

/* ---- fstrm_replay of the sample, hostile peers, and a good peer after them ---- */

static pid_t replay_unix(const char *sock)
{
	char *argv[] = { "fstrm_replay", "-t", "protobuf:dnstap.Dnstap", "-u", (char *)sock, "-r", sample, NULL };
	char log[128];
	snprintf(log, sizeof(log), "%s/replay.log", dir);
	return spawn(argv, log);
}

static void replay_and_check(struct evloop *ev, struct dnstap_input *in, struct sink *s, const char *sock,
			     const char *what)
{
	struct dnstap_input_stats before = st_of(in);
	uint64_t f0 = s->frames, aq0 = s->by_type[MT_AUTH_QUERY], ar0 = s->by_type[MT_AUTH_RESPONSE];
	uint64_t udp0 = s->by_tr[TR_UDP], tcp0 = s->by_tr[TR_TCP];
	uint64_t t0 = (uint64_t)clock_mono_ms();
	struct exited e = { replay_unix(sock), -1 };
	ok(run_until(ev, in, c_child_exited, &e, 20000), "%s: fstrm_replay finished", what);
	diag("%s: fstrm_replay took %llu ms", what, (unsigned long long)((uint64_t)clock_mono_ms() - t0));
	ok(WIFEXITED(e.status) && WEXITSTATUS(e.status) == 0, "%s: fstrm_replay exit status 0", what);
	uint64_t want = before.conns_closed + 1;
	ok(run_until(ev, in, c_closed_at_least, &want, 5000), "%s: connection closed", what);
	struct dnstap_input_stats a = st_of(in);
	is(a.fs.frames - before.fs.frames, 15000, "%s: 15,000 frames", what);
	is(s->frames - f0, 15000, "%s: 15,000 frames handed to the callback", what);
	is(s->by_type[MT_AUTH_QUERY] - aq0, 7500, "%s: 7,500 AUTH_QUERY", what);
	is(s->by_type[MT_AUTH_RESPONSE] - ar0, 7500, "%s: 7,500 AUTH_RESPONSE", what);
	is(s->by_tr[TR_UDP] - udp0, 11000, "%s: 11,000 UDP", what);
	is(s->by_tr[TR_TCP] - tcp0, 4000, "%s: 4,000 TCP", what);
	is(a.fs.started - before.fs.started, 1, "%s: handshake reached START", what);
	is(a.fs.stopped - before.fs.stopped, 1, "%s: ended with STOP (FINISH sent)", what);
	is(a.conns_open, 0, "%s: no connection left open", what);
}

static void t_unix(struct evloop *ev)
{
	char sock[128];
	struct sink s = { 0 };
	int err = 0;
	snprintf(sock, sizeof(sock), "%s/dnstap.sock", dir);
	/* a stale socket file (bound, then its owner went away) is replaced */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, sock, strlen(sock) < sizeof(sa.sun_path) ? strlen(sock) : sizeof(sa.sun_path) - 1);
	int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(sfd >= 0 && bind(sfd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "stale socket file created");
	close(sfd);

	char uid[16], gid[16];
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	snprintf(gid, sizeof(gid), "%u", (unsigned)getgid());
	struct dnstap_input_conf c = { .unix_path = sock, .unix_owner = uid, .unix_group = gid, .unix_mode = 0640 };
	struct dnstap_input *in;
	err = dnstap_input_new(&c, ev, sink_frame, &s, &in);
	ok(in != NULL && err == E_OK, "listener on %s over a stale socket file (err %d)", sock, err);
	if (in == NULL)
		return;
	struct stat sb;
	ok(stat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode), "socket exists");
	is(sb.st_mode & 0777, 0640, "mode as configured");
	ok(sb.st_uid == getuid() && sb.st_gid == getgid(), "owner and group as configured");
	struct dnstap_input *in2;
	err = dnstap_input_new(&c, ev, sink_frame, &s, &in2);
	ok(in2 == NULL && err == -EADDRINUSE, "second listener on a live socket: -EADDRINUSE");
	ok(stat(sock, &sb) == 0, "  and the live socket is still there");

	replay_and_check(ev, in, &s, sock, "replay 1");

	/* wrong content type in READY: closed without ACCEPT */
	uint8_t buf[256];
	uint64_t closed = st_of(in).conns_closed + 1;
	int fd = connect_unix(sock);
	static const uint8_t bad_ready[] = { 0, 0, 0, 0, 0, 0, 0, 27, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 15,
					     'p', 'r', 'o', 't', 'o', 'b', 'u', 'f', ':', 'o', 't', 'h', 'e', 'r', '!' };
	ok(fd >= 0 && send_all(fd, bad_ready, sizeof(bad_ready)), "peer sends READY protobuf:other!");
	is(recv_reply(ev, fd, buf, sizeof(buf), sizeof(buf), 2000), 0, "  no ACCEPT, connection closed");
	ok(run_until(ev, in, c_closed_at_least, &closed, 2000), "  listener closed it");
	is(st_of(in).fs.err_content_type, 1, "  counted as a content type error");
	close(fd);

	/* bidirectional handshake then a 1 GB frame length */
	fd = connect_unix(sock);
	ok(fd >= 0 && send_all(fd, ready, sizeof(ready)), "peer sends READY");
	ssize_t n = recv_reply(ev, fd, buf, sizeof(buf), sizeof(accept_frame), 2000);
	ok(n == (ssize_t)sizeof(accept_frame) && memcmp(buf, accept_frame, sizeof(accept_frame)) == 0,
	   "  gets ACCEPT protobuf:dnstap.Dnstap");
	static const uint8_t gig[] = { 0x40, 0, 0, 0, 1, 2, 3 };
	ok(send_all(fd, start, sizeof(start)) && send_all(fd, gig, sizeof(gig)), "  sends START and a 1 GB frame length");
	closed = st_of(in).conns_closed + 1;
	ok(run_until(ev, in, c_closed_at_least, &closed, 2000), "  listener closed it");
	is(st_of(in).fs.err_toobig, 1, "  counted as too big");
	close(fd);

	/* a peer killed (SIGKILL) in the middle of a frame */
	uint64_t frames0 = st_of(in).fs.frames;
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = connect_unix(sock);
		uint8_t b[64];
		if (cfd < 0 || !send_all(cfd, ready, sizeof(ready)) || recv(cfd, b, sizeof(b), 0) <= 0)
			_exit(1);
		static const uint8_t partial[] = { FRAME, 0, 0, 0, 6, 0x72, 0x04 };
		if (!send_all(cfd, start, sizeof(start)) || !send_all(cfd, partial, sizeof(partial)))
			_exit(1);
		pause();
		_exit(0);
	}
	remember(pid);
	uint64_t want = frames0 + 1;
	ok(run_until(ev, in, c_frames_at_least, &want, 3000), "killed peer: its complete frame arrived");
	closed = st_of(in).conns_closed + 1;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	forget(pid);
	ok(run_until(ev, in, c_closed_at_least, &closed, 2000), "killed peer: connection closed");
	is(st_of(in).fs.err_truncated, 1, "killed peer: counted as truncated (EOF mid-frame)");

	/* unidirectional peer: START, frames, STOP; no FINISH for it */
	fd = connect_unix(sock);
	ok(fd >= 0 && send_all(fd, start, sizeof(start)) && send_all(fd, frame, sizeof(frame)) &&
	   send_all(fd, frame, sizeof(frame)) && send_all(fd, stop, sizeof(stop)), "unidirectional peer sends 2 frames");
	is(recv_reply(ev, fd, buf, sizeof(buf), sizeof(buf), 2000), 0, "  closed without FINISH");
	close(fd);

	/* bidirectional peer that waits for FINISH (Knot, BIND, NSD) */
	fd = connect_unix(sock);
	ok(fd >= 0 && send_all(fd, ready, sizeof(ready)), "bidirectional peer: READY");
	n = recv_reply(ev, fd, buf, sizeof(buf), sizeof(accept_frame), 2000);
	ok(send_all(fd, start, sizeof(start)) && send_all(fd, frame, sizeof(frame)) && send_all(fd, stop, sizeof(stop)),
	   "  START, 1 frame, STOP");
	n = recv_reply(ev, fd, buf, sizeof(buf), sizeof(finish_frame), 2000);
	ok(n == (ssize_t)sizeof(finish_frame) && memcmp(buf, finish_frame, sizeof(finish_frame)) == 0, "  gets FINISH");
	close(fd);

	/* Unbound: STOP and close at once (FINISH hits a closed socket); dnsdist: close without STOP */
	struct dnstap_input_stats b0 = st_of(in);
	fd = connect_unix(sock);
	ok(fd >= 0 && send_all(fd, start, sizeof(start)) && send_all(fd, frame, sizeof(frame)) &&
	   send_all(fd, stop, sizeof(stop)), "Unbound-like peer: STOP then close");
	close(fd);
	fd = connect_unix(sock);
	ok(fd >= 0 && send_all(fd, start, sizeof(start)) && send_all(fd, frame, sizeof(frame)),
	   "dnsdist-like peer: close without STOP");
	close(fd);
	closed = b0.conns_closed + 2;
	ok(run_until(ev, in, c_closed_at_least, &closed, 2000), "  both closed");
	struct dnstap_input_stats b1 = st_of(in);
	is(b1.fs.stopped - b0.fs.stopped, 1, "  one ended by STOP");
	is(b1.fs.eof_clean - b0.fs.eof_clean, 1, "  one ended by a clean EOF");
	is(b1.fs.frames - b0.fs.frames, 2, "  their 2 frames delivered");
	is(b1.err_io - b0.err_io, 0, "  no I/O error counted for either");

	/* and a good connection after all of that */
	replay_and_check(ev, in, &s, sock, "replay after hostile peers");
	struct dnstap_input_stats a = st_of(in);
	is(a.fs.frames, 30000 + 1 + 2 + 1 + 2, "all frames counted (2 replays + hostile peers' good frames)");
	is(s.bad, 0, "every frame peeked fine");
	/* 9 peers plus the liveness probe made by the refused second listener */
	is(a.conns_accepted, 10, "10 connections accepted");
	is(a.conns_closed, 10, "10 connections closed");
	is(a.fs.empty, 1, "the probe counted as an empty connection");
	is(a.frames_shed, 0, "nothing shed at this pace");
	dnstap_input_free(in);
	ok(access(sock, F_OK) != 0, "socket file unlinked at free");
}

static void t_limits_tcp(struct evloop *ev)
{
	struct sink s = { 0 };
	int err = 0;
	char sock[128];
	snprintf(sock, sizeof(sock), "%s/max.sock", dir);
	struct dnstap_input_conf c = { .unix_path = sock, .max_conns = 2, .tcp_listen = "127.0.0.1:0" };
	struct dnstap_input *in;
	err = dnstap_input_new(&c, ev, sink_frame, &s, &in);
	ok(in != NULL && err == E_OK, "listener with max_conns 2 and TCP on 127.0.0.1:0");
	if (in == NULL)
		return;
	int fds[3];
	for (int i = 0; i < 3; i++)
		fds[i] = connect_unix(sock);
	uint64_t want = 3;
	ok(run_until(ev, in, c_accepted_at_least, &want, 2000), "3 connections seen");
	struct dnstap_input_stats a = st_of(in);
	is(a.conns_accepted, 2, "2 accepted");
	is(a.conns_rejected, 1, "1 rejected over max_conns");
	is(a.conns_open, 2, "2 open");
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	want = 2;
	ok(run_until(ev, in, c_closed_at_least, &want, 2000), "both closed");
	is(st_of(in).fs.empty, 2, "connections closed before any byte counted as empty");
	is(st_of(in).fs.err_truncated, 0, "  not as errors");

	unsigned port = dnstap_input_tcp_port(in);
	ok(port > 0, "TCP port bound: %u", port);
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%u", port);
	char *argv[] = { "fstrm_replay", "-t", "protobuf:dnstap.Dnstap", "-a", "127.0.0.1", "-p", portstr, "-r", sample, NULL };
	char log[128];
	snprintf(log, sizeof(log), "%s/replay-tcp.log", dir);
	struct exited e = { spawn(argv, log), -1 };
	ok(run_until(ev, in, c_child_exited, &e, 20000), "fstrm_replay over TCP finished");
	want = 3;
	ok(run_until(ev, in, c_closed_at_least, &want, 5000), "TCP connection closed");
	is(st_of(in).fs.frames, 15000, "15,000 frames over TCP");
	is(s.by_type[MT_AUTH_RESPONSE], 7500, "7,500 AUTH_RESPONSE over TCP");
	dnstap_input_free(in);
}

/*
 * The sample replayed into a listener whose busy rule looks at 20 ms
 * windows (over 50%: shed) while its pipeline takes 20 us per frame,
 * spinning or (sleeps) asleep; the input's stats once the peer has gone.
 */
static struct dnstap_input_stats slow_run(struct evloop *ev, const char *sock, int sleeps)
{
	struct sink s = { .slow_us = 20, .slow_sleeps = sleeps };
	struct dnstap_input_conf c = { .unix_path = sock, .shed_backlog = 1 << 30, .busy_window_us = 20000,
				       .max_busy_pct = 50 };
	struct dnstap_input_stats a = { 0 };
	struct dnstap_input *in = NULL;
	int err = dnstap_input_new(&c, ev, sink_frame, &s, &in);
	ok(in != NULL && err == E_OK, "listener for the %s pipeline", sleeps ? "sleeping" : "spinning");
	if (in == NULL)
		return a;
	struct exited e = { replay_unix(sock), -1 };
	ok(run_until(ev, in, c_child_exited, &e, 60000), "fstrm_replay finished");
	uint64_t want = 1;
	ok(run_until(ev, in, c_closed_at_least, &want, 30000), "connection closed");
	a = st_of(in);
	dnstap_input_free(in);
	return a;
}

/* capd behind: frames still read, flagged shed, all counted */
static void t_shed(struct evloop *ev)
{
	struct sink s = { 0 };
	int err = 0;
	char sock[128];
	snprintf(sock, sizeof(sock), "%s/shed.sock", dir);
	/* 16 KiB waiting at read time means behind */
	struct dnstap_input_conf c = { .unix_path = sock, .shed_backlog = 16384, .backlog_hold_us = 1 };
	struct dnstap_input *in;
	err = dnstap_input_new(&c, ev, sink_frame, &s, &in);
	ok(in != NULL && err == E_OK, "listener for the shedding test");
	if (in == NULL)
		return;
	struct exited e = { replay_unix(sock), -1 };
	uint64_t want = 1;
	ok(run_until(ev, in, c_frames_at_least, &want, 5000), "first frame arrived");
	usleep(300000); /* the loop stalls: fstrm_replay fills the socket meanwhile */
	{
		struct dnstap_input_stats b = st_of(in);
		diag("before stall: %llu reads %llu bytes", (unsigned long long)b.reads, (unsigned long long)b.read_bytes);
		evloop_run_once(ev, 0);
		b = st_of(in);
		diag("one turn after: %llu reads %llu bytes shed %llu", (unsigned long long)b.reads, (unsigned long long)b.read_bytes, (unsigned long long)b.frames_shed);
	}
	ok(run_until(ev, in, c_child_exited, &e, 20000), "fstrm_replay finished");
	want = 1;
	ok(run_until(ev, in, c_closed_at_least, &want, 5000), "connection closed");
	struct dnstap_input_stats a = st_of(in);
	diag("shed test: %llu reads, %llu bytes", (unsigned long long)a.reads, (unsigned long long)a.read_bytes);
	is(a.fs.frames, 15000, "15,000 frames read although behind");
	ok(a.frames_shed > 0 && a.frames_shed < 15000, "some frames shed (%llu)", (unsigned long long)a.frames_shed);
	is(s.shed, a.frames_shed, "the callback saw the same shed flags");
	is(s.by_type[MT_AUTH_QUERY] + s.by_type[MT_AUTH_RESPONSE], 15000, "shed frames still counted by type");
	dnstap_input_free(in);

	/* busy: a slow pipeline (20 us per frame, 300 ms of work) busy over 50% of 20 ms windows */
	a = slow_run(ev, sock, 0);
	is(a.fs.frames, 15000, "15,000 frames read with a slow pipeline");
	ok(a.frames_shed > 0, "frames shed while busy (%llu)", (unsigned long long)a.frames_shed);

	/*
	 * off the CPU: the same slowness spent asleep (a loaded host
	 * preempting capd) sheds too: behind in wall time is behind, and
	 * shedding is what lets a starved capd drain the nameserver's socket
	 */
	a = slow_run(ev, sock, 1);
	is(a.fs.frames, 15000, "15,000 frames read with a sleeping pipeline");
	ok(a.frames_shed > 0, "frames shed while behind off the CPU too (%llu)", (unsigned long long)a.frames_shed);
}

/* ---- a real Knot DNS ---- */

static unsigned free_port(void)
{
	/* a port free for both UDP and TCP on 127.0.0.1 */
	for (int tries = 0; tries < 50; tries++) {
		int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof(sa);
		unsigned port = 0;
		if (bind(u, (struct sockaddr *)&sa, sizeof(sa)) == 0 && getsockname(u, (struct sockaddr *)&sa, &sl) == 0 &&
		    bind(t, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			port = ntohs(sa.sin_port);
		close(u);
		close(t);
		if (port)
			return port;
	}
	return 0;
}

static int c_knot_frames(struct dnstap_input *in, void *arg)
{
	return st_of(in).fs.frames >= *(uint64_t *)arg;
}

static void t_knot(struct evloop *ev)
{
	const char *rs = getenv("DNSA_REALSERVERS") ? getenv("DNSA_REALSERVERS") : "tests/data/realservers";
	char sock[128], conf[128], cmd[1024], log[128], qfile[512];
	struct sink s = { 0 };
	int err = 0;
	unsigned port = free_port();
	ok(port > 0, "free loopback port %u for knotd", port);
	snprintf(sock, sizeof(sock), "%s/dnstap.sock", dir); /* the name in knot.conf */
	snprintf(conf, sizeof(conf), "%s/knot.conf", dir);
	snprintf(log, sizeof(log), "%s/knotd.log", dir);
	snprintf(qfile, sizeof(qfile), "%s/queries.txt", rs);
	/* the shared config, with our directory and port; IPv4 only */
	snprintf(cmd, sizeof(cmd),
		 "cp '%s/example.test.zone' '%s/sample.test.zone' '%s/' && "
		 "sed -e 's|@DIR@|%s|g' -e 's|listen: \\[.*|listen: [ 127.0.0.1@%u ]|' '%s/knot.conf' > '%s'",
		 rs, rs, dir, dir, port, rs, conf);
	is(system(cmd), 0, "knot.conf prepared");
	struct dnstap_input_conf c = { .unix_path = sock };
	struct dnstap_input *in;
	err = dnstap_input_new(&c, ev, sink_frame, &s, &in);
	ok(in != NULL && err == E_OK, "capd listener up before knotd starts");
	if (in == NULL)
		return;
	char *kargv[] = { "knotd", "-c", conf, NULL };
	pid_t knot = spawn(kargv, log);
	ok(knot > 0, "knotd started (pid %d)", (int)knot);
	/* Knot connects its dnstap writer at start: wait for the connection */
	uint64_t want = 1;
	ok(run_until(ev, in, c_accepted_at_least, &want, 10000), "knotd connected to the dnstap socket");

	/* a moderate, known load: dnsperf at 1000 qps for 2 s over UDP */
	char portstr[16], outp[128];
	snprintf(portstr, sizeof(portstr), "%u", port);
	snprintf(outp, sizeof(outp), "%s/dnsperf.out", dir);
	char *pargv[] = { "dnsperf", "-s", "127.0.0.1", "-p", portstr, "-d", qfile, "-Q", "1000", "-l", "2", NULL };
	struct exited e = { spawn(pargv, outp), -1 };
	ok(run_until(ev, in, c_child_exited, &e, 15000), "dnsperf finished");
	/* queries sent, from dnsperf's summary */
	long sent = -1, completed = -1;
	FILE *f = fopen(outp, "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "  Queries sent: %ld", &sent);
		sscanf(line, "  Queries completed: %ld", &completed);
	}
	if (f)
		fclose(f);
	ok(sent > 1000, "dnsperf sent %ld queries", sent);
	is(completed, sent, "every query answered");
	/* Knot flushes its dnstap buffer within ~1 s; then stop it by PID (STOP/FINISH) */
	want = (uint64_t)(2 * sent);
	ok(run_until(ev, in, c_knot_frames, &want, 5000), "all frames arrived while knotd runs");
	uint64_t closed = st_of(in).conns_closed + 1;
	kill(knot, SIGTERM);
	struct exited k = { knot, -1 };
	ok(run_until(ev, in, c_child_exited, &k, 15000), "knotd stopped by SIGTERM");
	ok(run_until(ev, in, c_closed_at_least, &closed, 5000), "knotd's dnstap connection closed");
	struct dnstap_input_stats a = st_of(in);
	is(a.fs.frames, (uint64_t)(2 * sent), "frames = 2 x queries sent");
	is(s.by_type[MT_AUTH_QUERY], (uint64_t)sent, "AUTH_QUERY = queries sent");
	is(s.by_type[MT_AUTH_RESPONSE], (uint64_t)sent, "AUTH_RESPONSE = queries sent");
	is(s.by_tr[TR_UDP], (uint64_t)(2 * sent), "all over UDP");
	is(a.fs.stopped, 1, "Knot ended with STOP (and got FINISH)");
	is(a.fs.err_content_type + a.fs.err_toobig + a.fs.err_malformed + a.fs.err_protocol + a.fs.err_truncated, 0,
	   "no protocol error with Knot");
	dnstap_input_free(in);
}

int main(void)
{
	const char *sd = getenv("DNSA_SAMPLES") ? getenv("DNSA_SAMPLES") : "tests/data/realservers/samples";
	snprintf(sample, sizeof(sample), "%s/knot.fstrm", sd);
	snprintf(dir, sizeof(dir), "/tmp/dnsa-dti.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		dir[0] = 0;
		ok(0, "mkdtemp");
		return done_testing();
	}
	atexit(cleanup);
	signal(SIGPIPE, SIG_IGN);
	/* bound the whole test in time; the handler stops the children */
	signal(SIGALRM, on_alarm);
	alarm(120);

	const char *only = getenv("DNSA_ONLY"); /* debugging: run one part */
	if (!only || !strcmp(only, "evloop"))
		t_evloop();
	struct evloop *ev;
	evloop_new(&ev);
	if (!only || !strcmp(only, "setup"))
		t_setup_errors(ev);
	if (!only || !strcmp(only, "unix"))
		t_unix(ev);
	if (!only || !strcmp(only, "tcp"))
		t_limits_tcp(ev);
	if (!only || !strcmp(only, "shed"))
		t_shed(ev);
	if (!only || !strcmp(only, "knot"))
		t_knot(ev);
	evloop_free(ev);
	return done_testing();
}
