/* capd/ipfrag.h: bounded IPv4/IPv6 fragment reassembly for captured packets. */
#ifndef DNSA_CAPD_IPFRAG_H
#define DNSA_CAPD_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Why reassemble: large DNSSEC responses over UDP (DNSKEY, ANY, big
 * referrals with EDNS 4096) arrive as fragments; skipping them would bias
 * response counts towards small answers.
 *
 * Memory is allocated once by ipfrag_new: max_datagrams slots, each with a
 * max_size buffer and a bitmap of 8-byte units, so the ceiling is
 * ipfrag_memory(conf) bytes (defaults: 32 slots x (65535 + 1 KiB) ~= 2.1 MiB),
 * whatever the traffic. No allocation afterwards.
 *
 * Policy: a datagram is keyed by (family, src, dst, id, and protocol for
 * IPv4). Exact duplicate fragments are ignored; partially overlapping ones
 * drop the whole datagram (RFC 5722 for IPv6; same rule for IPv4, since
 * overlaps are an evasion trick, not something a nameserver sends). A
 * source may hold max_per_source slots at once; when the table is full the
 * oldest datagram is evicted; datagrams older than timeout_us expire. Every
 * drop is counted.
 */

struct ipfrag_conf {
	uint32_t max_datagrams;  /* slots (datagrams in reassembly at once); 0 = 32 */
	uint32_t max_per_source; /* slots one source address may hold; 0 = 8 */
	uint32_t max_size;       /* largest reassembled payload in bytes (<= 65535); 0 = 65535 */
	uint64_t timeout_us;     /* a datagram incomplete this long is dropped; 0 = 5 s */
};

/* One fragment, as pktdecode saw it. Addresses are 4 or 16 bytes by family. */
struct ipfrag_frag {
	uint8_t family;        /* 4 or 6 */
	uint8_t proto;         /* IPv4 protocol / IPv6 fragment header next header */
	const uint8_t *src;
	const uint8_t *dst;
	uint32_t id;           /* IPv4 identification (16 bits) or IPv6 id */
	uint32_t offset;       /* byte offset in the datagram payload (multiple of 8) */
	int more;              /* more fragments follow */
	const uint8_t *data;
	size_t len;
	uint64_t ts_us;        /* capture time */
};

struct ipfrag_stats {
	uint64_t fragments;    /* fragments offered */
	uint64_t reassembled;  /* datagrams completed */
	uint64_t duplicates;   /* exact duplicate fragments ignored */
	uint64_t overlaps;     /* datagrams dropped for overlapping fragments */
	uint64_t too_big;      /* fragments beyond max_size or malformed (odd length before the end) */
	uint64_t timeouts;     /* datagrams expired incomplete */
	uint64_t evicted;      /* datagrams evicted because the table was full */
	uint64_t source_limit; /* fragments refused: their source holds max_per_source slots */
	uint64_t active;       /* gauge: datagrams in reassembly now */
};

struct ipfrag;

/* ipfrag_new: allocate the whole table; E_OK with *out set, or E_NOMEM with *out NULL. conf may be NULL (defaults). */
int ipfrag_new(const struct ipfrag_conf *conf, struct ipfrag **out);
void ipfrag_free(struct ipfrag *f);

/* ipfrag_memory: bytes ipfrag_new allocates for conf (the ceiling). Cannot fail. */
size_t ipfrag_memory(const struct ipfrag_conf *conf);

/*
 * ipfrag_add: offer one fragment. Returns 1 when it completes a datagram:
 * *out and *out_len then hold the reassembled payload (transport header first),
 * valid until the next ipfrag_* call. Returns 0 when the datagram is still
 * incomplete (or the fragment was an ignored duplicate), E_TOOBIG,
 * E_MALFORMED (overlap or misaligned fragment), E_SPACE (per-source limit);
 * each drop is counted in the stats.
 */
int ipfrag_add(struct ipfrag *f, const struct ipfrag_frag *frag, const uint8_t **out, size_t *out_len);

/* ipfrag_expire: drop datagrams older than the timeout at now_us. Cannot fail. */
void ipfrag_expire(struct ipfrag *f, uint64_t now_us);

/* ipfrag_stats: copy the counters. Cannot fail. */
void ipfrag_stats(const struct ipfrag *f, struct ipfrag_stats *st);

#endif
