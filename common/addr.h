/* common/addr.h: ADDR:PORT and IP prefixes from configuration text, and matching peers against prefixes. */
#ifndef DNSA_ADDR_H
#define DNSA_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * addr_split_hostport: the one ADDR:PORT syntax of the product, for
 * configuration checks, sockets and tools: "HOST:PORT" (HOST without ':')
 * or "[V6HOST]:PORT"; HOST non-empty, PORT decimal digits only, 0..65535.
 * host gets HOST without brackets (NUL-terminated). Returns E_OK or
 * E_INVAL (also when HOST does not fit hcap). HOST is not interpreted:
 * see addr_parse_hostport for numeric addresses.
 */
int addr_split_hostport(const char *s, char *host, size_t hcap, uint16_t *port);

#define ADDR_WILDCARD 0x1u /* "*:PORT" means 0.0.0.0 */
#define ADDR_NOPORT0  0x2u /* port 0 is refused */

/*
 * addr_parse_hostport: addr_split_hostport, then HOST must be a numeric
 * IPv4 address, or between brackets a numeric IPv6 address (or "*" with
 * ADDR_WILDCARD). Fills *ss and *len. Returns E_OK or E_INVAL.
 */
int addr_parse_hostport(const char *s, unsigned flags, struct sockaddr_storage *ss, socklen_t *len);

/* an IPv4 or IPv6 prefix: the first len bits of addr */
struct addr_prefix {
	uint8_t family;   /* 4 or 6 */
	uint8_t len;      /* prefix length: 0..32 or 0..128 */
	uint8_t addr[16]; /* network byte order; bits after len are zero */
};

/*
 * addr_parse_prefix: "ADDR" (a host: /32 or /128) or "ADDR/LEN", numeric
 * IPv4 or IPv6 only (no names, no brackets). Host bits beyond LEN are
 * cleared. Returns E_OK or E_INVAL (out untouched).
 */
int addr_parse_prefix(const char *s, struct addr_prefix *out);

/*
 * addr_prefix_match: 1 if the address in sa (AF_INET or AF_INET6; an
 * IPv4-mapped IPv6 address counts as the IPv4 address) is inside p, else 0
 * (also for NULL or another family). Cannot fail.
 */
int addr_prefix_match(const struct addr_prefix *p, const struct sockaddr *sa);

#endif
