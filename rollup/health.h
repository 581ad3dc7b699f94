/* rollup/health.h: node health series: capd's cumulative counters as increments, aggd's node statistics. */
#ifndef DNSA_ROLLUP_HEALTH_H
#define DNSA_ROLLUP_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

/* sources; order and names match the `source` ENUM of node_counter_* */
enum health_source { HS_CAPD = 0, HS_AGGD, HS_ROLLUP, HS_MAX };

/*
 * health_delta: turn one cumulative capd snapshot into increments.
 * `last` holds the highest values already counted for this (node, boot);
 * a new boot starts from all zero (a counters_* struct zero-filled). For each
 * counter present in snap: delta = snap - last and last = snap; a value below
 * `last` (a late, out-of-order snapshot) adds nothing. Gauges (the current
 * sampling n) update `last` but never produce an increment. `delta` is
 * zero-filled first and has only non-zero increments set. Cannot fail.
 */
void health_delta(struct dnsa_counters *last, const struct dnsa_counters *snap,
    struct dnsa_counters *delta);

/* health_is_gauge: 1 for counters that are levels, not cumulative counts. */
int health_is_gauge(unsigned id);

/* health_counter_name: counter_name(id), or "c<id>" for ids the codec does not name (static buffer per id). */
const char *health_counter_name(unsigned id);

/* accumulator of increments per (granularity, time, node, source, counter) */
struct health;
/* health_new: E_OK with *out set, or E_NOMEM with *out NULL. */
int health_new(struct health **out);
void health_free(struct health *h);
void health_reset(struct health *h);

/*
 * health_add: add value at time_us to the minute, hour and day rows; E_OK or
 * E_NOMEM. A sum that would pass 2^64-1 stays there and is counted in
 * health_saturated (never wraps).
 */
int health_add(struct health *h, uint32_t node, uint64_t time_us, enum health_source src,
    const char *counter, uint64_t value);

struct health_row {
	uint8_t gran;          /* enum agg_gran */
	uint8_t source;        /* enum health_source */
	uint32_t ts;           /* start of the minute/hour/day, seconds */
	uint32_t node;         /* run-local node index (agg_node) */
	const char *counter;
	uint64_t value;
};
/* health_next: iterate; *it = 0 to start; 1 with *out filled, 0 at the end. */
int health_next(const struct health *h, uint64_t *it, struct health_row *out);
uint64_t health_rows(const struct health *h);
uint64_t health_saturated(const struct health *h);
size_t health_bytes(const struct health *h);   /* in use, as agg_bytes */

#endif
