/* capd/srvstats.c: the nameserver's own statistics (Knot mod-stats, NSD, BIND, Unbound), read once per counters interval. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capd/srvstats.h"
#include "capd/zones.h"
#include "common/clock.h"
#include "common/errors.h"

extern char **environ;

#define NV C_SRV_ZONE_IDS     /* values kept per node and per zone */
#define LINE_MAX_LEN 1024     /* longer lines fail the reading (no server writes them) */
#define STEPS_MAX 2
#define ARGS_MAX 10
#define HTTP_MAX (64u << 20)  /* a statistics channel answer larger than this fails the reading */

/* BIND statistics channel: where a step's HTTP exchange is */
enum { H_CONNECTING = 0, H_WRITING, H_READING };

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
	int busy;             /* a reading is under way */
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
	/* BIND: the statistics channel over HTTP */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int hstate;           /* H_* */
	size_t req_off;       /* request bytes sent */
	char req[STEPS_MAX][128];
	char *hbuf;           /* the answer of the step in progress */
	size_t hlen, hcap;
	unsigned hstep;       /* step hbuf belongs to */
	int server_seen;      /* the server step parsed (nsstats present) */
	char perr[160];       /* first parse error of this reading */
	/* totals */
	struct vals node;
	int have_base;        /* a first reading was taken in */
	/* capd's own dnstap counts at the same instants, so the difference is the server's own loss */
	int dn_base_set;      /* dn_base taken (at the first counters after the baseline reading) */
	uint64_t dn_reads;    /* the reading dn_at belongs to */
	uint64_t dn_base[2];  /* capd's queries, responses when the server's baseline was read */
	uint64_t dn_at[2];    /* the same at the last successful reading */
	uint64_t reads, read_errors, restarts, zones_untracked, zones_over;
	struct zones *measured; /* zones whose totals are kept; NULL: all */
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
	if (!strcmp(name, "bind"))
		return SRV_BIND;
	if (!strcmp(name, "unbound"))
		return SRV_UNBOUND;
	return -1;
}

/* argv of each step, built once */
/* "ADDR:PORT" or "[V6ADDR]:PORT" (literal addresses: no lookup in a daemon's loop) */
static int parse_addr(const char *in, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	if (!in)
		return -1;
	if (in[0] == '[') {
		const char *e = strchr(in, ']');
		if (!e || e[1] != ':' || (size_t)(e - in - 1) >= sizeof host)
			return -1;
		memcpy(host, in + 1, (size_t)(e - in - 1));
		host[e - in - 1] = '\0';
		colon = e + 1;
	} else {
		colon = strrchr(in, ':');
		if (!colon || (size_t)(colon - in) >= sizeof host)
			return -1;
		memcpy(host, in, (size_t)(colon - in));
		host[colon - in] = '\0';
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port <= 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof *a4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		return 0;
	}
	return -1;
}

int srvstats_addr_ok(const char *control)
{
	struct sockaddr_storage ss;
	socklen_t len;
	return parse_addr(control, &ss, &len) == 0;
}

