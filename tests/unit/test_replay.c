/* tests/unit/test_replay.c: the per-node replay window: duplicates, reordering, old sequence numbers, boots, loss. */
#include "common/errors.h"
#include "common/replay.h"
#include "tests/tap.h"

static int take(struct replay_window *w, uint64_t boot, uint64_t seq)
{
	int rc = replay_check(w, boot, seq);
	if (rc == E_OK)
		replay_commit(w, boot, seq);
	return rc;
}

int main(void)
{
	struct replay_window w;
	replay_init(&w);

	is(take(&w, 100, 1), E_OK, "first datagram accepted");
	is(take(&w, 100, 1), E_REPLAY, "same seq again: replay");
	is(take(&w, 100, 2), E_OK, "next seq");
	is(take(&w, 100, 5), E_OK, "jump ahead to 5");
	is(w.gaps, 2, "3 and 4 counted as gaps");
	is(take(&w, 100, 4), E_OK, "late 4 accepted (reordering)");
	is(w.gaps, 1, "late arrival fills a gap");
	is(take(&w, 100, 4), E_REPLAY, "4 again: replay");
	is(take(&w, 100, 3), E_OK, "late 3 accepted");
	is(w.gaps, 0, "no gaps left");
	is(replay_check(&w, 100, 5), E_REPLAY, "check alone does not commit (5 still seen)");

	/* window edge */
	is(take(&w, 100, 5 + REPLAY_WINDOW), E_OK, "jump a whole window ahead");
	is(w.gaps, REPLAY_WINDOW - 1, "the skipped ones are gaps");
	is(take(&w, 100, 5), E_OLD, "seq at top - WINDOW is too old");
	is(take(&w, 100, 6), E_OK, "seq at top - WINDOW + 1 is inside the window");
	is(take(&w, 100, 6), E_REPLAY, "and only once");
	is(w.gaps, REPLAY_WINDOW - 2, "gap filled");

	/* reordering inside a window, all distinct: each accepted once */
	{
		struct replay_window x;
		replay_init(&x);
		int accepted = 0, rejected = 0;
		for (uint64_t s = 1; s <= 3000; s += 2) { /* odds first */
			accepted += take(&x, 7, s) == E_OK;
		}
		for (uint64_t s = 2; s <= 3000; s += 2) { /* then evens: those more than a window behind are old */
			int rc = take(&x, 7, s);
			accepted += rc == E_OK;
			rejected += rc == E_OLD;
		}
		/* top is 2999: evens 1976..2998 are inside the window, and 3000 is new */
		is(accepted, 1500 + REPLAY_WINDOW / 2 + 1, "odds then evens: odds, in-window evens and 3000 accepted");
		is(rejected, 1500 - REPLAY_WINDOW / 2 - 1, "evens older than the window rejected as old");
		is(x.gaps, 1500 - REPLAY_WINDOW / 2 - 1, "gaps = the evens that never made it into the window");
		for (uint64_t s = 1; s <= 3000; s++)
			if (take(&x, 7, s) == E_OK)
				accepted = -1;
		ok(accepted != -1, "replaying the whole stream again: nothing accepted");
	}

	/* boots */
	is(take(&w, 200, 3), E_OK, "new boot id accepted (node restarted)");
	is(w.boots, 2, "two boots seen");
	is(w.gaps, REPLAY_WINDOW - 2 + 2, "datagrams 1 and 2 of the new boot counted lost");
	is(take(&w, 200, 1), E_OK, "seq 1 of the new boot arrives late: accepted");
	is(w.gaps, REPLAY_WINDOW - 2 + 1, "and fills its gap");
	is(take(&w, 100, 7000), E_OLD_BOOT, "old boot id rejected, whatever its seq");
	is(take(&w, 200, 3), E_REPLAY, "replay in new boot rejected");

	/* boot id 0 marks an empty window, so it is never accepted (else every repeat would pass) */
	{
		struct replay_window z;
		replay_init(&z);
		is(take(&z, 0, 1), E_OLD_BOOT, "boot id 0 refused on an empty window");
		is(take(&z, 0, 1), E_OLD_BOOT, "  and again: nothing was committed");
		is(take(&z, UINT64_MAX - 1, 4), E_OK, "boot id 2^64-2 accepted");
		is(take(&z, (1ull << 63) + 1, 9), E_OLD_BOOT, "boot id 2^63+1 is older than it (unsigned)");
		is(take(&z, UINT64_MAX, 1), E_OK, "boot id 2^64-1 is newer");
		is(take(&z, UINT64_MAX, 1), E_REPLAY, "  and its repeat a replay");
	}

	/* first contact mid-stream: no loss invented for what came before */
	{
		struct replay_window y;
		replay_init(&y);
		is(take(&y, 9, 5000), E_OK, "first contact at seq 5000");
		is(y.gaps, 0, "no gaps counted before the first contact");
		is(take(&y, 9, 4990), E_OK, "earlier seq within window accepted");
		is(y.gaps, 0, "and does not underflow the gap count");
	}
	return done_testing();
}
