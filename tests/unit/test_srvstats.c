/* tests/unit/test_srvstats.c: the nameserver statistics reader against output captured from real Knot 3.2 and NSD 4.6. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capd/srvstats.h"
#include "capd/zones.h"
#include "common/errors.h"
#include "common/record.h"
#include "tests/tap.h"

/* captured by hand from knotc / nsd-control, see tests/data/srvstats/README (tests run from the top of the tree) */
#define DATA "tests/data/srvstats/"

static char *slurp(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, DATA "%s", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag("cannot open %s", path);
		*len = 0;
		return calloc(1, 1);
	}
	static char buf[1 << 16];
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	char *p = malloc(*len + 1);
	memcpy(p, buf, *len);
	p[*len] = '\0';
	return p;
}

/* feed a file in small uneven pieces, as a pipe would deliver it */
static void feed_file(struct srvstats *s, unsigned step, const char *name)
{
	size_t len, off = 0, piece = 7;
	char *t = slurp(name, &len);
	while (off < len) {
		size_t n = len - off < piece ? len - off : piece;
		srvstats_feed(s, step, t + off, n);
		off += n;
		piece = piece * 3 % 61 + 1;
	}
	free(t);
}

static uint64_t val(const struct dnsa_counters *c, unsigned id)
{
	return counters_has(c, id) ? c->value[id] : UINT64_MAX;
}

static const struct dnsa_zone_total *find(const struct dnsa_zone_total *z, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(z[i].zone, name))
			return &z[i];
	return NULL;
}

static uint64_t zv(const struct dnsa_zone_total *z, unsigned id)
{
	return z && (z->set >> (id - C_SRV_FIRST) & 1) ? z->value[id - C_SRV_FIRST] : UINT64_MAX;
}

