/* rollup/seen.c: the datagrams already rolled up into MariaDB by any aggregator, so a replay to another one counts once. */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "common/errors.h"
#include "rollup/htab.h"
#include "rollup/seen.h"

struct ckey {
	uint32_t node, pad;
	int64_t boot;
	int64_t chunk;
};

struct chunk {
	uint8_t bits[SEEN_CHUNK / 8];
	uint8_t dirty;          /* marked in this batch: written by seen_flush */
	uint8_t pad[7];
};

struct seen {
	struct mdb *m;
	struct htab *chunks;    /* struct ckey -> struct chunk */
};

static const char SQL_LOCK[] =
	"INSERT INTO rollup_seen (node_id, boot_id, chunk, bits, updated) VALUES (?, ?, ?, '', UTC_TIMESTAMP())"
	" ON DUPLICATE KEY UPDATE node_id = node_id";
static const char SQL_GET[] =
	"SELECT bits FROM rollup_seen WHERE node_id = ? AND boot_id = ? AND chunk = ? FOR UPDATE";
static const char SQL_SET[] =
	"UPDATE rollup_seen SET bits = ?, updated = UTC_TIMESTAMP() WHERE node_id = ? AND boot_id = ? AND chunk = ?";

int seen_new(struct mdb *m, struct seen **out)
{
	*out = NULL;
	struct seen *s = calloc(1, sizeof *s);
	if (!s)
		return E_NOMEM;
	s->m = m;
	if (htab_new(sizeof(struct ckey), sizeof(struct chunk), &s->chunks) != E_OK) {
		free(s);
		return E_NOMEM;
	}
	*out = s;
	return E_OK;
}

void seen_free(struct seen *s)
{
	if (!s)
		return;
	htab_free(s->chunks);
	free(s);
}

void seen_reset(struct seen *s)
{
	htab_clear(s->chunks);
}

static int get_bits(const struct mdb_val *v, unsigned n, void *arg)
{
	struct chunk *c = arg;
	if (v[0].t == 's') {
		size_t l = v[0].len < sizeof c->bits ? v[0].len : sizeof c->bits;
		memcpy(c->bits, v[0].s, l);
	}
	return 0;
}

int seen_mark(struct seen *s, uint32_t node_id, int64_t boot, int64_t seq)
{
	uint64_t q = (uint64_t)seq;
	struct ckey k = { node_id, 0, boot, (int64_t)(q / SEEN_CHUNK) };
	size_t before = htab_count(s->chunks);
	struct chunk *c = htab_upsert(s->chunks, &k);
	if (!c)
		return E_NOMEM;
	if (htab_count(s->chunks) != before) {
		struct mdb_val p[3] = { MDB_U(node_id), MDB_I(boot), MDB_I(k.chunk) };
		int rc = mdb_query(s->m, SQL_LOCK, p, 3, NULL, NULL, NULL, NULL);
		if (!rc)
			rc = mdb_query(s->m, SQL_GET, p, 3, "s", get_bits, c, NULL);
		if (rc)
			return rc;   /* the entry stays half-read: the caller rolls back and resets */
	}
	unsigned bit = (unsigned)(q % SEEN_CHUNK);
	uint8_t m = (uint8_t)(1u << (bit % 8));
	if (c->bits[bit / 8] & m)
		return 1;
	c->bits[bit / 8] |= m;
	c->dirty = 1;
	return 0;
}

int seen_flush(struct seen *s)
{
	size_t it = 0;
	const void *kp;
	struct chunk *c;
	while ((c = htab_next(s->chunks, &it, &kp))) {
		if (!c->dirty)
			continue;
		const struct ckey *k = kp;
		struct mdb_val p[4] = { { 's', 0, (const char *)c->bits, sizeof c->bits },
			MDB_U(k->node), MDB_I(k->boot), MDB_I(k->chunk) };
		int rc = mdb_query(s->m, SQL_SET, p, 4, NULL, NULL, NULL, NULL);
		if (rc)
			return rc;
		c->dirty = 0;
	}
	return E_OK;
}
