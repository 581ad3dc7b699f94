/* common/record.h: the sampled DNS record and the node counters message, and their CBOR codec. */
#ifndef DNSA_COMMON_RECORD_H
#define DNSA_COMMON_RECORD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Payload schema version. Decoders skip unknown map keys (forward
 * compatible); a change that old decoders cannot ignore bumps this.
 * docs/wire-format.md lists every key.
 */
#define RECORD_SCHEMA_VERSION 1

#define RECORD_NAME_MAX 255 /* presentation form, lower-case, no trailing dot except "." */
#define RECORD_MAX_PAYLOAD 65000 /* largest payload a batch may be asked to build */

/* transport labels (record key 8) */
enum dnsa_transport {
	TR_UNKNOWN = 0,
	TR_UDP = 1,
	TR_TCP = 2,
	TR_DOT = 3,
	TR_DOH = 4,
	TR_DOQ = 5,
	TR_DNSCRYPT_UDP = 6,
	TR_DNSCRYPT_TCP = 7,
	TR_MAX = 8
};

/* message types, as dnstap numbers them (record key 10; counters C_MSG_BY_TYPE + type - 1) */
enum dnsa_msgtype {
	MT_UNKNOWN = 0,
	MT_AUTH_QUERY = 1,
	MT_AUTH_RESPONSE = 2,
	MT_RESOLVER_QUERY = 3,
	MT_RESOLVER_RESPONSE = 4,
	MT_CLIENT_QUERY = 5,
	MT_CLIENT_RESPONSE = 6,
	MT_FORWARDER_QUERY = 7,
	MT_FORWARDER_RESPONSE = 8,
	MT_STUB_QUERY = 9,
	MT_STUB_RESPONSE = 10,
	MT_TOOL_QUERY = 11,
	MT_TOOL_RESPONSE = 12,
	MT_UPDATE_QUERY = 13,
	MT_UPDATE_RESPONSE = 14,
	MT_MAX = 15
};

/* header flag bits as kept in record.flags (the DNS header's second 16 bits minus opcode/rcode) */
#define RF_QR 0x8000
#define RF_AA 0x0400
#define RF_TC 0x0200
#define RF_RD 0x0100
#define RF_RA 0x0080
#define RF_AD 0x0020
#define RF_CD 0x0010

/* presence bits for optional fields (record.has) */
#define RH_EDNS      (1u << 0)  /* edns_version, edns_udp, edns_do, edns_ecs valid */
#define RH_QSIZE     (1u << 1)
#define RH_RSIZE     (1u << 2)
#define RH_LATENCY   (1u << 3)
#define RH_COUNTRY   (1u << 4)
#define RH_ASN       (1u << 5)
#define RH_PREFIX    (1u << 6)  /* client prefix (truncated) */
#define RH_ADDR      (1u << 7)  /* full client address (only if configured) */
#define RH_RTT       (1u << 8)  /* passive TCP handshake RTT */
#define RH_QUESTION  (1u << 9)  /* qname/qtype/qclass valid (message had a question) */

/* record.partial bits (record key 24): the record holds what was readable of an imperfect message */
#define RP_CUT       0x01  /* the capture cut the message (snap length): fields past the question may be missing */
#define RP_MALFORMED 0x02  /* the message broke a rule after its question (or its qname used a forward pointer) */

/*
 * record.akind (record key 25): what kind of answer a response is, decided
 * by capd from its header and sections (capd/dnsparse.c dnsparse_akind;
 * docs/sql.md says how). 0 = not a response or not decided (key absent).
 */
enum dnsa_akind {
	AK_NONE = 0,
	AK_ANSWER = 1,      /* NOERROR, AA, answer records */
	AK_REFERRAL = 2,    /* NOERROR, no AA, no answer records, NS in authority */
	AK_NODATA = 3,      /* NOERROR, AA, no answer records */
	AK_NXDOMAIN = 4,    /* rcode NXDOMAIN */
	AK_REFUSED = 5,     /* rcode REFUSED */
	AK_OTHER = 6,       /* any other response (SERVFAIL, FORMERR, NOERROR without AA and without NS...) */
	AK_MAX = 7
};

