/* capd/main.c: the capture agent: options, configuration, build the objects, run the loop, tear down. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "capd/bootid.h"
#include "capd/capd_conf.h"
#include "capd/capfile.h"
#include "capd/dnstap_input.h"
#include "capd/evloop.h"
#include "capd/geo.h"
#include "capd/ksample.h"
#include "capd/metrics.h"
#include "capd/pcap_input.h"
#include "capd/pipeline.h"
#include "capd/sender.h"
#include "capd/srvstats.h"
#include "capd/zones.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/keys.h"
#include "common/log.h"
#include "common/privdrop.h"

static volatile sig_atomic_t want_stop, want_reload;

struct capd {
	struct capd_conf conf;
	const char *conf_path;
	struct sender *sender;
	struct pipeline *pipe;
	struct evloop *ev;
	struct dnstap_input *dnstap;
	struct pcap_input *pcap;
	struct ksample *ks;          /* the live capture samples in the kernel; NULL: in user space */
	uint32_t ks_dirs;            /* adaptive in the kernel: bit 0 queries, bit 1 responses are sampled */
	int ks_adaptive;             /* sampling.mode adaptive: capd sets the kernel's n */
	struct srvstats *srv;        /* the nameserver's own statistics; NULL: not configured */
	char node[ENV_NAME_MAX + 1]; /* this node's name (metrics label) */
	struct framestream_stats file_fs;     /* -r on a dnstap file */
	uint64_t frames;             /* frames read from the file (for its ticks) */
	struct dnstap_input_stats seen; /* what was already logged */
	uint64_t seen_send_errors;   /* sender's send_errors already logged */
	int sends_failing;           /* a send failure was logged, not yet the recovery */
	int clean_secs;              /* seconds with sends and no send error since */
};

static void tick(struct capd *d)
{
	pipeline_tick(d->pipe, clock_us(CLOCK_REALTIME), clock_us(CLOCK_MONOTONIC));
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		want_reload = 1;
	else
		want_stop = 1;
}

/* a frame of a dnstap file: the pipeline, and its clock every 65536 frames */
static void on_file_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct capd *d = arg;
	pipeline_on_dnstap(d->pipe, frame, len, 0);
	if ((++d->frames & 0xffff) == 0)
		tick(d);
}

static void on_pcap_msg(const struct capd_msg *m, void *arg)
{
	struct capd *d = arg;
	if (d->ks)
		pipeline_msg_presampled(d->pipe, m, ksample_weight(d->ks, m->has_response_time ? m->response_time_us :
		    m->query_time_us));
	else
		pipeline_msg(d->pipe, m);
}

static void on_pcap_ready(struct evloop *ev, int fd, uint32_t events, void *arg)
{
	struct capd *d = arg;
	if (pcap_input_dispatch(d->pcap, 0) < 0)
		log_warnx("pcap: %s", pcap_input_error(d->pcap));
}

/* every counter of every part, cumulative since start (the sender adds its own when sending) */
static void collect(struct capd *d, struct dnsa_counters *c)
{
	memset(c, 0, sizeof *c);
	pipeline_counters(d->pipe, c);
	counters_set(c, C_FRAME_ERRORS, 0); /* sent by every capd, with or without a dnstap input */
	dnstap_input_counters(d->dnstap, c);
	capfile_counters(&d->file_fs, c);
	pcap_input_counters(d->pcap, c);
	if (d->ks)
		counters_set(c, C_SAMPLE_N, ksample_n(d->ks));
	srvstats_counters(d->srv, c);
}

/*
 * Inputs count their problems but never log (library code); the loop logs
 * what changed, once a second at most and rate-limited, so a hostile peer
 * cannot flood the log.
 */
