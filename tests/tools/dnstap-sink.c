/* tests/tools/dnstap-sink.c: capd's dnstap input alone (listener or capture file), counting frames: for tests and benchmarks. */
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "capd/capfile.h"
#include "capd/dnstap.h"
#include "capd/dnstap_input.h"
#include "capd/evloop.h"
#include "common/errors.h"
#include "common/record.h"

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: dnstap-sink (-u SOCKET | -a ADDR:PORT | -r FILE) [-m peek|decode|none] [-c CONNS] [-t SECONDS] [-S]\n"
	    "  Runs capd's dnstap input and counts frames: -m peek (default) reads type and\n"
	    "  transport of each frame, decode does the full dnstap_decode, none only splits.\n"
	    "  -S never sheds (every frame gets the full treatment).\n"
	    "  Exits after CONNS connections ended (default: at SIGINT/SIGTERM) or SECONDS,\n"
	    "  printing frames, errors, shed frames and CPU seconds used.\n");
	exit(2);
}

struct counts {
	int mode; /* 0 none, 1 peek, 2 decode */
	uint64_t frames, bad, shed, by_type[MT_MAX], by_tr[TR_MAX], dns_bytes;
};

static void count(struct counts *c, const uint8_t *f, size_t len, unsigned flags)
{
	c->frames++;
	if (flags & DNSTAP_FRAME_SHED)
		c->shed++;
	if (c->mode == 1 || (c->mode == 2 && (flags & DNSTAP_FRAME_SHED))) {
		uint8_t t, tr, fam;
		if (dnstap_peek_type(f, len, &t, &tr, &fam) != E_OK) {
			c->bad++;
			return;
		}
		c->by_type[t]++;
		c->by_tr[tr]++;
	} else if (c->mode == 2) {
		struct capd_msg m;
		if (dnstap_decode(f, len, &m) != E_OK) {
			c->bad++;
			return;
		}
		c->by_type[m.type]++;
		c->by_tr[m.transport]++;
		c->dns_bytes += m.dns_len;
	}
}

static void on_frame(void *arg, const uint8_t *f, size_t len, unsigned flags)
{
	count(arg, f, len, flags);
}

static void on_file_frame(void *arg, const uint8_t *f, size_t len)
{
	count(arg, f, len, 0);
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct dnstap_input_conf conf = { 0 };
	struct counts cnt = { .mode = 1 };
	const char *file = NULL;
	long conns = 0;
	double seconds = 0;
	int c;
	while ((c = getopt(argc, argv, "u:a:r:m:c:t:Sh")) != -1) {
		switch (c) {
		case 'u': conf.unix_path = optarg; break;
		case 'a': conf.tcp_listen = optarg; break;
		case 'r': file = optarg; break;
		case 'm': cnt.mode = !strcmp(optarg, "none") ? 0 : !strcmp(optarg, "decode") ? 2 : 1; break;
		case 'c': conns = atol(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'S': /* never shed: measure the full cost of every frame */
			conf.shed_backlog = SIZE_MAX;
			conf.max_busy_pct = 1000;
			break;
		default: usage();
		}
	}
	if (file == NULL && conf.unix_path == NULL && conf.tcp_listen == NULL)
		usage();

	double w0 = wall_s(), c0 = cpu_s();
	if (file != NULL) {
		struct framestream_stats st = { 0 };
		int rc = capfile_dnstap_read(file, on_file_frame, &cnt, &st);
		double w = wall_s() - w0, cpu = cpu_s() - c0;
		printf("frames %llu bad %llu AQ %llu AR %llu UDP %llu TCP %llu wall_s %.3f cpu_s %.3f ns_per_frame %.1f rc %s\n",
		       (unsigned long long)cnt.frames, (unsigned long long)cnt.bad,
		       (unsigned long long)cnt.by_type[MT_AUTH_QUERY], (unsigned long long)cnt.by_type[MT_AUTH_RESPONSE],
		       (unsigned long long)cnt.by_tr[TR_UDP], (unsigned long long)cnt.by_tr[TR_TCP], w, cpu,
		       cnt.frames ? cpu * 1e9 / (double)cnt.frames : 0.0, dnsa_strerror(rc));
		return rc == E_OK ? 0 : 1;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct evloop *ev;
	evloop_new(&ev);
	int err = 0;
	struct dnstap_input *in;
	err = dnstap_input_new(&conf, ev, on_frame, &cnt, &in);
	if (in == NULL) {
		fprintf(stderr, "dnstap-sink: listener: %s\n", dnsa_strerror(err));
		return 1;
	}
	fprintf(stderr, "dnstap-sink: listening\n");
	struct dnstap_input_stats st;
	for (;;) {
		evloop_run_once(ev, 100);
		dnstap_input_stats(in, &st);
		if (quit || (conns > 0 && st.conns_closed >= (uint64_t)conns) || (seconds > 0 && wall_s() - w0 >= seconds))
			break;
	}
	double w = wall_s() - w0, cpu = cpu_s() - c0;
	dnstap_input_stats(in, &st);
	printf("frames %llu bad %llu shed %llu AQ %llu AR %llu UDP %llu TCP %llu conns %llu stopped %llu "
	       "errors ct %llu toobig %llu malformed %llu protocol %llu truncated %llu io %llu "
	       "reads %llu bytes %llu wall_s %.3f cpu_s %.3f ns_per_frame %.1f\n",
	       (unsigned long long)st.fs.frames, (unsigned long long)cnt.bad, (unsigned long long)st.frames_shed,
	       (unsigned long long)cnt.by_type[MT_AUTH_QUERY], (unsigned long long)cnt.by_type[MT_AUTH_RESPONSE],
	       (unsigned long long)cnt.by_tr[TR_UDP], (unsigned long long)cnt.by_tr[TR_TCP],
	       (unsigned long long)st.conns_accepted, (unsigned long long)st.fs.stopped,
	       (unsigned long long)st.fs.err_content_type, (unsigned long long)st.fs.err_toobig,
	       (unsigned long long)st.fs.err_malformed, (unsigned long long)st.fs.err_protocol,
	       (unsigned long long)st.fs.err_truncated, (unsigned long long)st.err_io,
	       (unsigned long long)st.reads, (unsigned long long)st.read_bytes, w, cpu,
	       st.fs.frames ? cpu * 1e9 / (double)st.fs.frames : 0.0);
	dnstap_input_free(in);
	evloop_free(ev);
	return 0;
}
