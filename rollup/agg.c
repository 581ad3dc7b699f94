/* rollup/agg.c: in-memory aggregation of decoded records into minute/hour/day series and top names. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "rollup/agg.h"
#include "rollup/dims.h"
#include "rollup/htab.h"

struct counts {
	uint64_t est, sampled;
};

/* stage 2 key */
struct skey {
	uint32_t ts, zone, node, val;
	uint8_t dim, pad[7];
};

/* one record's series updates, applied one record later so their cache misses overlap the next record's work */
#define NK (2 * DIM_ASN + 4)
struct pending {
	struct skey k[NK];
	uint64_t hv[NK];
	uint8_t hour[NK];        /* 1: hour table, 0: minute table */
	struct counts w;
	int valid;
};

struct nkey {
	uint32_t zone;  /* zone index */
	uint32_t hour;  /* hours since the epoch */
	uint32_t name;  /* qname index */
	uint32_t pad;
};

struct top {
	struct nkey k;
	struct counts c;
};

struct agg {
	struct strtab *zones, *nodes, *names;
	struct htab *nametab;             /* struct nkey -> counts */
	struct htab *ser[AGG_GRAN_MAX];   /* struct skey -> counts */
	struct htab *all_minute;          /* minute rows for all zones and all nodes, merged in at the end */
	struct top *top;                  /* kept names, sorted */
	size_t ntop, topcap;
	uint64_t records, weight;
	size_t names_max;                 /* distinct (zone, hour, qname) tracked */
	uint64_t untracked;               /* records whose name was not tracked */
	int cur_node;                     /* agg_payload's node for the callback */
	uint64_t cur_received;
	int err;                          /* sticky E_NOMEM from the callback */
	struct pending pend;              /* the previous record's updates, prefetched */
	char scratch[RECORD_NAME_MAX * 4 + 1];
};

struct agg *agg_new(void)
{
	struct agg *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->zones = strtab_new();
	a->nodes = strtab_new();
	a->names = strtab_new();
	a->nametab = htab_new(sizeof(struct nkey), sizeof(struct counts));
	a->all_minute = htab_new(sizeof(struct skey), sizeof(struct counts));
	a->names_max = AGG_NAMES_DEFAULT;
	int bad = !a->zones || !a->nodes || !a->names || !a->nametab || !a->all_minute;
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		if (!(a->ser[g] = htab_new(sizeof(struct skey), sizeof(struct counts))))
			bad = 1;
	if (bad) {
		agg_free(a);
		return NULL;
	}
	return a;
}

void agg_free(struct agg *a)
{
	if (!a)
		return;
	strtab_free(a->zones);
	strtab_free(a->nodes);
	strtab_free(a->names);
	htab_free(a->nametab);
	htab_free(a->all_minute);
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		htab_free(a->ser[g]);
	free(a->top);
	free(a);
}

void agg_reset(struct agg *a)
{
	strtab_clear(a->zones);
	strtab_clear(a->nodes);
	strtab_clear(a->names);
	htab_clear(a->nametab);
	htab_clear(a->all_minute);
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		htab_clear(a->ser[g]);
	a->ntop = 0;
	a->records = a->weight = a->untracked = 0;
	a->pend.valid = 0;
	a->err = 0;
}

uint32_t agg_zone_count(const struct agg *a) { return strtab_count(a->zones); }
const char *agg_zone_name(const struct agg *a, uint32_t i) { return strtab_str(a->zones, i); }
uint32_t agg_node_count(const struct agg *a) { return strtab_count(a->nodes); }
const char *agg_node_name(const struct agg *a, uint32_t i) { return strtab_str(a->nodes, i); }
uint64_t agg_records(const struct agg *a) { return a->records; }
void agg_limit_names(struct agg *a, size_t max) { a->names_max = max; }
uint64_t agg_names_untracked(const struct agg *a) { return a->untracked; }
uint64_t agg_weight(const struct agg *a) { return a->weight; }

