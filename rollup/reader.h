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
 * two halves run on two cores. Rows reach the callback in id order, exactly
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
