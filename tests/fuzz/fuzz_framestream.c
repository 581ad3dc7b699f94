/* tests/fuzz/fuzz_framestream.c: libFuzzer target for the Frame Streams receiver fed in fuzzer-chosen read sizes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capd/framestream.h"
#include "common/errors.h"
#include "tests/fuzz/fuzz.h"

static void on_frame(void *arg, const uint8_t *frame, size_t len)
{
	size_t *sum = arg;
	if (len)
		*sum += frame[0] + frame[len - 1]; /* touch both ends: ASan checks the bounds */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct framestream *fs;
	static struct framestream_stats st;
	static size_t sum;
	if (!fs) {
		struct framestream_conf c = { .max_frame = 4096, .buf_size = 8192, .stats = &st };
		framestream_new(&c, on_frame, &sum, &fs);
	}
	framestream_reset(fs);
	if (size < 1)
		return 0;
	/* first byte: read size pattern (1..256 bytes per read) */
	size_t step = (size_t)data[0] + 1;
	data++;
	size--;
	while (size > 0) {
		size_t avail;
		uint8_t *dst = framestream_space(fs, &avail);
		if (!dst)
			break;
		size_t n = step < avail ? step : avail;
		if (n > size)
			n = size;
		memcpy(dst, data, n);
		data += n;
		size -= n;
		int rc = framestream_commit(fs, n);
		size_t olen;
		if (framestream_output(fs, &olen) && olen)
			framestream_output_done(fs, olen);
		if (rc != 0)
			return 0; /* stream ended (STOP) or failed */
	}
	framestream_eof(fs);
	return 0;
}
