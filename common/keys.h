/* common/keys.h: node key files and the aggregator's keyring. */
#ifndef DNSA_COMMON_KEYS_H
#define DNSA_COMMON_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "common/envelope.h"

/*
 * Key file (one per node, mode 0600), one line:   NODE-NAME HEX-KEY
 * Keyring (aggd, mode 0600 or 0400): the same line per node; '#' comments and
 * blank lines allowed. A key is 32 bytes = 64 hex digits. A node name is
 * 1..63 characters of [A-Za-z0-9._-].
 */

/* keys_generate: a new random key. Cannot fail (libsodium initialised). */
void keys_generate(uint8_t key[ENV_KEY_LEN]);

/* keys_format_line: "NAME HEX\n" into buf (cap >= 130). Returns length or E_INVAL. */
int keys_format_line(const char *node, const uint8_t key[ENV_KEY_LEN], char *buf, size_t cap);

/* keys_valid_name: 1 if node is an acceptable node name. */
int keys_valid_name(const char *node);

/*
 * keys_load_node: read a node key file. Returns E_OK, E_KEYPERM (group or
 * world can read or write it), E_KEYTYPE (not a regular file: a FIFO is
 * refused at once, never waited on), E_KEYFORMAT, or -errno from open/read.
 */
int keys_load_node(const char *path, char node[ENV_NAME_MAX + 1], uint8_t key[ENV_KEY_LEN]);

struct keyring;
/*
 * keyring_load: read a keyring file. On E_KEYFORMAT *errline is the bad
 * line, on E_KEYDUP the line that names a node a second time. Returns E_OK
 * with *out set (caller frees with keyring_free), or an error (as
 * keys_load_node, plus E_KEYDUP, E_NOMEM) with *out NULL.
 */
int keyring_load(const char *path, struct keyring **out, int *errline);
void keyring_free(struct keyring *kr);
/* keyring_find: the key of node, or NULL. */
const uint8_t *keyring_find(const struct keyring *kr, const char *node);
size_t keyring_count(const struct keyring *kr);
/* keyring_name: i-th node name (0 <= i < count), for iteration. */
const char *keyring_name(const struct keyring *kr, size_t i);

/*
 * keys_check_node, keys_check_keyring: load the file as start-up would and
 * say why it cannot be used, for a person: "PATH: mode 0644 lets group or
 * others at it (chmod 600 PATH)", "PATH: a FIFO, not a regular file",
 * "PATH:LINE: node listed a second time ...". Returns 0 if the file is
 * usable, else 1 with the reason in why[0..cap). Keys read are wiped.
 */
int keys_check_node(const char *path, char *why, size_t cap);
int keys_check_keyring(const char *path, char *why, size_t cap);

#endif
