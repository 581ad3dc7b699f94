/* aggd/main.c: aggd, the central aggregator: options, config, sockets, privileges, then the loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "aggd/aggd_conf.h"
#include "common/privdrop.h"
#include "aggd/server.h"
#include "common/errors.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "common/log.h"

static volatile sig_atomic_t quit_flag, reload_flag;

static void on_quit(int sig) { (void)sig; quit_flag = 1; }
static void on_hup(int sig) { (void)sig; reload_flag = 1; }

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: aggd -c FILE [-f] [-n] [-v]...\n"
	    "  -c FILE   configuration file (see conf/aggd.conf and docs/man/aggd.8)\n"
	    "  -f        stay in the foreground, log to stderr\n"
	    "  -n        check the configuration, print 'configuration OK' and exit\n"
	    "  -v        more verbose logging (repeatable)\n"
	    "  -h, --help  this text\n"
	    "signals: SIGHUP reloads the keyring; SIGTERM/SIGINT flush staging and exit\n"
	    "configuration options:\n");
	conf_usage(aggd_conf_opts, f);
}

/*
 * Crash injection for the exactly-once tests: DNSA_AGGD_CRASH=point[:n]
 * kills aggd with SIGKILL the n-th time (default 1) the staging writer
 * reaches that point of a rotation (rotate_made, rotate_renamed).
 */
static void crash_hook(const char *point, void *arg)
{
	static unsigned seen;
	const char *spec = arg;
	size_t n = strcspn(spec, ":");
	unsigned want = spec[n] == ':' ? (unsigned)strtoul(spec + n + 1, NULL, 10) : 1;
	if (strlen(point) == n && strncmp(point, spec, n) == 0 && ++seen == want)
		kill(getpid(), SIGKILL);
}

static void seed(const char *node, uint64_t boot_id, uint64_t seq, void *arg)
{
	char esc[LOG_ESC_SIZE(64)];
	if (nodestats_seed(arg, node, boot_id, seq) != E_OK)
		log_warnx("replay state of node '%s' not restored", log_escape(node, LOG_ESC_STR, esc, sizeof esc));
}