/*
 * One sampled DNS message. Fixed size, no pointers: the hot path fills one on
 * the stack. Strings are NUL-terminated.
 */
struct dnsa_record {
	uint32_t has;            /* RH_* presence bits */
	uint64_t time_us;        /* message time, microseconds since the epoch (UTC) */
	char zone[RECORD_NAME_MAX + 1];  /* matched zone, "." if none matched */
	char qname[RECORD_NAME_MAX + 1]; /* lower-cased, truncated to zone + N labels */
	uint16_t qtype;
	uint16_t qclass;
	uint8_t opcode;
	uint16_t rcode;          /* 12-bit extended rcode when EDNS present */
	uint16_t flags;          /* RF_* bits */
	uint8_t transport;       /* enum dnsa_transport */
	uint8_t ipver;           /* 4 or 6, 0 unknown */
	uint8_t msgtype;         /* enum dnsa_msgtype */
	uint8_t edns_version;
	uint16_t edns_udp;       /* advertised UDP payload size */
	uint8_t edns_do;         /* DO bit */
	uint8_t edns_ecs;        /* 1 if an ECS option was present (its value is never kept) */
	uint32_t qsize;          /* query message size, bytes */
	uint32_t rsize;          /* response message size, bytes */
	uint32_t latency_us;     /* response time - query time */
	uint32_t rtt_us;         /* passive TCP RTT client<->node */
	char country[3];         /* ISO 3166 alpha-2, "" unknown */
	uint32_t asn;
	uint8_t addr_len;        /* 4 or 16 for prefix/addr */
	uint8_t prefix_len;      /* bits kept in addr (24/48 for prefixes, 32/128 full) */
	uint8_t addr[16];        /* client address, zeroed past prefix_len */
	uint32_t weight;         /* sampling n: this record stands for `weight` messages */
	uint8_t partial;         /* RP_* bits; 0 for a whole, well-formed message */
	uint8_t akind;           /* enum dnsa_akind; AK_NONE for queries */
};

/*
 * Exact per-node counters, cumulative since the node's boot (so a lost
 * counters datagram loses nothing: the next one carries the totals).
 * Counter ids are stable wire keys; names are the SQL names.
 */
