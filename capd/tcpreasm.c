/* capd/tcpreasm.c: DNS-over-TCP stream reassembly with a preallocated flow table and buffer pools. */
#include "capd/tcpreasm.h"
#include "common/errors.h"
#include "common/hash.h"
#include "common/wire.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define NIL UINT32_MAX

enum { F_FREE = 0, F_SYN, F_EST, F_CLOSED };
enum { L_WEAK = 0, L_EST = 1 };

/* One direction of a flow: where the stream is and what is pending. */
struct half {
	uint32_t next_seq;  /* sequence number of the next byte expected */
	uint8_t seq_known;  /* next_seq valid */
	uint8_t resync;     /* position lost (hole, mid-stream start): bytes dropped until a segment starts a message */
	uint8_t fin;        /* FIN seen */
	uint8_t hl;         /* bytes of the length prefix collected (0..2) */
	uint8_t hlbuf[2];   /* the length prefix when split across segments */
	uint8_t nooo;       /* out-of-order segments held */
	uint16_t mlen;      /* length of the message being collected (hl == 2) */
	uint32_t have;      /* bytes of it in buf */
	uint32_t skip;      /* bytes still to skip (message we could not buffer) */
	uint32_t buf;       /* message buffer index, NIL if none */
	uint32_t ooo;       /* out-of-order list head (sorted by seq), NIL if none */
	uint64_t hole_us;   /* capture time the oldest held segment was queued (a hole opened) */
};

struct flow {
	uint8_t state;      /* F_* */
	uint8_t family;
	uint8_t list;       /* L_WEAK or L_EST */
	uint8_t has_rtt;
	uint8_t synack_seen;
	uint16_t cport, sport;
	uint8_t client[16];
	uint8_t server[16];
	uint32_t hash;
	uint32_t hnext;     /* hash chain; free list when F_FREE */
	uint32_t prev, next; /* LRU list neighbours (prev towards the head = most recent) */
	uint32_t server_isn1; /* server ISN + 1: what the client's handshake ACK acknowledges */
	uint32_t client_isn;  /* the client's ISN, to tell a retransmitted SYN from a reused 4-tuple */
	uint8_t client_isn_known;
	uint32_t rtt_us;
	uint64_t synack_us;
	uint64_t last_us;
	struct half h[2];   /* [1] client -> server, [0] server -> client */
};

struct ooo {
	uint32_t seq;
	uint32_t len;
	uint32_t next;
	uint64_t ts_us;
	uint8_t *data;      /* ooo_size bytes in the pool */
};

struct lru {
	uint32_t head, tail, count;
};

struct tcpreasm {
	struct tcpreasm_conf conf;
	tcpreasm_fn fn;
	void *arg;
	struct flow *flows;
	uint32_t *buckets;
	uint32_t mask;      /* buckets - 1 */
	uint32_t free_flow;
	struct lru lru[2];
	uint8_t *bufmem;    /* buf_count * buf_size */
	uint32_t *buf_stack; /* free buffer indexes */
	uint32_t nbuf_free;
	uint8_t *bigmem;    /* big_count * max_message: messages longer than buf_size */
	uint32_t *big_stack; /* free large buffer indexes (buf_count + i names large buffer i) */
	uint32_t nbig_free;
	struct ooo *ooo;
	uint8_t *ooomem;
	uint32_t ooo_free;
	uint32_t nooo_free; /* slots on the ooo free list */
	uint64_t seed;      /* hash seed, against flooding one chain */
	struct tcpreasm_stats st;
};

