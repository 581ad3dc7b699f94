/* common/promfile.c: metrics in the Prometheus text format, written atomically for node_exporter's textfile collector. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/promfile.h"

struct promfile {
	FILE *f;               /* PATH.tmp */
	char *path, *tmp;      /* final and temporary names */
	int err;               /* first write error (-errno), sticky */
};

int promfile_open(const char *path, struct promfile **out)
{
	*out = NULL;
	if (!path || !*path)
		return E_INVAL;
	struct promfile *p = calloc(1, sizeof *p);
	size_t n = strlen(path);
	if (!p || !(p->path = strdup(path)) || !(p->tmp = malloc(n + 5))) {
		if (p)
			free(p->path);
		free(p);
		return E_NOMEM;
	}
	memcpy(p->tmp, path, n);
	memcpy(p->tmp + n, ".tmp", 5);
	int fd = open(p->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
	if (fd < 0 || !(p->f = fdopen(fd, "w"))) {
		int e = -errno;
		if (fd >= 0)
			close(fd);
		free(p->tmp);
		free(p->path);
		free(p);
		return e;
	}
	*out = p;
	return E_OK;
}

size_t promfile_escape(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return 0;
	for (; in && *in && o + 1 < cap; in++) {
		unsigned char c = (unsigned char)*in;
		int two = c == '\\' || c == '"' || c == '\n';
		if (two && o + 2 >= cap)
			break; /* never half an escape */
		if (c == '\\' || c == '"') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			out[o++] = '?'; /* other control bytes have no escape in the format */
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
	return o;
}

static int name_ok(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		    *s == ':'))
			return 0;
	return 1;
}

static void check(struct promfile *p, int r)
{
	if (r < 0 && !p->err)
		p->err = errno ? -errno : E_INVAL;
}

void promfile_family(struct promfile *p, const char *name, enum prom_type type, const char *help)
{
	if (!p || p->err)
		return;
	if (!name_ok(name)) {
		p->err = E_INVAL;
		return;
	}
	char h[512];
	promfile_escape(help, h, sizeof h); /* HELP escapes backslash and newline; quotes are harmless */
	check(p, fprintf(p->f, "# HELP %s %s\n# TYPE %s %s\n", name, h, name, type == PROM_COUNTER ? "counter" : "gauge"));
}

static void labels_out(struct promfile *p, const char *name, const char *const *labels)
{
	check(p, fputs(name, p->f));
	if (!labels || !labels[0])
		return;
	check(p, fputc('{', p->f));
	for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
		char v[512];
		if (!name_ok(labels[i])) {
			p->err = E_INVAL;
			return;
		}
		promfile_escape(labels[i + 1], v, sizeof v);
		check(p, fprintf(p->f, "%s%s=\"%s\"", i ? "," : "", labels[i], v));
	}
	check(p, fputc('}', p->f));
}

void promfile_sample(struct promfile *p, const char *name, const char *const *labels, uint64_t value)
{
	if (!p || p->err)
		return;
	labels_out(p, name, labels);
	check(p, fprintf(p->f, " %llu\n", (unsigned long long)value));
}

void promfile_sample_real(struct promfile *p, const char *name, const char *const *labels, double value)
{
	if (!p || p->err)
		return;
	labels_out(p, name, labels);
	check(p, fprintf(p->f, " %.9g\n", value));
}

static void release(struct promfile *p)
{
	free(p->tmp);
	free(p->path);
	free(p);
}

int promfile_commit(struct promfile *p)
{
	if (!p)
		return E_INVAL;
	int err = p->err;
	if (!err && (fflush(p->f) != 0 || fsync(fileno(p->f)) != 0))
		err = -errno;
	if (fclose(p->f) != 0 && !err)
		err = -errno;
	if (!err && rename(p->tmp, p->path) != 0)
		err = -errno;
	if (err)
		unlink(p->tmp);
	release(p);
	return err;
}

void promfile_abort(struct promfile *p)
{
	if (!p)
		return;
	fclose(p->f);
	unlink(p->tmp);
	release(p);
}
