/* rollup/srvzone.h: the nameservers' exact per-zone totals (capd [server_stats]) as increments into server_zone_*. */
#ifndef DNSA_ROLLUP_SRVZONE_H
#define DNSA_ROLLUP_SRVZONE_H

#include <stddef.h>
#include <stdint.h>

struct mdb;

/*
 * capd sends per-zone totals cumulative per (node, boot); like capd's node
 * counters (capd_last), the increments are taken against the last values in
 * server_zone_last, locked FOR UPDATE and written in the same transaction,
 * so a crash at any point neither loses nor double-counts.
 */
struct srvzone;

/* srvzone_new: E_OK with *out set, or E_NOMEM with *out NULL (statements are prepared on first use). */
int srvzone_new(struct mdb *m, unsigned upsert_rows, struct srvzone **out);
void srvzone_free(struct srvzone *z);

/* srvzone_reset: forget the batch (start of each batch). Cannot fail. */
void srvzone_reset(struct srvzone *z);

/*
 * srvzone_payload: take the zone totals of one staged COUNTERS payload (none
 * in a node counters payload). node is the run-local node index, id the
 * staged row id (order of application), time_us the snapshot's time.
 * Returns the zones taken (>= 0), E_NOMEM, or the decode error of a bad
 * payload (the caller quarantines the row; nothing of it was taken).
 */
int srvzone_payload(struct srvzone *z, uint32_t node, int64_t boot, int64_t id, uint64_t time_us,
    const uint8_t *payload, size_t len);

/*
 * srvzone_apply: inside the batch's transaction: increments against
 * server_zone_last into server_zone_{minute,hour,day}, and the new last
 * values. node_ids maps node index -> MariaDB node_id. Returns E_OK or a
 * MariaDB / E_NOMEM error (the caller rolls back and calls srvzone_discard).
 */
int srvzone_apply(struct srvzone *z, const uint32_t *node_ids);

/* srvzone_discard: after a rollback: drop buffered rows and cached zone ids. */
void srvzone_discard(struct srvzone *z);

/* srvzone_rows: rows sent so far (statistics). */
uint64_t srvzone_rows(const struct srvzone *z);

#endif
