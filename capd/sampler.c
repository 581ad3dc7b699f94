/* capd/sampler.c: the sampling decision taken for every message before any DNS parsing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "capd/sampler.h"
#include "common/errors.h"
#include "common/record.h"

/*
 * Adaptive controller. Every tick (about 1 s) the agent measures the rate R
 * of eligible messages (types configured for sampling) since the previous
 * tick and smooths it: a move by more than 25% either way is taken
 * at once (a surge is cut within a second, so the output stays near target;
 * a real drop opens the gates at once), smaller moves are taken at 3/4
 * (the error shrinks 4x a second on a steady load; dnstap arrives in bursts, as libfstrm flushes its
 * buffers, so per-second arrival counts jitter). The wanted sampling factor
 * is n* = R / target, clamped to [min_n, max_n]. Weights must be integers,
 * so a fractional n* is reached by dithering: each message independently
 * uses n_lo = floor(n*) with probability q and n_lo + 1 otherwise, with q
 * chosen so that q/n_lo + (1-q)/(n_lo+1) = 1/n*. The choice of n does not
 * depend on the message, and each record carries the n it was sampled
 * with, so the sum of weights stays an unbiased estimate (E[w * 1{sampled}]
 * = sum_k P(n_k) * (1/n_k) * n_k = 1) while the record rate matches target
 * instead of jumping between target/n_lo and target/(n_lo+1).
 * Before the first tick n is min_n.
 */

