/* rollup/reader.c: staged datagrams read and decoded on a second thread, handed to the caller in order. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/grow.h"
#include "common/record.h"
#include "rollup/reader.h"

/*
 * A slot holds whole rows: at least SLOT_RECORDS records or SLOT_ROWS rows
 * end it. A decoded record is ~600 bytes, so the ring is ~600 KB and the
 * records the aggregator reads are still in cache: with 4 slots of 2048
 * records (5 MB) the two threads took 20% more CPU than one (rollup-bench,
 * 30M). The decoder sleeps on a full ring and is woken once half the
 * ring is free, not per slot (a wake-up per slot was ~7% of the profile in
 * context switches); the caller spins a moment on an empty one first.
 * reader_get_waits counts the sleeps of both.
 */
#define READER_SLOTS 8
#define SLOT_RECORDS 128
#define SLOT_ROWS 16
#define PREP_BEHIND 2           /* slots the caller must be behind for the thread to run the prep callback */
#define SPIN 1000               /* pauses the caller spins on an empty ring before it sleeps */
#define STOPPED (-ECANCELED)   /* the thread's callback: the caller stopped the read */

struct slot_row {
	int64_t id, boot_id, seq, received_us, nrecords;
	int kind;
	int n;              /* RECORDS: count or negative decode code */
	int prepped;        /* the prep callback ran for this row */
	int prep;           /* its result */
	size_t node;        /* offset of the NUL-terminated node name in bytes */
	size_t pay, len;    /* other kinds: offset and length of the payload copy in bytes */
	size_t rec;         /* RECORDS: index of the first record in recs */
};

struct slot {
	struct slot_row *rows;
	size_t nrows, rowcap;
	struct dnsa_record *recs;
	size_t nrecs, reccap;
	uint8_t *extra;     /* the prep callback's items, one per record (index as recs) */
	size_t extracap;    /* in items */
	char *bytes;        /* node names and payload copies */
	size_t nbytes, bytecap;
};

struct reader {
	struct slot slot[READER_SLOTS];
	pthread_mutex_t mu;
	pthread_cond_t full;   /* a slot was published, or the thread is done */
	pthread_cond_t space;  /* a slot was freed, or the caller stopped */
	unsigned filled;       /* slots published (the thread fills slot[filled % READER_SLOTS]) */
	unsigned taken;        /* slots the caller emptied */
	int done;              /* the thread's staging_read returned (under mu) */
	int stop;              /* the caller stopped: the thread gives up at its next row */
	int sleeping;          /* the thread sleeps on `space` (under mu) */
	/* the thread's read */
	struct staging *s;
	int64_t after;
	unsigned max_rows;
	uint64_t max_records;
	int rc;                /* staging_read's result */
	/* set between reads */
	reader_prep_fn prep;
	void *prep_arg;
	size_t prep_size;
	int threads;
	double cpu_s;          /* the threads' CPU time (written by the thread before it ends) */
	struct reader_waits w; /* sleeps on the ring, summed over reads (each side writes its own half) */
	/* threads == 1: the caller's callback, called from produce */
	reader_fn fn;
	void *fn_arg;
};

int reader_new(struct reader **out)
{
	*out = NULL;
	struct reader *rd = calloc(1, sizeof *rd);
	if (!rd)
		return E_NOMEM;
	pthread_mutex_init(&rd->mu, NULL);
	pthread_cond_init(&rd->full, NULL);
	pthread_cond_init(&rd->space, NULL);
	rd->threads = 2;
	*out = rd;
	return E_OK;
}

void reader_free(struct reader *rd)
{
	if (!rd)
		return;
	for (int i = 0; i < READER_SLOTS; i++) {
		free(rd->slot[i].rows);
		free(rd->slot[i].recs);
		free(rd->slot[i].bytes);
		free(rd->slot[i].extra);
	}
	pthread_mutex_destroy(&rd->mu);
	pthread_cond_destroy(&rd->full);
	pthread_cond_destroy(&rd->space);
	free(rd);
}

void reader_set_prep(struct reader *rd, size_t size, reader_prep_fn prep, void *arg)
{
	rd->prep = prep;
	rd->prep_arg = arg;
	rd->prep_size = prep ? size : 0;
}

void reader_set_threads(struct reader *rd, int threads)
{
	rd->threads = threads == 1 ? 1 : 2;
}

double reader_cpu_s(const struct reader *rd)
{
	return rd->cpu_s;
}