static void log_input_problems(struct capd *d)
{
	static struct log_rl rl = LOG_RL_INIT(10, 60);
	struct dnstap_input_stats st;
	if (!d->dnstap)
		return;
	dnstap_input_stats(d->dnstap, &st);
	const struct dnstap_input_stats *o = &d->seen;
#define DELTA(f) (st.f - o->f)
	if (DELTA(fs.err_content_type) || DELTA(fs.err_toobig) || DELTA(fs.err_malformed) ||
	    DELTA(fs.err_protocol) || DELTA(fs.err_truncated) || DELTA(err_io) || DELTA(conns_rejected) ||
	    DELTA(conns_denied) || DELTA(handshake_timeouts) || DELTA(idle_timeouts))
		log_warnx_rl(&rl, "dnstap connections closed: %" PRIu64 " wrong content type, %" PRIu64
		    " frame too big, %" PRIu64 " malformed, %" PRIu64 " protocol, %" PRIu64 " cut mid-frame, %"
		    PRIu64 " I/O errors, %" PRIu64 " over max_connections, %" PRIu64 " source not allowed, %"
		    PRIu64 " handshake timeout, %" PRIu64 " idle timeout",
		    DELTA(fs.err_content_type), DELTA(fs.err_toobig), DELTA(fs.err_malformed), DELTA(fs.err_protocol),
		    DELTA(fs.err_truncated), DELTA(err_io), DELTA(conns_rejected), DELTA(conns_denied),
		    DELTA(handshake_timeouts), DELTA(idle_timeouts));
	if (DELTA(conns_accepted))
		log_info("dnstap: %" PRIu64 " connection(s) accepted, %" PRIu64 " open", DELTA(conns_accepted),
		    st.conns_open);
	if (DELTA(frames_shed))
		log_warnx_rl(&rl, "dnstap: behind, %" PRIu64 " frames counted but not sampled", DELTA(frames_shed));
#undef DELTA
	d->seen = st;
}

/*
 * While every aggregator is unreachable the counters cannot reach anyone, so
 * the node's own log is the only place the loss shows: warn (rate-limited)
 * while sends fail, and say once when they have worked for 5 s (a connected
 * UDP socket to a dead port alternates success and ECONNREFUSED).
 */
static void log_send_problems(struct capd *d)
{
	static struct log_rl rl = LOG_RL_INIT(10, 60);
	static struct dnsa_counters c;
	static uint64_t sent;
	sender_stats(d->sender, &c);
	uint64_t err = c.value[C_SEND_ERRORS] - d->seen_send_errors;
	if (err) {
		log_warnx_rl(&rl, "sending to the aggregator failed %" PRIu64 " time(s); %" PRIu64
		    " records dropped so far (counted)", err, c.value[C_RECORDS_DROPPED_SEND]);
		d->sends_failing = 1;
		d->clean_secs = 0;
	} else if (d->sends_failing && c.value[C_DATAGRAMS_SENT] > sent && ++d->clean_secs >= 5) {
		log_info("sending to the aggregator works again");
		d->sends_failing = 0;
	}
	d->seen_send_errors = c.value[C_SEND_ERRORS];
	sent = c.value[C_DATAGRAMS_SENT];
}

static void send_counters(struct capd *d, struct dnsa_counters *c)
{
	size_t nz;
	const struct dnsa_zone_total *zt = srvstats_zones(d->srv, &nz);
	sender_send_zones(d->sender, zt, nz);  /* before the node counters, whose datagrams_sent counts them */
	size_t it = 0, np;
	const struct dnsa_sketch_piece *sk;
	while ((sk = pipeline_sketches(d->pipe, &it, &np)))
		sender_send_sketches(d->sender, sk, np);
	pipeline_sketches_clear(d->pipe);
	collect(d, c);
	int rc = sender_send_counters(d->sender, c);
	if (rc != E_OK)
		log_debug("counters datagram not sent: %s", dnsa_strerror(rc));
	/* the same snapshot for Prometheus: once per interval, off the message path */
	static struct log_rl rl = LOG_RL_INIT(1, 600);
	if (d->conf.metrics_file[0] && (rc = capd_metrics_write(d->conf.metrics_file, d->node, c)) != E_OK)
		log_warnx_rl(&rl, "metrics_file %s: %s", d->conf.metrics_file, dnsa_strerror(rc));
}

