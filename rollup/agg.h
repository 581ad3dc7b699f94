/* rollup/agg.h: in-memory aggregation of decoded records into minute/hour/day series and top names. */
#ifndef DNSA_ROLLUP_AGG_H
#define DNSA_ROLLUP_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

/*
 * Two stages (the per-record cost is memory latency: two dense counter
 * blocks, five prefetched hash updates, two string interns; see agg.c):
 *  1. agg_add / agg_payload: each record adds its weight straight to its
 *     series: each dimension per zone and per node for its minute, the AS
 *     number and the zone x node total for its hour, and its (zone, hour,
 *     qname). agg_payload pipelines the records of a payload.
 *  2. agg_finish: minutes roll up into hours, hours into days, and the zone
 *     rows into all-zones rows.
 * Memory grows with distinct series and names, so the caller bounds it by
 * bounding the batch. Zones and nodes are run-local indexes; the series use
 * index + 1, with 0 meaning "all zones" / "all nodes".
 */

enum agg_gran { AGG_MINUTE = 0, AGG_HOUR, AGG_DAY, AGG_GRAN_MAX };

struct agg;

/* agg_new: E_OK with *out set, or E_NOMEM with *out NULL. */
int agg_new(struct agg **out);
void agg_free(struct agg *a);
/* agg_reset: forget everything (keeps memory for the next batch). Cannot fail. */
void agg_reset(struct agg *a);

/* agg_node: run-local index of a node name; E_NOMEM, or E_TOOBIG past 65535 nodes. */
int agg_node(struct agg *a, const char *node);

/*
 * agg_add: add one record seen from node index `node` (from agg_node);
 * a record without a time is placed at received_us. Weight 0 counts as 1.
 * Returns E_OK or E_NOMEM (the aggregate is then incomplete: discard it).
 */
int agg_add(struct agg *a, int node, uint64_t received_us, const struct dnsa_record *r);

/*
 * agg_payload: decode a RECORDS payload and agg_add every record. Returns the
 * record count, or the negative decode code with nothing added (the codec
 * validates a payload before it yields records), or E_NOMEM.
 */
int agg_payload(struct agg *a, int node, uint64_t received_us, const uint8_t *p, size_t len);
/*
 * The same in two steps, so the caller can check the values in between:
 * agg_decode decodes into the aggregate's record buffer (*recs, valid until
 * the next agg_decode) and returns the count or the negative decode code;
 * agg_add_decoded then adds those n records (returns n, or E_NOMEM).
 */
int agg_decode(struct agg *a, const uint8_t *p, size_t len, const struct dnsa_record **recs);
int agg_add_decoded(struct agg *a, int node, uint64_t received_us, int n);
/* agg_add_records: the same for n records decoded elsewhere (rollup/reader.h); recs stays the caller's. */
int agg_add_records(struct agg *a, int node, uint64_t received_us, const struct dnsa_record *recs, int n);

/*
 * The same in two halves, so that another thread can do the first ahead
 * (rollup/reader.h): agg_prepare computes what a record's aggregation needs
 * of the record alone (its values per dimension, minute and hour, weight,
 * latency buckets, its strings' lengths and hashes) and reads nothing of the
 * aggregate; agg_add_prepared then counts the records, in order, exactly as
 * agg_add_records does (which is the two in a row).
 */
/* one record, prepared (fill it with agg_prepare only) */
struct agg_pre {
	uint64_t zhv, qhv;      /* hashes of the zone and the qname as interned */
	uint32_t zlen, qlen;    /* their lengths, AGG_PRE_UNCLEAN if they must be sanitised first */
	uint32_t minute;        /* seconds since the epoch, start of the record's minute */
	uint32_t hour;          /* hours since the epoch */
	uint32_t hour_s;        /* seconds since the epoch, start of the record's hour */
	uint32_t weight;        /* weight, 0 counted as 1 */
	uint32_t v[11];         /* value per series dimension (DIM_TOTAL..DIM_ASN: dims.h) */
	uint32_t lat_b, rtt_b;  /* latency buckets (when has says so) */
	uint16_t rcode;
	uint8_t akind;
	uint8_t has;            /* AGG_PRE_* bits */
};
#define AGG_PRE_UNCLEAN UINT32_MAX
#define AGG_PRE_NAME 0x01     /* the record has a qname to count */
#define AGG_PRE_LAT 0x02
#define AGG_PRE_RTT 0x04
#define AGG_PRE_ASN 0x08      /* RH_ASN */

