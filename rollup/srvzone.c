/* rollup/srvzone.c: the nameservers' exact per-zone totals (capd [server_stats]) as increments into server_zone_*. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/grow.h"
#include "common/record.h"
#include "rollup/agg.h"
#include "rollup/htab.h"
#include "rollup/mdb.h"
#include "rollup/srvzone.h"
#include "rollup/strtab.h"

/* one zone of one staged datagram */
struct zent {
	uint32_t node;        /* run-local node index */
	uint32_t zone;        /* index in names */
	int64_t boot;
	int64_t id;           /* staged row id */
	uint64_t time_us;
	uint32_t set;         /* bit i: value[i] (counter C_SRV_FIRST + i) */
	uint64_t value[C_SRV_ZONE_IDS];
};

/* accumulator key: one row of server_zone_{minute,hour,day} */
struct acckey {
	uint32_t ts, zone, node;
	uint8_t gran, counter, pad[2];
};

/* last values of one (node, boot), per zone index */
struct lastv {
	uint32_t set;
	uint64_t value[C_SRV_ZONE_IDS];
};

struct srvzone {
	struct mdb *m;
	struct strtab *names;           /* zone names of this batch */
	struct zent *e;
	size_t ne, ecap;
	struct dnsa_zone_total *scratch; /* decode buffer */
	size_t scap;
	struct htab *acc;               /* struct acckey -> uint64_t */
	struct lastv *last;             /* by zone index, for the (node, boot) being applied */
	size_t lastcap;
	struct strtab *idnames;         /* zone name -> MariaDB zone_id, kept across batches */
	uint32_t *ids;
	size_t idcap;
	struct mdb_upsert *up[AGG_GRAN_MAX], *up_last;
};

static const char SQL_LAST[] =
	"SELECT z.name, l.counter, l.value FROM server_zone_last l JOIN zone z ON z.zone_id = l.zone_id"
	" WHERE l.node_id = ? AND l.boot_id = ? FOR UPDATE";
static const char SQL_ZINS[] = "INSERT IGNORE INTO zone (name) VALUES (?)";
static const char SQL_ZSEL[] = "SELECT zone_id FROM zone WHERE name = ?";
static const char *const table[AGG_GRAN_MAX] = { "server_zone_minute", "server_zone_hour", "server_zone_day" };

int srvzone_new(struct mdb *m, unsigned rows, struct srvzone **out)
{
	*out = NULL;
	struct srvzone *z = calloc(1, sizeof *z);
	if (!z)
		return E_NOMEM;
	z->m = m;
	strtab_new(&z->names);
	strtab_new(&z->idnames);
	htab_new(sizeof(struct acckey), sizeof(uint64_t), &z->acc);
	int bad = !z->names || !z->idnames || !z->acc;
	for (int g = 0; g < AGG_GRAN_MAX && !bad; g++)
		bad = mdb_upsert_new(m, table[g], "zone_id, node_id, ts, counter, value", "uutsu",
		    "value = value + VALUES(value)", rows, &z->up[g]) != E_OK;
	/* the rows are locked FOR UPDATE and hold the maximum: a plain overwrite */
	if (!bad)
		bad = mdb_upsert_new(m, "server_zone_last",
		    "node_id, boot_id, zone_id, counter, value, updated", "uiusut",
		    "value = VALUES(value), updated = VALUES(updated)", rows, &z->up_last) != E_OK;
	if (bad) {
		srvzone_free(z);
		return E_NOMEM;
	}
	*out = z;
	return E_OK;
}

void srvzone_free(struct srvzone *z)
{
	if (!z)
		return;
	strtab_free(z->names);
	strtab_free(z->idnames);
	htab_free(z->acc);
	free(z->e);
	free(z->scratch);
	free(z->last);
	free(z->ids);
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		mdb_upsert_free(z->up[g]);
	mdb_upsert_free(z->up_last);
	free(z);
}

