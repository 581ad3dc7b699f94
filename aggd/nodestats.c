/* aggd/nodestats.c: per-node replay windows and statistics, in a small open-addressing table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggd/nodestats.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/hash.h"
#include "common/keyring.h"
#include "common/keys.h"

static const char *const reason_names[NS_R_MAX] = {
	[NS_R_OVERSIZED] = "oversized",
	[NS_R_BAD_SIZE] = "bad_size",
	[NS_R_BAD_MAGIC] = "bad_magic",
	[NS_R_BAD_VERSION] = "bad_version",
	[NS_R_UNKNOWN_NODE] = "unknown_node",
	[NS_R_BAD_TAG] = "bad_tag",
	[NS_R_REPLAY] = "replay",
	[NS_R_OLD_SEQ] = "old_seq",
	[NS_R_OLD_BOOT] = "old_boot",
	[NS_R_BAD_PAYLOAD] = "bad_payload",
	[NS_R_BAD_NAME] = "bad_name",
};

/* node_stats counter names of the rejects; replays are the "duplicates" */
static const char *const reject_counters[NS_R_MAX] = {
	[NS_R_OVERSIZED] = "reject_oversized",
	[NS_R_BAD_SIZE] = "reject_bad_size",
	[NS_R_BAD_MAGIC] = "reject_bad_magic",
	[NS_R_BAD_VERSION] = "reject_bad_version",
	[NS_R_UNKNOWN_NODE] = "reject_unknown_node",
	[NS_R_BAD_TAG] = "reject_bad_tag",
	[NS_R_REPLAY] = "duplicates",
	[NS_R_OLD_SEQ] = "reject_old_seq",
	[NS_R_OLD_BOOT] = "reject_old_boot",
	[NS_R_BAD_PAYLOAD] = "reject_bad_payload",
	[NS_R_BAD_NAME] = "reject_bad_name",
};

struct nodestats {
	struct ns_node **node;   /* entries; node[0] is '' */
	size_t n;                /* entries used */
	size_t cap;              /* entries allocated */
	uint32_t *slot;          /* hash index: entry index + 1, 0 = empty */
	size_t nslot;            /* power of two, >= 2 * n */
};

const char *ns_reason_name(unsigned reason)
{
	return reason < NS_R_MAX ? reason_names[reason] : "?";
}

static uint32_t hash_name(const char *s)
{
	uint32_t h = HASH_FNV1A32_INIT;
	while (*s)
		h = hash_fnv1a32(h, (uint8_t)*s++);
	return h;
}

static int rehash(struct nodestats *ns, size_t want)
{
	size_t nslot = 16;
	while (nslot < 2 * want)
		nslot *= 2;
	uint32_t *slot = calloc(nslot, sizeof *slot);
	if (!slot)
		return E_NOMEM;
	for (size_t i = 1; i < ns->n; i++) {
		size_t h = hash_name(ns->node[i]->name) & (nslot - 1);
		while (slot[h])
			h = (h + 1) & (nslot - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(ns->slot);
	ns->slot = slot;
	ns->nslot = nslot;
	return E_OK;
}

static struct ns_node *add(struct nodestats *ns, const char *name)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		struct ns_node **v = realloc(ns->node, cap * sizeof *v);
		if (!v)
			return NULL;
		ns->node = v;
		ns->cap = cap;
	}
	struct ns_node *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	snprintf(e->name, sizeof e->name, "%s", name);
	replay_init(&e->win);
	ns->node[ns->n++] = e;
	if (ns->nslot < 2 * ns->n) {
		if (rehash(ns, ns->n) != E_OK) {
			free(ns->node[--ns->n]);
			return NULL;
		}
	} else {
		size_t h = hash_name(name) & (ns->nslot - 1);
		while (ns->slot[h])
			h = (h + 1) & (ns->nslot - 1);
		ns->slot[h] = (uint32_t)ns->n;
	}
	return e;
}

