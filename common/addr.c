/* common/addr.c: ADDR:PORT and IP prefixes from configuration text, and matching peers against prefixes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/errors.h"

int addr_split_hostport(const char *s, char *host, size_t hcap, uint16_t *port)
{
	const char *h, *colon;
	size_t hl;
	if (s == NULL || host == NULL || port == NULL)
		return E_INVAL;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || e[1] != ':')
			return E_INVAL;
		h = s + 1;
		hl = (size_t)(e - h);
		colon = e + 1;
	} else {
		colon = strchr(s, ':');
		if (!colon || strchr(colon + 1, ':'))
			return E_INVAL; /* an IPv6 address needs its brackets */
		h = s;
		hl = (size_t)(colon - s);
	}
	const char *p = colon + 1;
	size_t pl = strspn(p, "0123456789");
	if (hl == 0 || hl >= hcap || pl == 0 || pl > 5 || p[pl] != '\0')
		return E_INVAL;
	unsigned long v = strtoul(p, NULL, 10);
	if (v > 65535)
		return E_INVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)v;
	return E_OK;
}

int addr_parse_hostport(const char *s, unsigned flags, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	uint16_t port;
	if (ss == NULL || len == NULL || addr_split_hostport(s, host, sizeof(host), &port) != E_OK)
		return E_INVAL;
	if ((flags & ADDR_NOPORT0) && port == 0)
		return E_INVAL;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return E_INVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return E_OK;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
	if ((flags & ADDR_WILDCARD) && strcmp(host, "*") == 0)
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return E_INVAL;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	*len = sizeof(*a4);
	return E_OK;
}

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