void srvzone_reset(struct srvzone *z)
{
	strtab_clear(z->names);
	htab_clear(z->acc);
	z->ne = 0;
}

void srvzone_discard(struct srvzone *z)
{
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		mdb_upsert_discard(z->up[g]);
	mdb_upsert_discard(z->up_last);
	/* ids inserted by the rolled-back transaction no longer exist */
	strtab_clear(z->idnames);
}

uint64_t srvzone_rows(const struct srvzone *z)
{
	uint64_t n = mdb_upsert_rows(z->up_last);
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		n += mdb_upsert_rows(z->up[g]);
	return n;
}

int srvzone_payload(struct srvzone *z, uint32_t node, int64_t boot, int64_t id, uint64_t time_us,
    const uint8_t *p, size_t len)
{
	/* every zone entry takes at least 4 bytes, so len / 4 + 1 always has room */
	if (grow_array((void **)&z->scratch, &z->scap, len / 4 + 1, sizeof *z->scratch))
		return E_NOMEM;
	int n = payload_zone_totals(p, len, z->scratch, z->scap);
	if (n <= 0)
		return n;
	if (grow_array((void **)&z->e, &z->ecap, z->ne + (size_t)n, sizeof *z->e))
		return E_NOMEM;
	for (int i = 0; i < n; i++) {
		const struct dnsa_zone_total *t = &z->scratch[i];
		int64_t zi = strtab_intern(z->names, t->zone, strlen(t->zone));
		if (zi < 0)
			return E_NOMEM;
		struct zent *e = &z->e[z->ne++];
		e->node = node;
		e->zone = (uint32_t)zi;
		e->boot = boot;
		e->id = id;
		e->time_us = time_us;
		e->set = t->set;
		memcpy(e->value, t->value, sizeof e->value);
	}
	return n;
}

static int ent_cmp(const void *pa, const void *pb)
{
	const struct zent *x = pa, *y = pb;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->boot != y->boot)
		return x->boot < y->boot ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int get_last(const struct mdb_val *v, unsigned n, void *arg)
{
	struct srvzone *z = arg;
	int64_t zi = strtab_find(z->names, v[0].s, strlen(v[0].s));
	if (zi < 0)
		return 0;   /* a zone this batch does not touch */
	for (unsigned i = 0; i < C_SRV_ZONE_IDS; i++)
		if (!strcmp(v[1].s, counter_name(C_SRV_FIRST + i))) {
			z->last[zi].value[i] = (uint64_t)v[2].i;
			z->last[zi].set |= 1u << i;
		}
	return 0;
}

static int get_id(const struct mdb_val *v, unsigned n, void *arg)
{
	*(int64_t *)arg = v[0].i;
	return 0;
}

static int zone_id(struct srvzone *z, uint32_t zi, uint32_t *out)
{
	const char *name = strtab_str(z->names, zi);
	int64_t i = strtab_intern(z->idnames, name, strlen(name));
	if (i < 0 || grow_array((void **)&z->ids, &z->idcap, (size_t)i + 1, sizeof *z->ids))
		return E_NOMEM;
	if (!z->ids[i]) {
		struct mdb_val v = MDB_S(name);
		int64_t id = 0;
		int rc = mdb_query(z->m, SQL_ZINS, &v, 1, NULL, NULL, NULL, NULL);
		if (!rc)
			rc = mdb_query(z->m, SQL_ZSEL, &v, 1, "i", get_id, &id, NULL);
		if (rc)
			return rc;
		if (id <= 0)
			return -EIO;
		z->ids[i] = (uint32_t)id;
	}
	*out = z->ids[i];
	return E_OK;
}

