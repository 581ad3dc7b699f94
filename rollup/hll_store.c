/* rollup/hll_store.c: capd's distinct-client sketches merged per hour and day into resolvers_{sketch_,}{hour,day}. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/grow.h"
#include "common/hll.h"
#include "common/record.h"
#include "rollup/hll_store.h"
#include "rollup/htab.h"
#include "rollup/mdb.h"
#include "rollup/strtab.h"

#define CHUNK 512   /* registers per stored row */

enum { G_HOUR = 0, G_DAY, G_MAX };

/* one merged sketch of the batch */
struct hkey {
	uint32_t ts;      /* period start, seconds */
	uint32_t zone;    /* zone name index + 1 in names; 0 = the node sketch */
	uint32_t node;    /* run-local node index + 1; 0 = all nodes */
	uint8_t gran;     /* G_* */
	uint8_t kind;     /* SK_* */
	uint8_t pad[2];
};

struct hent {
	struct hkey k;
	uint8_t sampled;
	struct hll h;
};

struct hllstore {
	struct mdb *m;
	struct strtab *names;      /* zone names of this batch */
	struct htab *idx;          /* struct hkey -> entry index + 1 */
	struct hent *e;
	size_t ne, ecap;
	struct dnsa_sketch_piece *scratch;
	size_t scap;
	struct strtab *idnames;    /* zone name -> MariaDB zone_id, kept across batches */
	uint32_t *ids;
	size_t idcap;
	uint64_t rows;
};

static const char SQL_ZINS[] = "INSERT IGNORE INTO zone (name) VALUES (?)";
static const char SQL_ZSEL[] = "SELECT zone_id FROM zone WHERE name = ?";
static const char *const SQL_GET[G_MAX] = {
	"SELECT chunk, registers FROM resolvers_sketch_hour WHERE ts = FROM_UNIXTIME(?) AND zone_id = ?"
	" AND node_id = ? AND kind = ? FOR UPDATE",
	"SELECT chunk, registers FROM resolvers_sketch_day WHERE ts = FROM_UNIXTIME(?) AND zone_id = ?"
	" AND node_id = ? AND kind = ? FOR UPDATE",
};
static const char *const SQL_PUT[G_MAX] = {
	"INSERT INTO resolvers_sketch_hour (ts, zone_id, node_id, kind, chunk, registers)"
	" VALUES (FROM_UNIXTIME(?), ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE registers = VALUES(registers)",
	"INSERT INTO resolvers_sketch_day (ts, zone_id, node_id, kind, chunk, registers)"
	" VALUES (FROM_UNIXTIME(?), ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE registers = VALUES(registers)",
};
static const char *const SQL_EST[G_MAX] = {
	"INSERT INTO resolvers_hour (ts, zone_id, node_id, kind, estimate, std_error, registers_set, sampled, updated)"
	" VALUES (FROM_UNIXTIME(?), ?, ?, ?, ? / 1000, ? / 1000, ?, ?, UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE"
	" estimate = VALUES(estimate), std_error = VALUES(std_error), registers_set = VALUES(registers_set),"
	" sampled = GREATEST(sampled, VALUES(sampled)), updated = VALUES(updated)",
	"INSERT INTO resolvers_day (ts, zone_id, node_id, kind, estimate, std_error, registers_set, sampled, updated)"
	" VALUES (FROM_UNIXTIME(?), ?, ?, ?, ? / 1000, ? / 1000, ?, ?, UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE"
	" estimate = VALUES(estimate), std_error = VALUES(std_error), registers_set = VALUES(registers_set),"
	" sampled = GREATEST(sampled, VALUES(sampled)), updated = VALUES(updated)",
};

int hllstore_new(struct mdb *m, struct hllstore **out)
{
	*out = NULL;
	struct hllstore *h = calloc(1, sizeof *h);
	if (!h)
		return E_NOMEM;
	h->m = m;
	if (strtab_new(&h->names) != E_OK || strtab_new(&h->idnames) != E_OK ||
	    htab_new(sizeof(struct hkey), sizeof(uint64_t), &h->idx) != E_OK) {
		hllstore_free(h);
		return E_NOMEM;
	}
	*out = h;
	return E_OK;
}

void hllstore_free(struct hllstore *h)
{
	if (!h)
		return;
	strtab_free(h->names);
	strtab_free(h->idnames);
	htab_free(h->idx);
	free(h->e);
	free(h->scratch);
	free(h->ids);
	free(h);
}

void hllstore_reset(struct hllstore *h)
{
	strtab_clear(h->names);
	htab_clear(h->idx);
	h->ne = 0;
}

void hllstore_discard(struct hllstore *h)
{
	strtab_clear(h->idnames);   /* ids inserted by the rolled-back transaction no longer exist */
}

uint64_t hllstore_rows(const struct hllstore *h)
{
	return h->rows;
}

/* the entry of k, created empty */
static struct hent *entry(struct hllstore *h, const struct hkey *k)
{
	uint64_t *v = htab_upsert(h->idx, k);
	if (!v)
		return NULL;
	if (!*v) {
		if (grow_array((void **)&h->e, &h->ecap, h->ne + 1, sizeof *h->e))
			return NULL;
		struct hent *e = &h->e[h->ne];
		memset(e, 0, sizeof *e);
		e->k = *k;
		*v = ++h->ne;
	}
	return &h->e[*v - 1];
}

static void merge_piece(struct hll *dst, const struct dnsa_sketch_piece *p)
{
	/* payload_sketches validated every index and rank */
	if (p->flags & SKF_SPARSE) {
		for (size_t j = 0; j + 2 < p->len; j += 3) {
			unsigned r = (unsigned)p->regs[j] << 8 | p->regs[j + 1];
			if (p->regs[j + 2] > dst->reg[r])
				dst->reg[r] = p->regs[j + 2];
		}
	} else {
		(void)hll_merge_chunk(dst, p->first, p->regs, p->len);
	}
}

