/* aggd/server.c: aggd's event loop: receive, verify, stage, account, report. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggd/metrics.h"
#include "aggd/server.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "common/log.h"

#define MAX_BATCHES_PER_WAKE 16 /* recvmmsg calls per socket before looking at timers */
#define DRAIN_AT_EXIT_MS 5000

/* loop state beyond what main built */
struct loop {
	struct server *s;
	struct log_rl rl_reject[NS_R_MAX];  /* per reject reason */
	struct log_rl rl_drop;              /* staging queue full */
	struct log_rl rl_db;                /* database errors */
	struct stage_stat *stats;           /* node_stats rows being built */
	size_t nstats, capstats;
	int stats_oom;                      /* the rows could not all be kept */
	struct ns_counts last_totals;       /* at the previous summary */
	struct stage_counters last_stage;
	int64_t last_summary_ms;
	unsigned failing;                   /* failed commits since the last success */
	uint64_t seen_failures, seen_commits; /* the writer's counters at the last look */
};

static void handle(struct loop *l, unsigned j, int64_t now_us, int64_t now_ms)
{
	struct server *s = l->s;
	struct verdict vd;
	size_t len;
	const uint8_t *dg = receiver_dgram(s->rx, j, &len);

	if (verifier_check(s->verify, dg, len, now_us, &vd) != E_OK) {
		char peer[64], node[LOG_ESC_SIZE(ENV_NAME_MAX)];
		receiver_peer(s->rx, j, peer, sizeof peer);
		/* a bad name is shown as the sender wrote it, escaped: what the operator must see */
		if (vd.reason == NS_R_BAD_NAME)
			log_escape(dg + ENV_FIXED_HDR, dg[6], node, sizeof node);
		else
			log_escape(vd.reason >= NS_R_UNKNOWN_NODE ? vd.h.node : "", LOG_ESC_STR, node, sizeof node);
		log_warnx_rl(&l->rl_reject[vd.reason], "rejected datagram from %s, %zu bytes, node '%s': %s (%s)",
		    peer, len, node, ns_reason_name((unsigned)vd.reason), dnsa_strerror(vd.err));
		return;
	}
	struct stage_row row = {
		.node = vd.node->name, .boot_id = vd.h.boot_id, .seq = vd.h.seq, .kind = vd.h.kind,
		.received_us = now_us, .nrecords = vd.nrecords, .payload = vd.payload, .len = vd.len,
	};
	if (stage_put(s->stage, &row, now_ms) != E_OK) {
		vd.node->c.drops++;
		log_warnx_rl(&l->rl_drop, "staging queue full: dropping datagrams (node %s seq %" PRIu64 ")",
		    vd.node->name, vd.h.seq);
	}
}

/* SQLite's messages may quote what is in the file: escaped like any outside string */
static const char *db_msg(struct loop *l, char *buf, size_t cap)
{
	char raw[256];
	return log_escape(stage_errmsg_copy(l->s->stage, raw, sizeof raw), LOG_ESC_STR, buf, cap);
}

/* without the writer thread only (stage_flush does nothing while it runs) */
static void flush(struct loop *l, int64_t now_ms)
{
	stage_flush(l->s->stage, now_ms);
}

/* what the writer (thread or flush) did since the last look: failures are logged, rate-limited */
static void watch_writer(struct loop *l)
{
	struct stage_counters sc;
	char m[LOG_ESC_SIZE(256)];

	stage_counters(l->s->stage, &sc);
	if (sc.failures > l->seen_failures) {
		l->failing += (unsigned)(sc.failures - l->seen_failures);
		log_warnx_rl(&l->rl_db, "staging: commit failed, rows kept queued: %s (%u queued)", db_msg(l, m, sizeof m),
		    sc.depth);
	} else if (sc.commits > l->seen_commits && l->failing) {
		log_info("staging: commits resumed after %u failed attempts", l->failing);
		l->failing = 0;
	}
	l->seen_failures = sc.failures;
	l->seen_commits = sc.commits;
}

