/* rollup/main.c: aggd-rollup: one run of staging -> MariaDB (options, config, lock, connect, run). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/log.h"
#include "rollup/config.h"
#include "rollup/mdb.h"
#include "rollup/metrics.h"
#include "rollup/rollup.h"
#include "rollup/staging.h"

#define EXIT_LOCKED 75  /* EX_TEMPFAIL: another run holds the lock */

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: aggd-rollup -c FILE [-n] [-v]\n"
	    "  -c FILE  configuration file (see conf/aggd-rollup.conf)\n"
	    "  -n       check the configuration and the credentials file, then exit\n"
	    "  -v       print a summary line of the run\n"
	    "exit: 0 done (caught up), 1 error, 2 bad usage or configuration, 75 another run holds the lock (or moved the checkpoint)\n"
	    "\nconfiguration keys:\n");
	conf_usage(config_opts, f);
}

/*
 * Crash injection for the exactly-once tests: DNSA_ROLLUP_CRASH=point[:batch]
 * kills the process with SIGKILL at that point (before_commit, after_commit,
 * during_prune) of that batch (default 1), as a real crash would.
 */
static void crash_hook(const char *point, unsigned batch, void *arg)
{
	const char *spec = arg;
	size_t n = strcspn(spec, ":");
	unsigned want = spec[n] == ':' ? (unsigned)strtoul(spec + n + 1, NULL, 10) : 1;
	if (strlen(point) == n && strncmp(point, spec, n) == 0 && batch == want)
		kill(getpid(), SIGKILL);
}

