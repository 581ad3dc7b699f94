/* bench/bench-udpsink.c: a UDP sink that only counts datagrams (capd's aggregator in benchmarks; aggd's loopback peer). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

/*
 * usage: bench-udpsink [-l ADDR] [-p PORTFILE] [-t SECS] [-i SECS] [-b RCVBUF]
 *   binds ADDR (default 127.0.0.1) on an ephemeral port and writes the port
 *   to PORTFILE; receives with recvmmsg (64 at a time) and counts. Exits on
 *   SIGTERM/SIGINT, after SECS in all (-t, default 600) or after -i SECS
 *   without a datagram once one has arrived. Prints on exit, one per line:
 *     datagrams N | bytes N | first_to_last_s S | rate N | cpu_s S
 *   (rate = datagrams per second between the first and the last datagram)
 */

#define BATCH 64
#define DGRAM_MAX 65536

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *portfile = NULL;
	double total = 600, idle = 0;
	int rcvbuf = 32 << 20, ch;
	while ((ch = getopt(argc, argv, "l:p:t:i:b:")) != -1) {
		switch (ch) {
		case 'l': addr = optarg; break;
		case 'p': portfile = optarg; break;
		case 't': total = atof(optarg); break;
		case 'i': idle = atof(optarg); break;
		case 'b': rcvbuf = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench-udpsink [-l ADDR] [-p PORTFILE] [-t SECS] [-i SECS] [-b RCVBUF]\n");
			return 2;
		}
	}
	struct sockaddr_in sin = { .sin_family = AF_INET };
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "bench-udpsink: bad address %s\n", addr);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		perror("bench-udpsink: bind");
		return 1;
	}
	/* SO_RCVBUFFORCE (root) lifts the rmem_max cap; fall back to the capped size */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	socklen_t sl = sizeof sin;
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	if (portfile) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%u\n", ntohs(sin.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, portfile) < 0) {
			perror("bench-udpsink: port file");
			return 1;
		}
	}
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	static uint8_t bufs[BATCH][DGRAM_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ bufs[i], DGRAM_MAX };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	uint64_t dgrams = 0, bytes = 0;
	double start = clock_mono_s(), first = 0, last = 0;
	while (!stop) {
		double t = clock_mono_s();
		if (t - start > total || (idle > 0 && dgrams && t - last > idle))
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		int pr = poll(&p, 1, 100);
		if (pr <= 0)
			continue;
		int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		last = clock_mono_s();
		if (!dgrams)
			first = last;
		dgrams += (uint64_t)n;
		for (int i = 0; i < n; i++)
			bytes += msgs[i].msg_len;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double span = last - first;
	printf("datagrams %" PRIu64 "\nbytes %" PRIu64 "\nfirst_to_last_s %.3f\nrate %.0f\ncpu_s %.3f\n", dgrams, bytes, span,
	    span > 0 ? (double)dgrams / span : 0.0,
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	close(fd);
	return 0;
}
