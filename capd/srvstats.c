/* capd/srvstats.c: the nameserver's own statistics (Knot mod-stats, NSD), read once per counters interval. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capd/srvstats.h"
#include "common/errors.h"

extern char **environ;

#define NV C_SRV_ZONE_IDS     /* values kept per node and per zone */
#define LINE_MAX_LEN 1024     /* longer lines fail the reading (no server writes them) */
#define STEPS_MAX 2
#define ARGS_MAX 10

/* one counter set: the raw values of the reading in progress, the previous reading, and our totals */
struct vals {
	uint64_t cur[NV];     /* this reading, raw (since the server started) */
	uint64_t prev[NV];    /* the last reading taken in */
	uint64_t total[NV];   /* sum of increments since capd's first reading */
	uint32_t cur_set;     /* counters seen in this reading */
	uint32_t total_set;   /* counters ever seen */
};

struct zslot {
	char name[RECORD_NAME_MAX + 1]; /* "" = free hash slot */
	struct vals v;
	uint8_t seen;         /* present in the reading in progress */
	uint8_t known;        /* taken in by a reading before (prev is meaningful) */
	uint8_t changed;      /* totals changed since srvstats_zones handed them out */
	uint64_t sent_read;   /* s->reads when last handed out */
};

struct srvstats {
	enum srvstats_kind kind;
	unsigned timeout_ms;
	int zones_on;
	size_t zones_max;
	char *argv_store[STEPS_MAX][ARGS_MAX];  /* argv per step, NULL-terminated */
	unsigned nsteps;
	/* the running reading */
	pid_t pid;            /* child of the current step, 0 = none */
	int fd;               /* its stdout+stderr, non-blocking; -1 = none */
	unsigned step;
	uint64_t deadline;    /* monotonic us */
	char line[LINE_MAX_LEN];
	size_t line_len;
	int line_bad;         /* a line was too long: the reading fails */
	unsigned parsed;      /* counter lines recognised in this reading */
	unsigned lines;       /* lines read in this reading (for the error text) */
	char child_err[160];  /* first "error:" line the program printed */
	/* totals */
	struct vals node;
	int have_base;        /* a first reading was taken in */
	uint64_t reads, read_errors, restarts, zones_untracked, zones_over;
	struct zslot *z;      /* open-addressing hash, zcap slots */
	size_t zcap, zcount;
	struct dnsa_zone_total *out; /* srvstats_zones' result, up to SRVSTATS_ZONES_PER_CALL entries */
	size_t zcursor;       /* slot srvstats_zones starts at, so no zone waits forever behind busy ones */
	char err[256];
};

int srvstats_kind_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "none") || !name[0])
		return SRV_NONE;
	if (!strcmp(name, "knot"))
		return SRV_KNOT;
	if (!strcmp(name, "nsd"))
		return SRV_NSD;
	return -1;
}

/* argv of each step, built once */
static int build_argv(struct srvstats *s, const struct srvstats_conf *c)
{
	const char *prog = c->program && c->program[0] ? c->program : s->kind == SRV_KNOT ? "knotc" : "nsd-control";
	const char *steps[STEPS_MAX][3] = { { NULL } };
	if (s->kind == SRV_KNOT) {
		/* "stats mod-stats" fails ("(not exists) mod-stats") when the module is not loaded,
		 * where plain "stats" would say nothing, as it does for counters still at 0 */
		steps[0][0] = "stats";
		steps[0][1] = "mod-stats";
		steps[1][0] = "zone-stats";
		steps[1][1] = "--";
		s->nsteps = c->zones ? 2 : 1;
	} else {
		steps[0][0] = "stats_noreset";
		s->nsteps = 1;
	}
	for (unsigned i = 0; i < s->nsteps; i++) {
		unsigned a = 0;
		char **v = s->argv_store[i];
		v[a++] = strdup(prog);
		if (s->kind == SRV_NSD && c->config && c->config[0]) {
			v[a++] = strdup("-c");
			v[a++] = strdup(c->config);
		}
		if (c->control && c->control[0]) {
			v[a++] = strdup("-s");
			v[a++] = strdup(c->control);
		}
		if (s->kind == SRV_KNOT) {
			/* knotc's own timeout, in seconds, so it never outlives ours by much */
			char t[16];
			snprintf(t, sizeof t, "%u", (s->timeout_ms + 999) / 1000);
			v[a++] = strdup("-t");
			v[a++] = strdup(t);
		}
		for (unsigned k = 0; k < 3 && steps[i][k]; k++)
			v[a++] = strdup(steps[i][k]);
		v[a] = NULL;
		for (unsigned k = 0; k < a; k++)
			if (!v[k])
				return E_NOMEM;
	}
	return E_OK;
}

