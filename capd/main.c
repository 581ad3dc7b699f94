/* capd/main.c: the capture agent: options, set-up, privilege drop, event loop, tear-down. */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capd/capd_conf.h"
#include "capd/capfile.h"
#include "capd/dnstap.h"
#include "capd/dnstap_input.h"
#include "capd/evloop.h"
#include "capd/geo.h"
#include "capd/pcap_input.h"
#include "capd/pipeline.h"
#include "capd/sender.h"
#include "capd/srvstats.h"
#include "capd/zones.h"
#include "common/errors.h"
#include "common/keys.h"
#include "common/log.h"

static volatile sig_atomic_t want_stop, want_reload;

struct capd {
	struct capd_conf conf;
	const char *conf_path;
	struct sender *sender;
	struct pipeline *pipe;
	struct evloop *ev;
	struct dnstap_input *dnstap;
	struct pcap_input *pcap;
	struct srvstats *srv;        /* the nameserver's own statistics; NULL: not configured */
	struct fs_stats file_fs;     /* -r on a dnstap file */
	uint64_t frames;             /* frames seen by on_frame (for -r ticks) */
	uint64_t start_mono;
	struct dnstap_input_stats seen; /* what was already logged */
	uint64_t seen_send_errors;   /* sender's send_errors already logged */
	int sends_failing;           /* a send failure was logged, not yet the recovery */
	int clean_secs;              /* seconds with sends and no send error since */
};

static uint64_t clock_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

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

/* a dnstap frame from a socket or a file */
static void on_frame(void *arg, const uint8_t *frame, size_t len, unsigned flags)
{
	struct capd *d = arg;
	struct capd_msg m;
	if (flags & DNSTAP_FRAME_SHED) {
		uint8_t type = 0, tr = 0, fam = 0;
		if (dnstap_peek_type(frame, len, &type, &tr, &fam) == E_OK)
			pipeline_shed(d->pipe, type, tr, fam);
		else
			pipeline_count(d->pipe, C_DNSTAP_ERRORS, 1);
		return;
	}
	/* sample first: the cheap peek at type/transport/family is enough to count and decide */
	uint8_t type = 0, tr = 0, fam = 0;
	if (dnstap_peek_type(frame, len, &type, &tr, &fam) != E_OK) {
		pipeline_count(d->pipe, C_DNSTAP_ERRORS, 1);
		return;
	}
	uint32_t w = pipeline_admit(d->pipe, type, tr, fam);
	if (!w)
		return;
	if (dnstap_decode(frame, len, &m) != E_OK) {
		pipeline_count(d->pipe, C_DNSTAP_ERRORS, 1);
		return;
	}
	pipeline_record(d->pipe, &m, w);
}

static void on_file_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct capd *d = arg;
	on_frame(arg, frame, len, 0);
	if ((++d->frames & 0xffff) == 0)
		tick(d);
}

static void on_pcap_msg(const struct capd_msg *m, void *arg)
{
	struct capd *d = arg;
	pipeline_msg(d->pipe, m);
}

static uint64_t fs_errors(const struct fs_stats *s)
{
	return s->err_content_type + s->err_toobig + s->err_malformed + s->err_protocol + s->err_truncated;
}