static void test_knot(void)
{
	struct srvstats_conf c = { .kind = SRV_KNOT, .timeout_ms = 1000, .zones = 1, .zones_max = 10 };
	struct srvstats *s;
	struct dnsa_counters k;
	size_t n;
	is(srvstats_new(&c, &s), E_OK, "knot reader made");

	/* reading 1 is the baseline: 10 queries (9 udp4 + 1 tcp4) before capd looked */
	feed_file(s, 0, "knot-stats-1.txt");
	feed_file(s, 1, "knot-zone-stats-1.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "knot reading 1 taken in");
	memset(&k, 0, sizeof k);
	/* capd had seen 1000 queries and 990 responses before the server's baseline (traffic before capd's
	 * first reading): they must not count as dnstap deliveries beside the server's totals */
	counters_set(&k, C_MSG_BY_TYPE + MT_AUTH_QUERY - 1, 1000);
	counters_set(&k, C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1, 990);
	srvstats_counters(s, &k);
	ok(val(&k, C_SRV_QUERIES) == 0 && val(&k, C_SRV_RESPONSES) == 0, "the first reading is the baseline: zero");
	ok(val(&k, C_SRV_DNSTAP_QUERIES) == 0 && val(&k, C_SRV_DNSTAP_RESPONSES) == 0,
	    "capd's own counts beside it start at the same instant: zero, not 1000/990");
	is(val(&k, C_SRV_READS), 1, "one reading counted");
	const struct dnsa_zone_total *z = srvstats_zones(s, &n);
	is(n, 2, "both zones known after the baseline");
	ok(zv(find(z, n, "example.test"), C_SRV_QUERIES) == 0, "zone name without the trailing dot, total 0");

	/* between the readings: 3 x A www.example.test (udp), A nx.sample.test over TCP, AAAA nx2.sample.test */
	feed_file(s, 0, "knot-stats-2.txt");
	feed_file(s, 1, "knot-zone-stats-2.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "knot reading 2 taken in");
	memset(&k, 0, sizeof k);
	/* dnstap delivered 5 queries and 4 of the 5 responses since: one response lost inside the server */
	counters_set(&k, C_MSG_BY_TYPE + MT_AUTH_QUERY - 1, 1005);
	counters_set(&k, C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1, 994);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_DNSTAP_QUERIES), 5, "capd's queries since the baseline: 5");
	is(val(&k, C_SRV_DNSTAP_RESPONSES), 4, "capd's responses since the baseline: 4 (srv_responses - 4 = 1 lost)");
	memset(&k, 0, sizeof k);
	counters_set(&k, C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1, 995);   /* the late one arrives; no new reading */
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_DNSTAP_RESPONSES), 4, "without a new reading the dnstap side stays at the reading's instant");
	memset(&k, 0, sizeof k);
	counters_set(&k, C_MSG_BY_TYPE + MT_AUTH_QUERY - 1, 1005);
	counters_set(&k, C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1, 994);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_QUERIES), 5, "5 queries (request-protocol 15 - 10)");
	is(val(&k, C_SRV_RESPONSES), 5, "5 responses (response-code sum)");
	is(val(&k, C_SRV_UDP), 4, "4 over UDP");
	is(val(&k, C_SRV_TCP), 1, "1 over TCP");
	is(val(&k, C_SRV_IPV4), 5, "all over IPv4");
	is(val(&k, C_SRV_IPV6), 0, "none over IPv6");
	is(val(&k, C_SRV_NOERROR), 3, "3 NOERROR");
	is(val(&k, C_SRV_NXDOMAIN), 2, "2 NXDOMAIN");
	is(val(&k, C_SRV_REFUSED), 0, "REFUSED unchanged");
	is(val(&k, C_SRV_READ_ERRORS), 0, "no failed reading");
	z = srvstats_zones(s, &n);
	is(n, 2, "both zones changed");
	is(zv(find(z, n, "example.test"), C_SRV_QUERIES), 3, "example.test: 3 queries");
	is(zv(find(z, n, "example.test"), C_SRV_NOERROR), 3, "example.test: 3 NOERROR");
	is(zv(find(z, n, "sample.test"), C_SRV_QUERIES), 2, "sample.test: 2 queries");
	is(zv(find(z, n, "sample.test"), C_SRV_TCP), 1, "sample.test: 1 over TCP");
	is(zv(find(z, n, "sample.test"), C_SRV_NXDOMAIN), 2, "sample.test: 2 NXDOMAIN");
	srvstats_zones(s, &n);
	is(n, 0, "nothing changed since: no zone handed out");
	for (int i = 0; i < SRVSTATS_RESEND - 1; i++) {
		feed_file(s, 0, "knot-stats-2.txt");
		feed_file(s, 1, "knot-zone-stats-2.txt");
		srvstats_end(s, 1);
		srvstats_zones(s, &n);
		if (n)
			break;
	}
	is(n, 0, "unchanged zones are not sent for %d readings", SRVSTATS_RESEND - 1);
	feed_file(s, 0, "knot-stats-2.txt");
	feed_file(s, 1, "knot-zone-stats-2.txt");
	srvstats_end(s, 1);
	z = srvstats_zones(s, &n);
	ok(n == 2 && zv(find(z, n, "example.test"), C_SRV_QUERIES) == 3, "then every zone is sent again, same totals");

	/* the same reading again: nothing new; then reading 1 again = the server restarted */
	feed_file(s, 0, "knot-stats-2.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "an unchanged reading");
	feed_file(s, 0, "knot-stats-1.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "a reading after a restart");
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_RESTARTS), 1, "the restart is counted");
	is(val(&k, C_SRV_QUERIES), 15, "and what the server counted since the restart is added (5 + 10)");

	/* failures: knotc's error line, output without mod-stats, an overlong line */
	srvstats_feed(s, 0, "error: failed to connect to socket '/run/knot/knot.sock' (not exists)\n", 71);
	is(srvstats_end(s, 0), SRVSTATS_FAILED, "a failed knotc");
	ok(strstr(srvstats_error(s), "failed to connect") != NULL, "its error line is the reason: %s", srvstats_error(s));
	srvstats_feed(s, 0, "error: (not exists) mod-stats\n", 30);
	is(srvstats_end(s, 0), SRVSTATS_FAILED, "mod-stats not loaded (knotc stats mod-stats fails): failed");
	ok(strstr(srvstats_error(s), "mod-stats") != NULL, "and says why: %s", srvstats_error(s));
	char big[3000];
	memset(big, 'x', sizeof big);
	srvstats_feed(s, 0, big, sizeof big);
	feed_file(s, 0, "knot-stats-2.txt");
	is(srvstats_end(s, 1), SRVSTATS_FAILED, "an overlong line fails the reading");
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_READ_ERRORS), 3, "three failed readings counted");
	is(val(&k, C_SRV_QUERIES), 15, "a failed reading changes no total");
	/* hostile lines are ignored, not taken */
	const char *hostile = "mod-stats.request-protocol[udp4] = 99999999999999999999999\n"
	    "mod-stats.request-protocol[udp4] = -5\n[\x01zone.] mod-stats.response-code[NOERROR] = 4\n"
	    "mod-stats.request-protocol[udp4 = 3\n";
	srvstats_feed(s, 0, hostile, strlen(hostile));
	feed_file(s, 0, "knot-stats-1.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "a reading with hostile lines around the real ones");
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_QUERIES), 15, "the hostile lines added nothing");
	srvstats_free(s);

	/* Knot prints nothing for counters still at 0: an empty reading is a reading of zeros */
	is(srvstats_new(&c, &s), E_OK, "a fresh knot reader");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "an empty knotc output (no query yet) is a good reading");
	feed_file(s, 0, "knot-stats-1.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "then the first queries");
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	ok(val(&k, C_SRV_QUERIES) == 10 && val(&k, C_SRV_REFUSED) == 3 && val(&k, C_SRV_RESTARTS) == 0,
	    "all of them counted, against the zero baseline, no restart");
	srvstats_free(s);
}

