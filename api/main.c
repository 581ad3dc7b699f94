/* api/main.c: dnsa-api: read-only partner API and dashboard over HTTP(S) (options, config, build, loop, tear-down). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_conf.h"
#include "api/db.h"
#include "api/http.h"
#include "api/tokens.h"
#include "common/errors.h"
#include "common/log.h"

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	quit = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: dnsa-api -c FILE [-n] [-d] [-v]\n"
	    "  -c FILE  configuration file (see conf/dnsa-api.conf, dnsa-api(8))\n"
	    "  -n       check the configuration, token file, TLS and dashboard files, then exit\n"
	    "  -d       log to stderr instead of syslog\n"
	    "  -v       more verbose logging\n"
	    "exit: 0 stopped by SIGTERM/SIGINT, 1 cannot start, 2 bad usage or configuration\n"
	    "\nconfiguration keys:\n");
	conf_usage(api_conf_opts, f);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int check = 0, foreground = 0, verbose = 0, ch;
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	while ((ch = getopt_long(argc, argv, "c:ndvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'd': foreground = 1; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("dnsa-api", !(foreground || check), verbose);

	static struct api_conf conf;
	if (api_conf_load(path, &conf, CONF_ENV, conf_err_stderr, NULL))
		return 2;
	struct tokens *tokens = NULL;
	unsigned line = 0;
	int rc = tokens_new(conf.tokens, (double)conf.rate, (double)conf.burst, &tokens, &line);
	if (rc != E_OK) {
		if (line)
			fprintf(stderr, "%s:%u: %s (want: ID ACCOUNT HASH, as dnsa-token writes)\n", conf.tokens, line,
			    dnsa_strerror(rc));
		else
			fprintf(stderr, "%s: %s%s\n", conf.tokens, dnsa_strerror(rc),
			    rc == E_KEYPERM ? " (must be a regular file not writable by group or others)" : "");
		return 2;
	}
	const char *why;
	if (check) {
		printf("configuration OK (%zu tokens)\n", tokens_count(tokens));
		tokens_free(tokens);
		return 0;
	}

	struct db *db = NULL;
	if (db_new(&conf, &db) != E_OK)
		fatalx("out of memory");
	struct http *h = NULL;
	if ((rc = http_new(&conf, tokens, db, &h, &why)) != E_OK) {
		log_warnx("cannot start on %s: %s", conf.listen, why);
		db_free(db);
		tokens_free(tokens);
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN); /* the token file is re-read when it changes */
	log_info("listening on %s (%s), %zu tokens", conf.listen, conf.tls_cert[0] ? "https" : "http",
	    tokens_count(tokens));
	while (!quit)
		pause();
	struct http_stats st;
	http_stats(h, &st);
	log_info("stopping: %llu requests (%llu 2xx, %llu 4xx, %llu 5xx), answer cache %llu hits, %llu misses",
	    (unsigned long long)st.requests, (unsigned long long)st.by_class[2], (unsigned long long)st.by_class[4],
	    (unsigned long long)st.by_class[5], (unsigned long long)st.cache_hits, (unsigned long long)st.cache_misses);
	http_free(h);
	db_free(db);
	tokens_free(tokens);
	conf_free(api_conf_opts, &conf);
	return 0;
}
