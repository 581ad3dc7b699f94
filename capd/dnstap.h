/* capd/dnstap.h: zero-copy decoder of dnstap protobuf frames into struct capd_msg. */
#ifndef DNSA_CAPD_DNSTAP_H
#define DNSA_CAPD_DNSTAP_H

#include <stddef.h>
#include <stdint.h>

#include "capd/msg.h"

/*
 * dnstap_decode: decode one Dnstap protobuf (one Frame Streams data frame)
 * into *m (zeroed first). Pointers in *m (dns, query_dns, identity) borrow
 * buf. Mapping (dnstap.proto -> capd_msg):
 *   Message.type 1..14           -> type (enum dnsa_msgtype, same numbers; other values MT_UNKNOWN)
 *   socket_family INET/INET6     -> family 4/6 (absent: from the query_address length)
 *   socket_protocol UDP,TCP,DOT,DOH,DNSCryptUDP,DNSCryptTCP,DOQ (1..7)
 *                                -> TR_UDP,TR_TCP,TR_DOT,TR_DOH,TR_DNSCRYPT_UDP,TR_DNSCRYPT_TCP,TR_DOQ
 *   query_address/port           -> client_addr/port (addresses of length 4 or 16 only)
 *   response_address/port        -> server_addr/port
 *   *_time_sec + *_time_nsec     -> *_time_us, has_*_time
 *   response_message (even types, *_RESPONSE) or query_message (odd types) -> dns
 *   query_message on a response  -> query_dns
 *   Dnstap.identity              -> identity
 * Unknown fields are skipped (forward compatible). A repeated type, family
 * or protocol field: the first counts (as in dnstap_peek_type); for other
 * repeated fields the last counts, as protobuf says. Never reads outside
 * buf[0..len). Returns E_OK, or for hostile/broken input:
 *   E_TRUNCATED  a varint, fixed field or length runs past the end
 *   E_MALFORMED  varint longer than 10 bytes or above 64 bits, field number 0,
 *                group wire types, nsec >= 1e9, port > 65535, no Message or no Message.type,
 *                a response type (*_RESPONSE) without response_message (capd counts it
 *                as a dnstap error: there is no DNS message to parse)
 *   E_TYPE       a known field with the wrong wire type, or Dnstap.type != MESSAGE
 *   E_INVAL      NULL arguments
 */
int dnstap_decode(const uint8_t *buf, size_t len, struct capd_msg *m);

/*
 * dnstap_peek_type: the cheap part of dnstap_decode for counting every frame
 * before sampling: message type, transport and family only (same mapping,
 * 0 when absent). Stops as soon as it has the three (Message.type, family
 * and protocol come first in what libfstrm-based servers write), so it skips
 * over the DNS message bytes without looking at them. Any output pointer may
 * be NULL. Returns E_OK or the same error codes as dnstap_decode for the
 * bytes it reads (a frame it accepts may still fail the full decode).
 */
int dnstap_peek_type(const uint8_t *buf, size_t len, uint8_t *type, uint8_t *transport,
		     uint8_t *family);

/*
 * The pipeline's one walk: dnstap_peek reads what dnstap_peek_type reads
 * (and the identity) and remembers where it stopped; dnstap_decode_peeked
 * then decodes the rest of the Message from there, so a sampled frame is
 * walked once, not peeked and then decoded from the start. The peek walks
 * the Message again from its start only when it had to skip a field it
 * does not read (a sender that writes fields 1..3 late).
 */
struct dnstap_peek {
	uint8_t type, transport, family; /* as dnstap_peek_type (0 when absent) */
	uint8_t found;           /* bits 0..2: fields 1..3 seen before resume */
	uint64_t raw_type;       /* Message.type as sent, if found & 1 */
	const uint8_t *msg, *msg_end; /* the Message sub-message, borrowed from the frame */
	const uint8_t *resume;   /* where the decode takes over */
	const uint8_t *identity; /* Dnstap.identity, NULL if absent */
	size_t identity_len;
};

/*
 * dnstap_peek: dnstap_peek_type into *pk (zeroed first, and again on
 * error), same return codes. pk borrows buf.
 */
int dnstap_peek(const uint8_t *buf, size_t len, struct dnstap_peek *pk);

/*
 * dnstap_decode_peeked: finish the decode of a frame dnstap_peek accepted
 * (its buffer must still be there). *m and the return value are exactly
 * what dnstap_decode(buf, len, m) gives (the walk it skips found no error,
 * and the rest is the same walk). E_INVAL for NULL arguments or a pk
 * without a Message.
 */
int dnstap_decode_peeked(const struct dnstap_peek *pk, struct capd_msg *m);

/* dnstap_transport: dnstap SocketProtocol value -> enum dnsa_transport (TR_UNKNOWN if unknown). */
uint8_t dnstap_transport(uint64_t socket_protocol);

#endif