enum dnsa_counter {
	C_MSG_TOTAL = 0,          /* messages seen (all inputs, before sampling) */
	C_MSG_BY_TYPE = 1,        /* 1..14: C_MSG_BY_TYPE + dnstap type - 1 (names in record.c) */
	C_MSG_UDP = 20,           /* messages by transport */
	C_MSG_TCP,
	C_MSG_DOT,
	C_MSG_DOH,
	C_MSG_DOQ,
	C_MSG_DNSCRYPT,
	C_MSG_OTHER_TRANSPORT,
	C_MSG_IPV4 = 30,
	C_MSG_IPV6,
	/* 32..39: DNS packets the kernel socket filter did not copy (kernel sampling, capd/ksample.c),
	 * exact, by direction, transport and IP version: C_KS_DROP + query/response * 4 + TCP * 2 + IPv6 */
	C_KS_DROP = 32,
	C_SAMPLED = 40,           /* messages chosen by the sampler */
	C_RECORDED,               /* records put in a batch */
	C_SAMPLE_N,               /* current sampling n (a gauge, not cumulative) */
	C_NOT_SAMPLED_TYPE,       /* messages of a type not configured for sampling */
	C_ZONE_UNLISTED,          /* sampled messages for zones not configured */
	C_KS_STATE = 45,          /* kernel sampling: 0 not in use (user-space path), 1 the eBPF socket filter (gauge) */
	C_KS_N,                   /* the n of the kernel socket filter in force (gauge) */
	C_KS_KEPT,                /* DNS packets the kernel socket filter copied to capd */
	C_KS_FRAGMENTS,           /* IP fragments the kernel socket filter copied unsampled */
	C_KS_FLOWS_DROPPED,       /* TCP connections the kernel socket filter left out (client SYNs not copied) */
	C_PARSE_ERRORS = 50,      /* DNS messages that did not parse */
	C_DNSTAP_ERRORS,          /* dnstap frames that did not decode */
	C_FRAME_ERRORS,           /* Frame Streams protocol errors (connection closed) */
	C_DROP_OVERLOAD,          /* frames read and discarded because capd was behind */
	C_DROP_BATCH,             /* records lost because a datagram could not be built */
	C_PKT_ERRORS,             /* packets that were not DNS (pcap input) */
	C_DNSTAP_CONNS,           /* dnstap connections accepted */
	C_DNSTAP_REJECTED = 57,   /* dnstap connections closed at accept: their pool (UNIX or TCP) was full */
	C_DNSTAP_DENIED = 58,     /* dnstap TCP connections closed at accept: source not in dnstap.tcp_allow */
	C_DNSTAP_HANDSHAKE_TIMEOUTS = 59, /* dnstap connections closed: no START within dnstap.handshake_timeout */
	C_DATAGRAMS_SENT = 60,    /* datagrams handed to the kernel, records and counters (this one included) */
	C_SEND_ERRORS,            /* sends that failed (EAGAIN, unreachable...) */
	C_RECORDS_DROPPED_SEND,   /* records in datagrams that could not be sent */
	C_FAILOVERS,              /* switches to another aggregator */
	C_DNSTAP_IDLE_TIMEOUTS = 64, /* dnstap connections closed: nothing received for dnstap.idle_timeout */
	C_DNSTAP_IO_ERRORS = 65,  /* dnstap connections ended by a read/write error (ECONNRESET...) */
	C_DNSTAP_ACCEPT_ERRORS = 66, /* dnstap accept() failures (EMFILE...) */
	C_PCAP_RECV = 70,         /* pcap_stats ps_recv */
	C_PCAP_DROP,              /* pcap_stats ps_drop (kernel) */
	C_PCAP_IFDROP,            /* pcap_stats ps_ifdrop (interface) */
	C_DOT_CONNS,              /* DoT connections seen (pcap: client SYNs to 853; payload not parsed) */
	C_DOH_CONNS,              /* DoH connections seen (pcap: client SYNs to 443) */
	C_FRAG_REASSEMBLED = 80,  /* IP fragment reassembly */
	C_FRAG_DROPPED,
	C_TCP_FLOWS,              /* TCP flows tracked */
	C_TCP_EVICTED,            /* TCP flows evicted (limit or idle) */
	C_TCP_GAPS,               /* TCP holes given up (segments never seen or cut by the snap length) */
	C_TCP_LOST = 85,          /* DNS-over-TCP messages lost by reassembly (>= 1 per hole; skipped; incomplete) */
	C_MSG_CUT,                /* messages cut by the capture's snap length (in msg_total; recorded if readable) */
	C_ZONE_UNLISTED_EST,      /* estimate (sum of weights): messages for zones not configured */
	C_PARSE_ERRORS_EST,       /* estimate (sum of weights): messages whose header or question did not parse */
	C_TCP_TFO,                /* TCP Fast Open SYNs carrying data (their data is delivered) */
	C_TCP_RESYNCS,            /* TCP directions back in step after a hole or a mid-stream start */
	C_RECORDED_PARTIAL,       /* records put in a batch with a partial flag (cut or malformed after the question) */
	C_PAIR_MATCHED = 92,      /* pcap UDP responses paired with their query (latency known) */
	C_PAIR_MISSES,            /* pcap UDP responses whose query was not waiting in the pairing table */
	C_PAIR_EVICTED,           /* pcap UDP queries pushed out of the full pairing table before their response */
	C_HLL_ZONES_UNTRACKED,    /* sampled records of a zone that got no distinct-resolver sketch (client.resolvers_zones) */
	/* 96..127: the nameserver's own statistics (capd/srvstats.c), exact, as the
	 * server counts them, cumulative since capd's first reading (so beside
	 * capd's own counters: srv_responses - msg_auth_response = lost inside the
	 * nameserver). 96..107 may also appear per zone (payload key 4). */
	C_SRV_QUERIES = 96,       /* queries the server received */
	C_SRV_RESPONSES,          /* responses the server sent */
	C_SRV_UDP,                /* queries by transport / IP version, as the server counts them */
	C_SRV_TCP,
	C_SRV_IPV4,
	C_SRV_IPV6,
	C_SRV_NOERROR,            /* responses by rcode */
	C_SRV_NXDOMAIN,
	C_SRV_REFUSED,
	C_SRV_SERVFAIL,
	C_SRV_RCODE_OTHER,
	C_SRV_DROPPED,            /* queries the server dropped without answer (NSD num.dropped) */
	C_SRV_ZONE_MAX,           /* end of the ids that may appear per zone */
	C_SRV_DNSTAP_QUERIES = 108, /* capd's AUTH_/CLIENT_QUERY since the server's baseline, at its last reading */
	C_SRV_DNSTAP_RESPONSES,   /* the same for responses: srv_responses minus this = lost inside the nameserver */
	C_SRV_ZONES_UNTRACKED = 124, /* readings that found more zones than [server_stats] zones_max */
	C_SRV_RESTARTS = 125,     /* readings where the server's counters went back (server restart) */
	C_SRV_READS,              /* successful readings of the server's statistics */
	C_SRV_READ_ERRORS,        /* readings that failed (no access, timeout, unparsable output) */
	C_COUNTER_MAX = 128
};
#define C_SRV_FIRST C_SRV_QUERIES
#define C_SRV_ZONE_IDS (C_SRV_ZONE_MAX - C_SRV_FIRST)

