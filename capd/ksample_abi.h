/* capd/ksample_abi.h: what capd/ksample.c and the socket filter capd/ksample.bpf.c share (no libc: included by both). */
#ifndef DNSA_CAPD_KSAMPLE_ABI_H
#define DNSA_CAPD_KSAMPLE_ABI_H

#define KS_MAX_PORTS 4
#define KS_MAX_SERVERS 16
#define KS_ALL (1ULL << 32)  /* threshold that keeps every packet */

/* ks_count[] indexes; drop and kept: + direction * 4 + TCP * 2 + IPv6 */
enum { KS_Q = 0, KS_R = 1 };
enum {
	KS_C_DROP = 0,           /* 8: packets not copied by sampling */
	KS_C_KEPT = 8,           /* 8: DNS packets kept by sampling */
	KS_C_FRAG = 16,          /* IP fragments kept unsampled */
	KS_C_FLOWS_DROPPED = 17, /* client SYNs not copied: TCP connections left out */
	KS_NCOUNT = 18
};
/* each CPU counts in its own KS_STRIDE values (256 bytes, whole cache lines) of ks_counts, so two
 * CPUs never write the same line; capd sums the CPUs' slots */
#define KS_STRIDE 32

/* a server address: family 4 or 6, the address as 4 words in network order (IPv4 in a[0]) */
struct ks_server {
	unsigned int family;
	unsigned int a[4];
};

/* the filter's settings: its only variable in .data (so at offset 0 of the map capd mmaps) */
struct ks_conf_data {
	unsigned long long threshold;  /* keep when hash32 < threshold; KS_ALL keeps all */
	unsigned long long key[2];     /* hash key, random per start */
	unsigned int netoff;           /* bytes of link header before IP */
	unsigned int lo_ifindex;       /* loopback: its outgoing copies are skipped; 0 none */
	unsigned int nports;
	unsigned int ports[KS_MAX_PORTS];
	unsigned int dot_port;         /* 0: none */
	unsigned int doh_port;
	unsigned int nservers;
	struct ks_server servers[KS_MAX_SERVERS];
	unsigned int snaplen;          /* bytes copied of a packet kept (the capture's snap length) */
	unsigned int ncpu;             /* CPUs with a slot in ks_counts (the kernel's possible CPUs) */
};

#endif