static void conf_defaults(struct tcpreasm_conf *c, const struct tcpreasm_conf *in)
{
	if (in)
		*c = *in;
	else
		memset(c, 0, sizeof(*c));
	if (!c->max_flows)
		c->max_flows = 16384;
	if (!c->max_weak || c->max_weak > c->max_flows)
		c->max_weak = c->max_flows / 2 ? c->max_flows / 2 : 1;
	if (!c->buf_count)
		c->buf_count = 512;
	if (!c->buf_size || c->buf_size > 65535)
		c->buf_size = c->buf_size ? 65535 : 4096;
	if (!c->max_message || c->max_message > 65535)
		c->max_message = 65535;
	if (c->max_message < c->buf_size)
		c->max_message = c->buf_size;
	if (!c->big_count)
		c->big_count = 32;
	if (c->max_message == c->buf_size)
		c->big_count = 0; /* every message fits a small buffer: no large pool */
	if (!c->ooo_count)
		c->ooo_count = 1024;
	if (!c->ooo_size)
		c->ooo_size = 2048;
	if (c->ooo_size > 65535)
		c->ooo_size = 65535;
	if (!c->ooo_per_flow)
		c->ooo_per_flow = 64;
	if (c->ooo_per_flow > 255)
		c->ooo_per_flow = 255;
	if (!c->idle_us)
		c->idle_us = 60000000;
	if (!c->weak_us)
		c->weak_us = 10000000;
	if (!c->hole_us)
		c->hole_us = 3000000;
}

static uint32_t nbuckets(uint32_t max_flows)
{
	uint32_t n = 1;
	while (n < max_flows && n < (1u << 30))
		n <<= 1;
	return n;
}

size_t tcpreasm_memory(const struct tcpreasm_conf *conf)
{
	struct tcpreasm_conf c;
	conf_defaults(&c, conf);
	return sizeof(struct tcpreasm) + (size_t)c.max_flows * sizeof(struct flow) +
		(size_t)nbuckets(c.max_flows) * sizeof(uint32_t) +
		(size_t)c.buf_count * (c.buf_size + sizeof(uint32_t)) +
		(size_t)c.big_count * (c.max_message + sizeof(uint32_t)) +
		(size_t)c.ooo_count * (sizeof(struct ooo) + c.ooo_size);
}

int tcpreasm_new(const struct tcpreasm_conf *conf, tcpreasm_fn fn, void *arg, struct tcpreasm **out)
{
	struct tcpreasm *t = calloc(1, sizeof(*t));
	uint32_t i, nb;
	*out = NULL;
	if (!t)
		return E_NOMEM;
	conf_defaults(&t->conf, conf);
	t->fn = fn;
	t->arg = arg;
	nb = nbuckets(t->conf.max_flows);
	t->mask = nb - 1;
	t->flows = calloc(t->conf.max_flows, sizeof(*t->flows));
	t->buckets = malloc((size_t)nb * sizeof(uint32_t));
	t->bufmem = malloc((size_t)t->conf.buf_count * t->conf.buf_size);
	t->buf_stack = malloc((size_t)t->conf.buf_count * sizeof(uint32_t));
	t->bigmem = malloc((size_t)t->conf.big_count * t->conf.max_message + 1);
	t->big_stack = malloc((size_t)t->conf.big_count * sizeof(uint32_t) + 1);
	t->ooo = calloc(t->conf.ooo_count, sizeof(*t->ooo));
	t->ooomem = malloc((size_t)t->conf.ooo_count * t->conf.ooo_size);
	if (!t->flows || !t->buckets || !t->bufmem || !t->buf_stack || !t->bigmem || !t->big_stack || !t->ooo ||
	    !t->ooomem) {
		tcpreasm_free(t);
		return E_NOMEM;
	}
	for (i = 0; i < nb; i++)
		t->buckets[i] = NIL;
	for (i = 0; i < t->conf.max_flows; i++)
		t->flows[i].hnext = i + 1 < t->conf.max_flows ? i + 1 : NIL;
	t->free_flow = 0;
	for (i = 0; i < t->conf.buf_count; i++)
		t->buf_stack[i] = t->conf.buf_count - 1 - i;
	t->nbuf_free = t->conf.buf_count;
	for (i = 0; i < t->conf.big_count; i++)
		t->big_stack[i] = t->conf.buf_count + t->conf.big_count - 1 - i;
	t->nbig_free = t->conf.big_count;
	for (i = 0; i < t->conf.ooo_count; i++) {
		t->ooo[i].data = t->ooomem + (size_t)i * t->conf.ooo_size;
		t->ooo[i].next = i + 1 < t->conf.ooo_count ? i + 1 : NIL;
	}
	t->ooo_free = 0;
	t->nooo_free = t->conf.ooo_count;
	t->lru[0].head = t->lru[0].tail = t->lru[1].head = t->lru[1].tail = NIL;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)t;
	*out = t;
	return E_OK;
}