static void test_nsd(void)
{
	struct srvstats_conf c = { .kind = SRV_NSD, .timeout_ms = 1000, .zones = 1, .zones_max = 1 };
	struct srvstats *s;
	struct dnsa_counters k;
	size_t n;
	is(srvstats_new(&c, &s), E_OK, "nsd reader made (room for one zone only)");
	feed_file(s, 0, "nsd-stats-1.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "nsd reading 1 (baseline)");
	/* between: 3 x A www.example.test udp4, A nx.sample.test tcp6, AAAA nx2.other (REFUSED) */
	feed_file(s, 0, "nsd-stats-2.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "nsd reading 2");
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_QUERIES), 5, "5 queries (num.queries 15 - 10)");
	is(val(&k, C_SRV_RESPONSES), 5, "5 responses (num.rcode.* sum)");
	is(val(&k, C_SRV_UDP), 4, "4 over UDP");
	is(val(&k, C_SRV_TCP), 1, "1 over TCP");
	is(val(&k, C_SRV_IPV6), 1, "1 over IPv6");
	is(val(&k, C_SRV_NOERROR), 3, "3 NOERROR");
	is(val(&k, C_SRV_NXDOMAIN), 1, "1 NXDOMAIN");
	is(val(&k, C_SRV_REFUSED), 1, "1 REFUSED");
	is(val(&k, C_SRV_DROPPED), 0, "none dropped");
	is(val(&k, C_SRV_ZONES_UNTRACKED), 2, "two readings had a zone past zones_max = 1");
	const struct dnsa_zone_total *z = srvstats_zones(s, &n);
	is(n, 1, "one zone tracked");
	ok(n == 1 && (zv(&z[0], C_SRV_QUERIES) == 3 || zv(&z[0], C_SRV_QUERIES) == 1),
	    "its total is its own (%s: %llu)", n ? z[0].zone : "-", (unsigned long long)(n ? zv(&z[0], C_SRV_QUERIES) : 0));
	srvstats_free(s);

	/* only the zones capd measures */
	c.zones_max = 10;
	zones_new(&c.measured);
	zones_add(c.measured, "Example.TEST.");
	is(srvstats_new(&c, &s), E_OK, "nsd reader for capd's zone example.test only");
	feed_file(s, 0, "nsd-stats-1.txt");
	srvstats_end(s, 1);
	feed_file(s, 0, "nsd-stats-2.txt");
	srvstats_end(s, 1);
	z = srvstats_zones(s, &n);
	ok(n == 1 && !strcmp(z[0].zone, "example.test") && zv(&z[0], C_SRV_QUERIES) == 3,
	    "sample.test, which capd does not measure, stays on the node");
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	ok(val(&k, C_SRV_QUERIES) == 5 && val(&k, C_SRV_ZONES_UNTRACKED) == 0, "node totals are whole; nothing untracked");
	srvstats_free(s);
	c.measured = NULL;

	is(srvstats_new(&c, &s), E_OK, "nsd reader with room");
	feed_file(s, 0, "nsd-stats-1.txt");
	srvstats_end(s, 1);
	feed_file(s, 0, "nsd-stats-2.txt");
	srvstats_end(s, 1);
	z = srvstats_zones(s, &n);
	is(n, 2, "two zones (zonestats \"%%s\")");
	is(zv(find(z, n, "example.test"), C_SRV_QUERIES), 3, "example.test: 3 queries");
	is(zv(find(z, n, "sample.test"), C_SRV_QUERIES), 1, "sample.test: 1 query");
	is(zv(find(z, n, "sample.test"), C_SRV_IPV6), 1, "sample.test: over IPv6");
	srvstats_free(s);
}

