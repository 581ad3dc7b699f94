/* capd/geo.c: client address to country and AS number (MaxMind-format databases), and prefix truncation. */
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capd/geo.h"
#include "common/errors.h"

/*
 * A nameserver hears most of its queries from a few thousand resolvers at any
 * moment, so a small direct-mapped cache of recent answers saves most of the
 * database walks (a libmaxminddb lookup costs a few hundred ns). It lives
 * with the databases: a reload makes a new struct geo, so a new cache.
 */
#define GEO_CACHE 4096 /* entries, a power of two */
struct geo_slot {
	uint8_t addr[16];  /* the address, zero-padded */
	uint8_t len;       /* 4 or 16; 0 = empty slot */
	uint8_t found;     /* GEO_* bits */
	char country[3];
	uint32_t asn;
};

struct geo {
	MMDB_s country;  /* valid if has_country */
	MMDB_s asn;      /* valid if has_asn */
	int has_country;
	int has_asn;
	uint64_t hits, misses;                 /* cache statistics */
	struct geo_slot cache[GEO_CACHE];
};

static int open_one(const char *path, MMDB_s *db)
{
	int st = MMDB_open(path, MMDB_MODE_MMAP, db);
	switch (st) {
	case MMDB_SUCCESS: return E_OK;
	case MMDB_FILE_OPEN_ERROR: return errno ? -errno : -ENOENT;
	case MMDB_IO_ERROR: return -EIO;
	case MMDB_OUT_OF_MEMORY_ERROR: return E_NOMEM;
	default: return E_MALFORMED;
	}
}

int geo_open(const char *country_db, const char *asn_db, struct geo **out, const char **which)
{
	if (!out)
		return E_INVAL;
	*out = NULL;
	struct geo *g = calloc(1, sizeof *g);
	if (!g)
		return E_NOMEM;
	int rc;
	if (country_db && country_db[0]) {
		errno = 0;
		if ((rc = open_one(country_db, &g->country)) != E_OK) {
			if (which)
				*which = country_db;
			free(g);
			return rc;
		}
		g->has_country = 1;
	}
	if (asn_db && asn_db[0]) {
		errno = 0;
		if ((rc = open_one(asn_db, &g->asn)) != E_OK) {
			if (which)
				*which = asn_db;
			geo_free(g);
			return rc;
		}
		g->has_asn = 1;
	}
	*out = g;
	return E_OK;
}

void geo_free(struct geo *g)
{
	if (!g)
		return;
	if (g->has_country)
		MMDB_close(&g->country);
	if (g->has_asn)
		MMDB_close(&g->asn);
	free(g);
}

static int lookup(const MMDB_s *db, const struct sockaddr *sa, MMDB_lookup_result_s *res)
{
	int mmerr = 0;
	*res = MMDB_lookup_sockaddr(db, sa, &mmerr);
	return mmerr == MMDB_SUCCESS && res->found_entry;
}

static unsigned lookup_db(const struct geo *g, const uint8_t *addr, size_t addr_len, char country[3], uint32_t *asn);

static inline uint32_t slot_of(const uint8_t *addr, size_t len)
{
	uint64_t a = 0, b = 0;
	memcpy(&a, addr, 8 < len ? 8 : len);
	if (len > 8)
		memcpy(&b, addr + 8, len - 8);
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 40) & (GEO_CACHE - 1);
}

unsigned geo_lookup(struct geo *g, const uint8_t *addr, size_t addr_len, char country[3], uint32_t *asn)
{
	country[0] = '\0';
	*asn = 0;
	if (!g || !addr || (addr_len != 4 && addr_len != 16) || (!g->has_country && !g->has_asn))
		return 0;
	struct geo_slot *sl = &g->cache[slot_of(addr, addr_len)];
	if (sl->len == addr_len && memcmp(sl->addr, addr, addr_len) == 0) {
		g->hits++;
		memcpy(country, sl->country, 3);
		*asn = sl->asn;
		return sl->found;
	}
	g->misses++;
	unsigned found = lookup_db(g, addr, addr_len, country, asn);
	memset(sl->addr, 0, sizeof sl->addr);
	memcpy(sl->addr, addr, addr_len);
	sl->len = (uint8_t)addr_len;
	sl->found = (uint8_t)found;
	memcpy(sl->country, country, 3);
	sl->asn = *asn;
	return found;
}

unsigned geo_databases(const struct geo *g)
{
	return g ? (g->has_country ? GEO_COUNTRY : 0) | (g->has_asn ? GEO_ASN : 0) : 0;
}

void geo_cache_stats(const struct geo *g, uint64_t *hits, uint64_t *misses)
{
	*hits = g ? g->hits : 0;
	*misses = g ? g->misses : 0;
}

static unsigned lookup_db(const struct geo *g, const uint8_t *addr, size_t addr_len, char country[3], uint32_t *asn)
{
	unsigned found = 0;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	MMDB_lookup_result_s res;
	MMDB_entry_data_s d;

	country[0] = '\0';
	*asn = 0;
	if (!g || !addr)
		return 0;
	if (addr_len == 4) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, addr, 4);
		sa = (const struct sockaddr *)&sin;
	} else if (addr_len == 16) {
		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, addr, 16);
		sa = (const struct sockaddr *)&sin6;
	} else {
		return 0;
	}
	if (g->has_country && lookup(&g->country, sa, &res) &&
	    MMDB_get_value(&res.entry, &d, "country", "iso_code", NULL) == MMDB_SUCCESS &&
	    d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size == 2) {
		country[0] = d.utf8_string[0];
		country[1] = d.utf8_string[1];
		country[2] = '\0';
		found |= GEO_COUNTRY;
	}
	if (g->has_asn && lookup(&g->asn, sa, &res) &&
	    MMDB_get_value(&res.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
	    d.has_data && d.type == MMDB_DATA_TYPE_UINT32) {
		*asn = d.uint32;
		found |= GEO_ASN;
	}
	return found;
}

void geo_prefix(const uint8_t *addr, size_t addr_len, unsigned bits, uint8_t out[16])
{
	memset(out, 0, 16);
	if (!addr || addr_len > 16)
		return;
	if (bits > addr_len * 8)
		bits = (unsigned)addr_len * 8;
	memcpy(out, addr, bits / 8);
	if (bits % 8)
		out[bits / 8] = addr[bits / 8] & (uint8_t)(0xff << (8 - bits % 8));
}
