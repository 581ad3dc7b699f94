/* capd/tcpreasm.h: passive reassembly of DNS over TCP (RFC 7766 2-byte length framing) per flow. */
#ifndef DNSA_CAPD_TCPREASM_H
#define DNSA_CAPD_TCPREASM_H

#include <stddef.h>
#include <stdint.h>

/*
 * A flow is one TCP connection between a DNS client and a server; the
 * caller says which side is the client. Each direction is a stream of
 * messages, each prefixed by its 2-byte length. A message wholly inside one
 * in-order segment is delivered straight from the packet (no copy); a
 * message spread over segments is copied into a buffer from one of two
 * fixed pools (small buffers of buf_size bytes, large ones of max_message
 * bytes, up to 65,535: AXFR-like or large DNSSEC answers); segments that
 * arrive ahead of a hole wait in a fixed pool of out-of-order slots (a
 * segment larger than a slot takes several: GRO/TSO captures and loopback
 * carry 64 KiB segments). Data in a SYN (TCP Fast Open, RFC 7413) is
 * stream data from ISN + 1.
 *
 * Every message is delivered or counted lost (stats.lost). A message that
 * cannot be buffered (pools empty, or longer than max_message) is skipped
 * by its length, so the stream stays in step. A hole (a segment never seen,
 * or cut by the snap length) is waited for while its retransmission may
 * come: until hole_us of capture time has passed (either side's next
 * segment tells the time), the flow's out-of-order room is full, or the
 * flow ends (RST, idle expiry, eviction, tcpreasm_flush at the end of a
 * file; FIN both ways around a hole ends it after weak_us). Then the hole is given up: a hole
 * inside a message costs that message only and the stream stays in step;
 * otherwise at least one message is counted lost and the direction
 * resynchronises on the next segment that starts with a plausible message
 * (length >= 12 and a DNS header whose QR bit fits the direction). Flows
 * picked up mid-stream start resynchronising the same way.
 *
 * Flows live in two LRU lists: "weak" (handshake not finished, or closed
 * and lingering to swallow late retransmissions) and "established". The
 * weak list is capped at max_weak, so a SYN flood of distinct flows evicts
 * only other weak flows and never an established one; when the whole table
 * is full the least recently used flow goes. Idle flows expire.
 *
 * Memory: everything is allocated by tcpreasm_new; nothing afterwards (no
 * allocation, no syscall per packet). The ceiling is tcpreasm_memory(conf).
 * With the defaults (16384 flows, 512 x 4 KiB and 32 x 64 KiB message
 * buffers, 1024 x 2 KiB out-of-order slots) it is about 9.3 MiB
 * (test_tcpreasm checks the bound), whatever the traffic, SYN floods included.
 *
 * Passive RTT: SYN-ACK seen from the server at t1, the client's ACK of it
 * at t2: rtt = t2 - t1, the client's round trip as the server sees it. It
 * is attached to every message of the flow once known.
 */

struct tcpreasm_conf {
	uint32_t max_flows;    /* flow table size; 0 = 16384 */
	uint32_t max_weak;     /* flows not established (or closed) at most; 0 = max_flows / 2 */
	uint32_t buf_count;    /* small message buffers (messages split over segments in progress); 0 = 512 */
	uint32_t buf_size;     /* bytes of a small buffer; 0 = 4096 */
	uint32_t big_count;    /* large buffers, for messages over buf_size; 0 = 32 (none if max_message <= buf_size) */
	uint32_t max_message;  /* largest message reassembled (a large buffer's size); 0 = 65535 */
	uint32_t ooo_count;    /* out-of-order slots; 0 = 1024 */
	uint32_t ooo_size;     /* bytes of a slot (a longer segment takes several); 0 = 2048 */
	uint32_t ooo_per_flow; /* out-of-order slots one direction may hold; 0 = 64 (max 255) */
	uint64_t idle_us;      /* established flow idle timeout; 0 = 60 s */
	uint64_t weak_us;      /* handshake/closed flow timeout; 0 = 10 s */
	uint64_t hole_us;      /* capture time a hole is waited for (retransmission); 0 = 3 s */
};