void tcpreasm_free(struct tcpreasm *t)
{
	if (!t)
		return;
	free(t->flows);
	free(t->buckets);
	free(t->bufmem);
	free(t->buf_stack);
	free(t->bigmem);
	free(t->big_stack);
	free(t->ooo);
	free(t->ooomem);
	free(t);
}

static inline __attribute__((always_inline)) uint32_t flow_hash(const struct tcpreasm *t,
								   const struct tcpreasm_seg *s)
{
	size_t alen = s->family == 6 ? 16 : 4, i;
	uint64_t h = t->seed ^ ((uint64_t)s->client_port << 16 | s->server_port | (uint64_t)s->family << 32);
	uint64_t w;
	for (i = 0; i < alen; i += 4) {
		uint32_t a, b;
		memcpy(&a, s->client + i, 4);
		memcpy(&b, s->server + i, 4);
		w = (uint64_t)a << 32 | b;
		h = hash_mix64(h ^ w);
	}
	return (uint32_t)hash_mix64(h);
}

static void lru_remove(struct tcpreasm *t, struct flow *f)
{
	struct lru *l = &t->lru[f->list];
	if (f->prev != NIL)
		t->flows[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != NIL)
		t->flows[f->next].prev = f->prev;
	else
		l->tail = f->prev;
	l->count--;
}

static void lru_push(struct tcpreasm *t, struct flow *f, uint8_t list)
{
	struct lru *l = &t->lru[list];
	uint32_t idx = (uint32_t)(f - t->flows);
	f->list = list;
	f->prev = NIL;
	f->next = l->head;
	if (l->head != NIL)
		t->flows[l->head].prev = idx;
	else
		l->tail = idx;
	l->head = idx;
	l->count++;
}

/* buffer b: small ones are 0..buf_count-1, large ones follow */
static uint8_t *buf_ptr(const struct tcpreasm *t, uint32_t b)
{
	if (b < t->conf.buf_count)
		return t->bufmem + (size_t)b * t->conf.buf_size;
	return t->bigmem + (size_t)(b - t->conf.buf_count) * t->conf.max_message;
}

static void buf_put(struct tcpreasm *t, uint32_t b)
{
	if (b < t->conf.buf_count)
		t->buf_stack[t->nbuf_free++] = b;
	else
		t->big_stack[t->nbig_free++] = b;
}

/* a buffer for a message of len bytes: the smallest pool that holds it; NIL if none is free */
static uint32_t buf_get(struct tcpreasm *t, uint32_t len)
{
	if (len <= t->conf.buf_size && t->nbuf_free)
		return t->buf_stack[--t->nbuf_free];
	if (len <= t->conf.max_message && t->nbig_free)
		return t->big_stack[--t->nbig_free];
	return NIL;
}

static void ooo_put(struct tcpreasm *t, uint32_t o)
{
	t->ooo[o].next = t->ooo_free;
	t->ooo_free = o;
	t->nooo_free++;
}

/* release a direction's buffers and held segments (its position is then unknown) */
static void half_release(struct tcpreasm *t, struct half *h)
{
	if (h->buf != NIL) {
		buf_put(t, h->buf);
		h->buf = NIL;
	}
	while (h->ooo != NIL) {
		uint32_t o = h->ooo;
		h->ooo = t->ooo[o].next;
		ooo_put(t, o);
	}
	h->nooo = 0;
	h->hl = 0;
	h->skip = 0;
}

static void half_init(struct half *h)
{
	memset(h, 0, sizeof(*h));
	h->buf = NIL;
	h->ooo = NIL;
}

