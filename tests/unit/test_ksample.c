/* tests/unit/test_ksample.c: the kernel sampling filter on a real packet socket on lo: what it passes, counts and weighs. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capd/ksample.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

static int packet_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	if (fd < 0)
		return -1;
	int big = 16 << 20; /* room for every packet a test sends (root: FORCE passes rmem_max) */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
	sll.sll_ifindex = (int)if_nametoindex("lo");
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void drain(int fd)
{
	char b[2048];
	while (recv(fd, b, sizeof b, MSG_DONTWAIT) > 0)
		;
}

static int count_recv(int fd)
{
	char b[2048];
	int n = 0;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	while (recv(fd, b, sizeof b, MSG_DONTWAIT) > 0)
		n++;
	return n;
}

/* n UDP "queries" (12-byte header, QR clear, ids 0..n-1) from a fresh socket to 127.0.0.1:port */
static void send_queries(uint16_t port, int n, int qr)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t q[12] = { 0 };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < n; i++) {
		q[0] = (uint8_t)(i >> 8);
		q[1] = (uint8_t)i;
		q[2] = qr ? 0x80 : 0x01;
		sendto(u, q, sizeof q, 0, (struct sockaddr *)&a, sizeof a);
	}
	close(u);
}

/* one hand-made IPv4 packet (header and all) to 127.0.0.1, as a raw socket sends it */
static void send_raw(const uint8_t *pkt, size_t len)
{
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (r >= 0) {
		sendto(r, pkt, len, 0, (struct sockaddr *)&a, sizeof a);
		close(r);
	}
}

/* an IPv4 header of ihl words (options NOP), protocol UDP, 127.0.0.1 both ends, frag: flags and offset */
static size_t ip4(uint8_t *b, unsigned ihl, size_t total, uint16_t id, uint16_t frag)
{
	memset(b, 0, ihl * 4);
	b[0] = (uint8_t)(0x40 | ihl);
	b[2] = (uint8_t)(total >> 8);
	b[3] = (uint8_t)total;
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[8] = 64;
	b[9] = 17;
	b[12] = b[16] = 127;
	b[15] = b[19] = 1;
	memset(b + 20, 1, ihl * 4 - 20);
	return ihl * 4;
}

/* a UDP header from port 40000 to port, then body bytes of a DNS query header */
static size_t udp_dns(uint8_t *b, uint16_t port, size_t body, uint16_t udplen)
{
	memset(b, 0, 8 + body);
	b[0] = 40000 >> 8;
	b[1] = 40000 & 255;
	b[2] = (uint8_t)(port >> 8);
	b[3] = (uint8_t)port;
	b[4] = (uint8_t)(udplen >> 8);
	b[5] = (uint8_t)udplen;
	if (body > 2)
		b[10] = 0x01; /* RD */
	return 8 + body;
}

static uint64_t kept_udp4(const struct ksample_stats *s, int dir) { return s->kept[dir][0][0]; }
static uint64_t drop_udp4(const struct ksample_stats *s, int dir) { return s->dropped[dir][0][0]; }

