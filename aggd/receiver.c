/* aggd/receiver.c: the UDP listening sockets and batched receives (recvmmsg). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggd/receiver.h"
#include "common/addr.h"
#include "common/errors.h"

struct receiver {
	int fd[RECEIVER_MAX_SOCKS];    /* bound UDP sockets */
	size_t nfd;
	unsigned vlen;                 /* datagrams per recvmmsg */
	size_t bufsize;                /* bytes per datagram buffer */
	uint8_t *buf;                  /* vlen * bufsize */
	struct mmsghdr *msg;           /* vlen */
	struct iovec *iov;             /* vlen */
	struct sockaddr_storage *peer; /* vlen */
};

int receiver_new(unsigned vlen, size_t bufsize, struct receiver **out)
{
	struct receiver *r;

	*out = NULL;
	if (vlen == 0 || bufsize == 0)
		return E_INVAL;
	if (!(r = calloc(1, sizeof *r)))
		return E_NOMEM;
	r->vlen = vlen;
	r->bufsize = bufsize;
	r->buf = malloc((size_t)vlen * bufsize);
	r->msg = calloc(vlen, sizeof *r->msg);
	r->iov = calloc(vlen, sizeof *r->iov);
	r->peer = calloc(vlen, sizeof *r->peer);
	if (!r->buf || !r->msg || !r->iov || !r->peer) {
		receiver_free(r);
		return E_NOMEM;
	}
	for (unsigned j = 0; j < vlen; j++) {
		r->iov[j].iov_base = r->buf + (size_t)j * bufsize;
		r->iov[j].iov_len = bufsize;
		r->msg[j].msg_hdr.msg_iov = &r->iov[j];
		r->msg[j].msg_hdr.msg_iovlen = 1;
		r->msg[j].msg_hdr.msg_name = &r->peer[j];
	}
	*out = r;
	return E_OK;
}

void receiver_free(struct receiver *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfd; i++)
		close(r->fd[i]);
	free(r->buf);
	free(r->msg);
	free(r->iov);
	free(r->peer);
	free(r);
}

int receiver_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	return addr_parse_hostport(s, ADDR_WILDCARD | ADDR_NOPORT0, ss, len);
}

int receiver_listen(struct receiver *r, const char *addr, int rcvbuf, int *got)
{
	struct sockaddr_storage ss;
	socklen_t sl, ol;
	int fd, one = 1, rc;

	if (receiver_parse_addr(addr, &ss, &sl) != E_OK)
		return E_INVAL;
	if (r->nfd == RECEIVER_MAX_SOCKS)
		return E_TOOBIG;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		goto fail;
	/* as root, SO_RCVBUFFORCE goes past net.core.rmem_max; otherwise take what is allowed */
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	if (got) {
		ol = sizeof *got;
		if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, got, &ol) < 0)
			*got = 0;
		else
			*got /= 2; /* Linux reports twice the payload size it granted */
	}
	r->fd[r->nfd++] = fd;
	return E_OK;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

size_t receiver_nsocks(const struct receiver *r) { return r->nfd; }
int receiver_fd(const struct receiver *r, size_t i) { return i < r->nfd ? r->fd[i] : -1; }

int receiver_recv(struct receiver *r, size_t i)
{
	int n;

	if (i >= r->nfd)
		return E_INVAL;
	for (unsigned j = 0; j < r->vlen; j++) {
		r->msg[j].msg_hdr.msg_namelen = sizeof r->peer[j];
		r->msg[j].msg_hdr.msg_flags = 0;
	}
	/* MSG_TRUNC: msg_len is the length on the wire, so oversized datagrams show */
	n = recvmmsg(r->fd[i], r->msg, r->vlen, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
	return n;
}

const uint8_t *receiver_dgram(const struct receiver *r, unsigned j, size_t *len)
{
	*len = r->msg[j].msg_len;
	if ((r->msg[j].msg_hdr.msg_flags & MSG_TRUNC) && *len <= r->bufsize)
		*len = r->bufsize + 1;
	return r->iov[j].iov_base;
}

void receiver_peer(const struct receiver *r, unsigned j, char *buf, size_t cap)
{
	const struct sockaddr_storage *ss = &r->peer[j];
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		snprintf(buf, cap, "[%s]:%u", host, ntohs(a->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		snprintf(buf, cap, "%s:%u", host, ntohs(a->sin_port));
	} else {
		snprintf(buf, cap, "?");
	}
}
