/* capd/ksample.bpf.c: socket filter on capd's capture socket: DNS packets sampled 1/n before the copy, every drop counted. */
/*
 * Built with clang -target bpf -O2 and embedded in capd (capd/ksample.c).
 * Everything capd sets or reads lives in two mmapable arrays (BPF_F_MMAPABLE:
 * .data for the settings, ks_counts for the counts) that capd maps into its
 * memory once loaded: n changes and counters are read without a bpf() call, so they keep working after capd has dropped CAP_BPF (Linux
 * before 6.5 refuses every bpf() command to an unprivileged caller when
 * unprivileged BPF is disabled, Debian's default).
 *
 * Per packet the program sees the frame as the packet socket would copy it
 * (netoff bytes of link header, then IP), and returns 0 (not copied) or the
 * bytes to copy (the packet, at most the snap length):
 *   - outgoing packets on loopback: 0, uncounted (lo shows every packet twice;
 *     libpcap drops the outgoing copy in user space too);
 *   - IP fragments (offset or MF set, IPv6 fragment header): kept, unsampled
 *     (capd reassembles; the other fragments carry no ports);
 *   - TCP SYNs on the DoT/DoH ports: kept (capd counts those connections; the
 *     rest of those connections, which capd cannot read, is no longer copied);
 *   - UDP or TCP to or from a DNS port (and a configured server address):
 *     sampled and counted by direction, transport and IP version;
 *   - anything else: 0, uncounted (what the default pcap filter rejects).
 * The decision is a keyed hash below a threshold of 2^32/n: for TCP the hash
 * of the connection (client and server address and port), so every segment of
 * a connection, SYN to FIN, has the same fate; for UDP the hash of the
 * exchange (the same plus the DNS id), so a kept response keeps its query.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "capd/ksample_abi.h"

/* capd writes the settings before load and the threshold at run time (mmap); only ks in .data */
volatile struct ks_conf_data ks = { .threshold = KS_ALL, .netoff = 14, .nports = 1, .ports = { 53 }, .snaplen = 65535 };
/* the counts, read by capd through its mmap: KS_STRIDE values per CPU, KS_C_* indexes in each (capd
 * sets max_entries to ncpu * KS_STRIDE before load). A map, not a global array: an index computed
 * at run time into a global is pointer arithmetic, refused without CAP_PERFMON. Not a per-CPU
 * array: those cannot be mmapped, and capd reads the counts after it has dropped CAP_BPF */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_STRIDE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE);
} ks_counts SEC(".maps");

/*
 * The CPU's own slot: one shared counter had every packet move its cache line
 * between the CPUs. Atomic all the same: cheap on a line no other CPU writes,
 * and safe should the filter ever run nested on one CPU.
 */
static __always_inline void count(__u32 i)
{
	__u32 cpu = bpf_get_smp_processor_id();
	if (cpu >= ks.ncpu)
		cpu = 0;
	i += cpu * KS_STRIDE;
	__u64 *v = bpf_map_lookup_elem(&ks_counts, &i);
	if (v)
		__sync_fetch_and_add(v, 1);
}

/* what a kept packet returns: the bytes to copy, as libpcap's own filter would (its snap length) */
static __always_inline __u32 keep(struct __sk_buff *skb)
{
	return skb->len < ks.snaplen ? skb->len : ks.snaplen;
}

static __always_inline __u64 mix(__u64 h, __u64 v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 31;
	return h;
}

/*
 * No loops: each entry is written out, with a constant offset into the map
 * value (a loop's pointer stepping past the end of the value, even unused,
 * is refused to a loader with CAP_BPF but without CAP_PERFMON, and capd asks
 * for the one capability only; clang will not unroll a loop that returns
 * early). Each stops at the configured count and at the first match.
 */
static __always_inline int is_dns_port(__u32 port, __u32 n)
{
	return (n > 0 && ks.ports[0] == port) || (n > 1 && ks.ports[1] == port) || (n > 2 && ks.ports[2] == port) ||
	       (n > 3 && ks.ports[3] == port);
}

#define KS_SERVER_IS(i) \
	(n > (i) && ks.servers[i].family == fam && ks.servers[i].a[0] == a[0] && \
	 (fam == 4 || (ks.servers[i].a[1] == a[1] && ks.servers[i].a[2] == a[2] && ks.servers[i].a[3] == a[3])))

static __always_inline int is_server(__u32 fam, const __u32 *a, __u32 n)
{
	return KS_SERVER_IS(0) || KS_SERVER_IS(1) || KS_SERVER_IS(2) || KS_SERVER_IS(3) || KS_SERVER_IS(4) ||
	       KS_SERVER_IS(5) || KS_SERVER_IS(6) || KS_SERVER_IS(7) || KS_SERVER_IS(8) || KS_SERVER_IS(9) ||
	       KS_SERVER_IS(10) || KS_SERVER_IS(11) || KS_SERVER_IS(12) || KS_SERVER_IS(13) || KS_SERVER_IS(14) ||
	       KS_SERVER_IS(15);
}

_Static_assert(KS_MAX_PORTS == 4 && KS_MAX_SERVERS == 16, "is_dns_port and is_server list every entry");

