/* capd/sender.h: batches records into sealed UDP datagrams and sends them to the aggregators, with failover. */
#ifndef DNSA_CAPD_SENDER_H
#define DNSA_CAPD_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "common/envelope.h"
#include "common/record.h"

#define SENDER_MAX_AGGR 8

struct sender_conf {
	const char *const *aggregators; /* "IPv4:port", "[IPv6]:port" or "name:port" (resolved once at sender_new) */
	size_t n_aggregators;           /* 1..SENDER_MAX_AGGR; the first is preferred */
	const char *node;               /* node name (key file) */
	const uint8_t *key;             /* ENV_KEY_LEN bytes, copied */
	size_t payload_size;            /* whole UDP payload budget incl. envelope; 0: auto (1232, up to 65507 on local paths, see sender.c) */
	uint64_t flush_us;              /* a non-empty batch is sent once this old (default 1 s) */
	uint64_t failback_us;           /* after a failover, try the first aggregator again after this long */
	uint64_t boot_id;               /* 0 = microseconds since the epoch at sender_new */
	uint64_t salt;                  /* 0 = random */
	int sndbuf;                     /* SO_SNDBUF bytes, 0 = system default */
};

struct sender;

/*
 * sender_new: resolve the aggregators, open one non-blocking connected UDP
 * socket per aggregator (connected so ICMP errors come back as send errors,
 * which drives failover). Returns E_OK with *out set, or E_INVAL (bad conf,
 * including a payload_size too small for a counters datagram with every
 * counter at its maximum), E_NOMEM,
 * -errno from socket calls. When an aggregator string is the cause,
 * why[0..why_len) says "aggregator STRING", else it is "" (why may be NULL).
 * Call before dropping privileges if needed.
 */
int sender_new(const struct sender_conf *conf, struct sender **out, char *why, size_t why_len);
void sender_free(struct sender *s);

/*
 * sender_add: append a record to the current batch; when full, the batch is
 * sealed and sent first. A send failure is counted, never waited on.
 * Returns E_OK, or E_TOOBIG for a record that cannot fit any datagram
 * (counted as C_DROP_BATCH). No allocation, no syscall unless a batch is sent.
 */
int sender_add(struct sender *s, const struct dnsa_record *r);

/*
 * sender_tick: tell the sender the time (monotonic us); sends the batch if it
 * is at least flush_us old and handles failback. Cheap; call it often.
 */
void sender_tick(struct sender *s, uint64_t mono_us);

/* sender_flush: send the current batch now, if not empty. */
void sender_flush(struct sender *s);

/*
 * sender_send_counters: seal and send a COUNTERS datagram with c (time_us
 * set here). The sender's own counters are merged into c first (see
 * sender_stats). Returns E_OK or the send error (counted).
 */
int sender_send_counters(struct sender *s, struct dnsa_counters *c);

/*
 * sender_send_zones: send the nameserver's per-zone totals z[0..n) in as many
 * COUNTERS datagrams as they need (payload key 4, see common/record.h).
 * Returns E_OK, -EIO if a send failed (counted), E_SPACE for a zone that
 * cannot fit any datagram, E_INVAL for NULL arguments. n == 0 sends nothing.
 */
int sender_send_zones(struct sender *s, const struct dnsa_zone_total *z, size_t n);

/* sender_send_sketches: the distinct-client sketch pieces p[0..n) in as many COUNTERS datagrams as needed; like sender_send_zones. */
int sender_send_sketches(struct sender *s, const struct dnsa_sketch_piece *p, size_t n);
/* sender_stats: set C_DATAGRAMS_SENT, C_SEND_ERRORS, C_RECORDS_DROPPED_SEND, C_FAILOVERS, C_DROP_BATCH in c. */
void sender_stats(const struct sender *s, struct dnsa_counters *c);

/* sender_current: index of the aggregator in use; sender_boot_id: the boot id on every datagram. */
size_t sender_current(const struct sender *s);
uint64_t sender_boot_id(const struct sender *s);

/* sender_max_payload: plaintext budget of one datagram (payload_size minus envelope overhead). */
size_t sender_max_payload(const struct sender *s);
/* sender_payload_size: the whole UDP payload budget in use (payload_size, or what auto chose). */
size_t sender_payload_size(const struct sender *s);
/* sender_sndbuf: SO_SNDBUF of the first aggregator's socket as the kernel reports it (twice what was set), -1 on error. */
int sender_sndbuf(const struct sender *s);

#endif