/* the reader_row of slot row o */
static void row_of(const struct slot *sl, const struct slot_row *o, size_t esize, struct reader_row *rr)
{
	rr->row.id = o->id;
	rr->row.node = sl->bytes + o->node;
	rr->row.boot_id = o->boot_id;
	rr->row.seq = o->seq;
	rr->row.kind = o->kind;
	rr->row.received_us = o->received_us;
	rr->row.nrecords = o->nrecords;
	rr->row.payload = o->len ? (const uint8_t *)sl->bytes + o->pay : NULL;
	rr->row.len = o->len;
	rr->recs = sl->recs + o->rec;
	rr->n = o->n;
	rr->extra = esize && o->prepped ? sl->extra + o->rec * esize : NULL;
	rr->prep = o->prep;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void reader_get_waits(const struct reader *rd, struct reader_waits *w)
{
	*w = rd->w;
}

static void slot_clear(struct slot *sl)
{
	sl->nrows = sl->nrecs = sl->nbytes = 0;
}

/* the thread: publish the slot just filled, then wait for the next one to be free; 1 if the caller stopped */
static int publish(struct reader *rd)
{
	pthread_mutex_lock(&rd->mu);
	__atomic_store_n(&rd->filled, rd->filled + 1, __ATOMIC_RELEASE);   /* the caller may spin on it */
	pthread_cond_signal(&rd->full);
	/*
	 * No spin here (unlike the caller): spinning on a full ring cost ~2 s of
	 * CPU per 30M records on a loaded machine (10 runs, 2026-12-01) and won
	 * nothing measurable; on a quiet one the two threads already overlap
	 * (16.6 s CPU in 10.0 s of wall)
	 */
	if (rd->filled - rd->taken >= READER_SLOTS && !rd->stop) {
		double t0 = mono_s();
		rd->sleeping = 1;
		while (rd->filled - rd->taken >= READER_SLOTS && !rd->stop)
			pthread_cond_wait(&rd->space, &rd->mu);
		rd->sleeping = 0;
		rd->w.decoder_sleeps++;
		rd->w.decoder_sleep_s += mono_s() - t0;
	}
	int stop = rd->stop;
	pthread_mutex_unlock(&rd->mu);
	if (!stop)
		slot_clear(&rd->slot[rd->filled % READER_SLOTS]);
	return stop;
}

static int produce(const struct staging_row *r, void *arg)
{
	struct reader *rd = arg;
	if (__atomic_load_n(&rd->stop, __ATOMIC_RELAXED))
		return STOPPED;
	struct slot *sl = &rd->slot[rd->filled % READER_SLOTS];
	size_t nl = strlen(r->node) + 1;
	size_t pl = r->kind == ENV_KIND_RECORDS ? 0 : r->len;
	if (grow_array((void **)&sl->rows, &sl->rowcap, sl->nrows + 1, sizeof *sl->rows) ||
	    grow_array((void **)&sl->bytes, &sl->bytecap, sl->nbytes + nl + pl, 1))
		return E_NOMEM;
	struct slot_row *o = &sl->rows[sl->nrows];
	o->id = r->id;
	o->boot_id = r->boot_id;
	o->seq = r->seq;
	o->received_us = r->received_us;
	o->nrecords = r->nrecords;
	o->kind = r->kind;
	o->node = sl->nbytes;
	memcpy(sl->bytes + sl->nbytes, r->node, nl);
	sl->nbytes += nl;
	o->pay = sl->nbytes;
	o->len = pl;
	if (pl)
		memcpy(sl->bytes + sl->nbytes, r->payload, pl);
	sl->nbytes += pl;
	o->rec = sl->nrecs;
	o->n = 0;
	if (r->kind == ENV_KIND_RECORDS) {
		/* the decoder's bound on the count, as agg_decode gives it */
		size_t max = r->len / RECORD_MIN_SIZE + 1;
		if (max > 65536)
			max = 65536;
		if (grow_array((void **)&sl->recs, &sl->reccap, sl->nrecs + max, sizeof *sl->recs))
			return E_NOMEM;
		o->n = payload_decode_records(r->payload, r->len, sl->recs + sl->nrecs, max);
	}
	o->prep = o->prepped = 0;
	size_t es = rd->threads == 1 ? 0 : rd->prep_size;
	/*
	 * The prep work is done here only while the caller is behind (PREP_BEHIND
	 * slots waiting for it); when the caller waits on this thread, its rows go
	 * unprepared and the caller does that work itself: the two threads balance
	 * whatever the machine gives each.
	 */
	if (es && o->n > 0 && rd->filled - __atomic_load_n(&rd->taken, __ATOMIC_RELAXED) >= PREP_BEHIND) {
		if (grow_array((void **)&sl->extra, &sl->extracap, sl->nrecs + (size_t)o->n, es))
			return E_NOMEM;
		o->prepped = 1;
		struct reader_row rr;
		row_of(sl, o, es, &rr);
		if ((o->prep = rd->prep(&rr, rr.extra, rd->prep_arg)) < 0)
			return o->prep;
	}
	if (o->n > 0)
		sl->nrecs += (size_t)o->n;
	sl->nrows++;
	if (rd->threads == 1) {
		/* the reference: each row handed over at once, on this thread */
		struct reader_row rr;
		row_of(sl, o, 0, &rr);
		int c = rd->fn(&rr, rd->fn_arg);
		slot_clear(sl);
		return c;
	}
	if ((sl->nrecs >= SLOT_RECORDS || sl->nrows >= SLOT_ROWS) && publish(rd))
		return STOPPED;
	return 0;
}

static void *run(void *arg)
{
	struct reader *rd = arg;
	int64_t last;
	unsigned n;
	int rc = staging_read(rd->s, rd->after, rd->max_rows, rd->max_records, produce, rd, &last, &n);
	struct timespec cpu;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	pthread_mutex_lock(&rd->mu);
	rd->cpu_s += (double)cpu.tv_sec + cpu.tv_nsec / 1e9;
	rd->rc = rc;
	/* the last slot, maybe empty; it is free: produce waited for it */
	__atomic_store_n(&rd->filled, rd->filled + 1, __ATOMIC_RELEASE);
	rd->done = 1;
	pthread_cond_signal(&rd->full);
	pthread_mutex_unlock(&rd->mu);
	return NULL;
}

int reader_read(struct reader *rd, struct staging *s, int64_t after, unsigned max_rows, uint64_t max_records,
    reader_fn fn, void *arg, int64_t *last_id, unsigned *nrows)
{
	*last_id = after;
	*nrows = 0;
	rd->filled = rd->taken = 0;
	rd->done = rd->stop = 0;
	rd->s = s;
	rd->after = after;
	rd->max_rows = max_rows;
	rd->max_records = max_records;
	rd->rc = E_OK;
	slot_clear(&rd->slot[0]);
	if (rd->threads == 1) {
		rd->fn = fn;
		rd->fn_arg = arg;
		return staging_read(s, after, max_rows, max_records, produce, rd, last_id, nrows);
	}
	pthread_t th;
	if (pthread_create(&th, NULL, run, rd))
		return -EAGAIN;
	int rc = E_OK, stopped = 0;
	unsigned n = 0;
	for (;;) {
		/*
		 * The two threads run at about the same speed, so the ring is often
		 * empty for a moment: spin that long (about 20 us) before sleeping, as a
		 * sleep and a wake-up per slot cost both threads more than the wait.
		 */
		for (int spin = 0; spin < SPIN && __atomic_load_n(&rd->filled, __ATOMIC_ACQUIRE) == rd->taken; spin++)
			__builtin_ia32_pause();
		pthread_mutex_lock(&rd->mu);
		if (rd->filled == rd->taken && !rd->done) {
			double t0 = mono_s();
			while (rd->filled == rd->taken && !rd->done)
				pthread_cond_wait(&rd->full, &rd->mu);
			rd->w.caller_sleeps++;
			rd->w.caller_sleep_s += mono_s() - t0;
		}
		int have = rd->filled != rd->taken;
		pthread_mutex_unlock(&rd->mu);
		if (!have)
			break;
		const struct slot *sl = &rd->slot[rd->taken % READER_SLOTS];
		for (size_t i = 0; i < sl->nrows && !stopped; i++) {
			const struct slot_row *o = &sl->rows[i];
			struct reader_row rr;
			row_of(sl, o, rd->prep_size, &rr);
			int c = fn(&rr, arg);
			if (c < 0) {
				rc = c;
				stopped = 1;
				break;
			}
			*last_id = o->id;
			n++;
			if (c > 0)
				stopped = 1;
		}
		pthread_mutex_lock(&rd->mu);
		__atomic_store_n(&rd->taken, rd->taken + 1, __ATOMIC_RELEASE);   /* read by produce without mu */
		if (stopped)
			__atomic_store_n(&rd->stop, 1, __ATOMIC_RELAXED);
		/*
		 * A sleeping thread waits on a full ring, so the count passes through
		 * half on the way down: woken there, not per slot
		 */
		if (stopped || (rd->sleeping && rd->filled - rd->taken <= READER_SLOTS / 2))
			pthread_cond_signal(&rd->space);
		pthread_mutex_unlock(&rd->mu);
		if (stopped)
			break;
	}
	pthread_join(th, NULL);
	if (!stopped && rd->rc)
		rc = rd->rc;
	*nrows = n;
	return rc;
}
