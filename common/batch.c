/* common/batch.c: records appended to a payload that never exceeds its budget. */
#include "common/record_cbor.h"

struct batch {
	size_t max;      /* payload budget, bytes */
	size_t used;     /* bytes of encoded records in buf */
	unsigned count;  /* records in buf */
	uint8_t *buf;    /* HEAD_ROOM bytes for the payload's head, then the encoded records (max bytes) */
};

/* payload bytes other than the records: map(1) + 0:ver(2) + 1:time(1+9) + 2(1) + array head */
static size_t batch_overhead(unsigned count)
{
	size_t arr = count < 24 ? 1 : count < 256 ? 2 : 3;
	return 1 + 2 + 10 + 1 + arr;
}

/* room before the records for the largest head (batch_overhead of MAX_RECORDS), so batch_view writes it in place */
#define HEAD_ROOM 17

int batch_new(size_t max_payload, struct batch **out)
{
	*out = NULL;
	if (max_payload < 64 || max_payload > RECORD_MAX_PAYLOAD)
		return E_INVAL;
	struct batch *b = calloc(1, sizeof *b);
	if (!b)
		return E_NOMEM;
	b->max = max_payload;
	if (!(b->buf = malloc(HEAD_ROOM + max_payload))) {
		free(b);
		return E_NOMEM;
	}
	*out = b;
	return E_OK;
}

void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b);
}

int batch_add(struct batch *b, const struct dnsa_record *r)
{
	if (b->count >= MAX_RECORDS)
		return E_SPACE;
	size_t room = b->max - b->used;
	size_t over = batch_overhead(b->count + 1);
	if (room <= over)
		return b->count ? E_SPACE : E_TOOBIG;
	int n = record_encode(r, b->buf + HEAD_ROOM + b->used, room - over);
	if (n < 0)
		return b->count ? E_SPACE : E_TOOBIG;
	b->used += (size_t)n;
	b->count++;
	return E_OK;
}

unsigned batch_count(const struct batch *b) { return b->count; }

/* the payload's head (map, version, time, the records key, the array head) into out; its length */
static size_t batch_head(const struct batch *b, uint64_t now_us, uint8_t out[HEAD_ROOM])
{
	struct wr w = { out, HEAD_ROOM, 0, 0 };
	w_map(&w, 3);
	w_kv(&w, P_VERSION, RECORD_SCHEMA_VERSION);
	w_kv(&w, P_TIME, now_us);
	w_uint(&w, P_RECORDS);
	w_array(&w, b->count);
	return w.len;
}

int batch_finish(struct batch *b, uint64_t now_us, uint8_t *out, size_t cap)
{
	uint8_t head[HEAD_ROOM];
	struct wr w = { out, cap, 0, 0 };
	w_raw(&w, head, batch_head(b, now_us, head));
	w_raw(&w, b->buf + HEAD_ROOM, b->used);
	b->used = 0;
	b->count = 0;
	return w.full ? E_SPACE : (int)w.len;
}

/*
 * The same payload without copying it: the head goes right before the
 * records, in the room kept for it. A 65 KB payload was copied once more
 * than it was sealed (batch_finish into the sender's buffer).
 */
size_t batch_view(struct batch *b, uint64_t now_us, const uint8_t **out)
{
	uint8_t head[HEAD_ROOM];
	size_t h = batch_head(b, now_us, head), n = h + b->used;
	memcpy(b->buf + HEAD_ROOM - h, head, h);
	*out = b->buf + HEAD_ROOM - h;
	b->used = 0;
	b->count = 0;
	return n;
}
