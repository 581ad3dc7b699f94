/* capd/msg.h: one DNS message as an input (dnstap or pcap) hands it to the pipeline, before any DNS parsing. */
#ifndef DNSA_CAPD_MSG_H
#define DNSA_CAPD_MSG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Filled by an input from the cheap outer layers only (dnstap fields, or
 * link/IP/UDP/TCP headers). Pointers borrow the input's buffer and are valid
 * only during the pipeline call.
 */
struct capd_msg {
	uint8_t type;              /* enum dnsa_msgtype (pcap: AUTH_QUERY/AUTH_RESPONSE by direction and QR) */
	uint8_t transport;         /* enum dnsa_transport */
	uint8_t family;            /* 4 or 6; 0 unknown */
	uint8_t has_query_time;    /* query_time_us valid */
	uint8_t has_response_time; /* response_time_us valid */
	uint8_t has_rtt;           /* rtt_us valid (pcap TCP handshake) */
	uint64_t query_time_us;    /* microseconds since the epoch */
	uint64_t response_time_us;
	uint32_t rtt_us;
	uint8_t client_addr[16];   /* the DNS client (query_address in dnstap terms) */
	uint8_t client_addr_len;   /* 4, 16, or 0 unknown */
	uint16_t client_port;
	uint8_t server_addr[16];   /* the nameserver side (response_address) */
	uint8_t server_addr_len;
	uint16_t server_port;
	const uint8_t *dns;        /* the message itself: response for *_RESPONSE, query for *_QUERY; NULL if absent */
	size_t dns_len;
	const uint8_t *query_dns;  /* a response's query when the input carries both (dnstap query_message); else NULL */
	size_t query_dns_len;
	const uint8_t *identity;   /* dnstap identity (not NUL-terminated); NULL if absent */
	size_t identity_len;
	uint8_t cut;               /* dns holds only the first dns_len bytes: the capture cut the rest (snap length) */
	uint32_t wire_len;         /* cut: the message's length on the wire */
};

#endif
