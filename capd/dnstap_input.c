/* capd/dnstap_input.c: accept nameserver connections, read big chunks, split frames, shed when behind. */
#include "capd/dnstap_input.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/errors.h"

#define DI_MAX_CONNS_DEFAULT 64
#define DI_TCP_MAX_CONNS_DEFAULT 16
#define DI_HANDSHAKE_MS_DEFAULT 10000
#define DI_IDLE_MS_DEFAULT 600000
#define DI_SWEEP_US 50000
/*
 * A nameserver's writer (libfstrm) flushes a second of buffered frames in
 * one burst that can fill the socket (about 200 KiB with default buffers)
 * and that capd drains in a few milliseconds: that is not being behind.
 * So by default only the busy rule sheds; the backlog rule is for hosts
 * whose socket buffers are raised well above a burst.
 */
#define DI_SHED_BACKLOG_DEFAULT (1024 * 1024)
#define DI_BACKLOG_HOLD_US_DEFAULT 20000
#define DI_WINDOW_US_DEFAULT 100000
#define DI_BUSY_PCT_DEFAULT 80
#define DI_READS_DEFAULT 16
#define DI_ACCEPTS_PER_TURN 32
#define DI_LISTEN_BACKLOG 64

struct di_conn {
	struct dnstap_input *in;
	int fd;               /* -1: free slot */
	struct framestream *fs;        /* allocated at accept, freed at close */
	unsigned flags;       /* flags for the frames of the current read (DNSTAP_FRAME_SHED) */
	uint64_t behind_since; /* first read of the current run of reads over shed_backlog; 0: none */
	uint64_t since;       /* accept time (monotonic us): the handshake timeout runs from here */
	uint64_t last_rx;     /* last read that returned data (monotonic us): the idle timeout */
};

/* a listener: which pool its connections go to */
struct di_listener {
	struct dnstap_input *in;
	int tcp;              /* 1: TCP (allow-list, TCP pool), 0: UNIX */
};

struct dnstap_input {
	struct evloop *ev;
	struct dnstap_input_conf conf; /* with defaults filled in; strings below */
	char *unix_path;
	char *content_type;
	int unix_fd;                  /* -1 if none */
	dev_t unix_dev;               /* identity of the socket file we created, to unlink only ours */
	ino_t unix_ino;
	int tcp_fd;                   /* -1 if none */
	unsigned tcp_port;
	dnstap_frame_fn on_frame;
	void *arg;
	struct dnstap_input_stats st;
	uint64_t win_start;           /* busy measure: start of the current window (us) */
	uint64_t win_busy;            /* time spent handling frames in it */
	int busy_shed;                /* the previous window was over max_busy_pct */
	struct di_conn *conns;        /* conf.max_conns UNIX slots, then conf.tcp_max_conns TCP slots */
	unsigned nconns;              /* max_conns + tcp_max_conns */
	struct addr_prefix *allow;    /* conf.n_tcp_allow prefixes (owned) */
	struct di_listener lunix, ltcp;
	uint64_t next_sweep;          /* dnstap_input_tick: next look at the slots */
};

/* the TCP allow-list when none is configured: loopback only */
static const struct addr_prefix di_loopback[2] = {
	{ .family = 4, .len = 8, .addr = { 127 } },
	{ .family = 6, .len = 128, .addr = { [15] = 1 } },
};

static void di_close(struct di_conn *c)
{
	struct dnstap_input *in = c->in;
	evloop_del(in->ev, c->fd);
	close(c->fd);
	framestream_free(c->fs);
	c->fs = NULL;
	c->fd = -1;
	in->st.conns_open--;
	in->st.conns_closed++;
}

static void di_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct di_conn *c = arg;
	if (c->flags & DNSTAP_FRAME_SHED)
		c->in->st.frames_shed++;
	c->in->on_frame(c->in->arg, frame, len, c->flags);
}

/*
 * Send what the stream wants sent (ACCEPT, FINISH): a few dozen bytes on a
 * socket whose send buffer is otherwise unused, so it goes out whole; a
 * short write means the peer is gone. Returns 0 or -1.
 */
