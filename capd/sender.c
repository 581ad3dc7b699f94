/* capd/sender.c: batches records into sealed UDP datagrams and sends them to the aggregators, with failover. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capd/sender.h"
#include "common/addr.h"
#include "common/clock.h"
#include "common/errors.h"

/*
 * Sealed datagrams wait in a small queue and leave with one sendmmsg() per
 * SENDQ datagrams (or at the next tick), so the cost of the syscall is shared
 * by ~SENDQ * 20 records. The queue is the only buffering: when the kernel
 * says EAGAIN the queued datagrams are dropped and counted, never retried
 * later, so capd cannot stall or grow behind a slow network.
 */
#define SENDQ 32

/*
 * payload_size 0 (auto): 1232 bytes (the DNS flag day figure, safe on any
 * path), unless the kernel's route MTU to every aggregator is above 1500:
 * a local path (loopback, a jumbo-frame LAN) where nothing beyond the
 * first hop can be smaller. Then up to the route MTU minus the IP and UDP
 * headers (so the first hop never fragments), at most AUTO_MAX: aggd's
 * default max_datagram, so a default aggd keeps every datagram. Fewer,
 * larger datagrams carry the same records at a fraction of the
 * per-datagram cost (syscall share, the kernel's UDP path, the AEAD
 * setup): on loopback (MTU 65536) a 65507-byte datagram holds ~1,000
 * records where 4096 bytes held 59, and capd's system time per message
 * falls by half (BENCHMARKS.md, "Issue 18 item 6, third pass"). An aggd
 * older than this default (4096) needs capd's payload_size = 4096.
 */
#define AUTO_SAFE 1232
#define AUTO_LOCAL_MTU 1500
#define AUTO_MAX ENV_MAX_DATAGRAM

struct aggr {
	int fd;              /* connected non-blocking UDP socket */
	char name[128];      /* as configured, for logs */
};

struct sender {
	struct aggr ag[SENDER_MAX_AGGR];
	size_t n_ag;
	size_t cur;                 /* aggregator in use */
	uint64_t failed_at;         /* mono us of the last failover (0 = none pending failback) */
	struct env_header hdr;      /* node, boot id, salt; seq is the last one used */
	uint8_t key[ENV_KEY_LEN];
	size_t payload_size;        /* whole UDP payload budget */
	size_t max_payload;         /* plaintext budget */
	uint64_t flush_us, failback_us;
	struct batch *batch;
	uint64_t now;               /* last mono time from sender_tick */
	uint64_t opened;            /* mono time the current batch got its first record */
	uint8_t *plain;             /* max_payload bytes: the payload before sealing */
	uint8_t *q;                 /* SENDQ * payload_size: sealed datagrams */
	size_t qlen[SENDQ];         /* their lengths */
	unsigned qrec[SENDQ];       /* records in each (0 for counters) */
	unsigned nq;
	uint64_t sent, send_errors, rec_dropped, failovers, drop_batch;
};

static int open_aggr(const char *spec, int sndbuf, int *fdp)
{
	char host[128], port[8];
	uint16_t pn;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV }, *res = NULL;
	if (addr_split_hostport(spec, host, sizeof host, &pn) != E_OK)
		return E_INVAL;
	snprintf(port, sizeof port, "%u", pn); /* a host name is resolved here, once at start */
	if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
		return E_INVAL;
	int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = -errno;
		freeaddrinfo(res);
		return e;
	}
	if (sndbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		int e = -errno;
		close(fd);
		freeaddrinfo(res);
		return e;
	}
	freeaddrinfo(res);
	*fdp = fd;
	return E_OK;
}

/* the route MTU of a connected UDP socket (0 if unknown), *hdr its IP and UDP header bytes */
static size_t path_mtu(int fd, size_t *hdr)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int mtu = 0;
	socklen_t ml = sizeof mtu;
	*hdr = 28;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	if (ss.ss_family == AF_INET6) {
		*hdr = 48;
		if (getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &ml) < 0)
			return 0;
	} else if (getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &ml) < 0) {
		return 0;
	}
	return mtu > 0 ? (size_t)mtu : 0;
}

