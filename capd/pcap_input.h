/* capd/pcap_input.h: raw packet input (libpcap live interface or pcap/pcapng file) producing capd_msg. */
#ifndef DNSA_CAPD_PCAP_INPUT_H
#define DNSA_CAPD_PCAP_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "capd/ipfrag.h"
#include "capd/msg.h"
#include "capd/pktdecode.h"
#include "capd/tcpreasm.h"
#include "capd/udppair.h"
#include "common/record.h"

/*
 * One DNS message per callback, as struct capd_msg (capd/msg.h):
 *   type       MT_AUTH_QUERY or MT_AUTH_RESPONSE. The server side is the
 *              configured server address on a DNS port (a QR bit that
 *              contradicts it: counted as PKT_E_DIRECTION). When no address
 *              decides, UDP goes by the QR bit, as DSC does (a query sent
 *              from port 53 is a query); TCP goes by the DNS port, and when
 *              both ends are on DNS ports by who sent the SYN, else by the
 *              flow already tracked, else by the QR bit of a segment that
 *              starts a message.
 *   cut        UDP datagrams cut by the snap length after the UDP header are
 *              delivered with cut = 1 and wire_len (counted in stats.cut);
 *              cut TCP segments cost their stream a hole (tcpreasm.h).
 *   transport  TR_UDP or TR_TCP. DoT (853) and DoH (443) cannot be parsed:
 *              their connections are counted (client SYNs) in the stats.
 *   time       the pcap timestamp: query_time_us for queries,
 *              response_time_us for responses (TCP: the segment completing
 *              the message).
 *   rtt_us     TCP only, when the handshake was seen (see tcpreasm.h).
 *   latency    UDP responses whose query was captured (udppair.h: same
 *              client address, port and DNS id) also carry query_time_us,
 *              so the record's latency is the server's answer time as the
 *              capture saw it; pairing counted in C_PAIR_*.
 *   dns        the DNS message (borrowed: valid during the callback only).
 * Every packet that yields no message is counted by reason (enum pkt_reason).
 *
 * Live capture is meant to be driven by an event loop: pcap_input_fd() is
 * pollable, the handle is non-blocking and pcap_input_dispatch() handles at
 * most `batch` packets per call. Files are read by calling
 * pcap_input_dispatch() until pcap_input_eof().
 *
 * Memory: ipfrag_memory(&conf.frag) + tcpreasm_memory(&conf.tcp) +
 * udppair_memory(&conf.pair) (512 KiB by default) + libpcap's
 * kernel ring (buffer_size) + a few hundred bytes; nothing per packet.
 */

#define PCAP_INPUT_MAX_SERVERS 16
#define PCAP_INPUT_MAX_PORTS 4

struct pcap_input_addr {
	uint8_t family;      /* 4 or 6 */
	uint8_t addr[16];    /* IPv4 in the first 4 bytes */
};

struct pcap_input_conf {
	const char *interface;  /* live capture on this interface, or NULL */
	const char *file;       /* read this pcap or pcapng file ("-" = stdin), or NULL */
	const char *filter;     /* BPF filter; NULL = the default filter for live, none for files */
	int snaplen;            /* live: bytes captured per packet; 0 = 65535 */
	int buffer_size;        /* live: kernel buffer bytes; 0 = 8 MiB */
	int immediate;          /* live: deliver each packet at once. Costs drop tolerance: Linux
				 * TPACKET_V3 then hands over ring blocks nearly empty, so a reader
				 * stalled for tens of ms drops (seen under load); off, blocks fill
				 * up to timeout_ms and the same ring absorbs seconds. */
	int promisc;            /* live: promiscuous mode (a mirror port needs it) */
	int timeout_ms;         /* live: kernel batching timeout when not immediate; 0 = 100 */
	int batch;              /* packets per pcap_input_dispatch; 0 = 256 */
	uint16_t dns_ports[PCAP_INPUT_MAX_PORTS]; /* DNS ports; none set = {53} */
	int dot_port;           /* 0 = 853, -1 = not counted */
	int doh_port;           /* 0 = 443, -1 = not counted */
	struct pcap_input_addr servers[PCAP_INPUT_MAX_SERVERS]; /* the nameserver's addresses */
	size_t nservers;        /* 0: the DNS port decides the direction */
	struct ipfrag_conf frag;   /* fragment reassembly limits (zero = defaults) */
	struct tcpreasm_conf tcp;  /* TCP reassembly limits (zero = defaults) */
	struct udppair_conf pair;  /* UDP query/response pairing table (zero = defaults, udppair.h) */
	int pair_off;              /* no UDP pairing: responses carry no latency (capd: pcap.pair, off by default for its cost) */
	int kernel_sampling;       /* live, default filter: 0 off, 1 if the eBPF filter loads, 2 it must (capd/ksample.h) */
	uint32_t kernel_n;         /* the kernel filter's first n (1: every packet, counted) */
	int kernel_refuse;         /* tests: act as if the kernel refused the filter */
};

/* message counter indexes: msg[PI_Q/PI_R][PI_UDP/PI_TCP][PI_V4/PI_V6] */
enum { PI_Q = 0, PI_R = 1 };
enum { PI_UDP = 0, PI_TCP = 1 };
enum { PI_V4 = 0, PI_V6 = 1 };

