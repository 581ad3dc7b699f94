/* common/keys.h: node key files (and the line format and checks the keyring shares). */
#ifndef DNSA_COMMON_KEYS_H
#define DNSA_COMMON_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/*
 * keys_parse_line: parse "NAME HEX" (surrounding blanks allowed; line is
 * modified) into name and key. Returns 0, or -1 if it is not such a line.
 * Shared with keyring.c.
 */
int keys_parse_line(char *line, char name[ENV_NAME_MAX + 1], uint8_t key[ENV_KEY_LEN]);

/*
 * keys_open_secret: open a secret file for reading, refusing anything but a
 * regular file (E_KEYTYPE) and group/other permission bits (E_KEYPERM); a
 * FIFO is refused at once. NULL with *err set (also -errno) on failure; the
 * caller fcloses the FILE. Shared with keyring.c.
 */
FILE *keys_open_secret(const char *path, int *err);

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
