/* capd/ipfrag.c: bounded IP fragment reassembly (fixed slots, bitmap of 8-byte units). */
#include "capd/ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "common/errors.h"

struct slot {
	uint8_t used;
	uint8_t family;
	uint8_t proto;
	uint8_t have_last;   /* the fragment with M=0 arrived: total is known */
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;
	uint32_t total;      /* datagram payload length (valid with have_last) */
	uint32_t received;   /* payload bytes received (fragments never overlap) */
	uint64_t first_us;   /* capture time of the first fragment seen */
	uint8_t *buf;        /* max_size bytes */
	uint64_t *bits;      /* one bit per 8-byte unit received */
};

struct ipfrag {
	struct ipfrag_conf conf;
	struct slot *slots;
	uint8_t *bufs;       /* max_datagrams * max_size */
	uint64_t *bits;      /* max_datagrams * words */
	size_t words;        /* bitmap words per slot */
	struct ipfrag_stats st;
};

static void conf_defaults(struct ipfrag_conf *c, const struct ipfrag_conf *in)
{
	if (in)
		*c = *in;
	else
		memset(c, 0, sizeof(*c));
	if (!c->max_datagrams)
		c->max_datagrams = 32;
	if (!c->max_per_source)
		c->max_per_source = 8;
	if (!c->max_size || c->max_size > 65535)
		c->max_size = 65535;
	if (!c->timeout_us)
		c->timeout_us = 5000000;
}

static size_t bitmap_words(uint32_t max_size)
{
	return ((size_t)max_size + 7) / 8 / 64 + 1;
}

size_t ipfrag_memory(const struct ipfrag_conf *conf)
{
	struct ipfrag_conf c;
	conf_defaults(&c, conf);
	return sizeof(struct ipfrag) + (size_t)c.max_datagrams *
		(sizeof(struct slot) + c.max_size + bitmap_words(c.max_size) * 8);
}

int ipfrag_new(const struct ipfrag_conf *conf, struct ipfrag **out)
{
	struct ipfrag *f = calloc(1, sizeof(*f));
	uint32_t i;
	*out = NULL;
	if (!f)
		return E_NOMEM;
	conf_defaults(&f->conf, conf);
	f->words = bitmap_words(f->conf.max_size);
	f->slots = calloc(f->conf.max_datagrams, sizeof(*f->slots));
	f->bufs = malloc((size_t)f->conf.max_datagrams * f->conf.max_size);
	f->bits = calloc((size_t)f->conf.max_datagrams * f->words, 8);
	if (!f->slots || !f->bufs || !f->bits) {
		ipfrag_free(f);
		return E_NOMEM;
	}
	for (i = 0; i < f->conf.max_datagrams; i++) {
		f->slots[i].buf = f->bufs + (size_t)i * f->conf.max_size;
		f->slots[i].bits = f->bits + (size_t)i * f->words;
	}
	*out = f;
	return E_OK;
}

void ipfrag_free(struct ipfrag *f)
{
	if (!f)
		return;
	free(f->slots);
	free(f->bufs);
	free(f->bits);
	free(f);
}

static void slot_release(struct ipfrag *f, struct slot *s)
{
	s->used = 0;
	f->st.active--;
}

/* count of set bits in units [a, b) of the slot bitmap */
static uint32_t bits_count(const struct slot *s, uint32_t a, uint32_t b)
{
	uint32_t n = 0, u;
	for (u = a; u < b; u++)
		n += (s->bits[u / 64] >> (u % 64)) & 1;
	return n;
}

static void bits_set(struct slot *s, uint32_t a, uint32_t b)
{
	uint32_t u;
	for (u = a; u < b; u++)
		s->bits[u / 64] |= 1ull << (u % 64);
}

int ipfrag_add(struct ipfrag *f, const struct ipfrag_frag *fr, const uint8_t **out, size_t *out_len)
{
	size_t alen = fr->family == 6 ? 16 : 4;
	struct slot *s = NULL, *free_slot = NULL, *oldest = NULL;
	uint32_t i, same_src = 0, ua, ub, set;
	uint64_t end;

	f->st.fragments++;
	/* one pass: find the datagram, expire old ones, count the source's slots */
	for (i = 0; i < f->conf.max_datagrams; i++) {
		struct slot *t = &f->slots[i];
		if (t->used && fr->ts_us > t->first_us && fr->ts_us - t->first_us > f->conf.timeout_us) {
			f->st.timeouts++;
			slot_release(f, t);
		}
		if (!t->used) {
			if (!free_slot)
				free_slot = t;
			continue;
		}
		if (!s && t->id == fr->id && t->family == fr->family && t->proto == fr->proto &&
		    memcmp(t->src, fr->src, alen) == 0 && memcmp(t->dst, fr->dst, alen) == 0) {
			s = t;
			continue;
		}
		if (memcmp(t->src, fr->src, alen) == 0 && t->family == fr->family)
			same_src++;
		if (!oldest || t->first_us < oldest->first_us)
			oldest = t;
	}

	end = (uint64_t)fr->offset + fr->len;
	if (end > f->conf.max_size || (fr->more && (fr->len % 8 || fr->len == 0))) {
		f->st.too_big++;
		if (s)
			slot_release(f, s);
		return fr->more && fr->len % 8 ? E_MALFORMED : E_TOOBIG;
	}
	if (!s) {
		if (same_src >= f->conf.max_per_source) {
			f->st.source_limit++;
			return E_SPACE;
		}
		if (!free_slot) {
			f->st.evicted++;
			slot_release(f, oldest);
			free_slot = oldest;
		}
		s = free_slot;
		s->used = 1;
		s->family = fr->family;
		s->proto = fr->proto;
		s->have_last = 0;
		memset(s->src, 0, sizeof(s->src));
		memset(s->dst, 0, sizeof(s->dst));
		memcpy(s->src, fr->src, alen);
		memcpy(s->dst, fr->dst, alen);
		s->id = fr->id;
		s->total = 0;
		s->received = 0;
		s->first_us = fr->ts_us;
		memset(s->bits, 0, f->words * 8);
		f->st.active++;
	}

	ua = fr->offset / 8;
	ub = (uint32_t)((end + 7) / 8);
	set = bits_count(s, ua, ub);
	if (set == ub - ua && ub > ua) {
		f->st.duplicates++;
		return 0;
	}
	if (set || (s->have_last && end > s->total) ||
	    (!fr->more && (s->have_last || (s->received && bits_count(s, ub, (uint32_t)(f->words * 64)))))) {
		f->st.overlaps++;
		slot_release(f, s);
		return E_MALFORMED;
	}
	if (!fr->more) {
		s->have_last = 1;
		s->total = (uint32_t)end;
	}
	bits_set(s, ua, ub);
	memcpy(s->buf + fr->offset, fr->data, fr->len);
	s->received += (uint32_t)fr->len;
	if (s->have_last && s->received == s->total) {
		f->st.reassembled++;
		slot_release(f, s);
		*out = s->buf;
		*out_len = s->total;
		return 1;
	}
	return 0;
}

void ipfrag_expire(struct ipfrag *f, uint64_t now_us)
{
	uint32_t i;
	for (i = 0; i < f->conf.max_datagrams; i++) {
		struct slot *t = &f->slots[i];
		if (t->used && now_us > t->first_us && now_us - t->first_us > f->conf.timeout_us) {
			f->st.timeouts++;
			slot_release(f, t);
		}
	}
}

void ipfrag_stats(const struct ipfrag *f, struct ipfrag_stats *st)
{
	*st = f->st;
}
