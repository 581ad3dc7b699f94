/* tests/unit/test_envelope.c: sealing and opening datagrams; tampering, wrong key, wrong node, hostile headers. */
#include <stdlib.h>
#include <string.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/keys.h"
#include "tests/tap.h"

int main(void)
{
	uint8_t key[ENV_KEY_LEN], key2[ENV_KEY_LEN], dg[2048], pt[2048], payload[1000];
	struct env_header h, p;
	int n, m;

	keys_generate(key);
	keys_generate(key2);
	ok(memcmp(key, key2, ENV_KEY_LEN) != 0, "two generated keys differ");
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 31);

	memset(&h, 0, sizeof h);
	h.kind = ENV_KIND_RECORDS;
	h.boot_id = 1795000000000000ull;
	h.seq = 42;
	h.salt = 0x0123456789abcdefull;
	strcpy(h.node, "ns1.ams");

	is(envelope_overhead(7), 32 + 7 + 16, "overhead = header + name + tag");
	n = envelope_seal(&h, key, payload, 200, dg, sizeof dg);
	is(n, (int)envelope_overhead(7) + 200, "sealed datagram length");
	ok(memcmp(dg, "DNSA", 4) == 0 && dg[4] == ENV_VERSION && dg[5] == ENV_KIND_RECORDS && dg[6] == 7,
	    "header bytes: magic, version, kind, name length");
	ok(memmem(dg, (size_t)n, payload, 16) == NULL, "payload does not appear in clear");

	is(envelope_peek(dg, (size_t)n, &p), E_OK, "peek");
	ok(p.boot_id == h.boot_id && p.seq == 42 && p.salt == h.salt && !strcmp(p.node, "ns1.ams") &&
	    p.kind == ENV_KIND_RECORDS, "peeked header fields");
	m = envelope_open(&p, key, dg, (size_t)n, pt, sizeof pt);
	ok(m == 200 && memcmp(pt, payload, 200) == 0, "open returns the payload");

	/* flip every bit of every byte: never accepted */
	int all_rejected = 1, count = 0;
	for (int i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t *t = malloc((size_t)n);
			memcpy(t, dg, (size_t)n);
			t[i] ^= (uint8_t)(1 << bit);
			struct env_header q;
			int rc = envelope_peek(t, (size_t)n, &q);
			if (rc == E_OK)
				rc = envelope_open(&q, key, t, (size_t)n, pt, sizeof pt);
			if (rc >= 0)
				all_rejected = 0;
			count++;
			free(t);
		}
	}
	ok(all_rejected, "each of %d single-bit flips is rejected", count);

	/* truncated at every length */
	int all_trunc = 1;
	for (int cut = 0; cut < n; cut++) {
		uint8_t *t = malloc((size_t)cut + 1);
		memcpy(t, dg, (size_t)cut);
		struct env_header q;
		int rc = envelope_peek(t, (size_t)cut, &q);
		if (rc == E_OK)
			rc = envelope_open(&q, key, t, (size_t)cut, pt, sizeof pt);
		if (rc >= 0)
			all_trunc = 0;
		free(t);
	}
	ok(all_trunc, "every truncation is rejected");

	is(envelope_open(&p, key2, dg, (size_t)n, pt, sizeof pt), E_AUTH, "wrong key: E_AUTH");

	/* same key, another node's name in the header: the header is authenticated */
	{
		struct env_header h2 = h;
		strcpy(h2.node, "ns1.ams");
		uint8_t d2[2048];
		int n2 = envelope_seal(&h2, key, payload, 50, d2, sizeof d2);
		memcpy(d2 + 32, "ns2", 3); /* claim to be ns2.ams */
		struct env_header q;
		is(envelope_peek(d2, (size_t)n2, &q), E_OK, "renamed header still peeks");
		is_str(q.node, "ns2.ams", "peek shows the claimed node");
		is(envelope_open(&q, key, d2, (size_t)n2, pt, sizeof pt), E_AUTH, "renamed node: E_AUTH");
	}

	/* seq/boot changes the nonce: same payload, different ciphertext */
	{
		uint8_t d2[2048];
		struct env_header h2 = h;
		h2.seq = 43;
		int n2 = envelope_seal(&h2, key, payload, 200, d2, sizeof d2);
		ok(n2 == n && memcmp(d2 + 39, dg + 39, 200) != 0, "next seq encrypts differently");
	}

	/* hostile headers */
	static const struct { const char *what; uint8_t b[40]; size_t len; int want; } bad[] = {
		{ "empty", { 0 }, 0, E_TRUNCATED },
		{ "wrong magic", { 'X', 'N', 'S', 'A', 1, 1, 1, 0 }, 40, E_MAGIC },
		{ "magic only", { 'D', 'N', 'S', 'A' }, 4, E_TRUNCATED },
		{ "version 2", { 'D', 'N', 'S', 'A', 2, 1, 1, 0 }, 40, E_VERSION },
		{ "kind 9", { 'D', 'N', 'S', 'A', 1, 9, 1, 0 }, 40, E_MALFORMED },
		{ "name length 0", { 'D', 'N', 'S', 'A', 1, 1, 0, 0 }, 40, E_MALFORMED },
		{ "name length 64", { 'D', 'N', 'S', 'A', 1, 1, 64, 0 }, 40, E_MALFORMED },
		{ "reserved byte set", { 'D', 'N', 'S', 'A', 1, 1, 1, 7 }, 40, E_MALFORMED },
		{ "name beyond datagram", { 'D', 'N', 'S', 'A', 1, 1, 20, 0 }, 40, E_TRUNCATED },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is(envelope_peek(bad[i].b, bad[i].len, &p), bad[i].want, "hostile header: %s", bad[i].what);

	/*
	 * Node names outside [A-Za-z0-9._-]: a well-formed header (name length 5 at
	 * byte 6, name at byte 32, 16 bytes of tag after it) whose name bytes reach
	 * logs and SQL. Each is E_BAD_NAME, and peek leaves h->node empty.
	 */
	static const struct { const char *what; char name[6]; } badname[] = {
		{ "newline", "ab\ncd" }, { "ESC", "\x1b[2Jx" }, { "space", "ab cd" }, { "NUL", { 'a', 0, 'b', 'c', 'd' } },
		{ "byte 0xc3", "ab\xc3\xa9" "d" }, { "slash", "a/b/c" }, { "quote", "a'b;c" }, { "DEL", "abcd\x7f" },
	};
	for (size_t i = 0; i < sizeof badname / sizeof badname[0]; i++) {
		uint8_t b[32 + 5 + 16] = { 'D', 'N', 'S', 'A', 1, 1, 5, 0 };
		memcpy(b + 32, badname[i].name, 5);
		memset(&p, 0x55, sizeof p);
		is(envelope_peek(b, sizeof b, &p), E_BAD_NAME, "node name with %s: E_BAD_NAME", badname[i].what);
		ok(p.node[0] == 0, "  and no name copied out");
	}
	ok(envelope_name_valid("ns1.AMS-2_x", 11) && envelope_name_valid("a", 1), "valid names");
	ok(!envelope_name_valid("", 0) && !envelope_name_valid(NULL, 3), "empty or NULL name refused");
	{
		char n64[65];
		memset(n64, 'a', 64);
		n64[64] = 0;
		ok(envelope_name_valid(n64, 63) && !envelope_name_valid(n64, 64), "63 bytes allowed, 64 refused");
		struct env_header h4 = h;
		snprintf(h4.node, sizeof h4.node, "ns1\nforged");
		is(envelope_seal(&h4, key, payload, 10, dg, sizeof dg), E_INVAL, "seal refuses a name outside the charset");
	}

	/* contract edges */
	is(envelope_seal(&h, key, payload, 200, dg, 100), E_SPACE, "seal into a short buffer: E_SPACE");
	{
		struct env_header h3 = h;
		h3.node[0] = 0;
		is(envelope_seal(&h3, key, payload, 10, dg, sizeof dg), E_INVAL, "empty node name: E_INVAL");
		h3 = h;
		h3.kind = 7;
		is(envelope_seal(&h3, key, payload, 10, dg, sizeof dg), E_INVAL, "unknown kind: E_INVAL");
	}
	is(envelope_seal(NULL, key, payload, 10, dg, sizeof dg), E_INVAL, "seal(NULL header)");
	is(envelope_peek(NULL, 10, &p), E_INVAL, "peek(NULL)");
	is(envelope_open(NULL, key, dg, 10, pt, sizeof pt), E_INVAL, "open(NULL header)");
	n = envelope_seal(&h, key, payload, 200, dg, sizeof dg);
	envelope_peek(dg, (size_t)n, &p);
	is(envelope_open(&p, key, dg, (size_t)n, pt, 100), E_SPACE, "open into a short buffer: E_SPACE");
	n = envelope_seal(&h, key, NULL, 0, dg, sizeof dg);
	envelope_peek(dg, (size_t)n, &p);
	is(envelope_open(&p, key, dg, (size_t)n, pt, sizeof pt), 0, "empty payload round trip");
	return done_testing();
}