static void receive(struct loop *l, size_t i)
{
	struct server *s = l->s;

	for (int b = 0; b < MAX_BATCHES_PER_WAKE; b++) {
		int n = receiver_recv(s->rx, i);
		if (n < 0) {
			log_warnx_rl(&l->rl_db, "receive: %s", strerror(-n));
			return;
		}
		if (n == 0)
			return;
		int64_t now_us = (int64_t)clock_real_us(), now_ms = clock_mono_ms();
		for (int j = 0; j < n; j++)
			handle(l, (unsigned)j, now_us, now_ms);
		if (stage_due(s->stage, now_ms) == 0)
			flush(l, now_ms);
		if ((unsigned)n < (unsigned)s->conf->recv_batch)
			return;
	}
}

static void add_stat(const char *node, const char *counter, int64_t value, void *arg)
{
	struct loop *l = arg;
	if (l->nstats == l->capstats) {
		size_t cap = l->capstats ? l->capstats * 2 : 64;
		struct stage_stat *v = realloc(l->stats, cap * sizeof *v);
		if (!v) {
			l->stats_oom = 1;
			return;
		}
		l->stats = v;
		l->capstats = cap;
	}
	l->stats[l->nstats++] = (struct stage_stat){ node, counter, value };
}

static void write_stats(struct loop *l)
{
	l->nstats = 0;
	l->stats_oom = 0;
	nodestats_foreach_delta(l->s->ns, add_stat, l);
	if (l->stats_oom || l->nstats == 0)
		return;
	/* the stage keeps the increments whatever happens (and retries them): never send them twice */
	stage_write_stats(l->s->stage, (int64_t)clock_real_us(), l->stats, l->nstats);
	nodestats_mark_flushed(l->s->ns);
}

/* the Prometheus textfile, once per stats interval (a few system calls, none per datagram) */
static void metrics(struct loop *l)
{
	static struct log_rl rl = LOG_RL_INIT(1, 600);
	struct stage_counters sc;
	int rc;
	if (!l->s->conf->metrics_file[0])
		return;
	unsigned files;
	uint64_t bytes;
	stage_counters(l->s->stage, &sc);
	stage_backlog(l->s->stage, &files, &bytes);
	if ((rc = aggd_metrics_write(l->s->conf->metrics_file, l->s->ns, &sc, files, bytes)) != E_OK)
		log_warnx_rl(&rl, "metrics_file %s: %s", l->s->conf->metrics_file, dnsa_strerror(rc));
}

static void summary(struct loop *l, int64_t now_ms)
{
	struct ns_counts t;
	struct stage_counters sc;
	char rej[512] = "";
	size_t off = 0;
	uint64_t nrej = 0;
	double secs = (double)(now_ms - l->last_summary_ms) / 1000.0;
	size_t active = 0, nodes = nodestats_count(l->s->ns) - 1;
	int64_t since_us = (int64_t)clock_real_us() - (now_ms - l->last_summary_ms) * 1000;

	nodestats_totals(l->s->ns, &t);
	stage_counters(l->s->stage, &sc);
	for (size_t i = 1; i < nodes + 1; i++)
		if (nodestats_at(l->s->ns, i)->last_seen_us >= since_us)
			active++;
	for (unsigned r = 0; r < NS_R_MAX; r++) {
		uint64_t d = t.rejects[r] - l->last_totals.rejects[r];
		nrej += d;
		if (d && off < sizeof rej)
			off += (size_t)snprintf(rej + off, sizeof rej - off, " %s=%" PRIu64, ns_reason_name(r), d);
	}
	if (secs <= 0)
		secs = 1;
	log_info("summary %.0fs: nodes %zu active %zu; datagrams %" PRIu64 " (%.1f/s) records %" PRIu64
	    " gaps %" PRId64 " rejects %" PRIu64 "%s; staging committed %" PRIu64 " queued %u drops %" PRIu64
	    " db_failures %" PRIu64,
	    secs, nodes, active, t.datagrams - l->last_totals.datagrams,
	    (double)(t.datagrams - l->last_totals.datagrams) / secs, t.records - l->last_totals.records,
	    t.gaps - l->last_totals.gaps, nrej, rej, sc.committed - l->last_stage.committed, sc.depth,
	    t.drops - l->last_totals.drops, sc.failures - l->last_stage.failures);
	l->last_totals = t;
	l->last_stage = sc;
	l->last_summary_ms = now_ms;
}