int srvstats_new(const struct srvstats_conf *c, struct srvstats **out)
{
	if (out)
		*out = NULL;
	if (!c || !out || c->kind <= SRV_NONE || c->kind >= SRV_KIND_MAX || c->timeout_ms == 0 ||
	    c->zones_max == 0 || c->zones_max > 1000000)
		return E_INVAL;
	struct srvstats *s = calloc(1, sizeof *s);
	if (!s)
		return E_NOMEM;
	s->kind = c->kind;
	s->timeout_ms = c->timeout_ms;
	s->zones_on = c->zones;
	s->zones_max = c->zones_max;
	s->fd = -1;
	s->zcap = 16;
	while (s->zcap < 2 * c->zones_max)
		s->zcap *= 2;
	s->z = calloc(s->zcap, sizeof *s->z);
	s->out = calloc(c->zones_max < SRVSTATS_ZONES_PER_CALL ? c->zones_max : SRVSTATS_ZONES_PER_CALL, sizeof *s->out);
	if (!s->z || !s->out || build_argv(s, c) != E_OK) {
		srvstats_free(s);
		return E_NOMEM;
	}
	*out = s;
	return E_OK;
}

static void child_stop(struct srvstats *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	s->pid = 0;
}

void srvstats_free(struct srvstats *s)
{
	if (!s)
		return;
	child_stop(s);
	for (unsigned i = 0; i < STEPS_MAX; i++)
		for (unsigned k = 0; k < ARGS_MAX && s->argv_store[i][k]; k++)
			free(s->argv_store[i][k]);
	free(s->z);
	free(s->out);
	free(s);
}

const char *srvstats_error(const struct srvstats *s)
{
	return s ? s->err : "";
}

/* ---- parsing ---- */

static uint64_t fnv(const char *p)
{
	uint64_t h = 1469598103934665603ull;
	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return h;
}

/* the slot of zone `name` (normalised), created if room; NULL when the table is full */
static struct zslot *zone_slot(struct srvstats *s, const char *name)
{
	size_t mask = s->zcap - 1, i = (size_t)fnv(name) & mask;
	for (;; i = (i + 1) & mask) {
		struct zslot *z = &s->z[i];
		if (!z->name[0]) {
			if (s->zcount >= s->zones_max)
				return NULL;
			snprintf(z->name, sizeof z->name, "%s", name);
			s->zcount++;
			return z;
		}
		if (!strcmp(z->name, name))
			return z;
	}
}

/*
 * A zone name as the server prints it into capd's form: lower case, no
 * trailing dot except the root. Returns 0 if it is not a plausible name (then
 * the line is ignored, never sent).
 */
