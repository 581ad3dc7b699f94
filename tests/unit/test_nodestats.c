/* tests/unit/test_nodestats.c: aggd/nodestats: entries from the keyring, seeding after a restart, totals and node_stats deltas. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "aggd/nodestats.h"
#include "common/errors.h"
#include "common/keyring.h"
#include "common/keys.h"
#include "common/replay.h"
#include "tests/tap.h"

static char dir[] = "/tmp/test_nodestats.XXXXXX";

/* a keyring of nodes node-<first>..node-<first+n-1>, loaded */
static struct keyring *ring(unsigned first, unsigned n)
{
	char path[256], line[160], name[32];
	uint8_t key[ENV_KEY_LEN];
	struct keyring *kr = NULL;
	int errline = 0;
	FILE *f;
	snprintf(path, sizeof path, "%s/ring", dir);
	if (!(f = fopen(path, "w")))
		return NULL;
	for (unsigned i = first; i < first + n; i++) {
		snprintf(name, sizeof name, "node-%u", i);
		keys_generate(key);
		keys_format_line(name, key, line, sizeof line);
		fputs(line, f);
	}
	fclose(f);
	chmod(path, 0600);
	if (keyring_load(path, &kr, &errline) != E_OK)
		kr = NULL;
	unlink(path);
	return kr;
}

/* the deltas of one foreach_delta pass, as "node/counter=value;" in call order */
static char deltas[4096];
static void delta_cb(const char *node, const char *counter, int64_t value, void *arg)
{
	size_t l = strlen(deltas);
	(void)arg;
	snprintf(deltas + l, sizeof deltas - l, "%s/%s=%lld;", node, counter, (long long)value);
}

/* accept (boot, seq) on node's window as the verifier does */
static void accept_seq(struct ns_node *e, uint64_t boot, uint64_t seq)
{
	if (replay_check(&e->win, boot, seq) == E_OK)
		replay_commit(&e->win, boot, seq);
}

