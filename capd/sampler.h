/* capd/sampler.h: the sampling decision taken for every message before any DNS parsing. */
#ifndef DNSA_CAPD_SAMPLER_H
#define DNSA_CAPD_SAMPLER_H

#include <stdint.h>

enum sampler_mode {
	SAMPLER_ALL = 0,      /* every message, weight 1 */
	SAMPLER_NTH = 1,      /* every n-th eligible message (deterministic), weight n */
	SAMPLER_RANDOM = 2,   /* each eligible message with probability 1/n, weight n */
	SAMPLER_ADAPTIVE = 3  /* random, with n re-decided every second to hold target records/s */
};

struct sampler_conf {
	enum sampler_mode mode;
	uint32_t n;            /* NTH, RANDOM: n >= 1 */
	uint32_t target;       /* ADAPTIVE: records per second wanted (>= 1) */
	uint32_t min_n;        /* ADAPTIVE: bounds on n (1 <= min_n <= max_n) */
	uint32_t max_n;
	uint32_t type_mask;    /* bit t set: message type t (enum dnsa_msgtype) is sampled */
	uint64_t seed;         /* PRNG seed; 0 = from getrandom() once at sampler_new */
};

struct sampler;

/* sampler_new: E_OK with *out set, or E_INVAL (bad conf) / E_NOMEM with *out NULL. */
int sampler_new(const struct sampler_conf *conf, struct sampler **out);
void sampler_free(struct sampler *s);

/*
 * sampler_decide: the decision for one message of type msgtype. Returns 0 if
 * the message is not to be recorded (type not sampled, or not chosen), else
 * the weight n to put on its record: the record stands for n messages, so
 * the sum of weights is an unbiased estimate of the eligible messages.
 * *type_skipped is set to 1 when the type is not configured for sampling.
 * No allocation, no syscall. Cannot fail.
 */
uint32_t sampler_decide(struct sampler *s, unsigned msgtype, int *type_skipped);

/*
 * sampler_tick: called about once a second (ADAPTIVE re-decides n here from
 * the eligible messages seen since the previous tick; other modes ignore
 * it). now_us is a monotonic clock in microseconds.
 */
void sampler_tick(struct sampler *s, uint64_t now_us);

/* sampler_current_n: the n in force (for ADAPTIVE, the lower of the two it dithers between). */
uint32_t sampler_current_n(const struct sampler *s);

/* sampler_parse_mode: "all", "nth:N", "random:N", "adaptive" into conf->mode/n. E_OK or E_INVAL. */
int sampler_parse_mode(const char *s, struct sampler_conf *conf);

/* sampler_type_mask: parse a comma/space-separated list of dnstap type names
 * ("AUTH_RESPONSE,CLIENT_RESPONSE", or short "AR,CR") into a mask. E_OK or E_INVAL. */
int sampler_type_mask(const char *list, uint32_t *mask);

/*
 * sampler_types_check: NULL when a type mask records each client exchange at most
 * once, else why not (a static string). Refused: a query type together with a
 * response type (the query and its answer would both land in the zone series), and
 * RESOLVER, FORWARDER, STUB, TOOL and UPDATE messages (the server's own upstream
 * traffic or updates, not its clients' queries: counted, never sampled).
 * double_count (tests that record every message) accepts any mask. Cannot fail.
 */
const char *sampler_types_check(uint32_t mask, int double_count);

/* sampler_type_name: "AUTH_QUERY" etc., or NULL. */
const char *sampler_type_name(unsigned msgtype);

#endif
