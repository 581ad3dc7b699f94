/* common/addr.h: IP addresses and prefixes from configuration text, and matching peers against them. */
#ifndef DNSA_ADDR_H
#define DNSA_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

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
