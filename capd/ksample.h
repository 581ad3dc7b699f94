/* capd/ksample.h: sampling in the kernel for live capture: an eBPF socket filter on the capture socket, its n and its exact counts. */
#ifndef DNSA_CAPD_KSAMPLE_H
#define DNSA_CAPD_KSAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

/*
 * The filter (capd/ksample.bpf.c, embedded) replaces libpcap's kernel filter
 * on the capture socket: it passes what the default capture filter passes
 * (DNS ports, server addresses, fragments, DoT/DoH SYNs) and of the DNS
 * packets only those its keyed hash samples at 1/n: TCP by connection, UDP
 * by exchange (docs/deployment.md, "Sampling in the kernel", says why the
 * weights stay unbiased and what connection sampling does to the variance). Every
 * DNS packet it drops is counted, exactly, in the kernel.
 *
 * Loading needs CAP_BPF (with unprivileged BPF disabled, the default) and
 * happens before privileges are dropped. Afterwards n and the counts are
 * plain memory shared with the kernel (mmap of the program's data): no
 * system call and no capability is needed to change n or read the counts.
 */

#define KSAMPLE_MAX_PORTS 4
#define KSAMPLE_MAX_SERVERS 16

struct ksample_conf {
	int netoff;              /* bytes of link header before IP in what the socket sees (14 Ethernet, 0 cooked/raw) */
	unsigned lo_ifindex;     /* ifindex of loopback (its outgoing copies skipped, as libpcap does); 0 none */
	uint16_t ports[KSAMPLE_MAX_PORTS]; /* DNS ports, nports of them (>= 1) */
	size_t nports;
	int dot_port, doh_port;  /* SYNs kept for connection counts; <= 0 none */
	struct {
		uint8_t family;  /* 4 or 6 */
		uint8_t addr[16];
	} servers[KSAMPLE_MAX_SERVERS];
	size_t nservers;         /* 0: ports alone say which side is the server */
	uint32_t n;              /* initial n (>= 1) */
	uint32_t snaplen;        /* bytes copied of a packet kept; 0 = 65535 */
	int refuse;              /* tests: act as if the kernel refused the program */
};

struct ksample_stats {
	uint64_t dropped[2][2][2]; /* [query/response][UDP/TCP][IPv4/IPv6] packets not copied */
	uint64_t kept[2][2][2];    /* DNS packets copied */
	uint64_t fragments;        /* fragments copied unsampled */
	uint64_t flows_dropped;    /* client SYNs not copied */
};

struct ksample;

/*
 * ksample_attach: load the filter and attach it (SO_ATTACH_BPF) to the packet
 * socket fd, replacing its filter. On success *out is the handle (the caller
 * owns it, ksample_free). On failure (no CAP_BPF, an old kernel, the load
 * refused) returns a negative code, the socket keeps its filter, and why
 * holds the reason (whylen bytes).
 */
int ksample_attach(const struct ksample_conf *conf, int fd, struct ksample **out, char *why, size_t whylen);

/* ksample_free: detach nothing (closing the socket does), unmap, free. NULL accepted. */
void ksample_free(struct ksample *k);

/*
 * ksample_set_n: the filter keeps 1/n from now on (n >= 1; 0 is taken as 1).
 * now_us: the capture clock (CLOCK_REALTIME, microseconds) so packets
 * stamped before now get the old n as their weight. Cannot fail.
 */
void ksample_set_n(struct ksample *k, uint32_t n, uint64_t now_us);

/* ksample_n: the n in force. */
uint32_t ksample_n(const struct ksample *k);

/*
 * ksample_weight: the weight of a packet the filter passed, stamped ts_us:
 * the n in force when it was sampled (1 for packets captured before the
 * filter was attached). Cannot fail.
 */
uint32_t ksample_weight(const struct ksample *k, uint64_t ts_us);

/*
 * ksample_adapt: adaptive sampling in the kernel, called every fraction of a
 * second (mono_us, monotonic; capd: every 250 ms): from the DNS packets the filter saw since the last
 * call in the directions of dirmask (bit 0 queries, bit 1 responses), the n
 * that keeps about target of them per second, within [min_n, max_n]; set at
 * once (now_us as for ksample_set_n). Returns the n in force.
 */
uint32_t ksample_adapt(struct ksample *k, uint64_t mono_us, uint64_t now_us, uint32_t target, uint32_t min_n,
		       uint32_t max_n, unsigned dirmask);

/* ksample_stats: the kernel's counts now. Cannot fail. */
void ksample_stats(const struct ksample *k, struct ksample_stats *st);

/*
 * ksample_counters: C_KS_STATE (1 with a filter, 0 for NULL: kernel sampling
 * not in use), and with a filter C_KS_N, C_KS_DROP + i, C_KS_KEPT,
 * C_KS_FRAGMENTS, C_KS_FLOWS_DROPPED.
 */
void ksample_counters(const struct ksample *k, struct dnsa_counters *c);

#endif
