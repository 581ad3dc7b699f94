/* capd/zones.c: zone set as an open-addressing hash of canonical names; longest-suffix match without allocation. */
#include "capd/zones.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capd/dnsparse.h"
#include "common/errors.h"
#include "common/hash.h"
#include "common/record.h"

#define NAME_WIRE_MAX 255
#define LABEL_MAX 63
#define LABELS_MAX 127      /* a 255-octet name holds at most 127 labels */

/* One slot of the hash table; len == 0 marks an empty slot (no zone has an empty name). */
struct slot {
	uint32_t hash;
	uint32_t off;       /* name offset in the arena */
	uint16_t len;       /* name length */
	uint8_t labels;     /* labels in the name */
};

struct zones {
	struct slot *tab;   /* capacity a power of two, load <= 1/2 */
	size_t cap;
	size_t count;       /* zones in tab (root not included) */
	char *arena;        /* canonical names, each NUL-terminated */
	size_t arena_len, arena_cap;
	unsigned max_labels; /* deepest zone: suffixes with more labels are not probed */
	int has_root;       /* "." configured: the catch-all */
};

static inline uint8_t lc(uint8_t b)
{
	return (uint8_t)(b >= 'A' && b <= 'Z' ? b + 32 : b);
}

/* FNV-1a over lower-cased bytes: case-insensitive by construction. */
static uint32_t hash_lc(const char *s, size_t n)
{
	uint32_t h = HASH_FNV1A32_INIT;

	for (size_t i = 0; i < n; i++)
		h = hash_fnv1a32(h, lc((uint8_t)s[i]));
	return h;
}

/* b is already lower-case (the arena holds canonical names). */
static int eq_lc(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lc((uint8_t)a[i]) != (uint8_t)b[i])
			return 0;
	return 1;
}

int zones_new(struct zones **out)
{
	*out = NULL;
	struct zones *z = calloc(1, sizeof(*z));

	if (z == NULL)
		return E_NOMEM;
	z->cap = 64;
	z->tab = calloc(z->cap, sizeof(*z->tab));
	if (z->tab == NULL) {
		free(z);
		return E_NOMEM;
	}
	*out = z;
	return E_OK;
}

void zones_free(struct zones *z)
{
	if (z == NULL)
		return;
	free(z->tab);
	free(z->arena);
	free(z);
}

size_t zones_count(const struct zones *z)
{
	return z == NULL ? 0 : z->count + (z->has_root ? 1 : 0);
}

/* lower: s may hold upper case (compared folded); else s is already lower-case (compared as is) */
static inline const struct slot *lookup_at(const struct zones *z, const char *s, size_t n, uint32_t h, int lower)
{
	size_t mask = z->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct slot *e = &z->tab[i];

		if (e->len == 0)
			return NULL;
		if (e->hash == h && e->len == n &&
		    (lower ? eq_lc(s, z->arena + e->off, n) : !memcmp(s, z->arena + e->off, n)))
			return e;
	}
}

static const struct slot *lookup(const struct zones *z, const char *s, size_t n, uint32_t h)
{
	return lookup_at(z, s, n, h, 1);
}

/* FNV-1a of lower-case text as it is: hash_lc's value for it, without folding each byte */
static uint32_t hash_raw(const char *s, size_t n)
{
	uint32_t h = HASH_FNV1A32_INIT;

	for (size_t i = 0; i < n; i++)
		h = hash_fnv1a32(h, (uint8_t)s[i]);
	return h;
}

static int grow(struct zones *z)
{
	size_t ncap = z->cap * 2;
	struct slot *nt = calloc(ncap, sizeof(*nt));

	if (nt == NULL)
		return E_NOMEM;
	for (size_t i = 0; i < z->cap; i++) {
		const struct slot *e = &z->tab[i];
		size_t j;

		if (e->len == 0)
			continue;
		for (j = e->hash & (ncap - 1); nt[j].len != 0; j = (j + 1) & (ncap - 1))
			;
		nt[j] = *e;
	}
	free(z->tab);
	z->tab = nt;
	z->cap = ncap;
	return E_OK;
}

/*
 * Presentation text -> canonical text, through the wire form so that every
 * spelling of a name ("A.b.", "\097.b", "a.b") ends up as the same string
 * that dnsparse would print. Returns the canonical length or a code.
 */
