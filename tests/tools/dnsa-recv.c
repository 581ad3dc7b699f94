/* tests/tools/dnsa-recv.c: test receiver: opens capd datagrams with a node key and prints record sums and counters as text. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/hll.h"
#include "common/keys.h"
#include "common/record.h"

/*
 * usage: dnsa-recv -k KEYFILE [-l ADDR:PORT] [-p PORTFILE] [-x N] [-t SECS] [-i SECS]
 *   -l  listen address (default 127.0.0.1:0; port 0 = any, written to -p)
 *   -x  exit after N counters datagrams       -t  exit after SECS in all
 *   -i  exit after SECS without a datagram    SIGTERM/SIGINT: print and exit
 * Output, one item a line (for awk in tests):
 *   datagrams N | records N | weight N | counters_datagrams N | bad N | seq_gaps N | boots N
 *   R ZONE QTYPE RCODE TRANSPORT IPVER MSGTYPE COUNTRY ASN COUNT WEIGHT
 *   Q QNAME COUNT WEIGHT                  (per recorded qname)
 *   T UNIX_SECOND COUNT WEIGHT            (records by message time)
 *   F FIELD VALUE COUNT                   (edns, latency, prefix presence stats)
 *   C COUNTER_NAME VALUE                  (from the newest counters datagram)
 *   H ZONE KIND ESTIMATE SE FLAGS         (distinct-client sketches merged over the run; zone - = node)
 *   L TIME_US LATENCY_US                  (-L only: every record with a latency, as it arrives)
 */

#define NKEYS 8192
#define NSECS 4096

struct agg {
	int used;
	char zone[RECORD_NAME_MAX + 1];
	char country[3];
	uint16_t qtype, rcode;
	uint8_t transport, ipver, msgtype;
	uint32_t asn;
	uint64_t count, weight;
};

struct qn {
	int used;
	char name[RECORD_NAME_MAX + 1];
	uint64_t count, weight;
};

static struct agg aggs[NKEYS];
static struct qn qns[NKEYS];
static struct { uint64_t sec, count, weight; } secs[NSECS];
static uint64_t n_dg, n_rec, n_weight, n_cnt, n_bad, n_gaps, n_boots, last_seq, last_boot;
static uint64_t f_edns, f_do, f_ecs, f_latency, f_prefix, f_addr, f_qsize, f_rsize, f_country, f_asn;
static struct dnsa_counters last_c;
static uint64_t last_c_time;
static volatile sig_atomic_t stop;
static int print_latency;

