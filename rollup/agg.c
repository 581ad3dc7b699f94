/* rollup/agg.c: in-memory aggregation of decoded records into minute/hour/day series and top names. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/grow.h"
#include "rollup/agg.h"
#include "rollup/dims.h"
#include "rollup/htab.h"
#include "rollup/strtab.h"

struct counts {
	uint64_t est, sampled;
};

/* series key (the wide tables) */
struct skey {
	uint32_t ts, zone, node, val;
	uint8_t dim, pad[7];
};

/*
 * Dense counters of one (minute, zone) or (minute, node): the small
 * dimensions as fixed arrays, so a record costs two block lookups (mostly
 * from a per-zone / per-node cache) instead of one hash lookup per dimension.
 * A value without a slot here (rcode >= 24, EDNS version >= 3, the 32nd
 * distinct qtype) goes to the minute hash table instead: exact either way.
 */
#define QSLOTS 31
enum {
	B_TOTAL = 0,
	B_QTYPE = 1,                      /* 0: no question; 1..QSLOTS: qtypes by first appearance */
	B_RCODE = B_QTYPE + 1 + QSLOTS,   /* 0..23 */
	B_OPCODE = B_RCODE + 24,          /* 0..15 */
	B_TRANSPORT = B_OPCODE + 16,      /* 0..TR_MAX-1 */
	B_IPVER = B_TRANSPORT + TR_MAX,   /* unknown, 4, 6 */
	B_EDNS = B_IPVER + 3,             /* none, v0, v1, v2 */
	B_DO = B_EDNS + 4,                /* 0, 1 */
	B_RSIZE = B_DO + 2,               /* bands, then unknown */
	B_N = B_RSIZE + DIMS_RSIZE_BANDS + 1
};

/* a block's place: ts, zone index + 1 (or 0), node index + 1 (or 0) -> block index */
struct bkey {
	uint32_t ts, zone, node, pad;
};

/* the last block used by one zone or node: records arrive roughly in time order */
struct bcache {
	uint32_t ts;
	uint32_t idx1;     /* block index + 1, 0 = none */
};

/*
 * A string as it will be interned: its length if it is printable ASCII (the
 * common case: interned as is, hashed ahead by agg_payload), else
 * NEEDS_CLEAN (sanitised first).
 */
#define NEEDS_CLEAN SIZE_MAX
struct pre {
	size_t len;
	uint64_t hv;
};

/*
 * One record, prepared: its zone interned, its blocks and slots found, its
 * wide-table keys hashed, and every line it will update prefetched, in two
 * stages, one record apart (prep1, prep2), before it is committed, so
 * agg_payload keeps the cache misses of three records in flight (the work is
 * bound by memory latency, not by instructions).
 */
#define NK 5
struct prep {
	const struct dnsa_record *r;
	struct skey k[NK];       /* wide-table keys */
	uint64_t hv[NK];
	struct htab *t[NK];
	struct counts w;
	uint32_t v[DIM_MAX];     /* the record's value per dimension */
	int slot[DIM_COUNTRY];   /* block slot per small dimension, -1: minute table */
	uint64_t bz, bn;         /* zone and node block indexes */
	uint32_t z, minute, hour;
	int node;
	const struct agg_pre *pre;  /* what agg_prepare made of r */
};

struct nkey {
	uint32_t zone;  /* zone index */
	uint32_t hour;  /* hours since the epoch */
	uint32_t name;  /* qname index */
	uint32_t pad;
};

/* the first (zone, hour) a name is seen in, counted without a hash lookup; others go to nametab */
struct nfirst {
	uint32_t zone, hour;
	struct counts c;
};

struct top {
	struct nkey k;
	struct counts c;
};

/* a direct-mapped cache in front of the ASN set: the set's hash lookup was ~3% of the rollup */
#define ASN_HITS 4096