static size_t auto_payload(const struct sender *s)
{
	size_t p = AUTO_MAX, hdr;
	for (size_t i = 0; i < s->n_ag; i++) {
		size_t mtu = path_mtu(s->ag[i].fd, &hdr);
		if (mtu <= AUTO_LOCAL_MTU)   /* unknown (0), or a path that may leave the host's network */
			return AUTO_SAFE;
		if (mtu - hdr < p)
			p = mtu - hdr;
	}
	return p < AUTO_SAFE ? AUTO_SAFE : p;
}

int sender_new(const struct sender_conf *c, struct sender **out, char *why, size_t why_len)
{
	if (why && why_len)
		why[0] = '\0';
	if (!out)
		return E_INVAL;
	*out = NULL;
	if (!c || !c->aggregators || c->n_aggregators < 1 || c->n_aggregators > SENDER_MAX_AGGR || !c->node ||
	    !c->key || strlen(c->node) < 1 || strlen(c->node) > ENV_NAME_MAX)
		return E_INVAL;
	size_t over = envelope_overhead(strlen(c->node));
	if (c->payload_size && (c->payload_size < over + 128 || c->payload_size > ENV_MAX_DATAGRAM))
		return E_INVAL;
	struct sender *s = calloc(1, sizeof *s);
	if (!s)
		return E_NOMEM;
	for (size_t i = 0; i < SENDER_MAX_AGGR; i++)
		s->ag[i].fd = -1;
	for (size_t i = 0; i < c->n_aggregators; i++) {
		int rc = open_aggr(c->aggregators[i], c->sndbuf, &s->ag[i].fd);
		if (rc != E_OK) {
			if (why && why_len)
				snprintf(why, why_len, "aggregator %s", c->aggregators[i]);
			sender_free(s);
			return rc;
		}
		snprintf(s->ag[i].name, sizeof s->ag[i].name, "%s", c->aggregators[i]);
		s->n_ag++;
	}
	/* auto: known only once the sockets are connected (their routes) */
	s->payload_size = c->payload_size ? c->payload_size : auto_payload(s);
	if (s->payload_size < over + 128) { /* auto with a node name too long for 1232 bytes */
		sender_free(s);
		return E_INVAL;
	}
	/*
	 * One sendmmsg hands the kernel up to SENDQ datagrams, and EAGAIN drops
	 * what is left. The default send buffer (wmem_default, ~208 KiB) held 32
	 * datagrams of 4 KB, not 32 of 9 KB (a jumbo LAN), whose skbs stay
	 * charged to the socket until the NIC has sent them (on loopback they are
	 * released at once). Without a configured send_buffer, ask for room for
	 * a full queue; the kernel caps the request at net.core.wmem_max.
	 */
	if (c->sndbuf <= 0)
		for (size_t i = 0; i < s->n_ag; i++) {
			int cur = 0, want = (int)(SENDQ * s->payload_size);
			socklen_t cl = sizeof cur;
			/* the kernel reports (and sets) twice the size asked for, the rest for its bookkeeping */
			if (getsockopt(s->ag[i].fd, SOL_SOCKET, SO_SNDBUF, &cur, &cl) == 0 && cur < 2 * want)
				setsockopt(s->ag[i].fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
		}
	s->max_payload = s->payload_size - over;
	if (s->max_payload > RECORD_MAX_PAYLOAD)
		s->max_payload = RECORD_MAX_PAYLOAD;
	s->flush_us = c->flush_us ? c->flush_us : 1000000;
	s->failback_us = c->failback_us ? c->failback_us : 30000000;
	memcpy(s->key, c->key, ENV_KEY_LEN);
	s->hdr.version = ENV_VERSION;
	s->hdr.boot_id = c->boot_id ? c->boot_id : clock_real_us();
	s->hdr.salt = c->salt;
	while (s->hdr.salt == 0)
		if (getrandom(&s->hdr.salt, sizeof s->hdr.salt, 0) != sizeof s->hdr.salt)
			s->hdr.salt = clock_real_us() ^ 0x5deece66dull;
	s->hdr.name_len = (uint8_t)strlen(c->node);
	memcpy(s->hdr.node, c->node, s->hdr.name_len + 1u);
	batch_new(s->max_payload, &s->batch);
	s->plain = malloc(s->max_payload);
	if (s->plain) {
		/* a counters datagram with every counter at its largest must fit, or
		 * the totals could never be sent: refuse such a small budget now */
		struct dnsa_counters *full = calloc(1, sizeof *full);
		int fits = 0;
		if (full) {
			for (unsigned i = 0; i < C_COUNTER_MAX; i++)
				if (counter_name(i))
					counters_set(full, i, UINT64_MAX);
			full->time_us = UINT64_MAX;
			fits = counters_encode(full, s->plain, s->max_payload) > 0;
			free(full);
		}
		if (!fits) {
			sender_free(s);
			return E_INVAL;
		}
	}
	s->q = malloc(SENDQ * s->payload_size);
	if (!s->batch || !s->plain || !s->q) {
		sender_free(s);
		return E_NOMEM;
	}
	*out = s;
	return E_OK;
}

void sender_free(struct sender *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < SENDER_MAX_AGGR; i++)
		if (s->ag[i].fd >= 0)
			close(s->ag[i].fd);
	batch_free(s->batch);
	free(s->plain);
	free(s->q);
	explicit_bzero(s->key, sizeof s->key);
	free(s);
}

