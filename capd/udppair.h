/* capd/udppair.h: pairs captured UDP queries with their responses (bounded table by client, port, DNS id) for the server's answer time. */
#ifndef DNSA_CAPD_UDPPAIR_H
#define DNSA_CAPD_UDPPAIR_H

#include <stdint.h>

/*
 * A set-associative table: a query's (family, client address, client port,
 * DNS id) hashes to a bucket of UDPPAIR_WAYS slots holding the query's
 * capture time. The response with the same key takes the time out (the
 * slot is freed), so latency = response time - query time, the time the
 * server took as seen at the capture point. Memory is fixed at creation
 * (slots * 32 bytes); nothing is allocated per packet.
 *
 * What is counted (all exact, since every UDP message is seen):
 *   matched     responses that found their query
 *   misses      responses that found none (query not captured, evicted,
 *               expired, or the response is a duplicate)
 *   evicted     queries pushed out of a full bucket while still waiting
 *               (younger than the timeout): the table is too small
 *   unanswered  queries found waiting longer than the timeout when their
 *               slot was reused: never answered (as far as the capture saw)
 * A repeated query with a key already waiting keeps the first query's time
 * (a retransmission; tshark's dns.time counts from the first request too).
 */
#define UDPPAIR_WAYS 4

struct udppair_conf {
	uint32_t slots;        /* table size, rounded up to a power of two >= UDPPAIR_WAYS; 0 = 16384 */
	uint32_t timeout_ms;   /* a query waits at most this long (capture time); 0 = 5000 */
};

struct udppair_stats {
	uint64_t matched;
	uint64_t misses;
	uint64_t evicted;
	uint64_t unanswered;
};

struct udppair;

/* udppair_new: E_OK and *out, or E_NOMEM / E_INVAL (slots above 2^24). */
int udppair_new(const struct udppair_conf *conf, struct udppair **out);
void udppair_free(struct udppair *u);

/*
 * udppair_query: remember a query seen at ts_us. client is 4 (family 4) or
 * 16 (family 6) bytes. Cannot fail (a full bucket evicts its oldest slot).
 */
void udppair_query(struct udppair *u, uint8_t family, const uint8_t *client, uint16_t port, uint16_t id,
    uint64_t ts_us);

/*
 * udppair_response: the response seen at ts_us: 1 and *query_ts_us if its
 * query was waiting (no older than the timeout, not after ts_us), else 0
 * (counted as a miss).
 */
int udppair_response(struct udppair *u, uint8_t family, const uint8_t *client, uint16_t port, uint16_t id,
    uint64_t ts_us, uint64_t *query_ts_us);

/* udppair_stats: the counts above. Cannot fail. */
void udppair_stats(const struct udppair *u, struct udppair_stats *st);

/* udppair_memory: bytes a table of conf takes. */
uint64_t udppair_memory(const struct udppair_conf *conf);

#endif
