/* aggd/verify.c: the checks every received datagram passes before it may be staged. */
#include <stdlib.h>

#include "aggd/verify.h"
#include "common/errors.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "common/record.h"

struct verifier {
	struct nodestats *ns;      /* borrowed */
	struct keyring *kr;        /* owned; NULL until the first verifier_set_keyring */
	size_t max_datagram;
	uint8_t *plain;            /* max_datagram bytes: the decrypted payload */
};

int verifier_new(struct nodestats *ns, size_t max_datagram, struct verifier **out)
{
	*out = NULL;
	struct verifier *v;

	if (!ns || max_datagram < ENV_FIXED_HDR || max_datagram > ENV_MAX_DATAGRAM)
		return E_INVAL;
	if (!(v = calloc(1, sizeof *v)))
		return E_NOMEM;
	v->ns = ns;
	v->max_datagram = max_datagram;
	if (!(v->plain = malloc(max_datagram))) {
		free(v);
		return E_NOMEM;
	}
	*out = v;
	return E_OK;
}

void verifier_free(struct verifier *v)
{
	if (!v)
		return;
	keyring_free(v->kr);
	free(v->plain);
	free(v);
}

int verifier_set_keyring(struct verifier *v, struct keyring **kr)
{
	int rc = nodestats_sync(v->ns, *kr);
	if (rc != E_OK)
		return rc;
	keyring_free(v->kr);
	v->kr = *kr;
	*kr = NULL;
	return E_OK;
}

static int reject(struct verdict *out, struct ns_node *node, int reason, int err)
{
	out->node = node;
	out->reason = reason;
	out->err = err;
	node->c.rejects[reason]++;
	return err;
}

int verifier_check(struct verifier *v, const uint8_t *dg, size_t len, int64_t now_us,
    struct verdict *out)
{
	struct ns_node *anon = nodestats_anon(v->ns), *node;
	const uint8_t *key;
	int rc, n;

	out->payload = NULL;
	out->len = 0;
	out->nrecords = 0;
	if (len > v->max_datagram)
		return reject(out, anon, NS_R_OVERSIZED, E_TOOBIG);
	rc = envelope_peek(dg, len, &out->h);
	switch (rc) {
	case E_OK:
		break;
	case E_MAGIC:
		return reject(out, anon, NS_R_BAD_MAGIC, rc);
	case E_VERSION:
		return reject(out, anon, NS_R_BAD_VERSION, rc);
	case E_BAD_NAME:
		return reject(out, anon, NS_R_BAD_NAME, rc);
	default:
		return reject(out, anon, NS_R_BAD_SIZE, rc);
	}
	node = nodestats_find(v->ns, out->h.node);
	key = v->kr ? keyring_find(v->kr, out->h.node) : NULL;
	if (!key || !node) /* a revoked node keeps its entry: count it there */
		return reject(out, node ? node : anon, NS_R_UNKNOWN_NODE, E_UNKNOWN_NODE);
	rc = replay_check(&node->win, out->h.boot_id, out->h.seq);
	switch (rc) {
	case E_OK:
		break;
	case E_REPLAY:
		return reject(out, node, NS_R_REPLAY, rc);
	case E_OLD_BOOT:
		return reject(out, node, NS_R_OLD_BOOT, rc);
	default:
		return reject(out, node, NS_R_OLD_SEQ, rc);
	}
	n = envelope_open(&out->h, key, dg, len, v->plain, v->max_datagram);
	if (n < 0)
		return reject(out, node, n == E_AUTH ? NS_R_BAD_TAG : NS_R_BAD_SIZE, n);
	rc = payload_validate(v->plain, (size_t)n, out->h.kind);
	if (rc < 0)
		return reject(out, node, NS_R_BAD_PAYLOAD, rc);
	replay_commit(&node->win, out->h.boot_id, out->h.seq);
	node->c.datagrams++;
	node->c.records += (unsigned)rc;
	node->last_seen_us = now_us;
	out->node = node;
	out->reason = -1;
	out->err = E_OK;
	out->payload = v->plain;
	out->len = (size_t)n;
	out->nrecords = (unsigned)rc;
	return E_OK;
}
