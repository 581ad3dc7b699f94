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
#include <unistd.h>

#include "common/errors.h"
#include "common/log.h"
#include "rollup/config.h"
#include "rollup/mdb.h"
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
	    "exit: 0 done (caught up), 1 error, 2 bad usage or configuration, 75 another run holds the lock\n"
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

/* text from MariaDB or the staging (it may quote hostile data) as printable ASCII, \DDD otherwise */
static const char *esc(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < cap; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\%03u", *p);
	}
	out[o] = '\0';
	return out;
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
	if (conf_load(config_opts, &conf, path, conf_err_stderr, NULL))
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

	char err[768];
	struct mdb_conf mc = {
		conf.db_socket, conf.db_host, (unsigned)conf.db_port, conf.db_name, cred.user,
		cred.password, (unsigned)conf.db_timeout
	};
	struct mdb *m = mdb_new(&mc, err, sizeof err);
	explicit_bzero(cred.password, sizeof cred.password);
	if (!m) {
		log_warnx("%s; staging left untouched", err);
		return 1;
	}
	struct staging *s = staging_new(conf.staging, (int)conf.staging_busy_ms, err, sizeof err);
	if (!s) {
		log_warnx("%s", err);
		mdb_free(m);
		return 1;
	}
	const char *crash = getenv("DNSA_ROLLUP_CRASH");
	struct rollup *r = rollup_new(&conf, s, m, crash && *crash ? crash_hook : NULL, (void *)crash);
	if (!r) {
		log_warnx("out of memory");
		staging_free(s);
		mdb_free(m);
		return 1;
	}
	struct rollup_stats st;
	rc = rollup_run(r, &st);
	char e1[1024];
	/* one line per kind and run: a run is once a minute, so this is its rate limit */
	if (st.quarantined)
		log_warnx("%llu staged datagrams quarantined (see the staging quarantine table); first: %s",
		    (unsigned long long)st.quarantined, esc(st.first_quarantine, e1, sizeof e1));
	if (st.isolation_steps)
		log_warnx("MariaDB refused %llu batches for a data error; split to the offending rows"
		    " (quarantined, %llu node_stats rows skipped); first: %s",
		    (unsigned long long)st.isolation_steps, (unsigned long long)st.refused,
		    esc(st.refused_msg, e1, sizeof e1));
	if (st.zones_folded || st.asn_folded)
		log_warnx("cardinality bounds reached: %llu records counted under zone '#other', %llu under"
		    " ASN 'other' (zones_per_node, zones_per_run, asn_max)",
		    (unsigned long long)st.zones_folded, (unsigned long long)st.asn_folded);
	if (st.saturated)
		log_warnx("%llu node counter sums saturated at 2^64-1", (unsigned long long)st.saturated);
	if (rc)
		log_warnx("%s", esc(rollup_errmsg(r), e1, sizeof e1));
	else if (verbose)
		log_info("%llu batches: %llu datagrams, %llu records (estimated %llu messages), %llu counters,"
		    " %llu node_stats, %llu quarantined, %llu rows in %llu statements, %llu pruned,"
		    " %llu expired, %llu retries, %llu names untracked, %llu replayed; read %.3f s, write %.3f s",
		    (unsigned long long)st.batches, (unsigned long long)st.datagrams,
		    (unsigned long long)st.records, (unsigned long long)st.weight,
		    (unsigned long long)st.counters, (unsigned long long)st.stats,
		    (unsigned long long)st.quarantined, (unsigned long long)st.rows_written,
		    (unsigned long long)st.statements, (unsigned long long)st.pruned,
		    (unsigned long long)st.expired, (unsigned long long)st.retried,
		    (unsigned long long)st.names_untracked, (unsigned long long)st.replayed, st.read_s, st.write_s);
	rollup_free(r);
	staging_free(s);
	mdb_free(m);
	close(lock);
	return rc ? 1 : 0;
}