struct agg {
	struct strtab *zones, *nodes, *names;
	struct htab *nametab;             /* struct nkey -> counts (a name's later (zone, hour)s) */
	struct nfirst *nfirst;            /* by name index */
	size_t nfirst_cap;
	size_t tracked;                   /* distinct (zone, hour, qname) counted */
	struct htab *ser[AGG_GRAN_MAX];   /* struct skey -> counts */
	struct htab *hourly;              /* rows kept per hour only (struct skey -> counts): ASN per zone
	                                     and per node, zone x node totals (no minute rows are written
	                                     for these, so counting them per minute would only cost memory) */
	struct htab *all_minute;          /* minute rows for all zones and all nodes, merged in at the end */
	struct htab *blocks;              /* struct bkey -> block index */
	struct counts *blk;               /* nblk blocks of B_N counters */
	size_t nblk, blkcap;
	struct bcache *zcache, *ncache;   /* by zone / node index */
	size_t zcap, ncap;
	uint8_t qslot[65536];             /* qtype -> slot 1..QSLOTS, 0 = none yet (kept across batches) */
	uint16_t qval[QSLOTS + 1];        /* slot -> qtype */
	unsigned nq;
	struct dnsa_record *recs;         /* agg_payload's decoded records */
	size_t reccap;
	struct top *top;                  /* kept names, sorted */
	size_t ntop, topcap;
	uint64_t records, weight;
	size_t names_max;                 /* distinct (zone, hour, qname) tracked */
	uint64_t untracked;               /* records whose name was not tracked */
	struct htab *pairs;               /* struct zpair -> unused: the (node, zone)s counted */
	uint32_t *zlast;                  /* by zone index: last node index + 1 that used it (fast path) */
	size_t zlcap;
	uint32_t *nzones;                 /* by node index: distinct zones counted for it */
	size_t nzcap;
	size_t zones_node_max, zones_run_max;  /* agg_limit_zones */
	int64_t other;                    /* zone index of AGG_OTHER_ZONE, -1 until used */
	uint64_t zones_folded;            /* records counted under AGG_OTHER_ZONE */
	struct htab *rnames;              /* struct nkey (pad = rcode) -> counts: names per rcode of AGG_NAME_RCODES */
	struct top *rtop;                 /* kept names per rcode, sorted by rcode, zone, hour, estimate */
	size_t nrtop, rtopcap;
	struct htab *asns;                /* uint64 AS number -> unused: the distinct ASNs counted */
	size_t asn_max;
	uint32_t asn_hit[ASN_HITS];       /* by ASN % ASN_HITS: an ASN known to be in asns (0: none); a cache */
	uint64_t asn_folded;              /* records whose ASN was counted as "other" */
	size_t keep;                      /* agg_reset gives back tables holding more than this */
	char scratch[RECORD_NAME_MAX * 4 + 1];
};

/* a (node, zone) pair counted in this run */
struct zpair {
	uint32_t node, zone;
};

_Static_assert(sizeof ((struct agg_pre *)0)->v == DIM_MAX * sizeof(uint32_t), "agg_pre.v: one per dimension");

int agg_new(struct agg **out)
{
	*out = NULL;
	struct agg *a = calloc(1, sizeof *a);
	if (!a)
		return E_NOMEM;
	strtab_new(&a->zones);
	strtab_new(&a->nodes);
	strtab_new(&a->names);
	htab_new(sizeof(struct nkey), sizeof(struct counts), &a->nametab);
	htab_new(sizeof(struct skey), sizeof(struct counts), &a->all_minute);
	htab_new(sizeof(struct skey), sizeof(struct counts), &a->hourly);
	htab_new(sizeof(struct bkey), sizeof(uint64_t), &a->blocks);
	a->names_max = AGG_NAMES_DEFAULT;
	htab_new(sizeof(struct zpair), sizeof(uint64_t), &a->pairs);
	htab_new(sizeof(uint64_t), sizeof(uint64_t), &a->asns);
	htab_new(sizeof(struct nkey), sizeof(struct counts), &a->rnames);
	a->zones_node_max = a->zones_run_max = AGG_ZONES_DEFAULT;
	a->asn_max = AGG_ASNS_DEFAULT;
	a->keep = SIZE_MAX;
	a->other = -1;
	int bad = !a->zones || !a->nodes || !a->names || !a->nametab || !a->all_minute || !a->hourly ||
	    !a->blocks || !a->pairs || !a->asns || !a->rnames;
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		if (htab_new(sizeof(struct skey), sizeof(struct counts), &a->ser[g]) != E_OK)
			bad = 1;
	if (bad) {
		agg_free(a);
		return E_NOMEM;
	}
	*out = a;
	return E_OK;
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
	htab_free(a->hourly);
	htab_free(a->blocks);
	htab_free(a->pairs);
	htab_free(a->asns);
	htab_free(a->rnames);
	free(a->rtop);
	free(a->zlast);
	free(a->nzones);
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		htab_free(a->ser[g]);
	free(a->nfirst);
	free(a->blk);
	free(a->zcache);
	free(a->ncache);
	free(a->recs);
	free(a->top);
	free(a);
}

void agg_reset(struct agg *a)
{
	/* after a batch that grew big, give the memory back: the next one may be small */
	size_t k = agg_bytes(a) > a->keep ? 0 : SIZE_MAX;
	strtab_trim(a->zones, k);
	strtab_trim(a->nodes, k);
	strtab_trim(a->names, k);
	htab_trim(a->nametab, k);
	htab_trim(a->all_minute, k);
	htab_trim(a->hourly, k);
	htab_trim(a->blocks, k);
	htab_trim(a->pairs, k);
	htab_trim(a->asns, k);
	htab_trim(a->rnames, k);
	a->nrtop = 0;
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		htab_trim(a->ser[g], k);
	if (!k) {
		free(a->blk);
		free(a->top);
		free(a->nfirst);
		a->blk = NULL;
		a->top = NULL;
		a->nfirst = NULL;
		a->blkcap = a->topcap = a->nfirst_cap = 0;
	}
	if (a->zlast)
		memset(a->zlast, 0, a->zlcap * sizeof *a->zlast);
	memset(a->asn_hit, 0, sizeof a->asn_hit);
	if (a->nzones)
		memset(a->nzones, 0, a->nzcap * sizeof *a->nzones);
	a->other = -1;
	a->zones_folded = a->asn_folded = 0;
	if (a->zcache)
		memset(a->zcache, 0, a->zcap * sizeof *a->zcache);
	if (a->ncache)
		memset(a->ncache, 0, a->ncap * sizeof *a->ncache);
	a->nblk = 0;
	a->tracked = 0;
	a->ntop = 0;
	a->records = a->weight = a->untracked = 0;
}