/* open zones and geo databases (start and SIGHUP) */
static int load_zones_geo(struct capd *d, struct zones **z, int *root_listed, struct geo **g)
{
	char msg[512];
	const char *which = NULL;
	int rc = capd_conf_zones(&d->conf, z, root_listed, msg, sizeof msg);
	if (rc != E_OK) {
		char esc[LOG_ESC_SIZE(sizeof msg)];
		log_warnx("zones: %s", log_escape(msg, LOG_ESC_STR, esc, sizeof esc)); /* quotes the zones file */
		return rc;
	}
	rc = geo_open(d->conf.country_db, d->conf.asn_db, g, &which);
	if (rc != E_OK) {
		log_warnx("%s: %s", which ? which : "geo", dnsa_strerror(rc));
		zones_free(*z);
		*z = NULL;
		return rc;
	}
	return E_OK;
}

/* configuration errors on reload go to the log: stderr may be /dev/null by then */
static void conf_err_log(void *arg, const char *msg)
{
	char esc[LOG_ESC_SIZE(256)];
	log_warnx("%s", log_escape(msg, LOG_ESC_STR, esc, sizeof esc)); /* quotes the file's bytes */
}

static void reload(struct capd *d)
{
	struct capd_conf nc;
	struct zones *z = NULL;
	struct geo *g = NULL;
	int root;
	if (capd_conf_load(&nc, d->conf_path, 0, conf_err_log, NULL) != 0) {
		log_warnx("reload: %s has errors, keeping the running configuration", d->conf_path);
		capd_conf_free(&nc);
		return;
	}
	/* only zones and the client databases are reloaded; the rest needs a restart */
	struct capd_conf old = d->conf;
	d->conf = nc;
	if (load_zones_geo(d, &z, &root, &g) != E_OK) {
		d->conf = old;
		capd_conf_free(&nc);
		log_warnx("reload failed, keeping the running zones and databases");
		return;
	}
	pipeline_replace_zones(d->pipe, &z, root);
	pipeline_replace_geo(d->pipe, &g);
	capd_conf_free(&old);
	log_info("reloaded zones and client databases");
}

/* after the sockets, capture handles, key and databases are open: the configured user, no capability */
static void drop_privileges(const struct capd_conf *c)
{
	char why[256];
	if (privdrop_to(c->user, c->group, why, sizeof why) != E_OK)
		fatalx("privileges.user: %s", why);
	if ((geteuid() == 0 || getuid() == 0) && !c->allow_root)
		fatalx("refusing to run as root: set privileges.user (or privileges.allow_root = yes)");
	if (privdrop_caps(why, sizeof why) != E_OK)
		fatalx("%s", why);
}

/* the objects every mode needs: the sender (node key), zones, client databases, the pipeline;
 * capture_clock: -r, where adaptive sampling follows the capture's own timestamps */
