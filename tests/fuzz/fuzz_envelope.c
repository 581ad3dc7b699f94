/* tests/fuzz/fuzz_envelope.c: libFuzzer target for envelope peek/open and the replay window. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/record.h"
#include "common/replay.h"
#include "tests/fuzz/fuzz.h"

/* the key tests/tools/fuzz-seeds uses to seal the seed datagrams: 32 bytes 0x01..0x20 */
static const uint8_t key[ENV_KEY_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};
static struct replay_window win;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pt[ENV_MAX_DATAGRAM];
	struct env_header h;

	if (envelope_peek(data, size, &h) != E_OK)
		return 0;
	if (replay_check(&win, h.boot_id, h.seq) != E_OK)
		return 0;
	int n = envelope_open(&h, key, data, size, pt, sizeof pt);
	if (n < 0)
		return 0;
	replay_commit(&win, h.boot_id, h.seq);
	if (replay_check(&win, h.boot_id, h.seq) != E_REPLAY)
		__builtin_trap(); /* an accepted datagram must never be accepted twice */
	payload_validate(pt, (size_t)n, h.kind);
	return 0;
}