struct sampler {
	struct sampler_conf c;
	uint64_t s[4];        /* xoshiro256** state */
	uint32_t nth_count;   /* NTH: eligible messages since the last one taken */
	uint32_t n_lo;        /* n in force (RANDOM: c.n) */
	uint64_t thr_lo;      /* P(take | n_lo) = thr_lo / 2^32 */
	uint64_t thr_hi;      /* P(take | n_lo + 1) */
	uint64_t q_thr;       /* P(use n_lo) = q_thr / 2^32 */
	uint64_t eligible;    /* eligible messages since the last tick */
	uint64_t last_tick;   /* monotonic us of the previous tick, 0 = none yet */
	double rate;          /* smoothed eligible messages per second */
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** (Blackman and Vigna): fast, small state, good statistics */
static inline uint64_t next(struct sampler *s)
{
	uint64_t *st = s->s;
	uint64_t r = rotl(st[1] * 5, 7) * 9, t = st[1] << 17;
	st[2] ^= st[0];
	st[3] ^= st[1];
	st[1] ^= st[2];
	st[0] ^= st[3];
	st[2] ^= t;
	st[3] = rotl(st[3], 45);
	return r;
}

static uint64_t thr_of(uint32_t n) { return n <= 1 ? (1ull << 32) : (1ull << 32) / n; }

static void set_n(struct sampler *s, uint32_t n_lo, double q)
{
	s->n_lo = n_lo;
	s->thr_lo = thr_of(n_lo);
	s->thr_hi = thr_of(n_lo + 1);
	if (q >= 1.0)
		s->q_thr = 1ull << 32;
	else if (q <= 0.0)
		s->q_thr = 0;
	else
		s->q_thr = (uint64_t)(q * 4294967296.0);
}

int sampler_new(const struct sampler_conf *conf, struct sampler **out)
{
	*out = NULL;
	if (!conf || conf->mode > SAMPLER_ADAPTIVE ||
	    ((conf->mode == SAMPLER_NTH || conf->mode == SAMPLER_RANDOM) && conf->n < 1) ||
	    (conf->mode == SAMPLER_ADAPTIVE && (conf->target < 1 || conf->min_n < 1 || conf->max_n < conf->min_n))) {
		return E_INVAL;
	}
	struct sampler *s = calloc(1, sizeof *s);
	if (!s)
		return E_NOMEM;
	s->c = *conf;
	uint64_t seed = conf->seed;
	if (seed == 0) {
		/* once per process; getrandom only blocks before the pool is initialised at boot */
		if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
			seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	}
	for (int i = 0; i < 4; i++)
		s->s[i] = splitmix64(&seed);
	switch (conf->mode) {
	case SAMPLER_ALL: set_n(s, 1, 1.0); break;
	case SAMPLER_NTH:
	case SAMPLER_RANDOM: set_n(s, conf->n, 1.0); break;
	case SAMPLER_ADAPTIVE: set_n(s, conf->min_n, 1.0); break;
	}
	*out = s;
	return E_OK;
}

void sampler_free(struct sampler *s)
{
	free(s);
}

uint32_t sampler_decide(struct sampler *s, unsigned msgtype, int *type_skipped)
{
	if (msgtype >= 32 || !((s->c.type_mask >> msgtype) & 1)) {
		*type_skipped = 1;
		return 0;
	}
	*type_skipped = 0;
	s->eligible++;
	switch (s->c.mode) {
	case SAMPLER_ALL:
		return 1;
	case SAMPLER_NTH:
		if (++s->nth_count < s->n_lo)
			return 0;
		s->nth_count = 0;
		return s->n_lo;
	case SAMPLER_RANDOM:
		return (next(s) & 0xffffffffu) < s->thr_lo ? s->n_lo : 0;
	case SAMPLER_ADAPTIVE: {
		uint64_t r = next(s);
		if ((r >> 32) < s->q_thr)
			return (r & 0xffffffffu) < s->thr_lo ? s->n_lo : 0;
		return (r & 0xffffffffu) < s->thr_hi ? s->n_lo + 1 : 0;
	}
	}
	return 0;
}

void sampler_tick(struct sampler *s, uint64_t now_us)
{
	if (s->c.mode != SAMPLER_ADAPTIVE) {
		s->eligible = 0;
		return;
	}
	if (s->last_tick == 0 || now_us <= s->last_tick) {
		s->last_tick = now_us;
		s->eligible = 0;
		return;
	}
	double secs = (double)(now_us - s->last_tick) / 1e6;
	double r = (double)s->eligible / secs;
	s->last_tick = now_us;
	s->eligible = 0;
	s->rate = (r > 1.25 * s->rate || r < 0.8 * s->rate) ? r : 0.25 * s->rate + 0.75 * r;

	double want = s->rate / (double)s->c.target;
	if (want <= s->c.min_n) {
		set_n(s, s->c.min_n, 1.0);
	} else if (want >= s->c.max_n) {
		set_n(s, s->c.max_n, 1.0);
	} else {
		uint32_t lo = (uint32_t)want;
		/* q/lo + (1-q)/(lo+1) = 1/want */
		double q = (1.0 / want - 1.0 / (lo + 1.0)) * lo * (lo + 1.0);
		set_n(s, lo, q);
	}
}

uint32_t sampler_current_n(const struct sampler *s)
{
	return s ? s->n_lo : 0;
}

int sampler_parse_mode(const char *str, struct sampler_conf *conf)
{
	const char *arg = NULL;
	if (!str || !conf)
		return E_INVAL;
	if (strcasecmp(str, "all") == 0) {
		conf->mode = SAMPLER_ALL;
		conf->n = 1;
		return E_OK;
	}
	if (strcasecmp(str, "adaptive") == 0) {
		conf->mode = SAMPLER_ADAPTIVE;
		return E_OK;
	}
	if (strncasecmp(str, "nth:", 4) == 0) {
		conf->mode = SAMPLER_NTH;
		arg = str + 4;
	} else if (strncasecmp(str, "random:", 7) == 0) {
		conf->mode = SAMPLER_RANDOM;
		arg = str + 7;
	} else {
		return E_INVAL;
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (end == arg || *end || errno || v < 1 || v > 1000000000ul || arg[0] == '-')
		return E_INVAL;
	conf->n = (uint32_t)v;
	return E_OK;
}

static const char *const type_names[MT_MAX][2] = {
	[MT_AUTH_QUERY] = { "AUTH_QUERY", "AQ" },
	[MT_AUTH_RESPONSE] = { "AUTH_RESPONSE", "AR" },
	[MT_RESOLVER_QUERY] = { "RESOLVER_QUERY", "RQ" },
	[MT_RESOLVER_RESPONSE] = { "RESOLVER_RESPONSE", "RR" },
	[MT_CLIENT_QUERY] = { "CLIENT_QUERY", "CQ" },
	[MT_CLIENT_RESPONSE] = { "CLIENT_RESPONSE", "CR" },
	[MT_FORWARDER_QUERY] = { "FORWARDER_QUERY", "FQ" },
	[MT_FORWARDER_RESPONSE] = { "FORWARDER_RESPONSE", "FR" },
	[MT_STUB_QUERY] = { "STUB_QUERY", "SQ" },
	[MT_STUB_RESPONSE] = { "STUB_RESPONSE", "SR" },
	[MT_TOOL_QUERY] = { "TOOL_QUERY", "TQ" },
	[MT_TOOL_RESPONSE] = { "TOOL_RESPONSE", "TR" },
	[MT_UPDATE_QUERY] = { "UPDATE_QUERY", "UQ" },
	[MT_UPDATE_RESPONSE] = { "UPDATE_RESPONSE", "UR" },
};

const char *sampler_types_check(uint32_t mask, int double_count)
{
	const uint32_t queries = (1u << MT_AUTH_QUERY) | (1u << MT_CLIENT_QUERY);
	const uint32_t responses = (1u << MT_AUTH_RESPONSE) | (1u << MT_CLIENT_RESPONSE);

	/* why: sampled types feed the per-zone series, so each must be one client exchange */
	if (double_count)
		return NULL;
	if (mask & ~(queries | responses))
		return "only AUTH_* and CLIENT_* types may be sampled (RESOLVER, FORWARDER, STUB, TOOL "
		    "and UPDATE messages are counted, never recorded in the zone series)";
	if ((mask & queries) && (mask & responses))
		return "a query type and a response type record each exchange twice: "
		    "list responses or queries, not both";
	return NULL;
}

const char *sampler_type_name(unsigned msgtype)
{
	return msgtype < MT_MAX ? type_names[msgtype][0] : NULL;
}

int sampler_type_mask(const char *list, uint32_t *mask)
{
	char tok[32];
	uint32_t m = 0;
	if (!list || !mask)
		return E_INVAL;
	const char *p = list;
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, ", \t");
		if (n >= sizeof tok)
			return E_INVAL;
		memcpy(tok, p, n);
		tok[n] = '\0';
		p += n;
		unsigned t;
		for (t = 1; t < MT_MAX; t++)
			if (strcasecmp(tok, type_names[t][0]) == 0 || strcasecmp(tok, type_names[t][1]) == 0)
				break;
		if (t == MT_MAX)
			return E_INVAL;
		m |= 1u << t;
	}
	if (!m)
		return E_INVAL;
	*mask = m;
	return E_OK;
}
