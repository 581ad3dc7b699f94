/* common/keys.c: node key files and the aggregator's keyring. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/errors.h"
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

void keys_generate(uint8_t key[ENV_KEY_LEN])
{
	if (sodium_init() < 0)
		abort(); /* cannot happen once libsodium has a random source */
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
}

int keys_valid_name(const char *node)
{
	size_t n = node ? strlen(node) : 0;
	if (n == 0 || n > ENV_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)node[i]) && !strchr("._-", node[i]))
			return 0;
	return 1;
}

int keys_format_line(const char *node, const uint8_t key[ENV_KEY_LEN], char *buf, size_t cap)
{
	char hex[ENV_KEY_LEN * 2 + 1];
	if (!keys_valid_name(node) || !key || !buf)
		return E_INVAL;
	sodium_bin2hex(hex, sizeof hex, key, ENV_KEY_LEN);
	int n = snprintf(buf, cap, "%s %s\n", node, hex);
	sodium_memzero(hex, sizeof hex);
	return n < 0 || (size_t)n >= cap ? E_SPACE : n;
}

/* parse "NAME HEX" (surrounding blanks allowed); 0 ok, -1 bad */
static int parse_line(char *line, char name[ENV_NAME_MAX + 1], uint8_t key[ENV_KEY_LEN])
{
	char *save = NULL;
	char *nm = strtok_r(line, " \t\r\n", &save);
	char *hx = strtok_r(NULL, " \t\r\n", &save);
	size_t bin = 0;
	if (!nm || !hx || strtok_r(NULL, " \t\r\n", &save) || !keys_valid_name(nm))
		return -1;
	if (strlen(hx) != ENV_KEY_LEN * 2 ||
	    sodium_hex2bin(key, ENV_KEY_LEN, hx, strlen(hx), NULL, &bin, NULL) != 0 ||
	    bin != ENV_KEY_LEN)
		return -1;
	snprintf(name, ENV_NAME_MAX + 1, "%s", nm);
	return 0;
}

/*
 * open a secret file: refuse anything but a regular file, and group/other
 * permission bits. O_NONBLOCK: opening a FIFO for reading would otherwise
 * wait for a writer forever; it opens at once and fstat refuses it.
 */
static FILE *open_secret(const char *path, int *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		*err = -errno;
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = E_KEYTYPE;
		close(fd);
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		*err = E_KEYPERM;
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		*err = -errno;
		close(fd);
	}
	return f;
}

int keys_load_node(const char *path, char node[ENV_NAME_MAX + 1], uint8_t key[ENV_KEY_LEN])
{
	char line[512];
	int err = E_KEYFORMAT, found = 0;
	if (!path || !node || !key)
		return E_INVAL;
	FILE *f = open_secret(path, &err);
	if (!f)
		return err;
	while (fgets(line, sizeof line, f)) {
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (found || parse_line(s, node, key) < 0) {
			found = 0;
			break;
		}
		found = 1;
	}
	sodium_memzero(line, sizeof line);
	fclose(f);
	return found ? E_OK : E_KEYFORMAT;
}

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
	FILE *f = open_secret(path, &err);
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
		if (parse_line(s, kr->e[kr->n].name, kr->e[kr->n].key) < 0) {
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

/* the file type, for a person: "a FIFO", "a directory"... */
static const char *file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

static int describe(const char *path, int rc, int line, char *why, size_t cap)
{
	struct stat st;
	int have = stat(path, &st) == 0;
	switch (rc) {
	case E_OK:
		return 0;
	case E_KEYPERM:
		snprintf(why, cap, "%s: mode %04o: must be readable by its owner only (chmod 600 %s)", path,
		    have ? (unsigned)(st.st_mode & 07777) : 0u, path);
		break;
	case E_KEYTYPE:
		snprintf(why, cap, "%s: %s, not a regular file", path, have ? file_kind(st.st_mode) : "not a regular file");
		break;
	case E_KEYDUP:
		snprintf(why, cap, "%s:%d: node listed a second time (each node name once)", path, line);
		break;
	case E_KEYFORMAT:
		if (line)
			snprintf(why, cap, "%s:%d: not 'NODE-NAME HEX-KEY' (a name of [A-Za-z0-9._-], 64 hex digits)", path, line);
		else
			snprintf(why, cap, "%s: not exactly one 'NODE-NAME HEX-KEY' line", path);
		break;
	default:
		snprintf(why, cap, "%s: %s", path, dnsa_strerror(rc));
		break;
	}
	return 1;
}

int keys_check_node(const char *path, char *why, size_t cap)
{
	char node[ENV_NAME_MAX + 1];
	uint8_t key[ENV_KEY_LEN];
	int rc = keys_load_node(path, node, key);
	sodium_memzero(key, sizeof key);
	return describe(path, rc, 0, why, cap);
}

int keys_check_keyring(const char *path, char *why, size_t cap)
{
	struct keyring *kr = NULL;
	int line = 0, rc = keyring_load(path, &kr, &line);
	keyring_free(kr);
	return describe(path, rc, line, why, cap);
}