/* intern a name as it will be written: printable ASCII only */
static int64_t intern_clean(struct agg *a, struct strtab *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (p[n] > 0x20 && p[n] < 0x7f && n < RECORD_NAME_MAX)
		n++;
	if (p[n] == '\0')
		return strtab_intern(t, s, n);
	size_t len = dims_sanitize(s, a->scratch, sizeof a->scratch);
	if (len > RECORD_NAME_MAX)
		len = RECORD_NAME_MAX;
	return strtab_intern(t, a->scratch, len);
}

int agg_node(struct agg *a, const char *node)
{
	int64_t i = intern_clean(a, a->nodes, node);
	if (i < 0)
		return E_NOMEM;
	if (i > UINT16_MAX)
		return E_TOOBIG;
	return (int)i;
}

static int add(struct htab *h, uint32_t ts, uint32_t zone, uint32_t node, unsigned dim,
    uint32_t val, const struct counts *v)
{
	struct skey k;
	memset(&k, 0, sizeof k);
	k.ts = ts;
	k.zone = zone;
	k.node = node;
	k.dim = (uint8_t)dim;
	k.val = val;
	struct counts *c = htab_upsert(h, &k);
	if (!c)
		return E_NOMEM;
	c->est += v->est;
	c->sampled += v->sampled;
	return E_OK;
}

/* the value of r in every dimension (codes as dims_label reads them) */
static void record_vals(const struct dnsa_record *r, uint32_t v[DIM_MAX])
{
	v[DIM_TOTAL] = 0;
	v[DIM_QTYPE] = (r->has & RH_QUESTION) ? r->qtype : DIMS_NONE;
	v[DIM_RCODE] = r->rcode & 0xfff;
	v[DIM_OPCODE] = r->opcode & 0xf;
	v[DIM_TRANSPORT] = r->transport < TR_MAX ? r->transport : TR_UNKNOWN;
	v[DIM_IPVER] = r->ipver == 4 || r->ipver == 6 ? r->ipver : 0;
	v[DIM_EDNS] = (r->has & RH_EDNS) ? r->edns_version : DIMS_NONE;
	v[DIM_DO] = (r->has & RH_EDNS) && r->edns_do ? 1 : 0;
	v[DIM_RSIZE] = (r->has & RH_RSIZE) ? dims_rsize_band(r->rsize) : DIMS_RSIZE_UNKNOWN;
	v[DIM_COUNTRY] = 0;
	if ((r->has & RH_COUNTRY) && isalpha((unsigned char)r->country[0]) &&
	    isalpha((unsigned char)r->country[1]))
		v[DIM_COUNTRY] = (uint32_t)(toupper((unsigned char)r->country[0]) << 8 |
		    toupper((unsigned char)r->country[1]));
	v[DIM_ASN] = (r->has & RH_ASN) ? r->asn : 0;
}

static int apply_pending(struct agg *a)
{
	struct pending *p = &a->pend;
	if (!p->valid)
		return E_OK;
	for (unsigned i = 0; i < NK; i++) {
		struct counts *c = htab_upsert_hashed(a->ser[p->hour[i] ? AGG_HOUR : AGG_MINUTE], &p->k[i], p->hv[i]);
		if (!c)
			return E_NOMEM;
		c->est += p->w.est;
		c->sampled += p->w.sampled;
	}
	p->valid = 0;
	return E_OK;
}

/*
 * Each record goes straight into its series rows: every dimension per zone
 * and per node for its minute, the AS number for its hour (there is no
 * per-minute ASN series), and the zone x node total. The tables hold one
 * entry per distinct series, which stays small and cache-resident however
 * many records arrive; agg_finish derives hours, days and all-zones rows.
 */
