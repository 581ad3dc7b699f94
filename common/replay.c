/* common/replay.c: per-node sliding replay window with loss (gap) accounting. */
#include <string.h>

#include "common/errors.h"
#include "common/replay.h"

#define WBITS REPLAY_WINDOW

void replay_init(struct replay_window *w)
{
	memset(w, 0, sizeof *w);
}

static int bit_get(const struct replay_window *w, uint64_t seq)
{
	uint64_t i = seq % WBITS;
	return (w->bits[i / 64] >> (i % 64)) & 1;
}

static void bit_set(struct replay_window *w, uint64_t seq, int on)
{
	uint64_t i = seq % WBITS;
	if (on)
		w->bits[i / 64] |= 1ull << (i % 64);
	else
		w->bits[i / 64] &= ~(1ull << (i % 64));
}

int replay_check(const struct replay_window *w, uint64_t boot_id, uint64_t seq)
{
	/* 0 marks an empty window: a boot 0 accepted would leave it empty, and every repeat would pass */
	if (boot_id == 0)
		return E_OLD_BOOT;
	if (w->boot_id == 0 || boot_id > w->boot_id)
		return E_OK;
	if (boot_id < w->boot_id)
		return E_OLD_BOOT;
	if (seq > w->top)
		return E_OK;
	if (w->top - seq >= WBITS)
		return E_OLD;
	return bit_get(w, seq) ? E_REPLAY : E_OK;
}

void replay_commit(struct replay_window *w, uint64_t boot_id, uint64_t seq)
{
	if (w->boot_id == 0 || boot_id > w->boot_id) {
		/*
		 * A node's first datagram since we started counts no loss before
		 * it (an earlier aggd may have received those); after a restart
		 * of the node, datagrams 1..seq-1 of the new boot were lost.
		 */
		uint64_t first = w->boot_id == 0;
		memset(w->bits, 0, sizeof w->bits);
		w->boot_id = boot_id;
		w->boots++;
		w->top = seq;
		w->base = first ? seq : 1;
		if (!first && seq > 1)
			w->gaps += seq - 1;
		bit_set(w, seq, 1);
		return;
	}
	if (seq > w->top) {
		uint64_t d = seq - w->top;
		if (d >= WBITS) {
			memset(w->bits, 0, sizeof w->bits);
		} else {
			for (uint64_t s = w->top + 1; s < seq; s++)
				bit_set(w, s, 0);
		}
		w->gaps += d - 1;
		w->top = seq;
		bit_set(w, seq, 1);
		return;
	}
	/* a late arrival inside the window fills a gap counted when top passed it */
	bit_set(w, seq, 1);
	if (seq >= w->base && w->gaps > 0)
		w->gaps--;
}