int hllstore_payload(struct hllstore *h, uint32_t node, uint64_t time_us, const uint8_t *p, size_t len)
{
	static const uint32_t span[G_MAX] = { 3600, 86400 };
	/* a piece takes at least 8 bytes on the wire */
	if (grow_array((void **)&h->scratch, &h->scap, len / 8 + 1, sizeof *h->scratch))
		return E_NOMEM;
	int n = payload_sketches(p, len, h->scratch, h->scap);
	if (n <= 0)
		return n;
	uint32_t t = (uint32_t)(time_us / 1000000u);
	for (int i = 0; i < n; i++) {
		const struct dnsa_sketch_piece *s = &h->scratch[i];
		uint32_t zone = 0;
		if (s->zone_buf[0]) {
			int64_t zi = strtab_intern(h->names, s->zone_buf, strlen(s->zone_buf));
			if (zi < 0)
				return E_NOMEM;
			zone = (uint32_t)zi + 1;
		}
		for (int g = 0; g < G_MAX; g++)
			for (int all = 0; all < 2; all++) {
				if (zone && !all)
					continue;   /* zone sketches are kept over all nodes only */
				struct hkey k;
				memset(&k, 0, sizeof k);
				k.ts = t - t % span[g];
				k.zone = zone;
				k.node = all ? 0 : node + 1;
				k.gran = (uint8_t)g;
				k.kind = s->kind;
				struct hent *e = entry(h, &k);
				if (!e)
					return E_NOMEM;
				merge_piece(&e->h, s);
				e->sampled |= (s->flags & SKF_SAMPLED) != 0;
			}
	}
	return n;
}

static int get_id(const struct mdb_val *v, unsigned n, void *arg)
{
	*(int64_t *)arg = v[0].i;
	return 0;
}

static int zone_id(struct hllstore *h, uint32_t zi, uint32_t *out)
{
	const char *name = strtab_str(h->names, zi);
	int64_t i = strtab_intern(h->idnames, name, strlen(name));
	if (i < 0 || grow_array((void **)&h->ids, &h->idcap, (size_t)i + 1, sizeof *h->ids))
		return E_NOMEM;
	if (!h->ids[i]) {
		struct mdb_val v = MDB_S(name);
		int64_t id = 0;
		int rc = mdb_query(h->m, SQL_ZINS, &v, 1, NULL, NULL, NULL, NULL);
		if (!rc)
			rc = mdb_query(h->m, SQL_ZSEL, &v, 1, "i", get_id, &id, NULL);
		if (rc)
			return rc;
		if (id <= 0)
			return -EIO;
		h->ids[i] = (uint32_t)id;
	}
	*out = h->ids[i];
	return E_OK;
}

/* a stored chunk merged into the batch's sketch (a bad stored row is ignored: registers only rise) */
static int get_chunk(const struct mdb_val *v, unsigned n, void *arg)
{
	struct hll *s = arg;
	uint64_t c = (uint64_t)v[0].i;
	if (c < HLL_M / CHUNK && v[1].len <= CHUNK)
		(void)hll_merge_chunk(s, (unsigned)c * CHUNK, (const uint8_t *)v[1].s, v[1].len);
	return 0;
}

int hllstore_apply(struct hllstore *h, const uint32_t *node_ids)
{
	for (size_t i = 0; i < h->ne; i++) {
		struct hent *e = &h->e[i];
		uint32_t zid = 0, nid = e->k.node ? node_ids[e->k.node - 1] : 0;
		int rc, g = e->k.gran;
		if (e->k.zone && (rc = zone_id(h, e->k.zone - 1, &zid)))
			return rc;
		const char *kind = e->k.kind == SK_ADDR ? "address" : "prefix";
		struct hll before;
		struct mdb_val key[4] = { MDB_U(e->k.ts), MDB_U(zid), MDB_U(nid), MDB_S(kind) };
		memset(&before, 0, sizeof before);
		if ((rc = mdb_query(h->m, SQL_GET[g], key, 4, "us", get_chunk, &before, NULL)))
			return rc;
		struct hll merged = before;
		hll_merge(&merged, &e->h);
		for (unsigned c = 0; c < HLL_M / CHUNK; c++) {
			const uint8_t *r = merged.reg + c * CHUNK;
			if (!memcmp(r, before.reg + c * CHUNK, CHUNK))
				continue;   /* unchanged (an all-zero chunk is never written) */
			struct mdb_val v[6] = { MDB_U(e->k.ts), MDB_U(zid), MDB_U(nid), MDB_S(kind), MDB_U(c),
				{ 's', 0, (const char *)r, CHUNK } };
			if ((rc = mdb_query(h->m, SQL_PUT[g], v, 6, NULL, NULL, NULL, NULL)))
				return rc;
			h->rows++;
		}
		double se, est = hll_estimate(&merged, &se);
		/* thousandths as integers: the parameters are integers */
		struct mdb_val v[8] = { MDB_U(e->k.ts), MDB_U(zid), MDB_U(nid), MDB_S(kind),
			MDB_U((uint64_t)(est * 1000 + 0.5)), MDB_U((uint64_t)(se * 1000 + 0.5)),
			MDB_U(hll_nonzero(&merged)), MDB_U(e->sampled) };
		if ((rc = mdb_query(h->m, SQL_EST[g], v, 8, NULL, NULL, NULL, NULL)))
			return rc;
		h->rows++;
	}
	return E_OK;
}
