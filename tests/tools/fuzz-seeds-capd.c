/* tests/tools/fuzz-seeds-capd.c: seed inputs for the capd fuzz targets from the real sample captures. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "capd/capfile.h"
#include "capd/dnstap.h"
#include "capd/msg.h"

struct ctx {
	const char *root;
	unsigned n;
};

static void put(const char *root, const char *target, const char *name, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, target);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(a, 1, alen, f);
	if (b)
		fwrite(b, 1, blen, f);
	fclose(f);
}

/* every 500th frame: the frame itself, and its DNS message */
static void on_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct ctx *c = arg;
	struct capd_msg m;
	char name[32];
	if (c->n++ % 500 != 0)
		return;
	snprintf(name, sizeof name, "frame-%u", c->n);
	put(c->root, "fuzz_dnstap", name, frame, len, NULL, 0);
	if (dnstap_decode(frame, len, &m) == 0 && m.dns)
		put(c->root, "fuzz_dnsparse", name, m.dns, m.dns_len, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fuzz-seeds-capd CORPUS-ROOT SAMPLE.fstrm SAMPLE.pcap\n");
		return 2;
	}
	struct ctx c = { argv[1], 0 };
	mkdir(argv[1], 0755);
	if (capfile_dnstap_read(argv[2], on_frame, &c, NULL) != 0) {
		fprintf(stderr, "cannot read %s\n", argv[2]);
		return 1;
	}
	/* the Frame Streams file's first 4 KiB, read 7 bytes at a time (first byte = step - 1) */
	FILE *f = fopen(argv[2], "rb");
	uint8_t head[4096];
	size_t hn = f ? fread(head, 1, sizeof head, f) : 0;
	if (f)
		fclose(f);
	static const uint8_t step7 = 6, step256 = 255;
	put(argv[1], "fuzz_framestream", "head-step7", &step7, 1, head, hn);
	put(argv[1], "fuzz_framestream", "head-step256", &step256, 1, head, hn);

	/* packets: Ethernet stripped to raw IP, as [0][len16][bytes] sequences of 40 packets */
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(argv[3], err);
	if (!p) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	uint8_t seq[65536];
	size_t sl = 0;
	unsigned pk = 0, files = 0;
	while (pcap_next_ex(p, &h, &d) == 1 && files < 20) {
		pk++;
		if (h->caplen <= 14 || (pk < 11000 && pk % 97 != 0 && sl == 0))
			continue; /* sample UDP from the start, then a run of TCP near the end */
		size_t len = h->caplen - 14;
		if (sl + 3 + len > sizeof seq)
			len = 0;
		seq[sl++] = 0;
		seq[sl++] = (uint8_t)(len >> 8);
		seq[sl++] = (uint8_t)len;
		memcpy(seq + sl, d + 14, len);
		sl += len;
		if (pk % 40 == 0) {
			char name[32];
			snprintf(name, sizeof name, "packets-%u", files++);
			put(argv[1], "fuzz_packets", name, seq, sl, NULL, 0);
			sl = 0;
		}
	}
	pcap_close(p);
	printf("%u frames read; seeds written under %s\n", c.n, argv[1]);
	return 0;
}