static uint64_t hash(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int on_rec(const struct dnsa_record *r, void *arg)
{
	(void)arg;
	n_rec++;
	if (print_latency && (r->has & RH_LATENCY))
		printf("L %" PRIu64 " %" PRIu32 "\n", r->time_us, r->latency_us);
	n_weight += r->weight;
	uint64_t h = hash(r->zone, strlen(r->zone), 0xcbf29ce484222325ull);
	h = hash(&r->qtype, 2, h);
	h = hash(&r->rcode, 2, h);
	h = hash(&r->transport, 1, h);
	h = hash(&r->ipver, 1, h);
	h = hash(&r->msgtype, 1, h);
	h = hash(r->country, 2, h);
	h = hash(&r->asn, 4, h);
	for (size_t i = 0; i < NKEYS; i++) {
		struct agg *a = &aggs[(h + i) % NKEYS];
		if (!a->used) {
			a->used = 1;
			strcpy(a->zone, r->zone);
			memcpy(a->country, r->country, 3);
			a->qtype = r->qtype;
			a->rcode = r->rcode;
			a->transport = r->transport;
			a->ipver = r->ipver;
			a->msgtype = r->msgtype;
			a->asn = r->asn;
		} else if (strcmp(a->zone, r->zone) || a->qtype != r->qtype || a->rcode != r->rcode ||
		    a->transport != r->transport || a->ipver != r->ipver || a->msgtype != r->msgtype ||
		    strcmp(a->country, r->country) || a->asn != r->asn) {
			continue;
		}
		a->count++;
		a->weight += r->weight;
		break;
	}
	h = hash(r->qname, strlen(r->qname), 0xcbf29ce484222325ull);
	for (size_t i = 0; i < NKEYS; i++) {
		struct qn *q = &qns[(h + i) % NKEYS];
		if (!q->used) {
			q->used = 1;
			strcpy(q->name, r->qname);
		} else if (strcmp(q->name, r->qname)) {
			continue;
		}
		q->count++;
		q->weight += r->weight;
		break;
	}
	uint64_t s = r->time_us / 1000000u;
	for (size_t i = 0; i < NSECS; i++) {
		size_t k = (s + i) % NSECS;
		if (secs[k].count && secs[k].sec != s)
			continue;
		secs[k].sec = s;
		secs[k].count++;
		secs[k].weight += r->weight;
		break;
	}
	f_edns += !!(r->has & RH_EDNS);
	f_do += (r->has & RH_EDNS) && r->edns_do;
	f_ecs += (r->has & RH_EDNS) && r->edns_ecs;
	f_latency += !!(r->has & RH_LATENCY);
	f_prefix += !!(r->has & RH_PREFIX);
	f_addr += !!(r->has & RH_ADDR);
	f_qsize += !!(r->has & RH_QSIZE);
	f_rsize += !!(r->has & RH_RSIZE);
	f_country += !!(r->has & RH_COUNTRY);
	f_asn += !!(r->has & RH_ASN);
	return 0;
}

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static int bind_addr(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (addr_parse_hostport(spec, 0, &ss, &sl) != E_OK)
		return -1;
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	int buf = 32 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		return -1;
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
	                               : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* the sketches received, merged by (zone, kind) */
#define NSKETCH 32
static struct { char zone[RECORD_NAME_MAX + 1]; uint8_t kind, flags, used; struct hll h; } sks[NSKETCH];

static void sketch_merge(const struct dnsa_sketch_piece *p)
{
	for (int i = 0; i < NSKETCH; i++) {
		if (sks[i].used && (sks[i].kind != p->kind || strcmp(sks[i].zone, p->zone_buf)))
			continue;
		if (!sks[i].used) {
			sks[i].used = 1;
			sks[i].kind = p->kind;
			snprintf(sks[i].zone, sizeof sks[i].zone, "%s", p->zone_buf);
		}
		sks[i].flags |= p->flags & SKF_SAMPLED;
		if (p->flags & SKF_SPARSE) {
			for (size_t j = 0; j + 2 < p->len; j += 3) {
				uint8_t v = p->regs[j + 2];
				hll_merge_chunk(&sks[i].h, (unsigned)p->regs[j] << 8 | p->regs[j + 1], &v, 1);
			}
		} else {
			hll_merge_chunk(&sks[i].h, p->first, p->regs, p->len);
		}
		return;
	}
}

int main(int argc, char **argv)
{
	const char *keyfile = NULL, *listen = "127.0.0.1:0", *portfile = NULL;
	long max_cnt = 0;
	double total = 0, idle = 0;
	int ch;
	while ((ch = getopt(argc, argv, "k:l:p:x:t:i:L")) != -1) {
		switch (ch) {
		case 'k': keyfile = optarg; break;
		case 'l': listen = optarg; break;
		case 'p': portfile = optarg; break;
		case 'x': max_cnt = atol(optarg); break;
		case 't': total = atof(optarg); break;
		case 'i': idle = atof(optarg); break;
		case 'L': print_latency = 1; break;
		default:
			fprintf(stderr, "usage: dnsa-recv -k KEYFILE [-l ADDR:PORT] [-p PORTFILE] [-x N] [-t SECS] [-i SECS] [-L]\n");
			return 2;
		}
	}
	char node[ENV_NAME_MAX + 1];
	uint8_t key[ENV_KEY_LEN];
	int rc;
	if (!keyfile || (rc = keys_load_node(keyfile, node, key)) != E_OK) {
		fprintf(stderr, "dnsa-recv: key file %s: %s\n", keyfile ? keyfile : "(none, use -k)",
		    keyfile ? dnsa_strerror(rc) : "missing");
		return 2;
	}
	int fd = bind_addr(listen);
	if (fd < 0) {
		fprintf(stderr, "dnsa-recv: cannot bind %s: %s\n", listen, strerror(errno));
		return 2;
	}
	if (portfile) {
		char tmp[512];
		snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", port_of(fd)) < 0 || fclose(f) != 0 || rename(tmp, portfile) < 0) {
			fprintf(stderr, "dnsa-recv: %s: %s\n", portfile, strerror(errno));
			return 2;
		}
	}
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	static uint8_t dg[70000], pl[70000];
	double t0 = clock_mono_s(), last = t0;
	while (!stop) {
		struct pollfd p = { fd, POLLIN, 0 };
		int n = poll(&p, 1, 100);
		double t = clock_mono_s();
		if ((total > 0 && t - t0 >= total) || (idle > 0 && t - last >= idle))
			break;
		if (n <= 0)
			continue;
		ssize_t len = recv(fd, dg, sizeof dg, MSG_DONTWAIT);
		if (len <= 0)
			continue;
		last = t;
		n_dg++;
		struct env_header h;
		if (envelope_peek(dg, (size_t)len, &h) != E_OK || strcmp(h.node, node) != 0) {
			n_bad++;
			continue;
		}
		int pn = envelope_open(&h, key, dg, (size_t)len, pl, sizeof pl);
		if (pn < 0) {
			n_bad++;
			continue;
		}
		if (h.boot_id != last_boot) {
			n_boots++;
			last_boot = h.boot_id;
			last_seq = 0;
		}
		if (h.seq > last_seq + 1)
			n_gaps += h.seq - last_seq - 1;
		if (h.seq > last_seq)
			last_seq = h.seq;
		if (h.kind == ENV_KIND_RECORDS) {
			if (payload_foreach_record(pl, (size_t)pn, on_rec, NULL) < 0)
				n_bad++;
		} else {
			struct dnsa_counters c;
			memset(&c, 0, sizeof c);
			if (payload_counters(pl, (size_t)pn, &c) != E_OK) {
				n_bad++;
				continue;
			}
			/* distinct-client sketch pieces: merged here, not counted as a counters snapshot */
			static struct dnsa_sketch_piece pcs[64];
			int np = payload_sketches(pl, (size_t)pn, pcs, 64);
			if (np < 0) {
				n_bad++;
				continue;
			}
			if (np > 0) {
				for (int i = 0; i < np; i++)
					sketch_merge(&pcs[i]);
				continue;
			}
			n_cnt++;
			if (c.time_us >= last_c_time) {
				last_c = c;
				last_c_time = c.time_us;
			}
			if (max_cnt > 0 && n_cnt >= (uint64_t)max_cnt)
				break;
		}
	}

	printf("datagrams %" PRIu64 "\nrecords %" PRIu64 "\nweight %" PRIu64 "\ncounters_datagrams %" PRIu64
	       "\nbad %" PRIu64 "\nseq_gaps %" PRIu64 "\nboots %" PRIu64 "\n",
	    n_dg, n_rec, n_weight, n_cnt, n_bad, n_gaps, n_boots);
	for (size_t i = 0; i < NKEYS; i++)
		if (aggs[i].used)
			printf("R %s %u %u %u %u %u %s %" PRIu32 " %" PRIu64 " %" PRIu64 "\n", aggs[i].zone, aggs[i].qtype,
			    aggs[i].rcode, aggs[i].transport, aggs[i].ipver, aggs[i].msgtype,
			    aggs[i].country[0] ? aggs[i].country : "-", aggs[i].asn, aggs[i].count, aggs[i].weight);
	for (size_t i = 0; i < NKEYS; i++)
		if (qns[i].used)
			printf("Q %s %" PRIu64 " %" PRIu64 "\n", qns[i].name[0] ? qns[i].name : "-", qns[i].count, qns[i].weight);
	for (size_t i = 0; i < NSECS; i++)
		if (secs[i].count)
			printf("T %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", secs[i].sec, secs[i].count, secs[i].weight);
	for (int i = 0; i < NSKETCH; i++)
		if (sks[i].used) {
			double se, e = hll_estimate(&sks[i].h, &se);
			printf("H %s %s %.1f %.1f %s\n", sks[i].zone[0] ? sks[i].zone : "-",
			    sks[i].kind == SK_ADDR ? "addr" : "prefix", e, se, sks[i].flags & SKF_SAMPLED ? "sampled" : "all");
		}
	printf("F edns %" PRIu64 "\nF do %" PRIu64 "\nF ecs %" PRIu64 "\nF latency %" PRIu64 "\nF prefix %" PRIu64
	       "\nF addr %" PRIu64 "\nF qsize %" PRIu64 "\nF rsize %" PRIu64 "\nF country %" PRIu64 "\nF asn %" PRIu64 "\n",
	    f_edns, f_do, f_ecs, f_latency, f_prefix, f_addr, f_qsize, f_rsize, f_country, f_asn);
	for (unsigned i = 0; i < C_COUNTER_MAX; i++)
		if (counters_has(&last_c, i) && counter_name(i))
			printf("C %s %" PRIu64 "\n", counter_name(i), last_c.value[i]);
	return 0;
}