static void deliver(struct tcpreasm *t, const struct flow *f, int dir, const uint8_t *p, size_t len, uint64_t ts)
{
	struct tcpreasm_msg m;
	m.family = f->family;
	m.from_client = (uint8_t)dir;
	m.has_rtt = f->has_rtt;
	m.client = f->client;
	m.server = f->server;
	m.client_port = f->cport;
	m.server_port = f->sport;
	m.rtt_us = f->rtt_us;
	m.ts_us = ts;
	m.dns = p;
	m.len = len;
	t->st.messages++;
	if (t->fn)
		t->fn(&m, t->arg);
}

/*
 * In-order stream bytes of one direction:
 *   [len(2)][message(len)][len(2)][message(len)]...
 * Returns the number of messages skipped.
 */
static int consume(struct tcpreasm *t, struct flow *f, int dir, const uint8_t *p, size_t len, uint64_t ts)
{
	struct half *h = &f->h[dir];
	int lost = 0;

	while (len > 0) {
		if (h->skip) {
			size_t n = h->skip < len ? h->skip : len;
			h->skip -= (uint32_t)n;
			p += n;
			len -= n;
			continue;
		}
		if (h->hl < 2) {
			if (h->hl == 0 && len >= 2) {
				size_t m = wire_be16(p);
				if (len - 2 >= m) { /* the common case: whole message here, no copy */
					deliver(t, f, dir, p + 2, m, ts);
					p += 2 + m;
					len -= 2 + m;
					continue;
				}
				h->hlbuf[0] = p[0];
				h->hlbuf[1] = p[1];
				h->hl = 2;
				p += 2;
				len -= 2;
			} else {
				h->hlbuf[h->hl++] = *p++;
				len--;
				if (h->hl < 2)
					continue;
			}
			h->mlen = wire_be16(h->hlbuf);
			h->have = 0;
			if (len >= h->mlen) { /* prefix was split but the body is all here */
				deliver(t, f, dir, p, h->mlen, ts);
				p += h->mlen;
				len -= h->mlen;
				h->hl = 0;
				continue;
			}
			h->buf = buf_get(t, h->mlen);
			if (h->buf == NIL) {
				if (h->mlen > t->conf.max_message)
					t->st.too_big++;
				else
					t->st.no_buffer++;
				lost++;
				h->skip = h->mlen;
				h->hl = 0;
			}
			continue;
		}
		{
			uint8_t *b = buf_ptr(t, h->buf);
			size_t n = h->mlen - h->have;
			if (n > len)
				n = len;
			memcpy(b + h->have, p, n);
			h->have += (uint32_t)n;
			p += n;
			len -= n;
			if (h->have == h->mlen) {
				t->st.copied++;
				deliver(t, f, dir, b, h->mlen, ts);
				buf_put(t, h->buf);
				h->buf = NIL;
				h->hl = 0;
			}
		}
	}
	return lost;
}

/*
 * After a hole, a segment is taken as the start of a message only if it
 * looks like one: a 2-byte length of at least a DNS header, then a header
 * whose QR bit says what this direction sends and whose opcode is one in
 * use (0..6 but 3). A wrong guess costs a parse error (counted), never a
 * crash; a segment that fails is dropped with the message it continues.
 *   [len(2)] [id(2)] [QR|opcode(4)|AA|TC|RD] ...
 */
static int plausible_start(const uint8_t *p, size_t len, int dir)
{
	unsigned mlen, opcode;
	if (len < 5)
		return 0;
	mlen = wire_be16(p);
	opcode = (p[4] >> 3) & 15;
	return mlen >= 12 && (p[4] >> 7) == (dir == 0) && opcode <= 6 && opcode != 3;
}

/* in-order bytes at next_seq: resynchronise first if the position was lost */
static inline int feed(struct tcpreasm *t, struct flow *f, int dir, const uint8_t *p, size_t len, uint64_t ts)
{
	struct half *h = &f->h[dir];
	h->next_seq += (uint32_t)len;
	if (h->resync) {
		if (!plausible_start(p, len, dir))
			return 0; /* the rest of a message already counted lost */
		h->resync = 0;
		t->st.resyncs++;
	}
	return consume(t, f, dir, p, len, ts);
}

