/* tests/tools/dnsa-sender.c: send sealed synthetic (or stored, or hostile) datagrams to aggd, at a set rate or flat out. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "aggd/stage.h"
#include "common/addr.h"
#include "common/clock.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/keys.h"
#include "common/record.h"

/*
 * For tests and the benchmark: makes datagrams the way capd does (records
 * batched into a payload budget, sealed with the node key, sequence numbers
 * from -q up, one boot id) and sends them on a connected UDP socket with
 * sendmmsg. The records are synthetic and deterministic (-S seed); -d writes
 * them as text lines, and -x prints the records staged in an aggd staging
 * database in the same format, so a test can compare the two.
 */

#define BATCH 64 /* datagrams per sendmmsg */

enum mode { M_RECORDS, M_COUNTERS, M_BADTAG, M_BADCBOR, M_BADVERSION, M_RANDOM };
static const char *const mode_names[] = { "records", "counters", "badtag", "badcbor", "badversion", "random", NULL };

struct opts {
	const char *keyfile, *server, *wfile, *rfile, *dfile, *xdb, *name, *bench;
	uint64_t count, rate, boot, seq, seed, records_max;
	size_t payload;
	int mode, prepare;
	double time_limit;
};

static uint64_t rng_state;
static uint64_t rng(void)
{
	/* xorshift64*: deterministic per seed, good enough for synthetic data */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: dnsa-sender -k KEYFILE -s ADDR:PORT [options]\n"
	    "       dnsa-sender -x STAGING.db       print the staged records (as -d)\n"
	    "       dnsa-sender -k KEYFILE -B NEW.db [-n N]  time aggd's steps in-process\n"
	    "  -k KEYFILE  node key file (dnsa-keygen)\n"
	    "  -s ADDR     aggregator: 192.0.2.1:5300 or [2001:db8::1]:5300\n"
	    "  -n COUNT    datagrams to send (default 1000)\n"
	    "  -r RATE     datagrams per second (default 0 = flat out)\n"
	    "  -p BYTES    payload budget per datagram (default 1232)\n"
	    "  -R N        at most N records per datagram (default: as many as fit)\n"
	    "  -b BOOT     boot id (default: now in microseconds)\n"
	    "  -q SEQ      first sequence number (default 1)\n"
	    "  -S SEED     seed of the synthetic records (default 1)\n"
	    "  -m MODE     records|counters|badtag|badcbor|badversion|random (default records)\n"
	    "  -N NAME     node name in the header instead of the key file's\n"
	    "  -w FILE     also store every datagram sent in FILE\n"
	    "  -W FILE     send the datagrams stored in FILE instead of making new ones\n"
	    "  -d FILE     write the records sent to FILE, one line each\n"
	    "  -P          make every datagram before sending (measures sending alone)\n"
	    "  -T SECONDS  stop after this long (default 120)\n"
	    "prints: sent=N records=N errors=N seconds=S dps=N rps=N\n");
}

/* the synthetic record number i; fields absent per `has` stay zero so a decode compares equal */
static void synth(uint64_t seed, uint64_t i, struct dnsa_record *r)
{
	static const char *const zones[] = { "example", "example.org", "nl", "test" };
	static const uint16_t qtypes[] = { 1, 28, 15, 16, 2, 6, 33, 65, 48, 255 };
	static const uint16_t rcodes[] = { 0, 0, 0, 3, 0, 2, 5, 0 };
	static const char *const cc[] = { "NL", "DE", "US", "JP", "" };
	uint64_t x = i * 0x9e3779b97f4a7c15ull ^ seed;

	memset(r, 0, sizeof *r);
	r->has = RH_QUESTION | RH_QSIZE | RH_RSIZE;
	r->time_us = 1700000000000000ull + seed * 1000000 + i * 37;
	const char *zone = zones[x % 4];
	snprintf(r->zone, sizeof r->zone, "%s", zone);
	snprintf(r->qname, sizeof r->qname, "w%" PRIu64 ".%s", (x >> 8) % 5000, zone);
	r->qtype = qtypes[(x >> 20) % 10];
	r->qclass = 1;
	r->rcode = rcodes[(x >> 24) % 8];
	r->flags = RF_QR | RF_AA | (((x >> 27) & 1) ? RF_RD : 0);
	r->transport = ((x >> 28) % 5 == 0) ? TR_TCP : TR_UDP;
	r->ipver = ((x >> 31) & 1) ? 6 : 4;
	r->msgtype = MT_AUTH_RESPONSE;
	if ((x >> 32) % 4) {
		r->has |= RH_EDNS;
		r->edns_udp = 1232;
		r->edns_do = (x >> 34) & 1;
		r->edns_ecs = ((x >> 35) % 16) == 0;
	}
	r->qsize = 30 + (uint32_t)((x >> 36) % 40);
	r->rsize = 60 + (uint32_t)((x >> 40) % 1000);
	const char *c = cc[(x >> 44) % 5];
	if (c[0]) {
		r->has |= RH_COUNTRY;
		memcpy(r->country, c, 3);
	}
	if ((x >> 48) % 3 == 0) {
		r->has |= RH_LATENCY;
		r->latency_us = (uint32_t)((x >> 50) % 500);
	}
	r->weight = 1 + (uint32_t)((x >> 56) % 4);
}