static int canonicalise(const char *name, char *out, size_t cap, unsigned *labels_out)
{
	uint8_t lab[LABEL_MAX];
	size_t o = 0, wire = 0, n = 0;
	unsigned labels = 0;
	const char *p = name;

	if (strcmp(name, ".") == 0) {
		*labels_out = 0;
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	for (;;) {
		int end = *p == '\0';

		if (end || *p == '.') {
			if (n == 0) {
				/* only a single trailing dot may close an empty label */
				if (end && labels > 0 && p[-1] == '.')
					break;
				return E_MALFORMED;
			}
			wire += 1 + n;
			if (wire + 1 > NAME_WIRE_MAX)
				return E_TOOBIG;
			if (o + 1 + 4 * n + 1 > cap)
				return E_TOOBIG;
			if (labels > 0)
				out[o++] = '.';
			o += dnsparse_label_text(lab, n, out + o);
			labels++;
			n = 0;
			if (end)
				break;
			p++;
			continue;
		}
		if (n == LABEL_MAX)
			return E_MALFORMED;
		if (*p == '\\') {
			p++;
			if (p[0] >= '0' && p[0] <= '9') {
				int v;

				if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9'))
					return E_MALFORMED;
				v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
				if (v > 255)
					return E_MALFORMED;
				lab[n++] = (uint8_t)v;
				p += 3;
			} else if (*p == '\0') {
				return E_MALFORMED;
			} else {
				lab[n++] = (uint8_t)*p++;
			}
			continue;
		}
		lab[n++] = (uint8_t)*p++;
	}
	out[o] = '\0';
	*labels_out = labels;
	return (int)o;
}

int zones_add(struct zones *z, const char *name)
{
	char canon[DNSPARSE_NAME_MAX];
	unsigned labels;
	int n, rc;
	uint32_t h;
	size_t i;

	if (z == NULL || name == NULL)
		return E_INVAL;
	n = canonicalise(name, canon, sizeof(canon), &labels);
	if (n < 0)
		return n;
	if (n > RECORD_NAME_MAX)
		return E_TOOBIG;    /* would not fit dnsa_record.zone */
	if (labels == 0) {
		z->has_root = 1;
		return E_OK;
	}
	h = hash_lc(canon, (size_t)n);
	if (lookup(z, canon, (size_t)n, h) != NULL)
		return E_OK;
	if ((z->count + 1) * 2 > z->cap && (rc = grow(z)) != E_OK)
		return rc;
	if (z->arena_cap - z->arena_len < (size_t)n + 1) {
		size_t ncap = z->arena_cap ? z->arena_cap * 2 : 4096;
		char *na;

		while (ncap - z->arena_len < (size_t)n + 1)
			ncap *= 2;
		if (ncap > UINT32_MAX || (na = realloc(z->arena, ncap)) == NULL)
			return E_NOMEM;
		z->arena = na;
		z->arena_cap = ncap;
	}
	memcpy(z->arena + z->arena_len, canon, (size_t)n + 1);
	for (i = h & (z->cap - 1); z->tab[i].len != 0; i = (i + 1) & (z->cap - 1))
		;
	z->tab[i].hash = h;
	z->tab[i].off = (uint32_t)z->arena_len;
	z->tab[i].len = (uint16_t)n;
	z->tab[i].labels = (uint8_t)labels;
	z->arena_len += (size_t)n + 1;
	z->count++;
	if (labels > z->max_labels)
		z->max_labels = labels;
	return E_OK;
}

int zones_add_list(struct zones *z, const char *list)
{
	char tok[DNSPARSE_NAME_MAX];
	const char *p = list;

	if (z == NULL || list == NULL)
		return E_INVAL;
	for (;;) {
		size_t n = 0;
		int rc;

		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			return E_OK;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',' && *p != '\n' && *p != '\r') {
			if (n + 1 >= sizeof(tok))
				return E_TOOBIG;
			tok[n++] = *p++;
		}
		tok[n] = '\0';
		if ((rc = zones_add(z, tok)) != E_OK)
			return rc;
	}
}

int zones_load_file(struct zones *z, const char *path, unsigned *bad_line)
{
	FILE *f;
	char *line = NULL;
	size_t lcap = 0;
	unsigned lineno = 0;
	int rc = E_OK;

	if (z == NULL || path == NULL)
		return E_INVAL;
	if ((f = fopen(path, "r")) == NULL)
		return -errno;
	while (getline(&line, &lcap, f) != -1) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		if ((rc = zones_add_list(z, line)) != E_OK) {
			if (bad_line)
				*bad_line = lineno;
			break;
		}
	}
	if (rc == E_OK && ferror(f))
		rc = -EIO;
	free(line);
	fclose(f);
	return rc;
}

/*
 * Offsets of the label starts of qname[0..qlen), skipping escaped dots
 * ("\." and "\046" never end a label). Returns the label count (at most
 * LABELS_MAX: a longer name keeps its last LABELS_MAX labels).
 */
static unsigned label_starts(const char *q, size_t qlen, uint16_t *starts)
{
	unsigned n = 0;
	size_t i = 0;

	if (qlen == 1 && q[0] == '.')
		return 0;
	starts[n++] = 0;
	while (i < qlen) {
		if (q[i] == '\\') {
			i += (i + 1 < qlen && q[i + 1] >= '0' && q[i + 1] <= '9') ? 4 : 2;
			continue;
		}
		if (q[i] == '.' && i + 1 < qlen) {
			if (n == LABELS_MAX) {
				/* keep a window of the last LABELS_MAX starts */
				memmove(starts, starts + 1, (LABELS_MAX - 1) * sizeof(*starts));
				n--;
			}
			starts[n++] = (uint16_t)(i + 1);
		}
		i++;
	}
	return n;
}

