/* api/tokens.h: API tokens: the hashed token file written by dnsa-token, lookup and per-token rate limits. */
#ifndef DNSA_API_TOKENS_H
#define DNSA_API_TOKENS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A token as handed to a partner is "dnsa_" ID "_" SECRET: ID is 8 lower-case
 * hex digits (it names the token in the file and in logs), SECRET 64 hex
 * digits (32 random bytes). The file holds only a BLAKE2b-256 hash of the
 * whole token (libsodium crypto_generichash), one line per token:
 *
 *   ID ACCOUNT HASH(64 hex) [CREATED]
 *
 * '#' starts a comment line. ACCOUNT is the MariaDB account every request
 * made with the token runs as. Removing a line revokes the token: the file is
 * re-read when its inode, size or mtime changes (checked at most once a second).
 */
#define TOKEN_ID_LEN 8
#define TOKEN_SECRET_LEN 64
#define TOKEN_LEN (5 + TOKEN_ID_LEN + 1 + TOKEN_SECRET_LEN)
#define TOKEN_ACCOUNT_MAX 32

struct tokens;

enum token_verdict {
	TOKEN_OK = 0,       /* valid; *account filled */
	TOKEN_BAD = 1,      /* absent, malformed, unknown, revoked or wrong secret */
	TOKEN_LIMITED = 2   /* valid but over its rate limit; *retry_s says when to retry */
};

/*
 * tokens_new: load path (refused with E_KEYPERM when group/other-writable, or
 * not a regular file); rate/burst are the per-token token bucket. Returns E_OK
 * and *out, or a negative code with *out NULL; *line is set to the first bad
 * line (0 if the error is not a line's).
 */
int tokens_new(const char *path, double rate, double burst, struct tokens **out, unsigned *line);
void tokens_free(struct tokens *t);

/*
 * tokens_check: is `presented` (NUL-terminated, from the Authorization header)
 * a valid token? Thread-safe. now_s is a monotonic time in seconds. On
 * TOKEN_OK and TOKEN_LIMITED, account (TOKEN_ACCOUNT_MAX + 1 bytes) and id
 * (TOKEN_ID_LEN + 1) are filled. Compares hashes in constant time.
 */
enum token_verdict tokens_check(struct tokens *t, const char *presented, double now_s, char *account,
    char *id, double *retry_s);

/* tokens_count: tokens currently loaded. */
size_t tokens_count(struct tokens *t);

/* token_hash_hex: the file's hash of token (out: 65 bytes). Cannot fail. */
void token_hash_hex(const char *token, char out[65]);

/* token_make: a new random token (out: TOKEN_LEN + 1 bytes) and its id (TOKEN_ID_LEN + 1). */
void token_make(char *out, char *id);

#endif