struct pcap_input_stats {
	uint64_t ps_recv;       /* pcap_stats (live only; 0 for files) */
	uint64_t ps_drop;       /* dropped by the kernel: buffer full */
	uint64_t ps_ifdrop;     /* dropped by the interface */
	uint64_t packets;       /* packets handed to the decoder */
	uint64_t messages;      /* DNS messages delivered */
	uint64_t msg[2][2][2];  /* by query/response, UDP/TCP, IPv4/IPv6 */
	uint64_t skipped[PKT_REASON_MAX]; /* packets not delivered, by reason; PKT_E_TCP: TCP messages lost (tcp.lost) */
	uint64_t dot_conns;     /* DoT connection attempts (client SYNs to dot_port) */
	uint64_t doh_conns;     /* DoH connection attempts (client SYNs to doh_port) */
	uint64_t frag_pending;  /* fragments held waiting for the rest of their datagram */
	uint64_t cut;           /* UDP messages cut by the snap length (delivered, marked cut) */
	struct ipfrag_stats frag;
	struct tcpreasm_stats tcp;
	struct udppair_stats pair;
};

typedef void (*pcap_input_fn)(const struct capd_msg *m, void *arg);

struct pcap_input;
struct ksample;

/*
 * pcap_input_new: open the live interface or the file (exactly one of
 * conf->interface, conf->file; neither: a "dead" handle of link type DLT
 * EN10MB fed with pcap_input_packet, for tests). fn(m, arg) gets each
 * message. Returns E_OK with *out set, or with *out NULL: E_NOMEM, E_INVAL
 * (both an interface and a file, a filter that does not compile or is too
 * long) or -EIO (libpcap cannot open it), and a message for a person in
 * why[0..why_len).
 * Opening a live interface needs CAP_NET_RAW: call before dropping privileges.
 */
int pcap_input_new(const struct pcap_input_conf *conf, pcap_input_fn fn, void *arg, struct pcap_input **out,
		   char *why, size_t why_len);
void pcap_input_free(struct pcap_input *p);

/*
 * pcap_input_default_filter: the BPF filter used for live capture when
 * conf->filter is NULL: UDP/TCP to or from the DNS ports (and DoT/DoH
 * ports), restricted to the server addresses when configured, plus IP
 * fragments (non-first fragments carry no ports). Returns the length written
 * or E_SPACE if len is too small.
 */
int pcap_input_default_filter(const struct pcap_input_conf *conf, char *buf, size_t len);

/*
 * pcap_input_ksample: the kernel sampling filter on a live capture (the
 * caller may set its n; the handle stays owned by p), or NULL when packets
 * are not sampled in the kernel. pcap_input_ksample_why: why not ("" if it
 * is in use or was not asked for).
 */
struct ksample *pcap_input_ksample(const struct pcap_input *p);
const char *pcap_input_ksample_why(const struct pcap_input *p);

/*
 * pcap_input_lo_ignores_outgoing: 1 when the live capture is on lo and the
 * kernel skips the sent copy of each packet (PACKET_IGNORE_OUTGOING, Linux
 * >= 4.20): the received copy is the same packet, and the sent one would be
 * cloned for the socket in the sender's context before any filter runs.
 */
int pcap_input_lo_ignores_outgoing(const struct pcap_input *p);

/* pcap_input_fd: the pollable descriptor of a live capture; -1 for files. */
int pcap_input_fd(const struct pcap_input *p);

/* pcap_input_datalink: the link type (DLT) being decoded. */
int pcap_input_datalink(const struct pcap_input *p);

/*
 * pcap_input_dispatch: handle up to max packets (max <= 0: conf batch)
 * without blocking. Returns the packets handled (0: none ready, or end of
 * file: see pcap_input_eof) or -EIO with the reason in pcap_input_error().
 */
int pcap_input_dispatch(struct pcap_input *p, int max);

/* pcap_input_eof: a file input has been read to its end. */
int pcap_input_eof(const struct pcap_input *p);

/* pcap_input_error: the last libpcap error text ("" if none). */
const char *pcap_input_error(const struct pcap_input *p);

/*
 * pcap_input_packet: decode one packet of the handle's link type, as if
 * captured (used by the dispatch callback; public for tests and other
 * packet sources). Cannot fail: problems are counted.
 */
void pcap_input_packet(struct pcap_input *p, uint64_t ts_us, const uint8_t *pkt, size_t caplen, size_t wirelen);

/* pcap_input_tick: expire idle TCP flows and stale fragments at now_us (packet time also drives this). */
void pcap_input_tick(struct pcap_input *p, uint64_t now_us);

/* pcap_input_stats: counters, with pcap_stats() refreshed for live captures. Cannot fail. */
void pcap_input_stats(struct pcap_input *p, struct pcap_input_stats *st);

/*
 * pcap_input_counters: set this input's counters in c (pcap_stats refreshed):
 * C_PCAP_RECV, C_PCAP_DROP, C_PCAP_IFDROP, C_PKT_ERRORS (packets skipped
 * for any reason from PKT_E_LINKTYPE on), C_FRAG_*, C_TCP_* (tcp_lost,
 * tcp_tfo and tcp_resyncs included), C_MSG_CUT, C_DOT_CONNS, C_DOH_CONNS,
 * C_PAIR_* (UDP pairing).
 * NULL p: nothing set.
 */
void pcap_input_counters(struct pcap_input *p, struct dnsa_counters *c);

#endif
