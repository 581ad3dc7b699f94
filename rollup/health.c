/* rollup/health.c: node health series: capd's cumulative counters as increments, aggd's node statistics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "rollup/agg.h"
#include "rollup/health.h"
#include "rollup/htab.h"
#include "rollup/strtab.h"

/* every gauge of record.c's table (sample_n, the kernel filter's ks_state and ks_n), not only sample_n */
int health_is_gauge(unsigned id)
{
	return counter_kind(id) == CK_GAUGE;
}

const char *health_counter_name(unsigned id)
{
	static char unnamed[C_COUNTER_MAX][8];
	const char *n = id < C_COUNTER_MAX ? counter_name(id) : NULL;
	if (n)
		return n;
	if (id >= C_COUNTER_MAX)
		return "c_invalid";
	if (!unnamed[id][0])
		snprintf(unnamed[id], sizeof unnamed[id], "c%u", id);
	return unnamed[id];
}

void health_delta(struct dnsa_counters *last, const struct dnsa_counters *snap,
    struct dnsa_counters *delta)
{
	memset(delta, 0, sizeof *delta);
	delta->time_us = snap->time_us;
	for (unsigned id = 0; id < C_COUNTER_MAX; id++) {
		if (!counters_has(snap, id))
			continue;
		uint64_t v = snap->value[id];
		if (health_is_gauge(id)) {
			counters_set(last, id, v);
			continue;
		}
		uint64_t old = counters_has(last, id) ? last->value[id] : 0;
		if (v > old) {
			counters_set(delta, id, v - old);
			counters_set(last, id, v);
		} else if (!counters_has(last, id)) {
			counters_set(last, id, v);
		}
	}
	if (snap->time_us > last->time_us)
		last->time_us = snap->time_us;
}

struct hkey {
	uint32_t ts, node, counter;
	uint8_t gran, source, pad[2];
};

struct health {
	struct strtab *names;  /* counter names */
	struct htab *rows;     /* struct hkey -> uint64_t */
	uint64_t saturated;    /* additions that stopped at 2^64-1 instead of wrapping */
};

int health_new(struct health **out)
{
	*out = NULL;
	struct health *h = calloc(1, sizeof *h);
	if (!h)
		return E_NOMEM;
	strtab_new(&h->names);
	htab_new(sizeof(struct hkey), sizeof(uint64_t), &h->rows);
	if (!h->names || !h->rows) {
		health_free(h);
		return E_NOMEM;
	}
	*out = h;
	return E_OK;
}

void health_free(struct health *h)
{
	if (!h)
		return;
	strtab_free(h->names);
	htab_free(h->rows);
	free(h);
}

void health_reset(struct health *h)
{
	strtab_trim(h->names, 16u << 20);
	htab_trim(h->rows, 16u << 20);
	h->saturated = 0;
}

uint64_t health_saturated(const struct health *h)
{
	return h->saturated;
}

size_t health_bytes(const struct health *h)
{
	return htab_bytes(h->rows) + strtab_bytes(h->names);
}

uint64_t health_rows(const struct health *h)
{
	return htab_count(h->rows);
}

int health_add(struct health *h, uint32_t node, uint64_t time_us, enum health_source src,
    const char *counter, uint64_t value)
{
	if (value == 0)
		return E_OK;
	int64_t c = strtab_intern(h->names, counter, strnlen(counter, 64));
	if (c < 0)
		return E_NOMEM;
	static const uint32_t span[AGG_GRAN_MAX] = { 60, 3600, 86400 };
	uint32_t t = (uint32_t)(time_us / 1000000u);
	for (int g = 0; g < AGG_GRAN_MAX; g++) {
		struct hkey k;
		memset(&k, 0, sizeof k);
		k.ts = t - t % span[g];
		k.node = node;
		k.counter = (uint32_t)c;
		k.gran = (uint8_t)g;
		k.source = (uint8_t)src;
		uint64_t *v = htab_upsert(h->rows, &k);
		if (!v)
			return E_NOMEM;
		if (__builtin_add_overflow(*v, value, v)) {
			*v = UINT64_MAX;
			h->saturated++;
		}
	}
	return E_OK;
}

int health_next(const struct health *h, uint64_t *it, struct health_row *out)
{
	size_t pos = (size_t)*it;
	const void *kp;
	uint64_t *v = htab_next(h->rows, &pos, &kp);
	*it = pos;
	if (!v)
		return 0;
	const struct hkey *k = kp;
	out->gran = k->gran;
	out->source = k->source;
	out->ts = k->ts;
	out->node = k->node;
	out->counter = strtab_str(h->names, k->counter);
	out->value = *v;
	return 1;
}