static int di_flush(struct di_conn *c)
{
	size_t len;
	const uint8_t *out = framestream_output(c->fs, &len);
	while (len > 0) {
		ssize_t n = send(c->fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		framestream_output_done(c->fs, (size_t)n);
		out = framestream_output(c->fs, &len);
	}
	return 0;
}

static void di_read(struct evloop *ev, int fd, uint32_t events, void *arg)
{
	struct di_conn *c = arg;
	struct dnstap_input *in = c->in;
	for (unsigned i = 0; i < in->conf.reads_per_turn; i++) {
		size_t avail;
		uint8_t *dst = framestream_space(c->fs, &avail);
		if (dst == NULL) { /* cannot happen: finished streams are closed at once */
			di_close(c);
			return;
		}
		ssize_t n = read(fd, dst, avail);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			in->st.err_io++;
			di_close(c);
			return;
		}
		if (n == 0) {
			(void)framestream_eof(c->fs); /* clean end or E_TRUNCATED, counted in fs stats */
			di_close(c);
			return;
		}
		in->st.reads++;
		in->st.read_bytes += (uint64_t)n;

		/* behind? decided once per read, for all the frames in it */
		uint64_t t0 = clock_mono_us();
		c->last_rx = t0;
		if (t0 - in->win_start >= in->conf.busy_window_us) {
			in->busy_shed = in->win_busy * 100 > (uint64_t)in->conf.max_busy_pct * (t0 - in->win_start);
			in->win_start = t0;
			in->win_busy = 0;
		}
		size_t backlog = (size_t)n;
		if ((size_t)n == avail) {
			int queued = 0;
			if (ioctl(fd, FIONREAD, &queued) == 0 && queued > 0)
				backlog += (size_t)queued;
		}
		/*
		 * A backlog counts once it has lasted backlog_hold_us: one large
		 * write (a blaster's 1 MiB, a writer's flush) that capd drains in
		 * a few reads is no reason to shed.
		 */
		int backlogged = 0;
		if (backlog >= in->conf.shed_backlog) {
			if (!c->behind_since)
				c->behind_since = t0;
			backlogged = t0 - c->behind_since + 1 >= in->conf.backlog_hold_us;
		} else {
			c->behind_since = 0;
		}
		c->flags = in->busy_shed || backlogged ? DNSTAP_FRAME_SHED : 0;

		int rc = framestream_commit(c->fs, (size_t)n);
		in->win_busy += clock_mono_us() - t0;
		if (rc < 0) { /* protocol error, counted by reason in fs stats */
			di_close(c);
			return;
		}
		if (di_flush(c) < 0 && rc == 0) {
			in->st.err_io++;
			di_close(c);
			return;
		}
		if (rc == 1) { /* STOP: FINISH sent (or the peer already left, as Unbound does) */
			di_close(c);
			return;
		}
		if ((size_t)n < avail)
			return; /* drained: skip the read that would only say EAGAIN */
	}
}

static int di_allowed(const struct dnstap_input *in, const struct sockaddr *sa)
{
	const struct addr_prefix *p = in->conf.n_tcp_allow ? in->allow : di_loopback;
	size_t n = in->conf.n_tcp_allow ? in->conf.n_tcp_allow : 2;
	for (size_t i = 0; i < n; i++)
		if (addr_prefix_match(&p[i], sa))
			return 1;
	return 0;
}

static void di_accept(struct evloop *ev, int lfd, uint32_t events, void *arg)
{
	struct di_listener *l = arg;
	struct dnstap_input *in = l->in;
	/* each listener fills its own pool: TCP peers never take a UNIX slot */
	unsigned lo = l->tcp ? in->conf.max_conns : 0, hi = l->tcp ? in->nconns : in->conf.max_conns;
	for (int k = 0; k < DI_ACCEPTS_PER_TURN; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
				in->st.err_accept++;
			return;
		}
		if (l->tcp && !di_allowed(in, (struct sockaddr *)&ss)) {
			close(fd);
			in->st.conns_denied++;
			continue;
		}
		struct di_conn *c = NULL;
		for (unsigned i = lo; i < hi; i++)
			if (in->conns[i].fd < 0) {
				c = &in->conns[i];
				break;
			}
		if (c == NULL) {
			/* closing (not leaving it in the backlog) makes the writer retry later */
			close(fd);
			in->st.conns_rejected++;
			continue;
		}
		struct framestream_conf fc = {
			.content_type = in->content_type,
			.max_frame = in->conf.max_frame,
			.buf_size = in->conf.buf_size,
			.stats = &in->st.fs,
		};
		if (framestream_new(&fc, di_frame, c, &c->fs) != E_OK || evloop_add(in->ev, fd, EPOLLIN, di_read, c) != E_OK) {
			framestream_free(c->fs);
			c->fs = NULL;
			close(fd);
			in->st.err_accept++;
			continue;
		}
		c->fd = fd;
		c->flags = 0;
		c->behind_since = 0;
		c->since = c->last_rx = clock_mono_us();
		in->st.conns_accepted++;
		in->st.conns_open++;
	}
}

