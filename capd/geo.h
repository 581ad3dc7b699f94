/* capd/geo.h: client address to country and AS number (MaxMind-format databases), and prefix truncation. */
#ifndef DNSA_CAPD_GEO_H
#define DNSA_CAPD_GEO_H

#include <stddef.h>
#include <stdint.h>

struct geo;

/*
 * geo_open: open a country database (GeoLite2-Country layout:
 * country.iso_code) and/or an ASN database (GeoLite2-ASN layout:
 * autonomous_system_number); either path may be NULL or "" (not used).
 * The files are memory-mapped once; lookups do not allocate. Returns E_OK
 * with *out set (caller frees with geo_free), or E_INVAL / E_NOMEM /
 * E_MALFORMED (not a MaxMind DB) / -errno (cannot open), with *out NULL;
 * on failure `which` (if not NULL) is set to the path that failed.
 */
int geo_open(const char *country_db, const char *asn_db, struct geo **out, const char **which);
void geo_free(struct geo *g);

#define GEO_COUNTRY 1u /* country found */
#define GEO_ASN     2u /* AS number found */

/*
 * geo_lookup: look up a client address (addr_len 4 or 16 bytes). Fills
 * country (two letters, NUL-terminated; "" if unknown) and *asn (0 if
 * unknown). Returns the GEO_* bits of what was found (0 for a NULL geo or a
 * bad address length). No allocation, no syscall. Recent answers are cached
 * (4096 addresses, direct-mapped).
 */
unsigned geo_lookup(struct geo *g, const uint8_t *addr, size_t addr_len, char country[3], uint32_t *asn);
/* geo_databases: the GEO_* bits of the databases g has open (0 for NULL or none). Cannot fail. */
unsigned geo_databases(const struct geo *g);
/* geo_cache_stats: lookups answered from the cache of recent addresses, and database walks. Cannot fail. */
void geo_cache_stats(const struct geo *g, uint64_t *hits, uint64_t *misses);

/*
 * geo_prefix: copy the first `bits` bits of addr[0..addr_len) into out[16],
 * zeroing everything after them (so /24 of 192.0.2.77 is 192.0.2.0).
 * bits is clamped to addr_len * 8. Cannot fail.
 */
void geo_prefix(const uint8_t *addr, size_t addr_len, unsigned bits, uint8_t out[16]);

#endif