static void test_bind(void)
{
	struct srvstats_conf c = { .kind = SRV_BIND, .control = "127.0.0.1:8053", .timeout_ms = 1000, .zones = 1,
		.zones_max = 10 };
	struct srvstats *s;
	struct dnsa_counters k;
	size_t n;
	is(srvstats_new(&c, &s), E_OK, "bind reader made");
	feed_file(s, 0, "bind-server-1.http");
	feed_file(s, 1, "bind-zones-1.http");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "bind reading 1 (baseline): %s", srvstats_error(s));
	/* between: 3 x A www.example.test udp4, A nx.sample.test tcp4, AAAA nx2.sample.test udp6, A x.other (REFUSED) */
	feed_file(s, 0, "bind-server-2.http");
	feed_file(s, 1, "bind-zones-2.http");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "bind reading 2: %s", srvstats_error(s));
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_QUERIES), 6, "6 queries (Requestv4 + Requestv6)");
	is(val(&k, C_SRV_RESPONSES), 6, "6 responses (rcodes sum)");
	is(val(&k, C_SRV_TCP), 1, "1 over TCP (ReqTCP)");
	is(val(&k, C_SRV_UDP), 5, "5 over UDP");
	is(val(&k, C_SRV_IPV6), 1, "1 over IPv6");
	is(val(&k, C_SRV_NOERROR), 3, "3 NOERROR");
	is(val(&k, C_SRV_NXDOMAIN), 2, "2 NXDOMAIN");
	is(val(&k, C_SRV_REFUSED), 1, "1 REFUSED");
	const struct dnsa_zone_total *z = srvstats_zones(s, &n);
	is(n, 2, "two IN zones (the _bind view's CH zones are not)");
	is(zv(find(z, n, "example.test"), C_SRV_QUERIES), 3, "example.test: 3 queries (QryUDP + QryTCP)");
	is(zv(find(z, n, "example.test"), C_SRV_NOERROR), 3, "example.test: 3 NOERROR (QrySuccess)");
	is(zv(find(z, n, "sample.test"), C_SRV_QUERIES), 2, "sample.test: 2 queries");
	is(zv(find(z, n, "sample.test"), C_SRV_TCP), 1, "sample.test: 1 over TCP");
	is(zv(find(z, n, "sample.test"), C_SRV_NXDOMAIN), 2, "sample.test: 2 NXDOMAIN");
	is(zv(find(z, n, "sample.test"), C_SRV_RESPONSES), 2, "sample.test: 2 responses");

	/* failures: not HTTP 200, not JSON, JSON without nsstats, cut in the middle */
	static const char *const bad[] = {
		"HTTP/1.0 404 Not Found\r\n\r\n{}",
		"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>",
		"HTTP/1.0 200 OK\r\n\r\n{\"rcodes\": {\"NOERROR\": 5}}",   /* not BIND's: no json-stats-version */
		"HTTP/1.0 200 OK\r\n\r\n{\"nsstats\": {\"Requestv4\": 5}, \"rcodes\": {\"NOERR",
		"",
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		srvstats_feed(s, 0, bad[i], strlen(bad[i]));
		is(srvstats_end(s, 1), SRVSTATS_FAILED, "bad answer %u fails: %s", i, srvstats_error(s));
	}
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	ok(val(&k, C_SRV_READ_ERRORS) == 5 && val(&k, C_SRV_QUERIES) == 6, "counted, totals untouched");
	/* hostile values: negative, strings, huge: ignored */
	const char *odd = "HTTP/1.0 200 OK\r\n\r\n{\"json-stats-version\": \"1.7\", \"nsstats\": {\"Requestv4\": -7, \"Requestv6\": \"x\", \"ReqTCP\": 1e99},"
	    " \"rcodes\": {\"NOERROR\": 16, \"NXDOMAIN\": [1], \"REFUSED\": null}}";
	srvstats_feed(s, 0, odd, strlen(odd));
	is(srvstats_end(s, 1), SRVSTATS_DONE, "odd but well-formed values: a reading");
	srvstats_free(s);

	/* a BIND that has answered nothing yet leaves out nsstats and rcodes: a reading of zeros */
	is(srvstats_new(&c, &s), E_OK, "a fresh bind reader");
	const char *zero = "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n{\"json-stats-version\":\"1.7\","
	    "\"opcodes\":{\"QUERY\":0},\"views\":{}}";
	srvstats_feed(s, 0, zero, strlen(zero));
	is(srvstats_end(s, 1), SRVSTATS_DONE, "BIND at zero: a good reading (the baseline)");
	feed_file(s, 0, "bind-server-1.http");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "then its first queries");
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	ok(val(&k, C_SRV_QUERIES) == 10 && val(&k, C_SRV_RESPONSES) == 10 && val(&k, C_SRV_RESTARTS) == 0,
	    "all counted against the zero baseline");
	srvstats_free(s);

	c.control = "localhost:8053";
	is(srvstats_new(&c, &s), E_INVAL, "bind needs a literal address");
	ok(srvstats_addr_ok("[::1]:8053") && srvstats_addr_ok("127.0.0.1:1") && !srvstats_addr_ok("127.0.0.1") &&
	    !srvstats_addr_ok("127.0.0.1:0") && !srvstats_addr_ok(NULL), "address syntax");

	/* the live path: a closed port fails the reading (connection refused), counted */
	c.control = "127.0.0.1:1";
	is(srvstats_new(&c, &s), E_OK, "bind reader for a closed port");
	is(srvstats_read(s), SRVSTATS_FAILED, "refused: %s", srvstats_error(s));
	srvstats_free(s);
}

