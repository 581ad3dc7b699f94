/* capd/pipeline.c: per message: count, sample, parse, match zone, locate client, build the record, batch it. */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capd/dnsparse.h"
#include "capd/dnstap.h"
#include "capd/dnstap_input.h"
#include "capd/geo.h"
#include "capd/pipeline.h"
#include "capd/sender.h"
#include "capd/zones.h"
#include "common/errors.h"
#include "common/hll.h"

#define ZS_CACHE 16          /* zone_sketch cache slots (a power of two) */

/* the distinct-client sketches of one zone (or of the node) for the current interval */
struct zsketch {
	char zone[RECORD_NAME_MAX + 1];   /* "" = the node */
	uint8_t used;                     /* something was added this interval */
	uint8_t sampled;                  /* fed by sampled messages only (SKF_SAMPLED) */
	struct hll addr, pfx;
};

struct pipeline {
	struct pipeline_conf c;
	struct zsketch *node;       /* NULL: resolvers off */
	struct zsketch *zsk;        /* resolvers_zones zone sketches */
	/* zone_sketch hits by the zone set's own name pointer (direct-mapped; NULL key: empty) */
	const char *zs_key[ZS_CACHE];
	struct zsketch *zs_val[ZS_CACHE];
	uint32_t *zslot;            /* open addressing: zone name hash -> index + 1 into zsk (0 free) */
	uint32_t zmask, nzsk;
	struct dnsa_sketch_piece pieces[2 * (HLL_M / SKETCH_PIECE_MAX + 1)]; /* pipeline_sketches' output: one zone */
	uint8_t sparse[2 * HLL_M];  /* sparse groups of the two sketches in pieces (fewer than HLL_M bytes each) */
	struct sampler *sampler;
	struct sender *sender;      /* borrowed */
	struct zones *zones;        /* owned, may be NULL */
	int root_listed;
	struct geo *geo;            /* owned, may be NULL */
	int geo_on;                 /* geo has a database open: without one, no per-message lookup */
	uint64_t wall;              /* last wall time from pipeline_tick */
	uint64_t last_adapt;        /* mono time of the last sampler_tick */
	uint64_t ctr[C_COUNTER_MAX];
	struct dns_info info;       /* scratch: parsed message (too big for the stack of a hot call) */
	struct dnsa_record rec;     /* scratch: the record being built */
};

int pipeline_new(const struct pipeline_conf *conf, struct sender *sender, struct zones **zones, int root_listed,
    struct geo **geo, struct pipeline **out)
{
	struct pipeline *p = NULL;
	int rc = conf && sender ? E_NOMEM : E_INVAL;
	*out = NULL;
	if (conf && sender)
		p = calloc(1, sizeof *p);
	if (p) {
		p->c = *conf;
		/* only adaptive sampling has a clock to follow; the others skip the per-message check */
		p->c.capture_clock = conf->capture_clock && conf->sampler.mode == SAMPLER_ADAPTIVE;
		p->sender = sender;
		rc = sampler_new(&conf->sampler, &p->sampler);
	}
	if (p && p->sampler && conf->resolvers) {
		uint32_t nz = conf->resolvers_zones, slots = 4;
		while (slots < 2 * nz)
			slots <<= 1;
		p->zmask = slots - 1;
		p->node = calloc(1, sizeof *p->node);
		p->zsk = calloc(nz ? nz : 1, sizeof *p->zsk);
		p->zslot = calloc(slots, sizeof *p->zslot);
		if (!p->node || !p->zsk || !p->zslot) {
			sampler_free(p->sampler);
			p->sampler = NULL;
		}
	}
	if (!p || !p->sampler) {
		if (p) {
			free(p->node);
			free(p->zsk);
			free(p->zslot);
		}
		free(p);
		if (zones) {
			zones_free(*zones);
			*zones = NULL;
		}
		if (geo) {
			geo_free(*geo);
			*geo = NULL;
		}
		return rc;
	}
	pipeline_replace_zones(p, zones, root_listed);
	pipeline_replace_geo(p, geo);
	*out = p;
	return E_OK;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	sampler_free(p->sampler);
	zones_free(p->zones);
	geo_free(p->geo);
	free(p->node);
	free(p->zsk);
	free(p->zslot);
	free(p);
}