/* counter_name: SQL-friendly name of a counter id, NULL if unused. Cannot fail. */
const char *counter_name(unsigned id);

/*
 * What a counter's value is (docs/wire-format.md lists every counter with its kind):
 *   CK_EXACT     every message or event counted, whatever the sampling
 *   CK_ESTIMATE  a sum of sampling weights: an unbiased estimate of a message count (exact under `all`)
 *   CK_SAMPLE    a count of capd's own sampled work (messages sampled, records built or lost), not of traffic
 *   CK_GAUGE     a current value, not cumulative
 * counter_kind returns CK_NONE for an unused id. Cannot fail.
 */
enum counter_kind { CK_NONE = 0, CK_EXACT, CK_ESTIMATE, CK_SAMPLE, CK_GAUGE };
int counter_kind(unsigned id);
const char *counter_kind_name(int kind);

/* A counters message: up to C_COUNTER_MAX values, `set` says which are present. */
struct dnsa_counters {
	uint64_t time_us;                 /* when the snapshot was taken */
	uint64_t set[(C_COUNTER_MAX + 63) / 64]; /* bit i: value[i] present */
	uint64_t value[C_COUNTER_MAX];
};

static inline void counters_set(struct dnsa_counters *c, unsigned id, uint64_t v)
{
	if (id < C_COUNTER_MAX) {
		c->value[id] = v;
		c->set[id / 64] |= 1ull << (id % 64);
	}
}
static inline int counters_has(const struct dnsa_counters *c, unsigned id)
{
	return id < C_COUNTER_MAX && (c->set[id / 64] >> (id % 64)) & 1;
}

/*
 * Encoding (streaming, no allocation). Write one record as a CBOR map into
 * buf[0..cap); returns bytes written (> 0) or E_SPACE if it does not fit
 * (buf content then undefined). Cannot fail otherwise.
 */
int record_encode(const struct dnsa_record *r, uint8_t *buf, size_t cap);
int counters_encode(const struct dnsa_counters *c, uint8_t *buf, size_t cap);