static int print_record(const struct dnsa_record *r, void *arg)
{
	FILE *f = arg;
	fprintf(f, "%" PRIu64 " %s %s %u %u %u %u %04x %u %u %u %03x edns=%u/%u/%u/%u %u %u lat=%u cc=%s w=%u\n",
	    r->time_us, r->zone, r->qname, r->qtype, r->qclass, r->opcode, r->rcode, r->flags, r->transport,
	    r->ipver, r->msgtype, r->has, r->edns_version, r->edns_udp, r->edns_do, r->edns_ecs, r->qsize,
	    r->rsize, r->latency_us, r->country[0] ? r->country : "-", r->weight);
	return 0;
}

/* -x: the records of every staged RECORDS datagram, in staging order */
static int dump_staging(const char *db)
{
	sqlite3 *s;
	sqlite3_stmt *q;
	int rc, bad = 0;

	if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "dnsa-sender: %s: %s\n", db, sqlite3_errmsg(s));
		return 1;
	}
	sqlite3_busy_timeout(s, 5000);
	rc = sqlite3_prepare_v2(s, "SELECT payload FROM datagram WHERE kind = 1 ORDER BY id", -1, &q, NULL);
	while (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
		const uint8_t *p = sqlite3_column_blob(q, 0);
		int n = sqlite3_column_bytes(q, 0);
		if (payload_foreach_record(p, (size_t)n, print_record, stdout) < 0)
			bad++;
	}
	if (rc != SQLITE_OK)
		fprintf(stderr, "dnsa-sender: %s: %s\n", db, sqlite3_errmsg(s));
	sqlite3_finalize(q);
	sqlite3_close(s);
	if (bad)
		fprintf(stderr, "dnsa-sender: %d staged payloads did not decode\n", bad);
	return rc != SQLITE_OK || bad;
}

/* the state of the datagram factory */
struct maker {
	struct opts *o;
	struct env_header h;
	uint8_t key[ENV_KEY_LEN];
	struct batch *b;
	uint64_t rec_index;          /* next synthetic record */
	uint64_t records;            /* records made so far */
	uint8_t *payload;            /* o->payload bytes */
	FILE *dump;                  /* -d */
	FILE *stored;                /* -W input */
};

