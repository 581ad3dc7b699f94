/* rollup/dims.c: the series dimensions, how a record maps to a value in each, and the SQL labels. */
#include <stdio.h>
#include <string.h>

#include "common/record.h"
#include "rollup/dims.h"

static const char *const dim_names[DIM_MAX] = {
	"total", "qtype", "rcode", "opcode", "transport", "ipver", "edns", "do", "rsize",
	"country", "asn"
};

const char *dims_name(unsigned dim)
{
	return dim < DIM_MAX ? dim_names[dim] : NULL;
}

unsigned dims_lat_bucket(uint32_t us)
{
	if (us < 8)
		return us;
	unsigned e = 31u - (unsigned)__builtin_clz(us);
	return 4u * (e - 1u) + ((us >> (e - 2u)) & 3u);
}

uint64_t dims_lat_lo(unsigned b)
{
	if (b >= DIMS_LAT_BUCKETS)
		return UINT64_MAX;
	if (b < 8)
		return b;
	unsigned e = b / 4u + 1u;
	return (1ull << e) + ((uint64_t)(b % 4u) << (e - 2u));
}

uint64_t dims_lat_hi(unsigned b)
{
	if (b >= DIMS_LAT_BUCKETS)
		return UINT64_MAX;
	return b < 8 ? b + 1u : dims_lat_lo(b) + (1ull << (b / 4u - 1u));
}

double dims_lat_percentile(const uint64_t *n, unsigned nb, double q)
{
	uint64_t total = 0;
	if (!n || !(q > 0 && q <= 1))
		return -1;
	if (nb > DIMS_LAT_BUCKETS)
		nb = DIMS_LAT_BUCKETS;
	for (unsigned b = 0; b < nb; b++)
		total += n[b];
	if (!total)
		return -1;
	double target = q * (double)total, below = 0;
	for (unsigned b = 0; b < nb; b++) {
		if (n[b] && below + (double)n[b] >= target) {
			double lo = (double)dims_lat_lo(b), hi = (double)dims_lat_hi(b);
			return lo + (target - below) / (double)n[b] * (hi - lo);
		}
		below += (double)n[b];
	}
	return (double)dims_lat_hi(nb - 1);
}

static const char *const akind_names[AK_MAX] = {
	"", "answer", "referral", "nodata", "nxdomain", "refused", "other"
};

/*
 * Bands chosen at the sizes that matter for DNS: 512 (the classic UDP limit),
 * 1232 (the DNS flag day EDNS buffer), 1472 (a full Ethernet frame), 4096.
 */
static const uint32_t rsize_upper[DIMS_RSIZE_BANDS - 1] = {
	128, 256, 512, 768, 1024, 1232, 1472, 2048, 4096
};
static const char *const rsize_names[DIMS_RSIZE_BANDS] = {
	"0-127", "128-255", "256-511", "512-767", "768-1023", "1024-1231", "1232-1471",
	"1472-2047", "2048-4095", "4096+"
};

unsigned dims_rsize_band(uint32_t rsize)
{
	unsigned i = 0;
	while (i < DIMS_RSIZE_BANDS - 1 && rsize >= rsize_upper[i])
		i++;
	return i;
}

struct num_name {
	uint16_t num;
	const char *name;
};

/* the types an authoritative server sees in practice; others print as TYPEnnn (RFC 3597) */
static const struct num_name qtypes[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" }, { 13, "HINFO" },
	{ 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" }, { 24, "SIG" }, { 25, "KEY" },
	{ 28, "AAAA" }, { 29, "LOC" }, { 33, "SRV" }, { 35, "NAPTR" }, { 36, "KX" },
	{ 37, "CERT" }, { 39, "DNAME" }, { 41, "OPT" }, { 42, "APL" }, { 43, "DS" },
	{ 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" },
	{ 49, "DHCID" }, { 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" },
	{ 55, "HIP" }, { 59, "CDS" }, { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
	{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" }, { 108, "EUI48" },
	{ 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" }, { 251, "IXFR" }, { 252, "AXFR" },
	{ 255, "ANY" }, { 256, "URI" }, { 257, "CAA" }, { 0, NULL }
};

static const char *const rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
	"YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI", NULL, NULL, NULL, NULL,
	"BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE"
};

static const char *const opcodes[] = {
	"QUERY", "IQUERY", "STATUS", NULL, "NOTIFY", "UPDATE", "DSO"
};

static const char *const transports[TR_MAX] = {
	"unknown", "udp", "tcp", "dot", "doh", "doq", "dnscrypt-udp", "dnscrypt-tcp"
};

static size_t put(char *buf, size_t cap, const char *s)
{
	int n = snprintf(buf, cap, "%s", s);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static size_t putf(char *buf, size_t cap, const char *prefix, uint32_t v)
{
	int n = snprintf(buf, cap, "%s%u", prefix, v);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

size_t dims_label(unsigned dim, uint32_t val, char *buf, size_t cap)
{
	if (cap == 0)
		return 0;
	switch (dim) {
	case DIM_TOTAL:
		buf[0] = '\0';
		return 0;
	case DIM_QTYPE:
		if (val == DIMS_NONE)
			return put(buf, cap, "none");
		for (const struct num_name *q = qtypes; q->name; q++)
			if (q->num == val)
				return put(buf, cap, q->name);
		return putf(buf, cap, "TYPE", val);
	case DIM_RCODE:
		if (val < sizeof rcodes / sizeof rcodes[0] && rcodes[val])
			return put(buf, cap, rcodes[val]);
		return putf(buf, cap, "RCODE", val);
	case DIM_OPCODE:
		if (val < sizeof opcodes / sizeof opcodes[0] && opcodes[val])
			return put(buf, cap, opcodes[val]);
		return putf(buf, cap, "OPCODE", val);
	case DIM_TRANSPORT:
		return put(buf, cap, val < TR_MAX ? transports[val] : "unknown");
	case DIM_IPVER:
		return val == 4 || val == 6 ? putf(buf, cap, "", val) : put(buf, cap, "unknown");
	case DIM_EDNS:
		return val == DIMS_NONE ? put(buf, cap, "none") : putf(buf, cap, "v", val);
	case DIM_DO:
		return put(buf, cap, val ? "1" : "0");
	case DIM_RSIZE:
		return put(buf, cap, val < DIMS_RSIZE_BANDS ? rsize_names[val] : "unknown");
	case DIM_COUNTRY: {
		char c[3] = { (char)(val >> 8), (char)(val & 0xff), '\0' };
		int okc = (c[0] >= 'A' && c[0] <= 'Z') && (c[1] >= 'A' && c[1] <= 'Z');
		return put(buf, cap, okc ? c : "--");
	}
	case DIM_ASN:
		return val == DIMS_NONE ? put(buf, cap, "other") : putf(buf, cap, "", val);
	case DIM_AKIND:
		return put(buf, cap, val < AK_MAX ? akind_names[val] : "other");
	case DIM_LATENCY:
	case DIM_RTT:
		return putf(buf, cap, "", val);
	case DIM_LATENCY_CC:
	case DIM_RTT_CC:
		/* the country part; the bucket is val & 0xff */
		return dims_label(DIM_COUNTRY, val >> 8, buf, cap);
	default:
		buf[0] = '\0';
		return 0;
	}
}

size_t dims_sanitize(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p > 0x20 && *p < 0x7f) {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)*p;
		} else {
			if (o + 4 >= cap)
				break;
			snprintf(out + o, 5, "\\%03u", *p);
			o += 4;
		}
	}
	out[o] = '\0';
	return o;
}