SEC("socket")
int ksample(struct __sk_buff *skb)
{
	__u32 off = ks.netoff, l4, fam, proto, a_src[4] = { 0 }, a_dst[4] = { 0 };
	__u16 eth = bpf_ntohs((__u16)skb->protocol);
	/* p: the IP header ends at p + 40 whatever the version (IPv4's at p + 20, IPv6's at p), so the
	 * 14 bytes after it (the ports, then the DNS id or the TCP flags) are always b = p + 40:
	 * constant offsets (a variable one into the stack needs CAP_PERFMON, which capd lacks) */
	__u8 p[54], *b = p + 40;

	if (ks.lo_ifindex && skb->pkt_type == PACKET_OUTGOING && skb->ifindex == ks.lo_ifindex)
		return 0;
	/* one load of the IP header and the bytes after it (one helper call per packet, not two); a
	 * second only for IPv4 options, or a packet too short for both (a fragment, say) */
	int more;
	if (eth == ETH_P_IP) {
		__u8 *h = p + 20;
		if ((more = bpf_skb_load_bytes(skb, off, h, 34) < 0) && bpf_skb_load_bytes(skb, off, h, 20) < 0)
			return 0;
		if ((h[0] >> 4) != 4)
			return 0;
		l4 = off + (__u32)(h[0] & 15) * 4;
		more |= (h[0] & 15) != 5;
		if ((h[6] & 0x3f) || h[7]) {        /* MF or an offset: a fragment */
			count(KS_C_FRAG);
			return keep(skb);
		}
		fam = 4;
		proto = h[9];
		__builtin_memcpy(&a_src[0], h + 12, 4);
		__builtin_memcpy(&a_dst[0], h + 16, 4);
	} else if (eth == ETH_P_IPV6) {
		if ((more = bpf_skb_load_bytes(skb, off, p, 54) < 0) && bpf_skb_load_bytes(skb, off, p, 40) < 0)
			return 0;
		if ((p[0] >> 4) != 6)
			return 0;
		l4 = off + 40;
		if (p[6] == 44) {
			count(KS_C_FRAG);
			return keep(skb);
		}
		fam = 6;
		proto = p[6];
		__builtin_memcpy(a_src, p + 8, 16);
		__builtin_memcpy(a_dst, p + 24, 16);
	} else {
		return 0;
	}
	if (proto != 6 && proto != 17)
		return 0;
	/* ports (4), then UDP: len, sum, DNS id, flags; TCP: seq, ack, offset, flags */
	if (more && bpf_skb_load_bytes(skb, l4, b, 14) < 0)
		return 0;
	__u32 sport = (__u32)b[0] << 8 | b[1], dport = (__u32)b[2] << 8 | b[3];
	/* ks is volatile (capd writes the threshold at run time): the counts are read once here */
	__u32 nports = ks.nports, nservers = ks.nservers;
	int ps = is_dns_port(sport, nports), pd = is_dns_port(dport, nports), tcp = proto == 6;
	__u32 syn = tcp && (b[13] & 0x02);
	if (!ps && !pd) {
		if (syn && ((ks.dot_port && (dport == ks.dot_port || sport == ks.dot_port)) ||
			    (ks.doh_port && (dport == ks.doh_port || sport == ks.doh_port))))
			return keep(skb);
		return 0;
	}
	int q, sd = 0, ss = 0;  /* q: the packet goes client -> server */
	if (nservers) {
		sd = is_server(fam, a_dst, nservers);
		ss = is_server(fam, a_src, nservers);
		if (!sd && !ss)
			return 0;
	}
	if (sd != ss) {
		q = sd;
	} else if (pd != ps) {
		q = pd;
	} else if (!tcp) {
		q = !(b[10] >> 7);                  /* both ends on DNS ports: the QR bit */
	} else {
		q = dport < sport || (dport == sport && a_dst[0] < a_src[0]);
	}
	const __u32 *c = q ? a_src : a_dst, *s = q ? a_dst : a_src;
	__u64 h = ks.key[0];
	h = mix(h, (__u64)c[0] << 32 | s[0]);
	if (fam == 6) {
		h = mix(h, (__u64)c[1] << 32 | s[1]);
		h = mix(h, (__u64)c[2] << 32 | s[2]);
		h = mix(h, (__u64)c[3] << 32 | s[3]);
	}
	h = mix(h, (__u64)(q ? sport : dport) << 32 | (q ? dport : sport) << 16 | proto);
	if (!tcp)
		h = mix(h, (__u64)b[8] << 8 | b[9]);
	h = mix(h, ks.key[1]);
	h ^= h >> 32;
	__u32 idx = (q ? KS_Q : KS_R) * 4 + (tcp ? 2 : 0) + (fam == 6 ? 1 : 0);
	if ((h & 0xffffffffULL) < ks.threshold) {
		count(KS_C_KEPT + (idx & 7));
		return keep(skb);
	}
	count(KS_C_DROP + (idx & 7));
	if (syn && !(b[13] & 0x10))
		count(KS_C_FLOWS_DROPPED);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
