/* rollup/validate.h: range checks on every value of a staged datagram before it may reach the series. */
#ifndef DNSA_ROLLUP_VALIDATE_H
#define DNSA_ROLLUP_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

/*
 * The window every time must fall in (docs/sql.md "What the rollup refuses"):
 *  - absolute: from 2000-01-01 to 2038-01-19 03:14:07 UTC, the range MariaDB's
 *    FROM_UNIXTIME maps to a DATETIME (outside it gives NULL and strict mode
 *    refuses the whole statement);
 *  - relative to aggd's receive time (the aggregator's clock, not the node's):
 *    at most past_s before it and future_s after it.
 * Weights are the sampling n: 1 .. VALIDATE_WEIGHT_MAX (capd's sampling.max_n
 * bound). Counters are cumulative per boot: at most VALIDATE_COUNTER_MAX
 * (2^62; 14,000 years of 10M messages/s), so no sum of a few can wrap.
 * Strings: the codec bounds names to RECORD_NAME_MAX bytes; a node name is at
 * most VALIDATE_NODE_MAX bytes (the node.name column).
 * Nothing is clamped: a datagram with one bad value is refused whole.
 */
#define VALIDATE_TIME_MIN 946684800u        /* 2000-01-01 00:00:00 UTC */
#define VALIDATE_TIME_MAX 2147483647u       /* 2038-01-19 03:14:07 UTC */
#define VALIDATE_WEIGHT_MAX 1000000000u
#define VALIDATE_COUNTER_MAX (1ull << 62)
#define VALIDATE_NODE_MAX 63

struct validate_conf {
	int64_t past_s;      /* window.past_days * 86400 */
	int64_t future_s;    /* window.future_seconds */
};

/* validate_received: aggd's receive time itself in the absolute window. 0 if fine, else -1 with why. */
int validate_received(int64_t received_us, char *why, size_t cap);

/* validate_node: a node name that fits its column: 0 if fine, else -1 with why. */
int validate_node(const char *node, char *why, size_t cap);

/*
 * validate_records: every record of recs[0..n) (time_us 0 means "at
 * received_us", as the aggregation reads it). 0 if all are fine, else -1
 * with the first reason in why (e.g. "record 3: time 2240-01-01 outside the window").
 */
int validate_records(const struct validate_conf *c, const struct dnsa_record *recs, int n,
    int64_t received_us, char *why, size_t cap);

/* validate_counters: the snapshot time (0: received_us) and every value. 0 or -1 with why. */
int validate_counters(const struct validate_conf *c, const struct dnsa_counters *cnt,
    int64_t received_us, char *why, size_t cap);

#endif