static int zone_norm(const char *in, size_t n, char *out, size_t cap)
{
	if (n > 1 && in[n - 1] == '.')
		n--;
	if (n == 0 || n >= cap || n > RECORD_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		if (ch <= ' ' || ch > '~')
			return 0;
		out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	out[n] = '\0';
	return 1;
}

static void add(struct vals *v, unsigned id, uint64_t x)
{
	unsigned i = id - C_SRV_FIRST;
	v->cur[i] += x;
	v->cur_set |= 1u << i;
}

static void add_rcode(struct vals *v, const char *rc, uint64_t x)
{
	add(v, C_SRV_RESPONSES, x);
	if (!strcmp(rc, "NOERROR"))
		add(v, C_SRV_NOERROR, x);
	else if (!strcmp(rc, "NXDOMAIN"))
		add(v, C_SRV_NXDOMAIN, x);
	else if (!strcmp(rc, "REFUSED"))
		add(v, C_SRV_REFUSED, x);
	else if (!strcmp(rc, "SERVFAIL"))
		add(v, C_SRV_SERVFAIL, x);
	else
		add(v, C_SRV_RCODE_OTHER, x);
}

static int parse_u64(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	while (*p == ' ' || *p == '\r')
		p++;
	*out = v;
	return *p == '\0';
}

/* the counter set a line is about: the node's, or a zone's (NULL: zone untracked or name bad) */
static struct vals *target(struct srvstats *s, const char *zone, size_t zlen)
{
	if (!zone)
		return &s->node;
	char name[RECORD_NAME_MAX + 1];
	if (!s->zones_on || !zone_norm(zone, zlen, name, sizeof name))
		return NULL;
	struct zslot *z = zone_slot(s, name);
	if (!z) {
		s->zones_over = 1;
		return NULL;
	}
	if (!z->seen) {
		z->seen = 1;
		memset(z->v.cur, 0, sizeof z->v.cur);
		z->v.cur_set = 0;
	}
	return &z->v;
}

/*
 * Knot (knotc stats / zone-stats), one counter per line:
 *   mod-stats.request-protocol[udp4] = 9
 *   [example.test.] mod-stats.response-code[NOERROR] = 4
 * Only mod-stats' request-protocol and response-code are taken; the rest
 * (request-bytes, server.zone-count, ...) is ignored.
 */
static void knot_line(struct srvstats *s, char *l)
{
	const char *zone = NULL;
	size_t zlen = 0;
	if (l[0] == '[') {
		char *e = strstr(l, "] ");
		if (!e)
			return;
		zone = l + 1;
		zlen = (size_t)(e - zone);
		l = e + 2;
	}
	if (strncmp(l, "mod-stats", 9))
		return;
	l += 9;
	if (*l == '[') {      /* an instance id: mod-stats[id].counter */
		char *e = strchr(l, ']');
		if (!e)
			return;
		l = e + 1;
	}
	if (*l != '.')
		return;
	l++;
	char *eq = strstr(l, " = ");
	if (!eq)
		return;
	*eq = '\0';
	uint64_t v;
	if (!parse_u64(eq + 3, &v))
		return;
	char *ob = strchr(l, '['), *cb = ob ? strchr(ob, ']') : NULL;
	if (!ob || !cb || cb[1])
		return;
	*ob = *cb = '\0';
	const char *counter = l, *index = ob + 1;
	int proto = !strcmp(counter, "request-protocol"), rcode = !strcmp(counter, "response-code");
	if (!proto && !rcode)
		return;
	struct vals *t = target(s, zone, zlen);
	s->parsed++;
	if (!t)
		return;
	if (rcode) {
		add_rcode(t, index, v);
		return;
	}
	/* udp4, tcp6, udp4-xdp, quic6, ...: transport from the prefix, IP version from the digit */
	add(t, C_SRV_QUERIES, v);
	if (!strncmp(index, "udp", 3))
		add(t, C_SRV_UDP, v);
	else if (!strncmp(index, "tcp", 3))
		add(t, C_SRV_TCP, v);
	if (strchr(index, '4'))
		add(t, C_SRV_IPV4, v);
	else if (strchr(index, '6'))
		add(t, C_SRV_IPV6, v);
}

/* NSD's counters after "num." (also per zonestats group: "<zone>.num.<counter>") */
static void nsd_num(struct srvstats *s, struct vals *t, const char *k, uint64_t v)
{
	s->parsed++;
	if (!t)
		return;
	if (!strcmp(k, "queries"))
		add(t, C_SRV_QUERIES, v);
	else if (!strncmp(k, "rcode.", 6))
		add_rcode(t, k + 6, v);
	else if (!strcmp(k, "udp"))
		add(t, C_SRV_UDP, v), add(t, C_SRV_IPV4, v);
	else if (!strcmp(k, "udp6"))
		add(t, C_SRV_UDP, v), add(t, C_SRV_IPV6, v);
	else if (!strcmp(k, "tcp"))
		add(t, C_SRV_TCP, v), add(t, C_SRV_IPV4, v);
	else if (!strcmp(k, "tcp6"))
		add(t, C_SRV_TCP, v), add(t, C_SRV_IPV6, v);
	else if (!strcmp(k, "tls"))
		add(t, C_SRV_IPV4, v);
	else if (!strcmp(k, "tls6"))
		add(t, C_SRV_IPV6, v);
	else if (!strcmp(k, "dropped"))
		add(t, C_SRV_DROPPED, v);
	else
		s->parsed--;
}

/*
 * NSD (nsd-control stats_noreset), key=value per line:
 *   num.queries=10            num.rcode.NXDOMAIN=3        num.udp6=0
 *   example.test.num.queries=4   (zonestats "%s": the group is the zone name)
 * The zone is what precedes the last ".num." (no NSD counter name contains
 * ".num.", a zone name may).
 */
static void nsd_line(struct srvstats *s, char *l)
{
	char *eq = strchr(l, '=');
	uint64_t v;
	if (!eq || !parse_u64(eq + 1, &v))
		return;
	*eq = '\0';
	if (!strncmp(l, "num.", 4)) {
		nsd_num(s, &s->node, l + 4, v);
		return;
	}
	char *m = NULL;
	for (char *p = strstr(l, ".num."); p; p = strstr(p + 1, ".num."))
		m = p;
	if (!m || m == l)
		return;
	nsd_num(s, target(s, l, (size_t)(m - l)), m + 5, v);
}

static void line(struct srvstats *s, char *l)
{
	s->lines++;
	size_t n = strlen(l);
	while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
		l[--n] = '\0';
	if (!strncmp(l, "error:", 6) || !strncmp(l, "[error]", 7)) {
		if (!s->child_err[0]) {
			/* outside text: keep printable ASCII only */
			size_t k = 0;
			for (size_t i = 0; l[i] && k + 1 < sizeof s->child_err; i++)
				s->child_err[k++] = l[i] >= ' ' && l[i] <= '~' ? l[i] : '?';
			s->child_err[k] = '\0';
		}
		return;
	}
	if (s->kind == SRV_KNOT)
		knot_line(s, l);
	else
		nsd_line(s, l);
}

void srvstats_feed(struct srvstats *s, unsigned step, const char *buf, size_t len)
{
	if (!s || !buf)
		return;
	(void)step;  /* both Knot steps share one line syntax */
	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];
		if (ch == '\n') {
			if (!s->line_bad) {
				s->line[s->line_len] = '\0';
				line(s, s->line);
			}
			s->line_len = 0;
			continue;
		}
		if (s->line_len + 1 >= sizeof s->line || ch == '\0') {
			s->line_bad = 1;
			continue;
		}
		s->line[s->line_len++] = ch;
	}
}

