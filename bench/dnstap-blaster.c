/* bench/dnstap-blaster.c: send a dnstap capture's frames to a Frame Streams reader as fast as possible (benchmarks). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fstrm.h>

#include "capd/capfile.h"
#include "capd/framestream.h"
#include "common/clock.h"
#include "common/errors.h"

static void usage(void)
{
	fprintf(stderr,
	    "usage: dnstap-blaster (-u SOCKET | -a ADDR -p PORT) -r FILE [-n COPIES | -t SECONDS]\n"
	    "                      [-R FRAMES_PER_S] [-w WRITE_BYTES] [-1]\n"
	    "  Reads every data frame of the capture FILE once, then connects as a Frame\n"
	    "  Streams writer (READY/ACCEPT/START; -1: unidirectional, START only), sends\n"
	    "  the frames COPIES times (default 1) or repeatedly for SECONDS, in writes of\n"
	    "  about WRITE_BYTES (default 1 MiB, whole frames), flat out or at FRAMES_PER_S,\n"
	    "  then STOP (and waits up to 5 s for FINISH). Prints frames, bytes, seconds, rate.\n");
	exit(2);
}

/* the capture, re-encoded as a Frame Streams byte run, plus where each write may end */
struct blob {
	uint8_t *b;
	size_t len, cap;
	size_t *cut;   /* offsets of frame ends where a write may stop */
	size_t ncut, capcut;
	size_t frames;
	size_t write_bytes;
	size_t since_cut;
};

/* a write may end here (after the last frame added) */
static void add_cut(struct blob *bl)
{
	if (bl->ncut == bl->capcut) {
		bl->capcut = bl->capcut ? bl->capcut * 2 : 64;
		bl->cut = realloc(bl->cut, bl->capcut * sizeof(*bl->cut));
		if (bl->cut == NULL) {
			fprintf(stderr, "dnstap-blaster: out of memory\n");
			exit(1);
		}
	}
	bl->cut[bl->ncut++] = bl->len;
	bl->since_cut = 0;
}

static void add_frame(void *arg, const uint8_t *f, size_t len)
{
	struct blob *bl = arg;
	if (bl->len + 4 + len > bl->cap) {
		bl->cap = (bl->cap + 4 + len) * 2;
		bl->b = realloc(bl->b, bl->cap);
		if (bl->b == NULL) {
			fprintf(stderr, "dnstap-blaster: out of memory\n");
			exit(1);
		}
	}
	uint8_t *p = bl->b + bl->len;
	p[0] = (uint8_t)(len >> 24);
	p[1] = (uint8_t)(len >> 16);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	memcpy(p + 4, f, len);
	bl->len += 4 + len;
	bl->frames++;
	bl->since_cut += 4 + len;
	if (bl->since_cut >= bl->write_bytes)
		add_cut(bl);
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* encode and send one control frame */
static int send_control(int fd, fstrm_control_type type, int with_ct)
{
	uint8_t buf[FSTRM_CONTROL_FRAME_LENGTH_MAX + 8];
	size_t len = sizeof(buf);
	struct fstrm_control *c = fstrm_control_init();
	int ok = fstrm_control_set_type(c, type) == fstrm_res_success &&
		 (!with_ct || fstrm_control_add_field_content_type(c, (const uint8_t *)FRAMESTREAM_CONTENT_TYPE_DNSTAP,
								  strlen(FRAMESTREAM_CONTENT_TYPE_DNSTAP)) == fstrm_res_success) &&
		 fstrm_control_encode(c, buf, &len, FSTRM_CONTROL_FLAG_WITH_HEADER) == fstrm_res_success;
	fstrm_control_destroy(&c);
	return ok ? write_all(fd, buf, len) : -1;
}

/* read one control frame within timeout_ms and return its type, or -1 */
static int recv_control(int fd, int timeout_ms)
{
	uint8_t buf[FSTRM_CONTROL_FRAME_LENGTH_MAX + 8];
	size_t got = 0, want = 8;
	double end = clock_mono_s() + timeout_ms / 1000.0;
	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((end - clock_mono_s()) * 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		ssize_t n = read(fd, buf + got, want - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		if (got == 8) {
			uint32_t esc = (uint32_t)buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3];
			uint32_t len = (uint32_t)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7];
			if (esc != 0 || len > FSTRM_CONTROL_FRAME_LENGTH_MAX)
				return -1;
			want = 8 + len;
		}
	}
	struct fstrm_control *c = fstrm_control_init();
	fstrm_control_type type;
	int rc = fstrm_control_decode(c, buf + 8, want - 8, 0) == fstrm_res_success &&
			 fstrm_control_get_type(c, &type) == fstrm_res_success ? (int)type : -1;
	fstrm_control_destroy(&c);
	return rc;
}

