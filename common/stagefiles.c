/* common/stagefiles.c: the names of a rotated staging set (aggd writes them, aggd-rollup reads and unlinks them). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/errors.h"
#include "common/grow.h"
#include "common/stagefiles.h"

int stagefiles_name(const char *base, uint32_t seq, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s.%0*u", base, STAGEFILES_DIGITS, (unsigned)seq);
	return n < 0 || (size_t)n >= cap ? E_TOOBIG : E_OK;
}

/* the number after base_name. in name, with *rest at what follows the digits; 0 if none */
static uint32_t number(const char *base_name, const char *name, const char **rest)
{
	size_t bl = strlen(base_name);
	if (strncmp(name, base_name, bl) != 0 || name[bl] != '.')
		return 0;
	const char *p = name + bl + 1, *q = p;
	uint64_t v = 0;
	while (*q >= '0' && *q <= '9' && q - p < 11)
		v = v * 10 + (uint64_t)(*q++ - '0');
	if (q - p < STAGEFILES_DIGITS || v == 0 || v > STAGEFILES_MAX_SEQ)
		return 0;
	/* aggd's spelling only (no zeros beyond the padding): one name per number */
	char canon[16];
	int cl = snprintf(canon, sizeof canon, "%0*u", STAGEFILES_DIGITS, (unsigned)v);
	if (cl != q - p || memcmp(canon, p, (size_t)cl) != 0)
		return 0;
	*rest = q;
	return (uint32_t)v;
}

uint32_t stagefiles_parse(const char *base_name, const char *name)
{
	const char *rest;
	uint32_t v = number(base_name, name, &rest);
	return v && !*rest ? v : 0;
}

static int by_seq(const void *a, const void *b)
{
	uint32_t x = ((const struct stagefile *)a)->seq, y = ((const struct stagefile *)b)->seq;
	return x < y ? -1 : x > y;
}

uint64_t stagefiles_bytes(const char *path)
{
	char wal[PATH_MAX + 8];
	struct stat sb;
	uint64_t n = 0;
	if (stat(path, &sb) == 0)
		n += (uint64_t)sb.st_size;
	snprintf(wal, sizeof wal, "%s-wal", path);
	if (stat(wal, &sb) == 0)
		n += (uint64_t)sb.st_size;
	return n;
}

int stagefiles_list(const char *base, struct stagefile **out, size_t *n, unsigned *strays)
{
	static const char *const ok_suffix[] = { "-wal", "-shm", "-journal", ".tmp", ".tmp-journal", ".tmp-wal",
		".tmp-shm", ".bad", ".bad-wal", ".bad-shm" };
	const char *slash = strrchr(base, '/');
	const char *bname = slash ? slash + 1 : base;
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct stagefile *v = NULL;
	size_t cnt = 0, cap = 0;
	unsigned odd = 0;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	snprintf(dir, sizeof dir, "%.*s", slash ? (slash == base ? 1 : (int)(slash - base)) : 1, slash ? base : ".");
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	size_t bl = strlen(bname);
	while ((de = readdir(d))) {
		const char *rest;
		uint32_t seq = number(bname, de->d_name, &rest);
		if (!seq) {
			/* BASE itself and its SQLite files are the base file's; anything else named BASE.* is odd */
			if (strncmp(de->d_name, bname, bl) == 0 && de->d_name[bl] == '.')
				odd++;
			continue;
		}
		if (*rest) {
			size_t i;
			for (i = 0; i < sizeof ok_suffix / sizeof ok_suffix[0] && strcmp(rest, ok_suffix[i]); i++)
				;
			if (i == sizeof ok_suffix / sizeof ok_suffix[0])
				odd++;
			continue;
		}
		if (grow_array((void **)&v, &cap, cnt + 1, sizeof *v)) {
			closedir(d);
			free(v);
			return E_NOMEM;
		}
		v[cnt].seq = seq;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		v[cnt].bytes = stagefiles_bytes(path);
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof *v, by_seq);
	*out = v;
	*n = cnt;
	if (strays)
		*strays = odd;
	return E_OK;
}