uint32_t agg_zone_count(const struct agg *a) { return strtab_count(a->zones); }
const char *agg_zone_name(const struct agg *a, uint32_t i) { return strtab_str(a->zones, i); }
uint32_t agg_node_count(const struct agg *a) { return strtab_count(a->nodes); }
const char *agg_node_name(const struct agg *a, uint32_t i) { return strtab_str(a->nodes, i); }
uint64_t agg_records(const struct agg *a) { return a->records; }
void agg_limit_names(struct agg *a, size_t max) { a->names_max = max; }
uint64_t agg_names_untracked(const struct agg *a) { return a->untracked; }
uint64_t agg_weight(const struct agg *a) { return a->weight; }
uint64_t agg_zones_folded(const struct agg *a) { return a->zones_folded; }
uint64_t agg_asn_folded(const struct agg *a) { return a->asn_folded; }

void agg_limit_zones(struct agg *a, size_t per_node, size_t per_run, size_t asns)
{
	a->zones_node_max = per_node;
	a->zones_run_max = per_run;
	a->asn_max = asns;
}

void agg_limit_memory(struct agg *a, size_t keep)
{
	a->keep = keep;
}

size_t agg_bytes(const struct agg *a)
{
	size_t n = strtab_bytes(a->zones) + strtab_bytes(a->nodes) + strtab_bytes(a->names) +
	    htab_bytes(a->nametab) + htab_bytes(a->all_minute) + htab_bytes(a->hourly) +
	    htab_bytes(a->blocks) + htab_bytes(a->pairs) + htab_bytes(a->asns) + htab_bytes(a->rnames) +
	    a->blkcap * B_N * sizeof *a->blk + a->nfirst_cap * sizeof *a->nfirst +
	    a->topcap * sizeof *a->top + a->reccap * sizeof *a->recs +
	    (a->zlcap + a->nzcap) * sizeof(uint32_t) +
	    (a->zcap + a->ncap) * sizeof(struct bcache);
	for (int g = 0; g < AGG_GRAN_MAX; g++)
		n += htab_bytes(a->ser[g]);
	return n;
}

static inline struct pre pre_of(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (p[n] > 0x20 && p[n] < 0x7f && n < RECORD_NAME_MAX)
		n++;
	if (p[n] != '\0')
		return (struct pre){ NEEDS_CLEAN, 0 };
	return (struct pre){ n, htab_hash(s, n) };
}

/* intern a name as it will be written: printable ASCII only */
static int64_t intern_pre(struct agg *a, struct strtab *t, const char *s, struct pre pr)
{
	if (pr.len != NEEDS_CLEAN)
		return strtab_intern_hashed(t, s, pr.len, pr.hv);
	size_t len = dims_sanitize(s, a->scratch, sizeof a->scratch);
	if (len > RECORD_NAME_MAX)
		len = RECORD_NAME_MAX;
	return strtab_intern(t, a->scratch, len);
}

static int64_t intern_clean(struct agg *a, struct strtab *t, const char *s)
{
	return intern_pre(a, t, s, pre_of(s));
}