/*
 * The next n bytes of the stream will never be seen (a hole given up, or a
 * segment cut by the snap length). Returns the messages this loses: none
 * when the hole lies inside a message already lost; one when it lies inside
 * the message being collected (the stream stays in step: the rest of that
 * message is skipped by its length); at least one otherwise, and the
 * position is lost until a segment starts a message (plausible_start).
 */
static int hole(struct tcpreasm *t, struct half *h, uint32_t n)
{
	t->st.gaps++;
	if (h->resync)
		return 0;
	if (h->skip) {
		if (n <= h->skip) {
			h->skip -= n;
			return 0;
		}
		h->skip = 0;
		h->resync = 1;
		return 1;
	}
	if (h->hl == 2) {
		uint32_t left = (uint32_t)h->mlen - h->have;
		if (h->buf != NIL) {
			buf_put(t, h->buf);
			h->buf = NIL;
		}
		h->hl = 0;
		if (n <= left)
			h->skip = left - n;
		else
			h->resync = 1;
		return 1;
	}
	h->hl = 0;
	h->resync = 1;
	return 1;
}

/* held segments now in order: feed them */
static int drain(struct tcpreasm *t, struct flow *f, int dir)
{
	struct half *h = &f->h[dir];
	int lost = 0;
	while (h->ooo != NIL) {
		struct ooo *q = &t->ooo[h->ooo];
		uint32_t o = h->ooo;
		int32_t d = (int32_t)(q->seq - h->next_seq);
		if (d > 0)
			break;
		h->ooo = q->next;
		h->nooo--;
		if ((uint32_t)-d < q->len)
			lost += feed(t, f, dir, q->data - d, q->len + d, q->ts_us);
		ooo_put(t, o);
	}
	return lost;
}

/* the hole before the first held segment will not fill: count it and go on from there */
static int give_up(struct tcpreasm *t, struct flow *f, int dir)
{
	struct half *h = &f->h[dir];
	int lost;
	if (h->ooo == NIL)
		return 0;
	lost = hole(t, h, t->ooo[h->ooo].seq - h->next_seq);
	h->next_seq = t->ooo[h->ooo].seq;
	lost += drain(t, f, dir);
	if (h->ooo != NIL)
		h->hole_us = t->ooo[h->ooo].ts_us;
	return lost;
}

/* a segment ahead of next_seq: keep it (sorted, in ooo_size pieces) until the hole fills; -1: no room */
static int ooo_queue(struct tcpreasm *t, struct half *h, uint32_t seq, const uint8_t *p, size_t len, uint64_t ts)
{
	uint32_t need = (uint32_t)((len + t->conf.ooo_size - 1) / t->conf.ooo_size), *pp;
	if (h->nooo + need > t->conf.ooo_per_flow || need > t->nooo_free)
		return -1;
	if (h->ooo == NIL)
		h->hole_us = ts;
	for (pp = &h->ooo; *pp != NIL; pp = &t->ooo[*pp].next) {
		struct ooo *q = &t->ooo[*pp];
		if (q->seq == seq && q->len >= len) {
			t->st.retransmits++;
			return 0;
		}
		if ((int32_t)(q->seq - seq) > 0)
			break;
	}
	while (len > 0) {
		uint32_t o = t->ooo_free, n = len < t->conf.ooo_size ? (uint32_t)len : t->conf.ooo_size;
		t->ooo_free = t->ooo[o].next;
		t->nooo_free--;
		t->ooo[o].seq = seq;
		t->ooo[o].len = n;
		t->ooo[o].ts_us = ts;
		memcpy(t->ooo[o].data, p, n);
		t->ooo[o].next = *pp;
		*pp = o;
		pp = &t->ooo[o].next;
		h->nooo++;
		seq += n;
		p += n;
		len -= n;
	}
	t->st.ooo_queued++;
	return 0;
}