/*
 * Decoding of one record map from hostile bytes: fills *r (zeroed first) and
 * returns bytes consumed (> 0), or a negative code (E_TRUNCATED, E_MALFORMED,
 * E_TYPE, E_INDEFINITE, E_TOOBIG, E_DEPTH). Unknown keys are skipped.
 */
int record_decode(const uint8_t *buf, size_t len, struct dnsa_record *r);
int counters_decode(const uint8_t *buf, size_t len, struct dnsa_counters *c);

/*
 * A datagram payload (the plaintext inside the envelope) is a CBOR map:
 *   {0: schema version, 1: time_us sent, 2: [record, ...]}     (kind RECORDS)
 *   {0: schema version, 1: time_us sent, 3: counters map}     (kind COUNTERS)
 * payload_foreach_record walks a RECORDS payload, calling fn for each record;
 * it validates the whole payload first, so fn is never called on a payload
 * that would later fail. Returns the record count or a negative code.
 */
typedef int (*record_fn)(const struct dnsa_record *r, void *arg);
int payload_foreach_record(const uint8_t *buf, size_t len, record_fn fn, void *arg);
/*
 * payload_decode_records: the same walk in one pass, decoding the records of
 * a RECORDS payload into out[0..max). Returns the record count once the whole
 * payload has validated (out[] is then complete), or a negative code (out[]
 * is then garbage: use none of it): E_SPACE if it holds more than max
 * records, E_INVAL if buf or out is NULL, else as payload_validate.
 * A payload of len bytes never holds more than len / RECORD_MIN_SIZE records
 * (the smallest record is a 3-pair map of time, empty zone and weight).
 */
#define RECORD_MIN_SIZE 7
int payload_decode_records(const uint8_t *buf, size_t len, struct dnsa_record *out, size_t max);
int payload_counters(const uint8_t *buf, size_t len, struct dnsa_counters *c);

/*
 * Exact per-zone totals from the nameserver's own statistics. They travel in
 * COUNTERS payloads of their own, beside the node counters map:
 *   {0: version, 1: time_us, 3: {0: time_us, 1: {}}, 4: [[zone, {id: value, ...}], ...]}
 * ids are C_SRV_FIRST..C_SRV_ZONE_MAX-1, values cumulative since capd's first
 * reading, so a lost datagram loses nothing. Old decoders skip key 4.
 */
struct dnsa_zone_total {
	char zone[RECORD_NAME_MAX + 1];   /* presentation, lower-case, no trailing dot except "." */
	uint32_t set;                     /* bit i: value[i] (id C_SRV_FIRST + i) present */
	uint64_t value[C_SRV_ZONE_IDS];
};
/*
 * counters_encode_zones: a COUNTERS payload carrying z[0..n) from the first,
 * as many as fit in cap; *used says how many (call again with z + *used for
 * the rest). Returns the length, or E_SPACE if not even one fits, E_INVAL for
 * NULL arguments or n == 0. Cannot fail otherwise.
 */
int counters_encode_zones(uint64_t time_us, const struct dnsa_zone_total *z, size_t n, size_t *used,
    uint8_t *buf, size_t cap);
/*
 * payload_zone_totals: the zone totals of a COUNTERS payload into out[0..max)
 * (validating the whole payload first). Returns how many (0: none, e.g. a
 * node counters payload), or a negative code: as payload_validate, E_SPACE if
 * there are more than max, E_MALFORMED for a bad zone entry (a zone name that
 * is not 1..255 bytes of lower-case printable ASCII, or an id out of range).
 */
