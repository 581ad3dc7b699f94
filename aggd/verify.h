/* aggd/verify.h: the checks every received datagram passes before it may be staged. */
#ifndef DNSA_AGGD_VERIFY_H
#define DNSA_AGGD_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "aggd/nodestats.h"
#include "common/envelope.h"

struct keyring;

/*
 * Order of the checks, cheapest first, so that hostile traffic costs little:
 * size -> envelope_peek (magic, version, header) -> keyring_find (node) ->
 * replay_check (window) -> envelope_open (AEAD) -> payload_validate (CBOR
 * shape) -> replay_commit. Only then is a datagram accepted. Every outcome
 * is counted in the node's entry of the nodestats table (rejects naming no
 * known node under ''), so the caller only stages or drops.
 */

struct verdict {
	struct ns_node *node;      /* entry the datagram was counted under (never NULL) */
	int reason;                /* enum ns_reason if rejected, -1 if accepted */
	int err;                   /* the library code behind a reject (E_AUTH, ...) */
	struct env_header h;       /* the peeked header (valid for reason >= NS_R_UNKNOWN_NODE, but not NS_R_BAD_NAME) */
	const uint8_t *payload;    /* accepted: plaintext, valid until the next verifier_check */
	size_t len;                /* accepted: payload length */
	unsigned nrecords;         /* accepted: records in the payload (0 for counters) */
};

struct verifier;

/*
 * verifier_new: ns is borrowed (must outlive the verifier); datagrams longer
 * than max_datagram are rejected as oversized. E_OK with *out set, or
 * E_INVAL / E_NOMEM with *out NULL.
 */
int verifier_new(struct nodestats *ns, size_t max_datagram, struct verifier **out);

/* verifier_free: frees the keyring it owns too. Accepts NULL. */
void verifier_free(struct verifier *v);

/*
 * verifier_set_keyring: take ownership of *kr (set to NULL) and free the
 * previous keyring; nodes keep their windows. Returns E_OK, or E_NOMEM (the
 * old keyring stays, *kr untouched).
 */
int verifier_set_keyring(struct verifier *v, struct keyring **kr);

/*
 * verifier_check: run every check on dg[0..len) (len is the length on the
 * wire, which may exceed what was read when the datagram was truncated).
 * Returns E_OK (accepted) or the negative code of the reject; *out says more.
 * No allocation, no system call.
 */
int verifier_check(struct verifier *v, const uint8_t *dg, size_t len, int64_t now_us,
    struct verdict *out);

#endif
