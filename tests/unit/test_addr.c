/* tests/unit/test_addr.c: the one ADDR:PORT parser and IP prefixes (configuration checks, sockets, the TCP allow-list). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/errors.h"
#include "tests/tap.h"

static void hostports(void)
{
	char host[64];
	uint16_t port = 1;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	ok(addr_split_hostport("192.0.2.1:5300", host, sizeof host, &port) == E_OK && !strcmp(host, "192.0.2.1") &&
	    port == 5300, "split ADDR:PORT");
	ok(addr_split_hostport("[2001:db8::1]:53", host, sizeof host, &port) == E_OK && !strcmp(host, "2001:db8::1") &&
	    port == 53, "split [V6]:PORT (brackets removed)");
	ok(addr_split_hostport("agg.example:6000", host, sizeof host, &port) == E_OK && !strcmp(host, "agg.example"),
	    "a host name splits (the sender resolves it)");
	ok(addr_split_hostport("127.0.0.1:0", host, sizeof host, &port) == E_OK && port == 0, "port 0 splits");
	const char *bad[] = { "", ":53", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:+53", "127.0.0.1: 53",
		"127.0.0.1:53x", "::1:53", "[::1]53", "[::1]", "[]:53", "[::1:53", "127.0.0.1:000053", NULL };
	int all = 1;
	for (int i = 0; bad[i]; i++)
		if (addr_split_hostport(bad[i], host, sizeof host, &port) != E_INVAL) {
			all = 0;
			diag("accepted '%s'", bad[i]);
		}
	ok(all, "malformed ADDR:PORT refused (no port, sign, blank, v6 without brackets, over 65535...)");
	ok(addr_split_hostport("very-long-host-name.example:53", host, 8, &port) == E_INVAL, "a host that does not fit");

	ok(addr_parse_hostport("192.0.2.1:5300", 0, &ss, &sl) == E_OK && ss.ss_family == AF_INET &&
	    sl == sizeof(struct sockaddr_in) && ntohs(((struct sockaddr_in *)&ss)->sin_port) == 5300, "parse IPv4");
	ok(addr_parse_hostport("[::1]:53", 0, &ss, &sl) == E_OK && ss.ss_family == AF_INET6 &&
	    sl == sizeof(struct sockaddr_in6), "parse IPv6");
	ok(addr_parse_hostport("agg.example:53", 0, &ss, &sl) == E_INVAL, "parse: names refused (numeric only)");
	ok(addr_parse_hostport("[192.0.2.1]:53", 0, &ss, &sl) == E_INVAL, "parse: IPv4 in brackets refused");
	ok(addr_parse_hostport("*:53", 0, &ss, &sl) == E_INVAL, "* without ADDR_WILDCARD refused");
	ok(addr_parse_hostport("*:53", ADDR_WILDCARD, &ss, &sl) == E_OK &&
	    ((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY), "*:53 with ADDR_WILDCARD: 0.0.0.0");
	ok(addr_parse_hostport("127.0.0.1:0", 0, &ss, &sl) == E_OK, "port 0 (any) for a listener");
	ok(addr_parse_hostport("127.0.0.1:0", ADDR_NOPORT0, &ss, &sl) == E_INVAL, "refused with ADDR_NOPORT0");
	ok(addr_parse_hostport(NULL, 0, &ss, &sl) == E_INVAL && addr_parse_hostport("1.2.3.4:5", 0, NULL, &sl) == E_INVAL &&
	    addr_split_hostport(NULL, host, sizeof host, &port) == E_INVAL, "NULL arguments");
}

static void prefixes(void)
{
	struct addr_prefix p;
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	ok(addr_parse_prefix("192.0.2.77/24", &p) == E_OK && p.family == 4 && p.len == 24 && p.addr[3] == 0,
	    "192.0.2.77/24: host bits cleared");
	inet_pton(AF_INET, "192.0.2.200", &v4.sin_addr);
	ok(addr_prefix_match(&p, (struct sockaddr *)&v4), "192.0.2.200 is in 192.0.2.0/24");
	inet_pton(AF_INET, "192.0.3.1", &v4.sin_addr);
	ok(!addr_prefix_match(&p, (struct sockaddr *)&v4), "192.0.3.1 is not");
	inet_pton(AF_INET6, "::ffff:192.0.2.9", &v6.sin6_addr);
	ok(addr_prefix_match(&p, (struct sockaddr *)&v6), "an IPv4-mapped IPv6 peer matches the IPv4 prefix");
	ok(addr_parse_prefix("2001:db8::1/33", &p) == E_OK && p.family == 6 && p.len == 33, "2001:db8::1/33");
	inet_pton(AF_INET6, "2001:db8:7fff::1", &v6.sin6_addr);
	ok(addr_prefix_match(&p, (struct sockaddr *)&v6), "2001:db8:7fff::1 is in 2001:db8::/33");
	inet_pton(AF_INET6, "2001:db8:8000::1", &v6.sin6_addr);
	ok(!addr_prefix_match(&p, (struct sockaddr *)&v6), "2001:db8:8000::1 is not (bit 33 differs)");
	ok(addr_parse_prefix("0.0.0.0/0", &p) == E_OK && addr_prefix_match(&p, (struct sockaddr *)&v4), "/0 matches all IPv4");
	ok(!addr_prefix_match(&p, (struct sockaddr *)&v6), "but no IPv6");
	const char *badp[] = { "", "1.2.3.4/", "1.2.3.4/33", "::1/129", "1.2.3.4/-1", "1.2.3.4/8x", "example.com",
		"[::1]", "1.2.3", "/8", NULL };
	int bad_ok = 1;
	for (int i = 0; badp[i]; i++)
		if (addr_parse_prefix(badp[i], &p) != E_INVAL) {
			bad_ok = 0;
			diag("accepted '%s'", badp[i]);
		}
	ok(bad_ok, "malformed prefixes are refused");
	ok(addr_parse_prefix(NULL, &p) == E_INVAL && addr_parse_prefix("::1", NULL) == E_INVAL &&
	    !addr_prefix_match(NULL, (struct sockaddr *)&v4) && !addr_prefix_match(&p, NULL), "NULL arguments");
}


int main(void)
{
	hostports();
	prefixes();
	return done_testing();
}