static int connect_to(const char *sock, const char *addr, const char *port)
{
	if (sock != NULL) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (strlen(sock) >= sizeof(sa.sun_path))
			return -1;
		memcpy(sa.sun_path, sock, strlen(sock));
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	if (getaddrinfo(addr, port, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *addr = NULL, *port = NULL, *file = NULL;
	long copies = 1;
	double seconds = 0, rate = 0;
	int unidir = 0, c;
	struct blob bl = { .write_bytes = 1 << 20 };

	while ((c = getopt(argc, argv, "u:a:p:r:n:t:R:w:1h")) != -1) {
		switch (c) {
		case 'u': sock = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': port = optarg; break;
		case 'r': file = optarg; break;
		case 'n': copies = atol(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'R': rate = atof(optarg); break;
		case 'w': bl.write_bytes = (size_t)atol(optarg); break;
		case '1': unidir = 1; break;
		default: usage();
		}
	}
	if (file == NULL || (sock == NULL) == (addr == NULL || port == NULL) || copies < 1 || bl.write_bytes < 1)
		usage();

	int rc = capfile_dnstap_read(file, add_frame, &bl, NULL);
	if (rc != E_OK || bl.frames == 0) {
		fprintf(stderr, "dnstap-blaster: %s: %s\n", file, rc ? dnsa_strerror(rc) : "no frames");
		return 1;
	}
	if (bl.ncut == 0 || bl.cut[bl.ncut - 1] != bl.len)
		add_cut(&bl); /* the tail is the last write */
	/* frames per byte, to pace by frames with byte-sized writes */
	double frames_per_byte = (double)bl.frames / (double)bl.len;

	int fd = connect_to(sock, addr, port);
	if (fd < 0) {
		fprintf(stderr, "dnstap-blaster: connect: %s\n", strerror(errno));
		return 1;
	}
	if (!unidir) {
		if (send_control(fd, FSTRM_CONTROL_READY, 1) < 0 || recv_control(fd, 5000) != FSTRM_CONTROL_ACCEPT) {
			fprintf(stderr, "dnstap-blaster: no ACCEPT from the reader\n");
			return 1;
		}
	}
	if (send_control(fd, FSTRM_CONTROL_START, 1) < 0) {
		fprintf(stderr, "dnstap-blaster: START: %s\n", strerror(errno));
		return 1;
	}

	double t0 = clock_mono_s();
	uint64_t frames = 0, bytes = 0;
	for (long copy = 0; seconds > 0 || copy < copies; copy++) {
		size_t from = 0;
		for (size_t k = 0; k < bl.ncut; k++) {
			size_t n = bl.cut[k] - from;
			if (write_all(fd, bl.b + from, n) < 0) {
				fprintf(stderr, "dnstap-blaster: write: %s\n", strerror(errno));
				return 1;
			}
			bytes += n;
			from = bl.cut[k];
			if (rate > 0) {
				double due = t0 + (double)bytes * frames_per_byte / rate;
				double wait = due - clock_mono_s();
				if (wait > 0) {
					struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
					nanosleep(&ts, NULL);
				}
			}
		}
		frames += bl.frames;
		if (seconds > 0 && clock_mono_s() - t0 >= seconds)
			break;
	}
	double sent = clock_mono_s() - t0;
	int finish = -1;
	if (send_control(fd, FSTRM_CONTROL_STOP, 0) == 0 && !unidir)
		finish = recv_control(fd, 5000);
	double total = clock_mono_s() - t0;
	close(fd);
	printf("frames %llu bytes %llu send_s %.3f total_s %.3f rate %.0f frames/s%s\n",
	       (unsigned long long)frames, (unsigned long long)bytes, sent, total, (double)frames / sent,
	       unidir ? "" : finish == FSTRM_CONTROL_FINISH ? " finish ok" : " no FINISH");
	free(bl.b);
	free(bl.cut);
	return unidir || finish == FSTRM_CONTROL_FINISH ? 0 : 1;
}