/* every counter of every part, cumulative since start */
static void collect(struct capd *d, struct dnsa_counters *c)
{
	memset(c, 0, sizeof *c);
	pipeline_counters(d->pipe, c);
	srvstats_counters(d->srv, c);
	uint64_t frame_err = fs_errors(&d->file_fs);
	if (d->dnstap) {
		struct dnstap_input_stats st;
		dnstap_input_stats(d->dnstap, &st);
		frame_err += fs_errors(&st.fs);
		counters_set(c, C_DNSTAP_CONNS, st.conns_accepted);
		counters_set(c, C_DROP_OVERLOAD, st.frames_shed);
	}
	counters_set(c, C_FRAME_ERRORS, frame_err);
	if (d->pcap) {
		struct pcap_input_stats ps;
		uint64_t bad = 0;
		pcap_input_stats(d->pcap, &ps);
		for (int i = PKT_E_LINKTYPE; i < PKT_REASON_MAX; i++)
			bad += ps.skipped[i];
		counters_set(c, C_PCAP_RECV, ps.ps_recv);
		counters_set(c, C_PCAP_DROP, ps.ps_drop);
		counters_set(c, C_PCAP_IFDROP, ps.ps_ifdrop);
		counters_set(c, C_PKT_ERRORS, bad);
		counters_set(c, C_FRAG_REASSEMBLED, ps.frag.reassembled);
		counters_set(c, C_FRAG_DROPPED, ps.frag.overlaps + ps.frag.too_big + ps.frag.timeouts +
		    ps.frag.evicted + ps.frag.source_limit);
		counters_set(c, C_TCP_FLOWS, ps.tcp.flows_created);
		counters_set(c, C_TCP_EVICTED, ps.tcp.evicted_weak + ps.tcp.evicted_lru + ps.tcp.expired);
		counters_set(c, C_TCP_GAPS, ps.tcp.gaps);
		counters_set(c, C_DOT_CONNS, ps.dot_conns);
		counters_set(c, C_DOH_CONNS, ps.doh_conns);
	}
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
	    DELTA(fs.err_protocol) || DELTA(fs.err_truncated) || DELTA(err_io) || DELTA(conns_rejected))
		log_warnx_rl(&rl, "dnstap connections closed: %" PRIu64 " wrong content type, %" PRIu64
		    " frame too big, %" PRIu64 " malformed, %" PRIu64 " protocol, %" PRIu64 " cut mid-frame, %"
		    PRIu64 " I/O errors, %" PRIu64 " over max_connections",
		    DELTA(fs.err_content_type), DELTA(fs.err_toobig), DELTA(fs.err_malformed), DELTA(fs.err_protocol),
		    DELTA(fs.err_truncated), DELTA(err_io), DELTA(conns_rejected));
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
	collect(d, c);
	int rc = sender_send_counters(d->sender, c);
	if (rc != E_OK)
		log_debug("counters datagram not sent: %s", dnsa_strerror(rc));
}

/* open zones and geo databases (start and SIGHUP) */
static int load_zones_geo(struct capd *d, struct zones **z, int *root_listed, struct geo **g)
{
	char msg[512];
	const char *which = NULL;
	int rc = capd_conf_zones(&d->conf, z, root_listed, msg, sizeof msg);
	if (rc != E_OK) {
		log_warnx("zones: %s", msg);
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
	log_warnx("%s", msg);
}

static void reload(struct capd *d)
{
	struct capd_conf nc;
	struct zones *z = NULL;
	struct geo *g = NULL;
	int root;
	if (capd_conf_load(&nc, d->conf_path, conf_err_log, NULL) != 0) {
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

/*
 * A non-root capd may still hold capabilities (systemd's AmbientCapabilities=
 * CAP_NET_RAW for live capture). Once the capture is open they are of no
 * use: clear them all. Only when some are held, so that a seccomp filter
 * without capset does not matter to the common case.
 */
static void drop_capabilities(void)
{
	char line[256];
	unsigned long long eff = 0, prm = 0;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		sscanf(line, "CapEff: %llx", &eff);
		sscanf(line, "CapPrm: %llx", &prm);
	}
	fclose(f);
	if ((eff == 0 && prm == 0) || geteuid() == 0)
		return;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data) < 0)
		fatal("cannot drop capabilities");
}

static void drop_privileges(const struct capd_conf *c)
{
	if (c->user[0]) {
		struct passwd *pw = getpwnam(c->user);
		if (!pw)
			fatalx("privileges.user: no user '%s'", c->user);
		gid_t gid = pw->pw_gid;
		if (c->group[0]) {
			struct group *gr = getgrnam(c->group);
			if (!gr)
				fatalx("privileges.group: no group '%s'", c->group);
			gid = gr->gr_gid;
		}
		if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid && getgid() == gid) {
			/* started as that user already (systemd User=): nothing to switch */
		} else if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(pw->pw_uid) < 0) {
			fatal("cannot switch to user %s", c->user);
		}
		if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0))
			fatalx("could regain root after dropping privileges");
	}
	if ((geteuid() == 0 || getuid() == 0) && !c->allow_root)
		fatalx("refusing to run as root: set privileges.user (or privileges.allow_root = yes)");
	drop_capabilities();
}