static inline __attribute__((always_inline)) int half_data(struct tcpreasm *t, struct flow *f, int dir, uint32_t seq,
							 const uint8_t *p, size_t len, size_t wire, uint64_t ts)
{
	struct half *h = &f->h[dir];
	int32_t d;
	int lost = 0;

	if (!h->seq_known) {
		h->next_seq = seq;
		h->seq_known = 1;
	}
	d = (int32_t)(seq - h->next_seq);
	if (d < 0) {
		size_t old = (size_t)-(int64_t)d;
		t->st.retransmits++;
		if (old >= wire)
			return 0;
		p += old < len ? old : len;
		len -= old < len ? old : len;
		wire -= old;
		seq = h->next_seq;
		d = 0;
	}
	if (d > 0) {
		if (ooo_queue(t, h, seq, p, len, ts) == 0)
			return lost; /* waits for the hole (tcpreasm_segment gives it up after hole_us) */
		/* no room: the oldest hole will not be waited for any longer */
		while (h->ooo != NIL && (int32_t)(seq - h->next_seq) > 0)
			lost += give_up(t, f, dir);
		d = (int32_t)(seq - h->next_seq);
		if (d > 0 && ooo_queue(t, h, seq, p, len, ts) == 0)
			return lost;
		if (d > 0) { /* it alone does not fit: the hole before it is lost, go on from it */
			lost += hole(t, h, (uint32_t)d);
			h->next_seq = seq;
		} else if (d < 0) { /* the held data overlapped it */
			size_t old = (size_t)-(int64_t)d;
			if (old >= wire)
				return lost;
			p += old < len ? old : len;
			len -= old < len ? old : len;
			wire -= old;
		}
	}
	lost += feed(t, f, dir, p, len, ts);
	if (len < wire) { /* cut by the snap length: the rest of the segment is a hole */
		lost += hole(t, h, (uint32_t)(wire - len));
		h->next_seq += (uint32_t)(wire - len);
	}
	if (h->ooo != NIL)
		lost += drain(t, f, dir);
	return lost;
}

/*
 * A flow ends (FIN both ways, RST, expiry, eviction, end of input): give up
 * the holes one by one so every held segment is delivered or counted, then
 * count a message left half-collected. Returns the messages lost.
 */
static int half_end(struct tcpreasm *t, struct flow *f, int dir)
{
	struct half *h = &f->h[dir];
	int lost = 0;
	while (h->ooo != NIL)
		lost += give_up(t, f, dir);
	if (!h->resync && (h->hl || h->buf != NIL)) {
		lost++;
		t->st.incomplete++;
	}
	half_release(t, h);
	return lost;
}

static void flow_free(struct tcpreasm *t, struct flow *f)
{
	uint32_t idx = (uint32_t)(f - t->flows), *pp = &t->buckets[f->hash & t->mask];
	if (f->state != F_CLOSED)
		t->st.lost += (uint64_t)(half_end(t, f, 0) + half_end(t, f, 1));
	while (*pp != NIL && *pp != idx)
		pp = &t->flows[*pp].hnext;
	if (*pp == idx)
		*pp = f->hnext;
	lru_remove(t, f);
	f->state = F_FREE;
	f->hnext = t->free_flow;
	t->free_flow = idx;
	t->st.flows_active--;
}

static inline __attribute__((always_inline)) struct flow *flow_find(struct tcpreasm *t, const struct tcpreasm_seg *s,
								       uint32_t hash)
{
	size_t alen = s->family == 6 ? 16 : 4;
	uint32_t i;
	for (i = t->buckets[hash & t->mask]; i != NIL; i = t->flows[i].hnext) {
		struct flow *f = &t->flows[i];
		if (f->hash == hash && f->cport == s->client_port && f->sport == s->server_port &&
		    f->family == s->family && memcmp(f->client, s->client, alen) == 0 &&
		    memcmp(f->server, s->server, alen) == 0)
			return f;
	}
	return NULL;
}

int tcpreasm_known(struct tcpreasm *t, const struct tcpreasm_seg *s)
{
	return flow_find(t, s, flow_hash(t, s)) != NULL;
}

