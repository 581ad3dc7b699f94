/* capd/pktdecode.c: link, IP and transport header decoding with the sticky-error cursor of common/wire.h. */
#include "capd/pktdecode.h"

#include <stddef.h>
#include <string.h>

#include "common/wire.h"

static const char *const reason_names[PKT_REASON_MAX] = {
	[PKT_OK] = "ok",
	[PKT_FRAGMENT] = "fragment",
	[PKT_E_LINKTYPE] = "linktype",
	[PKT_E_LINK_TRUNC] = "link_trunc",
	[PKT_E_NOT_IP] = "not_ip",
	[PKT_E_IP_TRUNC] = "ip_trunc",
	[PKT_E_IP_BAD] = "ip_bad",
	[PKT_E_IP6_EXT] = "ip6_ext",
	[PKT_E_SNAPLEN] = "snaplen",
	[PKT_E_NOT_UDP_TCP] = "not_udp_tcp",
	[PKT_E_L4_TRUNC] = "l4_trunc",
	[PKT_E_L4_BAD] = "l4_bad",
	[PKT_E_NOT_DNS] = "not_dns",
	[PKT_E_DNS_SHORT] = "dns_short",
	[PKT_E_DIRECTION] = "direction",
	[PKT_E_FRAG] = "frag",
	[PKT_E_TCP] = "tcp",
};

const char *pktdecode_reason_name(int reason)
{
	if (reason < 0 || reason >= PKT_REASON_MAX)
		return "?";
	return reason_names[reason];
}

/*
 * Transport header at `c` (already positioned), `wire` bytes of transport
 * data on the wire of which wire_left(c) were captured.
 *
 *   UDP  0: sport(2) dport(2) length(2) checksum(2)
 *   TCP  0: sport(2) dport(2) seq(4) ack(4) doff<<4(1) flags(1) win(2) sum(2) urg(2) [options]
 */
static int decode_l4(struct pkt_info *pi, uint8_t proto, struct wire_cur *c, size_t wire)
{
	int snapped = wire_left(c) < wire;
	size_t avail;

	pi->proto = proto;
	if (proto == 17) {
		uint16_t ulen;
		pi->sport = wire_u16(c);
		pi->dport = wire_u16(c);
		ulen = wire_u16(c);
		(void)wire_u16(c);
		if (c->err)
			return snapped ? PKT_E_SNAPLEN : PKT_E_L4_TRUNC;
		if (ulen < 8 || ulen > wire)
			return PKT_E_L4_BAD;
		avail = wire_left(c);
		pi->payload = wire_here(c);
		pi->payload_wire_len = (size_t)ulen - 8;
		if (avail < pi->payload_wire_len) {
			pi->payload_len = avail;
			pi->truncated = 1;
			return PKT_E_SNAPLEN;
		}
		pi->payload_len = pi->payload_wire_len;
		return PKT_OK;
	}
	if (proto == 6) {
		size_t doff;
		pi->sport = wire_u16(c);
		pi->dport = wire_u16(c);
		pi->seq = wire_u32(c);
		pi->ack = wire_u32(c);
		doff = (size_t)(wire_u8(c) >> 4) * 4;
		pi->tcp_flags = wire_u8(c);
		(void)wire_take(c, 6);
		if (c->err)
			return snapped ? PKT_E_SNAPLEN : PKT_E_L4_TRUNC;
		if (doff < 20 || doff > wire)
			return PKT_E_L4_BAD;
		(void)wire_take(c, doff - 20);
		if (c->err)
			return snapped ? PKT_E_SNAPLEN : PKT_E_L4_TRUNC;
		pi->payload = wire_here(c);
		pi->payload_len = wire_left(c);
		pi->payload_wire_len = wire - doff;
		/* a cut TCP segment still tells the reassembler where the gap is */
		pi->truncated = pi->payload_len < pi->payload_wire_len;
		return PKT_OK;
	}
	return PKT_E_NOT_UDP_TCP;
}

