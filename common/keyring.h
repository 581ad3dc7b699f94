/* common/keyring.h: the aggregator's keyring: every node's key, looked up by node name. */
#ifndef DNSA_COMMON_KEYRING_H
#define DNSA_COMMON_KEYRING_H

#include <stddef.h>
#include <stdint.h>

/* Keyring file (aggd, mode 0600 or 0400): one "NODE-NAME HEX-KEY" line per node (see keys.h). */
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

#endif
