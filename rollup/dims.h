/* rollup/dims.h: the series dimensions, how a record maps to a value in each, and the SQL labels. */
#ifndef DNSA_ROLLUP_DIMS_H
#define DNSA_ROLLUP_DIMS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Order and names match the `dim` ENUM of the series_* tables
 * (sql/mariadb/001_base.sql); never reorder, only append (with a migration).
 */
enum dims_dim {
	DIM_TOTAL = 0,   /* val "" */
	DIM_QTYPE,       /* "A", "AAAA", "TYPE65534", "none" (no question) */
	DIM_RCODE,       /* "NOERROR", "NXDOMAIN", "RCODE23"... (extended rcode) */
	DIM_OPCODE,      /* "QUERY", "NOTIFY", "OPCODE3"... */
	DIM_TRANSPORT,   /* "udp", "tcp", "dot", "doh", "doq", "dnscrypt-udp", "dnscrypt-tcp", "unknown" */
	DIM_IPVER,       /* "4", "6", "unknown" */
	DIM_EDNS,        /* "none", "v0", "v1"... */
	DIM_DO,          /* "1" DO bit set, "0" clear or no EDNS */
	DIM_RSIZE,       /* response size band "0-127" ... "4096+", "unknown" */
	DIM_COUNTRY,     /* ISO 3166 alpha-2 as sent, "--" unknown */
	DIM_ASN,         /* decimal AS number, "0" unknown, "other" past asn_max (hour and day series only) */
	DIM_MAX,
	/*
	 * Dimensions with tables of their own (sql/mariadb/009_answers_latency.sql),
	 * never written to series_*: answer_kind_* and latency_*. The *_CC ones are
	 * hour and day rows for all zones, per node and for all nodes, with
	 * val = country code << 8 | bucket (the country as DIM_COUNTRY codes it).
	 */
	DIM_AKIND = 16,  /* enum dnsa_akind 1..6: "answer", "referral", "nodata", "nxdomain", "refused", "other" */
	DIM_LATENCY,     /* latency bucket (dims_lat_bucket) of the response time */
	DIM_RTT,         /* latency bucket of the passive TCP handshake RTT */
	DIM_LATENCY_CC,  /* country x response time bucket */
	DIM_RTT_CC,      /* country x TCP RTT bucket */
	DIM_XMAX
};

/* value codes that are not a plain number of the dimension */
#define DIMS_NONE 0xffffffffu   /* qtype: no question; edns: none; ipver/transport: unknown */

/* response size bands: upper bounds (exclusive) of each band; the last is open */
#define DIMS_RSIZE_BANDS 10
#define DIMS_RSIZE_UNKNOWN 0xffu

/*
 * Latency histogram buckets, fixed and log-linear (like HdrHistogram with two
 * significant bits): values 0..7 us have a bucket each, then every power of
 * two [2^e, 2^(e+1)) is cut into 4 equal buckets of width 2^(e-2), so a
 * bucket is at most 25% of its lower bound wide. 124 buckets cover every
 * uint32 microsecond value. Bucket b holds [dims_lat_lo(b), dims_lat_hi(b)).
 * The same bounds are the rows of SQL table latency_bucket (009).
 */
#define DIMS_LAT_BUCKETS 124
unsigned dims_lat_bucket(uint32_t us);      /* cannot fail */
uint64_t dims_lat_lo(unsigned b);           /* b >= DIMS_LAT_BUCKETS: UINT64_MAX */
uint64_t dims_lat_hi(unsigned b);           /* exclusive; b >= DIMS_LAT_BUCKETS: UINT64_MAX */
/*
 * dims_lat_percentile: the q-quantile (0 < q <= 1) of histogram n[0..nb)
 * estimated as the SQL views do (latency_percentiles in 009): the bucket
 * where the cumulative count first reaches q * total, linearly interpolated
 * inside it: lo + (q * total - below) / n[b] * (hi - lo). Returns -1 for an
 * empty histogram or q out of range.
 */
double dims_lat_percentile(const uint64_t *n, unsigned nb, double q);

/* dims_name: the SQL ENUM name of dim ("total", "qtype"...), NULL if out of range. */
const char *dims_name(unsigned dim);

/* dims_rsize_band: band index 0..DIMS_RSIZE_BANDS-1 for a response size. Cannot fail. */
unsigned dims_rsize_band(uint32_t rsize);

/*
 * dims_label: write the SQL label of value `val` in dimension `dim` into
 * buf (cap >= 16 always suffices); returns its length. Cannot fail.
 */
size_t dims_label(unsigned dim, uint32_t val, char *buf, size_t cap);

/*
 * dims_sanitize: copy a DNS name in presentation form into out (cap bytes,
 * NUL-terminated), escaping any byte that is not printable ASCII as \DDD so
 * hostile names can never break an ASCII column; truncated to cap-1 bytes.
 * Returns the output length. Cannot fail.
 */
size_t dims_sanitize(const char *in, char *out, size_t cap);

#endif
