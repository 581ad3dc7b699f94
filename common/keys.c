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
#include "common/keyring.h"
#include "common/keys.h"

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

int keys_parse_line(char *line, char name[ENV_NAME_MAX + 1], uint8_t key[ENV_KEY_LEN])
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
 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
 * forever; it opens at once and fstat refuses it.
 */
FILE *keys_open_secret(const char *path, int *err)
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
	FILE *f = keys_open_secret(path, &err);
	if (!f)
		return err;
	while (fgets(line, sizeof line, f)) {
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (found || keys_parse_line(s, node, key) < 0) {
			found = 0;
			break;
		}
		found = 1;
	}
	sodium_memzero(line, sizeof line);
	fclose(f);
	return found ? E_OK : E_KEYFORMAT;
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
