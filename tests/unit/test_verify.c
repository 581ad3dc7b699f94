/* tests/unit/test_verify.c: aggd/verify: each check of a received datagram, its reject reason and where it is counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "aggd/nodestats.h"
#include "aggd/verify.h"
#include "common/envelope.h"
#include "common/errors.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "common/record.h"
#include "tests/tap.h"

#define MAXDG 1500

static uint8_t K1[ENV_KEY_LEN], K2[ENV_KEY_LEN], K3[ENV_KEY_LEN];
static char dir[] = "/tmp/test_verify.XXXXXX";

/* a keyring file holding n1 (K1) and n2 (K2), mode 0600; returns its path */
static const char *write_keyring(const char *name, int with_n2)
{
	static char path[256];
	char line[160];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	keys_format_line("n1", K1, line, sizeof line);
	fputs(line, f);
	if (with_n2) {
		keys_format_line("n2", K2, line, sizeof line);
		fputs(line, f);
	}
	fclose(f);
	chmod(path, 0600);
	return path;
}

/* a RECORDS payload of n records (zone example.test, weight 1..n) */
static int records_payload(unsigned n, uint8_t *out, size_t cap)
{
	struct batch *b;
	batch_new(1200, &b);
	struct dnsa_record r;
	int len;
	if (!b)
		return E_NOMEM;
	for (unsigned i = 0; i < n; i++) {
		memset(&r, 0, sizeof r);
		r.time_us = 1795000000000000ull + i;
		strcpy(r.zone, "example.test");
		r.msgtype = MT_AUTH_RESPONSE;
		r.transport = TR_UDP;
		r.ipver = 4;
		r.weight = i + 1;
		if (batch_add(b, &r) != E_OK) {
			batch_free(b);
			return E_SPACE;
		}
	}
	len = batch_finish(b, 1795000000500000ull, out, cap);
	batch_free(b);
	return len;
}

/* seal payload as node/boot/seq with key; returns the datagram length */
static int seal(const char *node, const uint8_t *key, int kind, uint64_t boot, uint64_t seq,
    const uint8_t *payload, size_t len, uint8_t *dg)
{
	struct env_header h;
	memset(&h, 0, sizeof h);
	h.version = ENV_VERSION;
	h.kind = (uint8_t)kind;
	h.boot_id = boot;
	h.seq = seq;
	h.salt = 0x0102030405060708ull;
	h.name_len = (uint8_t)strlen(node);
	snprintf(h.node, sizeof h.node, "%s", node);
	return envelope_seal(&h, key, payload, len, dg, MAXDG + 100);
}