int main(void)
{
	struct ns_counts t;
	struct keyring *kr;
	char name[32];

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;

	/* names of the reject reasons are the node_stats names */
	is_str(ns_reason_name(NS_R_OVERSIZED), "oversized", "reason 0 is oversized");
	is_str(ns_reason_name(NS_R_BAD_TAG), "bad_tag", "bad_tag");
	is_str(ns_reason_name(NS_R_BAD_PAYLOAD), "bad_payload", "the last reason is bad_payload");
	is_str(ns_reason_name(NS_R_MAX), "?", "out of range: ?");
	{
		int all = 1;
		for (unsigned r = 0; r < NS_R_MAX; r++)
			all &= ns_reason_name(r) != NULL && strcmp(ns_reason_name(r), "?") != 0;
		ok(all, "every reason has a name");
	}

	/* an empty table holds only '' */
	struct nodestats *ns;
	nodestats_new(&ns);
	ok(ns != NULL, "nodestats_new");
	is(nodestats_count(ns), 1, "a new table holds one entry");
	struct ns_node *anon = nodestats_anon(ns);
	ok(anon != NULL && anon == nodestats_at(ns, 0) && anon->name[0] == '\0', "entry 0 is '', returned by nodestats_anon");
	ok(nodestats_find(ns, "") == NULL, "'' is not found by name (rejects only)");
	ok(nodestats_find(ns, "node-1") == NULL, "unknown name: NULL");
	ok(nodestats_at(ns, 1) == NULL, "nodestats_at past the end: NULL");

	/* 300 nodes from a keyring: every one found, by its own entry (the table grows and rehashes) */
	kr = ring(0, 300);
	ok(kr != NULL && keyring_count(kr) == 300, "keyring of 300 nodes");
	is(nodestats_sync(ns, kr), E_OK, "nodestats_sync");
	is(nodestats_count(ns), 301, "301 entries ('' and 300 nodes)");
	{
		unsigned found = 0, distinct = 1;
		for (unsigned i = 0; i < 300; i++) {
			snprintf(name, sizeof name, "node-%u", i);
			struct ns_node *e = nodestats_find(ns, name);
			found += e != NULL && strcmp(e->name, name) == 0;
			if (e && i > 0) {
				snprintf(name, sizeof name, "node-%u", i - 1);
				distinct &= nodestats_find(ns, name) != e;
			}
		}
		is(found, 300, "each of the 300 names finds its own entry");
		ok(distinct, "neighbouring names have distinct entries");
	}
	ok(nodestats_find(ns, "node-300") == NULL && nodestats_find(ns, "node-") == NULL, "names not in the keyring: NULL");
	keyring_free(kr);

	/* a second sync (a reload) with partly new nodes keeps the old entries and their state */
	struct ns_node *n5 = nodestats_find(ns, "node-5");
	n5->c.datagrams = 42;
	kr = ring(250, 100); /* node-250..node-349: 50 old, 50 new */
	is(nodestats_sync(ns, kr), E_OK, "nodestats_sync on reload");
	is(nodestats_count(ns), 351, "50 new entries added, none removed");
	ok(nodestats_find(ns, "node-5") == n5 && n5->c.datagrams == 42, "a node that left the keyring keeps its entry and counts");
	ok(nodestats_find(ns, "node-349") != NULL, "a new node has an entry");
	keyring_free(kr);

	/* seed: after a restart the window starts at the stored (boot, seq) */
	is(nodestats_seed(ns, "node-7", 3, 100), E_OK, "seed node-7 at boot 3, seq 100");
	struct ns_node *n7 = nodestats_find(ns, "node-7");
	is(replay_check(&n7->win, 3, 100), E_REPLAY, "seeded: seq 100 counts as seen");
	is(replay_check(&n7->win, 3, 50), E_REPLAY, "seeded: seq 50 too (in flight during the restart: not staged twice)");
	is(replay_check(&n7->win, 2, 500), E_OLD_BOOT, "seeded: an older boot is refused");
	is(replay_check(&n7->win, 3, 101), E_OK, "seeded: seq 101 is new");
	accept_seq(n7, 3, 104);
	nodestats_totals(ns, &t);
	is(n7->c.gaps, 3, "seq 104 after the seed: 101..103 are 3 gaps (only those lost since)");
	is(nodestats_seed(ns, "node-new", 1, 9), E_OK, "seeding a node without an entry creates it");
	ok(nodestats_find(ns, "node-new") != NULL, "node-new now has an entry");
	is(nodestats_count(ns), 352, "352 entries");
	is(nodestats_seed(ns, "", 1, 1), E_INVAL, "seeding '' is refused");
	{
		char longname[80];
		memset(longname, 'a', sizeof longname - 1);
		longname[sizeof longname - 1] = '\0';
		is(nodestats_seed(ns, longname, 1, 1), E_INVAL, "seeding a 79-character name is refused");
	}

	/* totals: the sum over every entry, gaps refreshed from the windows */
	struct ns_node *n1 = nodestats_find(ns, "node-1");
	n1->c.datagrams = 10;
	n1->c.records = 400;
	n1->c.drops = 2;
	n1->c.rejects[NS_R_REPLAY] = 3;
	anon->c.rejects[NS_R_BAD_MAGIC] = 7;
	nodestats_totals(ns, &t);
	is(t.datagrams, 52, "totals: datagrams 42 + 10");
	is(t.records, 400, "totals: records");
	is(t.drops, 2, "totals: drops");
	is(t.gaps, 3, "totals: gaps (node-7's 3)");
	is(t.rejects[NS_R_REPLAY], 3, "totals: replays");
	is(t.rejects[NS_R_BAD_MAGIC], 7, "totals: bad magic (under '')");

	/* deltas since the last flush, under the node_stats names */
	deltas[0] = '\0';
	size_t calls = nodestats_foreach_delta(ns, delta_cb, NULL);
	is(calls, 7, "7 non-zero increments (zero ones are not reported)");
	is_str(deltas, "/reject_bad_magic=7;node-1/datagrams=10;node-1/records=400;node-1/staging_drops=2;"
	    "node-1/duplicates=3;node-5/datagrams=42;node-7/gaps=3;",
	    "the deltas, in entry order, with node_stats names");
	nodestats_mark_flushed(ns);
	deltas[0] = '\0';
	is(nodestats_foreach_delta(ns, delta_cb, NULL), 0, "after mark_flushed: no delta");
	n1->c.datagrams += 5;
	accept_seq(n7, 3, 106); /* 105 lost: one more gap */
	accept_seq(n7, 3, 103); /* a late arrival fills a gap: one less */
	deltas[0] = '\0';
	is(nodestats_foreach_delta(ns, delta_cb, NULL), 1, "one increment since: node-1's datagrams (node-7's gaps net 0)");
	is_str(deltas, "node-1/datagrams=5;", "the delta is the increment, not the total");
	accept_seq(n7, 3, 102);
	deltas[0] = '\0';
	nodestats_foreach_delta(ns, delta_cb, NULL);
	is_str(deltas, "node-1/datagrams=5;node-7/gaps=-1;", "a filled gap is a negative delta");

	nodestats_free(ns);
	nodestats_free(NULL);
	rmdir(dir);
	return done_testing();
}