/* one new datagram into out (cap ENV_MAX_DATAGRAM); returns its length, 0 at the end of -W, <0 on error */
static int make_one(struct maker *m, uint8_t *out)
{
	struct opts *o = m->o;
	int plen = 0, n;

	if (m->stored) {
		uint8_t lb[4];
		if (fread(lb, 1, 4, m->stored) != 4)
			return 0;
		uint32_t l = (uint32_t)lb[0] << 24 | (uint32_t)lb[1] << 16 | (uint32_t)lb[2] << 8 | lb[3];
		if (l > ENV_MAX_DATAGRAM || fread(out, 1, l, m->stored) != l)
			return E_TRUNCATED;
		return (int)l;
	}
	if (o->mode == M_RANDOM) {
		n = 32 + (int)(rng() % (o->payload - 31)); /* >= a header: rejected by content, not size */
		for (int i = 0; i < n; i++)
			out[i] = (uint8_t)rng();
		return n;
	}
	m->h.kind = ENV_KIND_RECORDS;
	if (o->mode == M_COUNTERS) {
		struct dnsa_counters c;
		memset(&c, 0, sizeof c);
		c.time_us = 1700000000000000ull + m->h.seq;
		counters_set(&c, C_MSG_TOTAL, m->h.seq * 100);
		counters_set(&c, C_DATAGRAMS_SENT, m->h.seq);
		plen = counters_encode(&c, m->payload, o->payload);
		m->h.kind = ENV_KIND_COUNTERS;
	} else if (o->mode == M_BADCBOR) {
		/* authentic but not a payload: a text string, a map without records, junk */
		static const uint8_t bad[][8] = { { 0x65, 'h', 'e', 'l', 'l', 'o' }, { 0xa1, 0x00, 0x01 },
			{ 0xff, 0xff, 0x00, 0x13, 0x37 } };
		static const int badlen[] = { 6, 3, 5 };
		unsigned k = (unsigned)(m->h.seq % 3);
		memcpy(m->payload, bad[k], (size_t)badlen[k]);
		plen = badlen[k];
	} else {
		struct dnsa_record r;
		for (;;) {
			if (o->records_max && batch_count(m->b) >= o->records_max)
				break;
			synth(o->seed, m->rec_index, &r);
			if (batch_add(m->b, &r) != E_OK)
				break;
			if (m->dump)
				print_record(&r, m->dump);
			m->rec_index++;
			m->records++;
		}
		plen = batch_finish(m->b, 1700000000000000ull + m->h.seq, m->payload, o->payload);
	}
	if (plen < 0)
		return plen;
	n = envelope_seal(&m->h, m->key, m->payload, (size_t)plen, out, ENV_MAX_DATAGRAM);
	if (n < 0)
		return n;
	m->h.seq++;
	if (o->mode == M_BADTAG)
		out[n - 1] ^= 0x5a;
	if (o->mode == M_BADVERSION)
		out[4] = ENV_VERSION + 1;
	return n;
}

/*
 * -B: the receive path's steps, timed one at a time over the prepared
 * datagrams, in this process: what aggd spends per datagram apart from
 * the system calls (recvmmsg) and its loop.
 */
static int bench(struct maker *m, const uint8_t *buf, size_t slot, const uint32_t *lens, uint64_t n)
{
	uint8_t *plain = malloc(ENV_MAX_DATAGRAM);
	uint32_t *plen = calloc(n, sizeof *plen);
	uint8_t *pbuf = malloc(n * slot);
	struct env_header h;
	uint64_t recs = 0;
	int err;

	if (!plain || !plen || !pbuf || n == 0)
		return 1;
	double t0 = cpu_s();
	for (uint64_t i = 0; i < n; i++) {
		if (envelope_peek(buf + i * slot, lens[i], &h) != E_OK)
			return 1;
		int r = envelope_open(&h, m->key, buf + i * slot, lens[i], pbuf + i * slot, slot);
		if (r < 0)
			return 1;
		plen[i] = (uint32_t)r;
	}
	double t1 = cpu_s();
	for (uint64_t i = 0; i < n; i++) {
		int r = payload_validate(pbuf + i * slot, plen[i], ENV_KIND_RECORDS);
		if (r < 0)
			return 1;
		recs += (unsigned)r;
	}
	double t2 = cpu_s();
	struct stage_conf sc = { .path = m->o->bench, .batch_rows = 1000, .flush_ms = 100,
		.busy_timeout_ms = 10, .retry_ms = 50, .queue_bytes = 64u << 20, .queue_rows = 20000 };
	struct stage *st;
	if ((err = stage_new(&sc, &st)) != E_OK) {
		fprintf(stderr, "dnsa-sender: %s: %s\n", m->o->bench, dnsa_strerror(err));
		return 1;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct stage_row row = { .node = m->h.node, .boot_id = 1, .seq = i + 1, .kind = 1,
			.received_us = 1, .nrecords = 16, .payload = pbuf + i * slot, .len = plen[i] };
		if (stage_put(st, &row, 0) != E_OK)
			return 1;
		if (stage_due(st, 0) == 0 && stage_flush(st, 0) < 0)
			return 1;
	}
	stage_drain(st, 10000);
	double t3 = cpu_s();
	stage_free(st);
	printf("datagrams=%" PRIu64 " records=%" PRIu64 " open_ns=%.0f validate_ns=%.0f stage_ns=%.0f"
	    " total_ns=%.0f CPU per datagram\n", n, recs, (t1 - t0) * 1e9 / (double)n, (t2 - t1) * 1e9 / (double)n,
	    (t3 - t2) * 1e9 / (double)n, (t3 - t0) * 1e9 / (double)n);
	free(plain);
	free(plen);
	free(pbuf);
	return 0;
}