/*
 * IPv6 extension headers from next header *nh at `c`; on return *nh is the
 * upper-layer protocol. *wire shrinks by the bytes walked. Fragment headers
 * end the walk with PKT_FRAGMENT unless atomic (offset 0, M=0, RFC 6946).
 *
 *   hop-by-hop 0, routing 43, destination 60: next(1) len8(1) ... ((len8+1)*8 bytes)
 *   fragment 44: next(1) res(1) offset<<3|M(2) id(4)
 *   AH 51: next(1) len4(1) ... ((len4+2)*4 bytes)
 */
static int walk_ip6(struct pkt_info *pi, uint8_t *nh, struct wire_cur *c, size_t *wire, int allow_frag)
{
	int n;
	for (n = 0; n < 8; n++) {
		size_t start = c->off, hlen;
		uint8_t next = 0;
		switch (*nh) {
		case 0:
		case 43:
		case 60:
			next = wire_u8(c);
			hlen = ((size_t)wire_u8(c) + 1) * 8;
			(void)wire_take(c, hlen - 2);
			break;
		case 51:
			next = wire_u8(c);
			hlen = ((size_t)wire_u8(c) + 2) * 4;
			(void)wire_take(c, hlen >= 2 ? hlen - 2 : 0);
			break;
		case 44: {
			uint16_t fo;
			if (!allow_frag)
				return PKT_E_IP6_EXT;
			next = wire_u8(c);
			(void)wire_u8(c);
			fo = wire_u16(c);
			pi->frag_id = wire_u32(c);
			if (c->err)
				break;
			*wire -= c->off - start;
			if ((fo & 0xfff8) == 0 && !(fo & 1)) {
				*nh = next; /* atomic fragment: a whole datagram */
				continue;
			}
			pi->proto = next;
			pi->frag_offset = fo & 0xfff8;
			pi->frag_more = fo & 1;
			pi->frag_data = wire_here(c);
			pi->frag_len = wire_left(c);
			if (pi->frag_len < *wire)
				return PKT_E_SNAPLEN;
			return PKT_FRAGMENT;
		}
		default:
			return PKT_OK;
		}
		if (c->err)
			return wire_left(c) < *wire ? PKT_E_SNAPLEN : PKT_E_IP_TRUNC;
		if (c->off - start > *wire)
			return PKT_E_IP_BAD;
		*wire -= c->off - start;
		*nh = next;
	}
	return PKT_E_IP6_EXT;
}

/*
 *   IPv4 0: ver<<4|ihl(1) tos(1) total(2) id(2) flags|frag8(2) ttl(1) proto(1) sum(2) src(4) dst(4) [options]
 *   IPv6 0: ver<<28|tc|flow(4) plen(2) next(1) hlim(1) src(16) dst(16)
 */
int pktdecode_ip(const uint8_t *ip, size_t caplen, size_t wirelen, struct pkt_info *pi)
{
	struct wire_cur c;
	uint8_t b0;
	int snapped;

	memset(pi, 0, sizeof(*pi));
	if (wirelen < caplen)
		wirelen = caplen;
	snapped = caplen < wirelen;
	wire_init(&c, ip, caplen);
	b0 = wire_u8(&c);
	if (c.err)
		return snapped ? PKT_E_SNAPLEN : PKT_E_IP_TRUNC;
	if (b0 >> 4 == 4) {
		size_t ihl = (size_t)(b0 & 15) * 4, tot, avail;
		uint16_t fo;
		pi->family = 4;
		(void)wire_u8(&c);
		tot = wire_u16(&c);
		pi->frag_id = wire_u16(&c);
		fo = wire_u16(&c);
		(void)wire_u8(&c);
		pi->proto = wire_u8(&c);
		(void)wire_u16(&c);
		wire_copy(&c, pi->src, 4);
		wire_copy(&c, pi->dst, 4);
		if (ihl < 20)
			return PKT_E_IP_BAD;
		(void)wire_take(&c, ihl - 20);
		if (c.err)
			return snapped ? PKT_E_SNAPLEN : PKT_E_IP_TRUNC;
		if (tot < ihl || tot > wirelen)
			return PKT_E_IP_BAD;
		/* the capture may carry link padding past the IP total length */
		avail = (tot < caplen ? tot : caplen) - ihl;
		c.len = c.off + avail;
		if (fo & 0x3fff) {
			pi->frag_offset = (uint32_t)(fo & 0x1fff) * 8;
			pi->frag_more = (fo & 0x2000) != 0;
			pi->frag_data = wire_here(&c);
			pi->frag_len = avail;
			if (avail < tot - ihl)
				return PKT_E_SNAPLEN;
			return PKT_FRAGMENT;
		}
		return decode_l4(pi, pi->proto, &c, tot - ihl);
	}
	if (b0 >> 4 == 6) {
		size_t plen, wire;
		uint8_t nh;
		int r;
		pi->family = 6;
		(void)wire_take(&c, 3);
		plen = wire_u16(&c);
		nh = wire_u8(&c);
		(void)wire_u8(&c);
		wire_copy(&c, pi->src, 16);
		wire_copy(&c, pi->dst, 16);
		if (c.err)
			return snapped ? PKT_E_SNAPLEN : PKT_E_IP_TRUNC;
		if (plen == 0)
			return PKT_E_IP6_EXT; /* jumbogram or no payload */
		if (plen + 40 > wirelen)
			return PKT_E_IP_BAD;
		if (wire_left(&c) > plen)
			c.len = c.off + plen;
		wire = plen;
		r = walk_ip6(pi, &nh, &c, &wire, 1);
		if (r != PKT_OK)
			return r;
		return decode_l4(pi, nh, &c, wire);
	}
	return PKT_E_IP_BAD;
}

