/* rollup/seen.h: the datagrams already rolled up into MariaDB by any aggregator, so a replay to another one counts once. */
#ifndef DNSA_ROLLUP_SEEN_H
#define DNSA_ROLLUP_SEEN_H

#include <stdint.h>

#include "rollup/mdb.h"

/*
 * Each aggd keeps its own replay window, so a datagram captured on its way
 * to aggregator A and replayed to B is staged by both. MariaDB, which every
 * aggregator's rollup writes to, holds the set of (node, boot id, sequence
 * number) rolled up, as bitmaps of SEEN_CHUNK sequence numbers per row of
 * rollup_seen (sql/mariadb/005_rollup_safe.sql): a datagram whose bit is set
 * is skipped (counted as `replayed`), else its bit is set in the same
 * transaction as its data, so each datagram counts exactly once across all
 * aggregators. A chunk row is locked (INSERT ... ON DUPLICATE KEY UPDATE,
 * then SELECT ... FOR UPDATE) before it is read, so two rollups holding the
 * same datagram serialise on it: the second sees the first's bit after its
 * commit (or a deadlock, which the caller retries).
 * Cost: one row of SEEN_CHUNK / 8 bytes per SEEN_CHUNK datagrams of a boot,
 * two statements per chunk and batch.
 */
#define SEEN_CHUNK 4096

struct seen;

/* seen_new: m is borrowed. E_OK with *out set, or E_NOMEM with *out NULL. */
int seen_new(struct mdb *m, struct seen **out);
void seen_free(struct seen *s);
/* seen_reset: forget the chunks read (after a commit or a rollback). Cannot fail. */
void seen_reset(struct seen *s);

/*
 * seen_mark: inside the caller's transaction. Returns 1 if (node_id, boot,
 * seq) was already rolled up (by any aggregator, or earlier in this batch),
 * 0 after marking it, or -EIO (mdb_errmsg) / E_NOMEM.
 */
int seen_mark(struct seen *s, uint32_t node_id, int64_t boot, int64_t seq);

/* seen_flush: write the chunks marked in this batch. E_OK, -EIO or E_NOMEM. */
int seen_flush(struct seen *s);

#endif
