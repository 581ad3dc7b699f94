/* common/payload.c: datagram payloads (the plaintext in an envelope): validate and walk a records or counters payload. */
#include "common/envelope.h"
#include "common/record_cbor.h"

_Static_assert((int)PAYLOAD_RECORDS == (int)ENV_KIND_RECORDS && (int)PAYLOAD_COUNTERS == (int)ENV_KIND_COUNTERS,
    "a payload kind is the kind of the envelope that carries it");

/*
 * What one walk of a payload does. Everything zero: validate only. For
 * PAYLOAD_RECORDS, fn is called per record, or the records are decoded into
 * out[0..max) (single pass). For PAYLOAD_COUNTERS, the counters go to cout
 * and the zone totals to zout[0..zmax), when set.
 */
struct walk {
	record_fn fn;                  /* RECORDS: called per record (validated) */
	void *arg;                     /* for fn */
	struct dnsa_record *out;       /* RECORDS: decode into out[0..max) instead */
	size_t max;
	struct dnsa_counters *cout;    /* COUNTERS: the node counters */
	struct dnsa_zone_total *zout;  /* COUNTERS: the zone totals */
	size_t zmax;
	int zcount;                    /* out: zone totals seen */
};

/* Walk a payload map as w says. Returns records seen (0 for counters) or an error. */
static int walk_payload(const uint8_t *buf, size_t len, enum payload_kind kind, struct walk *w)
{
	int have_zones = 0;
	struct rd r = { buf, len, 0, 0 };
	struct dnsa_record rec;
	struct dnsa_counters cnt;
	int have_version = 0, have_body = 0, count = 0;

	if (!buf)
		return E_INVAL;
	uint64_t n = rd_container(&r, 5);
	for (uint64_t i = 0; i < n && !r.err; i++) {
		uint64_t k = rd_uint(&r, UINT64_MAX);
		if (r.err)
			break;
		if (k == P_VERSION) {
			uint64_t v = rd_uint(&r, UINT64_MAX);
			if (!r.err && v != RECORD_SCHEMA_VERSION)
				return E_VERSION;
			have_version = 1;
		} else if (k == P_RECORDS && kind == PAYLOAD_RECORDS && !have_body) {
			uint64_t m = rd_container(&r, 4);
			if (m > MAX_RECORDS)
				r.err = E_TOOBIG;
			if (w->out && !r.err && m > w->max) {
				/* say why a bad payload is bad, even when it also claims too many records */
				struct walk check = { 0 };
				int rc = walk_payload(buf, len, PAYLOAD_RECORDS, &check);
				return rc < 0 ? rc : E_SPACE;
			}
			for (uint64_t j = 0; j < m && !r.err; j++) {
				if (w->out) {
					/* single pass: the caller uses out[] only if the whole payload is good */
					record_rd(&r, &w->out[j]);
					count++;
					continue;
				}
				record_rd(&r, &rec);
				if (!r.err && w->fn) {
					int rc = w->fn(&rec, w->arg);
					if (rc < 0)
						return rc;
				}
				count++;
			}
			have_body = 1;
		} else if (k == P_COUNTERS && kind == PAYLOAD_COUNTERS && !have_body) {
			counters_rd(&r, w->cout ? w->cout : &cnt);
			have_body = 1;
		} else if (k == P_ZONES && kind == PAYLOAD_COUNTERS && !have_zones) {
			counters_rd_zones(&r, w->zout, w->zmax, &w->zcount);
			have_zones = 1;
		} else {
			rd_skip(&r, 1);
		}
	}
	if (r.err)
		return r.err;
	if (r.off != len)
		return E_MALFORMED; /* trailing bytes */
	if (!have_version || !have_body)
		return E_MALFORMED;
	return count;
}

int payload_validate(const uint8_t *buf, size_t len, int kind)
{
	struct walk w = { 0 };
	if (kind != PAYLOAD_RECORDS && kind != PAYLOAD_COUNTERS)
		return E_INVAL;
	return walk_payload(buf, len, (enum payload_kind)kind, &w);
}

int payload_foreach_record(const uint8_t *buf, size_t len, record_fn fn, void *arg)
{
	struct walk check = { 0 }, w = { .fn = fn, .arg = arg };
	int rc = walk_payload(buf, len, PAYLOAD_RECORDS, &check);
	if (rc < 0 || !fn)
		return rc;
	return walk_payload(buf, len, PAYLOAD_RECORDS, &w);
}

int payload_decode_records(const uint8_t *buf, size_t len, struct dnsa_record *out, size_t max)
{
	struct walk w = { .out = out, .max = max };
	if (!out)
		return E_INVAL;
	return walk_payload(buf, len, PAYLOAD_RECORDS, &w);
}

int payload_counters(const uint8_t *buf, size_t len, struct dnsa_counters *c)
{
	struct walk w = { .cout = c };
	if (!c)
		return E_INVAL;
	int rc = walk_payload(buf, len, PAYLOAD_COUNTERS, &w);
	return rc < 0 ? rc : E_OK;
}

int payload_zone_totals(const uint8_t *buf, size_t len, struct dnsa_zone_total *out, size_t max)
{
	if (!buf || !out)
		return E_INVAL;
	struct walk check = { 0 }, w = { .zout = out, .zmax = max };
	int rc = walk_payload(buf, len, PAYLOAD_COUNTERS, &check);
	if (rc < 0)
		return rc;
	if ((size_t)check.zcount > max)
		return E_SPACE;
	rc = walk_payload(buf, len, PAYLOAD_COUNTERS, &w);
	return rc < 0 ? rc : w.zcount;
}
