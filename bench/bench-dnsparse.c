/* bench/bench-dnsparse.c: ns per message of capd's dnsparse_message (and zones_match) vs ldns_wire2pkt on a dnstap capture. */
/*
 * usage: bench-dnsparse [FILE.fstrm [SECONDS]]
 *   default FILE: tests/data/realservers/samples/knot.fstrm, SECONDS 1
 * Loads every DNS message of the capture into memory (responses, and
 * queries), then runs each parser over the whole set repeatedly for about
 * SECONDS each and prints ns/message. Also the same set with an OPT (and
 * ECS) appended to every message, since the sample capture has no EDNS.
 * Not a test: numbers depend on the machine.
 */
#include <ldns/ldns.h>
#include <fstrm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capd/dnsparse.h"
#include "capd/dnstap.h"
#include "capd/zones.h"
#include "common/clock.h"
#include "common/errors.h"

struct set {
	uint8_t *buf;
	size_t len, cap;
	size_t *off;
	size_t n, ncap;
};

static void set_add(struct set *s, const uint8_t *m, size_t len)
{
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2;
		s->buf = realloc(s->buf, s->cap);
	}
	if (s->n + 2 > s->ncap) {
		s->ncap = s->ncap ? s->ncap * 2 : 1024;
		s->off = realloc(s->off, s->ncap * sizeof(*s->off));
	}
	if (s->buf == NULL || s->off == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	memcpy(s->buf + s->len, m, len);
	s->off[s->n++] = s->len;
	s->len += len;
	s->off[s->n] = s->len;
}

enum what { W_FULL, W_QUESTION, W_LDNS, W_ZONES };

static volatile unsigned sink;

/*
 * Run `what` over the whole set, pass after pass, for `secs`; returns the
 * fastest pass in ns per message (the machine is shared: the minimum is
 * the cost, the rest is other load), and the mean in *mean.
 */
static double bench(const struct set *s, enum what what, double secs, const struct zones *z,
    double *mean)
{
	struct dns_info d;
	struct zone_match m;
	char out[256];
	unsigned long done = 0;
	double t0 = clock_mono_s(), t = t0, tp, best = 1e30;
	unsigned acc = 0;

	do {
		tp = t;
		for (size_t i = 0; i < s->n; i++) {
			const uint8_t *w = s->buf + s->off[i];
			size_t len = s->off[i + 1] - s->off[i];

			switch (what) {
			case W_FULL:
				acc += (unsigned)dnsparse_message(w, len, DNSPARSE_FULL, &d) + d.rcode;
				break;
			case W_QUESTION:
				acc += (unsigned)dnsparse_message(w, len, DNSPARSE_QUESTION, &d) + d.qtype;
				break;
			case W_LDNS: {
				ldns_pkt *p = NULL;

				if (ldns_wire2pkt(&p, w, len) == LDNS_STATUS_OK)
					acc += ldns_pkt_get_rcode(p);
				ldns_pkt_free(p);
				break;
			}
			case W_ZONES:
				/* parse + match + truncate: what the pipeline does per sampled message */
				if (dnsparse_message(w, len, DNSPARSE_FULL, &d) == E_OK && d.has_question &&
				    zones_match(z, d.qname, d.qname_len, &m) == E_OK)
					acc += (unsigned)zones_truncate(d.qname, d.qname_len, &m, 1, out,
					    sizeof(out));
				break;
			}
		}
		done += s->n;
		t = clock_mono_s();
		if (t - tp < best)
			best = t - tp;
	} while (t - t0 < secs);
	sink = acc;
	*mean = (t - t0) * 1e9 / (double)done;
	return best * 1e9 / (double)s->n;
}

static void line(const char *what, const struct set *s, enum what w, double secs,
    const struct zones *z)
{
	double mean, best = bench(s, w, secs, z, &mean);

	printf("%-46s %8.1f ns/msg (best pass)  %8.1f (mean)\n", what, best, mean);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/data/realservers/samples/knot.fstrm";
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	struct fstrm_file_options *fo = fstrm_file_options_init();
	struct fstrm_reader *r;
	struct set plain = { 0 }, edns = { 0 };
	struct zones *z;
	zones_new(&z);
	const uint8_t *data;
	size_t dlen;
	uint8_t tmp[65536 + 64];
	char name[64];

	fstrm_file_options_set_file_path(fo, path);
	r = fstrm_file_reader_init(fo, NULL);
	fstrm_file_options_destroy(&fo);
	if (r == NULL) {
		fprintf(stderr, "bench-dnsparse: cannot read %s\n", path);
		return 1;
	}
	while (fstrm_reader_read(r, &data, &dlen) == fstrm_res_success) {
		struct capd_msg m;

		if (dnstap_decode(data, dlen, &m) != E_OK || m.dns == NULL || m.dns_len > 65535)
			continue;
		set_add(&plain, m.dns, m.dns_len);
		/* + OPT udp 1232 DO with an ECS option (23 octets) */
		{
			static const uint8_t opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 12,
				0, 8, 0, 8, 0, 1, 24, 0, 192, 0, 2, 0 };
			memcpy(tmp, m.dns, m.dns_len);
			memcpy(tmp + m.dns_len, opt, sizeof(opt));
			if (m.dns_len >= 12 && tmp[11] < 255) {
				tmp[11]++;
				set_add(&edns, tmp, m.dns_len + sizeof(opt));
			}
		}
	}
	fstrm_reader_destroy(&r);
	if (plain.n == 0) {
		fprintf(stderr, "bench-dnsparse: no DNS messages in %s\n", path);
		return 1;
	}
	/* 10,000 zones plus the capture's own zones */
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "zone%d.test%d", i, i % 50);
		zones_add(z, name);
	}
	zones_add_list(z, "example.test sample.test");

	printf("bench-dnsparse: %zu messages from %s (avg %zu bytes)\n", plain.n, path,
	    plain.len / plain.n);
	line("dnsparse FULL", &plain, W_FULL, secs, z);
	line("dnsparse QUESTION", &plain, W_QUESTION, secs, z);
	line("ldns_wire2pkt + ldns_pkt_free", &plain, W_LDNS, secs, z);
	line("dnsparse FULL + zones_match + truncate (10k)", &plain, W_ZONES, secs, z);
	printf("with OPT+ECS appended:\n");
	line("dnsparse FULL", &edns, W_FULL, secs, z);
	line("ldns_wire2pkt + ldns_pkt_free", &edns, W_LDNS, secs, z);
	zones_free(z);
	free(plain.buf);
	free(plain.off);
	free(edns.buf);
	free(edns.off);
	return 0;
}