static void test_unbound(void)
{
	struct srvstats_conf c = { .kind = SRV_UNBOUND, .timeout_ms = 1000, .zones = 1, .zones_max = 10 };
	struct srvstats *s;
	struct dnsa_counters k;
	size_t n;
	is(srvstats_new(&c, &s), E_OK, "unbound reader made");
	feed_file(s, 0, "unbound-stats-1.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "unbound reading 1 (baseline): %s", srvstats_error(s));
	/* between: 3 x A www.example.test udp4, A nx.sample.test tcp4, AAAA nx2.sample.test udp6, A x.other (REFUSED) */
	feed_file(s, 0, "unbound-stats-2.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "unbound reading 2: %s", srvstats_error(s));
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_QUERIES), 6, "6 queries (total.num.queries 15 - 9, not the thread0 lines too)");
	is(val(&k, C_SRV_RESPONSES), 6, "6 responses (num.answer.rcode.*)");
	is(val(&k, C_SRV_TCP), 1, "1 over TCP");
	is(val(&k, C_SRV_UDP), 5, "5 over UDP (what TCP leaves)");
	is(val(&k, C_SRV_IPV6), 1, "1 over IPv6");
	is(val(&k, C_SRV_IPV4), 5, "5 over IPv4");
	ok(val(&k, C_SRV_NOERROR) == 3 && val(&k, C_SRV_NXDOMAIN) == 2 && val(&k, C_SRV_REFUSED) == 1, "rcodes 3/2/1");
	srvstats_zones(s, &n);
	is(n, 0, "Unbound counts nothing per zone");
	srvstats_feed(s, 0, "num.answer.rcode.nodata=99\n", 27);
	feed_file(s, 0, "unbound-stats-2.txt");
	is(srvstats_end(s, 1), SRVSTATS_DONE, "a reading with a nodata line");
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	is(val(&k, C_SRV_RESPONSES), 6, "nodata (a part of NOERROR) is not counted again");
	srvstats_feed(s, 0, "total.num.queries=20\n", 21);
	is(srvstats_end(s, 1), SRVSTATS_FAILED, "no rcodes (extended-statistics off): failed");
	ok(strstr(srvstats_error(s), "extended-statistics") != NULL, "and says why: %s", srvstats_error(s));
	srvstats_free(s);
}

