/* aggd/receiver.h: the UDP listening sockets and batched receives (recvmmsg). */
#ifndef DNSA_AGGD_RECEIVER_H
#define DNSA_AGGD_RECEIVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RECEIVER_MAX_SOCKS 16

struct receiver;

/*
 * receiver_new: room for batches of vlen datagrams of up to bufsize bytes
 * each (allocated once). E_OK with *out set, or E_INVAL (a zero argument) /
 * E_NOMEM with *out NULL.
 */
int receiver_new(unsigned vlen, size_t bufsize, struct receiver **out);

/* receiver_free: closes the sockets. Accepts NULL. */
void receiver_free(struct receiver *r);

/*
 * receiver_parse_addr: "192.0.2.1:5300", "[2001:db8::1]:5300", "*:5300"
 * (IPv4 any) or "[::]:5300". Port 1..65535. E_OK or E_INVAL.
 */
int receiver_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/*
 * receiver_listen: open a non-blocking UDP socket bound to addr (IPv6
 * sockets are IPv6-only, so "[::]:p" and "*:p" can both be listed), with a
 * receive buffer of rcvbuf bytes if > 0 (SO_RCVBUFFORCE when allowed, else
 * SO_RCVBUF capped by the kernel); *got is what the kernel granted. Returns
 * E_OK, E_INVAL (bad address), E_TOOBIG (too many sockets) or -errno.
 */
int receiver_listen(struct receiver *r, const char *addr, int rcvbuf, int *got);

size_t receiver_nsocks(const struct receiver *r);
int receiver_fd(const struct receiver *r, size_t i);

/*
 * receiver_recv: one recvmmsg on socket i, without waiting. Returns the
 * datagrams received (0 if none was waiting) or -errno. The datagrams stay
 * valid until the next call.
 */
int receiver_recv(struct receiver *r, size_t i);

/*
 * receiver_dgram: j-th datagram of the last batch; *len is its length on the
 * wire, which exceeds bufsize when it was truncated (only bufsize bytes are
 * there: the caller must refuse it).
 */
const uint8_t *receiver_dgram(const struct receiver *r, unsigned j, size_t *len);

/* receiver_peer: "addr:port" of the sender of the j-th datagram, for logs. */
void receiver_peer(const struct receiver *r, unsigned j, char *buf, size_t cap);

#endif
