/* capd/srvstats.h: the nameserver's own statistics (Knot mod-stats, NSD, BIND, Unbound), read once per counters interval. */
#ifndef CAPD_SRVSTATS_H
#define CAPD_SRVSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

struct zones;

/*
 * dnstap carries no sequence numbers, so what the nameserver drops in its own
 * dnstap queue is invisible to a reader. The server's exact counters, read at
 * the same moment as capd's, make the loss visible: srv_responses -
 * msg_auth_response. The reading runs the server's control program
 * (knotc, nsd-control) as a child, off the hot path: srvstats_begin starts
 * it, srvstats_poll collects its output without blocking, so the event loop
 * never waits on the server.
 *
 * Values are cumulative since capd's first successful reading (the first one
 * is the baseline, counting nothing), so they sit beside capd's own counters,
 * which count from capd's start. A server restart (a counter going back) is
 * counted in C_SRV_RESTARTS and its counts since the restart are added.
 */

enum srvstats_kind {
	SRV_NONE = 0,
	SRV_KNOT,       /* knotc [-s socket] stats mod-stats; knotc zone-stats -- (mod-stats) */
	SRV_NSD,        /* nsd-control [-c conf] [-s socket] stats_noreset (zonestats) */
	SRV_BIND,       /* BIND statistics channel: HTTP GET /json/v1/server, /json/v1/zones */
	SRV_UNBOUND,    /* unbound-control [-c conf] [-s socket] stats_noreset (no per-zone counts) */
	SRV_KIND_MAX
};

struct srvstats_conf {
	enum srvstats_kind kind;
	const char *program;    /* control program; NULL or "": knotc / nsd-control from PATH */
	const char *control;    /* control socket path; NULL or "": the program's default;
	                         * BIND: the statistics channel, "ADDR:PORT" or "[V6ADDR]:PORT" (required) */
	const char *config;     /* NSD, Unbound: the server's config for its control program's -c; NULL or "": its default */
	unsigned timeout_ms;    /* a reading slower than this is killed and counted as failed */
	int zones;              /* 1: also read per-zone totals (Knot zone-stats; NSD zonestats) */
	size_t zones_max;       /* zones tracked (1..1000000); more are counted (srv_zones_untracked) */
	struct zones *measured; /* per-zone totals only for these zones and zones under them (capd's
	                         * [zones]); NULL: every zone. Taken over by srvstats_new, also on failure */
};

struct srvstats;

/* srvstats_new: E_OK with *out set; E_INVAL for a bad conf (kind NONE included), E_NOMEM. */
int srvstats_new(const struct srvstats_conf *conf, struct srvstats **out);
void srvstats_free(struct srvstats *s);

/* srvstats_kind_parse: "knot", "nsd", "bind", "unbound" (and "none") to the kind; -1 if unknown. Cannot fail. */
int srvstats_kind_parse(const char *name);

/* srvstats_addr_ok: 1 if control is a literal "ADDR:PORT" / "[V6ADDR]:PORT" (BIND), else 0. */
int srvstats_addr_ok(const char *control);

/*
 * srvstats_begin: start a reading (spawn the control program) unless one is
 * running. Returns E_OK when a reading is under way (srvstats_poll will
 * report its end), or a negative code when none could start (counted as a
 * failed reading; NULL s: E_INVAL, nothing counted). No allocation.
 */
int srvstats_begin(struct srvstats *s, uint64_t mono_us);

/*
 * srvstats_poll: collect what the running reading wrote, without blocking.
 * Returns 0 while nothing finished, SRVSTATS_DONE when a reading completed
 * and its values are in, SRVSTATS_FAILED when it failed or timed out (the
 * child is then killed and reaped; srvstats_error says why). NULL s: 0.
 */
#define SRVSTATS_DONE 1
#define SRVSTATS_FAILED 2
int srvstats_poll(struct srvstats *s, uint64_t mono_us);

/* srvstats_read: begin and poll until done or timeout (start-up; blocks up to timeout_ms). */
int srvstats_read(struct srvstats *s);

/* srvstats_error: why the last reading failed (escaped, static per object); "" if it did not. */
const char *srvstats_error(const struct srvstats *s);

/*
 * srvstats_counters: set C_SRV_* (96..127) in c, which must already hold
 * capd's own message counters (it takes C_SRV_DNSTAP_* from them: capd's
 * AUTH_ and CLIENT_ queries and responses since the server's baseline, at
 * the instant of the last successful reading). Call it in the counters sent
 * as a reading ends. NULL s: nothing. Cannot fail.
 */
void srvstats_counters(struct srvstats *s, struct dnsa_counters *c);

/*
 * srvstats_zones: the zones to send now: those whose totals changed since
 * they were last handed out, and every zone again once SRVSTATS_RESEND
 * readings have passed since (so a lost datagram's last increment arrives
 * even for a zone that went quiet). *n entries at the returned pointer,
 * valid until the next call. At most SRVSTATS_ZONES_PER_CALL zones per call
 * (a burst of datagrams the socket buffer can take); the others wait for the
 * next call, which starts where this one stopped. NULL s: NULL, *n = 0.
 */
#define SRVSTATS_RESEND 6
#define SRVSTATS_ZONES_PER_CALL 2000
const struct dnsa_zone_total *srvstats_zones(struct srvstats *s, size_t *n);

/*
 * Parsing, exposed for the unit test (captured real output): feed the output
 * of step `step` of a reading (Knot: 0 stats, 1 zone-stats; NSD: 0), in any
 * pieces, then srvstats_end(s, 1) to take the reading in, or (s, 0) to drop it.
 * srvstats_end returns SRVSTATS_DONE or SRVSTATS_FAILED (nothing usable).
 */
void srvstats_feed(struct srvstats *s, unsigned step, const char *buf, size_t len);
int srvstats_end(struct srvstats *s, int ok);

#endif
