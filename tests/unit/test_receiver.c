/* tests/unit/test_receiver.c: aggd/receiver on real loopback UDP (IPv4 and IPv6): batches, truncation, peers, limits. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aggd/receiver.h"
#include "common/errors.h"
#include "tests/tap.h"

/* a UDP port free on 127.0.0.1 and ::1 right now (0 if none found) */
static unsigned free_port(void)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		socklen_t l = sizeof a4;
		int s4 = socket(AF_INET, SOCK_DGRAM, 0), s6 = socket(AF_INET6, SOCK_DGRAM, 0);
		unsigned port = 0;
		if (s4 >= 0 && s6 >= 0 && bind(s4, (struct sockaddr *)&a4, sizeof a4) == 0 &&
		    getsockname(s4, (struct sockaddr *)&a4, &l) == 0) {
			a6.sin6_port = a4.sin_port;
			if (bind(s6, (struct sockaddr *)&a6, sizeof a6) == 0)
				port = ntohs(a4.sin_port);
		}
		if (s4 >= 0)
			close(s4);
		if (s6 >= 0)
			close(s6);
		if (port)
			return port;
	}
	return 0;
}

/* a client socket of family fam, bound to an ephemeral loopback port; *port is that port */
static int client(int fam, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof ss;
	int s = socket(fam, SOCK_DGRAM, 0);
	memset(&ss, 0, sizeof ss);
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		l = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		l = sizeof *a;
	}
	if (s < 0 || bind(s, (struct sockaddr *)&ss, l) != 0)
		return -1;
	l = sizeof ss;
	getsockname(s, (struct sockaddr *)&ss, &l);
	*port = fam == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port) : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return s;
}

static int send_to(int s, int fam, unsigned port, const uint8_t *p, size_t len)
{
	if (fam == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		return (int)sendto(s, p, len, 0, (struct sockaddr *)&a, sizeof a);
	}
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
		.sin6_addr = IN6ADDR_LOOPBACK_INIT };
	return (int)sendto(s, p, len, 0, (struct sockaddr *)&a, sizeof a);
}

/* wait (up to 2 s) until socket i of r is readable */
static int readable(const struct receiver *r, size_t i)
{
	struct pollfd p = { .fd = receiver_fd(r, i), .events = POLLIN };
	return poll(&p, 1, 2000) == 1;
}

/* datagram j of the last batch equals pattern(len, tag) */
static void fill(uint8_t *p, size_t len, uint8_t tag)
{
	for (size_t k = 0; k < len; k++)
		p[k] = (uint8_t)(tag + k * 7);
}

