/* capd/geo.c: client address to country and AS number (MaxMind-format databases), and prefix truncation. */
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capd/geo.h"
#include "common/errors.h"

struct geo {
	MMDB_s country;  /* valid if has_country */
	MMDB_s asn;      /* valid if has_asn */
	int has_country;
	int has_asn;
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

unsigned geo_lookup(const struct geo *g, const uint8_t *addr, size_t addr_len, char country[3], uint32_t *asn)
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