void dnstap_input_tick(struct dnstap_input *in, uint64_t now)
{
	if (in == NULL || now < in->next_sweep)
		return;
	in->next_sweep = now + DI_SWEEP_US;
	uint64_t hs = in->conf.handshake_timeout_ms == UINT_MAX ? UINT64_MAX : in->conf.handshake_timeout_ms * 1000ull;
	uint64_t idle = in->conf.idle_timeout_ms == UINT_MAX ? UINT64_MAX : in->conf.idle_timeout_ms * 1000ull;
	for (unsigned i = 0; i < in->nconns; i++) {
		struct di_conn *c = &in->conns[i];
		if (c->fd < 0)
			continue;
		if (!framestream_started(c->fs) && now - c->since >= hs) {
			in->st.handshake_timeouts++;
			di_close(c);
		} else if (now - c->last_rx >= idle) {
			in->st.idle_timeouts++;
			di_close(c);
		}
	}
}

static int di_id(const char *s, int is_group, unsigned *id)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s != '\0' && *end == '\0') {
		*id = (unsigned)v;
		return E_OK;
	}
	char buf[4096];
	if (is_group) {
		struct group gr, *res = NULL;
		if (getgrnam_r(s, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
			return E_NOTFOUND;
		*id = res->gr_gid;
	} else {
		struct passwd pw, *res = NULL;
		if (getpwnam_r(s, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
			return E_NOTFOUND;
		*id = res->pw_uid;
	}
	return E_OK;
}

/* a socket file at path: remove it if stale, refuse if alive or not a socket */
static int di_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat sb;
	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? E_OK : -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -EEXIST;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	close(fd);
	if (rc == 0)
		return -EADDRINUSE; /* someone (another capd?) is accepting there */
	if (e != ECONNREFUSED && e != ENOENT)
		return -e;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return E_OK;
}

/*
 * The socket is created where nobody else can reach it: bind in a fresh
 * 0700 directory of ours beside the path (mkdtemp), chown and chmod it
 * there, then link(2) it to the configured path, which never follows a
 * symlink and never replaces anything. A directory other users can write
 * (the threat: a root capd chowning or chmodding whatever a symlink swapped
 * in after bind points at) then sees the socket only once it is final.
 */
static int di_unix(struct dnstap_input *in)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = in->unix_path;
	unsigned uid = (unsigned)-1, gid = (unsigned)-1;
	char tmpdir[sizeof(sa.sun_path)], tmp[sizeof(sa.sun_path) + 2];
	int rc;

	size_t len = strlen(path);
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) + 1 : 0; /* directory part, with its '/' */
	if (len == 0 || len >= sizeof(sa.sun_path) || path[len - 1] == '/' ||
	    dl + sizeof(".capd-XXXXXX/s") > sizeof(sa.sun_path))
		return E_INVAL;
	if (in->conf.unix_owner && (rc = di_id(in->conf.unix_owner, 0, &uid)) != E_OK)
		return rc;
	if (in->conf.unix_group && (rc = di_id(in->conf.unix_group, 1, &gid)) != E_OK)
		return rc;
	memcpy(sa.sun_path, path, len);
	if ((rc = di_stale(path, &sa)) != E_OK)
		return rc;

	snprintf(tmpdir, sizeof(tmpdir), "%.*s.capd-XXXXXX", (int)dl, path);
	if (mkdtemp(tmpdir) == NULL)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s/s", tmpdir);
	memset(sa.sun_path, 0, sizeof(sa.sun_path));
	memcpy(sa.sun_path, tmp, strlen(tmp));

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct stat sb;
	if (uid == geteuid())
		uid = (unsigned)-1; /* already ours; a non-root capd could not chown to itself anyway */
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    ((uid != (unsigned)-1 || gid != (unsigned)-1) && chown(tmp, uid, gid) < 0) ||
	    chmod(tmp, in->conf.unix_mode) < 0 || lstat(tmp, &sb) < 0 || listen(fd, DI_LISTEN_BACKLOG) < 0 ||
	    link(tmp, path) < 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		rmdir(tmpdir);
		return rc;
	}
	unlink(tmp);
	rmdir(tmpdir);
	in->unix_dev = sb.st_dev;
	in->unix_ino = sb.st_ino;
	in->unix_fd = fd;
	return E_OK;
}