int main(void)
{
	struct ksample_conf kc;
	struct ksample *k = NULL;
	struct ksample_stats st;
	struct dnsa_counters c;
	char why[256];
	int fd, rc;
	const uint16_t port = 53991, other = 53992;

	/* no handle: weight 1, n 1, counters say not in use; NULL freed */
	ok(ksample_weight(NULL, 5) == 1 && ksample_n(NULL) == 1, "no filter: weight 1, n 1");
	memset(&c, 0, sizeof c);
	ksample_counters(NULL, &c);
	ok(counters_has(&c, C_KS_STATE) && c.value[C_KS_STATE] == 0 && !counters_has(&c, C_KS_N),
	   "no filter: ks_state 0 and nothing else");
	ksample_free(NULL);

	memset(&kc, 0, sizeof kc);
	kc.netoff = 14;
	kc.lo_ifindex = if_nametoindex("lo");
	kc.ports[0] = port;
	kc.nports = 1;
	kc.n = 1;
	is(ksample_attach(&kc, -1, &k, why, sizeof why), E_INVAL, "a bad descriptor is refused");
	kc.nports = 0;
	is(ksample_attach(&kc, 0, &k, why, sizeof why), E_INVAL, "no DNS port is refused");
	kc.nports = 1;

	if (geteuid() != 0 || (fd = packet_socket()) < 0) {
		diag("skipping the kernel tests: need root for a packet socket and BPF");
		return done_testing();
	}
	kc.refuse = 1;
	rc = ksample_attach(&kc, fd, &k, why, sizeof why);
	ok(rc == -EPERM && !k && strstr(why, "refused"), "the test switch refuses the load (%s)", why);
	kc.refuse = 0;

	rc = ksample_attach(&kc, fd, &k, why, sizeof why);
	ok(rc == E_OK && k, "filter attached to a packet socket on lo (%s)", rc ? why : "ok");
	if (!k)
		return done_testing();
	drain(fd);

	/* n = 1: every query to the DNS port copied once (lo's outgoing copy skipped), other ports not at all */
	send_queries(port, 200, 0);
	send_queries(other, 50, 0);
	is(count_recv(fd), 200, "n = 1: the 200 DNS packets are copied once each, the 50 to another port not");
	ksample_stats(k, &st);
	ok(kept_udp4(&st, 0) == 200 && drop_udp4(&st, 0) == 0, "counted: 200 queries kept, none dropped");

	/* each CPU counts in its own slots: queries sent on every CPU in turn (lo receives on the
	 * sender's CPU) add up exactly */
	cpu_set_t was, one;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int sent = 0;
	sched_getaffinity(0, sizeof was, &was);
	for (long cpu = 0; cpu < ncpu && cpu < 8; cpu++) {
		CPU_ZERO(&one);
		CPU_SET((int)cpu, &one);
		if (CPU_ISSET((int)cpu, &was) && sched_setaffinity(0, sizeof one, &one) == 0) {
			send_queries(port, 50, 0);
			sent += 50;
		}
	}
	sched_setaffinity(0, sizeof was, &was);
	is(count_recv(fd), sent, "queries sent on %d CPU(s): %d copied", sent / 50, sent);
	ksample_stats(k, &st);
	is(kept_udp4(&st, 0), (uint64_t)(200 + sent), "the CPUs' counts add up to %d", 200 + sent);

	/* hand-made packets: IPv4 options (the ports are further in), fragments (kept unsampled and
	 * counted as such, the last one shorter than an IPv4 header and 14 bytes), a runt with no
	 * room for a DNS header (not copied, not counted) */
	uint8_t pk[128];
	size_t h = ip4(pk, 6, 24 + 8 + 12, 7, 0);
	send_raw(pk, h + udp_dns(pk + h, port, 12, 8 + 12));
	h = ip4(pk, 5, 20 + 8 + 8, 8, 0x2000);            /* MF, offset 0: the first 16 bytes of UDP */
	send_raw(pk, h + udp_dns(pk + h, port, 8, 8 + 12));
	h = ip4(pk, 5, 20 + 4, 8, 2);                     /* offset 2 (16 bytes), the last 4 bytes */
	memset(pk + h, 0, 4);
	send_raw(pk, h + 4);
	h = ip4(pk, 5, 20 + 8, 9, 0);                     /* UDP header, nothing after it */
	send_raw(pk, h + udp_dns(pk + h, port, 0, 8));
	uint64_t frag0 = st.fragments;
	is(count_recv(fd), 3, "copied: the packet with options and the 2 fragments, not the runt");
	ksample_stats(k, &st);
	ok(kept_udp4(&st, 0) == (uint64_t)(201 + sent) && st.fragments == frag0 + 2,
	   "counted: 1 more query kept (%llu), 2 fragments (%llu)", (unsigned long long)(kept_udp4(&st, 0) - 200 - sent),
	   (unsigned long long)(st.fragments - frag0));

	/* n = 4: kept + dropped = sent, exactly; what is copied is what was kept */
	ksample_set_n(k, 4, 1000);
	is(ksample_n(k), 4u, "n set to 4");
	send_queries(port, 4000, 0);
	int got = count_recv(fd);
	ksample_stats(k, &st);
	uint64_t kept = kept_udp4(&st, 0) - 201 - (uint64_t)sent, dropped = drop_udp4(&st, 0);
	is(kept + dropped, 4000u, "n = 4: kept %llu + dropped %llu = 4000 sent", (unsigned long long)kept,
	   (unsigned long long)dropped);
	is((uint64_t)got, kept, "the socket got exactly what the filter kept");
	/* 1/4 of 4000: sd = sqrt(4000 * 1/4 * 3/4) = 27.4 */
	ok(kept > 1000 - 110 && kept < 1000 + 110, "about 1/4 kept (%llu, 4 sd around 1000)", (unsigned long long)kept);

	/* QR set but sent to the DNS port: the ports say query (QR decides only between two DNS ports) */
	send_queries(port, 100, 1);
	(void)count_recv(fd);
	ksample_stats(k, &st);
	is(kept_udp4(&st, 1) + drop_udp4(&st, 1), 0u, "to the DNS port is a query whatever the QR bit (ports decide)");

	/* counters datagram */
	memset(&c, 0, sizeof c);
	ksample_counters(k, &c);
	ok(c.value[C_KS_STATE] == 1 && c.value[C_KS_N] == 4 && c.value[C_KS_DROP] == drop_udp4(&st, 0) &&
	   c.value[C_KS_KEPT] == kept_udp4(&st, 0), "counters: ks_state 1, ks_n 4, ks_drop_q_udp_v4, ks_kept");

	/* weights: by capture time, the n in force then */
	ksample_set_n(k, 10, 5000);
	ok(ksample_weight(k, 4999) == 4 && ksample_weight(k, 5000) == 10, "weight: 4 before the change, 10 from it");

	/* adaptive: from the counts since the last call */
	ksample_set_n(k, 1, 6000);
	(void)ksample_adapt(k, 1000000, 7000, 100, 1, 1000, 1); /* baseline */
	send_queries(port, 1000, 0);
	(void)count_recv(fd);
	uint32_t n = ksample_adapt(k, 1500000, 8000, 100, 1, 1000, 1); /* 1000 in 0.5 s = 2000/s for 100/s */
	is(n, 20u, "adaptive: 2000 queries/s for a target of 100/s -> n = 20");
	n = ksample_adapt(k, 2500000, 9000, 100, 1, 1000, 1);
	is(n, 1u, "adaptive: nothing in the last second -> n = 1");
	n = ksample_adapt(k, 3500000, 9500, 100, 5, 1000, 1);
	is(n, 5u, "adaptive: min_n holds");

	ksample_free(k);
	close(fd);
	return done_testing();
}