static void build(struct capd *d, int capture_clock)
{
	char node[ENV_NAME_MAX + 1];
	uint8_t key[ENV_KEY_LEN];
	struct sender_conf sc;
	char bad[600];
	int rc = keys_load_node(d->conf.node_key, node, key);
	if (rc != E_OK)
		fatalx("%s: %s", d->conf.node_key, dnsa_strerror(rc));
	memcpy(d->node, node, sizeof d->node);
	capd_conf_sender(&d->conf, node, key, &sc);
	/* before the first datagram: this boot's id, saved so the next start is above it whatever the clock says */
	if (d->conf.state_dir[0]) {
		char why[768], esc[LOG_ESC_SIZE(768)];
		if (bootid_next(d->conf.state_dir, clock_us(CLOCK_REALTIME), &sc.boot_id, why, sizeof why) != E_OK)
			log_warnx("boot id %" PRIu64 " not kept in state_dir (%s): with a clock set back, the next start's "
			    "datagrams may be refused by aggd as old_boot", sc.boot_id,
			    log_escape(why, LOG_ESC_STR, esc, sizeof esc));
	}
	rc = sender_new(&sc, &d->sender, bad, sizeof bad);
	explicit_bzero(key, sizeof key);
	if (rc != E_OK && bad[0])
		fatalx("%s: %s", bad, dnsa_strerror(rc));
	if (rc != E_OK)
		fatalx("cannot set up sending: %s (payload_size %lld too small for the envelope and a counters datagram?)",
		    dnsa_strerror(rc), (long long)d->conf.payload_size);

	struct zones *z = NULL;
	struct geo *g = NULL;
	struct pipeline_conf pc;
	int root_listed = 0;
	if (load_zones_geo(d, &z, &root_listed, &g) != E_OK)
		exit(1);
	capd_conf_pipeline(&d->conf, &pc);
	pc.capture_clock = capture_clock;
	if (pipeline_new(&pc, d->sender, &z, root_listed, &g, &d->pipe) != E_OK)
		fatalx("cannot set up the pipeline");
}

/* -r: one capture file through the pipeline, then the last batch and counters */
static int run_file(struct capd *d, const char *path)
{
	enum capfile_kind kind;
	int rc = capfile_kind(path, &kind);
	if (rc != E_OK)
		fatalx("%s: %s", path, dnsa_strerror(rc));
	uint64_t t0 = clock_us(CLOCK_MONOTONIC);
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	tick(d);
	if (kind == CAPFILE_DNSTAP) {
		rc = capfile_dnstap_read(path, on_file_frame, d, &d->file_fs);
		if (rc != E_OK)
			log_warnx("%s: %s (frames before the problem were processed)", path, dnsa_strerror(rc));
	} else if (kind == CAPFILE_PCAP) {
		struct pcap_input_conf pc;
		char err[512];
		capd_conf_pcap(&d->conf, &pc);
		pc.file = path;
		if (pcap_input_new(&pc, on_pcap_msg, d, &d->pcap, err, sizeof err) != E_OK)
			fatalx("%s: %s", path, err);
		for (uint64_t i = 0; !pcap_input_eof(d->pcap) && !want_stop; i++) {
			if (pcap_input_dispatch(d->pcap, 4096) < 0) {
				log_warnx("%s: %s", path, pcap_input_error(d->pcap));
				rc = -EIO;
				break;
			}
			if ((i & 15) == 0)
				tick(d);
		}
	} else {
		fatalx("%s: neither a dnstap (Frame Streams) nor a pcap/pcapng file", path);
	}
	tick(d);
	sender_flush(d->sender);
	struct dnsa_counters c;
	send_counters(d, &c);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	double secs = (double)(clock_us(CLOCK_MONOTONIC) - t0) / 1e6;
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	uint64_t msgs = c.value[C_MSG_TOTAL];
	log_info("%s: %" PRIu64 " messages, %" PRIu64 " sampled, %" PRIu64 " recorded, %" PRIu64
	    " datagrams, %" PRIu64 " parse errors, %" PRIu64 " send errors; %.3f s, %.3f s CPU, %.0f msg/s, %.0f ns CPU/msg",
	    path, msgs, c.value[C_SAMPLED], c.value[C_RECORDED], c.value[C_DATAGRAMS_SENT],
	    c.value[C_PARSE_ERRORS], c.value[C_SEND_ERRORS], secs, cpu, secs > 0 ? (double)msgs / secs : 0.0,
	    msgs ? cpu * 1e9 / (double)msgs : 0.0);
	return rc == E_OK ? 0 : 1;
}