static int di_tcp(struct dnstap_input *in)
{
	struct sockaddr_storage addr;
	socklen_t alen;
	if (addr_parse_hostport(in->conf.tcp_listen, 0, &addr, &alen) != E_OK)
		return E_INVAL;
	int rc = E_OK, one = 1;
	int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, alen) < 0 || listen(fd, DI_LISTEN_BACKLOG) < 0)
		rc = -errno;
	if (rc != E_OK) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		in->tcp_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							     : ((struct sockaddr_in *)&ss)->sin_port);
	in->tcp_fd = fd;
	return E_OK;
}

int dnstap_input_new(const struct dnstap_input_conf *conf, struct evloop *ev, dnstap_frame_fn on_frame, void *arg,
		     struct dnstap_input **out)
{
	int rc = E_INVAL;
	if (out == NULL)
		return E_INVAL;
	*out = NULL;
	if (conf == NULL || ev == NULL || on_frame == NULL || (conf->unix_path == NULL && conf->tcp_listen == NULL))
		return E_INVAL;

	struct dnstap_input *in = calloc(1, sizeof(*in));
	if (in == NULL)
		return E_NOMEM;
	in->ev = ev;
	in->conf = *conf;
	in->unix_fd = in->tcp_fd = -1;
	in->on_frame = on_frame;
	in->arg = arg;
	if (!in->conf.unix_mode)
		in->conf.unix_mode = 0660;
	if (!in->conf.max_conns)
		in->conf.max_conns = DI_MAX_CONNS_DEFAULT;
	if (!in->conf.tcp_max_conns)
		in->conf.tcp_max_conns = DI_TCP_MAX_CONNS_DEFAULT;
	if (!in->conf.handshake_timeout_ms)
		in->conf.handshake_timeout_ms = DI_HANDSHAKE_MS_DEFAULT;
	if (!in->conf.idle_timeout_ms)
		in->conf.idle_timeout_ms = DI_IDLE_MS_DEFAULT;
	/* a TCP pool only when there is a TCP listener */
	if (!conf->tcp_listen)
		in->conf.tcp_max_conns = 0;
	in->nconns = in->conf.max_conns + in->conf.tcp_max_conns;
	in->lunix = (struct di_listener){ in, 0 };
	in->ltcp = (struct di_listener){ in, 1 };
	if (!in->conf.shed_backlog)
		in->conf.shed_backlog = DI_SHED_BACKLOG_DEFAULT;
	if (!in->conf.backlog_hold_us)
		in->conf.backlog_hold_us = DI_BACKLOG_HOLD_US_DEFAULT;
	if (!in->conf.busy_window_us)
		in->conf.busy_window_us = DI_WINDOW_US_DEFAULT;
	if (!in->conf.max_busy_pct)
		in->conf.max_busy_pct = DI_BUSY_PCT_DEFAULT;
	if (!in->conf.reads_per_turn)
		in->conf.reads_per_turn = DI_READS_DEFAULT;
	/* owner/group/tcp strings are used only here, in new: not kept */
	in->conf.unix_owner = in->conf.unix_group = NULL;
	in->unix_path = conf->unix_path ? strdup(conf->unix_path) : NULL;
	in->content_type = strdup(conf->content_type ? conf->content_type : FRAMESTREAM_CONTENT_TYPE_DNSTAP);
	in->conns = calloc(in->nconns, sizeof(*in->conns));
	if (in->conf.n_tcp_allow) {
		if (conf->tcp_allow == NULL) {
			rc = E_INVAL;
			in->conf.n_tcp_allow = 0;
			goto fail;
		}
		if ((in->allow = calloc(in->conf.n_tcp_allow, sizeof(*in->allow))) != NULL)
			memcpy(in->allow, conf->tcp_allow, in->conf.n_tcp_allow * sizeof(*in->allow));
	}
	in->conf.tcp_allow = NULL;
	if ((conf->unix_path && in->unix_path == NULL) || in->content_type == NULL || in->conns == NULL ||
	    (in->conf.n_tcp_allow && in->allow == NULL)) {
		rc = E_NOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < in->nconns; i++) {
		in->conns[i].fd = -1;
		in->conns[i].in = in;
	}
	in->conf.unix_path = in->unix_path;
	in->conf.content_type = in->content_type;

