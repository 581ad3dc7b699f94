/* capd/zones.h: the configured zone set: longest-suffix match of a qname on label boundaries, and qname truncation. */
#ifndef DNSA_CAPD_ZONES_H
#define DNSA_CAPD_ZONES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Names here are in the presentation form that dnsparse_message() produces
 * (capd/dnsparse.h: '.'-separated labels, "\c" and "\DDD" escapes, no
 * trailing dot except the root "."). Matching is case-insensitive for
 * ASCII letters. Configured names are canonicalised on entry ("Example.TEST."
 * and "example.test" are the same zone; "\065" is "a"), so any spelling
 * works in the configuration; qnames passed to zones_match must be in
 * dnsparse's form (letters in either case).
 *
 * Set-up (zones_new/add/load) allocates; zones_match and zones_truncate
 * never allocate and make no syscall: an open-addressing hash of the zone
 * names, probed once per candidate suffix, longest first, and only for
 * suffixes with no more labels than the deepest configured zone.
 */
struct zones;

/* zones_new: an empty set (no zone, no root catch-all). E_OK with *out set, or E_NOMEM with *out NULL. */
int zones_new(struct zones **out);
/* zones_free: accepts NULL. */
void zones_free(struct zones *z);

/*
 * zones_add: add one zone given in presentation form (trailing dot
 * optional). "." adds the root zone, which makes every qname match (the
 * catch-all: it is the shortest suffix, so any other zone wins over it).
 * Adding a zone twice is not an error. Returns E_OK, E_INVAL (NULL),
 * E_MALFORMED (empty label, label over 63 octets, bad escape),
 * E_TOOBIG (over 255 octets on the wire, or canonical text over
 * RECORD_NAME_MAX chars), E_NOMEM.
 */
int zones_add(struct zones *z, const char *name);

/*
 * zones_add_list: add every name in a list separated by spaces, tabs,
 * commas or newlines (the inline configuration form). Stops at the first
 * bad name and returns its code; names before it stay added.
 */
int zones_add_list(struct zones *z, const char *list);

/*
 * zones_load_file: add the names of a file, one per line (several per
 * line separated as in zones_add_list are accepted); blank lines and text
 * from '#' to the end of a line are ignored. Returns E_OK, -errno if the
 * file cannot be read, or a zones_add code with *bad_line (if not NULL)
 * set to the 1-based line number.
 */
int zones_load_file(struct zones *z, const char *path, unsigned *bad_line);

/* zones_count: zones configured, the root included if added. Cannot fail (0 for NULL). */
size_t zones_count(const struct zones *z);

/* The result of a match. Pointers borrow from the zones set (valid until the next add or free). */
struct zone_match {
	const char *zone;     /* canonical zone name, e.g. "example.test"; "." for the root */
	size_t zone_len;      /* strlen(zone) */
	unsigned zone_labels; /* labels in zone, 0 for the root */
	size_t suffix_off;    /* offset in qname where the zone's text starts (qlen for the root) */
};

/*
 * zones_match: find the longest configured zone equal to qname or a suffix
 * of it ending on a label boundary ("xexample.test" is not under
 * "example.test"). qname[0..qlen) need not be NUL-terminated; a trailing
 * unescaped dot is ignored. Returns E_OK (and fills *m), E_NOTFOUND (no
 * zone and no root catch-all; *m zeroed), or E_INVAL (NULL args, or qlen
 * 0). Names over 127 labels (impossible from dnsparse) match on their
 * last 127 labels.
 */
int zones_match(const struct zones *z, const char *qname, size_t qlen, struct zone_match *m);

/*
 * zones_truncate: write into out[0..cap) (NUL-terminated) the qname cut to
 * its matched zone plus `nlabels` labels: zone "example.test", nlabels 1,
 * "a.b.www.example.test" -> "www.example.test"; a qname at or above that
 * depth is kept whole; with the root match and nlabels 1, "a.example.test"
 * -> "test". If the result does not fit in cap, more leading labels are
 * dropped until it does. Letters are lower-cased. Returns the length
 * written, or E_INVAL (NULL args, or m not from a match of this qname),
 * E_SPACE (not even the zone fits).
 */
int zones_truncate(const char *qname, size_t qlen, const struct zone_match *m, unsigned nlabels,
    char *out, size_t cap);

/*
 * zones_match_labels, zones_truncate_labels: the same, for a qname whose
 * label starts are already known (dns_info.qname_starts: the parser found
 * them), so the text is not scanned for them again. qname[0..qlen) is
 * dnsparse's text: no trailing dot (the root is "." with n 0), already
 * lower-case (hashed, compared and copied as it is); starts[0..n) are
 * the offsets of its labels' first characters, increasing, each < qlen,
 * n <= 127. Same results as zones_match / zones_truncate on that qname; E_INVAL also for
 * n > 127 or a start it reads that is not inside the name (the others are
 * trusted, not checked: they come from the parser).
 */
int zones_match_labels(const struct zones *z, const char *qname, size_t qlen, const uint16_t *starts, unsigned n,
    struct zone_match *m);
int zones_truncate_labels(const char *qname, size_t qlen, const uint16_t *starts, unsigned n,
    const struct zone_match *m, unsigned nlabels, char *out, size_t cap);

#endif