int payload_zone_totals(const uint8_t *buf, size_t len, struct dnsa_zone_total *out, size_t max);
/*
 * Distinct-client sketches (common/hll.h), per counters interval, in
 * COUNTERS payloads of their own, beside the node counters map:
 *   {0: version, 1: time_us, 3: {0: time_us, 1: {}}, 5: [[zone, kind, flags, first, regs], ...]}
 * zone "" is the node's sketch over every message whose client address the
 * input knew without DNS parsing; a zone's sketch is over its sampled
 * records. A sketch travels in pieces (HyperLogLog registers merge by
 * maximum, so pieces, intervals, nodes and hours combine in any order):
 *   dense  (flags without SKF_SPARSE): regs = registers first .. first+len-1
 *   sparse (SKF_SPARSE): regs = 3-byte groups (index >> 8, index & 255, rank)
 * Old decoders skip key 5.
 */
enum { SK_ADDR = 1, SK_PREFIX = 2 };  /* client address; /24 (IPv4) or /48 (IPv6) prefix */
#define SKF_SPARSE  0x01
#define SKF_SAMPLED 0x02   /* fed by sampled messages only: a lower bound of the distinct clients */
#define SKETCH_PIECE_MAX 510   /* bytes of regs in one piece */
struct dnsa_sketch_piece {
	const char *zone;      /* encode: NUL-terminated; "" = the node */
	char zone_buf[RECORD_NAME_MAX + 1]; /* decode: the zone ("" = node); zone points here */
	uint8_t kind;          /* SK_* */
	uint8_t flags;         /* SKF_* */
	uint16_t first;        /* dense: register index of regs[0] */
	uint16_t len;          /* bytes of regs (<= SKETCH_PIECE_MAX; sparse: a multiple of 3) */
	const uint8_t *regs;   /* encode: the caller's; decode: inside the payload buffer */
};
/*
 * counters_encode_sketches: like counters_encode_zones, pieces s[0..n) from
 * the first, as many as fit in cap; *used says how many.
 */
int counters_encode_sketches(uint64_t time_us, const struct dnsa_sketch_piece *s, size_t n, size_t *used,
    uint8_t *buf, size_t cap);
/*
 * payload_sketches: the sketch pieces of a COUNTERS payload into out[0..max)
 * (validating the whole payload first). Returns how many (0: none), or a
 * negative code: as payload_validate, E_SPACE if more than max, E_MALFORMED
 * for a bad piece (unknown kind, bad zone name, registers past 4096, a rank
 * above 53, a sparse length not a multiple of 3).
 */
int payload_sketches(const uint8_t *buf, size_t len, struct dnsa_sketch_piece *out, size_t max);

/* the two payload kinds: the same numbers as the envelope's ENV_KIND_RECORDS / ENV_KIND_COUNTERS */
enum payload_kind { PAYLOAD_RECORDS = 1, PAYLOAD_COUNTERS = 2 };
/* payload_validate: well-formed and of the expected shape for `kind` (an enum payload_kind, else E_INVAL);
 * returns records or 0 for counters. */
int payload_validate(const uint8_t *buf, size_t len, int kind);

/*
 * Batch: accumulates encoded records and produces a payload that never
 * exceeds `max_payload` bytes (the plaintext budget; the envelope adds its
 * own overhead, see envelope_overhead()).
 */
struct batch;
/* batch_new: 64 <= max_payload <= RECORD_MAX_PAYLOAD. E_OK with *out set, or E_INVAL / E_NOMEM with *out NULL. */
int batch_new(size_t max_payload, struct batch **out);
void batch_free(struct batch *b);
/* batch_add: E_OK, or E_SPACE when the record does not fit (flush then add again);
 * E_TOOBIG if it could never fit an empty batch. */
int batch_add(struct batch *b, const struct dnsa_record *r);
unsigned batch_count(const struct batch *b);
/* batch_payload: writes the RECORDS payload into out (cap >= max_payload), returns its length; resets b. */
int batch_finish(struct batch *b, uint64_t now_us, uint8_t *out, size_t cap);
/* batch_view: the same payload, made in place: *out points into b, valid until the next batch_add; returns its
 * length (<= max_payload); resets b. */
size_t batch_view(struct batch *b, uint64_t now_us, const uint8_t **out);

#endif