int nodestats_new(struct nodestats **out)
{
	*out = NULL;
	struct nodestats *ns = calloc(1, sizeof *ns);
	if (!ns)
		return E_NOMEM;
	if (!add(ns, "")) {
		nodestats_free(ns);
		return E_NOMEM;
	}
	*out = ns;
	return E_OK;
}

void nodestats_free(struct nodestats *ns)
{
	if (!ns)
		return;
	for (size_t i = 0; i < ns->n; i++)
		free(ns->node[i]);
	free(ns->node);
	free(ns->slot);
	free(ns);
}

struct ns_node *nodestats_find(struct nodestats *ns, const char *node)
{
	if (!node[0])
		return NULL;
	size_t h = hash_name(node) & (ns->nslot - 1);
	while (ns->slot[h]) {
		struct ns_node *e = ns->node[ns->slot[h] - 1];
		if (strcmp(e->name, node) == 0)
			return e;
		h = (h + 1) & (ns->nslot - 1);
	}
	return NULL;
}

struct ns_node *nodestats_anon(struct nodestats *ns) { return ns->node[0]; }

int nodestats_sync(struct nodestats *ns, const struct keyring *kr)
{
	size_t n = keyring_count(kr);
	for (size_t i = 0; i < n; i++) {
		const char *name = keyring_name(kr, i);
		if (name && name[0] && !nodestats_find(ns, name) && !add(ns, name))
			return E_NOMEM;
	}
	return E_OK;
}

int nodestats_seed(struct nodestats *ns, const char *node, uint64_t boot_id, uint64_t seq)
{
	/* the name comes from the staging file: only what a header could name gets an entry */
	if (!envelope_name_valid(node, strlen(node)))
		return E_INVAL;
	struct ns_node *e = nodestats_find(ns, node);
	if (!e && !(e = add(ns, node)))
		return E_NOMEM;
	/*
	 * Everything up to seq counts as seen: a datagram that was in flight
	 * during the restart and arrives below seq is refused as old rather
	 * than risk staging it twice. gaps stays as it is, so the first
	 * datagram after the restart counts exactly the ones lost meanwhile.
	 */
	e->win.boot_id = boot_id;
	e->win.top = seq;
	e->win.base = seq + 1;
	memset(e->win.bits, 0xff, sizeof e->win.bits);
	if (e->win.boots == 0)
		e->win.boots = 1;
	return E_OK;
}

size_t nodestats_count(const struct nodestats *ns) { return ns->n; }
struct ns_node *nodestats_at(struct nodestats *ns, size_t i) { return i < ns->n ? ns->node[i] : NULL; }

static void refresh(struct ns_node *e)
{
	e->c.gaps = (int64_t)e->win.gaps;
}

void nodestats_totals(struct nodestats *ns, struct ns_counts *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < ns->n; i++) {
		struct ns_node *e = ns->node[i];
		refresh(e);
		out->datagrams += e->c.datagrams;
		out->records += e->c.records;
		out->gaps += e->c.gaps;
		out->drops += e->c.drops;
		for (unsigned r = 0; r < NS_R_MAX; r++)
			out->rejects[r] += e->c.rejects[r];
	}
}

size_t nodestats_foreach_delta(struct nodestats *ns, ns_delta_fn fn, void *arg)
{
	size_t calls = 0;
#define DELTA(counter, field) do { \
		int64_t d_ = (int64_t)(e->c.field - e->flushed.field); \
		if (d_) { fn(e->name, (counter), d_, arg); calls++; } \
	} while (0)
	for (size_t i = 0; i < ns->n; i++) {
		struct ns_node *e = ns->node[i];
		refresh(e);
		DELTA("datagrams", datagrams);
		DELTA("records", records);
		DELTA("gaps", gaps);
		DELTA("staging_drops", drops);
		for (unsigned r = 0; r < NS_R_MAX; r++)
			DELTA(reject_counters[r], rejects[r]);
	}
#undef DELTA
	return calls;
}

void nodestats_mark_flushed(struct nodestats *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		ns->node[i]->flushed = ns->node[i]->c;
}