static void switch_to(struct sender *s, size_t idx)
{
	if (idx == s->cur)
		return;
	s->cur = idx;
	s->failovers++;
	s->failed_at = idx == 0 ? 0 : (s->now ? s->now : 1);
}

/* send the queued datagrams with sendmmsg; on a hard error fail over and retry the rest */
static void drain(struct sender *s)
{
	struct mmsghdr mm[SENDQ];
	struct iovec iov[SENDQ];
	unsigned done = 0, tries = 0;

	if (!s->nq)
		return;
	for (unsigned i = 0; i < s->nq; i++) {
		iov[i].iov_base = s->q + (size_t)i * s->payload_size;
		iov[i].iov_len = s->qlen[i];
		memset(&mm[i], 0, sizeof mm[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < s->nq) {
		int n = sendmmsg(s->ag[s->cur].fd, mm + done, s->nq - done, MSG_DONTWAIT);
		if (n > 0) {
			done += (unsigned)n;
			s->sent += (uint64_t)n;
			continue;
		}
		int e = n < 0 ? errno : EIO;
		if (e == EINTR)
			continue;
		s->send_errors++;
		if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || ++tries >= s->n_ag) {
			/* local congestion, or every aggregator failed: drop what is left, counted */
			for (unsigned i = done; i < s->nq; i++)
				s->rec_dropped += s->qrec[i];
			break;
		}
		switch_to(s, (s->cur + 1) % s->n_ag);
	}
	s->nq = 0;
}

static void enqueue(struct sender *s, int kind, const uint8_t *payload, size_t len, unsigned records)
{
	if (s->nq == SENDQ)
		drain(s);
	s->hdr.kind = (uint8_t)kind;
	s->hdr.seq++;
	int n = envelope_seal(&s->hdr, s->key, payload, len, s->q + (size_t)s->nq * s->payload_size, s->payload_size);
	if (n < 0) {
		s->drop_batch += records;
		return;
	}
	s->qlen[s->nq] = (size_t)n;
	s->qrec[s->nq] = records;
	s->nq++;
	if (s->nq == SENDQ)
		drain(s);
}

static void seal_batch(struct sender *s)
{
	unsigned cnt = batch_count(s->batch);
	if (!cnt)
		return;
	const uint8_t *pl;
	size_t len = batch_view(s->batch, clock_real_us(), &pl);
	enqueue(s, ENV_KIND_RECORDS, pl, len, cnt);
}

int sender_add(struct sender *s, const struct dnsa_record *r)
{
	int rc = batch_add(s->batch, r);
	if (rc == E_SPACE) {
		seal_batch(s);
		rc = batch_add(s->batch, r);
	}
	if (rc != E_OK) {
		s->drop_batch++;
		return E_TOOBIG;
	}
	if (batch_count(s->batch) == 1)
		s->opened = s->now;
	return E_OK;
}

void sender_tick(struct sender *s, uint64_t mono_us)
{
	s->now = mono_us;
	if (batch_count(s->batch) && mono_us - s->opened >= s->flush_us)
		seal_batch(s);
	if (s->cur != 0 && s->failed_at && mono_us - s->failed_at >= s->failback_us)
		switch_to(s, 0);
	drain(s);
}

void sender_flush(struct sender *s)
{
	seal_batch(s);
	drain(s);
}

void sender_stats(const struct sender *s, struct dnsa_counters *c)
{
	counters_set(c, C_DATAGRAMS_SENT, s->sent);
	counters_set(c, C_SEND_ERRORS, s->send_errors);
	counters_set(c, C_RECORDS_DROPPED_SEND, s->rec_dropped);
	counters_set(c, C_FAILOVERS, s->failovers);
	counters_set(c, C_DROP_BATCH, s->drop_batch);
}

int sender_send_counters(struct sender *s, struct dnsa_counters *c)
{
	/* records first, so a counters snapshot never overtakes the records it counts */
	seal_batch(s);
	drain(s);
	sender_stats(s, c);
	/* the snapshot counts the datagram that carries it, so datagrams_sent matches what
	 * the aggregator receives; if this send fails, send_errors says so and the next
	 * snapshot (from s->sent) no longer counts it */
	counters_set(c, C_DATAGRAMS_SENT, s->sent + 1);
	c->time_us = clock_real_us();
	int len = counters_encode(c, s->plain, s->max_payload);
	if (len < 0)
		return len;
	uint64_t errs = s->send_errors;
	enqueue(s, ENV_KIND_COUNTERS, s->plain, (size_t)len, 0);
	drain(s);
	return s->send_errors == errs ? E_OK : -EIO;
}

int sender_send_zones(struct sender *s, const struct dnsa_zone_total *z, size_t n)
{
	if (!s || (n && !z))
		return E_INVAL;
	uint64_t errs = s->send_errors;
	while (n) {
		size_t used = 0;
		int len = counters_encode_zones(clock_real_us(), z, n, &used, s->plain, s->max_payload);
		if (len < 0)
			return len;
		enqueue(s, ENV_KIND_COUNTERS, s->plain, (size_t)len, 0);
		z += used;
		n -= used;
	}
	drain(s);
	return s->send_errors == errs ? E_OK : -EIO;
}

int sender_send_sketches(struct sender *s, const struct dnsa_sketch_piece *p, size_t n)
{
	if (!s || (n && !p))
		return E_INVAL;
	uint64_t errs = s->send_errors;
	while (n) {
		size_t used = 0;
		int len = counters_encode_sketches(clock_real_us(), p, n, &used, s->plain, s->max_payload);
		if (len < 0)
			return len;
		enqueue(s, ENV_KIND_COUNTERS, s->plain, (size_t)len, 0);
		p += used;
		n -= used;
	}
	drain(s);
	return s->send_errors == errs ? E_OK : -EIO;
}

size_t sender_current(const struct sender *s) { return s->cur; }
uint64_t sender_boot_id(const struct sender *s) { return s->hdr.boot_id; }
size_t sender_max_payload(const struct sender *s) { return s->max_payload; }
size_t sender_payload_size(const struct sender *s) { return s->payload_size; }

int sender_sndbuf(const struct sender *s)
{
	int v = 0;
	socklen_t l = sizeof v;
	return s->n_ag && getsockopt(s->ag[0].fd, SOL_SOCKET, SO_SNDBUF, &v, &l) == 0 ? v : -1;
}
