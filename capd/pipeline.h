/* capd/pipeline.h: per message: count, sample, parse, match zone, locate client, build the record, batch it. */
#ifndef DNSA_CAPD_PIPELINE_H
#define DNSA_CAPD_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "capd/msg.h"
#include "capd/sampler.h"
#include "common/record.h"

struct sender;
struct zones;
struct geo;

struct pipeline_conf {
	struct sampler_conf sampler;
	unsigned qname_labels;   /* qname kept to zone + this many labels */
	int record_unlisted;     /* messages for unlisted zones are recorded under zone "." (else counted only) */
	int prefix;              /* put the truncated client prefix on records */
	unsigned prefix_v4;      /* bits kept of an IPv4 client (24) */
	unsigned prefix_v6;      /* bits kept of an IPv6 client (48) */
	int full_address;        /* put the full client address on records (overrides prefix) */
	int capture_clock;       /* replay (capd -r): adaptive sampling re-decides on the messages' own
				  * timestamps, once per second of capture time, not of wall time */
	int resolvers;           /* distinct-client sketches (common/hll.h): node and per zone */
	unsigned resolvers_zones; /* zones with a sketch of their own (8 KiB each); others counted */
};

struct pipeline;

/*
 * pipeline_new: the sender is borrowed (must outlive the pipeline); zones
 * and geo are taken over (the caller's pointers are set to NULL; either may
 * be NULL: no zones means every message is unlisted; no geo means no
 * country/ASN). root_listed: the zone set holds "." because the operator
 * listed it (a root match is then a listed zone, not an unlisted one).
 * Returns E_OK with *out set, or E_INVAL (bad sampler conf, no sender) /
 * E_NOMEM with *out NULL (zones and geo are then freed).
 */
int pipeline_new(const struct pipeline_conf *conf, struct sender *sender, struct zones **zones, int root_listed,
    struct geo **geo, struct pipeline **out);
void pipeline_free(struct pipeline *p);

/*
 * pipeline_msg: the hot path, once per message from any input. Counts the
 * message (exact, before sampling), asks the sampler, and only for sampled
 * messages parses the DNS bytes and builds a record for the sender.
 * No allocation; no syscall except when the sender emits a datagram.
 */
void pipeline_msg(struct pipeline *p, const struct capd_msg *m);

/*
 * pipeline_msg_presampled: a message an earlier stage already sampled with
 * weight w (the kernel socket filter of live capture, capd/ksample.h):
 * counted like any (the exact counts then cover what that stage passed; it
 * counts the rest), recorded with weight w if its type is sampled, without
 * a second draw.
 */
void pipeline_msg_presampled(struct pipeline *p, const struct capd_msg *m, uint32_t w);

/*
 * pipeline_tick: about once a second or more often: wall and monotonic time
 * in microseconds. Re-decides adaptive sampling (once per second; with
 * capture_clock the messages' timestamps drive that instead), passes the
 * time to the sender (batch age), and caches the wall time for messages
 * that carry none.
 */
void pipeline_tick(struct pipeline *p, uint64_t wall_us, uint64_t mono_us);

/*
 * The same in two steps, for inputs that can tell type, transport and
 * family cheaply before decoding the rest (dnstap_peek_type): pipeline_admit
 * counts the message and returns the sampling weight (0: stop here, the
 * message is done); only then does the input decode the whole message and
 * call pipeline_record with that weight. pipeline_msg = admit + record.
 */
uint32_t pipeline_admit(struct pipeline *p, uint8_t type, uint8_t transport, uint8_t family);
void pipeline_record(struct pipeline *p, const struct capd_msg *m, uint32_t weight);

/*
 * pipeline_shed: a message the input could not afford to sample (capd is
 * behind): counted exactly like any other, plus C_DROP_OVERLOAD, never
 * sampled. type/transport/family as in struct capd_msg.
 */
void pipeline_shed(struct pipeline *p, uint8_t type, uint8_t transport, uint8_t family);

/*
 * pipeline_on_dnstap: a dnstap frame from a socket or a file (a
 * dnstap_frame_fn: pass the pipeline as its arg). Sample first: the cheap
 * peek at type, transport and family is enough to count and decide; only
 * an admitted frame is decoded and recorded. flags DNSTAP_FRAME_SHED (capd
 * is behind): counted, never sampled. A frame that does not decode is
 * counted in C_DNSTAP_ERRORS.
 */
void pipeline_on_dnstap(void *pipeline, const uint8_t *frame, size_t len, unsigned flags);

/* pipeline_replace_zones / _geo: reload (SIGHUP); takes over *z / *g like pipeline_new. */
void pipeline_replace_zones(struct pipeline *p, struct zones **z, int root_listed);
void pipeline_replace_geo(struct pipeline *p, struct geo **g);

/*
 * pipeline_counters: set the pipeline's counters (message counts, sampling,
 * parse, zone) in c. Exact ones count every message before sampling;
 * zone_unlisted_est and parse_errors_est are sums of weights (estimates);
 * sampled, recorded, parse_errors and recorded_partial count capd's own
 * sampled work (see counter_kind in common/record.h).
 */
void pipeline_counters(const struct pipeline *p, struct dnsa_counters *c);

/*
 * Distinct clients (conf.resolvers). The node's sketches (client address;
 * /24 or /48 prefix) take every message handed to pipeline_msg (pcap: every
 * UDP and TCP message) and, for dnstap, every sampled frame (a dnstap
 * frame's address is decoded only when it is sampled: the node sketch is
 * then flagged SKF_SAMPLED). A zone's sketches take its sampled records.
 * pipeline_sketches: the current interval's sketches as pieces for the
 * wire, one zone (or the node) per call: start with *it = 0, call until it
 * returns NULL; *n pieces, valid until the next call. pipeline_sketches_clear:
 * start a new interval (after sending). No allocation.
 */
const struct dnsa_sketch_piece *pipeline_sketches(struct pipeline *p, size_t *it, size_t *n);
void pipeline_sketches_clear(struct pipeline *p);

/* pipeline_count: add v to counter id (for inputs without their own stats). */
void pipeline_count(struct pipeline *p, unsigned id, uint64_t v);

#endif
