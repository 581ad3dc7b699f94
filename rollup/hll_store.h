/* rollup/hll_store.h: capd's distinct-client sketches merged per hour and day into resolvers_{sketch_,}{hour,day}. */
#ifndef DNSA_ROLLUP_HLL_STORE_H
#define DNSA_ROLLUP_HLL_STORE_H

#include <stddef.h>
#include <stdint.h>

struct mdb;

/*
 * Sketch pieces of a batch are merged in memory per (granularity, period,
 * zone or node sketch, node, kind); at apply each merged sketch is merged
 * with its stored registers (read FOR UPDATE in the batch's transaction),
 * written back, and its estimate rewritten. A HyperLogLog merge is a
 * maximum, so a replayed or late piece changes nothing it should not:
 * exactly-once is not even needed. Node sketches go to (zone 0, node N) and
 * (zone 0, node 0 = all nodes); zone sketches to (zone Z, node 0) only.
 * A sketch counts in the hour and day of its counters datagram's time.
 */
struct hllstore;

/* hllstore_new: E_OK with *out set, or E_NOMEM with *out NULL. */
int hllstore_new(struct mdb *m, struct hllstore **out);
void hllstore_free(struct hllstore *h);

/* hllstore_reset: forget the batch. Cannot fail. */
void hllstore_reset(struct hllstore *h);

/*
 * hllstore_payload: take the sketch pieces of one staged COUNTERS payload
 * (none in most). node: run-local node index. Returns the pieces taken
 * (>= 0), E_NOMEM, or the decode error of a bad payload (nothing taken).
 */
int hllstore_payload(struct hllstore *h, uint32_t node, uint64_t time_us, const uint8_t *payload, size_t len);

/* hllstore_apply: inside the batch's transaction; node_ids maps node index -> node_id. E_OK or -EIO / E_NOMEM. */
int hllstore_apply(struct hllstore *h, const uint32_t *node_ids);

/* hllstore_discard: after a rollback: forget cached zone ids. */
void hllstore_discard(struct hllstore *h);

/* hllstore_rows: rows written so far (statistics). */
uint64_t hllstore_rows(const struct hllstore *h);

#endif