/* the live inputs: dnstap listeners and/or a live capture, in one event loop */
static void open_inputs(struct capd *d)
{
	const struct capd_conf *c = &d->conf;
	struct dnstap_input_conf dc;
	int err = 0;
	if ((err = evloop_new(&d->ev)) != E_OK) {
		errno = -err;
		fatal("evloop");
	}
	if (capd_conf_dnstap(c, &dc)) {
		if ((err = dnstap_input_new(&dc, d->ev, pipeline_on_dnstap, d->pipe, &d->dnstap)) != E_OK)
			fatalx("dnstap input (%s%s%s): %s", dc.unix_path ? dc.unix_path : "",
			    dc.unix_path && dc.tcp_listen ? ", " : "", dc.tcp_listen ? dc.tcp_listen : "", dnsa_strerror(err));
		if (dc.tcp_listen)
			log_info("dnstap TCP listener on port %u", dnstap_input_tcp_port(d->dnstap));
	}
	if (c->pcap_interface[0]) {
		struct pcap_input_conf pc;
		char errbuf[512];
		capd_conf_pcap(c, &pc);
		pc.interface = c->pcap_interface;
		pc.kernel_refuse = getenv("DNSA_TEST_REFUSE_BPF") != NULL; /* tests of the fallback */
		if (pcap_input_new(&pc, on_pcap_msg, d, &d->pcap, errbuf, sizeof errbuf) != E_OK)
			fatalx("pcap %s: %s", c->pcap_interface, errbuf);
		d->ks = pcap_input_ksample(d->pcap);
		if (d->ks)
			log_info("pcap %s: sampling in the kernel (eBPF socket filter, n = %u)", c->pcap_interface,
			    ksample_n(d->ks));
		else if (pc.kernel_sampling)
			log_warnx("pcap %s: no kernel sampling (%s): every packet is copied, sampled in capd",
			    c->pcap_interface, pcap_input_ksample_why(d->pcap));
		if (pcap_input_lo_ignores_outgoing(d->pcap))
			log_info("pcap %s: the kernel skips the sent copy of each loopback packet (PACKET_IGNORE_OUTGOING)",
			    c->pcap_interface);
		uint32_t mask = 0;
		sampler_type_mask(c->sampling_types, &mask);
		d->ks_dirs = (mask >> MT_AUTH_QUERY & 1) | (mask >> MT_AUTH_RESPONSE & 1) << 1;
		d->ks_adaptive = strcmp(c->sampling_mode, "adaptive") == 0;
		if ((err = evloop_add(d->ev, pcap_input_fd(d->pcap), EPOLLIN, on_pcap_ready, d)) != E_OK)
			fatalx("pcap: %s", dnsa_strerror(err));
	}
	if (!d->dnstap && !d->pcap)
		fatalx("no input configured (dnstap.socket, dnstap.tcp_listen or pcap.interface)");
}