/* the Prometheus textfile of a run (metrics_file): also for a run that could not start */
static void write_metrics(const struct rollup_conf *conf, const struct rollup_stats *st, int failed,
    const struct timespec *t0, const struct staging_health *sh)
{
	struct timespec t1;
	if (!conf->metrics_file[0])
		return;
	clock_gettime(CLOCK_REALTIME, &t1);
	double start = (double)t0->tv_sec + (double)t0->tv_nsec / 1e9;
	double dur = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	int rc = rollup_metrics_write(conf->metrics_file, conf->aggregator, st, failed, start, dur, sh);
	if (rc != E_OK)
		log_warnx("metrics_file %s: %s", conf->metrics_file, dnsa_strerror(rc));
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int check = 0, verbose = 0, ch;
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };

	log_init("aggd-rollup", 0, 0);
	/*
	 * A fixed threshold: the aggregate's big tables come from mmap and go back
	 * to the system when a batch frees them; with glibc's sliding threshold
	 * they land in the heap, and freed ones there still count in the RSS.
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	while ((ch = getopt_long(argc, argv, "c:nvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}

	static struct rollup_conf conf;
	/* -n and a run refuse the same things: the checks that look at the system run in both */
	if (rollup_conf_load(&conf, path, CONF_ENV, conf_err_stderr, NULL))
		return 2;
	struct rollup_credentials cred;
	int rc = config_credentials(&conf, &cred, conf_err_stderr, NULL);
	if (rc == E_KEYPERM) {
		log_warnx("credentials file %s must be a regular file readable by its owner only"
		    " (chmod 600)", conf.db_credentials);
		return 2;
	} else if (rc < 0 && rc > E_BASE) {
		log_warnx("credentials file %s: %s", conf.db_credentials, strerror(-rc));
		return 2;
	} else if (rc) {
		log_warnx("credentials file %s: no usable 'user ='", conf.db_credentials);
		return 2;
	}
	if (check) {
		printf("configuration OK\n");
		return 0;
	}

	int lock = open(conf.lock_file, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (lock < 0) {
		log_warn("lock file %s", conf.lock_file);
		return 1;
	}
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			log_warnx("another aggd-rollup is running (lock %s is held); exiting", conf.lock_file);
			return EXIT_LOCKED;
		}
		log_warn("flock %s", conf.lock_file);
		return 1;
	}

	struct timespec t0;
	struct rollup_stats none;
	memset(&none, 0, sizeof none);
	clock_gettime(CLOCK_REALTIME, &t0);
	char err[768];
	/* MariaDB's and SQLite's messages quote data (names from the staging file): escaped */
	char esc[LOG_ESC_SIZE(768)];
	struct mdb_conf mc = {
		(const char *const *)conf.db_servers.v, conf.db_servers.n, conf.db_socket, conf.db_host,
		(unsigned)conf.db_port, conf.db_name, cred.user, cred.password, (unsigned)conf.db_timeout
	};
	/* the password stays in memory for the run: a failover logs in again */
	struct mdb *m;
	int mrc = mdb_new(&mc, &m, err, sizeof err);
	if (mrc != E_OK) {
		explicit_bzero(cred.password, sizeof cred.password);
		log_warnx("%s; staging left untouched", log_escape(err, LOG_ESC_STR, esc, sizeof esc));
		write_metrics(&conf, &none, 1, &t0, NULL);
		return 1;
	}
	struct staging_conf sc = { conf.staging, (int)conf.staging_busy_ms };
	struct staging *s;
	if (staging_new(&sc, &s, err, sizeof err) != E_OK) {
		log_warnx("%s", log_escape(err, LOG_ESC_STR, esc, sizeof esc));
		write_metrics(&conf, &none, 1, &t0, NULL);
		mdb_free(m);
		return 1;
	}
	const char *crash = getenv("DNSA_ROLLUP_CRASH");
	struct rollup *r;
	if (rollup_new(&conf, s, m, crash && *crash ? crash_hook : NULL, (void *)crash, &r) != E_OK) {
		log_warnx("out of memory");
		staging_free(s);
		mdb_free(m);
		return 1;
	}
	struct rollup_stats st;
	rc = rollup_run(r, &st);
	struct staging_health sh;
	staging_health(s, &sh);
	write_metrics(&conf, &st, rc != 0, &t0, &sh);
	char e1[LOG_ESC_SIZE(256)];
	char e2[LOG_ESC_SIZE(700)];
	/* file names and SQLite's messages: escaped */
	if (sh.files_bad)
		log_warnx("staging: %llu file(s) set aside, their unread rows lost; last: %s",
		    (unsigned long long)sh.files_bad, log_escape(sh.bad_msg, LOG_ESC_STR, e2, sizeof e2));
	else if (sh.bad_msg[0])
		log_warnx("staging: %s", log_escape(sh.bad_msg, LOG_ESC_STR, e2, sizeof e2));
	if (sh.ids_missing[0] || sh.ids_missing[1])
		log_warnx("staging: %llu datagram and %llu node_stats ids missing between files, lost; last: %s",
		    (unsigned long long)sh.ids_missing[0], (unsigned long long)sh.ids_missing[1],
		    log_escape(sh.hole_msg, LOG_ESC_STR, e2, sizeof e2));
	if (sh.strays)
		log_warnx("staging: %u directory entries named like %s.* are not staging files: ignored",
		    sh.strays, log_escape(conf.staging, LOG_ESC_STR, e2, sizeof e2));
	if (st.prune_err)
		log_warnx("staging: prune stopped, the next run retries: %s",
		    log_escape(st.prune_msg, LOG_ESC_STR, e1, sizeof e1));
	/* one line per kind and run: a run is once a minute, so this is its rate limit */
	if (st.quarantined)
		log_warnx("%llu staged datagrams quarantined (see the staging quarantine table); first: %s",
		    (unsigned long long)st.quarantined, log_escape(st.first_quarantine, LOG_ESC_STR, e1, sizeof e1));
	if (st.isolation_steps)
		log_warnx("MariaDB refused %llu batches for a data error; split to the offending rows"
		    " (quarantined, %llu node_stats rows skipped); first: %s",
		    (unsigned long long)st.isolation_steps, (unsigned long long)st.refused,
		    log_escape(st.refused_msg, LOG_ESC_STR, e1, sizeof e1));
	if (st.zones_folded || st.asn_folded)
		log_warnx("cardinality bounds reached: %llu records counted under zone '#other', %llu under"
		    " ASN 'other' (zones_per_node, zones_per_run, asn_max)",
		    (unsigned long long)st.zones_folded, (unsigned long long)st.asn_folded);
	if (st.saturated)
		log_warnx("%llu node counter sums saturated at 2^64-1", (unsigned long long)st.saturated);
	if (st.guard_err[0])
		log_warnx("partner guard not run (partners' locks are waited for, 2 s per try): %s;"
		    " schema 006 and GRANT dnsa_rollup give it (docs/sql.md)",
		    log_escape(st.guard_err, LOG_ESC_STR, e1, sizeof e1));
	if (st.no_009)
		log_warnx("answer kinds, latency histograms and top names per rcode not written: the schema is"
		    " before 009 (tools/dnsa-migrate)");
	if (st.partner_kills)
		log_warnx("partner guard: %llu partner session(s) killed for holding locks or over their"
		    " limits (staff view partner_guard_events)", (unsigned long long)st.partner_kills);
	if (st.part_err[0])
		log_warnx("partitions not maintained (rows beyond the last go to pmax, retention DELETEs; retried next run): %s",
		    log_escape(st.part_err, LOG_ESC_STR, e1, sizeof e1));
	if (st.partitions_busy)
		log_warnx("partitions: a table's metadata lock was held for 2 s (a partner's open"
		    " transaction?); the rest is left for the next run");
	if (st.failovers) {
		char where[1100];
		log_warnx("%llu failover(s) to another MariaDB server; now on %s", (unsigned long long)st.failovers,
		    log_escape(mdb_server(m, where, sizeof where), LOG_ESC_STR, esc, sizeof esc));
	}
	if (!rc && st.other_writer)
		log_warnx("the checkpoint of aggregator '%s' moved under this run: another aggd-rollup of it is"
		    " writing (on another host?); exiting after %llu batches", conf.aggregator,
		    (unsigned long long)st.batches);
	if (rc)
		log_warnx("%s", log_escape(rollup_errmsg(r), LOG_ESC_STR, esc, sizeof esc));
	else if (verbose)
		log_info("%llu batches: %llu datagrams, %llu records (estimated %llu messages), %llu counters,"
		    " %llu node_stats, %llu quarantined, %llu rows in %llu statements, %llu pruned, %llu files unlinked (%llu pending),"
		    " %llu expired, %llu partitions dropped, %llu added, %llu retries, %llu failovers, %llu names untracked, %llu replayed; read %.3f s, write %.3f s, prune %.3f s;"
		    " reader thread %.3f s CPU; ring sleeps: reader %llu (%.3f s), aggregator %llu (%.3f s)",
		    (unsigned long long)st.batches, (unsigned long long)st.datagrams,
		    (unsigned long long)st.records, (unsigned long long)st.weight,
		    (unsigned long long)st.counters, (unsigned long long)st.stats,
		    (unsigned long long)st.quarantined, (unsigned long long)st.rows_written,
		    (unsigned long long)st.statements, (unsigned long long)st.pruned,
		    (unsigned long long)st.files_unlinked, (unsigned long long)sh.files_pending,
		    (unsigned long long)st.expired, (unsigned long long)st.partitions_dropped,
		    (unsigned long long)st.partitions_added, (unsigned long long)st.retried, (unsigned long long)st.failovers,
		    (unsigned long long)st.names_untracked, (unsigned long long)st.replayed, st.read_s, st.write_s, st.prune_s,
		    st.reader_cpu_s, (unsigned long long)st.ring_sleeps[0], st.ring_sleep_s[0],
		    (unsigned long long)st.ring_sleeps[1], st.ring_sleep_s[1]);
	rollup_free(r);
	staging_free(s);
	mdb_free(m);
	explicit_bzero(cred.password, sizeof cred.password);
	rollup_conf_free(&conf);
	close(lock);
	return rc ? 1 : st.other_writer ? EXIT_LOCKED : 0;
}