void pipeline_replace_zones(struct pipeline *p, struct zones **z, int root_listed)
{
	zones_free(p->zones);
	p->zones = z ? *z : NULL;
	p->root_listed = root_listed;
	memset(p->zs_key, 0, sizeof p->zs_key); /* the names just freed: a new set may reuse their addresses */
	if (z)
		*z = NULL;
}

void pipeline_replace_geo(struct pipeline *p, struct geo **g)
{
	geo_free(p->geo);
	p->geo = g ? *g : NULL;
	p->geo_on = geo_databases(p->geo) != 0;
	if (g)
		*g = NULL;
}

static unsigned transport_counter(uint8_t t)
{
	switch (t) {
	case TR_UDP: return C_MSG_UDP;
	case TR_TCP: return C_MSG_TCP;
	case TR_DOT: return C_MSG_DOT;
	case TR_DOH: return C_MSG_DOH;
	case TR_DOQ: return C_MSG_DOQ;
	case TR_DNSCRYPT_UDP:
	case TR_DNSCRYPT_TCP: return C_MSG_DNSCRYPT;
	default: return C_MSG_OTHER_TRANSPORT;
	}
}

static int is_response(uint8_t type)
{
	return type != MT_UNKNOWN && type < MT_MAX && type % 2 == 0;
}

/*
 * zone and qname of the record; 0 = do not record (unlisted, counted by
 * weight). *key: the zone set's own copy of the zone's name (stable while
 * p->zones is), or NULL.
 */
static int place(struct pipeline *p, struct dnsa_record *r, const struct dns_info *d, uint32_t w, const char **key)
{
	struct zone_match zm = { 0 };
	int listed = 0;

	*key = NULL;

	/* the parser's label starts: the qname text is not rescanned for its labels */
	if (d->has_question && p->zones &&
	    zones_match_labels(p->zones, d->qname, d->qname_len, d->qname_starts, d->qname_labels, &zm) == E_OK)
		listed = zm.zone_labels > 0 || p->root_listed;
	if (!listed) {
		/* only sampled messages are parsed, so this is an estimate: the sum of their weights */
		p->ctr[C_ZONE_UNLISTED_EST] += w;
		if (!p->c.record_unlisted)
			return 0;
		/* zones_match found the catch-all root that capd_conf adds for this case, or nothing */
		r->zone[0] = '.';
		r->zone[1] = '\0';
		if (d->has_question && p->zones && zm.zone && zones_truncate_labels(d->qname, d->qname_len,
		    d->qname_starts, d->qname_labels, &zm, p->c.qname_labels, r->qname, sizeof r->qname) >= 0)
			return 1;
		r->qname[0] = '\0';
		return 1;
	}
	memcpy(r->zone, zm.zone, zm.zone_len);
	r->zone[zm.zone_len] = '\0';
	*key = zm.zone;
	if (zones_truncate_labels(d->qname, d->qname_len, d->qname_starts, d->qname_labels, &zm, p->c.qname_labels,
	    r->qname, sizeof r->qname) < 0)
		memcpy(r->qname, r->zone, zm.zone_len + 1);
	return 1;
}

static inline void count(uint64_t *ctr, uint8_t type, uint8_t transport, uint8_t family)
{
	ctr[C_MSG_TOTAL]++;
	if (type != MT_UNKNOWN && type < MT_MAX)
		ctr[C_MSG_BY_TYPE + type - 1]++;
	ctr[transport_counter(transport)]++;
	if (family == 4)
		ctr[C_MSG_IPV4]++;
	else if (family == 6)
		ctr[C_MSG_IPV6]++;
}

void pipeline_shed(struct pipeline *p, uint8_t type, uint8_t transport, uint8_t family)
{
	count(p->ctr, type, transport, family);
	p->ctr[C_DROP_OVERLOAD]++;
}

uint32_t pipeline_admit(struct pipeline *p, uint8_t type, uint8_t transport, uint8_t family)
{
	int type_skipped;

	/* 1. exact counts, for every message, before anything can drop it */
	count(p->ctr, type, transport, family);

	/* 2. sample before parsing */
	uint32_t w = sampler_decide(p->sampler, type, &type_skipped);
	if (!w) {
		if (type_skipped)
			p->ctr[C_NOT_SAMPLED_TYPE]++;
		return 0;
	}
	p->ctr[C_SAMPLED]++;
	return w;
}