int main(void)
{
	uint8_t pl[1200], dg[MAXDG + 100], copy[MAXDG + 100];
	struct verdict vd;
	struct keyring *kr = NULL;
	struct ns_node *n1, *n2, *anon;
	int plen, dlen, errline = 0, rc;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	keys_generate(K1);
	keys_generate(K2);
	keys_generate(K3);

	struct nodestats *ns;
	nodestats_new(&ns);
	ok(ns != NULL, "nodestats_new");
	struct verifier *none = NULL;
	ok(verifier_new(NULL, MAXDG, &none) == E_INVAL && none == NULL, "verifier_new without a nodestats table: E_INVAL, NULL");
	ok(verifier_new(ns, 10, &none) == E_INVAL && none == NULL, "verifier_new with max_datagram below the fixed header: E_INVAL, NULL");
	ok(verifier_new(ns, ENV_MAX_DATAGRAM + 1, &none) == E_INVAL && none == NULL, "verifier_new above the largest UDP datagram: E_INVAL, NULL");
	verifier_free(NULL);
	struct verifier *v;
	verifier_new(ns, MAXDG, &v);
	ok(v != NULL, "verifier_new(ns, %d)", MAXDG);

	is(keyring_load(write_keyring("ring", 1), &kr, &errline), E_OK, "keyring with n1 and n2 loads");
	is(verifier_set_keyring(v, &kr), E_OK, "verifier_set_keyring");
	ok(kr == NULL, "the verifier took the keyring (pointer cleared)");
	n1 = nodestats_find(ns, "n1");
	n2 = nodestats_find(ns, "n2");
	anon = nodestats_anon(ns);
	ok(n1 && n2 && anon, "set_keyring made entries for n1 and n2");

	/* an authentic datagram of 3 records is accepted, its plaintext handed out */
	plen = records_payload(3, pl, sizeof pl);
	ok(plen > 0, "a 3-record payload (%d bytes)", plen);
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 5, 1, pl, (size_t)plen, dg);
	is(dlen, (int)envelope_overhead(2) + plen, "sealed datagram is header + payload + tag");
	rc = verifier_check(v, dg, (size_t)dlen, 777, &vd);
	is(rc, E_OK, "authentic datagram accepted");
	is(vd.reason, -1, "verdict: no reject reason");
	ok(vd.node == n1, "verdict: counted under n1");
	is(vd.nrecords, 3, "verdict: 3 records");
	ok(vd.len == (size_t)plen && vd.payload && memcmp(vd.payload, pl, (size_t)plen) == 0,
	    "verdict: the plaintext is the payload that was sealed");
	is(vd.h.boot_id, 5, "verdict: boot id from the header");
	is(vd.h.seq, 1, "verdict: sequence number from the header");
	is(n1->c.datagrams, 1, "n1: 1 datagram");
	is(n1->c.records, 3, "n1: 3 records");
	is(n1->last_seen_us, 777, "n1: last seen at the time passed in");

	/* the same bytes again: a duplicate */
	rc = verifier_check(v, dg, (size_t)dlen, 778, &vd);
	is(rc, E_REPLAY, "the same datagram again: E_REPLAY");
	is(vd.reason, NS_R_REPLAY, "reason replay");
	ok(vd.node == n1, "counted under n1");
	is(n1->c.rejects[NS_R_REPLAY], 1, "n1: 1 replay");
	is(n1->c.datagrams, 1, "n1: still 1 datagram accepted");

	/* malformed headers: counted under '' (the node name cannot be trusted yet) */
	rc = verifier_check(v, dg, MAXDG + 1, 779, &vd);
	ok(rc == E_TOOBIG && vd.reason == NS_R_OVERSIZED && vd.node == anon, "longer than max_datagram: oversized, under ''");
	memcpy(copy, dg, (size_t)dlen);
	copy[0] = 'X';
	rc = verifier_check(v, copy, (size_t)dlen, 779, &vd);
	ok(rc == E_MAGIC && vd.reason == NS_R_BAD_MAGIC && vd.node == anon, "wrong magic: bad_magic, under ''");
	memcpy(copy, dg, (size_t)dlen);
	copy[4] = ENV_VERSION + 1;
	rc = verifier_check(v, copy, (size_t)dlen, 779, &vd);
	ok(rc == E_VERSION && vd.reason == NS_R_BAD_VERSION && vd.node == anon, "unknown version: bad_version, under ''");
	rc = verifier_check(v, dg, 20, 779, &vd);
	ok(vd.reason == NS_R_BAD_SIZE && vd.node == anon && rc < 0, "cut inside the header: bad_size, under ''");
	is(anon->c.rejects[NS_R_OVERSIZED] + anon->c.rejects[NS_R_BAD_MAGIC] + anon->c.rejects[NS_R_BAD_VERSION] +
	    anon->c.rejects[NS_R_BAD_SIZE], 4, "'' holds the 4 header rejects");

	/* a node the keyring does not know */
	dlen = seal("n3", K3, ENV_KIND_RECORDS, 1, 1, pl, (size_t)plen, dg);
	rc = verifier_check(v, dg, (size_t)dlen, 780, &vd);
	ok(rc == E_UNKNOWN_NODE && vd.reason == NS_R_UNKNOWN_NODE && vd.node == anon, "unknown node: unknown_node, under ''");
	ok(nodestats_find(ns, "n3") == NULL, "an unknown node gets no entry of its own");

	/* a forged tag, and a datagram sealed with another node's key */
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 5, 2, pl, (size_t)plen, dg);
	memcpy(copy, dg, (size_t)dlen);
	copy[dlen - 1] ^= 1;
	rc = verifier_check(v, copy, (size_t)dlen, 781, &vd);
	ok(rc == E_AUTH && vd.reason == NS_R_BAD_TAG && vd.node == n1, "modified tag: bad_tag, under n1");
	memcpy(copy, dg, (size_t)dlen);
	copy[ENV_FIXED_HDR + 2 + 5] ^= 0x40;
	rc = verifier_check(v, copy, (size_t)dlen, 781, &vd);
	ok(rc == E_AUTH && vd.reason == NS_R_BAD_TAG, "modified ciphertext byte: bad_tag");
	rc = verifier_check(v, dg, (size_t)dlen, 782, &vd);
	is(rc, E_OK, "the genuine seq 2 is still accepted after forgeries of it (no window burnt)");
	dlen = seal("n2", K1, ENV_KIND_RECORDS, 9, 1, pl, (size_t)plen, dg);
	rc = verifier_check(v, dg, (size_t)dlen, 783, &vd);
	ok(rc == E_AUTH && vd.reason == NS_R_BAD_TAG && vd.node == n2, "n2's name sealed with n1's key: bad_tag, under n2");
	is(n1->c.rejects[NS_R_BAD_TAG], 2, "n1: 2 bad tags");
	is(n2->c.rejects[NS_R_BAD_TAG], 1, "n2: 1 bad tag");

	/* authentic but not a payload: rejected, and the sequence number stays free */
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 5, 3, (const uint8_t *)"hello", 5, dg);
	rc = verifier_check(v, dg, (size_t)dlen, 784, &vd);
	ok(rc < 0 && vd.reason == NS_R_BAD_PAYLOAD && vd.node == n1, "authentic non-CBOR payload: bad_payload, under n1");
	dlen = seal("n1", K1, ENV_KIND_COUNTERS, 5, 3, pl, (size_t)plen, dg);
	rc = verifier_check(v, dg, (size_t)dlen, 784, &vd);
	ok(rc < 0 && vd.reason == NS_R_BAD_PAYLOAD, "a records payload sent as kind counters: bad_payload");
	is(n1->c.rejects[NS_R_BAD_PAYLOAD], 2, "n1: 2 bad payloads");

	/* a counters payload at seq 3: accepted, 0 records */
	struct dnsa_counters c;
	memset(&c, 0, sizeof c);
	c.time_us = 1795000000600000ull;
	counters_set(&c, C_MSG_TOTAL, 12345);
	plen = counters_encode(&c, pl, sizeof pl);
	ok(plen > 0, "a counters payload");
	dlen = seal("n1", K1, ENV_KIND_COUNTERS, 5, 3, pl, (size_t)plen, dg);
	rc = verifier_check(v, dg, (size_t)dlen, 785, &vd);
	ok(rc == E_OK && vd.nrecords == 0 && vd.h.kind == ENV_KIND_COUNTERS, "counters datagram at seq 3 accepted, 0 records");

	/* boot ids: a newer one resets the window, an older one is refused */
	plen = records_payload(2, pl, sizeof pl);
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 6, 1, pl, (size_t)plen, dg);
	is(verifier_check(v, dg, (size_t)dlen, 786, &vd), E_OK, "newer boot id 6, seq 1: accepted (node restarted)");
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 5, 4, pl, (size_t)plen, dg);
	rc = verifier_check(v, dg, (size_t)dlen, 787, &vd);
	ok(rc == E_OLD_BOOT && vd.reason == NS_R_OLD_BOOT && vd.node == n1, "older boot id 5: old_boot, under n1");
	/* far below the window of boot 6 */
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 6, 5000, pl, (size_t)plen, dg);
	is(verifier_check(v, dg, (size_t)dlen, 788, &vd), E_OK, "boot 6, seq 5000 accepted");
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 6, 2, pl, (size_t)plen, dg);
	rc = verifier_check(v, dg, (size_t)dlen, 789, &vd);
	ok(rc == E_OLD && vd.reason == NS_R_OLD_SEQ, "boot 6, seq 2 (below the %d-wide window): old_seq", REPLAY_WINDOW);

	/* totals: n1 accepted seq 1, 2, 3 of boot 5 and 1, 5000 of boot 6 */
	is(n1->c.datagrams, 5, "n1: 5 datagrams accepted in all");
	is(n1->c.records, 3 + 3 + 0 + 2 + 2, "n1: 10 records in all");

	/* a reload without n2: n2 keeps its entry, its datagrams are now unknown_node under n2 */
	is(keyring_load(write_keyring("ring2", 0), &kr, &errline), E_OK, "keyring without n2 loads");
	is(verifier_set_keyring(v, &kr), E_OK, "verifier_set_keyring (reload)");
	ok(nodestats_find(ns, "n2") == n2, "n2 keeps its entry after leaving the keyring");
	plen = records_payload(1, pl, sizeof pl);
	dlen = seal("n2", K2, ENV_KIND_RECORDS, 9, 2, pl, (size_t)plen, dg);
	rc = verifier_check(v, dg, (size_t)dlen, 790, &vd);
	ok(rc == E_UNKNOWN_NODE && vd.node == n2, "a revoked node's datagram: unknown_node, counted under n2");
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 6, 5001, pl, (size_t)plen, dg);
	is(verifier_check(v, dg, (size_t)dlen, 791, &vd), E_OK, "n1 keeps its window across the reload (seq 5001 accepted)");
	dlen = seal("n1", K1, ENV_KIND_RECORDS, 6, 5000, pl, (size_t)plen, dg);
	is(verifier_check(v, dg, (size_t)dlen, 792, &vd), E_REPLAY, "and seq 5000 is still a duplicate");

	verifier_free(v);
	nodestats_free(ns);
	{
		char p[300];
		snprintf(p, sizeof p, "%s/ring", dir);
		unlink(p);
		snprintf(p, sizeof p, "%s/ring2", dir);
		unlink(p);
		rmdir(dir);
	}
	return done_testing();
}