/* take one counter set's reading in: increments into the totals */
static int take(struct vals *v, int count)
{
	int back = 0;
	for (unsigned i = 0; i < NV; i++)
		if ((v->cur_set >> i & 1) && v->cur[i] < v->prev[i])
			back = 1;
	for (unsigned i = 0; i < NV; i++) {
		if (!(v->cur_set >> i & 1))
			continue;
		/* after a restart the server counts from zero: all it counted since is new */
		uint64_t d = back ? v->cur[i] : v->cur[i] - v->prev[i];
		if (count) {
			v->total[i] += d;
			v->total_set |= 1u << i;
		}
		v->prev[i] = v->cur[i];
	}
	return back;
}

static void reset_reading(struct srvstats *s)
{
	memset(s->node.cur, 0, sizeof s->node.cur);
	s->node.cur_set = 0;
	for (size_t i = 0; i < s->zcap; i++)
		s->z[i].seen = 0;
	s->line_len = 0;
	s->line_bad = 0;
	s->parsed = 0;
	s->lines = 0;
	s->zones_over = 0;
	s->child_err[0] = '\0';
}

static int fail(struct srvstats *s, const char *why)
{
	char m[sizeof s->err];
	snprintf(m, sizeof m, "%s", why);
	memcpy(s->err, m, sizeof m);
	s->read_errors++;
	reset_reading(s);
	return SRVSTATS_FAILED;
}