/* many zones: handed out at most SRVSTATS_ZONES_PER_CALL at a time, none forgotten */
static void test_many_zones(void)
{
	struct srvstats_conf c = { .kind = SRV_NSD, .timeout_ms = 1000, .zones = 1, .zones_max = 3000 };
	struct srvstats *s;
	size_t n, total = 0;
	is(srvstats_new(&c, &s), E_OK, "nsd reader for 3000 zones");
	char line[64];
	srvstats_feed(s, 0, "num.queries=2500\n", 17);
	for (int i = 0; i < 2500; i++) {
		int len = snprintf(line, sizeof line, "z%04d.test.num.queries=%d\n", i, i);
		srvstats_feed(s, 0, line, (size_t)len);
	}
	is(srvstats_end(s, 1), SRVSTATS_DONE, "a reading of 2500 zones");
	srvstats_zones(s, &n);
	is(n, SRVSTATS_ZONES_PER_CALL, "first call: %d zones", SRVSTATS_ZONES_PER_CALL);
	total += n;
	srvstats_zones(s, &n);
	is(n, 2500 - SRVSTATS_ZONES_PER_CALL, "second call: the rest");
	total += n;
	srvstats_zones(s, &n);
	ok(n == 0 && total == 2500, "then none: every zone handed out once");
	srvstats_free(s);
}

/* the child: a real program, its failure, its timeout */
static void test_spawn(void)
{
	struct srvstats_conf c = { .kind = SRV_KNOT, .program = "/nonexistent/knotc", .timeout_ms = 500,
		.zones_max = 10 };
	struct srvstats *s;
	is(srvstats_new(&c, &s), E_OK, "reader with a missing program");
	is(srvstats_read(s), SRVSTATS_FAILED, "a missing program: failed reading");
	ok(srvstats_error(s)[0] != '\0', "with a reason: %s", srvstats_error(s));
	srvstats_free(s);

	c.program = "knotc";
	c.control = "/nonexistent/knot.sock";
	is(srvstats_new(&c, &s), E_OK, "reader for a socket that does not exist");
	is(srvstats_read(s), SRVSTATS_FAILED, "knotc cannot connect: failed");
	ok(strstr(srvstats_error(s), "error") != NULL, "knotc's own message: %s", srvstats_error(s));
	struct dnsa_counters k;
	memset(&k, 0, sizeof k);
	srvstats_counters(s, &k);
	ok(k.value[C_SRV_READ_ERRORS] == 1 && !counters_has(&k, C_SRV_QUERIES),
	    "counted, and no server totals without a reading");
	srvstats_free(s);

	/* a program that never ends: killed at the timeout */
	c.program = DATA "hang.sh";
	c.control = NULL;
	c.timeout_ms = 300;
	is(srvstats_new(&c, &s), E_OK, "reader whose program hangs");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is(srvstats_read(s), SRVSTATS_FAILED, "a hanging program: failed reading");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(secs >= 0.29 && secs < 2, "killed at the timeout (%.2f s)", secs);
	ok(strstr(srvstats_error(s), "did not finish") != NULL, "the reason: %s", srvstats_error(s));
	srvstats_free(s);

	is(srvstats_new(NULL, &s), E_INVAL, "NULL conf");
	c.kind = SRV_NONE;
	zones_new(&c.measured);
	is(srvstats_new(&c, &s), E_INVAL, "kind none is not a reader (and its zone set is freed: LeakSanitizer)");
	c.measured = NULL;
	ok(srvstats_begin(NULL, 0) == E_INVAL && srvstats_poll(NULL, 0) == 0, "NULL reader: nothing");
	srvstats_counters(NULL, &k);
	size_t n = 9;
	ok(srvstats_zones(NULL, &n) == NULL && n == 0, "NULL reader has no zones");
	is(srvstats_kind_parse("knot"), SRV_KNOT, "kind knot");
	is(srvstats_kind_parse("nsd"), SRV_NSD, "kind nsd");
	is(srvstats_kind_parse("bind"), SRV_BIND, "kind bind");
	is(srvstats_kind_parse("unbound"), SRV_UNBOUND, "kind unbound");
	is(srvstats_kind_parse("pdns"), -1, "kind pdns: not known");
}

int main(void)
{
	test_knot();
	test_nsd();
	test_many_zones();
	test_bind();
	test_unbound();
	test_spawn();
	return done_testing();
}