/* -r: what kind of file is it? */
enum { CAP_DNSTAP, CAP_PCAP, CAP_UNKNOWN };
static int capture_kind(const char *path)
{
	uint8_t b[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fatal("%s", path);
	ssize_t n = read(fd, b, 4);
	close(fd);
	if (n != 4)
		return CAP_UNKNOWN;
	uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	if (be == 0) /* Frame Streams: a control frame starts with the 0 escape */
		return CAP_DNSTAP;
	if (be == 0xa1b2c3d4 || be == 0xd4c3b2a1 || be == 0xa1b23c4d || be == 0x4d3cb2a1 || be == 0x0a0d0d0a)
		return CAP_PCAP;
	return CAP_UNKNOWN;
}

static void pcap_conf(const struct capd_conf *c, struct pcap_input_conf *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->snaplen = (int)c->pcap_snaplen;
	pc->buffer_size = (int)c->pcap_buffer;
	pc->immediate = 0;
	pc->filter = c->pcap_filter[0] ? c->pcap_filter : NULL;
	pc->dns_ports[0] = (uint16_t)c->pcap_port;
	for (size_t i = 0; i < c->pcap_server.n && pc->nservers < PCAP_INPUT_MAX_SERVERS; i++) {
		struct pcap_input_addr *a = &pc->servers[pc->nservers];
		if (inet_pton(AF_INET, c->pcap_server.v[i], a->addr) == 1)
			a->family = 4;
		else if (inet_pton(AF_INET6, c->pcap_server.v[i], a->addr) == 1)
			a->family = 6;
		else
			fatalx("pcap.server: '%s' is not an IP address", c->pcap_server.v[i]);
		pc->nservers++;
	}
}

static int run_file(struct capd *d, const char *path)
{
	int kind = capture_kind(path), rc = E_OK;
	uint64_t t0 = clock_us(CLOCK_MONOTONIC);
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	tick(d);
	if (kind == CAP_DNSTAP) {
		rc = capfile_dnstap_read(path, on_file_frame, d, &d->file_fs);
		if (rc != E_OK)
			log_warnx("%s: %s (frames before the problem were processed)", path, dnsa_strerror(rc));
	} else if (kind == CAP_PCAP) {
		struct pcap_input_conf pc;
		char err[512];
		pcap_conf(&d->conf, &pc);
		pc.file = path;
		if (!(d->pcap = pcap_input_new(&pc, on_pcap_msg, d, err, sizeof err)))
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

static void on_pcap_ready(struct evloop *ev, int fd, uint32_t events, void *arg)
{
	struct capd *d = arg;
	if (pcap_input_dispatch(d->pcap, 0) < 0)
		log_warnx("pcap: %s", pcap_input_error(d->pcap));
}

static void run_live(struct capd *d, int foreground)
{
	const struct capd_conf *c = &d->conf;
	struct dnsa_counters cnt;
	int err = 0;

	if (!(d->ev = evloop_new()))
		fatal("evloop");
	if (c->dnstap_socket[0] || c->dnstap_tcp[0]) {
		struct dnstap_input_conf dc = {
			.unix_path = c->dnstap_socket[0] ? c->dnstap_socket : NULL,
			.unix_owner = c->dnstap_user[0] ? c->dnstap_user : NULL,
			.unix_group = c->dnstap_group[0] ? c->dnstap_group : NULL,
			.unix_mode = capd_conf_socket_mode(c),
			.tcp_listen = c->dnstap_tcp[0] ? c->dnstap_tcp : NULL,
			.max_conns = (unsigned)c->dnstap_max_conns,
			.buf_size = (size_t)c->dnstap_buffer,
		};
		if (!(d->dnstap = dnstap_input_new(&dc, d->ev, on_frame, d, &err)))
			fatalx("dnstap input (%s%s%s): %s", dc.unix_path ? dc.unix_path : "",
			    dc.unix_path && dc.tcp_listen ? ", " : "", dc.tcp_listen ? dc.tcp_listen : "", dnsa_strerror(err));
		if (dc.tcp_listen)
			log_info("dnstap TCP listener on port %u", dnstap_input_tcp_port(d->dnstap));
	}
	if (c->pcap_interface[0]) {
		struct pcap_input_conf pc;
		char errbuf[512];
		pcap_conf(c, &pc);
		pc.interface = c->pcap_interface;
		pc.immediate = 0;
		if (!(d->pcap = pcap_input_new(&pc, on_pcap_msg, d, errbuf, sizeof errbuf)))
			fatalx("pcap %s: %s", c->pcap_interface, errbuf);
		if ((err = evloop_add(d->ev, pcap_input_fd(d->pcap), EPOLLIN, on_pcap_ready, d)) != E_OK)
			fatalx("pcap: %s", dnsa_strerror(err));
	}
	if (!d->dnstap && !d->pcap)
		fatalx("no input configured (dnstap.socket, dnstap.tcp_listen or pcap.interface)");

	drop_privileges(c);
	/* as the dropped user, so a missing socket permission shows at once; the first reading is the baseline */
	struct srvstats_conf ssc;
	capd_conf_srvstats(c, &ssc);
	if (ssc.kind != SRV_NONE && (err = srvstats_new(&ssc, &d->srv)) != E_OK)
		fatalx("server_stats: %s", dnsa_strerror(err));
	if (d->srv && srvstats_read(d->srv) != SRVSTATS_DONE)
		log_warnx("server_stats: %s (counted in srv_read_errors; retried every counters_interval)",
		    srvstats_error(d->srv));
	if (!foreground) {
		if (daemon(0, 0) < 0)
			fatal("daemon");
		log_init("capd", c->syslog_on, (int)c->verbose);
	}
	log_info("started: node boot id %" PRIu64 ", sampling %s, %zu aggregator(s)", sender_boot_id(d->sender),
	    c->sampling_mode, c->aggregator.n);

	static struct log_rl srv_rl = LOG_RL_INIT(30, 600);
	uint64_t interval = (uint64_t)c->counters_interval * 1000000u;
	uint64_t next_counters = clock_us(CLOCK_MONOTONIC) + interval, next_log = 0;
	while (!want_stop) {
		int n = evloop_run_once(d->ev, 100);
		if (n < 0 && n != -EINTR)
			fatalx("event loop: %s", dnsa_strerror(n));
		uint64_t mono = clock_us(CLOCK_MONOTONIC);
		pipeline_tick(d->pipe, clock_us(CLOCK_REALTIME), mono);
		if (d->pcap)
			pcap_input_tick(d->pcap, clock_us(CLOCK_REALTIME));
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
	int foreground = 0, check = 0, verbose = 0, ch;

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
	log_init("capd", 0, verbose);
	if (capd_conf_load(&d.conf, d.conf_path, conf_err_stderr, NULL) != 0) {
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

	/* things that may need root: key file, sockets, databases */
	char node[ENV_NAME_MAX + 1];
	uint8_t key[ENV_KEY_LEN];
	int rc = keys_load_node(d.conf.node_key, node, key);
	if (rc != E_OK)
		fatalx("%s: %s", d.conf.node_key, dnsa_strerror(rc));
	struct sender_conf sc = {
		.aggregators = (const char *const *)d.conf.aggregator.v,
		.n_aggregators = d.conf.aggregator.n,
		.node = node,
		.key = key,
		.payload_size = (size_t)d.conf.payload_size,
		.flush_us = (uint64_t)d.conf.flush_ms * 1000u,
		.failback_us = (uint64_t)d.conf.failback_s * 1000000u,
		.sndbuf = (int)d.conf.sndbuf,
	};
	const char *bad = NULL;
	if ((rc = sender_new(&sc, &d.sender, &bad)) != E_OK)
	{
		if (bad)
			fatalx("aggregator %s: %s", bad, dnsa_strerror(rc));
		fatalx("cannot set up sending: %s (payload_size %lld too small for the envelope and a counters datagram?)",
		    dnsa_strerror(rc), (long long)d.conf.payload_size);
	}
	explicit_bzero(key, sizeof key);

	struct zones *z = NULL;
	struct geo *g = NULL;
	int root_listed = 0;
	if (load_zones_geo(&d, &z, &root_listed, &g) != E_OK)
		return 1;
	struct pipeline_conf pc;
	capd_conf_pipeline(&d.conf, &pc);
	if (!(d.pipe = pipeline_new(&pc, d.sender, &z, root_listed, &g)))
		fatalx("cannot set up the pipeline");

	if (capture) {
		drop_privileges(&d.conf);
		rc = run_file(&d, capture);
	} else {
		run_live(&d, foreground);
		rc = 0;
	}

	pcap_input_free(d.pcap);
	dnstap_input_free(d.dnstap);
	srvstats_free(d.srv);
	evloop_free(d.ev);
	pipeline_free(d.pipe);
	sender_free(d.sender);
	capd_conf_free(&d.conf);
	return rc;
}