	if (conf->unix_path) {
		in->conf.unix_owner = conf->unix_owner;
		in->conf.unix_group = conf->unix_group;
		rc = di_unix(in);
		in->conf.unix_owner = in->conf.unix_group = NULL;
		if (rc != E_OK) {
			free(in->unix_path); /* not ours to unlink */
			in->unix_path = NULL;
			goto fail;
		}
		if ((rc = evloop_add(ev, in->unix_fd, EPOLLIN, di_accept, &in->lunix)) != E_OK)
			goto fail;
	}
	if (conf->tcp_listen) {
		if ((rc = di_tcp(in)) != E_OK)
			goto fail;
		if ((rc = evloop_add(ev, in->tcp_fd, EPOLLIN, di_accept, &in->ltcp)) != E_OK)
			goto fail;
	}
	in->conf.tcp_listen = NULL;
	*out = in;
	return E_OK;
fail:
	dnstap_input_free(in);
	return rc;
}

void dnstap_input_free(struct dnstap_input *in)
{
	if (in == NULL)
		return;
	for (unsigned i = 0; in->conns && i < in->nconns; i++)
		if (in->conns[i].fd >= 0)
			di_close(&in->conns[i]);
	if (in->unix_fd >= 0) {
		evloop_del(in->ev, in->unix_fd);
		close(in->unix_fd);
		/* unlink only the file we created, not one a newer capd put there since */
		struct stat sb;
		if (in->unix_path && lstat(in->unix_path, &sb) == 0 && sb.st_dev == in->unix_dev &&
		    sb.st_ino == in->unix_ino)
			unlink(in->unix_path);
	}
	if (in->tcp_fd >= 0) {
		evloop_del(in->ev, in->tcp_fd);
		close(in->tcp_fd);
	}
	free(in->conns);
	free(in->allow);
	free(in->unix_path);
	free(in->content_type);
	free(in);
}

void dnstap_input_stats(const struct dnstap_input *in, struct dnstap_input_stats *out)
{
	if (out == NULL)
		return;
	if (in == NULL)
		memset(out, 0, sizeof(*out));
	else
		*out = in->st;
}

unsigned dnstap_input_tcp_port(const struct dnstap_input *in)
{
	return in ? in->tcp_port : 0;
}

static void di_add(struct dnsa_counters *c, unsigned id, uint64_t v)
{
	counters_set(c, id, c->value[id] + v);
}

void dnstap_input_counters(const struct dnstap_input *in, struct dnsa_counters *c)
{
	if (in == NULL || c == NULL)
		return;
	const struct dnstap_input_stats *st = &in->st;
	di_add(c, C_DNSTAP_CONNS, st->conns_accepted);
	di_add(c, C_DNSTAP_REJECTED, st->conns_rejected);
	di_add(c, C_DNSTAP_DENIED, st->conns_denied);
	di_add(c, C_DNSTAP_HANDSHAKE_TIMEOUTS, st->handshake_timeouts);
	di_add(c, C_DNSTAP_IDLE_TIMEOUTS, st->idle_timeouts);
	di_add(c, C_DNSTAP_IO_ERRORS, st->err_io);
	di_add(c, C_DNSTAP_ACCEPT_ERRORS, st->err_accept);
	di_add(c, C_FRAME_ERRORS, framestream_stats_errors(&st->fs));
}
