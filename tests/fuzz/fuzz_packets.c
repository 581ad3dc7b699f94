/* tests/fuzz/fuzz_packets.c: libFuzzer target for packet decoding, IP fragment and TCP reassembly over a packet sequence. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capd/msg.h"
#include "capd/pcap_input.h"
#include "capd/pktdecode.h"
#include "tests/fuzz/fuzz.h"

static void on_msg(const struct capd_msg *m, void *arg)
{
	size_t *sum = arg;
	if (m->dns && m->dns_len)
		*sum += m->dns[0] + m->dns[m->dns_len - 1];
}

/* a pcap file header with no packets, of link type LINKTYPE_RAW (101): IPv4/IPv6 directly */
static struct pcap_input *open_raw(size_t *sum)
{
	static const uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 101, 0, 0, 0 };
	char path[64], err[256];
	snprintf(path, sizeof path, "/dev/shm/dnsa-fuzz-raw.%d.pcap", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return NULL;
	fwrite(hdr, 1, sizeof hdr, f);
	fclose(f);
	struct pcap_input_conf c = { .file = path };
	c.tcp.max_flows = 64;
	/* small pools and slots: exhaustion, large-buffer and piecewise out-of-order paths get exercised */
	c.tcp.buf_count = 4;
	c.tcp.buf_size = 256;
	c.tcp.big_count = 2;
	c.tcp.ooo_count = 16;
	c.tcp.ooo_size = 64;
	c.tcp.ooo_per_flow = 6;
	struct pcap_input *p;
	pcap_input_new(&c, on_msg, sum, &p, err, sizeof err);
	unlink(path);
	return p;
}

/*
 * Input: a sequence of packets, each [1 byte link selector][2 bytes length][bytes].
 * Selector even: the packet goes through the stateful raw-IP input (fragments and
 * TCP streams carry over between packets); odd: pktdecode_link alone with one of
 * the supported link types.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = { 0, 1, 12, 101, 108, 113, 228, 229, 276 };
	static struct pcap_input *p;
	static size_t sum;
	uint64_t ts = 1795000000000000ull;
	if (!p && !(p = open_raw(&sum)))
		return 0;
	while (size >= 3) {
		uint8_t sel = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (sel % 2 == 0) {
			/* selector bit 3: captured cut short by the snap length (the wire had 300 bytes more) */
			pcap_input_packet(p, ts, data, len, sel & 8 ? len + 300 : len);
		} else {
			struct pkt_info pi;
			pktdecode_link(dlts[(sel / 2) % (sizeof dlts / sizeof dlts[0])], data, len, len, &pi);
		}
		ts += (uint64_t)(sel & 0xf0) * 100000; /* time moves on: timeouts and eviction get exercised */
		data += len;
		size -= len;
	}
	pcap_input_tick(p, ts + 60000000ull);
	return 0;
}