int agg_add(struct agg *a, int node, uint64_t received_us, const struct dnsa_record *r)
{
	uint64_t t = r->time_us ? r->time_us : received_us;
	struct counts w = { r->weight ? r->weight : 1, 1 };
	int64_t z = intern_clean(a, a->zones, r->zone[0] ? r->zone : ".");
	if (z < 0)
		return E_NOMEM;
	uint32_t v[DIM_MAX];
	record_vals(r, v);
	uint32_t s = (uint32_t)(t / 1000000u);
	uint32_t minute = s - s % 60u, hour = s - s % 3600u;
	uint32_t zi = (uint32_t)z + 1, ni = (uint32_t)node + 1;
	struct htab *m = a->ser[AGG_MINUTE], *h = a->ser[AGG_HOUR];

	/* this record's keys, hashed and prefetched now, applied with the next record */
	struct pending nx;
	unsigned n = 0;
	for (unsigned d = 0; d < DIM_ASN; d++) {
		nx.k[n] = (struct skey){ minute, zi, 0, v[d], (uint8_t)d, { 0 } };
		nx.hour[n++] = 0;
		nx.k[n] = (struct skey){ minute, 0, ni, v[d], (uint8_t)d, { 0 } };
		nx.hour[n++] = 0;
	}
	nx.k[n] = (struct skey){ minute, zi, ni, 0, DIM_TOTAL, { 0 } };
	nx.hour[n++] = 0;
	nx.k[n] = (struct skey){ hour, zi, 0, v[DIM_ASN], DIM_ASN, { 0 } };
	nx.hour[n++] = 1;
	nx.k[n] = (struct skey){ hour, 0, ni, v[DIM_ASN], DIM_ASN, { 0 } };
	nx.hour[n++] = 1;
	nx.k[n] = (struct skey){ hour, 0, 0, v[DIM_ASN], DIM_ASN, { 0 } };
	nx.hour[n++] = 1;
	for (unsigned i = 0; i < NK; i++) {
		nx.hv[i] = htab_hash(&nx.k[i], sizeof nx.k[i]);
		htab_prefetch(nx.hour[i] ? h : m, nx.hv[i]);
	}
	nx.w = w;
	nx.valid = 1;
	if (apply_pending(a))
		return E_NOMEM;
	a->pend = nx;

	if ((r->has & RH_QUESTION) && r->qname[0]) {
		struct counts *nc = NULL;
		if (htab_count(a->nametab) < a->names_max) {
			int64_t q = intern_clean(a, a->names, r->qname);
			if (q < 0)
				return E_NOMEM;
			struct nkey nk = { (uint32_t)z, (uint32_t)(t / 3600000000u), (uint32_t)q, 0 };
			if (!(nc = htab_upsert(a->nametab, &nk)))
				return E_NOMEM;
		} else {
			/* full: only names already tracked still count (sanitised names are rare: skip them) */
			int64_t q = strtab_find(a->names, r->qname, strnlen(r->qname, RECORD_NAME_MAX));
			struct nkey nk = { (uint32_t)z, (uint32_t)(t / 3600000000u), (uint32_t)q, 0 };
			if (q >= 0)
				nc = htab_find(a->nametab, &nk);
		}
		if (nc) {
			nc->est += w.est;
			nc->sampled++;
		} else {
			a->untracked++;
		}
	}
	a->records++;
	a->weight += w.est;
	return E_OK;
}

static int on_record(const struct dnsa_record *r, void *arg)
{
	struct agg *a = arg;
	if (!a->err)
		a->err = agg_add(a, a->cur_node, a->cur_received, r);
	return 0;
}

int agg_payload(struct agg *a, int node, uint64_t received_us, const uint8_t *p, size_t len)
{
	a->cur_node = node;
	a->cur_received = received_us;
	int n = payload_foreach_record(p, len, on_record, a);
	if (a->err)
		return a->err;
	return n;
}

/* by zone, hour, estimate (descending), then name: the same order as the SQL trim of complete hours */
static int top_cmp(const void *pa, const void *pb, void *arg)
{
	const struct top *x = pa, *y = pb;
	const struct strtab *names = arg;
	if (x->k.zone != y->k.zone)
		return x->k.zone < y->k.zone ? -1 : 1;
	if (x->k.hour != y->k.hour)
		return x->k.hour < y->k.hour ? -1 : 1;
	if (x->c.est != y->c.est)
		return x->c.est > y->c.est ? -1 : 1;
	return strcmp(strtab_str(names, x->k.name), strtab_str(names, y->k.name));
}

