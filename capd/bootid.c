/* capd/bootid.c: the boot id of this start, above every earlier one of the node whatever the clock says, kept in a state file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capd/bootid.h"
#include "common/errors.h"

#define ID_MAX_TEXT 24 /* 20 digits of 2^64-1, a newline, slack */

/* read dir/BOOTID_FILE into *last (0 if it does not exist) */
static int read_last(const char *path, uint64_t *last, char *why, size_t cap)
{
	char buf[ID_MAX_TEXT + 1];
	struct stat sb;
	ssize_t n;
	int fd;

	*last = 0;
	/* O_NONBLOCK: a FIFO planted here must not hang the start */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return E_OK;
		snprintf(why, cap, "%.300s: %s", path, strerror(e));
		return -e; /* -ELOOP for a symbolic link */
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, cap, "%.300s: not a regular file", path);
		close(fd);
		return -EPERM;
	}
	n = read(fd, buf, sizeof buf - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		snprintf(why, cap, "%.300s: %s", path, strerror(e));
		return -e;
	}
	buf[n] = '\0';
	/* exactly: digits, then one newline; no sign, no space, no overflow */
	uint64_t v = 0;
	ssize_t i = 0;
	for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
		unsigned d = (unsigned)(buf[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			i = -1;
			break;
		}
		v = v * 10 + d;
	}
	if (i <= 0 || i != n - 1 || buf[i] != '\n') {
		snprintf(why, cap, "%.300s: not one decimal number and a newline (replaced)", path);
		return E_MALFORMED;
	}
	*last = v;
	return E_OK;
}

/* write id to path atomically: tmp file, fsync, rename, fsync of dir */
static int write_id(const char *dir, const char *path, uint64_t id, char *why, size_t cap)
{
	char tmp[4096], text[ID_MAX_TEXT];
	int fd, len, e;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.new", path) >= sizeof tmp) {
		snprintf(why, cap, "%.300s: path too long", dir);
		return -ENAMETOOLONG;
	}
	len = snprintf(text, sizeof text, "%llu\n", (unsigned long long)id);
	/* a leftover of a crash (or anything planted there) goes; O_EXCL then makes ours */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail_tmp;
	if (write(fd, text, (size_t)len) != len || fsync(fd) < 0) {
		e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		errno = e;
		goto fail_tmp;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		goto fail_tmp;
	}
	/* the rename itself must survive a power cut, or the old id comes back */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(why, cap, "%.300s: fsync: %s", dir, strerror(e));
		return -e;
	}
	close(fd);
	return E_OK;
fail_tmp:
	e = errno;
	snprintf(why, cap, "%.300s: %s", tmp, strerror(e));
	return -e;
}

int bootid_next(const char *dir, uint64_t now_us, uint64_t *out, char *why, size_t cap)
{
	char path[4096];
	uint64_t last = 0;
	int rc;

	if (why && cap)
		why[0] = '\0';
	if (!out)
		return E_INVAL;
	*out = now_us ? now_us : 1;
	if (!dir || !dir[0] || !why) {
		if (why && cap)
			snprintf(why, cap, "no state directory");
		return E_INVAL;
	}
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, BOOTID_FILE) >= sizeof path - 8) {
		snprintf(why, cap, "%.300s: path too long", dir);
		return -ENAMETOOLONG;
	}
	rc = read_last(path, &last, why, cap);
	if (rc != E_OK && rc != E_MALFORMED)
		return rc;
	if (last == UINT64_MAX) {
		snprintf(why, cap, "%.300s: the last boot id is 2^64-1, nothing is higher", path);
		return E_TOOBIG;
	}
	if (last + 1 > *out)
		*out = last + 1;
	char werr[512] = "";
	int wrc = write_id(dir, path, *out, werr, sizeof werr);
	if (rc == E_OK) {
		snprintf(why, cap, "%s", werr);
		return wrc;
	}
	if (wrc != E_OK) {
		size_t l = strlen(why);
		snprintf(why + l, cap - l, "; %s", werr);
	}
	return rc;
}