static int connect_to(const char *s)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	if (addr_parse_hostport(s, 0, &ss, &sl) != E_OK)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) < 0)
		return -1;
	int sb = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void store(FILE *f, const uint8_t *dg, size_t n)
{
	uint8_t lb[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	fwrite(lb, 1, 4, f);
	fwrite(dg, 1, n, f);
}

int main(int argc, char **argv)
{
	struct opts o = { .count = 1000, .payload = 1232, .seq = 1, .seed = 1, .time_limit = 120 };
	struct maker m;
	int c, fd;
	char node[ENV_NAME_MAX + 1];

	while ((c = getopt(argc, argv, "k:s:n:r:p:R:b:q:S:m:N:w:W:d:x:B:PT:h")) != -1) {
		switch (c) {
		case 'k': o.keyfile = optarg; break;
		case 's': o.server = optarg; break;
		case 'n': o.count = strtoull(optarg, NULL, 0); break;
		case 'r': o.rate = strtoull(optarg, NULL, 0); break;
		case 'p': o.payload = strtoul(optarg, NULL, 0); break;
		case 'R': o.records_max = strtoull(optarg, NULL, 0); break;
		case 'b': o.boot = strtoull(optarg, NULL, 0); break;
		case 'q': o.seq = strtoull(optarg, NULL, 0); break;
		case 'S': o.seed = strtoull(optarg, NULL, 0); break;
		case 'N': o.name = optarg; break;
		case 'w': o.wfile = optarg; break;
		case 'W': o.rfile = optarg; break;
		case 'd': o.dfile = optarg; break;
		case 'x': o.xdb = optarg; break;
		case 'B': o.bench = optarg; o.prepare = 1; o.server = "127.0.0.1:9"; break;
		case 'P': o.prepare = 1; break;
		case 'T': o.time_limit = atof(optarg); break;
		case 'm':
			for (o.mode = 0; mode_names[o.mode] && strcmp(mode_names[o.mode], optarg); o.mode++)
				;
			if (!mode_names[o.mode]) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.xdb)
		return dump_staging(o.xdb);
	if ((!o.keyfile && !o.rfile && o.mode != M_RANDOM) || !o.server || o.payload < 64 ||
	    o.payload > RECORD_MAX_PAYLOAD) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	memset(&m, 0, sizeof m);
	m.o = &o;
	rng_state = o.seed * 0x2545f4914f6cdd1dull + 1;
	if (o.keyfile) {
		int rc = keys_load_node(o.keyfile, node, m.key);
		if (rc != E_OK) {
			fprintf(stderr, "dnsa-sender: %s: %s\n", o.keyfile, dnsa_strerror(rc));
			return 1;
		}
		snprintf(m.h.node, sizeof m.h.node, "%s", o.name ? o.name : node);
	}
	m.h.version = ENV_VERSION;
	m.h.boot_id = o.boot ? o.boot : (uint64_t)time(NULL) * 1000000;
	m.h.seq = o.seq;
	randombytes_buf(&m.h.salt, sizeof m.h.salt);
	batch_new(o.payload, &m.b);
	m.payload = malloc(o.payload);
	if (!m.b || !m.payload)
		return 1;
	if (o.dfile && !(m.dump = fopen(o.dfile, "w"))) {
		perror(o.dfile);
		return 1;
	}
	if (o.rfile && !(m.stored = fopen(o.rfile, "r"))) {
		perror(o.rfile);
		return 1;
	}
	FILE *wf = NULL;
	if (o.wfile && !(wf = fopen(o.wfile, "w"))) {
		perror(o.wfile);
		return 1;
	}
	if ((fd = connect_to(o.server)) < 0) {
		fprintf(stderr, "dnsa-sender: cannot send to %s\n", o.server);
		return 1;
	}

	/* -P: every datagram made up front; otherwise BATCH at a time, reused */
	size_t slots = o.prepare ? (size_t)o.count : BATCH;
	uint8_t *buf = malloc(slots * (o.payload + 256));
	size_t slot_size = o.payload + 256;
	uint32_t *lens = calloc(slots, sizeof *lens);
	struct mmsghdr *msg = calloc(BATCH, sizeof *msg);
	struct iovec *iov = calloc(BATCH, sizeof *iov);
	if (!buf || !lens || !msg || !iov) {
		fprintf(stderr, "dnsa-sender: out of memory\n");
		return 1;
	}
	uint64_t made = 0, sent = 0, errors = 0;
	int ended = 0;
	uint8_t *big = malloc(ENV_MAX_DATAGRAM);
	if (!big)
		return 1;
	if (o.prepare) {
		for (; made < o.count; made++) {
			int n = make_one(&m, big);
			if (n <= 0 || (size_t)n > slot_size)
				break;
			memcpy(buf + made * slot_size, big, (size_t)n);
			lens[made] = (uint32_t)n;
		}
		o.count = made;
	}
	if (o.bench)
		return bench(&m, buf, slot_size, lens, made);
	double t0 = clock_mono_s(), t = t0;
	while (sent < o.count && !ended && t - t0 < o.time_limit) {
		uint64_t want = o.count - sent;
		if (o.rate) {
			uint64_t due = (uint64_t)((t - t0) * (double)o.rate) + 1;
			want = due > sent ? due - sent : 0;
			if (want > o.count - sent)
				want = o.count - sent;
			if (want == 0) {
				struct timespec ts = { 0, 200000 };
				nanosleep(&ts, NULL);
				t = clock_mono_s();
				continue;
			}
		}
		if (want > BATCH)
			want = BATCH;
		unsigned k = 0;
		for (; k < want; k++) {
			uint8_t *p;
			size_t n;
			if (o.prepare) {
				p = buf + (sent + k) * slot_size;
				n = lens[sent + k];
			} else {
				int r = make_one(&m, big);
				if (r <= 0) {
					if (r < 0)
						fprintf(stderr, "dnsa-sender: %s\n", dnsa_strerror(r));
					ended = 1;
					break;
				}
				p = buf + k * slot_size;
				n = (size_t)r;
				if (n > slot_size) /* -p larger than stored datagrams: send from big */
					p = big, want = k + 1;
				if (p != big)
					memcpy(p, big, n);
			}
			if (wf)
				store(wf, p, n);
			iov[k].iov_base = p;
			iov[k].iov_len = n;
			memset(&msg[k], 0, sizeof msg[k]);
			msg[k].msg_hdr.msg_iov = &iov[k];
			msg[k].msg_hdr.msg_iovlen = 1;
		}
		unsigned done = 0;
		while (done < k) {
			int r = sendmmsg(fd, msg + done, k - done, 0);
			if (r < 0) {
				/* nobody listening (ECONNREFUSED) or a full queue: count, go on */
				errors++;
				done++;
				continue;
			}
			done += (unsigned)r;
		}
		sent += k;
		t = clock_mono_s();
	}
	double secs = clock_mono_s() - t0;
	if (secs <= 0)
		secs = 1e-9;
	printf("sent=%" PRIu64 " records=%" PRIu64 " errors=%" PRIu64 " seconds=%.3f dps=%.0f rps=%.0f\n",
	    sent, m.records, errors, secs, (double)sent / secs, (double)m.records / secs);
	if (m.dump)
		fclose(m.dump);
	if (m.stored)
		fclose(m.stored);
	if (wf)
		fclose(wf);
	close(fd);
	batch_free(m.b);
	free(m.payload);
	free(buf);
	free(big);
	free(lens);
	free(msg);
	free(iov);
	return 0;
}