static struct flow *flow_new(struct tcpreasm *t, const struct tcpreasm_seg *s, uint32_t hash, uint8_t list)
{
	size_t alen = s->family == 6 ? 16 : 4;
	struct flow *f;
	uint32_t idx;

	if (list == L_WEAK && t->lru[L_WEAK].count >= t->conf.max_weak) {
		t->st.evicted_weak++;
		flow_free(t, &t->flows[t->lru[L_WEAK].tail]);
	}
	if (t->free_flow == NIL) {
		uint32_t victim = t->lru[L_WEAK].tail != NIL ? t->lru[L_WEAK].tail : t->lru[L_EST].tail;
		t->st.evicted_lru++;
		flow_free(t, &t->flows[victim]);
	}
	idx = t->free_flow;
	f = &t->flows[idx];
	t->free_flow = f->hnext;
	memset(f, 0, sizeof(*f));
	f->state = list == L_WEAK ? F_SYN : F_EST;
	f->family = s->family;
	f->cport = s->client_port;
	f->sport = s->server_port;
	memcpy(f->client, s->client, alen);
	memcpy(f->server, s->server, alen);
	f->hash = hash;
	f->hnext = t->buckets[hash & t->mask];
	t->buckets[hash & t->mask] = idx;
	half_init(&f->h[0]);
	half_init(&f->h[1]);
	f->last_us = s->ts_us;
	lru_push(t, f, list);
	t->st.flows_created++;
	t->st.flows_active++;
	return f;
}

static void flow_close(struct tcpreasm *t, struct flow *f)
{
	t->st.lost += (uint64_t)(half_end(t, f, 0) + half_end(t, f, 1));
	f->state = F_CLOSED;
	lru_remove(t, f);
	/* linger in the weak list: late retransmissions must not start a new flow */
	lru_push(t, f, L_WEAK);
	t->st.flows_closed++;
}

static void touch(struct tcpreasm *t, struct flow *f, uint64_t ts)
{
	uint32_t idx = (uint32_t)(f - t->flows);
	f->last_us = ts;
	if (t->lru[f->list].head != idx) {
		uint8_t list = f->list;
		lru_remove(t, f);
		lru_push(t, f, list);
	}
}