static int accumulate(struct srvzone *z, uint32_t zone, uint32_t node, uint64_t time_us, unsigned counter,
    uint64_t value)
{
	static const uint32_t span[AGG_GRAN_MAX] = { 60, 3600, 86400 };
	uint32_t t = (uint32_t)(time_us / 1000000u);
	for (int g = 0; g < AGG_GRAN_MAX; g++) {
		struct acckey k;
		memset(&k, 0, sizeof k);
		k.ts = t - t % span[g];
		k.zone = zone;
		k.node = node;
		k.gran = (uint8_t)g;
		k.counter = (uint8_t)counter;
		uint64_t *v = htab_upsert(z->acc, &k);
		if (!v)
			return E_NOMEM;
		/* saturate: a hostile node must not wrap a sum */
		*v = *v > UINT64_MAX - value ? UINT64_MAX : *v + value;
	}
	return E_OK;
}

int srvzone_apply(struct srvzone *z, const uint32_t *node_ids)
{
	int rc;
	if (!z->ne)
		return E_OK;
	qsort(z->e, z->ne, sizeof *z->e, ent_cmp);
	uint32_t nz = strtab_count(z->names);
	if (grow_array((void **)&z->last, &z->lastcap, nz, sizeof *z->last))
		return E_NOMEM;
	for (size_t i = 0; i < z->ne;) {
		uint32_t node = z->e[i].node;
		int64_t boot = z->e[i].boot;
		memset(z->last, 0, nz * sizeof *z->last);
		struct mdb_val key[2] = { MDB_U(node_ids[node]), MDB_I(boot) };
		if ((rc = mdb_query(z->m, SQL_LAST, key, 2, "ssu", get_last, z, NULL)))
			return rc;
		/* the highest time per zone, for `updated` */
		size_t j = i;
		uint64_t newest = 0;
		for (; j < z->ne && z->e[j].node == node && z->e[j].boot == boot; j++) {
			const struct zent *e = &z->e[j];
			struct lastv *l = &z->last[e->zone];
			for (unsigned c = 0; c < C_SRV_ZONE_IDS; c++) {
				if (!(e->set >> c & 1))
					continue;
				uint64_t old = l->set >> c & 1 ? l->value[c] : 0;
				/* cumulative: only a rise is new; a late lower snapshot adds nothing */
				if (e->value[c] > old && (rc = accumulate(z, e->zone, node, e->time_us, c, e->value[c] - old)))
					return rc;
				if (e->value[c] > old || !(l->set >> c & 1)) {
					l->value[c] = e->value[c];
					l->set |= 1u << c;
				}
			}
			if (e->time_us > newest)
				newest = e->time_us;
		}
		for (uint32_t zi = 0; zi < nz; zi++) {
			if (!z->last[zi].set)
				continue;
			uint32_t zid;
			if ((rc = zone_id(z, zi, &zid)))
				return rc;
			for (unsigned c = 0; c < C_SRV_ZONE_IDS; c++) {
				if (!(z->last[zi].set >> c & 1))
					continue;
				struct mdb_val v[6] = { MDB_U(node_ids[node]), MDB_I(boot), MDB_U(zid),
					MDB_S(counter_name(C_SRV_FIRST + c)), MDB_U(z->last[zi].value[c]),
					MDB_U(newest / 1000000u) };
				if ((rc = mdb_upsert_add(z->up_last, v)))
					return rc;
			}
		}
		i = j;
	}
	size_t it = 0;
	const void *kp;
	uint64_t *val;
	while ((val = htab_next(z->acc, &it, &kp))) {
		const struct acckey *k = kp;
		uint32_t zid;
		if ((rc = zone_id(z, k->zone, &zid)))
			return rc;
		struct mdb_val v[5] = { MDB_U(zid), MDB_U(node_ids[k->node]), MDB_U(k->ts),
			MDB_S(counter_name(C_SRV_FIRST + k->counter)), MDB_U(*val) };
		if ((rc = mdb_upsert_add(z->up[k->gran], v)))
			return rc;
	}
	if ((rc = mdb_upsert_flush(z->up_last)))
		return rc;
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		if ((rc = mdb_upsert_flush(z->up[g])))
			return rc;
	return E_OK;
}
