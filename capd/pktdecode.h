/* capd/pktdecode.h: decode captured packets (link, IPv4/IPv6, UDP/TCP) down to the transport payload. */
#ifndef DNSA_CAPD_PKTDECODE_H
#define DNSA_CAPD_PKTDECODE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Link types handled (pcap DLT values as pcap_datalink() returns them):
 *   DLT_NULL 0 (BSD loopback, AF in host order of the capturing machine),
 *   DLT_EN10MB 1 (Ethernet, any number <= 4 of 802.1Q 0x8100 / QinQ 0x88a8 /
 *     0x9100 tags), DLT_RAW 12 and 14, LINKTYPE_RAW 101, DLT_LOOP 108 (AF in
 *     network order), DLT_LINUX_SLL 113, DLT_IPV4 228, DLT_IPV6 229,
 *   DLT_LINUX_SLL2 276.
 * `tcpdump -i lo` on Linux writes DLT_EN10MB with zero MACs.
 *
 * IPv4: options skipped, header checksum not verified (the capture is what
 * the host saw; a NIC offloading checksums leaves them wrong). IPv6: hop-by-hop,
 * routing, destination options and fragment headers walked (at most 8).
 * UDP and TCP checksums are not verified either (offload, loopback).
 */

/* Why a packet was not turned into a DNS message. Stable indexes for counters. */
enum pkt_reason {
	PKT_OK = 0,            /* decoded to a UDP/TCP payload */
	PKT_FRAGMENT,          /* an IP fragment: see pkt_info.frag_* (not an error) */
	PKT_E_LINKTYPE,        /* link type not handled */
	PKT_E_LINK_TRUNC,      /* shorter than its link header */
	PKT_E_NOT_IP,          /* link payload is not IPv4/IPv6 (ARP, LLDP...) */
	PKT_E_IP_TRUNC,        /* shorter than the IP header */
	PKT_E_IP_BAD,          /* bad IP version, header length or total length */
	PKT_E_IP6_EXT,         /* IPv6 extension chain unsupported (jumbo, ESP, AH, too long) */
	PKT_E_SNAPLEN,         /* capture cut short by the snap length */
	PKT_E_NOT_UDP_TCP,     /* another transport (ICMP, SCTP...) */
	PKT_E_L4_TRUNC,        /* shorter than the UDP/TCP header */
	PKT_E_L4_BAD,          /* bad UDP length or TCP data offset */
	PKT_E_NOT_DNS,         /* no DNS port (or configured server) on either side */
	PKT_E_DNS_SHORT,       /* DNS payload shorter than a DNS header (12 bytes) */
	PKT_E_DIRECTION,       /* QR bit contradicts the direction (query from the server side) */
	PKT_E_FRAG,            /* fragment dropped by reassembly (limits, overlap, timeout, size) */
	PKT_E_TCP,             /* TCP data lost by the reassembler (gap, no buffer, too big) */
	PKT_REASON_MAX
};

/* pktdecode_reason_name: short SQL-friendly name of a reason ("snaplen"); "?" if out of range. Cannot fail. */
const char *pktdecode_reason_name(int reason);

/* What the decoder learnt from one packet. Pointers borrow the packet buffer. */
struct pkt_info {
	uint8_t family;          /* 4 or 6 */
	uint8_t proto;           /* 17 UDP, 6 TCP (for a fragment: the fragmented payload's next header) */
	uint8_t tcp_flags;       /* TCP flags byte (FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10) */
	uint8_t truncated;       /* the payload was cut by the snap length (wire longer than capture) */
	uint8_t src[16];         /* source address (IPv4 in the first 4 bytes) */
	uint8_t dst[16];         /* destination address */
	uint16_t sport, dport;   /* transport ports (host order) */
	uint32_t seq, ack;       /* TCP sequence and acknowledgement numbers */
	const uint8_t *payload;  /* UDP/TCP payload */
	size_t payload_len;      /* bytes of payload present in the buffer */
	size_t payload_wire_len; /* bytes of payload on the wire (>= payload_len) */
	/* fragments (reason PKT_FRAGMENT) */
	uint32_t frag_id;        /* IPv4 identification or IPv6 fragment id */
	uint32_t frag_offset;    /* byte offset of this fragment in the datagram payload */
	uint8_t frag_more;       /* more fragments follow */
	const uint8_t *frag_data;/* this fragment's bytes (after the IP header / fragment header) */
	size_t frag_len;
};

/*
 * pktdecode_link: decode one captured packet of link type `dlt`, `caplen`
 * bytes at `pkt` of a packet `wirelen` bytes long on the wire. Fills *pi and
 * returns PKT_OK (payload set), PKT_FRAGMENT (frag_* set; hand it to ipfrag,
 * then to pktdecode_l4) or a PKT_E_* reason. Never reads past caplen.
 */
int pktdecode_link(int dlt, const uint8_t *pkt, size_t caplen, size_t wirelen, struct pkt_info *pi);

/*
 * pktdecode_ip: the same from the IP header on (version taken from the first
 * nibble). Used by pktdecode_link and for raw IP.
 */
int pktdecode_ip(const uint8_t *ip, size_t caplen, size_t wirelen, struct pkt_info *pi);

/*
 * pktdecode_l4: decode a reassembled fragmented payload: `nh` is the protocol
 * (IPv4) or the next header of the fragment header (IPv6; extension headers
 * that follow it are walked). pi keeps family and addresses; sets ports, TCP
 * fields and payload. Returns PKT_OK or a PKT_E_* reason.
 */
int pktdecode_l4(struct pkt_info *pi, uint8_t nh, const uint8_t *data, size_t len);

#endif