int tcpreasm_segment(struct tcpreasm *t, const struct tcpreasm_seg *s)
{
	int syn = s->flags & 0x02, ack = s->flags & 0x10, rst = s->flags & 0x04, fin = s->flags & 0x01;
	int dir = s->from_client ? 1 : 0, lost = 0;
	uint32_t hash = flow_hash(t, s);
	struct flow *f = flow_find(t, s, hash);
	uint64_t lost0 = t->st.lost;

	t->st.segments++;
	if (s->len < s->wire_len)
		t->st.truncated++;
	if (rst) {
		if (f) {
			if (f->state != F_CLOSED)
				t->st.flows_closed++;
			flow_free(t, f);
		}
		return (int)(t->st.lost - lost0);
	}
	if (syn) {
		if (dir == 1 && !ack) {
			/* a new ISN on a known flow: the 4-tuple is reused; the same ISN: a retransmitted SYN */
			if (f && f->state != F_SYN && !(f->client_isn_known && f->client_isn == s->seq)) {
				flow_free(t, f);
				f = NULL;
			}
			if (f && f->client_isn_known && f->client_isn != s->seq) { /* SYN again, another ISN */
				t->st.lost += (uint64_t)half_end(t, f, 1);
				half_init(&f->h[1]);
			}
			if (!f)
				f = flow_new(t, s, hash, L_WEAK);
			if (!f->h[1].seq_known) {
				f->h[1].next_seq = s->seq + 1;
				f->h[1].seq_known = 1;
			}
			f->client_isn = s->seq;
			f->client_isn_known = 1;
		} else if (dir == 0 && ack) {
			/* a SYN-ACK on an established flow is a retransmission (its ACK was lost): keep the flow */
			if (f && f->state == F_EST)
				return (int)(t->st.lost - lost0);
			if (f && f->state == F_CLOSED) {
				flow_free(t, f);
				f = NULL;
			}
			if (!f)
				f = flow_new(t, s, hash, L_WEAK);
			if (!f->h[0].seq_known) {
				f->h[0].next_seq = s->seq + 1;
				f->h[0].seq_known = 1;
			}
			f->synack_us = s->ts_us;
			f->server_isn1 = s->seq + 1;
			f->synack_seen = 1;
		}
		if (f) {
			touch(t, f, s->ts_us);
			/* TCP Fast Open (RFC 7413): data in the SYN starts at ISN + 1 */
			if (s->wire_len && (dir == 1 ? !ack : ack)) {
				if (dir == 1 && f->h[1].next_seq == s->seq + 1)
					t->st.tfo++; /* not a retransmitted one */
				lost = half_data(t, f, dir, s->seq + 1, s->data, s->len, s->wire_len, s->ts_us);
				t->st.lost += (uint64_t)lost;
			}
		}
		return (int)(t->st.lost - lost0);
	}
	if (!f) {
		if (s->wire_len == 0)
			return 0; /* an ACK or FIN of a flow we do not track: nothing to learn */
		f = flow_new(t, s, hash, L_EST);
		t->st.flows_midstream++;
		/* picked up mid-stream: the first segment may continue a message we never saw */
		f->h[0].resync = f->h[1].resync = 1;
	}
	if (f->state == F_CLOSED) {
		if (s->wire_len)
			t->st.retransmits++;
		return 0;
	}
	if (f->state == F_SYN) {
		if (dir == 1 && ack && f->synack_seen && s->ack == f->server_isn1 && !f->has_rtt) {
			f->rtt_us = s->ts_us > f->synack_us ? (uint32_t)(s->ts_us - f->synack_us) : 0;
			f->has_rtt = 1;
			t->st.rtt_samples++;
		}
		f->state = F_EST;
		lru_remove(t, f);
		lru_push(t, f, L_EST);
	}
	touch(t, f, s->ts_us);
	if (s->wire_len) {
		lost = half_data(t, f, dir, s->seq, s->data, s->len, s->wire_len, s->ts_us);
		t->st.lost += (uint64_t)lost;
	}
	/* a hole in either direction waited for long enough (the other side's traffic tells the time too) */
	if (__builtin_expect(f->h[0].ooo != NIL || f->h[1].ooo != NIL, 0))
		for (int d = 0; d < 2; d++)
			if (f->h[d].ooo != NIL && s->ts_us > f->h[d].hole_us && s->ts_us - f->h[d].hole_us > t->conf.hole_us)
				t->st.lost += (uint64_t)give_up(t, f, d);
	if (fin) {
		f->h[dir].fin = 1;
		if (f->h[0].fin && f->h[1].fin) {
			if (f->h[0].ooo == NIL && f->h[1].ooo == NIL) {
				flow_close(t, f);
			} else if (f->list == L_EST) {
				/* done but for a hole: end it after weak_us, not idle_us (a retransmission may still come) */
				lru_remove(t, f);
				lru_push(t, f, L_WEAK);
			}
		}
	}
	return (int)(t->st.lost - lost0);
}

static void expire_list(struct tcpreasm *t, int list, uint64_t now, uint64_t timeout)
{
	while (t->lru[list].tail != NIL) {
		struct flow *f = &t->flows[t->lru[list].tail];
		if (now <= f->last_us || now - f->last_us <= timeout)
			break;
		if (f->state != F_CLOSED)
			t->st.expired++;
		flow_free(t, f);
	}
}

void tcpreasm_expire(struct tcpreasm *t, uint64_t now_us)
{
	expire_list(t, L_WEAK, now_us, t->conf.weak_us);
	expire_list(t, L_EST, now_us, t->conf.idle_us);
}

void tcpreasm_flush(struct tcpreasm *t)
{
	int l;
	for (l = 0; l < 2; l++)
		while (t->lru[l].tail != NIL)
			flow_free(t, &t->flows[t->lru[l].tail]);
}

void tcpreasm_stats(const struct tcpreasm *t, struct tcpreasm_stats *st)
{
	*st = t->st;
}
