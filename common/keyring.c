/* common/keyring.c: the aggregator's keyring: every node's key, looked up by node name. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/errors.h"
#include "common/keyring.h"
#include "common/keys.h"

struct kr_entry {
	char name[ENV_NAME_MAX + 1];
	uint8_t key[ENV_KEY_LEN];
	int line;             /* where it was read, to name a duplicate's line */
};

struct keyring {
	struct kr_entry *e; /* sorted by name */
	size_t n;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct kr_entry *)a)->name, ((const struct kr_entry *)b)->name);
}

int keyring_load(const char *path, struct keyring **out, int *errline)
{
	char line[512];
	int err = E_OK, lineno = 0;
	size_t cap = 0;
	struct keyring *kr;

	if (!path || !out)
		return E_INVAL;
	*out = NULL;
	if (errline)
		*errline = 0;
	if (sodium_init() < 0) /* its guarded allocator (sodium_allocarray) needs it; idempotent */
		return E_NOMEM;
	FILE *f = keys_open_secret(path, &err);
	if (!f)
		return err;
	if (!(kr = calloc(1, sizeof *kr))) {
		fclose(f);
		return E_NOMEM;
	}
	while (fgets(line, sizeof line, f)) {
		char *s = line;
		lineno++;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (kr->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct kr_entry *ne = sodium_allocarray(ncap, sizeof *ne);
			if (!ne) {
				err = E_NOMEM;
				break;
			}
			if (kr->e) {
				memcpy(ne, kr->e, kr->n * sizeof *ne);
				sodium_free(kr->e);
			}
			kr->e = ne;
			cap = ncap;
		}
		if (keys_parse_line(s, kr->e[kr->n].name, kr->e[kr->n].key) < 0) {
			err = E_KEYFORMAT;
			break;
		}
		kr->e[kr->n].line = lineno;
		kr->n++;
	}
	sodium_memzero(line, sizeof line);
	fclose(f);
	if (err == E_OK && kr->n > 1) {
		qsort(kr->e, kr->n, sizeof *kr->e, cmp_entry);
		for (size_t i = 1; i < kr->n; i++)
			if (strcmp(kr->e[i - 1].name, kr->e[i].name) == 0) {
				err = E_KEYDUP; /* the second time it is listed */
				lineno = kr->e[i - 1].line > kr->e[i].line ? kr->e[i - 1].line : kr->e[i].line;
				break;
			}
	}
	if (err != E_OK) {
		if (errline)
			*errline = lineno;
		keyring_free(kr);
		return err;
	}
	*out = kr;
	return E_OK;
}

void keyring_free(struct keyring *kr)
{
	if (!kr)
		return;
	if (kr->e)
		sodium_free(kr->e); /* zeroes the keys */
	free(kr);
}

const uint8_t *keyring_find(const struct keyring *kr, const char *node)
{
	struct kr_entry k;
	if (!kr || !node || kr->n == 0)
		return NULL;
	snprintf(k.name, sizeof k.name, "%s", node);
	const struct kr_entry *e = bsearch(&k, kr->e, kr->n, sizeof *kr->e, cmp_entry);
	return e ? e->key : NULL;
}

size_t keyring_count(const struct keyring *kr) { return kr ? kr->n : 0; }

const char *keyring_name(const struct keyring *kr, size_t i)
{
	return kr && i < kr->n ? kr->e[i].name : NULL;
}