int main(void)
{
	uint8_t out[2000], want[2000];
	char addr[64], peer[80], exp[80];
	size_t len;
	int got = 0;

	struct receiver *none = NULL;
	ok(receiver_new(0, 512, &none) == E_INVAL && none == NULL, "receiver_new with vlen 0: E_INVAL, NULL");
	ok(receiver_new(8, 0, &none) == E_INVAL && none == NULL, "receiver_new with bufsize 0: E_INVAL, NULL");
	receiver_free(NULL);

	struct receiver *r;
	receiver_new(4, 512, &r);
	ok(r != NULL, "receiver_new(4, 512)");
	is(receiver_nsocks(r), 0, "no socket yet");

	/* addresses the listener refuses (checked where they enter) */
	is(receiver_listen(r, "nonsense", 0, &got), E_INVAL, "no port: E_INVAL");
	is(receiver_listen(r, "127.0.0.1:0", 0, &got), E_INVAL, "port 0: E_INVAL");
	is(receiver_listen(r, "127.0.0.1:65536", 0, &got), E_INVAL, "port 65536: E_INVAL");
	is(receiver_listen(r, "127.0.0.1:53x", 0, &got), E_INVAL, "trailing garbage after the port: E_INVAL");
	is(receiver_listen(r, "[::1]5300", 0, &got), E_INVAL, "[v6] without ':': E_INVAL");
	is(receiver_listen(r, "300.1.1.1:5300", 0, &got), E_INVAL, "not an IPv4 address: E_INVAL");
	is(receiver_nsocks(r), 0, "refused addresses open no socket");

	unsigned port = free_port();
	ok(port > 0, "a free loopback port (%u)", port);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
	is(receiver_listen(r, addr, 1 << 20, &got), E_OK, "listen on %s", addr);
	ok(got > 0, "the kernel granted a receive buffer (%d bytes)", got);
	snprintf(addr, sizeof addr, "[::1]:%u", port);
	is(receiver_listen(r, addr, 0, &got), E_OK, "listen on %s (IPv6-only socket beside the IPv4 one)", addr);
	is(receiver_nsocks(r), 2, "two sockets");
	ok(receiver_fd(r, 0) >= 0 && receiver_fd(r, 1) >= 0 && receiver_fd(r, 0) != receiver_fd(r, 1), "two distinct fds");
	is(receiver_listen(r, addr, 0, &got) < 0, 1, "the same address twice: an error (-EADDRINUSE)");

	/* nothing waiting: 0 at once, no block */
	is(receiver_recv(r, 0), 0, "nothing waiting: receiver_recv returns 0");

	/* 6 IPv4 datagrams, vlen 4: batches of 4 and 2, each byte as sent */
	unsigned cport4 = 0, cport6 = 0;
	int c4 = client(AF_INET, &cport4), c6 = client(AF_INET6, &cport6);
	ok(c4 >= 0 && c6 >= 0, "client sockets on 127.0.0.1:%u and [::1]:%u", cport4, cport6);
	for (unsigned i = 0; i < 6; i++) {
		fill(want, 100 + i * 50, (uint8_t)i);
		send_to(c4, AF_INET, port, want, 100 + i * 50);
	}
	ok(readable(r, 0), "the IPv4 socket becomes readable");
	usleep(50000); /* let all 6 arrive on loopback */
	int n = receiver_recv(r, 0);
	is(n, 4, "first batch: vlen (4) datagrams");
	{
		int same = 1;
		for (unsigned j = 0; j < 4; j++) {
			const uint8_t *d = receiver_dgram(r, j, &len);
			fill(want, 100 + j * 50, (uint8_t)j);
			same &= len == 100 + j * 50 && memcmp(d, want, len) == 0;
		}
		ok(same, "each datagram of the batch has its length and bytes, in order");
	}
	receiver_peer(r, 0, peer, sizeof peer);
	snprintf(exp, sizeof exp, "127.0.0.1:%u", cport4);
	is_str(peer, exp, "peer of an IPv4 datagram: addr:port");
	is(receiver_recv(r, 0), 2, "second batch: the remaining 2");
	receiver_dgram(r, 1, &len);
	is(len, 350, "the 6th datagram is 350 bytes");
	is(receiver_recv(r, 0), 0, "then nothing");

	/* IPv6, and a datagram longer than bufsize: its wire length shows, so the caller can refuse it */
	fill(want, 1200, 9);
	send_to(c6, AF_INET6, port, want, 1200);
	fill(want, 64, 3);
	send_to(c6, AF_INET6, port, want, 64);
	ok(readable(r, 1), "the IPv6 socket becomes readable");
	usleep(50000);
	is(receiver_recv(r, 1), 2, "2 IPv6 datagrams");
	const uint8_t *d = receiver_dgram(r, 0, &len);
	is(len, 1200, "a 1200-byte datagram into a 512-byte buffer reports 1200 (truncated)");
	fill(out, 512, 9);
	ok(memcmp(d, out, 512) == 0, "and its first 512 bytes are there");
	d = receiver_dgram(r, 1, &len);
	fill(want, 64, 3);
	ok(len == 64 && memcmp(d, want, 64) == 0, "the next datagram is intact (64 bytes)");
	receiver_peer(r, 1, peer, sizeof peer);
	snprintf(exp, sizeof exp, "[::1]:%u", cport6);
	is_str(peer, exp, "peer of an IPv6 datagram: [addr]:port");
	is(receiver_recv(r, 0), 0, "the IPv4 socket saw none of them");

	/* at most RECEIVER_MAX_SOCKS sockets */
	{
		int okk = 1, rc;
		for (unsigned i = 2; i < RECEIVER_MAX_SOCKS; i++) {
			snprintf(addr, sizeof addr, "127.0.0.%u:%u", i, port);
			okk &= receiver_listen(r, addr, 0, &got) == E_OK;
		}
		ok(okk, "listen on 127.0.0.2..%u (16 sockets in all)", RECEIVER_MAX_SOCKS - 1);
		is(receiver_nsocks(r), RECEIVER_MAX_SOCKS, "%d sockets", RECEIVER_MAX_SOCKS);
		snprintf(addr, sizeof addr, "127.0.0.%u:%u", RECEIVER_MAX_SOCKS, port);
		rc = receiver_listen(r, addr, 0, &got);
		is(rc, E_TOOBIG, "one more: E_TOOBIG");
		is(receiver_nsocks(r), RECEIVER_MAX_SOCKS, "still %d sockets", RECEIVER_MAX_SOCKS);
	}
	{
		/* a "*:port" (IPv4 any) listener on another receiver */
		struct receiver *r2;
		receiver_new(1, 64, &r2);
		unsigned p2 = free_port(), cp = 0;
		int c;
		snprintf(addr, sizeof addr, "*:%u", p2);
		is(receiver_listen(r2, addr, 0, &got), E_OK, "listen on *:port");
		c = client(AF_INET, &cp);
		fill(want, 10, 1);
		send_to(c, AF_INET, p2, want, 10);
		ok(readable(r2, 0) && receiver_recv(r2, 0) == 1, "*:port receives from 127.0.0.1");
		close(c);
		receiver_free(r2);
	}

	close(c4);
	close(c6);
	receiver_free(r);
	return done_testing();
}