int pktdecode_l4(struct pkt_info *pi, uint8_t nh, const uint8_t *data, size_t len)
{
	struct wire_cur c;
	size_t wire = len;
	wire_init(&c, data, len);
	pi->truncated = 0;
	if (pi->family == 6) {
		int r = walk_ip6(pi, &nh, &c, &wire, 0);
		if (r != PKT_OK)
			return r;
	}
	return decode_l4(pi, nh, &c, wire);
}

/*
 * Link headers:
 *   Ethernet   dst(6) src(6) type(2), then per VLAN tag: tci(2) type(2)
 *   SLL  (v1)  pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
 *   SLL2 (v2)  protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
 *   NULL       family(4, host order of the writer)     LOOP  family(4, network order)
 */
int pktdecode_link(int dlt, const uint8_t *pkt, size_t caplen, size_t wirelen, struct pkt_info *pi)
{
	struct wire_cur c;
	uint16_t et = 0;
	int tags;

	if (wirelen < caplen)
		wirelen = caplen;
	wire_init(&c, pkt, caplen);
	switch (dlt) {
	case 1: /* DLT_EN10MB */
		(void)wire_take(&c, 12);
		et = wire_u16(&c);
		break;
	case 113: /* DLT_LINUX_SLL */
		(void)wire_take(&c, 14);
		et = wire_u16(&c);
		break;
	case 276: /* DLT_LINUX_SLL2 */
		et = wire_u16(&c);
		(void)wire_take(&c, 18);
		break;
	case 0:   /* DLT_NULL */
	case 108: { /* DLT_LOOP */
		const uint8_t *b = wire_take(&c, 4);
		uint32_t af;
		if (!b)
			return PKT_E_LINK_TRUNC;
		af = dlt == 108 ? wire_be32(b)
				: (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
		if (dlt == 0 && af > 0xffff) /* written by a big-endian host */
			af = (af >> 24) | ((af >> 8) & 0xff00);
		if (af == 2)
			et = 0x0800;
		else if (af == 10 || af == 24 || af == 28 || af == 30) /* Linux, BSDs, FreeBSD, Darwin */
			et = 0x86dd;
		else
			return PKT_E_NOT_IP;
		break;
	}
	case 12: case 14: case 101: case 228: case 229: /* raw IP */
		et = 0x0800;
		break;
	default:
		return PKT_E_LINKTYPE;
	}
	for (tags = 0; tags < 4 && (et == 0x8100 || et == 0x88a8 || et == 0x9100); tags++) {
		(void)wire_u16(&c);
		et = wire_u16(&c);
	}
	if (c.err)
		return PKT_E_LINK_TRUNC;
	if (et != 0x0800 && et != 0x86dd)
		return PKT_E_NOT_IP;
	return pktdecode_ip(wire_here(&c), wire_left(&c), wirelen - c.off, pi);
}
