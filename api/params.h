/* api/params.h: checking the query parameters of dnsa-api requests (times, steps, limits, names). */
#ifndef DNSA_API_PARAMS_H
#define DNSA_API_PARAMS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* the earliest and latest instants a request may name: 2000-01-01 and 2100-01-01 UTC */
#define PARAM_TIME_MIN 946684800LL
#define PARAM_TIME_MAX 4102444800LL

enum step { STEP_MINUTE = 0, STEP_HOUR, STEP_DAY };

/* a checked time window [from, to) and the granularity to read it at */
struct window {
	int64_t from, to;       /* unix seconds, from < to */
	enum step step;         /* table granularity */
	char from_sql[24];      /* "YYYY-MM-DD HH:MM:SS" UTC, for the statement */
	char to_sql[24];
};

/*
 * param_time: parse a time: unix seconds, or ISO 8601 UTC "YYYY-MM-DD",
 * "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS" (each optionally ending in 'Z').
 * Returns 0 and *t, or -1 (malformed or outside PARAM_TIME_MIN..MAX).
 */
int param_time(const char *s, int64_t *t);

/*
 * param_window: from/to/step as given (NULL = absent) into *w. Defaults: to =
 * now, from = to - 24 h; step = the finest of minute (range <= 2 days), hour
 * (<= 92 days), day. A window must hold at most max_points steps. On error
 * returns -1 with *bad naming the parameter and *why a reason (static strings).
 */
int param_window(const char *from, const char *to, const char *step, int64_t now, int64_t max_points,
    struct window *w, const char **bad, const char **why);

/* step_name: "minute", "hour", "day". step_seconds: 60, 3600, 86400. Cannot fail. */
const char *step_name(enum step s);
int64_t step_seconds(enum step s);

/* param_uint: decimal in [lo, hi] (absent = def). 0 or -1. */
int param_uint(const char *s, int64_t lo, int64_t hi, int64_t def, int64_t *out);

/*
 * param_zone: a zone name as the rollup stores it (lower-case, no trailing
 * dot, LDH labels plus '_', at most 253 bytes; "" is not accepted). Copies the
 * normalised name into out (254 bytes). 0 or -1.
 */
int param_zone(const char *s, char *out);

#endif