/* qname length without a trailing unescaped dot (the root "." stays as is). */
static size_t strip_dot(const char *q, size_t qlen)
{
	size_t bs = 0;

	if (qlen <= 1 || q[qlen - 1] != '.')
		return qlen;
	/* a dot preceded by an odd run of backslashes is escaped: "a\." */
	while (bs < qlen - 1 && q[qlen - 2 - bs] == '\\')
		bs++;
	return bs % 2 ? qlen : qlen - 1;
}

static int match_at(const struct zones *z, const char *qname, size_t qlen, const uint16_t *starts, unsigned n,
    struct zone_match *m, int lower);

int zones_match(const struct zones *z, const char *qname, size_t qlen, struct zone_match *m)
{
	uint16_t starts[LABELS_MAX + 1];

	if (m != NULL)
		memset(m, 0, sizeof(*m));
	if (z == NULL || qname == NULL || m == NULL || qlen == 0 || qlen > UINT16_MAX)
		return E_INVAL;
	qlen = strip_dot(qname, qlen);
	return match_at(z, qname, qlen, starts, label_starts(qname, qlen, starts), m, 1);
}

int zones_match_labels(const struct zones *z, const char *qname, size_t qlen, const uint16_t *starts, unsigned n,
    struct zone_match *m)
{
	return match_at(z, qname, qlen, starts, n, m, 0);
}

/* zones_match's body; lower: fold case while hashing and comparing (text from anywhere), else dnsparse's text */
static int match_at(const struct zones *z, const char *qname, size_t qlen, const uint16_t *starts, unsigned n,
    struct zone_match *m, int lower)
{
	unsigned i;

	if (m != NULL)
		memset(m, 0, sizeof(*m));
	if (z == NULL || qname == NULL || m == NULL || qlen == 0 || qlen > UINT16_MAX || n > LABELS_MAX ||
	    (n > 0 && starts == NULL))
		return E_INVAL;
	/* longest suffix first; none with more labels than the deepest zone */
	for (i = n > z->max_labels ? n - z->max_labels : 0; i < n && z->count > 0; i++) {
		size_t off = starts[i], len;
		const struct slot *e;

		if (off >= qlen)
			return E_INVAL;
		len = qlen - off;
		e = lower ? lookup_at(z, qname + off, len, hash_lc(qname + off, len), 1) :
		    lookup_at(z, qname + off, len, hash_raw(qname + off, len), 0);
		if (e != NULL) {
			m->zone = z->arena + e->off;
			m->zone_len = e->len;
			m->zone_labels = e->labels;
			m->suffix_off = off;
			return E_OK;
		}
	}
	if (z->has_root) {
		m->zone = ".";
		m->zone_len = 1;
		m->zone_labels = 0;
		m->suffix_off = qlen;
		return E_OK;
	}
	return E_NOTFOUND;
}

static int truncate_at(const char *qname, size_t qlen, const uint16_t *starts, unsigned n,
    const struct zone_match *m, unsigned nlabels, char *out, size_t cap, int lower);

int zones_truncate(const char *qname, size_t qlen, const struct zone_match *m, unsigned nlabels,
    char *out, size_t cap)
{
	uint16_t starts[LABELS_MAX + 1];

	if (qname == NULL || m == NULL || out == NULL || qlen == 0 || qlen > UINT16_MAX)
		return E_INVAL;
	qlen = strip_dot(qname, qlen);
	return truncate_at(qname, qlen, starts, label_starts(qname, qlen, starts), m, nlabels, out, cap, 1);
}

int zones_truncate_labels(const char *qname, size_t qlen, const uint16_t *starts, unsigned n,
    const struct zone_match *m, unsigned nlabels, char *out, size_t cap)
{
	return truncate_at(qname, qlen, starts, n, m, nlabels, out, cap, 0);
}

/* zones_truncate's body; lower: lower-case while copying (text from anywhere), else copy (dnsparse's text) */
static int truncate_at(const char *qname, size_t qlen, const uint16_t *starts, unsigned n,
    const struct zone_match *m, unsigned nlabels, char *out, size_t cap, int lower)
{
	unsigned zl, k;
	size_t off, len;

	if (qname == NULL || m == NULL || out == NULL || qlen == 0 || qlen > UINT16_MAX || n > LABELS_MAX ||
	    (n > 0 && starts == NULL))
		return E_INVAL;
	zl = m->zone_labels;
	if (zl > n)
		return E_INVAL;
	/* index of the first label kept: zone labels + nlabels from the right */
	k = (nlabels >= n - zl) ? 0 : n - zl - nlabels;
	for (;; k++) {
		if (k >= n) {
			/* nothing left but the root */
			if (cap < 2 || zl > 0)
				return E_SPACE;
			out[0] = '.';
			out[1] = '\0';
			return 1;
		}
		off = starts[k];
		if (off >= qlen)
			return E_INVAL;
		len = qlen - off;
		if (len + 1 <= cap)
			break;
		if (k + 1 > n - zl)
			return E_SPACE;   /* the zone itself does not fit */
	}
	if (lower) {
		for (size_t i = 0; i < len; i++)
			out[i] = (char)lc((uint8_t)qname[off + i]);
	} else {
		memcpy(out, qname + off, len);
	}
	out[len] = '\0';
	return (int)len;
}