/* capture_clock: the adaptive sampler's second is a second of the capture's own time */
static inline void capture_tick(struct pipeline *p, const struct capd_msg *m)
{
	uint64_t ts = m->has_response_time ? m->response_time_us : m->has_query_time ? m->query_time_us : 0;
	if (!ts)
		return;
	if (p->last_adapt == 0 || ts < p->last_adapt || ts - p->last_adapt >= 1000000) {
		sampler_tick(p->sampler, ts); /* a first time or a step back only restarts the measure */
		p->last_adapt = ts;
	}
}

/*
 * The client's address and its /24 or /48 into a pair of sketches: the
 * address as one or two 64-bit words, mixed (hll_mix) with a constant per
 * family and kind so IPv4, IPv6, addresses and prefixes never collide by
 * construction. Every capd must hash alike (the sketches merge centrally):
 * this is part of the wire format. Fixed-size loads, no call: ~40 instructions.
 */
#define HK_A4 0x5bd1e9955bd1e995ull
#define HK_P4 0x27d4eb2f165667c5ull
#define HK_A6 0x9e3779b97f4a7c15ull
#define HK_P6 0xc2b2ae3d27d4eb4full
static inline void sketch_hashes(const uint8_t *a, uint8_t alen, uint64_t *ha, uint64_t *hp)
{
	uint64_t w0 = 0, w1;
	if (alen == 4) {
		uint32_t v;
		memcpy(&v, a, 4);
		w0 = le32toh(v);   /* the address's first byte in the low bits on every host */
		*ha = hll_mix(hll_mix(w0 ^ HK_A4));
		*hp = hll_mix(hll_mix((w0 & 0x00ffffffull) ^ HK_P4));
	} else {
		memcpy(&w0, a, 8);
		memcpy(&w1, a + 8, 8);
		w0 = le64toh(w0);
		w1 = le64toh(w1);
		*ha = hll_mix(hll_mix(w0 ^ HK_A6) ^ w1);
		*hp = hll_mix(hll_mix(w0 & 0xffffffffffffull) ^ HK_P6);
	}
}

/* a message's client hashes, computed once for the node's and the zone's sketches */
struct client_hash {
	uint64_t addr, pfx;
	int ok;                     /* sketches on and an address to hash */
};

static inline void client_hash(const struct pipeline *p, const struct capd_msg *m, struct client_hash *h)
{
	h->ok = p->node && (m->client_addr_len == 4 || m->client_addr_len == 16);
	if (h->ok)
		sketch_hashes(m->client_addr, m->client_addr_len, &h->addr, &h->pfx);
}

