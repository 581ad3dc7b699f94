/* tests/tools/fuzz-seeds.c: write seed inputs for the common/ fuzz targets (records, payloads, envelopes). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/envelope.h"
#include "common/record.h"

static void put(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return;
	}
	fwrite(b, 1, n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	/* must match tests/fuzz/fuzz_envelope.c */
	static const uint8_t key[ENV_KEY_LEN] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
	};
	uint8_t buf[2048], dg[2100];
	char rdir[400], edir[400];

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds CORPUS-ROOT\n");
		return 2;
	}
	snprintf(rdir, sizeof rdir, "%s/fuzz_record", argv[1]);
	snprintf(edir, sizeof edir, "%s/fuzz_envelope", argv[1]);
	mkdir(argv[1], 0755);
	mkdir(rdir, 0755);
	mkdir(edir, 0755);

	struct dnsa_record r;
	memset(&r, 0, sizeof r);
	r.has = RH_EDNS | RH_QSIZE | RH_RSIZE | RH_COUNTRY | RH_QUESTION | RH_PREFIX;
	r.time_us = 1795000000123456ull;
	strcpy(r.zone, "example.test");
	strcpy(r.qname, "www.example.test");
	r.qtype = 1;
	r.qclass = 1;
	r.rcode = 3;
	r.flags = RF_QR | RF_AA;
	r.transport = TR_UDP;
	r.ipver = 4;
	r.msgtype = MT_AUTH_RESPONSE;
	r.edns_udp = 1232;
	r.qsize = 40;
	r.rsize = 100;
	strcpy(r.country, "NL");
	r.addr_len = 4;
	r.prefix_len = 24;
	memcpy(r.addr, "\xc0\x00\x02\x00", 4);
	r.weight = 10;

	int n = record_encode(&r, buf, sizeof buf);
	put(rdir, "record", buf, (size_t)n);

	struct batch *b;
	batch_new(1184, &b);
	for (int i = 0; i < 5; i++)
		batch_add(b, &r);
	n = batch_finish(b, 1795000000000000ull, buf, sizeof buf);
	put(rdir, "payload-records", buf, (size_t)n);
	batch_free(b);

	struct dnsa_counters c;
	memset(&c, 0, sizeof c);
	c.time_us = 1795000000000000ull;
	counters_set(&c, C_MSG_TOTAL, 1000);
	counters_set(&c, C_SAMPLED, 10);
	counters_set(&c, C_SAMPLE_N, 100);
	int cn = counters_encode(&c, buf + 1024, 1024);
	put(rdir, "payload-counters", buf + 1024, (size_t)cn);

	struct env_header h;
	memset(&h, 0, sizeof h);
	h.kind = ENV_KIND_RECORDS;
	h.boot_id = 1795000000000000ull;
	h.seq = 1;
	h.salt = 7;
	strcpy(h.node, "ns1");
	int dn = envelope_seal(&h, key, buf, (size_t)n, dg, sizeof dg);
	put(edir, "records", dg, (size_t)dn);
	h.kind = ENV_KIND_COUNTERS;
	h.seq = 2;
	dn = envelope_seal(&h, key, buf + 1024, (size_t)cn, dg, sizeof dg);
	put(edir, "counters", dg, (size_t)dn);
	return 0;
}