/* the loop: inputs, the pipeline's clock, timeouts, logs once a second, counters, reloads */
static void run_live(struct capd *d)
{
	struct dnsa_counters cnt;
	uint64_t interval = (uint64_t)d->conf.counters_interval * 1000000u;
	uint64_t next_counters = clock_us(CLOCK_MONOTONIC) + interval, next_log = 0, next_adapt = 0;
	static struct log_rl srv_rl = LOG_RL_INIT(30, 600);
	while (!want_stop) {
		int n = evloop_run_once(d->ev, 100);
		if (n < 0 && n != -EINTR)
			fatalx("event loop: %s", dnsa_strerror(n));
		uint64_t mono = clock_us(CLOCK_MONOTONIC);
		pipeline_tick(d->pipe, clock_us(CLOCK_REALTIME), mono);
		if (d->pcap)
			pcap_input_tick(d->pcap, clock_us(CLOCK_REALTIME));
		dnstap_input_tick(d->dnstap, mono);
		/* adaptive in the kernel: the rate of the last quarter second, so n follows a change within one */
		if (d->ks && d->ks_adaptive && mono >= next_adapt) {
			ksample_adapt(d->ks, mono, clock_us(CLOCK_REALTIME), (uint32_t)d->conf.sampling_target,
			    (uint32_t)d->conf.sampling_min_n, (uint32_t)d->conf.sampling_max_n, d->ks_dirs);
			next_adapt = mono + 250000;
		}
		if (mono >= next_log) {
			log_input_problems(d);
			log_send_problems(d);
			next_log = mono + 1000000;
		}
		if (mono >= next_counters) {
			/* with server statistics, the counters go out when the reading ends, beside it */
			if (srvstats_begin(d->srv, mono) != E_OK)
				send_counters(d, &cnt);
			next_counters = mono + interval;
		}
		int srv = srvstats_poll(d->srv, clock_us(CLOCK_MONOTONIC));
		if (srv == SRVSTATS_FAILED)
			log_warnx_rl(&srv_rl, "server_stats: %s", srvstats_error(d->srv));
		if (srv)
			send_counters(d, &cnt);
		if (want_reload) {
			want_reload = 0;
			reload(d);
		}
	}
	log_info("stopping: flushing records and counters");
	sender_flush(d->sender);
	send_counters(d, &cnt);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: capd -c FILE [-f] [-n] [-v] [-r CAPTURE]\n"
	    "  -c FILE     configuration file (default /etc/dnsa/capd.conf)\n"
	    "  -f          stay in the foreground, log to stderr\n"
	    "  -n          check the configuration, print 'configuration OK' or every error\n"
	    "  -v          more verbose (repeat for debug)\n"
	    "  -r CAPTURE  process a dnstap (Frame Streams) or pcap/pcapng file instead of the live inputs, then exit\n"
	    "  -h, --help  this text and every configuration option\n\n"
	    "configuration options (see capd.conf(5), conf/capd.conf):\n");
	conf_usage(capd_conf_table, f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct capd d;
	const char *capture = NULL;
	int foreground = 0, check = 0, verbose = 0, ch, rc = 0;

	/* options */
	memset(&d, 0, sizeof d);
	d.conf_path = "/etc/dnsa/capd.conf";
	while ((ch = getopt_long(argc, argv, "c:fnvr:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': d.conf_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		case 'r': capture = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	/* configuration: -n and start-up refuse the same things (the checks that look at the system run in both) */
	log_init("capd", 0, verbose);
	if (capd_conf_load(&d.conf, d.conf_path, CONF_ENV, conf_err_stderr, NULL) != 0) {
		capd_conf_free(&d.conf);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		capd_conf_free(&d.conf);
		return 0;
	}
	if (verbose < d.conf.verbose)
		log_setverbose((int)d.conf.verbose);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* build what may need root (key file, sockets, capture, databases), then drop it */
	build(&d, capture != NULL);
	if (capture) {
		drop_privileges(&d.conf);
		rc = run_file(&d, capture);
	} else {
		open_inputs(&d);
		drop_privileges(&d.conf);
		/* as the dropped user, so a missing socket permission shows at once; the first reading is the baseline */
		struct srvstats_conf ssc;
		capd_conf_srvstats(&d.conf, &ssc);
		if (ssc.kind != SRV_NONE && (rc = srvstats_new(&ssc, &d.srv)) != E_OK)
			fatalx("server_stats: %s", dnsa_strerror(rc));
		if (d.srv && srvstats_read(d.srv) != SRVSTATS_DONE)
			log_warnx("server_stats: %s (counted in srv_read_errors; retried every counters_interval)",
			    srvstats_error(d.srv));
		if (!foreground) {
			if (daemon(0, 0) < 0)
				fatal("daemon");
			log_init("capd", d.conf.syslog_on, (int)d.conf.verbose);
		}
		log_info("started: node boot id %" PRIu64 ", sampling %s, %zu aggregator(s)", sender_boot_id(d.sender),
		    d.conf.sampling_mode, d.conf.aggregator.n);
		run_live(&d);
	}

	/* tear down */
	srvstats_free(d.srv);
	pcap_input_free(d.pcap);
	dnstap_input_free(d.dnstap);
	evloop_free(d.ev);
	pipeline_free(d.pipe);
	sender_free(d.sender);
	capd_conf_free(&d.conf);
	return rc;
}
