/* common/payload.c: walking a datagram payload map: validation, records, counters, per-zone totals, sketches. */
#include "common/record_cbor.h"

/*
 * What one walk over a payload does with what it meets. Everything absent
 * (NULL/0) only validates: the walk then returns the records seen, or an
 * error, having touched nothing of the caller's.
 */
struct walk {
	record_fn fn;                     /* RECORDS: called per decoded record */
	void *arg;                        /* for fn */
	struct dnsa_record *out;          /* RECORDS: decode into out[0..max) in one pass */
	size_t max;
	struct dnsa_counters *cout;       /* COUNTERS: the counters map */
	struct dnsa_zone_total *zout;     /* COUNTERS: per-zone totals into zout[0..zmax) */
	size_t zmax;
	int zcount;                       /* out: per-zone totals met */
	struct dnsa_sketch_piece *sout;   /* COUNTERS: sketch pieces into sout[0..smax) */
	size_t smax;
	int scount;                       /* out: sketch pieces met */
};

static int walk_payload(const uint8_t *buf, size_t len, enum payload_kind kind, struct walk *w)
{
	int have_version = 0, have_body = 0, have_zones = 0, have_sketches = 0, count = 0;
	struct rd r = { buf, len, 0, 0 };
	struct dnsa_record rec;
	struct dnsa_counters cnt;

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
		} else if (k == P_SKETCHES && kind == PAYLOAD_COUNTERS && !have_sketches) {
			counters_rd_sketches(&r, w->sout, w->smax, &w->scount);
			have_sketches = 1;
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
	struct walk check = { 0 }, w = { .zout = out, .zmax = max };
	if (!buf || !out)
		return E_INVAL;
	int rc = walk_payload(buf, len, PAYLOAD_COUNTERS, &check);
	if (rc < 0)
		return rc;
	if ((size_t)check.zcount > max)
		return E_SPACE;
	rc = walk_payload(buf, len, PAYLOAD_COUNTERS, &w);
	return rc < 0 ? rc : w.zcount;
}

int payload_sketches(const uint8_t *buf, size_t len, struct dnsa_sketch_piece *out, size_t max)
{
	struct walk check = { 0 }, w = { .sout = out, .smax = max };
	if (!buf || !out)
		return E_INVAL;
	int rc = walk_payload(buf, len, PAYLOAD_COUNTERS, &check);
	if (rc < 0)
		return rc;
	if ((size_t)check.scount > max)
		return E_SPACE;
	rc = walk_payload(buf, len, PAYLOAD_COUNTERS, &w);
	return rc < 0 ? rc : w.scount;
}
