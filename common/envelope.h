/* common/envelope.h: the authenticated, encrypted datagram that carries a payload from capd to aggd. */
#ifndef DNSA_COMMON_ENVELOPE_H
#define DNSA_COMMON_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Datagram layout (all integers big-endian); docs/wire-format.md explains it.
 *
 *   0       4       5       6       7       8               16              24      32
 *   +-------+-------+-------+-------+-------+---------------+---------------+-------+
 *   | magic "DNSA"  |version| kind  |namelen|reserved (0)   |
 *   +---------------+-------+-------+-------+---------------+
 *   8: boot id (8 bytes)            16: sequence number (8 bytes)
 *   24: nonce salt (8 bytes)        32: node name (namelen bytes, 1..63, [A-Za-z0-9._-])
 *   32+namelen: ciphertext (payload length) + 16-byte Poly1305 tag
 *
 * The AEAD is XChaCha20-Poly1305 (IETF). Its 24-byte nonce is
 * salt || boot id || sequence number; the whole header (bytes 0 ..
 * 32+namelen) is the associated data.
 */
#define ENV_MAGIC "DNSA"
#define ENV_VERSION 1
#define ENV_FIXED_HDR 32
#define ENV_NAME_MAX 63
#define ENV_TAG_LEN 16
#define ENV_KEY_LEN 32
#define ENV_MAX_DATAGRAM 65507

enum env_kind {
	ENV_KIND_RECORDS = 1,
	ENV_KIND_COUNTERS = 2
};

struct env_header {
	uint8_t version;
	uint8_t kind;                    /* enum env_kind */
	uint64_t boot_id;                /* chosen at start, increasing across restarts */
	uint64_t seq;                    /* starts at 1 per boot, +1 per datagram */
	uint64_t salt;                   /* random, chosen at start */
	uint8_t name_len;
	char node[ENV_NAME_MAX + 1];     /* NUL-terminated node name */
};

/* envelope_overhead: header + tag bytes for a node name of name_len bytes. Cannot fail. */
size_t envelope_overhead(size_t name_len);

/*
 * envelope_name_valid: 1 if name[0..len) is a node name as the wire format
 * allows it: 1..63 bytes of [A-Za-z0-9._-] (ASCII, whatever the locale).
 * Everything a header names is then safe to print and to use as an SQL text
 * value. Cannot fail.
 */
int envelope_name_valid(const char *name, size_t len);

/*
 * envelope_seal: writes header + ciphertext of payload[0..len) to out[0..cap).
 * Returns the datagram length, E_SPACE if cap is too small, E_INVAL for a bad
 * header (name empty, too long or outside the charset, unknown kind).
 */
int envelope_seal(const struct env_header *h, const uint8_t key[ENV_KEY_LEN],
    const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

/*
 * envelope_peek: parse and check the cleartext header of a hostile datagram
 * without decrypting (to find the node's key). Returns E_OK, E_TRUNCATED,
 * E_MAGIC, E_VERSION, E_MALFORMED (kind, name length, reserved byte), or
 * E_BAD_NAME (the node name is outside the charset: h->node is then not
 * set, so no caller can print or look up hostile bytes by mistake).
 */
int envelope_peek(const uint8_t *dg, size_t len, struct env_header *h);

/*
 * envelope_open: verify and decrypt a datagram whose header was peeked into
 * *h. Writes the payload to out[0..cap) and returns its length, or E_AUTH
 * (any modified byte, wrong key), E_SPACE, E_TRUNCATED.
 */
int envelope_open(const struct env_header *h, const uint8_t key[ENV_KEY_LEN],
    const uint8_t *dg, size_t len, uint8_t *out, size_t cap);

#endif
