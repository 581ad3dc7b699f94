/* rollup/rollup.h: one rollup run: staging rows past the checkpoint -> MariaDB, exactly once, then prune. */
#ifndef DNSA_ROLLUP_ROLLUP_H
#define DNSA_ROLLUP_ROLLUP_H

#include <stdint.h>

#include "rollup/config.h"
#include "rollup/mdb.h"
#include "rollup/staging.h"

/*
 * Exactly once: each batch is one MariaDB transaction that locks this
 * aggregator's checkpoint row (SELECT ... FOR UPDATE), adds the batch's
 * upserts and moves the checkpoint past the batch's last staged id, then
 * commits. Staged rows are pruned only after the commit, and only up to the
 * committed checkpoint, so a crash before the commit redoes the batch and a
 * crash after it just leaves rows <= checkpoint that the next run prunes.
 * From a rotated staging set the prune unlinks the closed files whose ids
 * are all committed (rollup/staging.h); the rows of the file aggd writes
 * stay until it is closed and are skipped by id (a seek, not a scan).
 * On Galera the FOR UPDATE lock holds on one node only: two runs of one
 * aggregator on two nodes both update the checkpoint row, certification lets
 * one commit through and fails the other with 1213, which is redone from the
 * new checkpoint (tests/integration/galera.t); a run that finds the checkpoint
 * moved without its own commit stops (other_writer). A lost server or node (mdb_lost)
 * redoes the batch on the next configured one (mdb_failover).
 *
 * Hook points (for crash tests): "before_commit", "after_commit",
 * "during_prune" (after the first prune chunk, or once the files a batch
 * committed are unlinked), called with the batch number.
 */
typedef void (*rollup_hook_fn)(const char *point, unsigned batch, void *arg);

struct rollup_stats {
	uint64_t batches;        /* committed transactions */
	uint64_t datagrams;      /* staged datagram rows rolled up (incl. quarantined) */
	uint64_t records;        /* records aggregated */
	uint64_t weight;         /* their estimated messages */
	uint64_t counters;       /* counters datagrams */
	uint64_t stats;          /* node_stats rows */
	uint64_t quarantined;    /* rows moved to quarantine */
	uint64_t rows_written;   /* upserted rows (series, names, health) */
	uint64_t statements;     /* INSERT statements executed */
	uint64_t pruned;         /* staged rows deleted */
	uint64_t retried;        /* transactions retried after a deadlock (Galera: a certification conflict) */
	uint64_t failovers;      /* connections moved to another configured server (mariadb.server) */
	int other_writer;        /* stopped: another run of this aggregator moved the checkpoint */
	uint64_t expired;        /* rows removed by retention (DELETE: unpartitioned tables) */
	uint64_t names_untracked; /* records whose name was not counted (names_max reached) */
	uint64_t replayed;       /* datagrams skipped: already rolled up (by any aggregator) */
	uint64_t refused;        /* node_stats rows skipped because MariaDB refused them */
	uint64_t zones_folded;   /* records counted under zone "#other" (zones_per_node/_run) */
	uint64_t asn_folded;     /* records whose ASN counted as "other" (asn_max) */
	uint64_t saturated;      /* health sums that stopped at 2^64-1 */
	uint64_t isolation_steps; /* batches MariaDB refused for a data error and that were split */
	char refused_msg[256];   /* the first such refusal (MariaDB's message) */
	char first_quarantine[200]; /* the first quarantine reason of the run */
	uint64_t partner_kills;  /* partner sessions killed by dnsa_partner_guard (partner_guard_log) */
	char guard_err[256];     /* why the partner guard could not run ("" = it ran) */
	int no_009;              /* schema before 009: answer kinds, latency and names per rcode not written */
	uint64_t partitions_dropped; /* expired partitions dropped (013_partitions.sql) */
	uint64_t partitions_added;   /* partitions made ahead */
	uint64_t partitions_busy;    /* 1: a table's metadata lock was held, partitions left for the next run */
	char part_err[256];      /* why dnsa_partitions failed ("" = it ran or is not there) */
	double read_s;           /* decode + aggregate time */
	double write_s;          /* MariaDB time */
	double prune_s;          /* deleting committed staged rows, unlinking committed staging files */
	uint64_t files_unlinked; /* closed staging files unlinked (every id in them committed) */
	uint64_t bytes_unlinked; /* their size */
	int prune_err;           /* an unlink failed (retried by the next run): prune_msg says why */
	char prune_msg[256];
	double reader_cpu_s;     /* CPU time of the thread that decodes and prepares (part of read_s's wall) */
	uint64_t ring_sleeps[2]; /* sleeps of that thread on a full ring, of the aggregating thread on an empty one */
	double ring_sleep_s[2];  /* and their wall seconds: what the two threads did not overlap */
};

struct rollup;

/*
 * rollup_new: s and m stay owned by the caller and must outlive the rollup.
 * E_OK with *out set, or E_NOMEM with *out NULL.
 */
int rollup_new(const struct rollup_conf *c, struct staging *s, struct mdb *m, rollup_hook_fn hook, void *hook_arg,
    struct rollup **out);
void rollup_free(struct rollup *r);
const char *rollup_errmsg(const struct rollup *r);

/* rollup_run: prune what an earlier run committed, then batches until caught up, then retention.
 * E_OK, or a negative code with rollup_errmsg set (the current batch was rolled back). */
int rollup_run(struct rollup *r, struct rollup_stats *st);

#endif