static int select_top(struct agg *a, unsigned top_n)
{
	size_t n = htab_count(a->nametab);
	if (n > a->topcap) {
		struct top *t = realloc(a->top, n * sizeof *t);
		if (!t)
			return E_NOMEM;
		a->top = t;
		a->topcap = n;
	}
	size_t it = 0, i = 0;
	const void *key;
	struct counts *c;
	while ((c = htab_next(a->nametab, &it, &key))) {
		memcpy(&a->top[i].k, key, sizeof(struct nkey));
		a->top[i++].c = *c;
	}
	if (n > 1)
		qsort_r(a->top, n, sizeof *a->top, top_cmp, a->names);
	/* keep the first top_n of each (zone, hour) group, compacting in place */
	size_t out = 0, run = 0;
	for (i = 0; i < n; i++) {
		if (i == 0 || a->top[i].k.zone != a->top[i - 1].k.zone ||
		    a->top[i].k.hour != a->top[i - 1].k.hour)
			run = 0;
		if (run++ < top_n)
			a->top[out++] = a->top[i];
	}
	a->ntop = out;
	return E_OK;
}

int agg_finish(struct agg *a, unsigned top_n)
{
	size_t it = 0;
	const void *kp;
	struct counts *v;
	int rc;

	if ((rc = apply_pending(a)))
		return rc;

	/* minutes -> hours; zone rows also make the all-zones rows */
	it = 0;
	while ((v = htab_next(a->ser[AGG_MINUTE], &it, &kp))) {
		const struct skey *k = kp;
		uint32_t h = k->ts - k->ts % 3600u;
		if ((rc = add(a->ser[AGG_HOUR], h, k->zone, k->node, k->dim, k->val, v)))
			return rc;
		if (k->zone && !k->node &&
		    ((rc = add(a->ser[AGG_HOUR], h, 0, 0, k->dim, k->val, v)) ||
		     (rc = add(a->all_minute, k->ts, 0, 0, k->dim, k->val, v))))
			return rc;
	}
	/* hours -> days */
	it = 0;
	while ((v = htab_next(a->ser[AGG_HOUR], &it, &kp))) {
		const struct skey *k = kp;
		if ((rc = add(a->ser[AGG_DAY], k->ts - k->ts % 86400u, k->zone, k->node, k->dim, k->val, v)))
			return rc;
	}
	it = 0;
	while ((v = htab_next(a->all_minute, &it, &kp))) {
		const struct skey *k = kp;
		if ((rc = add(a->ser[AGG_MINUTE], k->ts, 0, 0, k->dim, k->val, v)))
			return rc;
	}
	return select_top(a, top_n);
}

static int keep(unsigned g, const struct skey *k)
{
	if (g == AGG_MINUTE)
		return k->dim != DIM_ASN && !(k->zone && k->node);
	return !(k->zone && k->node) || k->dim == DIM_TOTAL;
}

/* iterator: granularity in the top 8 bits, slot position below */
int agg_series_next(const struct agg *a, uint64_t *it, struct agg_series *out)
{
	for (unsigned g = (unsigned)(*it >> 56); g < AGG_GRAN_MAX; g++) {
		size_t pos = (g == *it >> 56) ? (size_t)(*it & ((1ull << 56) - 1)) : 0;
		const void *kp;
		struct counts *v;
		while ((v = htab_next(a->ser[g], &pos, &kp))) {
			const struct skey *k = kp;
			if (!keep(g, k))
				continue;
			*it = (uint64_t)g << 56 | pos;
			out->gran = (uint8_t)g;
			out->dim = k->dim;
			out->ts = k->ts;
			out->zone = k->zone;
			out->node = k->node;
			out->val = k->val;
			out->est = v->est;
			out->sampled = v->sampled;
			return 1;
		}
		*it = (uint64_t)(g + 1) << 56;
	}
	return 0;
}

size_t agg_series_count(const struct agg *a)
{
	size_t n = 0;
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		n += htab_count(a->ser[g]);
	return n;
}

int agg_names_next(const struct agg *a, uint64_t *it, struct agg_name *out)
{
	if (*it >= a->ntop)
		return 0;
	const struct top *t = &a->top[(*it)++];
	out->zone = t->k.zone + 1;
	out->ts = t->k.hour * 3600u;
	out->qname = strtab_str(a->names, t->k.name);
	out->est = t->c.est;
	out->sampled = t->c.sampled;
	return 1;
}