/* One TCP segment in. Addresses are 4 or 16 bytes by family. */
struct tcpreasm_seg {
	uint8_t family;         /* 4 or 6 */
	uint8_t from_client;    /* 1: client -> server; 0: server -> client */
	uint8_t flags;          /* TCP flags */
	uint8_t truncated;      /* data cut by the snap length: len < wire_len */
	const uint8_t *client;  /* client address */
	const uint8_t *server;  /* server address */
	uint16_t client_port, server_port;
	uint32_t seq, ack;
	const uint8_t *data;    /* payload */
	size_t len;             /* captured payload bytes */
	size_t wire_len;        /* payload bytes on the wire */
	uint64_t ts_us;         /* capture time */
};

/* One DNS message out. Pointers are valid during the callback only. */
struct tcpreasm_msg {
	uint8_t family;
	uint8_t from_client;    /* 1: a client's message (query); 0: the server's */
	uint8_t has_rtt;
	const uint8_t *client;
	const uint8_t *server;
	uint16_t client_port, server_port;
	uint32_t rtt_us;
	uint64_t ts_us;         /* capture time of the segment that completed the message */
	const uint8_t *dns;
	size_t len;
};

typedef void (*tcpreasm_fn)(const struct tcpreasm_msg *m, void *arg);

struct tcpreasm_stats {
	uint64_t segments;      /* segments offered */
	uint64_t messages;      /* messages delivered */
	uint64_t copied;        /* of which reassembled through a buffer */
	uint64_t flows_created;
	uint64_t flows_closed;  /* FIN both ways or RST */
	uint64_t flows_active;  /* gauge */
	uint64_t flows_midstream; /* flows picked up without seeing the handshake */
	uint64_t evicted_weak;  /* weak flows evicted by the max_weak cap (SYN floods) */
	uint64_t evicted_lru;   /* flows evicted because the table was full */
	uint64_t expired;       /* flows expired idle */
	uint64_t retransmits;   /* segments wholly or partly already seen */
	uint64_t ooo_queued;    /* segments kept out of order */
	uint64_t gaps;          /* holes given up (never filled, or cut by the snap length) */
	uint64_t truncated;     /* segments cut by the snap length */
	uint64_t too_big;       /* messages skipped: longer than max_message */
	uint64_t no_buffer;     /* messages skipped: buffer pools empty */
	uint64_t rtt_samples;   /* handshakes that gave an RTT */
	uint64_t lost;          /* messages known lost: skipped, behind a hole (1 per hole at least), incomplete */
	uint64_t incomplete;    /* of which cut off by the end of their flow (or of the input) */
	uint64_t resyncs;       /* directions back in step after a hole or a mid-stream start */
	uint64_t tfo;           /* client SYNs carrying data (TCP Fast Open) */
};

struct tcpreasm;

/*
 * tcpreasm_new: allocate everything; fn(m, arg) gets each message. E_OK with
 * *out set, or E_NOMEM with *out NULL. conf may be NULL (defaults).
 */
int tcpreasm_new(const struct tcpreasm_conf *conf, tcpreasm_fn fn, void *arg, struct tcpreasm **out);
void tcpreasm_free(struct tcpreasm *t);

/* tcpreasm_memory: the bytes tcpreasm_new allocates for conf (the ceiling). Cannot fail. */
size_t tcpreasm_memory(const struct tcpreasm_conf *conf);

/*
 * tcpreasm_segment: feed one segment; calls fn for every message it
 * completes, in stream order. Returns the number of messages counted lost
 * with this segment (0 normally). Cannot fail otherwise.
 */
int tcpreasm_segment(struct tcpreasm *t, const struct tcpreasm_seg *seg);

/* tcpreasm_known: a flow with seg's addresses and ports in seg's roles is tracked. Cannot fail. */
int tcpreasm_known(struct tcpreasm *t, const struct tcpreasm_seg *seg);

/* tcpreasm_expire: end flows idle past their timeout at now_us (held data delivered or counted). Cannot fail. */
void tcpreasm_expire(struct tcpreasm *t, uint64_t now_us);

/* tcpreasm_flush: end every flow (end of input): held data delivered or counted lost. Cannot fail. */
void tcpreasm_flush(struct tcpreasm *t);

/* tcpreasm_stats: copy the counters. Cannot fail. */
void tcpreasm_stats(const struct tcpreasm *t, struct tcpreasm_stats *st);

#endif
