/* capd/capfile.c: dnstap capture files through the same Frame Streams parser as the sockets. */
#include "capd/capfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/wire.h"

int capfile_dnstap_read(const char *path, framestream_frame_fn on_frame, void *arg, struct framestream_stats *stats)
{
	if (path == NULL || on_frame == NULL)
		return E_INVAL;
	struct framestream_conf conf = { .buf_size = CAPFILE_READ_SIZE, .stats = stats };
	struct framestream *fs;
	int rc = framestream_new(&conf, on_frame, arg, &fs);
	if (rc != E_OK)
		return rc;

	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;
		framestream_free(fs);
		return err;
	}
	if (fd != STDIN_FILENO)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

	rc = 0;
	size_t total = 0;
	for (;;) {
		size_t avail;
		uint8_t *dst = framestream_space(fs, &avail);
		if (dst == NULL)
			break; /* STOP seen: what follows is not part of this stream */
		ssize_t n = read(fd, dst, avail);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (n == 0) {
			/* an empty file is no capture (a socket peer may probe, a file may not) */
			rc = total == 0 ? E_TRUNCATED : framestream_eof(fs);
			break;
		}
		total += (size_t)n;
		rc = framestream_commit(fs, (size_t)n);
		if (rc != 0)
			break;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	framestream_free(fs);
	return rc < 0 ? rc : E_OK;
}

int capfile_kind(const char *path, enum capfile_kind *kind)
{
	uint8_t b[4];
	if (path == NULL || kind == NULL)
		return E_INVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, b, 4);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	*kind = CAPFILE_UNKNOWN;
	if (n != 4)
		return E_OK;
	uint32_t be = wire_be32(b);
	if (be == 0) /* Frame Streams: a control frame starts with the 0 escape */
		*kind = CAPFILE_DNSTAP;
	else if (be == 0xa1b2c3d4 || be == 0xd4c3b2a1 || be == 0xa1b23c4d || be == 0x4d3cb2a1 || be == 0x0a0d0d0a)
		*kind = CAPFILE_PCAP;
	return E_OK;
}

void capfile_counters(const struct framestream_stats *st, struct dnsa_counters *c)
{
	if (st == NULL || c == NULL)
		return;
	counters_set(c, C_FRAME_ERRORS, c->value[C_FRAME_ERRORS] + framestream_stats_errors(st));
}