static inline void sketch_client(struct zsketch *z, const struct client_hash *h)
{
	hll_add_hash(&z->addr, h->addr);
	hll_add_hash(&z->pfx, h->pfx);
	z->used = 1;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* a zone's sketches, created on first use; NULL when every slot is taken */
static struct zsketch *zone_sketch(struct pipeline *p, const char *zone)
{
	uint32_t i = name_hash(zone) & p->zmask;
	for (;; i = (i + 1) & p->zmask) {
		uint32_t k = p->zslot[i];
		if (!k) {
			if (p->nzsk >= p->c.resolvers_zones)
				return NULL;
			struct zsketch *z = &p->zsk[p->nzsk];
			snprintf(z->zone, sizeof z->zone, "%s", zone);
			p->zslot[i] = ++p->nzsk;
			return z;
		}
		if (!strcmp(p->zsk[k - 1].zone, zone))
			return &p->zsk[k - 1];
	}
}

static void record_msg(struct pipeline *p, const struct capd_msg *m, uint32_t w, const struct client_hash *h);

void pipeline_msg(struct pipeline *p, const struct capd_msg *m)
{
	struct client_hash h;
	client_hash(p, m, &h);
	if (h.ok)
		sketch_client(p->node, &h);
	if (p->c.capture_clock)
		capture_tick(p, m);
	uint32_t w = pipeline_admit(p, m->type, m->transport, m->family);
	if (w)
		record_msg(p, m, w, &h);
}

void pipeline_msg_presampled(struct pipeline *p, const struct capd_msg *m, uint32_t w)
{
	count(p->ctr, m->type, m->transport, m->family);
	if (m->type >= 32 || !(p->c.sampler.type_mask >> m->type & 1)) {
		p->ctr[C_NOT_SAMPLED_TYPE]++;
		return;
	}
	p->ctr[C_SAMPLED]++;
	pipeline_record(p, m, w ? w : 1);
}

void pipeline_record(struct pipeline *p, const struct capd_msg *m, uint32_t w)
{
	struct client_hash h;
	client_hash(p, m, &h);
	record_msg(p, m, w, &h);
}

/* pipeline_record with the client's hashes already computed (h->ok 0: no sketches) */
static void record_msg(struct pipeline *p, const struct capd_msg *m, uint32_t w, const struct client_hash *h)
{
	uint64_t *ctr = p->ctr;

	/* (dnstap input: times are known only now, for sampled messages; enough for a 1 s clock) */
	if (p->c.capture_clock)
		capture_tick(p, m);

	/* 3. parse the sampled message only; what is readable of an odd or cut one is recorded, flagged */
	struct dns_info *d = &p->info;
	int rc = m->dns ? dnsparse_message(m->dns, m->dns_len, DNSPARSE_FULL, d) : E_INVAL;
	if (rc != E_OK && !(m->dns && d->has_question)) {
		if (!m->cut) { /* a cut one is counted exactly by its input (msg_cut) */
			ctr[C_PARSE_ERRORS]++;
			ctr[C_PARSE_ERRORS_EST] += w;
		}
		return;
	}

	struct dnsa_record *r = &p->rec;
	memset(r, 0, offsetof(struct dnsa_record, zone));
	memset(&r->qtype, 0, sizeof *r - offsetof(struct dnsa_record, qtype));
	const char *key;
	if (!place(p, r, d, w, &key))
		return;
	if (h->ok) {
		/* a zone seen before: its sketch by the zone set's pointer, without hashing the name */
		unsigned ci = (unsigned)(((uintptr_t)key * 0x9e3779b97f4a7c15ull) >> 60) & (ZS_CACHE - 1);
		struct zsketch *z = key && key == p->zs_key[ci] ? p->zs_val[ci] : zone_sketch(p, r->zone);
		if (z && key) {
			p->zs_key[ci] = key;
			p->zs_val[ci] = z;
		}
		if (z) {
			sketch_client(z, h);
			z->sampled = w > 1 || z->sampled;   /* under `all` the zone's sketch saw every record */
		} else {
			ctr[C_HLL_ZONES_UNTRACKED]++;
		}
	}
	if (m->cut)
		r->partial |= RP_CUT;
	else if (rc != E_OK)
		r->partial |= RP_MALFORMED;

	int resp = is_response(m->type);
	if (d->has_question) {
		r->has |= RH_QUESTION;
		r->qtype = d->qtype;
		r->qclass = d->qclass;
	}
	if (resp && m->has_response_time)
		r->time_us = m->response_time_us;
	else if (m->has_query_time)
		r->time_us = m->query_time_us;
	else if (m->has_response_time)
		r->time_us = m->response_time_us;
	else
		r->time_us = p->wall;
	if (m->has_query_time && m->has_response_time && m->response_time_us >= m->query_time_us &&
	    m->response_time_us - m->query_time_us <= UINT32_MAX) {
		r->has |= RH_LATENCY;
		r->latency_us = (uint32_t)(m->response_time_us - m->query_time_us);
	}
	r->opcode = d->opcode;
	r->rcode = d->rcode;
	r->flags = d->flags;
	if (resp)
		r->akind = (uint8_t)dnsparse_akind(d);
	r->transport = m->transport;
	r->ipver = m->family;
	r->msgtype = m->type;
	if (d->has_edns) {
		r->has |= RH_EDNS;
		r->edns_version = d->edns_version;
		r->edns_udp = d->edns_udp;
		r->edns_do = d->edns_do;
		r->edns_ecs = d->edns_ecs;
	}
	uint32_t size = m->cut ? m->wire_len : (uint32_t)m->dns_len;
	if (resp) {
		r->has |= RH_RSIZE;
		r->rsize = size;
		if (m->query_dns) {
			r->has |= RH_QSIZE;
			r->qsize = (uint32_t)m->query_dns_len;
		}
	} else {
		r->has |= RH_QSIZE;
		r->qsize = size;
	}
	if (m->has_rtt) {
		r->has |= RH_RTT;
		r->rtt_us = m->rtt_us;
	}

	/* 4. the client: country, ASN, prefix; the address itself only if configured */
	if (m->client_addr_len == 4 || m->client_addr_len == 16) {
		/* no database: nothing to look up (country and asn stay zeroed above) */
		unsigned found = p->geo_on ? geo_lookup(p->geo, m->client_addr, m->client_addr_len, r->country, &r->asn) : 0;
		if (found & GEO_COUNTRY)
			r->has |= RH_COUNTRY;
		if (found & GEO_ASN)
			r->has |= RH_ASN;
		if (p->c.full_address) {
			r->has |= RH_ADDR;
			r->addr_len = m->client_addr_len;
			r->prefix_len = (uint8_t)(m->client_addr_len * 8);
			memcpy(r->addr, m->client_addr, m->client_addr_len);
		} else if (p->c.prefix) {
			unsigned bits = m->client_addr_len == 4 ? p->c.prefix_v4 : p->c.prefix_v6;
			if (bits > m->client_addr_len * 8u)
				bits = m->client_addr_len * 8u;
			r->has |= RH_PREFIX;
			r->addr_len = m->client_addr_len;
			r->prefix_len = (uint8_t)bits;
			geo_prefix(m->client_addr, m->client_addr_len, bits, r->addr);
		}
	}
	r->weight = w;

	if (sender_add(p->sender, r) == E_OK) {
		ctr[C_RECORDED]++;
		if (r->partial)
			ctr[C_RECORDED_PARTIAL]++;
	}
}

void pipeline_tick(struct pipeline *p, uint64_t wall_us, uint64_t mono_us)
{
	p->wall = wall_us;
	if (!p->c.capture_clock && (p->last_adapt == 0 || mono_us - p->last_adapt >= 1000000)) {
		sampler_tick(p->sampler, mono_us);
		p->last_adapt = mono_us;
	}
	sender_tick(p->sender, mono_us);
}

void pipeline_counters(const struct pipeline *p, struct dnsa_counters *c)
{
	static const unsigned ids[] = {
		C_MSG_TOTAL, C_MSG_UDP, C_MSG_TCP, C_MSG_DOT, C_MSG_DOH, C_MSG_DOQ, C_MSG_DNSCRYPT,
		C_MSG_OTHER_TRANSPORT, C_MSG_IPV4, C_MSG_IPV6, C_SAMPLED, C_RECORDED, C_NOT_SAMPLED_TYPE,
		C_ZONE_UNLISTED_EST, C_PARSE_ERRORS, C_PARSE_ERRORS_EST, C_DNSTAP_ERRORS, C_DROP_OVERLOAD,
		C_RECORDED_PARTIAL, C_HLL_ZONES_UNTRACKED,
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		counters_set(c, ids[i], p->ctr[ids[i]]);
	for (unsigned t = MT_AUTH_QUERY; t < MT_MAX; t++)
		counters_set(c, C_MSG_BY_TYPE + t - 1, p->ctr[C_MSG_BY_TYPE + t - 1]);
	counters_set(c, C_SAMPLE_N, sampler_current_n(p->sampler));
	/* counters fed by inputs through pipeline_count */
	for (unsigned id = C_DNSTAP_ERRORS; id < C_COUNTER_MAX; id++)
		if (p->ctr[id] && !counters_has(c, id))
			counters_set(c, id, p->ctr[id]);
}

/* one sketch as pieces: sparse when 3 bytes per set register beat 4096 dense ones */
static size_t sketch_pieces(struct dnsa_sketch_piece *out, const char *zone, uint8_t kind, uint8_t flags,
    const struct hll *h, uint8_t *sparse)
{
	size_t n = 0;
	unsigned nz = hll_nonzero(h);
	if (!nz)
		return 0;
	if (nz * 3 < HLL_M) {
		/* sparse: the groups are written into `sparse` (fewer than HLL_M bytes) */
		size_t o = 0, start = 0;
		for (unsigned j = 0; j < HLL_M; j++) {
			if (!h->reg[j])
				continue;
			sparse[o] = (uint8_t)(j >> 8);
			sparse[o + 1] = (uint8_t)j;
			sparse[o + 2] = h->reg[j];
			o += 3;
			if (o - start == SKETCH_PIECE_MAX) {
				out[n++] = (struct dnsa_sketch_piece){ .zone = zone, .kind = kind, .flags = flags | SKF_SPARSE,
					.len = (uint16_t)(o - start), .regs = sparse + start };
				start = o;
			}
		}
		if (o > start)
			out[n++] = (struct dnsa_sketch_piece){ .zone = zone, .kind = kind, .flags = flags | SKF_SPARSE,
				.len = (uint16_t)(o - start), .regs = sparse + start };
		return n;
	}
	for (unsigned first = 0; first < HLL_M; first += SKETCH_PIECE_MAX) {
		unsigned len = HLL_M - first < SKETCH_PIECE_MAX ? HLL_M - first : SKETCH_PIECE_MAX;
		int any = 0;
		for (unsigned j = first; j < first + len && !any; j++)
			any = h->reg[j] != 0;
		if (any)   /* an all-zero chunk adds nothing to a maximum */
			out[n++] = (struct dnsa_sketch_piece){ .zone = zone, .kind = kind, .flags = flags,
				.first = (uint16_t)first, .len = (uint16_t)len, .regs = h->reg + first };
	}
	return n;
}

const struct dnsa_sketch_piece *pipeline_sketches(struct pipeline *p, size_t *it, size_t *n)
{
	*n = 0;
	if (!p->node)
		return NULL;
	for (; *it <= p->nzsk; ++*it) {
		struct zsketch *z = *it == 0 ? p->node : &p->zsk[*it - 1];
		if (!z->used)
			continue;
		uint8_t fl = z->sampled ? SKF_SAMPLED : 0;
		size_t k = sketch_pieces(p->pieces, z->zone, SK_ADDR, fl, &z->addr, p->sparse);
		k += sketch_pieces(p->pieces + k, z->zone, SK_PREFIX, fl, &z->pfx, p->sparse + HLL_M);
		++*it;
		*n = k;
		return p->pieces;
	}
	return NULL;
}

void pipeline_sketches_clear(struct pipeline *p)
{
	if (!p->node)
		return;
	for (uint32_t i = 0; i <= p->nzsk; i++) {
		struct zsketch *z = i == 0 ? p->node : &p->zsk[i - 1];
		if (!z->used)
			continue;
		hll_clear(&z->addr);
		hll_clear(&z->pfx);
		z->used = 0;
		z->sampled = 0;
	}
}

void pipeline_count(struct pipeline *p, unsigned id, uint64_t v)
{
	if (id < C_COUNTER_MAX)
		p->ctr[id] += v;
}

void pipeline_on_dnstap(void *pipeline, const uint8_t *frame, size_t len, unsigned flags)
{
	struct pipeline *p = pipeline;
	struct capd_msg m;
	struct dnstap_peek pk;
	if (dnstap_peek(frame, len, &pk) != E_OK) {
		pipeline_count(p, C_DNSTAP_ERRORS, 1);
		return;
	}
	if (flags & DNSTAP_FRAME_SHED) {
		pipeline_shed(p, pk.type, pk.transport, pk.family);
		return;
	}
	uint32_t w = pipeline_admit(p, pk.type, pk.transport, pk.family);
	if (!w)
		return;
	/* the decode takes over where the peek stopped: one walk of the frame */
	if (dnstap_decode_peeked(&pk, &m) != E_OK) {
		pipeline_count(p, C_DNSTAP_ERRORS, w); /* a sampled frame stands for w: an estimate */
		return;
	}
	/* the address is known only now, for sampled frames: the node sketch says so */
	struct client_hash h;
	client_hash(p, &m, &h);
	if (h.ok) {
		sketch_client(p->node, &h);
		p->node->sampled = w > 1 || p->node->sampled;
	}
	record_msg(p, &m, w, &h);
}