/* agg_prepare: out[0..n) for recs[0..n). Thread-safe (no state). Cannot fail. */
void agg_prepare(const struct dnsa_record *recs, int n, uint64_t received_us, struct agg_pre *out);
/* agg_add_prepared: add recs[0..n) prepared as pre[0..n) (recs is read for the strings). Returns n or E_NOMEM. */
int agg_add_prepared(struct agg *a, int node, const struct dnsa_record *recs, const struct agg_pre *pre, int n);

/*
 * agg_limit_zones: at most per_node distinct zones per node and per_run in
 * all; a record whose zone is past either bound is counted under the zone
 * AGG_OTHER_ZONE (agg_zones_folded says how many records). At most asns
 * distinct AS numbers; the rest count as ASN "other" (agg_asn_folded).
 * Defaults AGG_ZONES_DEFAULT, AGG_ASNS_DEFAULT.
 */
#define AGG_OTHER_ZONE "#other"
#define AGG_ZONES_DEFAULT 10000
#define AGG_ASNS_DEFAULT 100000
void agg_limit_zones(struct agg *a, size_t per_node, size_t per_run, size_t asns);
uint64_t agg_zones_folded(const struct agg *a);
uint64_t agg_asn_folded(const struct agg *a);

/*
 * agg_bytes: bytes the aggregate holds (tables, strings, blocks, buffers),
 * the part of the process that grows with the input. Memory is kept across
 * agg_reset, except that after agg_limit_memory(keep) a reset of an
 * aggregate holding more than keep bytes gives it all back first.
 */
size_t agg_bytes(const struct agg *a);
void agg_limit_memory(struct agg *a, size_t keep);

/*
 * agg_limit_names: track at most max distinct (zone, hour, qname) per batch
 * (default AGG_NAMES_DEFAULT), so a random-subdomain flood cannot exhaust
 * memory: past the limit, names not yet tracked are not counted (their
 * series counts are unaffected); agg_names_untracked says how many records.
 */
#define AGG_NAMES_DEFAULT 1000000
void agg_limit_names(struct agg *a, size_t max);
uint64_t agg_names_untracked(const struct agg *a);

uint32_t agg_zone_count(const struct agg *a);
const char *agg_zone_name(const struct agg *a, uint32_t i);   /* sanitised, printable ASCII */
uint32_t agg_node_count(const struct agg *a);
const char *agg_node_name(const struct agg *a, uint32_t i);   /* sanitised, printable ASCII */
uint64_t agg_records(const struct agg *a);                    /* records added */
uint64_t agg_weight(const struct agg *a);                     /* sum of their weights */

/* agg_finish: build the series and keep the top_n names per zone and hour (and per rcode kept apart). E_OK or E_NOMEM. */
int agg_finish(struct agg *a, unsigned top_n);

/* One row to write: minute series carry no ASN dimension and no zone x node rows;
 * hour and day series carry zone x node for the total only. */
struct agg_series {
	uint8_t gran;      /* enum agg_gran */
	uint8_t dim;       /* enum dims_dim */
	uint32_t ts;       /* start of the minute/hour/day, seconds since the epoch (UTC) */
	uint32_t zone;     /* zone index + 1, 0 = all zones */
	uint32_t node;     /* node index + 1, 0 = all nodes */
	uint32_t val;      /* dimension value code (dims_label) */
	uint64_t est;      /* sum of weights: estimated messages */
	uint64_t sampled;  /* records */
};

struct agg_name {
	uint32_t zone;     /* zone index + 1 */
	uint32_t ts;       /* start of the hour */
	const char *qname; /* sanitised; valid until agg_reset */
	uint64_t est, sampled;
	uint16_t rcode;    /* agg_rnames_next: the rcode the names were answered with; 0 otherwise */
};

/* iterators (after agg_finish): start with *it = 0; return 1 with *out filled, 0 at the end */
int agg_series_next(const struct agg *a, uint64_t *it, struct agg_series *out);
int agg_names_next(const struct agg *a, uint64_t *it, struct agg_name *out);
/*
 * agg_extra_next: the rows of the dimensions with tables of their own
 * (dim >= DIM_MAX: answer kind, latency, TCP RTT; see dims.h), which
 * agg_series_next leaves out. agg_rnames_next: the top_n names of each
 * (zone, hour) per rcode kept apart (NXDOMAIN), among the names tracked.
 */
int agg_extra_next(const struct agg *a, uint64_t *it, struct agg_series *out);
int agg_rnames_next(const struct agg *a, uint64_t *it, struct agg_name *out);
size_t agg_series_count(const struct agg *a);

#endif
