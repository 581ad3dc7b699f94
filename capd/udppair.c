/* capd/udppair.c: pairs captured UDP queries with their responses (bounded table by client, port, DNS id). */
#include "capd/udppair.h"

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"

/* one waiting query; 32 bytes, so a bucket of 4 is two cache lines */
struct slot {
	uint64_t a0, a1;    /* client address as two words (IPv4: a0 low 32 bits, a1 0) */
	uint64_t ts;        /* capture time of the query, us; 0 = free */
	uint16_t port;      /* client port */
	uint16_t id;        /* DNS id */
	uint8_t family;     /* 4 or 6 */
	uint8_t pad[3];
};

struct udppair {
	struct slot *s;       /* nbuckets * UDPPAIR_WAYS */
	uint32_t mask;        /* nbuckets - 1 */
	uint64_t timeout;     /* us */
	struct udppair_stats st;
};

static uint32_t table_slots(const struct udppair_conf *c)
{
	uint32_t want = c && c->slots ? c->slots : 16384, n = UDPPAIR_WAYS;
	while (n < want && n < (1u << 24))
		n <<= 1;
	return n;
}

uint64_t udppair_memory(const struct udppair_conf *conf)
{
	return (uint64_t)table_slots(conf) * sizeof(struct slot) + sizeof(struct udppair);
}

int udppair_new(const struct udppair_conf *conf, struct udppair **out)
{
	if (!out)
		return E_INVAL;
	*out = NULL;
	if (conf && conf->slots > (1u << 24))
		return E_INVAL;
	struct udppair *u = calloc(1, sizeof *u);
	uint32_t n = table_slots(conf);
	if (u)
		u->s = calloc(n, sizeof *u->s);
	if (!u || !u->s) {
		free(u);
		return E_NOMEM;
	}
	u->mask = n / UDPPAIR_WAYS - 1;
	u->timeout = (uint64_t)(conf && conf->timeout_ms ? conf->timeout_ms : 5000) * 1000u;
	*out = u;
	return E_OK;
}

void udppair_free(struct udppair *u)
{
	if (!u)
		return;
	free(u->s);
	free(u);
}

/* the key as words: fixed-size loads, no call */
struct key {
	uint64_t a0, a1;
	uint16_t port, id;
	uint8_t family;
};

static inline struct key mkkey(uint8_t family, const uint8_t *a, uint16_t port, uint16_t id)
{
	struct key k = { 0, 0, port, id, family };
	if (family == 6) {
		memcpy(&k.a0, a, 8);
		memcpy(&k.a1, a + 8, 8);
	} else {
		uint32_t v;
		memcpy(&v, a, 4);
		k.a0 = v;
	}
	return k;
}

/* cheap and well spread: the key's words multiplied into one, folded */
static inline uint32_t bucket(const struct udppair *u, const struct key *k)
{
	uint64_t h = (k->a0 ^ ((uint64_t)k->port << 48 | (uint64_t)k->id << 32 | k->family)) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 29) ^ k->a1) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h & u->mask;
}

static inline int same(const struct slot *s, const struct key *k)
{
	return s->ts && s->a0 == k->a0 && s->a1 == k->a1 && s->port == k->port && s->id == k->id &&
	    s->family == k->family;
}

void udppair_query(struct udppair *u, uint8_t family, const uint8_t *a, uint16_t port, uint16_t id, uint64_t ts)
{
	struct key k = mkkey(family, a, port, id);
	struct slot *b = &u->s[(size_t)bucket(u, &k) * UDPPAIR_WAYS], *victim = NULL;
	if (!ts)
		ts = 1;   /* 0 marks a free slot */
	/* one pass: the same key (a retransmission, or long ago), else a free slot, else the oldest */
	struct slot *free_slot = NULL, *oldest = &b[0];
	for (int i = 0; i < UDPPAIR_WAYS; i++) {
		struct slot *s = &b[i];
		if (!s->ts) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (same(s, &k)) {
			if (ts >= s->ts && ts - s->ts <= u->timeout)
				return;   /* a retransmission: the first query's time stands */
			victim = s;   /* the same key long ago: reuse its slot */
			break;
		}
		if (s->ts < oldest->ts || !oldest->ts)
			oldest = s;
	}
	if (!victim)
		victim = free_slot ? free_slot : oldest;
	if (victim->ts) {
		if (ts >= victim->ts && ts - victim->ts > u->timeout)
			u->st.unanswered++;
		else
			u->st.evicted++;
	}
	victim->a0 = k.a0;
	victim->a1 = k.a1;
	victim->ts = ts;
	victim->port = port;
	victim->id = id;
	victim->family = family;
}

int udppair_response(struct udppair *u, uint8_t family, const uint8_t *a, uint16_t port, uint16_t id, uint64_t ts,
    uint64_t *qts)
{
	struct key k = mkkey(family, a, port, id);
	struct slot *b = &u->s[(size_t)bucket(u, &k) * UDPPAIR_WAYS];
	for (int i = 0; i < UDPPAIR_WAYS; i++) {
		struct slot *s = &b[i];
		if (!same(s, &k))
			continue;
		uint64_t q = s->ts;
		if (ts < q || ts - q > u->timeout)
			continue;   /* a stale or future query is not this response's: left for reuse */
		s->ts = 0;
		u->st.matched++;
		if (qts)
			*qts = q;
		return 1;
	}
	u->st.misses++;
	return 0;
}

void udppair_stats(const struct udppair *u, struct udppair_stats *st)
{
	if (u && st)
		*st = u->st;
	else if (st)
		memset(st, 0, sizeof *st);
}
