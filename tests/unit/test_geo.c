/* tests/unit/test_geo.c: country/ASN lookups against databases built by tests/tools/mkmmdb, and prefix truncation (TAP). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capd/geo.h"
#include "common/errors.h"
#include "tests/tap.h"

static char dir[] = "/tmp/test_geo.XXXXXX";
static char cpath[256], apath[256], bpath[256];

static int mk(const char *type, const char *out, const char *extra)
{
	char cmd[1024];
	const char *b = getenv("DNSA_BUILD");
	snprintf(cmd, sizeof cmd, "%s%stests/tools/mkmmdb -t %s -o %s %s", b ? b : "", b ? "/../" : "", type, out,
	    extra ? extra : "");
	return system(cmd);
}

static unsigned look(struct geo *g, const char *ip, char cc[3], uint32_t *asn)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, ip, a) == 1)
		return geo_lookup(g, a, 4, cc, asn);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return geo_lookup(g, a, 16, cc, asn);
	return 99;
}

int main(void)
{
	struct geo *g = NULL;
	const char *which = NULL;
	char cc[3];
	uint32_t asn;
	uint8_t out[16];

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(cpath, sizeof cpath, "%s/country.mmdb", dir);
	snprintf(apath, sizeof apath, "%s/asn.mmdb", dir);
	snprintf(bpath, sizeof bpath, "%s/bogus.mmdb", dir);
	is(mk("country", cpath, "127.0.0.0/8=XA ::1/128=XB 192.0.2.0/25=FR 2001:db8::/32=DE"), 0, "mkmmdb country");
	is(mk("asn", apath, NULL), 0, "mkmmdb asn (default set)");
	FILE *f = fopen(bpath, "w");
	fputs("this is not a maxmind database\n", f);
	fclose(f);

	is(geo_open(cpath, apath, &g, &which), E_OK, "open both databases");
	ok(g != NULL, "handle returned");
	is(geo_databases(g), GEO_COUNTRY | GEO_ASN, "geo_databases: both open");

	is(look(g, "127.0.0.1", cc, &asn), GEO_COUNTRY | GEO_ASN, "127.0.0.1 found in both");
	is_str(cc, "XA", "127.0.0.1 country");
	is(asn, 64496, "127.0.0.1 ASN");
	is(look(g, "::1", cc, &asn), GEO_COUNTRY | GEO_ASN, "::1 found in both");
	is_str(cc, "XB", "::1 country");
	is(asn, 64497, "::1 ASN");
	is(look(g, "192.0.2.10", cc, &asn), GEO_COUNTRY | GEO_ASN, "192.0.2.10 found");
	is_str(cc, "FR", "192.0.2.10 country");
	is(asn, 64498, "192.0.2.10 ASN");
	is(look(g, "192.0.2.200", cc, &asn), GEO_ASN, "192.0.2.200: ASN only (country net is /25)");
	is_str(cc, "", "192.0.2.200 no country");
	is(look(g, "2001:db8:1::7", cc, &asn), GEO_COUNTRY | GEO_ASN, "2001:db8:1::7 found");
	is_str(cc, "DE", "2001:db8:1::7 country");
	is(asn, 64499, "2001:db8:1::7 ASN");
	is(look(g, "10.1.2.3", cc, &asn), 0, "10.1.2.3 not found");
	is_str(cc, "", "10.1.2.3 no country");
	is(asn, 0, "10.1.2.3 no ASN");
	uint8_t a[16] = { 127, 0, 0, 1 };
	is(geo_lookup(g, a, 5, cc, &asn), 0, "bad address length finds nothing");
	is(geo_lookup(NULL, a, 4, cc, &asn), 0, "NULL geo finds nothing");

	/* the cache of recent addresses never returns another address's answer */
	{
		uint64_t h0, m0, h1, m1;
		int wrong = 0;
		geo_cache_stats(g, &h0, &m0);
		for (int round = 0; round < 3; round++) {
			for (unsigned i = 0; i < 3 * 4096; i++) {
				uint8_t b[4] = { 0, 0, 0, 0 };
				const char *want;
				if (i % 3 == 0) { b[0] = 127; b[1] = (uint8_t)(i >> 8); b[2] = (uint8_t)i; b[3] = 1; want = "XA"; }
				else if (i % 3 == 1) { b[0] = 192; b[1] = 0; b[2] = 2; b[3] = (uint8_t)(i % 256); want = b[3] < 128 ? "FR" : ""; }
				else { b[0] = 10; b[1] = (uint8_t)(i >> 8); b[2] = (uint8_t)i; want = ""; }
				geo_lookup(g, b, 4, cc, &asn);
				if (strcmp(cc, want) != 0)
					wrong++;
			}
		}
		geo_cache_stats(g, &h1, &m1);
		is(wrong, 0, "36,864 lookups over 12,288 addresses: every answer right");
		ok(h1 > h0 && m1 > m0, "the cache both hit (%llu) and missed (%llu)",
		    (unsigned long long)(h1 - h0), (unsigned long long)(m1 - m0));
		look(g, "192.0.2.10", cc, &asn);
		geo_cache_stats(g, &h0, &m0);
		look(g, "192.0.2.10", cc, &asn);
		geo_cache_stats(g, &h1, &m1);
		ok(h1 == h0 + 1 && m1 == m0 && !strcmp(cc, "FR") && asn == 64498, "a repeated address is a cache hit with the same answer");
	}
	geo_free(g);

	/* country only */
	is(geo_open(cpath, NULL, &g, NULL), E_OK, "open country only");
	is(geo_databases(g), GEO_COUNTRY, "geo_databases: country only");
	is(look(g, "127.0.0.1", cc, &asn), GEO_COUNTRY, "country only: no ASN");
	is(asn, 0, "asn 0 without ASN db");
	geo_free(g);
	is(geo_open("", "", &g, NULL), E_OK, "open with no databases");
	is(look(g, "127.0.0.1", cc, &asn), 0, "no databases: nothing found");
	is(geo_databases(g), 0, "geo_databases: none (the pipeline then looks nothing up)");
	is(geo_databases(NULL), 0, "geo_databases(NULL): none");
	geo_free(g);

	/* failures name the file */
	g = (struct geo *)1;
	which = NULL;
	is(geo_open(cpath, "/nonexistent/asn.mmdb", &g, &which), -ENOENT, "missing ASN db: -ENOENT");
	ok(g == NULL, "no handle on failure");
	is_str(which, "/nonexistent/asn.mmdb", "failing path reported");
	is(geo_open(bpath, NULL, &g, &which), E_MALFORMED, "not a MaxMind db: E_MALFORMED");
	is_str(which, bpath, "failing path reported");
	is(geo_open(NULL, NULL, NULL, NULL), E_INVAL, "NULL out: E_INVAL");
	geo_free(NULL);

	/* prefixes */
	uint8_t v4[4] = { 192, 0, 2, 77 };
	geo_prefix(v4, 4, 24, out);
	is(out[0] == 192 && out[1] == 0 && out[2] == 2 && out[3] == 0, 1, "192.0.2.77/24 -> 192.0.2.0");
	geo_prefix(v4, 4, 20, out);
	is(out[2], 0, "192.0.2.77/20 third byte masked");
	geo_prefix(v4, 4, 99, out);
	is(out[3], 77, "bits clamped to 32");
	uint8_t v6[16];
	inet_pton(AF_INET6, "2001:db8:abcd:1234::1", v6);
	geo_prefix(v6, 16, 48, out);
	char s[64];
	inet_ntop(AF_INET6, out, s, sizeof s);
	is_str(s, "2001:db8:abcd::", "/48 of 2001:db8:abcd:1234::1");
	geo_prefix(v6, 16, 0, out);
	inet_ntop(AF_INET6, out, s, sizeof s);
	is_str(s, "::", "/0 is all zero");

	unlink(cpath);
	unlink(apath);
	unlink(bpath);
	rmdir(dir);
	return done_testing();
}
