/* tests/tools/dnsa-pcapstat.c: run capd's pcap input on a file or interface and print its counters (tests, bench). */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capd/pcap_input.h"
#include "common/clock.h"
#include "common/record.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	int hex;        /* print each message */
	uint64_t rtt_sum;
	uint64_t rtt_n;
};

static void on_msg(const struct capd_msg *m, void *arg)
{
	struct opts *o = arg;
	size_t i;
	if (m->has_rtt) {
		o->rtt_sum += m->rtt_us;
		o->rtt_n++;
	}
	if (!o->hex)
		return;
	printf("msg %s %s %u %u %u ", m->type == MT_AUTH_QUERY ? "Q" : "R",
	       m->transport == TR_TCP ? "tcp" : "udp", m->family, m->client_port, m->server_port);
	for (i = 0; i < m->dns_len; i++)
		printf("%02x", m->dns[i]);
	printf("\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: dnsa-pcapstat [-x] [-B] [-I] [-p dnsport]... [-s serveraddr]... [-f filter]\n"
		"                     [-S snaplen] (-r file | -i interface [-t seconds])\n"
		"  -x  print every message (type transport family ports hex)\n"
		"  -B  print elapsed time and packets per second\n"
		"  -I  immediate mode (live)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct pcap_input_conf conf;
	struct pcap_input_stats st;
	struct pcap_input *p;
	struct opts o = { 0 };
	char err[512];
	int c, bench = 0, secs = 0;
	size_t nports = 0;
	double t0, t1;
	static const char *const q[2] = { "q", "r" }, *const tr[2] = { "udp", "tcp" }, *const fam[2] = { "v4", "v6" };

	memset(&conf, 0, sizeof(conf));
	while ((c = getopt(argc, argv, "xBIp:s:f:S:r:i:t:")) != -1) {
		switch (c) {
		case 'x': o.hex = 1; break;
		case 'B': bench = 1; break;
		case 'I': conf.immediate = 1; break;
		case 'p':
			if (nports < PCAP_INPUT_MAX_PORTS)
				conf.dns_ports[nports++] = (uint16_t)atoi(optarg);
			break;
		case 's': {
			struct pcap_input_addr *a = &conf.servers[conf.nservers];
			if (conf.nservers >= PCAP_INPUT_MAX_SERVERS)
				usage();
			if (inet_pton(AF_INET, optarg, a->addr) == 1)
				a->family = 4;
			else if (inet_pton(AF_INET6, optarg, a->addr) == 1)
				a->family = 6;
			else
				usage();
			conf.nservers++;
			break;
		}
		case 'f': conf.filter = optarg; break;
		case 'S': conf.snaplen = atoi(optarg); break;
		case 'r': conf.file = optarg; break;
		case 'i': conf.interface = optarg; break;
		case 't': secs = atoi(optarg); break;
		default: usage();
		}
	}
	if (!conf.file == !conf.interface)
		usage();
	pcap_input_new(&conf, on_msg, &o, &p, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "dnsa-pcapstat: %s\n", err);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = clock_mono_s();
	if (conf.file) {
		while (!pcap_input_eof(p) && !stop)
			if (pcap_input_dispatch(p, 0) < 0) {
				fprintf(stderr, "dnsa-pcapstat: %s\n", pcap_input_error(p));
				break;
			}
	} else {
		struct pollfd pfd = { .fd = pcap_input_fd(p), .events = POLLIN };
		double end = secs > 0 ? t0 + secs : 0;
		printf("ready\n");
		fflush(stdout);
		while (!stop && (!end || clock_mono_s() < end)) {
			int n = poll(&pfd, 1, 100);
			if (n < 0 && errno != EINTR)
				break;
			while (pcap_input_dispatch(p, 0) > 0)
				;
		}
		while (pcap_input_dispatch(p, 0) > 0)
			;
	}
	t1 = clock_mono_s();
	pcap_input_stats(p, &st);
	printf("linktype=%d\npackets=%ju\nmessages=%ju\n", pcap_input_datalink(p), (uintmax_t)st.packets,
	       (uintmax_t)st.messages);
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++)
			for (int d = 0; d < 2; d++)
				printf("%s_%s_%s=%ju\n", q[a], tr[b], fam[d], (uintmax_t)st.msg[a][b][d]);
	for (int r = PKT_E_LINKTYPE; r < PKT_REASON_MAX; r++)
		printf("skip_%s=%ju\n", pktdecode_reason_name(r), (uintmax_t)st.skipped[r]);
	printf("dot_conns=%ju\ndoh_conns=%ju\nfrag_pending=%ju\n", (uintmax_t)st.dot_conns,
	       (uintmax_t)st.doh_conns, (uintmax_t)st.frag_pending);
	printf("frag_reassembled=%ju\nfrag_timeouts=%ju\nfrag_evicted=%ju\nfrag_overlaps=%ju\n",
	       (uintmax_t)st.frag.reassembled, (uintmax_t)st.frag.timeouts, (uintmax_t)st.frag.evicted,
	       (uintmax_t)st.frag.overlaps);
	printf("tcp_segments=%ju\ntcp_messages=%ju\ntcp_copied=%ju\ntcp_flows=%ju\ntcp_closed=%ju\n"
	       "tcp_midstream=%ju\ntcp_evicted_weak=%ju\ntcp_evicted_lru=%ju\ntcp_expired=%ju\n"
	       "tcp_retransmits=%ju\ntcp_ooo=%ju\ntcp_gaps=%ju\ntcp_truncated=%ju\ntcp_rtt_samples=%ju\n",
	       (uintmax_t)st.tcp.segments, (uintmax_t)st.tcp.messages, (uintmax_t)st.tcp.copied,
	       (uintmax_t)st.tcp.flows_created, (uintmax_t)st.tcp.flows_closed, (uintmax_t)st.tcp.flows_midstream,
	       (uintmax_t)st.tcp.evicted_weak, (uintmax_t)st.tcp.evicted_lru, (uintmax_t)st.tcp.expired,
	       (uintmax_t)st.tcp.retransmits, (uintmax_t)st.tcp.ooo_queued, (uintmax_t)st.tcp.gaps,
	       (uintmax_t)st.tcp.truncated, (uintmax_t)st.tcp.rtt_samples);
	printf("rtt_msgs=%ju\nrtt_avg_us=%ju\n", (uintmax_t)o.rtt_n, (uintmax_t)(o.rtt_n ? o.rtt_sum / o.rtt_n : 0));
	printf("ps_recv=%ju\nps_drop=%ju\nps_ifdrop=%ju\n", (uintmax_t)st.ps_recv, (uintmax_t)st.ps_drop,
	       (uintmax_t)st.ps_ifdrop);
	if (bench)
		printf("elapsed_s=%.6f\npackets_per_s=%.0f\n", t1 - t0, (t1 - t0) > 0 ? st.packets / (t1 - t0) : 0);
	pcap_input_free(p);
	return 0;
}