static void signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *path = NULL;
	int foreground = 0, check = 0, verbose = 0, ch, rc, line = 0;
	struct aggd_conf conf;
	char why[256];

	while ((ch = getopt_long(argc, argv, "c:fnvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
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
	log_init("aggd", 0, verbose);
	memset(&conf, 0, sizeof conf);
	/* -n and start-up refuse the same things: the checks that look at the system run in both */
	if (aggd_conf_load(&conf, path, CONF_ENV, conf_err_stderr, NULL) != 0) {
		aggd_conf_free(&conf);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		aggd_conf_free(&conf);
		return 0;
	}
	if (sodium_init() < 0)
		fatalx("libsodium initialisation failed");
	if (geteuid() == 0 && !conf.user[0] && !conf.allow_root)
		fatalx("%s: refusing to run as root: set 'user' (or 'allow_root = yes')", path);

	struct receiver *rx;
	if (receiver_new((unsigned)conf.recv_batch, (size_t)conf.max_datagram, &rx) != E_OK)
		fatalx("out of memory");
	for (size_t i = 0; i < conf.listen.n; i++) {
		int got = 0;
		if ((rc = receiver_listen(rx, conf.listen.v[i], (int)conf.rcvbuf, &got)) != E_OK)
			fatalx("listen %s: %s", conf.listen.v[i], dnsa_strerror(rc));
		log_info("listening on %s (receive buffer %d bytes)", conf.listen.v[i], got);
	}
	if (!foreground) {
		if (daemon(0, 0) < 0)
			fatal("daemon");
		log_init("aggd", 1, verbose);
	}
	/* before any untrusted byte is read: sockets are bound, privileges go */
	if ((rc = privdrop_to(conf.user, conf.group, why, sizeof why)) != E_OK)
		fatalx("privileges: %s", why);
	if ((rc = privdrop_caps(why, sizeof why)) != E_OK)
		fatalx("privileges: %s", why);
	if (geteuid() == 0 && !conf.allow_root)
		fatalx("still root after dropping privileges; refusing to run");

	struct nodestats *ns;
	struct verifier *v = NULL;
	if (nodestats_new(&ns) == E_OK)
		verifier_new(ns, (size_t)conf.max_datagram, &v);
	if (!v)
		fatalx("out of memory");
	struct keyring *kr = NULL;
	if ((rc = keyring_load(conf.keyring, &kr, &line)) != E_OK)
		fatalx("keyring %s%s%.0d: %s", conf.keyring, line ? ":" : "", line, dnsa_strerror(rc));
	size_t nkeys = keyring_count(kr);
	if (verifier_set_keyring(v, &kr) != E_OK)
		fatalx("out of memory");

	struct stage_conf sc = {
		.path = conf.staging, .batch_rows = (unsigned)conf.batch_rows,
		.flush_ms = (unsigned)conf.flush_ms, .busy_timeout_ms = (unsigned)conf.busy_timeout_ms,
		.retry_ms = 50, .queue_bytes = (size_t)conf.queue_bytes, .queue_rows = (unsigned)conf.queue_rows,
		.rotate_bytes = (uint64_t)conf.rotate_mb << 20, .rotate_seconds = (unsigned)conf.rotate_seconds,
	};
	const char *crash = getenv("DNSA_AGGD_CRASH");
	if (crash && *crash) {
		sc.hook = crash_hook;
		sc.hook_arg = (void *)crash;
	}
	struct stage *st;
	rc = stage_new(&sc, &st);
	if (!st && (rc == -ELOOP || rc == -EPERM))
		fatalx("staging %s: it or its -wal, -shm or -journal file is %s: refused, aggd follows no link in the "
		    "staging directory (remove it, and make the directory writable by aggd's user only)", conf.staging,
		    rc == -ELOOP ? "a symbolic link" : "not a regular file, or hard-linked elsewhere");
	if (!st && rc == E_MALFORMED) {
		char msg[400];
		stage_check_set(conf.staging, msg, sizeof msg);
		fatalx("staging: %s", msg);
	}
	if (!st)
		fatalx("staging %s: %s (the directory must be writable by user '%s')", conf.staging,
		    rc == -EIO ? "cannot open" : dnsa_strerror(rc), conf.user[0] ? conf.user : "root");
	/* hard links swapped into the staging directory are the kernel's to refuse (aggd/stage.c) */
	FILE *ph = fopen("/proc/sys/fs/protected_hardlinks", "r");
	if (ph && fgetc(ph) == '0')
		log_warnx("fs.protected_hardlinks is 0: a user who can write the staging directory could make aggd"
		    " write through a hard link (sysctl fs.protected_hardlinks=1)");
	if (ph)
		fclose(ph);
	rc = stage_load_state(st, seed, ns);
	char m[LOG_ESC_SIZE(256)];
	if (rc < 0)
		log_warnx("staging: replay state not loaded (%s): windows start empty",
		    log_escape(stage_errmsg(st), LOG_ESC_STR, m, sizeof m));
	int nseeded = rc < 0 ? 0 : rc;
	/* from here on the receive loop never waits on SQLite: a thread commits */
	if ((rc = stage_start(st)) != E_OK)
		log_warnx("staging: no writer thread (%s): commits run in the receive loop", dnsa_strerror(rc));
	struct stage_counters sct;
	stage_counters(st, &sct);
	log_info("started: %zu node keys, %d nodes' replay state restored, staging %s (file %u%s)", nkeys, nseeded,
	    conf.staging, (unsigned)sct.file_seq, conf.rotate_mb || conf.rotate_seconds ? ", rotating" : "");

	signals();
	struct server srv = {
		.conf = &conf, .rx = rx, .verify = v, .ns = ns, .stage = st,
		.quit = &quit_flag, .reload = &reload_flag,
	};
	server_run(&srv);
	log_info("exiting");
	stage_free(st);
	verifier_free(v);
	nodestats_free(ns);
	receiver_free(rx);
	aggd_conf_free(&conf);
	return 0;
}
