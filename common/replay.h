/* common/replay.h: per-node sliding window that accepts each sequence number once. */
#ifndef DNSA_COMMON_REPLAY_H
#define DNSA_COMMON_REPLAY_H

#include <stdint.h>

#define REPLAY_WINDOW 1024 /* sequence numbers remembered below the highest seen */

/*
 * One window per node. A datagram is accepted once per (boot id, seq); a
 * newer boot id resets the window (the node restarted), an older one is
 * rejected. Reordering within REPLAY_WINDOW is accepted. Loss accounting:
 * `gaps` counts sequence numbers skipped over and not (yet) seen; a late
 * arrival that fills a gap decrements it.
 */
struct replay_window {
	uint64_t boot_id;                     /* current boot id, 0 = none yet */
	uint64_t top;                         /* highest seq accepted in this boot */
	uint64_t base;                        /* gaps are counted from this seq on (first seq seen, or 1 after a restart) */
	uint64_t bits[REPLAY_WINDOW / 64];    /* bit (seq % WINDOW): seen, for seq in (top-WINDOW, top] */
	uint64_t gaps;                        /* missing sequence numbers, all boots */
	uint64_t boots;                       /* boot ids seen */
};

/* replay_init: empty window. Cannot fail. */
void replay_init(struct replay_window *w);

/*
 * replay_check: E_OK if (boot_id, seq) is new, E_REPLAY if already seen,
 * E_OLD if below the window, E_OLD_BOOT if boot_id is older than the
 * current one or 0 (never a valid boot id). Comparisons are unsigned over
 * the whole 64 bits. Does not change the window.
 */
int replay_check(const struct replay_window *w, uint64_t boot_id, uint64_t seq);

/* replay_commit: record (boot_id, seq) as seen; call only after replay_check said E_OK
 * and the datagram authenticated. Cannot fail. */
void replay_commit(struct replay_window *w, uint64_t boot_id, uint64_t seq);

#endif
