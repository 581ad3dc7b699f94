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
	DIM_MAX
};

/* value codes that are not a plain number of the dimension */
#define DIMS_NONE 0xffffffffu   /* qtype: no question; edns: none; ipver/transport: unknown */

/* response size bands: upper bounds (exclusive) of each band; the last is open */
#define DIMS_RSIZE_BANDS 10
#define DIMS_RSIZE_UNKNOWN 0xffu

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