int srvstats_end(struct srvstats *s, int ok)
{
	if (!s)
		return SRVSTATS_FAILED;
	if (s->line_len && !s->line_bad) {   /* a last line without newline */
		s->line[s->line_len] = '\0';
		line(s, s->line);
	}
	if (!ok)
		return fail(s, s->child_err[0] ? s->child_err : s->err[0] ? s->err : "reading failed");
	if (s->line_bad)
		return fail(s, "output line too long or with NUL bytes");
	if (s->kind == SRV_KNOT) {
		/* Knot prints no counter that is still 0: every counter it has is read, the absent ones as 0 */
		s->node.cur_set = (1u << (C_SRV_DROPPED - C_SRV_FIRST)) - 1;
	} else if (!(s->node.cur_set >> (C_SRV_QUERIES - C_SRV_FIRST) & 1)) {
		char m[160];
		snprintf(m, sizeof m, "no num.queries in the statistics (%u lines read)", s->lines);
		return fail(s, m);
	}
	int count = s->have_base;
	if (take(&s->node, count) && count)
		s->restarts++;
	for (size_t i = 0; i < s->zcap; i++) {
		struct zslot *z = &s->z[i];
		if (!z->name[0] || !z->seen)
			continue;
		/* a zone new after the baseline: everything the server counted for it is new */
		if (!z->known && count)
			memset(z->v.prev, 0, sizeof z->v.prev);
		uint32_t had = z->v.total_set;
		uint64_t before[NV];
		memcpy(before, z->v.total, sizeof before);
		take(&z->v, count);
		if (!count)
			z->v.total_set = z->v.cur_set;  /* baseline: zero totals, but present */
		if (memcmp(before, z->v.total, sizeof before) || had != z->v.total_set)
			z->changed = 1;
		z->known = 1;
	}
	if (s->zones_over)
		s->zones_untracked++;
	s->have_base = 1;
	s->reads++;
	s->err[0] = '\0';
	reset_reading(s);
	return SRVSTATS_DONE;
}

/* ---- the child ---- */

static uint64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int spawn_step(struct srvstats *s)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* only our end is non-blocking; a large pipe lets NSD's zonestats out between two polls */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	/* the child must not hold capd's sockets (dnstap listener, aggregator sockets) */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	pid_t pid;
	char **argv = s->argv_store[s->step];
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		return -rc;
	}
	s->pid = pid;
	s->fd = p[0];
	return E_OK;
}

int srvstats_begin(struct srvstats *s, uint64_t mono_us)
{
	if (!s)
		return E_INVAL;
	if (s->pid > 0)
		return E_OK;     /* still running: its end is reported by poll */
	reset_reading(s);
	s->step = 0;
	s->deadline = mono_us + (uint64_t)s->timeout_ms * 1000u;
	int rc = spawn_step(s);
	if (rc != E_OK) {
		char m[64];
		snprintf(m, sizeof m, "%s", strerror(-rc));
		snprintf(s->err, sizeof s->err, "cannot run %.100s: %s", s->argv_store[0][0], m);
		s->read_errors++;
		return rc;
	}
	return E_OK;
}

