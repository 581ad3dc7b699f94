/* aggd/nodestats.h: per-node replay windows and statistics (datagrams, records, gaps, rejects by reason). */
#ifndef DNSA_AGGD_NODESTATS_H
#define DNSA_AGGD_NODESTATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/replay.h"

struct keyring;

/* Why a datagram was rejected; each has its own counter (node_stats "reject_<name>"). */
enum ns_reason {
	NS_R_OVERSIZED = 0,  /* longer than max_datagram */
	NS_R_BAD_SIZE,       /* shorter than its header says (E_TRUNCATED) or malformed header */
	NS_R_BAD_MAGIC,
	NS_R_BAD_VERSION,
	NS_R_UNKNOWN_NODE,   /* name not in the keyring (or revoked) */
	NS_R_BAD_TAG,        /* AEAD did not verify */
	NS_R_REPLAY,         /* (boot, seq) already accepted: a duplicate; node_stats "duplicates" */
	NS_R_OLD_SEQ,        /* below the replay window */
	NS_R_OLD_BOOT,       /* boot id older than the node's current one */
	NS_R_BAD_PAYLOAD,    /* authentic, but not CBOR of the expected shape */
	NS_R_BAD_NAME,       /* header names a node outside [A-Za-z0-9._-] (E_BAD_NAME): never looked up */
	NS_R_MAX
};

/* ns_reason_name: "oversized", "bad_size", ... Never NULL ("?" out of range). */
const char *ns_reason_name(unsigned reason);

/* Counters of one node; all cumulative since aggd started. */
struct ns_counts {
	uint64_t datagrams;          /* accepted datagrams */
	uint64_t records;            /* records in accepted datagrams */
	int64_t gaps;                /* sequence numbers missing (from the replay window) */
	uint64_t drops;              /* accepted but dropped because the staging queue was full */
	uint64_t rejects[NS_R_MAX];  /* rejected datagrams by reason */
};

/* One node. Fields are updated in place by the receive path. */
struct ns_node {
	char name[64];               /* node name; "" for datagrams that name no known node */
	struct replay_window win;    /* replay and loss accounting (the '' node does not use it) */
	struct ns_counts c;          /* cumulative counters (c.gaps is refreshed from win) */
	struct ns_counts flushed;    /* c as of the last node_stats write */
	int64_t last_seen_us;        /* time of the last accepted datagram, 0 = never */
};

struct nodestats;

/* nodestats_new: an empty table holding only the '' node. E_OK with *out set, or E_NOMEM with *out NULL. */
int nodestats_new(struct nodestats **out);
void nodestats_free(struct nodestats *ns);

/*
 * nodestats_sync: make sure every node of the keyring has an entry (new
 * entries start with an empty window; existing ones keep theirs, also when
 * the node left the keyring). Allocates; call at start and on reload only.
 * Returns E_OK or E_NOMEM (the table is then unchanged).
 */
int nodestats_sync(struct nodestats *ns, const struct keyring *kr);

/* nodestats_find: the entry of node, or NULL. No allocation. */
struct ns_node *nodestats_find(struct nodestats *ns, const char *node);

/* nodestats_anon: the '' entry, for rejects that name no known node. Never NULL. */
struct ns_node *nodestats_anon(struct nodestats *ns);

/*
 * nodestats_seed: start node's window at (boot_id, seq) as if every sequence
 * number up to seq had been seen (after a restart, from the staging
 * database's replay_state). Creates the entry if needed (allocates).
 */
int nodestats_seed(struct nodestats *ns, const char *node, uint64_t boot_id, uint64_t seq);

/* nodestats_count: entries including ''. nodestats_at: i-th entry (0 <= i < count). */
size_t nodestats_count(const struct nodestats *ns);
struct ns_node *nodestats_at(struct nodestats *ns, size_t i);

/*
 * nodestats_totals: sum of c over all entries (gaps refreshed first).
 * Cannot fail.
 */
void nodestats_totals(struct nodestats *ns, struct ns_counts *out);

/*
 * nodestats_foreach_delta: call fn once per non-zero increment since the
 * last nodestats_mark_flushed, with counter names as in node_stats
 * (datagrams, records, gaps, duplicates, staging_drops, reject_<reason>).
 * Strings passed to fn live as long as the table. Returns the calls made.
 */
typedef void (*ns_delta_fn)(const char *node, const char *counter, int64_t value, void *arg);
size_t nodestats_foreach_delta(struct nodestats *ns, ns_delta_fn fn, void *arg);

/* nodestats_mark_flushed: the increments were written; start new ones. Cannot fail. */
void nodestats_mark_flushed(struct nodestats *ns);

#endif