int agg_node(struct agg *a, const char *node)
{
	int64_t i = intern_clean(a, a->nodes, node);
	if (i < 0)
		return E_NOMEM;
	if (i > UINT16_MAX)
		return E_TOOBIG;
	if (grow_array((void **)&a->ncache, &a->ncap, (size_t)i + 1, sizeof *a->ncache))
		return E_NOMEM;
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

/* the block slot of value v in dimension d (DIM_TOTAL..DIM_RSIZE), or -1: no slot, use the hash table */
static inline int slot_of(struct agg *a, unsigned d, uint32_t v)
{
	switch (d) {
	case DIM_TOTAL: return B_TOTAL;
	case DIM_QTYPE: {
		if (v == DIMS_NONE)
			return B_QTYPE;
		unsigned s = a->qslot[v & 0xffff];
		if (!s && a->nq < QSLOTS) {
			s = ++a->nq;
			a->qslot[v & 0xffff] = (uint8_t)s;
			a->qval[s] = (uint16_t)v;
		}
		return s ? B_QTYPE + (int)s : -1;
	}
	case DIM_RCODE: return v < 24 ? B_RCODE + (int)v : -1;
	case DIM_OPCODE: return B_OPCODE + (int)(v & 0xf);
	case DIM_TRANSPORT: return B_TRANSPORT + (int)(v % TR_MAX);
	case DIM_IPVER: return B_IPVER + (v == 4 ? 1 : v == 6 ? 2 : 0);
	case DIM_EDNS: return v == DIMS_NONE ? B_EDNS : v < 3 ? B_EDNS + 1 + (int)v : -1;
	case DIM_DO: return B_DO + (v ? 1 : 0);
	case DIM_RSIZE: return v < DIMS_RSIZE_BANDS ? B_RSIZE + (int)v : B_RSIZE + DIMS_RSIZE_BANDS;
	}
	return -1;
}

/* the inverse of slot_of */
static void slot_dim_val(const struct agg *a, int i, unsigned *d, uint32_t *v)
{
	if (i == B_TOTAL)
		*d = DIM_TOTAL, *v = 0;
	else if (i < B_RCODE)
		*d = DIM_QTYPE, *v = i == B_QTYPE ? DIMS_NONE : a->qval[i - B_QTYPE];
	else if (i < B_OPCODE)
		*d = DIM_RCODE, *v = (uint32_t)(i - B_RCODE);
	else if (i < B_TRANSPORT)
		*d = DIM_OPCODE, *v = (uint32_t)(i - B_OPCODE);
	else if (i < B_IPVER)
		*d = DIM_TRANSPORT, *v = (uint32_t)(i - B_TRANSPORT);
	else if (i < B_EDNS)
		*d = DIM_IPVER, *v = i == B_IPVER ? 0 : i == B_IPVER + 1 ? 4 : 6;
	else if (i < B_DO)
		*d = DIM_EDNS, *v = i == B_EDNS ? DIMS_NONE : (uint32_t)(i - B_EDNS - 1);
	else if (i < B_RSIZE)
		*d = DIM_DO, *v = (uint32_t)(i - B_DO);
	else
		*d = DIM_RSIZE, *v = i < B_RSIZE + DIMS_RSIZE_BANDS ? (uint32_t)(i - B_RSIZE) : DIMS_RSIZE_UNKNOWN;
}

/* index of the block of (ts, zone, node), through the cache c; -1 on allocation failure */
static int64_t block(struct agg *a, struct bcache *c, uint32_t ts, uint32_t zone, uint32_t node)
{
	if (c->idx1 && c->ts == ts)
		return c->idx1 - 1;
	struct bkey k = { ts, zone, node, 0 };
	uint64_t *v = htab_upsert(a->blocks, &k);
	if (!v)
		return -1;
	if (!*v) {
		if (a->nblk == a->blkcap) {
			size_t nc = a->blkcap ? a->blkcap * 2 : 256;
			struct counts *nb = realloc(a->blk, nc * B_N * sizeof *nb);
			if (!nb)
				return -1;
			a->blk = nb;
			a->blkcap = nc;
		}
		memset(a->blk + a->nblk * B_N, 0, B_N * sizeof *a->blk);
		*v = ++a->nblk;
	}
	c->ts = ts;
	c->idx1 = (uint32_t)*v;
	return (int64_t)*v - 1;
}

static int count_name(struct agg *a, uint32_t z, uint32_t hour, const struct dnsa_record *r,
    const struct counts *w, const struct agg_pre *pre, int64_t *qi)
{
	struct counts *nc = NULL;
	*qi = -1;
	if (a->tracked < a->names_max) {
		uint32_t known = strtab_count(a->names);
		struct pre qp = { pre->qlen == AGG_PRE_UNCLEAN ? NEEDS_CLEAN : pre->qlen, pre->qhv };
		int64_t q = intern_pre(a, a->names, r->qname, qp);
		if (q < 0)
			return E_NOMEM;
		if ((size_t)q >= a->nfirst_cap &&
		    grow_array((void **)&a->nfirst, &a->nfirst_cap, (size_t)q + 1, sizeof *a->nfirst))
			return E_NOMEM;
		struct nfirst *f = &a->nfirst[q];
		if ((uint32_t)q == known) {
			/* interned just now (names are numbered in order of first appearance) */
			*f = (struct nfirst){ z, hour, { 0, 0 } };
			a->tracked++;
			nc = &f->c;
		} else if (f->zone == z && f->hour == hour) {
			nc = &f->c;
		} else {
			struct nkey nk = { z, hour, (uint32_t)q, 0 };
			size_t before = htab_count(a->nametab);
			if (!(nc = htab_upsert(a->nametab, &nk)))
				return E_NOMEM;
			a->tracked += htab_count(a->nametab) - before;
		}
		*qi = q;
	} else {
		/* full: only names already tracked still count (sanitised names are rare: skip them) */
		int64_t q = strtab_find(a->names, r->qname, strnlen(r->qname, RECORD_NAME_MAX));
		if (q >= 0) {
			struct nfirst *f = &a->nfirst[q];
			struct nkey nk = { z, hour, (uint32_t)q, 0 };
			nc = f->zone == z && f->hour == hour ? &f->c : htab_find(a->nametab, &nk);
			if (nc)
				*qi = q;
		}
	}
	if (nc) {
		nc->est += w->est;
		nc->sampled++;
	} else {
		a->untracked++;
	}
	return E_OK;
}

/*
 * Each record goes straight into its series: the small dimensions into the
 * dense blocks of its (minute, zone) and (minute, node); country into the
 * minute table; the AS number per zone and per node and the zone x node
 * total into the hourly table (neither has minute rows). The tables hold one
 * entry per distinct series; agg_finish derives hours, days and all-zones
 * rows.
 */
static const char *zone_of(const struct dnsa_record *r)
{
	return r->zone[0] ? r->zone : ".";
}

static int has_name(const struct dnsa_record *r)
{
	return (r->has & RH_QUESTION) && r->qname[0];
}

/*
 * The zone index of a record from `node`, bounded: a zone new to this node
 * once the node has zones_node_max, or new to the run once the run has
 * zones_run_max, is counted under AGG_OTHER_ZONE instead (and in
 * zones_folded), so neither the series nor the zone table grow past the
 * bounds whatever a node sends. -1 on allocation failure.
 */
static int64_t zone_index(struct agg *a, int node, const char *name, const struct agg_pre *pre)
{
	struct pre pr = { pre->zlen, pre->zhv };
	const char *s = name;
	if (pre->zlen == AGG_PRE_UNCLEAN) {
		size_t len = dims_sanitize(name, a->scratch, sizeof a->scratch);
		if (len > RECORD_NAME_MAX)
			len = RECORD_NAME_MAX;
		a->scratch[len] = '\0';
		s = a->scratch;
		pr = (struct pre){ len, htab_hash(s, len) };
	}
	int64_t z = strtab_find_hashed(a->zones, s, pr.len, pr.hv);
	uint32_t me = (uint32_t)node + 1;
	if (z >= 0 && (size_t)z < a->zlcap && a->zlast[z] == me)
		return z;
	if (z >= 0 && z == a->other)
		return z;
	struct zpair k = { (uint32_t)node, z >= 0 ? (uint32_t)z : UINT32_MAX };
	if (z >= 0 && htab_find(a->pairs, &k)) {
		a->zlast[z] = me;
		return z;
	}
	if ((size_t)node >= a->nzcap &&
	    grow_array((void **)&a->nzones, &a->nzcap, (size_t)node + 1, sizeof *a->nzones))
		return -1;
	if (a->nzones[node] >= a->zones_node_max || (z < 0 && strtab_count(a->zones) >= a->zones_run_max)) {
		a->zones_folded++;
		if (a->other < 0)
			a->other = strtab_intern(a->zones, AGG_OTHER_ZONE, strlen(AGG_OTHER_ZONE));
		return a->other;
	}
	if (z < 0 && (z = strtab_intern_hashed(a->zones, s, pr.len, pr.hv)) < 0)
		return -1;
	k.zone = (uint32_t)z;
	if (!htab_upsert(a->pairs, &k) ||
	    grow_array((void **)&a->zlast, &a->zlcap, (size_t)z + 1, sizeof *a->zlast))
		return -1;
	a->nzones[node]++;
	a->zlast[z] = me;
	return z;
}

/* the ASN value to count: itself while the run has fewer than asn_max distinct ones, else "other" */
static int asn_bound(struct agg *a, uint32_t *v)
{
	if (*v == 0)
		return 0;
	uint32_t *hit = &a->asn_hit[*v % ASN_HITS];
	if (*hit == *v)
		return 0;
	uint64_t k = *v;
	if (htab_find(a->asns, &k)) {
		*hit = *v;
		return 0;
	}
	if (htab_count(a->asns) >= a->asn_max) {
		*v = DIMS_NONE;
		a->asn_folded++;
		return 0;
	}
	if (!htab_upsert(a->asns, &k))
		return -1;
	*hit = *v;
	return 0;
}

void agg_prepare(const struct dnsa_record *recs, int n, uint64_t received_us, struct agg_pre *out)
{
	for (int i = 0; i < n; i++) {
		const struct dnsa_record *r = &recs[i];
		struct agg_pre *p = &out[i];
		uint64_t t = r->time_us ? r->time_us : received_us;
		uint32_t s = (uint32_t)(t / 1000000u);
		p->minute = s - s % 60u;
		p->hour_s = s - s % 3600u;
		p->hour = (uint32_t)(t / 3600000000u);
		p->weight = r->weight ? r->weight : 1;
		record_vals(r, p->v);
		struct pre zp = pre_of(zone_of(r));
		p->zlen = zp.len == NEEDS_CLEAN ? AGG_PRE_UNCLEAN : (uint32_t)zp.len;
		p->zhv = zp.hv;
		p->has = (r->has & RH_ASN) ? AGG_PRE_ASN : 0;
		p->qlen = 0;
		p->qhv = 0;
		if (has_name(r)) {
			struct pre qp = pre_of(r->qname);
			p->has |= AGG_PRE_NAME;
			p->qlen = qp.len == NEEDS_CLEAN ? AGG_PRE_UNCLEAN : (uint32_t)qp.len;
			p->qhv = qp.hv;
		}
		p->lat_b = p->rtt_b = 0;
		if (r->has & RH_LATENCY) {
			p->has |= AGG_PRE_LAT;
			p->lat_b = dims_lat_bucket(r->latency_us);
		}
		if (r->has & RH_RTT) {
			p->has |= AGG_PRE_RTT;
			p->rtt_b = dims_lat_bucket(r->rtt_us);
		}
		p->rcode = r->rcode;
		p->akind = r->akind;
	}
}

/* stage 1: intern the zone (a small, cache-resident table), hash and prefetch the wide keys and the qname's slot */
static int prep1(struct agg *a, int node, const struct dnsa_record *r, const struct agg_pre *pre,
    struct prep *p)
{
	if ((pre->has & AGG_PRE_NAME) && pre->qlen != AGG_PRE_UNCLEAN)
		strtab_prefetch(a->names, pre->qhv);
	int64_t z = zone_index(a, node, zone_of(r), pre);
	if (z < 0 || grow_array((void **)&a->zcache, &a->zcap, (size_t)z + 1, sizeof *a->zcache) ||
	    grow_array((void **)&a->ncache, &a->ncap, (size_t)node + 1, sizeof *a->ncache))
		return E_NOMEM;
	p->r = r;
	p->pre = pre;
	p->node = node;
	p->z = (uint32_t)z;
	p->w = (struct counts){ pre->weight, 1 };
	memcpy(p->v, pre->v, sizeof p->v);
	if ((pre->has & AGG_PRE_ASN) && asn_bound(a, &p->v[DIM_ASN]))
		return E_NOMEM;
	uint32_t minute = pre->minute, hour = pre->hour_s;
	uint32_t zi = (uint32_t)z + 1, ni = (uint32_t)node + 1;
	struct htab *m = a->ser[AGG_MINUTE];
	p->minute = minute;
	p->hour = pre->hour;

	p->k[0] = (struct skey){ minute, zi, 0, p->v[DIM_COUNTRY], DIM_COUNTRY, { 0 } };
	p->t[0] = m;
	p->k[1] = (struct skey){ minute, 0, ni, p->v[DIM_COUNTRY], DIM_COUNTRY, { 0 } };
	p->t[1] = m;
	p->k[2] = (struct skey){ hour, zi, ni, 0, DIM_TOTAL, { 0 } };
	p->t[2] = a->hourly;
	p->k[3] = (struct skey){ hour, zi, 0, p->v[DIM_ASN], DIM_ASN, { 0 } };
	p->t[3] = a->hourly;
	p->k[4] = (struct skey){ hour, 0, ni, p->v[DIM_ASN], DIM_ASN, { 0 } };
	p->t[4] = a->hourly;
	for (unsigned i = 0; i < NK; i++) {
		p->hv[i] = htab_hash(&p->k[i], sizeof p->k[i]);
		htab_prefetch(p->t[i], p->hv[i]);
	}

	return E_OK;
}

/* stage 2: find the blocks and prefetch the counters; peek at the qname's index to prefetch its counts */
static int prep2(struct agg *a, struct prep *p)
{
	const struct agg_pre *pre = p->pre;
	if ((pre->has & AGG_PRE_NAME) && pre->qlen != AGG_PRE_UNCLEAN) {
		int64_t q = strtab_peek(a->names, pre->qhv);
		if (q >= 0 && (size_t)q < a->nfirst_cap)
			__builtin_prefetch(&a->nfirst[q], 1);
	}
	uint32_t minute = p->minute;
	int64_t bz = block(a, &a->zcache[p->z], minute, p->z + 1, 0);
	int64_t bn = block(a, &a->ncache[p->node], minute, 0, (uint32_t)p->node + 1);
	if (bz < 0 || bn < 0)
		return E_NOMEM;
	p->bz = (uint64_t)bz;
	p->bn = (uint64_t)bn;
	const struct counts *cz = a->blk + p->bz * B_N, *cn = a->blk + p->bn * B_N;
	for (unsigned d = 0; d < DIM_COUNTRY; d++) {
		int i = p->slot[d] = slot_of(a, d, p->v[d]);
		if (i >= 0) {
			__builtin_prefetch(&cz[i], 1);
			__builtin_prefetch(&cn[i], 1);
		}
	}
	return E_OK;
}

/* the rcodes whose names are kept apart (top names per rcode); append to add one */
static const uint16_t name_rcodes[] = { 3 /* NXDOMAIN */ };

/*
 * The dimensions with tables of their own (answer kind, latency, TCP RTT),
 * through the hash tables: per zone and per node by minute (all zones is
 * derived in agg_finish), per country by hour for all zones, per node and
 * for all nodes. And the record's name per rcode, for the names already
 * tracked (q >= 0: so the per-rcode names are bounded by names_max too).
 */
static int commit_extra(struct agg *a, const struct prep *p, int64_t q)
{
	const struct agg_pre *r = p->pre;
	struct htab *m = a->ser[AGG_MINUTE];
	uint32_t zi = p->z + 1, ni = (uint32_t)p->node + 1, hour = p->hour * 3600u;
	uint32_t cc = p->v[DIM_COUNTRY] << 8;
	if (r->akind > AK_NONE && r->akind < AK_MAX &&
	    (add(m, p->minute, zi, 0, DIM_AKIND, r->akind, &p->w) ||
	     add(m, p->minute, 0, ni, DIM_AKIND, r->akind, &p->w)))
		return E_NOMEM;
	const struct { uint32_t has; unsigned d, dcc; uint32_t b; } lat[2] = {
		{ AGG_PRE_LAT, DIM_LATENCY, DIM_LATENCY_CC, r->lat_b },
		{ AGG_PRE_RTT, DIM_RTT, DIM_RTT_CC, r->rtt_b }
	};
	for (unsigned i = 0; i < 2; i++) {
		if (!(r->has & lat[i].has))
			continue;
		uint32_t b = lat[i].b;
		if (add(m, p->minute, zi, 0, lat[i].d, b, &p->w) ||
		    add(m, p->minute, 0, ni, lat[i].d, b, &p->w) ||
		    add(a->hourly, hour, 0, ni, lat[i].dcc, cc | b, &p->w) ||
		    add(a->hourly, hour, 0, 0, lat[i].dcc, cc | b, &p->w))
			return E_NOMEM;
	}
	if (q < 0)
		return E_OK;
	for (unsigned i = 0; i < sizeof name_rcodes / sizeof name_rcodes[0]; i++) {
		if (r->rcode != name_rcodes[i])
			continue;
		struct nkey k = { p->z, p->hour, (uint32_t)q, r->rcode };
		struct counts *c = htab_upsert(a->rnames, &k);
		if (!c)
			return E_NOMEM;
		c->est += p->w.est;
		c->sampled++;
	}
	return E_OK;
}

/* stage 3: add the record to everything prepared */
static int commit(struct agg *a, const struct prep *p)
{
	const struct dnsa_record *r = p->r;
	for (unsigned i = 0; i < NK; i++) {
		struct counts *c = htab_upsert_hashed(p->t[i], &p->k[i], p->hv[i]);
		if (!c)
			return E_NOMEM;
		c->est += p->w.est;
		c->sampled++;
	}
	/* block pointers only now: a later prep2 may have moved the blocks */
	struct counts *cz = a->blk + p->bz * B_N, *cn = a->blk + p->bn * B_N;
	for (unsigned d = 0; d < DIM_COUNTRY; d++) {
		int i = p->slot[d];
		if (i >= 0) {
			cz[i].est += p->w.est;
			cz[i].sampled++;
			cn[i].est += p->w.est;
			cn[i].sampled++;
		} else if (add(a->ser[AGG_MINUTE], p->minute, p->z + 1, 0, d, p->v[d], &p->w) ||
		    add(a->ser[AGG_MINUTE], p->minute, 0, (uint32_t)p->node + 1, d, p->v[d], &p->w)) {
			return E_NOMEM;
		}
	}
	int64_t q = -1;
	if ((p->pre->has & AGG_PRE_NAME) && count_name(a, p->z, p->hour, r, &p->w, p->pre, &q))
		return E_NOMEM;
	if (commit_extra(a, p, q))
		return E_NOMEM;
	a->records++;
	a->weight += p->w.est;
	return E_OK;
}

int agg_add(struct agg *a, int node, uint64_t received_us, const struct dnsa_record *r)
{
	struct agg_pre pre;
	struct prep p;
	agg_prepare(r, 1, received_us, &pre);
	int rc = prep1(a, node, r, &pre, &p);
	if (!rc)
		rc = prep2(a, &p);
	return rc ? rc : commit(a, &p);
}

int agg_payload(struct agg *a, int node, uint64_t received_us, const uint8_t *p, size_t len)
{
	int n = agg_decode(a, p, len, NULL);
	return n <= 0 ? n : agg_add_decoded(a, node, received_us, n);
}

int agg_decode(struct agg *a, const uint8_t *p, size_t len, const struct dnsa_record **recs)
{
	/* the decoder's bound on the count; MAX_RECORDS caps it too, past that the payload is bad anyway */
	size_t max = len / RECORD_MIN_SIZE + 1;
	if (max > 65536)
		max = 65536;
	if (max > a->reccap) {
		struct dnsa_record *nr = realloc(a->recs, max * sizeof *nr);
		if (!nr)
			return E_NOMEM;
		a->recs = nr;
		a->reccap = max;
	}
	int n = payload_decode_records(p, len, a->recs, a->reccap);
	if (recs)
		*recs = a->recs;
	return n;
}

int agg_add_decoded(struct agg *a, int node, uint64_t received_us, int n)
{
	return agg_add_records(a, node, received_us, a->recs, n);
}

int agg_add_records(struct agg *a, int node, uint64_t received_us, const struct dnsa_record *recs, int n)
{
	struct agg_pre pre[64];
	for (int i = 0; i < n; i += 64) {
		int m = n - i < 64 ? n - i : 64;
		agg_prepare(recs + i, m, received_us, pre);
		int rc = agg_add_prepared(a, node, recs + i, pre, m);
		if (rc < 0)
			return rc;
	}
	return n;
}

int agg_add_prepared(struct agg *a, int node, const struct dnsa_record *recs, const struct agg_pre *pre, int n)
{
	/*
	 * Three stages, one record apart, so each record's cache misses are in
	 * flight while the two before it are worked on: prep1 record i+2, prep2
	 * record i+1, commit record i.
	 */
	struct prep pp[3];
	int rc;
	for (int i = -2; i < n; i++) {
		if (i + 2 < n && (rc = prep1(a, node, &recs[i + 2], &pre[i + 2], &pp[(i + 2) % 3])))
			return rc;
		if (i + 1 >= 0 && i + 1 < n && (rc = prep2(a, &pp[(i + 1) % 3])))
			return rc;
		if (i >= 0 && (rc = commit(a, &pp[i % 3])))
			return rc;
	}
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
	size_t n = a->tracked;
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
	uint32_t nn = strtab_count(a->names);
	for (uint32_t q = 0; q < nn; q++) {
		const struct nfirst *f = &a->nfirst[q];
		a->top[i].k = (struct nkey){ f->zone, f->hour, q, 0 };
		a->top[i++].c = f->c;
	}
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

/* by rcode, then as top_cmp */
static int rtop_cmp(const void *pa, const void *pb, void *arg)
{
	const struct top *x = pa, *y = pb;
	if (x->k.pad != y->k.pad)
		return x->k.pad < y->k.pad ? -1 : 1;
	return top_cmp(pa, pb, arg);
}

/* the top_n names of each (rcode, zone, hour) */
static int select_rtop(struct agg *a, unsigned top_n)
{
	size_t n = htab_count(a->rnames), it = 0, i = 0;
	if (n > a->rtopcap) {
		struct top *t = realloc(a->rtop, n * sizeof *t);
		if (!t)
			return E_NOMEM;
		a->rtop = t;
		a->rtopcap = n;
	}
	const void *key;
	struct counts *c;
	while ((c = htab_next(a->rnames, &it, &key))) {
		memcpy(&a->rtop[i].k, key, sizeof(struct nkey));
		a->rtop[i++].c = *c;
	}
	if (n > 1)
		qsort_r(a->rtop, n, sizeof *a->rtop, rtop_cmp, a->names);
	size_t out = 0, run = 0;
	for (i = 0; i < n; i++) {
		const struct nkey *k = &a->rtop[i].k, *pk = i ? &a->rtop[i - 1].k : NULL;
		if (!pk || k->pad != pk->pad || k->zone != pk->zone || k->hour != pk->hour)
			run = 0;
		if (run++ < top_n)
			a->rtop[out++] = a->rtop[i];
	}
	a->nrtop = out;
	return E_OK;
}

int agg_finish(struct agg *a, unsigned top_n)
{
	size_t it = 0;
	const void *kp;
	struct counts *v;
	int rc;

	/* blocks -> minute rows: every slot that counted a record */
	const uint64_t *bi;
	while ((bi = htab_next(a->blocks, &it, &kp))) {
		const struct bkey *k = kp;
		const struct counts *b = a->blk + (*bi - 1) * B_N;
		for (int i = 0; i < B_N; i++) {
			unsigned d;
			uint32_t val;
			if (!b[i].sampled)
				continue;
			slot_dim_val(a, i, &d, &val);
			if ((rc = add(a->ser[AGG_MINUTE], k->ts, k->zone, k->node, d, val, &b[i])))
				return rc;
		}
	}
	/* hour-only rows; the zone ASN rows also make the all-zones ASN rows */
	it = 0;
	while ((v = htab_next(a->hourly, &it, &kp))) {
		const struct skey *k = kp;
		if ((rc = add(a->ser[AGG_HOUR], k->ts, k->zone, k->node, k->dim, k->val, v)))
			return rc;
		if (k->zone && !k->node && (rc = add(a->ser[AGG_HOUR], k->ts, 0, 0, k->dim, k->val, v)))
			return rc;
	}

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
	if ((rc = select_top(a, top_n)))
		return rc;
	return select_rtop(a, top_n);
}

static int keep(unsigned g, const struct skey *k)
{
	if (g == AGG_MINUTE)
		return k->dim != DIM_ASN && !(k->zone && k->node);
	return !(k->zone && k->node) || k->dim == DIM_TOTAL;
}

/* iterator: granularity in the top 8 bits, slot position below; the series_* dims or the others */
static int next_of(const struct agg *a, uint64_t *it, struct agg_series *out, int extra)
{
	for (unsigned g = (unsigned)(*it >> 56); g < AGG_GRAN_MAX; g++) {
		size_t pos = (g == *it >> 56) ? (size_t)(*it & ((1ull << 56) - 1)) : 0;
		const void *kp;
		struct counts *v;
		while ((v = htab_next(a->ser[g], &pos, &kp))) {
			const struct skey *k = kp;
			if (!keep(g, k) || (k->dim >= DIM_MAX) != extra)
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

int agg_series_next(const struct agg *a, uint64_t *it, struct agg_series *out)
{
	return next_of(a, it, out, 0);
}

int agg_extra_next(const struct agg *a, uint64_t *it, struct agg_series *out)
{
	return next_of(a, it, out, 1);
}

int agg_rnames_next(const struct agg *a, uint64_t *it, struct agg_name *out)
{
	if (*it >= a->nrtop)
		return 0;
	const struct top *t = &a->rtop[(*it)++];
	out->zone = t->k.zone + 1;
	out->ts = t->k.hour * 3600u;
	out->qname = strtab_str(a->names, t->k.name);
	out->est = t->c.est;
	out->sampled = t->c.sampled;
	out->rcode = (uint16_t)t->k.pad;
	return 1;
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
	out->rcode = 0;
	return 1;
}
