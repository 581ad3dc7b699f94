/* rollup/reader.h: staged datagrams read and decoded on a second thread, handed to the caller in order. */
#ifndef DNSA_ROLLUP_READER_H
#define DNSA_ROLLUP_READER_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"
#include "rollup/staging.h"

/*
 * The rollup's read is two halves: SQLite plus the CBOR decode (~40% of its
 * CPU), and the aggregation (~60%). reader_read runs the first on a thread of its
 * own, which fills a small ring of slots (a hundred-odd decoded
 * records each) that the calling thread empties through the callback, so the
 * two halves run on two cores; the thread also does the caller's per-row
 * preparation (reader_set_prep) while it is the faster one, which evens the
 * halves out. Rows reach the callback in id order, exactly
 * the rows staging_read would give; the thread reads ahead by at most the
 * ring, and a callback that stops the read discards what was read ahead.
 *
 * The staging handle is used by the thread only, from the call to its return:
 * the callback must not use it.
 */
struct reader;

struct reader_row {
	struct staging_row row;          /* payload set for kinds other than RECORDS only (NULL, 0 there) */
	const struct dnsa_record *recs;  /* kind RECORDS: the decoded records */
	int n;                           /* kind RECORDS: their count, or the negative decode code */
	void *extra;                     /* the row was prepared (reader_set_prep): n items of its size; else NULL */
	int prep;                        /* what the prep callback returned (0 without one) */
};

/*
 * callback: valid during the call only. Returns 0 to go on, 1 (this row is
 * taken, stop after it) or a negative code that stops the read and is
 * returned (the row is not counted as read): staging_row_fn's contract.
 */
typedef int (*reader_fn)(const struct reader_row *r, void *arg);

/* reader_new: E_OK with *out set, or E_NOMEM with *out NULL. Buffers are kept across reads. */
int reader_new(struct reader **out);
void reader_free(struct reader *rd);

/*
 * reader_set_prep: work the reader's thread may do per decoded RECORDS row
 * (n > 0), in id order, before the row reaches the callback: prep gets the
 * row with extra pointing to n items of `size` bytes for it to fill, and
 * returns a value >= 0 that the callback finds in r->prep, or a negative
 * code that stops the read (reader_read returns it). It runs on the
 * reader's thread, concurrently with the callback: it must share nothing
 * with it but what it writes into extra. The thread runs it only for rows
 * it has time for (while the callback is behind): the callback finds
 * r->extra NULL for the others and does that work itself, so the
 * callback's results must not depend on which rows were prepared. Set
 * between reads only.
 */
typedef int (*reader_prep_fn)(const struct reader_row *r, void *extra, void *arg);
void reader_set_prep(struct reader *rd, size_t size, reader_prep_fn prep, void *arg);

/*
 * reader_set_threads: 2 (the default) decodes on the reader's thread; 1
 * decodes on the caller's, row by row, without the prep callback (extra is
 * NULL): the single-threaded reference. Set between reads only.
 */
void reader_set_threads(struct reader *rd, int threads);

/* reader_cpu_s: CPU seconds the reader's threads have used, summed over every read so far. Cannot fail. */
double reader_cpu_s(const struct reader *rd);

/* sleeps on the ring (each a futex wait), summed over every read so far */
struct reader_waits {
	uint64_t decoder_sleeps;   /* the reader's thread on a full ring */
	double decoder_sleep_s;    /* wall seconds it slept */
	uint64_t caller_sleeps;    /* the caller on an empty ring */
	double caller_sleep_s;
};

/* reader_get_waits: a copy of the counts, read between reads. Cannot fail. */
void reader_get_waits(const struct reader *rd, struct reader_waits *w);

/*
 * reader_read: staging_read's contract (rows with id > after, at most
 * max_rows, stopping once max_records records were read; *last_id and
 * *nrows say what the callback took), with the decode done ahead on the
 * reader's thread. Returns E_OK, the callback's negative code, E_NOMEM, a
 * staging error (staging_errmsg(s) says which), or -EAGAIN if the thread
 * could not be started.
 */
int reader_read(struct reader *rd, struct staging *s, int64_t after, unsigned max_rows, uint64_t max_records,
    reader_fn fn, void *arg, int64_t *last_id, unsigned *nrows);

#endif
