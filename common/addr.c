/* common/addr.c: IP addresses and prefixes from configuration text, and matching peers against them. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/errors.h"

int addr_parse_prefix(const char *s, struct addr_prefix *out)
{
	char host[INET6_ADDRSTRLEN];
	struct addr_prefix p = { 0 };
	if (s == NULL || out == NULL)
		return E_INVAL;
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	if (hl == 0 || hl >= sizeof(host))
		return E_INVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	unsigned max;
	if (inet_pton(AF_INET, host, p.addr) == 1)
		p.family = 4, max = 32;
	else if (inet_pton(AF_INET6, host, p.addr) == 1)
		p.family = 6, max = 128;
	else
		return E_INVAL;
	unsigned len = max;
	if (slash) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return E_INVAL;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || v > max)
			return E_INVAL;
		len = (unsigned)v;
	}
	p.len = (uint8_t)len;
	for (unsigned bit = len; bit < max; bit++)
		p.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	*out = p;
	return E_OK;
}

int addr_prefix_match(const struct addr_prefix *p, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const uint8_t *a;
	unsigned fam;
	if (p == NULL || sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		fam = 4;
	} else if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		fam = 6;
		if (memcmp(a, mapped, sizeof(mapped)) == 0)
			a += 12, fam = 4;
	} else {
		return 0;
	}
	if (fam != p->family)
		return 0;
	unsigned full = p->len / 8, rest = p->len % 8;
	if (memcmp(a, p->addr, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ p->addr[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}