static int build_argv(struct srvstats *s, const struct srvstats_conf *c)
{
	if (s->kind == SRV_BIND) {
		/* no program: two HTTP GETs; argv_store[i][0] names the channel in error texts */
		if (parse_addr(c->control, &s->addr, &s->addrlen))
			return E_INVAL;
		static const char *const path[STEPS_MAX] = { "/json/v1/server", "/json/v1/zones" };
		s->nsteps = c->zones ? 2 : 1;
		for (unsigned i = 0; i < s->nsteps; i++) {
			snprintf(s->req[i], sizeof s->req[i], "GET %s HTTP/1.0\r\nHost: localhost\r\n"
			    "Accept: application/json\r\n\r\n", path[i]);
			if (!(s->argv_store[i][0] = strdup(c->control)))
				return E_NOMEM;
		}
		return E_OK;
	}
	const char *prog = c->program && c->program[0] ? c->program : s->kind == SRV_KNOT ? "knotc" :
	    s->kind == SRV_NSD ? "nsd-control" : "unbound-control";
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
		if ((s->kind == SRV_NSD || s->kind == SRV_UNBOUND) && c->config && c->config[0]) {
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
	if (c && (!out || c->kind <= SRV_NONE || c->kind >= SRV_KIND_MAX || c->timeout_ms == 0 ||
	    c->zones_max == 0 || c->zones_max > 1000000))
		zones_free(c->measured);   /* taken over, also on failure */
	if (!c || !out || c->kind <= SRV_NONE || c->kind >= SRV_KIND_MAX || c->timeout_ms == 0 ||
	    c->zones_max == 0 || c->zones_max > 1000000)
		return E_INVAL;
	struct srvstats *s = calloc(1, sizeof *s);
	if (!s) {
		zones_free(c->measured);
		return E_NOMEM;
	}
	s->measured = c->measured;
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
	int rc = s->z && s->out ? build_argv(s, c) : E_NOMEM;
	if (rc != E_OK) {
		srvstats_free(s);
		return rc;
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
	zones_free(s->measured);
	free(s->z);
	free(s->out);
	free(s->hbuf);
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
	/* only the zones capd measures: the others stay on the node */
	struct zone_match m;
	if (s->measured && zones_match(s->measured, name, strlen(name), &m) != E_OK)
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

/*
 * Unbound (unbound-control stats_noreset, extended-statistics: yes), key=value:
 *   total.num.queries=15   num.query.tcp=1   num.query.ipv6=1
 *   num.answer.rcode.NOERROR=6   total.num.queries_ip_ratelimited=0
 * "num.answer.rcode.nodata" is a part of NOERROR, not an rcode of its own.
 * Unbound counts nothing per zone. UDP and IPv4 are what TCP and IPv6 leave.
 */
static void unbound_line(struct srvstats *s, char *l)
{
	char *eq = strchr(l, '=');
	uint64_t v;
	if (!eq || !parse_u64(eq + 1, &v))
		return;
	*eq = '\0';
	struct vals *t = &s->node;
	if (!strcmp(l, "total.num.queries"))
		add(t, C_SRV_QUERIES, v);
	else if (!strcmp(l, "total.num.queries_ip_ratelimited"))
		add(t, C_SRV_DROPPED, v);
	else if (!strcmp(l, "num.query.tcp"))
		add(t, C_SRV_TCP, v);
	else if (!strcmp(l, "num.query.ipv6"))
		add(t, C_SRV_IPV6, v);
	else if (!strncmp(l, "num.answer.rcode.", 17) && strcmp(l + 17, "nodata"))
		add_rcode(t, l + 17, v);
	else
		return;
	s->parsed++;
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
	else if (s->kind == SRV_UNBOUND)
		unbound_line(s, l);
	else
		nsd_line(s, l);
}

/* a JSON member as a count: absent, negative or not an integer = 0 */
static uint64_t jcount(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static void perr(struct srvstats *s, const char *what)
{
	if (!s->perr[0])
		snprintf(s->perr, sizeof s->perr, "statistics channel %.60s: %s", s->argv_store[0][0] ? s->argv_store[0][0] : "", what);
}

/*
 * BIND 9 statistics channel, JSON (json-stats-version 1.x), HTTP/1.0 answer:
 *   /json/v1/server: "nsstats": {"Requestv4": 9, "Requestv6": 1, "ReqTCP": 1, "RateDropped": ...},
 *                    "rcodes": {"NOERROR": 4, "NXDOMAIN": 3, ...}  (responses sent, by rcode)
 *   /json/v1/zones:  "views": {VIEW: {"zones": [{"name": "example.test", "class": "IN",
 *                    "rcodes": {"QrySuccess": 4, "QryNXDOMAIN": 3, "QryUDP": 3, "QryTCP": 1}}]}}
 * BIND leaves out counters that are 0. Per zone (zone-statistics yes), the
 * queries are QryUDP + QryTCP, the answers QrySuccess/QryNxrrset/QryReferral
 * (NOERROR), QryNXDOMAIN, QrySERVFAIL and QryFORMERR/QryFailure (other).
 */
static void bind_step_end(struct srvstats *s, unsigned step)
{
	size_t len = s->hlen;
	s->hlen = 0;
	if (s->line_bad) {
		perr(s, "answer too large");
		return;
	}
	char *body = len >= 4 ? memmem(s->hbuf, len, "\r\n\r\n", 4) : NULL;
	if (len < 12 || memcmp(s->hbuf, "HTTP/1.", 7) || memcmp(s->hbuf + 8, " 200", 4) || !body) {
		perr(s, len ? "no HTTP 200 answer (is the statistics channel built with JSON, allowed for us?)" :
		    "empty answer");
		return;
	}
	body += 4;
	json_error_t je;
	json_t *root = json_loadb(body, len - (size_t)(body - s->hbuf), 0, &je);
	if (!json_is_object(root)) {
		perr(s, "answer is not JSON");
		json_decref(root);
		return;
	}
	if (step == 0) {
		/* BIND leaves out "nsstats" and "rcodes" while all their counters are 0 */
		json_t *ns = json_object_get(root, "nsstats"), *rc = json_object_get(root, "rcodes");
		if (!json_is_string(json_object_get(root, "json-stats-version"))) {
			perr(s, "no json-stats-version in /json/v1/server");
			json_decref(root);
			return;
		}
		struct vals *t = &s->node;
		uint64_t v4 = jcount(ns, "Requestv4"), v6 = jcount(ns, "Requestv6"), tcp = jcount(ns, "ReqTCP");
		add(t, C_SRV_QUERIES, v4 + v6);
		add(t, C_SRV_IPV4, v4);
		add(t, C_SRV_IPV6, v6);
		add(t, C_SRV_TCP, tcp);
		add(t, C_SRV_UDP, v4 + v6 >= tcp ? v4 + v6 - tcp : 0);
		add(t, C_SRV_DROPPED, jcount(ns, "RateDropped") + jcount(ns, "QryDropped"));
		const char *k;
		json_t *v;
		json_object_foreach(rc, k, v)
			if (json_is_integer(v) && json_integer_value(v) > 0)
				add_rcode(t, k, (uint64_t)json_integer_value(v));
		s->server_seen = 1;
		s->parsed++;
	} else {
		json_t *views = json_object_get(root, "views");
		const char *vn;
		json_t *view;
		json_object_foreach(views, vn, view) {
			json_t *zs = json_object_get(view, "zones");
			size_t i;
			json_t *z;
			json_array_foreach(zs, i, z) {
				json_t *name = json_object_get(z, "name"), *cl = json_object_get(z, "class");
				json_t *rc = json_object_get(z, "rcodes");
				if (!json_is_string(name) || !json_is_object(rc) ||
				    (json_is_string(cl) && strcmp(json_string_value(cl), "IN")))
					continue;
				const char *n = json_string_value(name);
				struct vals *t = target(s, n, strlen(n));
				s->parsed++;
				if (!t)
					continue;
				uint64_t udp = jcount(rc, "QryUDP"), tcp = jcount(rc, "QryTCP");
				uint64_t ok = jcount(rc, "QrySuccess") + jcount(rc, "QryNxrrset") + jcount(rc, "QryReferral");
				uint64_t nx = jcount(rc, "QryNXDOMAIN"), sf = jcount(rc, "QrySERVFAIL");
				uint64_t other = jcount(rc, "QryFORMERR") + jcount(rc, "QryFailure");
				add(t, C_SRV_QUERIES, udp + tcp);
				add(t, C_SRV_UDP, udp);
				add(t, C_SRV_TCP, tcp);
				add(t, C_SRV_RESPONSES, ok + nx + sf + other);
				add(t, C_SRV_NOERROR, ok);
				add(t, C_SRV_NXDOMAIN, nx);
				add(t, C_SRV_SERVFAIL, sf);
				add(t, C_SRV_RCODE_OTHER, other);
			}
		}
	}
	json_decref(root);
}

/* BIND: the raw HTTP answer of a step, bounded */
static void bind_feed(struct srvstats *s, unsigned step, const char *buf, size_t len)
{
	if (s->hlen && step != s->hstep)
		bind_step_end(s, s->hstep);
	s->hstep = step;
	if (s->line_bad || s->hlen + len > HTTP_MAX) {
		s->line_bad = 1;
		return;
	}
	if (s->hlen + len + 1 > s->hcap) {
		size_t nc = s->hcap ? s->hcap : 65536;
		while (nc < s->hlen + len + 1)
			nc *= 2;
		char *nb = realloc(s->hbuf, nc);
		if (!nb) {
			s->line_bad = 1;
			return;
		}
		s->hbuf = nb;
		s->hcap = nc;
	}
	memcpy(s->hbuf + s->hlen, buf, len);
	s->hlen += len;
}

void srvstats_feed(struct srvstats *s, unsigned step, const char *buf, size_t len)
{
	if (!s || !buf)
		return;
	if (s->kind == SRV_BIND) {
		bind_feed(s, step, buf, len);
		return;
	}
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
	s->hlen = 0;
	s->server_seen = 0;
	s->perr[0] = '\0';
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
	if (s->kind == SRV_BIND && s->hlen)
		bind_step_end(s, s->hstep);
	else if (s->line_len && !s->line_bad) {   /* a last line without newline */
		s->line[s->line_len] = '\0';
		line(s, s->line);
	}
	if (!ok)
		return fail(s, s->child_err[0] ? s->child_err : s->err[0] ? s->err : "reading failed");
	if (s->perr[0])
		return fail(s, s->perr);
	if (s->line_bad)
		return fail(s, "output line too long or with NUL bytes");
	if (s->kind == SRV_BIND) {
		if (!s->server_seen)
			return fail(s, "no answer from /json/v1/server");
		s->node.cur_set = (1u << C_SRV_ZONE_IDS) - 1;   /* BIND leaves out counters at 0 */
	} else if (s->kind == SRV_KNOT) {
		/* Knot prints no counter that is still 0: every counter it has is read, the absent ones as 0 */
		s->node.cur_set = (1u << (C_SRV_DROPPED - C_SRV_FIRST)) - 1;
	} else if (s->kind == SRV_UNBOUND) {
		struct vals *t = &s->node;
		unsigned q = C_SRV_QUERIES - C_SRV_FIRST;
		if (!(t->cur_set >> q & 1))
			return fail(s, "no total.num.queries in the statistics");
		if (!(t->cur_set >> (C_SRV_RESPONSES - C_SRV_FIRST) & 1))
			return fail(s, "no num.answer.rcode.* in the statistics (extended-statistics: yes?)");
		uint64_t tcp = t->cur[C_SRV_TCP - C_SRV_FIRST], v6 = t->cur[C_SRV_IPV6 - C_SRV_FIRST];
		add(t, C_SRV_UDP, t->cur[q] >= tcp ? t->cur[q] - tcp : 0);
		add(t, C_SRV_IPV4, t->cur[q] >= v6 ? t->cur[q] - v6 : 0);
		t->cur_set = (1u << C_SRV_ZONE_IDS) - 1;
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

/* BIND: open the connection of the current step (non-blocking) */
static int http_step(struct srvstats *s)
{
	int fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	s->fd = fd;
	s->hstate = H_CONNECTING;
	s->req_off = 0;
	return E_OK;
}

static int start_step(struct srvstats *s)
{
	return s->kind == SRV_BIND ? http_step(s) : spawn_step(s);
}

int srvstats_begin(struct srvstats *s, uint64_t mono_us)
{
	if (!s)
		return E_INVAL;
	if (s->busy)
		return E_OK;     /* still running: its end is reported by poll */
	reset_reading(s);
	s->step = 0;
	s->deadline = mono_us + (uint64_t)s->timeout_ms * 1000u;
	int rc = start_step(s);
	if (rc != E_OK) {
		char m[64];
		snprintf(m, sizeof m, "%s", strerror(-rc));
		snprintf(s->err, sizeof s->err, "cannot %s %.100s: %s", s->kind == SRV_BIND ? "connect to" : "run",
		    s->argv_store[0][0], m);
		s->read_errors++;
		return rc;
	}
	s->busy = 1;
	return E_OK;
}

static int child_poll(struct srvstats *s, uint64_t mono_us);

static int timed_out(struct srvstats *s)
{
	child_stop(s);
	char m[sizeof s->err];
	snprintf(m, sizeof m, "%.100s did not finish within %u ms", s->argv_store[s->step][0], s->timeout_ms);
	memcpy(s->err, m, sizeof m);
	return srvstats_end(s, 0);
}

static int step_failed(struct srvstats *s, const char *what, int err)
{
	child_stop(s);
	char m[sizeof s->err];
	snprintf(m, sizeof m, "%.100s: %s: %s", s->argv_store[s->step][0], what, strerror(err));
	memcpy(s->err, m, sizeof m);
	return srvstats_end(s, 0);
}

/* BIND: connect, send the request, read the answer to EOF, all without blocking */
static int http_poll(struct srvstats *s, uint64_t mono_us)
{
	char buf[16384];
	while (s->hstate != H_READING) {
		struct pollfd p = { .fd = s->fd, .events = POLLOUT };
		if (poll(&p, 1, 0) <= 0)
			return mono_us < s->deadline ? 0 : timed_out(s);
		if (s->hstate == H_CONNECTING) {
			int e = 0;
			socklen_t el = sizeof e;
			if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
				e = errno;
			if (e)
				return step_failed(s, "connect", e);
			s->hstate = H_WRITING;
		}
		const char *req = s->req[s->step];
		size_t rl = strlen(req);
		ssize_t n = send(s->fd, req + s->req_off, rl - s->req_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return step_failed(s, "send", errno);
		s->req_off += (size_t)n;
		if (s->req_off == rl)
			s->hstate = H_READING;
	}
	for (;;) {
		ssize_t n = read(s->fd, buf, sizeof buf);
		if (n > 0) {
			srvstats_feed(s, s->step, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return mono_us < s->deadline ? 0 : timed_out(s);
		if (n < 0)
			return step_failed(s, "read", errno);
		break;
	}
	close(s->fd);
	s->fd = -1;
	bind_step_end(s, s->step);
	if (++s->step < s->nsteps) {
		int rc = http_step(s);
		return rc == E_OK ? 0 : step_failed(s, "connect", -rc);
	}
	return srvstats_end(s, 1);
}

int srvstats_poll(struct srvstats *s, uint64_t mono_us)
{
	if (!s || !s->busy)
		return 0;
	int rc = s->kind == SRV_BIND ? http_poll(s, mono_us) : child_poll(s, mono_us);
	if (rc)
		s->busy = 0;
	return rc;
}

static int child_poll(struct srvstats *s, uint64_t mono_us)
{
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
		int rc = start_step(s);
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
	uint64_t t = clock_mono_us();
	if (srvstats_begin(s, t) != E_OK)
		return SRVSTATS_FAILED;
	for (;;) {
		int rc = srvstats_poll(s, clock_mono_us());
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

/* capd's dnstap queries and responses of the kinds a server answers (AUTH_*, CLIENT_*) in c */
static void dnstap_counts(const struct dnsa_counters *c, uint64_t out[2])
{
	static const unsigned q[] = { C_MSG_BY_TYPE + MT_AUTH_QUERY - 1, C_MSG_BY_TYPE + MT_CLIENT_QUERY - 1 };
	static const unsigned r[] = { C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1, C_MSG_BY_TYPE + MT_CLIENT_RESPONSE - 1 };
	out[0] = out[1] = 0;
	for (unsigned i = 0; i < 2; i++) {
		out[0] += counters_has(c, q[i]) ? c->value[q[i]] : 0;
		out[1] += counters_has(c, r[i]) ? c->value[r[i]] : 0;
	}
}

void srvstats_counters(struct srvstats *s, struct dnsa_counters *c)
{
	if (!s || !c)
		return;
	if (s->have_base) {
		/*
		 * The server's totals count from the baseline reading; capd's own counts
		 * from capd's start. Both sides are taken at the same instants: the first
		 * counters after a successful reading (sent as that reading ends, see
		 * capd/main.c), so srv_responses - srv_dnstap_responses is what dnstap
		 * never delivered, whenever capd or the server started.
		 */
		if (!s->dn_base_set) {
			dnstap_counts(c, s->dn_base);
			memcpy(s->dn_at, s->dn_base, sizeof s->dn_at);
			s->dn_reads = s->reads;
			s->dn_base_set = 1;
		} else if (s->dn_reads != s->reads) {
			dnstap_counts(c, s->dn_at);
			s->dn_reads = s->reads;
		}
		for (unsigned i = 0; i < NV; i++)
			counters_set(c, C_SRV_FIRST + i, s->node.total[i]);
		counters_set(c, C_SRV_DNSTAP_QUERIES, s->dn_at[0] - s->dn_base[0]);
		counters_set(c, C_SRV_DNSTAP_RESPONSES, s->dn_at[1] - s->dn_base[1]);
	}
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
