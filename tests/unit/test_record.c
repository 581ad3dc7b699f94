/* tests/unit/test_record.c: record/counters CBOR codec, payloads and batches, including hostile input. */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "common/errors.h"
#include "common/record.h"
#include "common/record_cbor.h"
#include "tests/tap.h"

static struct dnsa_record full_record(void)
{
	struct dnsa_record r;
	memset(&r, 0, sizeof r);
	r.has = RH_EDNS | RH_QSIZE | RH_RSIZE | RH_LATENCY | RH_COUNTRY | RH_ASN | RH_PREFIX |
	    RH_RTT | RH_QUESTION;
	r.time_us = 1795000000123456ull;
	strcpy(r.zone, "example.test");
	strcpy(r.qname, "www.example.test");
	r.qtype = 28;
	r.qclass = 1;
	r.opcode = 0;
	r.rcode = 3;
	r.flags = RF_QR | RF_AA | RF_RD;
	r.transport = TR_TCP;
	r.ipver = 6;
	r.msgtype = MT_AUTH_RESPONSE;
	r.edns_version = 0;
	r.edns_udp = 1232;
	r.edns_do = 1;
	r.edns_ecs = 1;
	r.qsize = 45;
	r.rsize = 512;
	r.latency_us = 123;
	r.rtt_us = 4567;
	strcpy(r.country, "NL");
	r.asn = 64496;
	r.addr_len = 16;
	r.prefix_len = 48;
	memcpy(r.addr, "\x20\x01\x0d\xb8\x00\x01\0\0\0\0\0\0\0\0\0\0", 16);
	r.weight = 100;
	return r;
}

static int same(const struct dnsa_record *a, const struct dnsa_record *b)
{
	return a->has == b->has && a->time_us == b->time_us && !strcmp(a->zone, b->zone) &&
	    !strcmp(a->qname, b->qname) && a->qtype == b->qtype && a->qclass == b->qclass &&
	    a->opcode == b->opcode && a->rcode == b->rcode && a->flags == b->flags &&
	    a->transport == b->transport && a->ipver == b->ipver && a->msgtype == b->msgtype &&
	    a->edns_version == b->edns_version && a->edns_udp == b->edns_udp &&
	    a->edns_do == b->edns_do && a->edns_ecs == b->edns_ecs && a->qsize == b->qsize &&
	    a->rsize == b->rsize && a->latency_us == b->latency_us && a->rtt_us == b->rtt_us &&
	    !strcmp(a->country, b->country) && a->asn == b->asn && a->addr_len == b->addr_len &&
	    a->prefix_len == b->prefix_len && !memcmp(a->addr, b->addr, 16) && a->weight == b->weight;
}

static int count_cb(const struct dnsa_record *r, void *arg)
{
	unsigned *sum = arg;
	*sum += r->weight;
	return 0;
}

static int stop_cb(const struct dnsa_record *r, void *arg)
{
	(void)r;
	(void)arg;
	return E_INVAL;
}

/*
 * The inline CBOR heads (w_head) against libcbor's encoders, byte for byte,
 * at every length boundary and for every major type the records use, with
 * room for the head, and one byte short of it (nothing written, sticky full).
 */
static void heads_vs_libcbor(void)
{
	static const uint64_t v[] = { 0, 1, 23, 24, 255, 256, 65535, 65536, 0xffffffffull, 0x100000000ull, UINT64_MAX };
	size_t same = 0, total = 0, shortok = 0;
	for (unsigned major = 0; major <= 5; major++) {
		if (major == 1)
			continue; /* negative integers: not written */
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			uint8_t a[16], b[16];
			size_t nb;
			switch (major) {
			case 0: nb = cbor_encode_uint(v[i], b, sizeof b); break;
			case 2: nb = cbor_encode_bytestring_start(v[i], b, sizeof b); break;
			case 3: nb = cbor_encode_string_start(v[i], b, sizeof b); break;
			case 4: nb = cbor_encode_array_start(v[i], b, sizeof b); break;
			default: nb = cbor_encode_map_start(v[i], b, sizeof b); break;
			}
			struct wr w = { a, sizeof a, 0, 0 };
			w_head(&w, (uint8_t)major, v[i]);
			same += !w.full && w.len == nb && memcmp(a, b, nb) == 0;
			struct wr s = { a, nb - 1, 0, 0 };
			w_head(&s, (uint8_t)major, v[i]);
			shortok += s.full && s.len == 0;
			total++;
		}
	}
	is(same, total, "w_head writes what libcbor writes (%zu heads)", total);
	is(shortok, total, "w_head one byte short: nothing written, full set");
}