static void reload(struct loop *l)
{
	struct keyring *kr = NULL;
	int line = 0;
	int rc = keyring_load(l->s->conf->keyring, &kr, &line);

	if (rc != E_OK) {
		log_warnx("SIGHUP: keyring %s not reloaded (line %d): %s; keeping the previous one",
		    l->s->conf->keyring, line, dnsa_strerror(rc));
		return;
	}
	size_t n = keyring_count(kr);
	if ((rc = verifier_set_keyring(l->s->verify, &kr)) != E_OK) {
		log_warnx("SIGHUP: keyring not reloaded: %s", dnsa_strerror(rc));
		keyring_free(kr);
		return;
	}
	log_info("SIGHUP: keyring %s reloaded, %zu nodes", l->s->conf->keyring, n);
}

int server_run(struct server *s)
{
	struct loop l = { .s = s };
	struct pollfd pfd[RECEIVER_MAX_SOCKS];
	size_t nfd = receiver_nsocks(s->rx);
	int64_t now = clock_mono_ms();
	int64_t next_stats = now + s->conf->stats_interval * 1000;
	int64_t next_summary = s->conf->summary_interval ? now + s->conf->summary_interval * 1000 : INT64_MAX;

	for (unsigned r = 0; r < NS_R_MAX; r++)
		l.rl_reject[r] = (struct log_rl)LOG_RL_INIT(5, 60);
	l.rl_drop = (struct log_rl)LOG_RL_INIT(5, 60);
	l.rl_db = (struct log_rl)LOG_RL_INIT(5, 60);
	l.last_summary_ms = now;
	for (size_t i = 0; i < nfd; i++)
		pfd[i] = (struct pollfd){ .fd = receiver_fd(s->rx, i), .events = POLLIN };

	while (!*s->quit) {
		if (*s->reload) {
			*s->reload = 0;
			reload(&l);
		}
		now = clock_mono_ms();
		int64_t timeout = stage_due(s->stage, now);
		if (timeout < 0 || timeout > next_stats - now)
			timeout = next_stats - now;
		if (timeout > next_summary - now)
			timeout = next_summary - now;
		if (timeout < 0)
			timeout = 0;
		if (timeout > 1000)
			timeout = 1000;
		int n = poll(pfd, nfd, (int)timeout);
		if (n < 0 && errno != EINTR)
			log_warn("poll");
		for (size_t i = 0; n > 0 && i < nfd; i++)
			if (pfd[i].revents & (POLLIN | POLLERR))
				receive(&l, i);
		now = clock_mono_ms();
		if (stage_due(s->stage, now) == 0)
			flush(&l, now);
		watch_writer(&l);
		if (now >= next_stats) {
			write_stats(&l);
			metrics(&l);
			next_stats = now + s->conf->stats_interval * 1000;
		}
		if (now >= next_summary) {
			summary(&l, now);
			next_summary = now + s->conf->summary_interval * 1000;
		}
	}
	unsigned left = stage_drain(s->stage, DRAIN_AT_EXIT_MS);
	if (left) {
		nodestats_anon(s->ns)->c.drops += left;
		char m[LOG_ESC_SIZE(256)];
		log_warnx("exit: %u queued datagrams could not be staged: %s", left, db_msg(&l, m, sizeof m));
	}
	write_stats(&l);
	metrics(&l);
	summary(&l, clock_mono_ms());
	free(l.stats);
	return 0;
}