static int timed_out(struct srvstats *s)
{
	child_stop(s);
	char m[sizeof s->err];
	snprintf(m, sizeof m, "%.100s did not finish within %u ms", s->argv_store[s->step][0], s->timeout_ms);
	memcpy(s->err, m, sizeof m);
	return srvstats_end(s, 0);
}

int srvstats_poll(struct srvstats *s, uint64_t mono_us)
{
	if (!s || s->pid <= 0)
		return 0;
	char buf[4096];
	while (s->fd >= 0) {
		ssize_t n = read(s->fd, buf, sizeof buf);
		if (n > 0) {
			srvstats_feed(s, s->step, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return mono_us < s->deadline ? 0 : timed_out(s);
		/* EOF (or a read error): the child is done writing */
		close(s->fd);
		s->fd = -1;
	}
	int st = 0;
	pid_t r = waitpid(s->pid, &st, WNOHANG);
	if (r == 0)
		return mono_us < s->deadline ? 0 : timed_out(s);
	s->pid = 0;
	if (r > 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char m[48];
		if (WIFEXITED(st))
			snprintf(m, sizeof m, "exit status %d", WEXITSTATUS(st));
		else
			snprintf(m, sizeof m, "signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		snprintf(s->err, sizeof s->err, "%.100s: %s", s->argv_store[s->step][0], m);
		return srvstats_end(s, 0);
	}
	if (++s->step < s->nsteps) {
		/* the next command of the same reading (Knot zone-stats) */
		int rc = spawn_step(s);
		if (rc == E_OK)
			return 0;
		snprintf(s->err, sizeof s->err, "cannot run %.100s", s->argv_store[s->step][0]);
		return srvstats_end(s, 0);
	}
	return srvstats_end(s, 1);
}

int srvstats_read(struct srvstats *s)
{
	if (!s)
		return SRVSTATS_FAILED;
	uint64_t t = mono_now();
	if (srvstats_begin(s, t) != E_OK)
		return SRVSTATS_FAILED;
	for (;;) {
		int rc = srvstats_poll(s, mono_now());
		if (rc)
			return rc;
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		if (s->fd >= 0)
			poll(&p, 1, 20);
		else
			usleep(2000);
	}
}

/* ---- results ---- */

void srvstats_counters(const struct srvstats *s, struct dnsa_counters *c)
{
	if (!s || !c)
		return;
	if (s->have_base)
		for (unsigned i = 0; i < NV; i++)
			counters_set(c, C_SRV_FIRST + i, s->node.total[i]);
	counters_set(c, C_SRV_READS, s->reads);
	counters_set(c, C_SRV_READ_ERRORS, s->read_errors);
	counters_set(c, C_SRV_RESTARTS, s->restarts);
	counters_set(c, C_SRV_ZONES_UNTRACKED, s->zones_untracked);
}

const struct dnsa_zone_total *srvstats_zones(struct srvstats *s, size_t *n)
{
	if (n)
		*n = 0;
	if (!s || !n)
		return NULL;
	size_t k = 0, max = s->zones_max < SRVSTATS_ZONES_PER_CALL ? s->zones_max : SRVSTATS_ZONES_PER_CALL;
	for (size_t j = 0; j < s->zcap && k < max; j++) {
		size_t i = (s->zcursor + j) & (s->zcap - 1);
		struct zslot *z = &s->z[i];
		s->zcursor = (i + 1) & (s->zcap - 1);
		if (!z->name[0] || !z->known || !(z->changed || s->reads - z->sent_read >= SRVSTATS_RESEND))
			continue;
		z->sent_read = s->reads;
		struct dnsa_zone_total *o = &s->out[k++];
		memcpy(o->zone, z->name, sizeof o->zone);
		o->set = z->v.total_set;
		memcpy(o->value, z->v.total, sizeof o->value);
		z->changed = 0;
	}
	*n = k;
	return s->out;
}