int main(void)
{
	uint8_t buf[2048], out[2048];
	struct dnsa_record r = full_record(), d;
	int n, m;

	heads_vs_libcbor();
	/* round trip of every field */
	n = record_encode(&r, buf, sizeof buf);
	ok(n > 0, "full record encodes (%d bytes)", n);
	m = record_decode(buf, (size_t)n, &d);
	is(m, n, "decode consumes the whole record");
	ok(same(&r, &d), "every field survives the round trip");

	/* each optional field alone */
	static const uint32_t opt[] = { RH_EDNS, RH_QSIZE, RH_RSIZE, RH_LATENCY, RH_COUNTRY, RH_ASN, RH_RTT, RH_QUESTION };
	for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++) {
		struct dnsa_record x = full_record();
		x.has = opt[i];
		x.addr_len = 0;
		if (!(opt[i] & RH_QUESTION)) {
			x.qname[0] = 0;
			x.qtype = x.qclass = 0;
		}
		if (!(opt[i] & RH_EDNS))
			x.edns_version = x.edns_udp = x.edns_do = x.edns_ecs = 0;
		if (!(opt[i] & RH_QSIZE)) x.qsize = 0;
		if (!(opt[i] & RH_RSIZE)) x.rsize = 0;
		if (!(opt[i] & RH_LATENCY)) x.latency_us = 0;
		if (!(opt[i] & RH_COUNTRY)) x.country[0] = 0;
		if (!(opt[i] & RH_ASN)) x.asn = 0;
		if (!(opt[i] & RH_RTT)) x.rtt_us = 0;
		x.prefix_len = 0;
		memset(x.addr, 0, 16);
		n = record_encode(&x, buf, sizeof buf);
		ok(n > 0 && record_decode(buf, (size_t)n, &d) == n && same(&x, &d),
		    "round trip with only optional field 0x%x", opt[i]);
	}
	/* full IPv4 address (RH_ADDR) */
	{
		struct dnsa_record x = full_record();
		x.has = (x.has & ~RH_PREFIX) | RH_ADDR;
		x.addr_len = 4;
		x.prefix_len = 32;
		memset(x.addr, 0, 16);
		memcpy(x.addr, "\xc0\x00\x02\x07", 4);
		n = record_encode(&x, buf, sizeof buf);
		ok(n > 0 && record_decode(buf, (size_t)n, &d) == n && same(&x, &d) && (d.has & RH_ADDR),
		    "full IPv4 address round trip is flagged RH_ADDR");
	}

	/* answer kind (key 25): round trip; last in the map, so the final byte is its value */
	{
		struct dnsa_record x = full_record();
		x.akind = AK_REFERRAL;
		n = record_encode(&x, buf, sizeof buf);
		ok(n > 3 && buf[n - 3] == 0x18 && buf[n - 2] == 25 && buf[n - 1] == AK_REFERRAL,
		    "akind is encoded last as key 25 (0x18 0x19), value 2");
		ok(record_decode(buf, (size_t)n, &d) == n && d.akind == AK_REFERRAL && same(&x, &d),
		    "akind referral survives the round trip");
		buf[n - 1] = AK_MAX;
		is(record_decode(buf, (size_t)n, &d), E_TOOBIG, "akind 7 (past AK_OTHER) is refused: E_TOOBIG");
		x.akind = AK_NONE;
		int n0 = record_encode(&x, buf, sizeof buf);
		is(n0, n - 3, "akind none is not encoded (3 bytes fewer)");
		x.akind = 200;
		is(record_encode(&x, buf, sizeof buf), n0, "an out-of-range akind is not encoded either");
	}

	/*
	 * Zero opcode, rcode, EDNS version, DO and ECS are left out. The bytes
	 * main (a943a55) wrote for this record, every key present, and the
	 * shorter ones written now decode to the same fields, so aggd and the
	 * rollup read either; a record already staged stays readable.
	 */
	{
		static const uint8_t old[] =
		    "\xb4\x00\x1b\x00\x06\x60\x8b\x01\x61\x12\x40\x01\x6c\x65\x78\x61\x6d\x70\x6c\x65\x2e\x74\x65\x73"
		    "\x74\x02\x70\x77\x77\x77\x2e\x65\x78\x61\x6d\x70\x6c\x65\x2e\x74\x65\x73\x74\x03\x01\x04\x01\x05"
		    "\x00\x06\x00\x07\x19\x84\x00\x08\x01\x09\x04\x0a\x02\x0b\x01\x0c\x00\x0d\x19\x04\xd0\x0e\x00\x0f"
		    "\x00\x10\x18\x2d\x11\x18\x3d\x12\x0c\x18\x19\x01";
		struct dnsa_record x, o;
		memset(&x, 0, sizeof x);
		x.has = RH_EDNS | RH_QSIZE | RH_RSIZE | RH_LATENCY | RH_QUESTION;
		x.time_us = 1795000000123456ull;
		strcpy(x.zone, "example.test");
		strcpy(x.qname, "www.example.test");
		x.qtype = 1;
		x.qclass = 1;
		x.flags = RF_QR | RF_AA;
		x.transport = TR_UDP;
		x.ipver = 4;
		x.msgtype = MT_AUTH_RESPONSE;
		x.edns_udp = 1232;
		x.qsize = 45;
		x.rsize = 61;
		x.latency_us = 12;
		x.weight = 1;
		x.akind = AK_ANSWER;
		is(record_decode(old, sizeof old - 1, &o), (int)sizeof old - 1, "main's encoding (84 bytes, every key) decodes");
		ok(same(&x, &o) && o.akind == AK_ANSWER, "  to the record it was made from");
		n = record_encode(&x, buf, sizeof buf);
		is(n, (int)sizeof old - 1 - 10, "the same record now: 74 bytes (5 zero keys of 2 bytes left out)");
		ok(record_decode(buf, (size_t)n, &d) == n && same(&d, &o) && d.akind == o.akind && d.has == o.has,
		    "  decodes to exactly what main's bytes decode to (EDNS still flagged by edns_udp alone)");
		/* each of the five alone non-zero: written, and read back */
		for (int f = 0; f < 5; f++) {
			struct dnsa_record y = x;
			switch (f) {
			case 0: y.opcode = 4; break;
			case 1: y.rcode = 3; break;
			case 2: y.edns_version = 1; break;
			case 3: y.edns_do = 1; break;
			default: y.edns_ecs = 1; break;
			}
			m = record_encode(&y, buf, sizeof buf);
			ok(m == n + 2 && record_decode(buf, (size_t)m, &d) == m && same(&d, &y),
			    "  zero-omitted field %d non-zero: 2 bytes more, round trip", f);
		}
		/* EDNS with every EDNS field 0 (udp 0 too) is still EDNS */
		struct dnsa_record z = x;
		z.edns_udp = 0;
		m = record_encode(&z, buf, sizeof buf);
		ok(m > 0 && record_decode(buf, (size_t)m, &d) == m && (d.has & RH_EDNS) && same(&d, &z),
		    "  EDNS with version, udp, DO, ECS all 0: still flagged EDNS");
		/* and no EDNS: no EDNS key at all */
		z = x;
		z.has &= ~RH_EDNS;
		z.edns_udp = 0;
		m = record_encode(&z, buf, sizeof buf);
		ok(m == n - 4 && record_decode(buf, (size_t)m, &d) == m && !(d.has & RH_EDNS) && same(&d, &z),
		    "  without EDNS: 4 bytes fewer (edns_udp 1232), not flagged");
	}

	/* the encoding is CBOR that libcbor's reference decoder accepts as a map */
	{
		struct cbor_load_result res;
		n = record_encode(&r, buf, sizeof buf);
		cbor_item_t *item = cbor_load(buf, (size_t)n, &res);
		ok(item && res.error.code == CBOR_ERR_NONE && cbor_isa_map(item) &&
		    cbor_map_size(item) == 22 && res.read == (size_t)n,
		    "libcbor reads the record as a 22-entry map (opcode 0 and EDNS version 0 left out)");
		if (item)
			cbor_decref(&item);
	}

	/* too small a buffer: E_SPACE at every size below the need */
	n = record_encode(&r, buf, sizeof buf);
	int all_space = 1;
	for (int cap = 0; cap < n; cap++)
		if (record_encode(&r, buf, (size_t)cap) != E_SPACE)
			all_space = 0;
	ok(all_space, "encoding into any buffer shorter than %d bytes gives E_SPACE", n);

	/*
	 * big enough: the same bytes whatever the room, on both sides of the
	 * bound above which the map is written without a test per head (and
	 * with the longest names a record can hold)
	 */
	{
		struct dnsa_record big = full_record();
		memset(big.zone, 'z', RECORD_NAME_MAX);
		big.zone[RECORD_NAME_MAX] = '\0';
		memset(big.qname, 'q', RECORD_NAME_MAX);
		big.qname[RECORD_NAME_MAX] = '\0';
		const struct dnsa_record *recs[2] = { &r, &big };
		int alike = 1;
		for (int k = 0; k < 2; k++) {
			uint8_t ref[2048], at[2048];
			int want = record_encode(recs[k], ref, sizeof ref);
			for (int cap = want; cap <= 1200 && want > 0; cap++) {
				memset(at, 0xa5, sizeof at);
				if (record_encode(recs[k], at, (size_t)cap) != want || memcmp(at, ref, (size_t)want) != 0 ||
				    (cap < (int)sizeof at && at[cap] != 0xa5))
					alike = 0;
			}
			for (int cap = 0; cap < want; cap++)
				if (record_encode(recs[k], at, (size_t)cap) != E_SPACE)
					alike = 0;
		}
		ok(alike, "every room from the need to 1200 bytes: the same bytes, nothing past the room (also 255-byte names)");
	}

	/* truncation at every byte is rejected, never read past */
	n = record_encode(&r, buf, sizeof buf);
	int all_rej = 1;
	for (int cut = 0; cut < n; cut++) {
		uint8_t *copy = malloc((size_t)cut + 1); /* exact-size heap copy so ASan sees overreads */
		memcpy(copy, buf, (size_t)cut);
		if (record_decode(copy, (size_t)cut, &d) >= 0)
			all_rej = 0;
		free(copy);
	}
	ok(all_rej, "every truncation of a record is rejected");

	/* hostile byte tables */
	static const struct {
		const char *what;
		uint8_t b[24];
		size_t len;
		int want;
	} bad[] = {
		/* A1 = map(1); 00 = key 0; 1B = uint64 follows, only 2 bytes */
		{ "uint64 cut short", { 0xa1, 0x00, 0x1b, 0x01, 0x02 }, 5, E_TRUNCATED },
		/* BF = indefinite-length map */
		{ "indefinite map", { 0xbf, 0x00, 0x00, 0xff }, 4, E_INDEFINITE },
		/* 1C = reserved additional info 28 */
		{ "reserved additional info", { 0xa1, 0x1c, 0x00, 0x00 }, 4, E_MALFORMED },
		/* 81 00 = array, not a map */
		{ "array instead of map", { 0x81, 0x00 }, 2, E_TYPE },
		/* map says 2^32 entries in 5 bytes */
		{ "map count larger than input", { 0xba, 0xff, 0xff, 0xff, 0xff }, 5, E_TRUNCATED },
		/* key 1 (zone) as an integer */
		{ "zone of wrong type", { 0xa1, 0x01, 0x05 }, 3, E_TYPE },
		/* key 1 (zone): text of length 0x7fffffff */
		{ "text length beyond input", { 0xa1, 0x01, 0x7a, 0x7f, 0xff, 0xff, 0xff, 0x61 }, 8, E_TRUNCATED },
		/* key 3 (qtype) = 70000: out of range */
		{ "qtype above 65535", { 0xa1, 0x03, 0x1a, 0x00, 0x01, 0x11, 0x70 }, 7, E_TOOBIG },
		/* unknown key 99 with 9 nested arrays: too deep */
		{ "nesting too deep", { 0xa1, 0x18, 0x63, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00 }, 13, E_DEPTH },
		/* text with an embedded NUL */
		{ "zone with NUL", { 0xa1, 0x01, 0x63, 'a', 0x00, 'b' }, 6, E_MALFORMED },
		/* map(0): required keys (time, zone, weight) missing */
		{ "empty map", { 0xa0 }, 1, E_MALFORMED },
		/* empty input */
		{ "no bytes", { 0 }, 0, E_TRUNCATED },
		/* address of 5 bytes */
		{ "address of bad length", { 0xa1, 0x16, 0x45, 1, 2, 3, 4, 5 }, 8, E_MALFORMED },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t *copy = malloc(bad[i].len + 1);
		memcpy(copy, bad[i].b, bad[i].len);
		is(record_decode(copy, bad[i].len, &d), bad[i].want, "hostile: %s", bad[i].what);
		free(copy);
	}

	/* unknown keys (ints, strings, nested maps, tags, floats) are skipped */
	{
		/* map(4): 0: 5, 1: "z", 11: 1, 99: {1: [1.5 (f16), tag 1(2)]} */
		static const uint8_t fwd[] = { 0xa4, 0x00, 0x05, 0x01, 0x61, 'z', 0x0b, 0x01,
			0x18, 0x63, 0xa1, 0x01, 0x82, 0xf9, 0x3e, 0x00, 0xc1, 0x02 };
		n = record_decode(fwd, sizeof fwd, &d);
		ok(n == (int)sizeof fwd && d.time_us == 5 && !strcmp(d.zone, "z") && d.weight == 1,
		    "unknown key with nested value is skipped (forward compatible)");
	}

	/* random garbage never crashes and is mostly rejected */
	{
		unsigned seed = 12345, accepted = 0;
		for (int i = 0; i < 20000; i++) {
			uint8_t g[64];
			size_t len = (size_t)(rand_r(&seed) % 64);
			for (size_t j = 0; j < len; j++)
				g[j] = (uint8_t)rand_r(&seed);
			if (record_decode(g, len, &d) >= 0)
				accepted++;
		}
		ok(accepted < 20000, "20000 random inputs decoded without a crash (%u accepted as records)", accepted);
	}

	/* counters */
	{
		struct dnsa_counters c, c2;
		memset(&c, 0, sizeof c);
		c.time_us = 1795000000000000ull;
		counters_set(&c, C_MSG_TOTAL, 123456789012ull);
		counters_set(&c, C_MSG_BY_TYPE + MT_AUTH_RESPONSE - 1, 42);
		counters_set(&c, C_SAMPLE_N, 100);
		counters_set(&c, C_TCP_GAPS, 0);
		n = counters_encode(&c, buf, sizeof buf);
		ok(n > 0, "counters payload encodes");
		is(payload_validate(buf, (size_t)n, 2), 0, "counters payload validates as kind 2");
		ok(payload_validate(buf, (size_t)n, 1) < 0, "counters payload is not a records payload");
		is(payload_counters(buf, (size_t)n, &c2), E_OK, "counters payload decodes");
		ok(c2.value[C_MSG_TOTAL] == 123456789012ull && c2.value[C_SAMPLE_N] == 100 &&
		    counters_has(&c2, C_TCP_GAPS) && !counters_has(&c2, C_PARSE_ERRORS) &&
		    c2.time_us == c.time_us, "counter values and presence survive");
		is_str(counter_name(C_MSG_TOTAL), "msg_total", "counter names");
		is_str(counter_name(C_MSG_BY_TYPE + MT_CLIENT_RESPONSE - 1), "msg_client_response", "per-type counter name");
		ok(counter_name(C_COUNTER_MAX) == NULL && counter_name(69) == NULL, "out of range counter has no name");
		is_str(counter_name(C_SRV_RESPONSES), "srv_responses", "server counter name");
		is_str(counter_name(127), "srv_read_errors", "the last counter id is named");
		memset(&c, 0, sizeof c);
		for (unsigned i = 0; i < C_COUNTER_MAX; i++)
			if (counter_name(i))
				counters_set(&c, i, UINT64_MAX);
		n = counters_encode(&c, buf, sizeof buf);
		is(payload_counters(buf, (size_t)n, &c2), E_OK, "every named counter, 0..127, round-trips");
		ok(c2.value[C_SRV_READ_ERRORS] == UINT64_MAX && counters_has(&c2, C_SRV_QUERIES), "ids above 95 survive");
	}

	/* per-zone server totals: payload key 4 */
	{
		/* {0:1, 1:5, 3:{0:5, 1:{}}, 4:[["a.test", {96: 7, 97: 300}]]} */
		static const uint8_t one[] = {
			0xa4, 0x00, 0x01, 0x01, 0x05, 0x03, 0xa2, 0x00, 0x05, 0x01, 0xa0,
			0x04, 0x81, 0x82, 0x66, 'a', '.', 't', 'e', 's', 't',
			0xa2, 0x18, 0x60, 0x07, 0x18, 0x61, 0x19, 0x01, 0x2c,
		};
		struct dnsa_zone_total z[3], zo[4];
		struct dnsa_counters c2;
		size_t used = 0;
		memset(z, 0, sizeof z);
		snprintf(z[0].zone, sizeof z[0].zone, "a.test");
		z[0].set = 3;
		z[0].value[0] = 7;
		z[0].value[1] = 300;
		n = counters_encode_zones(5, z, 1, &used, buf, sizeof buf);
		ok(n == (int)sizeof one && memcmp(buf, one, sizeof one) == 0 && used == 1, "zone totals: the bytes in the table");
		is(payload_validate(one, sizeof one, 2), 0, "a zone totals payload validates as counters");
		is(payload_counters(one, sizeof one, &c2), E_OK, "and its (empty) node counters decode");
		ok(!counters_has(&c2, C_MSG_TOTAL) && !counters_has(&c2, C_SRV_QUERIES), "with nothing set");
		is(payload_zone_totals(one, sizeof one, zo, 4), 1, "one zone decoded");
		ok(strcmp(zo[0].zone, "a.test") == 0 && zo[0].set == 3 && zo[0].value[0] == 7 && zo[0].value[1] == 300,
		    "zone name and values survive");
		is(payload_zone_totals(one, sizeof one, zo, 0), E_SPACE, "more zones than room: E_SPACE");
		is(payload_zone_totals(one, sizeof one - 1, zo, 4), E_TRUNCATED, "truncated: E_TRUNCATED");
		uint8_t zbad[sizeof one];
		memcpy(zbad, one, sizeof one);
		zbad[15] = 'A';
		is(payload_validate(zbad, sizeof zbad, 2), E_MALFORMED, "an upper-case zone name is refused by validation");
		memcpy(zbad, one, sizeof one);
		zbad[23] = 0x5f; /* id 95: not a per-zone id */
		is(payload_zone_totals(zbad, sizeof zbad, zo, 4), E_MALFORMED, "a per-zone id below 96 is refused");
		memcpy(zbad, one, sizeof one);
		zbad[23] = 0x6c; /* id 108 = C_SRV_ZONE_MAX */
		is(payload_validate(zbad, sizeof zbad, 2), E_MALFORMED, "a per-zone id past the per-zone range is refused");
		memcpy(zbad, one, sizeof one);
		zbad[14] = 0x60; /* empty zone name */
		ok(payload_validate(zbad, sizeof zbad, 2) < 0, "an empty zone name is refused");
		n = counters_encode(&c2, buf, sizeof buf);
		is(payload_zone_totals(buf, (size_t)n, zo, 4), 0, "a node counters payload has no zone totals");
		/* many zones: split over several payloads, each within the budget */
		static struct dnsa_zone_total many[40];
		memset(many, 0, sizeof many);
		for (int i = 0; i < 40; i++) {
			snprintf(many[i].zone, sizeof many[i].zone, "zone%02d.example", i);
			many[i].set = (1u << C_SRV_ZONE_IDS) - 1;
			for (int j = 0; j < C_SRV_ZONE_IDS; j++)
				many[i].value[j] = UINT64_MAX - (uint64_t)j;
		}
		size_t done = 0, parts = 0, got = 0, sane = 1;
		while (done < 40) {
			n = counters_encode_zones(9, many + done, 40 - done, &used, buf, 1100);
			if (n <= 0 || n > 1100) {
				sane = 0;
				break;
			}
			static struct dnsa_zone_total back[40];
			int k = payload_zone_totals(buf, (size_t)n, back, 40);
			if (k != (int)used || memcmp(back[0].value, many[done].value, sizeof back[0].value) ||
			    strcmp(back[k - 1].zone, many[done + used - 1].zone))
				sane = 0;
			got += (size_t)k;
			done += used;
			parts++;
		}
		ok(sane && got == 40 && parts > 1, "40 zones at their largest: %zu payloads under 1100 bytes, all back", parts);
		is(counters_encode_zones(9, many, 40, &used, buf, 60), E_SPACE, "a budget too small for one zone: E_SPACE");
		is(counters_encode_zones(9, NULL, 1, &used, buf, 60), E_INVAL, "NULL zones: E_INVAL");
		is(payload_zone_totals(NULL, 0, zo, 4), E_INVAL, "NULL payload: E_INVAL");
	}

	/* batches: never exceed the budget, count and weights survive */
	{
		static const size_t budgets[] = { 200, 512, 1232 - 48 - 16, 1400, 8900 };
		for (size_t bi = 0; bi < sizeof budgets / sizeof budgets[0]; bi++) {
			struct batch *b;
			batch_new(budgets[bi], &b);
			unsigned added = 0, decoded_sum = 0, datagrams = 0, max_len = 0, total = 0;
			uint8_t *pl = malloc(budgets[bi]);
			for (int i = 0; i < 1000; i++) {
				struct dnsa_record x = full_record();
				x.weight = 1;
				snprintf(x.qname, sizeof x.qname, "n%d.example.test", i * 7919);
				int rc = batch_add(b, &x);
				if (rc == E_SPACE) {
					int len = batch_finish(b, 1795000000000000ull, pl, budgets[bi]);
					if ((unsigned)len > max_len)
						max_len = (unsigned)len;
					int cnt = payload_foreach_record(pl, (size_t)len, count_cb, &decoded_sum);
					total += cnt > 0 ? (unsigned)cnt : 0;
					datagrams++;
					rc = batch_add(b, &x);
				}
				if (rc == E_OK)
					added++;
			}
			int len = batch_finish(b, 1795000000000000ull, pl, budgets[bi]);
			if ((unsigned)len > max_len)
				max_len = (unsigned)len;
			payload_foreach_record(pl, (size_t)len, count_cb, &decoded_sum);
			ok(added == 1000 && decoded_sum == 1000 && max_len <= budgets[bi],
			    "budget %zu: 1000 records in %u payloads, largest %u bytes, %u decoded",
			    budgets[bi], datagrams + 1, max_len, decoded_sum);
			free(pl);
			batch_free(b);
		}
		struct batch *b;
		batch_new(64, &b);
		ok(b && batch_add(b, &r) == E_TOOBIG, "a record larger than an empty batch is E_TOOBIG");
		batch_free(b);
		batch_free(NULL);
		struct batch *none = NULL;
		ok(batch_new(10, &none) == E_INVAL && none == NULL, "absurd budget refused");
	}

	/* payload-level hostile cases */
	{
		struct batch *b;
		batch_new(1200, &b);
		batch_add(b, &r);
		batch_add(b, &r);
		n = batch_finish(b, 1, buf, sizeof buf);
		is(payload_validate(buf, (size_t)n, 1), 2, "records payload validates with 2 records");
		unsigned sum = 0;
		is(payload_foreach_record(buf, (size_t)n, count_cb, &sum), 2, "foreach visits 2 records");
		is(sum, 200, "weights sum to 200");
		is(payload_foreach_record(buf, (size_t)n, stop_cb, NULL), E_INVAL, "callback error stops the walk");
		memcpy(out, buf, (size_t)n);
		out[n] = 0;
		is(payload_validate(out, (size_t)n + 1, 1), E_MALFORMED, "trailing byte rejected");
		/* second record corrupted: foreach must not call fn at all */
		out[n - 3] = 0xff;
		sum = 0;
		ok(payload_foreach_record(out, (size_t)n, count_cb, &sum) < 0 && sum == 0,
		    "a bad record anywhere: no callback at all (validated first)");
		/* version 2 */
		memcpy(out, buf, (size_t)n);
		out[2] = 0x02;
		is(payload_validate(out, (size_t)n, 1), E_VERSION, "unknown schema version rejected");
		is(payload_validate(buf, (size_t)n, 3), E_INVAL, "unknown kind rejected");
		is(payload_validate(NULL, 0, 1), E_INVAL, "NULL payload rejected");
		is(record_decode(NULL, 0, &d), E_INVAL, "record_decode(NULL)");
		is(counters_decode(buf, 0, NULL), E_INVAL, "counters_decode(NULL out)");

		/* single-pass decode into an array: same records, same verdicts as validate */
		static struct dnsa_record recs[4];
		memset(recs, 0x5a, sizeof recs);
		is(payload_decode_records(buf, (size_t)n, recs, 4), 2, "payload_decode_records: 2 records");
		ok(recs[0].weight == 100 && recs[1].weight == 100 && strcmp(recs[1].zone, r.zone) == 0 &&
		    strcmp(recs[1].qname, r.qname) == 0 && recs[1].qtype == r.qtype && recs[1].asn == r.asn &&
		    recs[1].time_us == r.time_us && recs[1].has == r.has,
		    "payload_decode_records: fields of both records as encoded");
		is(payload_decode_records(buf, (size_t)n, recs, 1), E_SPACE, "more records than max: E_SPACE");
		is(payload_decode_records(buf, (size_t)n, recs, 2), 2, "exactly max records fit");
		is(payload_decode_records(buf, (size_t)n, NULL, 4), E_INVAL, "payload_decode_records(NULL out)");
		is(payload_decode_records(NULL, 0, recs, 4), E_INVAL, "payload_decode_records(NULL buf)");
		memcpy(out, buf, (size_t)n);
		out[n] = 0;
		is(payload_decode_records(out, (size_t)n + 1, recs, 4), E_MALFORMED, "decode: trailing byte rejected");
		out[n - 3] = 0xff;
		is(payload_decode_records(out, (size_t)n, recs, 4), payload_validate(out, (size_t)n, 1),
		    "decode: a bad second record gives validate's code");
		ok(payload_validate(out, (size_t)n, 1) < 0, "(which is an error)");
		memcpy(out, buf, (size_t)n);
		out[2] = 0x02;
		is(payload_decode_records(out, (size_t)n, recs, 4), E_VERSION, "decode: unknown version rejected");
		int same = 1;
		for (int cut = 0; cut < n; cut++)
			if (payload_decode_records(buf, (size_t)cut, recs, 4) != payload_validate(buf, (size_t)cut, 1))
				same = 0;
		ok(same, "decode and validate agree on every truncation (0..%d bytes)", n - 1);

		/*
		 * The smallest record: map(3) {0: 0 (time), 1: "" (zone), 11: 0 (weight)},
		 * RECORD_MIN_SIZE bytes, twice, in a payload {0: 1, 2: [rec, rec]}.
		 */
		static const uint8_t tiny[] = {
			0xa2, 0x00, 0x01, 0x02, 0x82,
			0xa3, 0x00, 0x00, 0x01, 0x60, 0x0b, 0x00,
			0xa3, 0x00, 0x00, 0x01, 0x60, 0x0b, 0x00,
		};
		is(sizeof tiny - 5, 2 * RECORD_MIN_SIZE, "two minimal records take 2 x RECORD_MIN_SIZE bytes");
		is(payload_decode_records(tiny, sizeof tiny, recs, 4), 2, "minimal records decode");
		ok(recs[1].zone[0] == '\0' && recs[1].weight == 0 && recs[1].time_us == 0 &&
		    recs[1].has == 0, "minimal record: empty zone, weight 0, nothing else present");
		/* an array head claiming 20 records with 14 bytes left: truncated, not E_SPACE */
		uint8_t lie[sizeof tiny];
		memcpy(lie, tiny, sizeof tiny);
		lie[4] = 0x80 | 20;
		is(payload_decode_records(lie, sizeof lie, recs, 2), E_TRUNCATED,
		    "a count beyond max in a bad payload reports the decode error");
		batch_free(b);
	}

	/*
	 * batch_view (the sender's: no copy) makes the bytes batch_finish makes,
	 * at every record count across the array head's 1-, 2- and 3-byte forms
	 * (23/24, 255/256 records), for two batches fed the same records.
	 */
	{
		struct batch *b1, *b2;
		static uint8_t fin[RECORD_MAX_PAYLOAD];
		ok(batch_new(RECORD_MAX_PAYLOAD, &b1) == E_OK && batch_new(RECORD_MAX_PAYLOAD, &b2) == E_OK, "two batches");
		int agree = 1, counts = 0;
		for (unsigned cnt = 0; cnt <= 300; cnt = cnt < 30 ? cnt + 1 : cnt < 250 ? cnt + 25 : cnt + 1) {
			for (unsigned i = 0; i < cnt; i++) {
				struct dnsa_record x = full_record();
				x.weight = i + 1;
				if (batch_add(b1, &x) != E_OK || batch_add(b2, &x) != E_OK)
					agree = 0;
			}
			int nf = batch_finish(b1, 1795000000000000ull + cnt, fin, sizeof fin);
			const uint8_t *v = NULL;
			size_t nv = batch_view(b2, 1795000000000000ull + cnt, &v);
			if (nf <= 0 || (size_t)nf != nv || memcmp(fin, v, nv) != 0 || payload_validate(v, nv, 1) != (int)cnt ||
			    batch_count(b2) != 0) {
				diag("count %u: finish %d view %zu validate %d", cnt, nf, nv, payload_validate(v, nv, 1));
				agree = 0;
			}
			counts++;
		}
		ok(agree, "batch_view = batch_finish byte for byte at %d record counts (0..300), valid, and resets", counts);
		batch_free(b1);
		batch_free(b2);
	}
	return done_testing();
}
