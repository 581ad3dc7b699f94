/* tests/unit/test_stage.c: the staging writer: schema, bounded queue with wrap-around, batched commits, lock retry, stats, replay state, rotation. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "aggd/stage.h"
#include "common/clock.h"
#include "common/errors.h"
#include "tests/tap.h"

static char dir[] = "/tmp/test_stage.XXXXXX";
static char path[256];

static long q1_in(const char *file, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long v = -1;
	sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static long q1(const char *sql)
{
	return q1_in(path, sql);
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	static char buf[65536];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return f ? buf : NULL;
}

static void state_cb(const char *node, uint64_t boot, uint64_t seq, void *arg)
{
	char *out = arg;
	snprintf(out + strlen(out), 128, "%s:%llu:%llu;", node, (unsigned long long)boot, (unsigned long long)seq);
}

static struct stage_row row(const char *node, uint64_t boot, uint64_t seq, const uint8_t *p, size_t len)
{
	struct stage_row r = { .node = node, .boot_id = boot, .seq = seq, .kind = 1, .received_us = 1000 + (int64_t)(seq % 1000000),
		.nrecords = 2, .payload = p, .len = len };
	return r;
}

int main(void)
{
	struct stage_conf c = { .batch_rows = 10, .flush_ms = 100, .busy_timeout_ms = 5, .retry_ms = 20,
		.queue_bytes = 65536, .queue_rows = 50 };
	uint8_t payload[4000];
	struct stage_counters sc;
	struct stage *st;
	int err;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/staging.db", dir);
	c.path = path;
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)i;

	/* the embedded schema is sql/staging.sql, verbatim */
	const char *file = slurp("sql/staging.sql");
	ok(file && strcmp(file, stage_schema()) == 0, "stage_schema() equals sql/staging.sql (run from the repo root)");

	/* bad configurations */
	struct stage_conf bad = c;
	bad.batch_rows = 0;
	ok((err = stage_new(&bad, &st)) == E_INVAL && st == NULL, "batch_rows 0 refused with E_INVAL");
	ok((err = stage_new(NULL, &st)) == E_INVAL && st == NULL, "NULL conf refused");
	bad = c;
	bad.path = "/nonexistent-dir/x.db";
	ok((err = stage_new(&bad, &st)) == -EIO && st == NULL, "unopenable path: -EIO");
	stage_free(NULL);

	err = stage_new(&c, &st);
	ok(st != NULL && err == E_OK, "stage_new");
	is(q1("SELECT count(*) FROM sqlite_master WHERE name IN ('datagram','node_stats','quarantine','replay_state')"), 4,
	    "schema applied: 4 tables");
	is(q1("PRAGMA page_size"), 16384, "16 KB pages");
	is(stage_due(st, 0), -1, "empty queue: nothing due");

	/* rows that can never fit */
	struct stage_row r = row("", 1, 1, payload, 10);
	is(stage_put(st, &r, 0), E_INVAL, "empty node name refused");
	r = row("n1", 1, 1, payload, 70000);
	is(stage_put(st, &r, 0), E_INVAL, "payload above queue_bytes refused");

	/* age trigger: 3 rows are due after flush_ms */
	for (uint64_t s = 1; s <= 3; s++) {
		r = row("n1", 7, s, payload, 100);
		is(stage_put(st, &r, 1000), E_OK, "put row %d", (int)s);
	}
	is(stage_due(st, 1050), 50, "due in 50 ms (flush_ms after the oldest)");
	is(stage_due(st, 1100), 0, "due at flush_ms");
	is(stage_flush(st, 1100), 3, "flush commits 3 rows");
	is(q1("SELECT count(*) FROM datagram"), 3, "3 rows in the database");
	is(q1("SELECT length(payload) FROM datagram WHERE seq = 2"), 100, "payload stored whole");
	is(q1("SELECT received_us FROM datagram WHERE seq = 3"), 1003, "received_us stored");
	is(q1("SELECT seq FROM replay_state WHERE node = 'n1'"), 3, "replay_state follows the commit");

	/* count trigger and batch size: 25 rows -> 10 per transaction */
	for (uint64_t s = 4; s < 29; s++) {
		r = row("n1", 7, s, payload, 1000);
		stage_put(st, &r, 2000);
	}
	is(stage_due(st, 2000), 0, "batch_rows queued: due now");
	is(stage_flush(st, 2000), 10, "one transaction holds batch_rows rows");
	stage_counters(st, &sc);
	is(sc.depth, 15, "15 left queued");

	/* a lock held by another connection: rows stay queued, back-off, then commit */
	sqlite3 *other;
	sqlite3_open(path, &other);
	is(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK, "another connection takes the write lock");
	is(stage_flush(st, 3000), -EBUSY, "flush while locked: -EBUSY");
	ok(strstr(stage_errmsg(st), "locked") != NULL, "errmsg says locked: %s", stage_errmsg(st));
	is(stage_due(st, 3000), 20, "back-off of retry_ms");
	is(stage_flush(st, 3010), 0, "no attempt during the back-off");
	is(stage_flush(st, 3020), -EBUSY, "second failure");
	is(stage_due(st, 3020), 40, "back-off doubles");
	stage_counters(st, &sc);
	is(sc.depth, 15, "nothing lost while locked");
	is(sc.failures, 2, "2 failures counted");
	/* queue bound while locked: 50 rows max */
	int refused = 0;
	for (uint64_t s = 29; s < 100; s++) {
		r = row("n1", 7, s, payload, 500);
		if (stage_put(st, &r, 3030) == E_SPACE)
			refused++;
	}
	is(refused, 36, "queue_rows bound: 71 offered, 35 taken, 36 refused");
	stage_counters(st, &sc);
	is(sc.dropped, 36, "refusals counted as dropped");
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	is((int)stage_drain(st, 5000), 0, "after the lock: the queue drains");
	is(q1("SELECT count(*) FROM datagram"), 63, "3 + 10 + 15 + 35 rows committed");
	is(q1("SELECT count(DISTINCT seq) FROM datagram"), 63, "each once");
	is(q1("SELECT max(seq) FROM datagram"), 63, "in order: last seq 63");

	/* byte bound and wrap-around: 4000-byte payloads in a 65536-byte arena */
	int taken = 0;
	for (uint64_t s = 1000; s < 1030; s++) {
		r = row("wrap", 9, s, payload, 4000);
		if (stage_put(st, &r, 4000) == E_OK)
			taken++;
	}
	is(taken, 16, "queue_bytes bound: 16 rows of 4 KB fit 64 KB");
	is(stage_flush(st, 4000), 10, "commit 10: frees the front of the arena");
	taken = 0;
	for (uint64_t s = 2000; s < 2012; s++) {
		r = row("wrap", 9, s, payload, 4000);
		if (stage_put(st, &r, 4000) == E_OK)
			taken++;
	}
	ok(taken >= 9 && taken <= 10, "wrapped around into the freed space (%d rows)", taken);
	stage_drain(st, 5000);
	is(q1("SELECT count(*) FROM datagram WHERE node = 'wrap'"), 16 + taken, "all wrapped rows committed");
	is(q1("SELECT sum(length(payload) = 4000 AND substr(payload, 4000, 1) = x'9f') FROM datagram WHERE node = 'wrap'"),
	    16 + taken, "wrapped payloads intact (last byte checked)");

	/* node_stats rows */
	struct stage_stat stats[] = { { "n1", "datagrams", 63 }, { "", "reject_bad_tag", 2 }, { "n1", "gaps", -1 } };
	is(stage_write_stats(st, 5555, stats, 3), E_OK, "stage_write_stats");
	is(q1("SELECT sum(value) FROM node_stats WHERE time_us = 5555"), 64, "3 stats rows with their values");
	is(stage_write_stats(st, 1, NULL, 0), E_OK, "no rows: nothing to do");

	/* replay state: newest boot wins, then a higher seq */
	r = row("n2", 5, 100, payload, 10);
	stage_put(st, &r, 6000);
	r = row("n2", 4, 900, payload, 10);
	stage_put(st, &r, 6000);
	stage_drain(st, 5000);
	char buf[1024] = "";
	is(stage_load_state(st, state_cb, buf), 3, "replay state of 3 nodes");
	ok(strstr(buf, "n1:7:63;") && strstr(buf, "n2:5:100;") && strstr(buf, "wrap:9:"), "state: %s", buf);

	/*
	 * Boot ids and seqs are unsigned: 2^63 and above are stored as negative
	 * INTEGERs and must still win over smaller ones (each step commits).
	 *   boot                     seq          replay_state after
	 *   1000                     5            1000:5
	 *   2^63 + 5                 7            2^63+5:7       (was kept at 1000:5)
	 *   2^63 + 4                 99           2^63+5:7       (older boot)
	 *   2^63 + 5                 2^63 - 1,
	 *                            2^63 + 1     2^63+5:2^63+1  (one transaction)
	 *   2^64 - 1, 2^63 + 5       3, 2^63 + 9  2^64-1:3       (one transaction, newest boot)
	 */
	static const struct { uint64_t boot, seq; int flush; const char *want; } big[] = {
		{ 1000, 5, 1, "big:1000:5;" },
		{ (1ull << 63) + 5, 7, 1, "big:9223372036854775813:7;" },
		{ (1ull << 63) + 4, 99, 1, "big:9223372036854775813:7;" },
		{ (1ull << 63) + 5, (1ull << 63) - 1, 0, NULL },
		{ (1ull << 63) + 5, (1ull << 63) + 1, 1, "big:9223372036854775813:9223372036854775809;" },
		{ UINT64_MAX, 3, 0, NULL },
		{ (1ull << 63) + 5, (1ull << 63) + 9, 1, "big:18446744073709551615:3;" },
	};
	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
		r = row("big", big[i].boot, big[i].seq, payload, 10);
		stage_put(st, &r, 7000);
		if (!big[i].flush)
			continue;
		stage_drain(st, 5000);
		buf[0] = '\0';
		stage_load_state(st, state_cb, buf);
		char *mine = strstr(buf, "big:");
		char *end = mine ? strchr(mine, ';') : NULL;
		if (end)
			end[1] = '\0';
		is_str(mine ? mine : "(none)", big[i].want, "unsigned replay state after boot %llu seq %llu",
		    (unsigned long long)big[i].boot, (unsigned long long)big[i].seq);
	}
	stage_free(st);

	/* reopen: the rows are still there */
	err = stage_new(&c, &st);
	buf[0] = '\0';
	is(stage_load_state(st, state_cb, buf), 4, "state survives a reopen");
	ok(strstr(buf, "big:18446744073709551615:3;") != NULL, "  boot id 2^64-1 read back whole");
	stage_free(st);

	/*
	 * The writer thread: stage_put never waits on SQLite. Every commit
	 * attempt below waits busy_timeout_ms = 200 ms on a lock held by another
	 * connection; the producer meanwhile queues until the queue is full and
	 * counts the rest as dropped, each put in well under that.
	 */
	{
		char tpath[256];
		snprintf(tpath, sizeof tpath, "%.200s/threaded.db", dir);
		struct stage_conf tc = c;
		tc.path = tpath;
		tc.busy_timeout_ms = 200;
		struct stage *ts;
		err = stage_new(&tc, &ts);
		ok(ts && stage_start(ts) == E_OK, "stage_start: writer thread");
		is(stage_start(ts), E_INVAL, "  a second start: E_INVAL");
		for (uint64_t q = 1; q <= 25; q++) {
			r = row("t", 3, q, payload, 100);
			stage_put(ts, &r, clock_mono_ms());
		}
		struct stage_counters tsc;
		for (int i = 0; i < 200; i++) {
			stage_counters(ts, &tsc);
			if (tsc.committed == 25)
				break;
			usleep(10000);
		}
		is(tsc.committed, 25, "the thread commits 25 rows by itself (2 full batches, then the age)");
		is(stage_due(ts, clock_mono_ms()), -1, "  stage_due has nothing for the caller");
		is(stage_flush(ts, clock_mono_ms()), 0, "  stage_flush does nothing");
		sqlite3 *lk;
		sqlite3_open(tpath, &lk);
		is(sqlite3_exec(lk, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK, "another connection takes the write lock");
		int64_t worst = 0;
		int taken2 = 0, offered = 0;
		for (uint64_t q = 26; q < 26 + 120; q++) {
			r = row("t", 3, q, payload, 100);
			int64_t t0 = ((int64_t)clock_mono_us());
			if (stage_put(ts, &r, clock_mono_ms()) == E_OK)
				taken2++;
			offered++;
			int64_t d = ((int64_t)clock_mono_us()) - t0;
			if (d > worst)
				worst = d;
			usleep(5000);
		}
		stage_counters(ts, &tsc);
		ok(tsc.failures >= 2, "  the writer's attempts fail meanwhile (%llu)", (unsigned long long)tsc.failures);
		ok(worst < 150000, "  no put waited on SQLite: slowest %lld us (each attempt waits 200 ms)", (long long)worst);
		is(tsc.dropped, (uint64_t)(offered - taken2), "  queue full: %d offered, %d queued, the rest counted dropped",
		    offered, taken2);
		is(taken2, 50, "  queue_rows (50) taken");
		struct stage_stat tst[] = { { "t", "datagrams", 7 } };
		is(stage_write_stats(ts, 4242, tst, 1), E_OK, "  node_stats queued while locked");
		is(stage_write_stats(ts, 4343, tst, 1), E_OK, "  and more (merged)");
		sqlite3_exec(lk, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(lk);
		is((int)stage_drain(ts, 5000), 0, "after the lock: stage_drain commits the rest and stops the thread");
		stage_counters(ts, &tsc);
		is(tsc.committed, (uint64_t)(25 + taken2), "  every queued row committed (%d)", 25 + taken2);
		char keep[256];
		snprintf(keep, sizeof keep, "%s", path);
		snprintf(path, sizeof path, "%s", tpath);
		is(q1("SELECT count(*) FROM datagram"), 25 + taken2, "  in the database, once each");
		is(q1("SELECT sum(value) FROM node_stats"), 14, "  node_stats: 7 + 7 written");
		is(q1("SELECT count(*) FROM node_stats"), 1, "  merged into one row (rows add up)");
		is(q1("SELECT max(time_us) FROM node_stats"), 4343, "  stamped with the newest time");
		snprintf(path, sizeof path, "%s", keep);
		stage_free(ts);
	}

	/*
	 * The race: another user who can write the directory swaps symbolic
	 * links to a victim file in as staging.db (the real one moved aside),
	 * -wal and -shm, and takes them out again, while the writer opens,
	 * commits and closes 1000 times. The victim is empty, so SQLite would
	 * happily make it a database. Whatever wins each time, it must stay
	 * untouched; cycles that lose to the attacker fail cleanly (counted),
	 * the others commit.
	 */
	{
		/* on tmpfs where there is one: 1000 commits with fsync on a disk take 10 s */
		char rdir[64], rpath[300], aside[320], wal[320], shm[320], victim[320];
		snprintf(rdir, sizeof rdir, "%s/test_stage_race.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		struct stage_conf rc = c;
		int lost = 0, done = 0, tries = 1000, atcheck = 0;
		if (!mkdtemp(rdir))
			return 1;
		snprintf(rpath, sizeof rpath, "%s/staging.db", rdir);
		snprintf(aside, sizeof aside, "%s.aside", rpath);
		snprintf(wal, sizeof wal, "%s-wal", rpath);
		snprintf(shm, sizeof shm, "%s-shm", rpath);
		snprintf(victim, sizeof victim, "%s/victim", rdir);
		FILE *vf = fopen(victim, "w");
		fclose(vf);
		chmod(victim, 0666);
		struct stat v0;
		stat(victim, &v0);
		rc.path = rpath;
		/* the attacker is another user (as root, it becomes nobody) */
		chmod(rdir, 0777);
		pid_t pid = fork();
		if (pid == 0) {
			if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
				_exit(1);
			for (unsigned i = 0;; i++) {
				const char *planted = i % 3 == 0 ? rpath : i % 3 == 1 ? wal : shm;
				int moved = planted == rpath && rename(rpath, aside) == 0;
				symlink(victim, planted);
				/* in place briefly, then gone for longer: opens land before, during and after a swap */
				struct timespec in = { 0, 100000 + (long)(i % 7) * 50000 }, out = { 0, 2000000 + (long)(i % 5) * 1000000 };
				nanosleep(&in, NULL);
				struct stat ls;
				if (lstat(planted, &ls) == 0 && S_ISLNK(ls.st_mode))
					unlink(planted);
				if (moved)
					rename(aside, rpath);
				nanosleep(&out, NULL);
			}
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < tries; i++) {
			int e;
			struct stage *rs;
			e = stage_new(&rc, &rs);
			if (!rs) {
				lost++;
				atcheck += e == -ELOOP || e == -EPERM;
				usleep(300); /* spread the tries over the attacker's windows */
				continue;
			}
			r = row("race", 1, (uint64_t)i + 1, payload, 100);
			stage_put(rs, &r, 0);
			if (stage_flush(rs, 0) == 1)
				done++;
			else
				lost++;
			stage_free(rs);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		struct stat vs;
		memset(&vs, 0, sizeof vs);
		int vok = stat(victim, &vs) == 0 && vs.st_size == 0 && vs.st_mtim.tv_sec == v0.st_mtim.tv_sec &&
		    vs.st_mtim.tv_nsec == v0.st_mtim.tv_nsec;
		ok(vok, "race: %d open/commit/close cycles against symbolic links swapped in as staging.db, -wal and -shm:"
		    " the victim is untouched (%lld bytes, %s)", tries, (long long)vs.st_size,
		    vs.st_mtim.tv_nsec == v0.st_mtim.tv_nsec ? "same mtime" : "modified");
		ok(done + lost == tries && done > 0, "  %d cycles committed, %d refused (%d at the check) or failed cleanly (%.1f s)",
		    done, lost, atcheck,
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		char rm[400];
		snprintf(rm, sizeof rm, "rm -rf %s", rdir);
		if (system(rm) != 0)
			diag("could not remove %s", rdir);
	}

	/* rotation: a set of files, ids and replay state carried across, a killed rotation's .tmp removed */
	{
		char rdir[300], base[320], f1[340], f2[340], tmp3[350];
		snprintf(rdir, sizeof rdir, "%s/rot", dir);
		mkdir(rdir, 0700);
		snprintf(base, sizeof base, "%s/staging.db", rdir);
		snprintf(f1, sizeof f1, "%s.00000001", base);
		snprintf(f2, sizeof f2, "%s.00000002", base);
		snprintf(tmp3, sizeof tmp3, "%s.00000003.tmp", base);
		struct stage_conf rc = c;
		rc.path = base;
		rc.rotate_bytes = 8192;
		struct stage *rs;
		is(stage_new(&rc, &rs), E_OK, "rotation: stage_new on a new base file");
		stage_counters(rs, &sc);
		is(sc.file_seq, 0, "rotation: writes the base file first");
		for (unsigned i = 1; i <= 10; i++) {
			struct stage_row rr = row("n1", 5, i, payload, 3000);
			stage_put(rs, &rr, 0);
		}
		is(stage_flush(rs, 0), 10, "rotation: 10 rows into the base file");
		for (unsigned i = 11; i <= 20; i++) {
			struct stage_row rr = row("n1", 5, i, payload, 3000);
			stage_put(rs, &rr, 0);
		}
		is(stage_flush(rs, 0), 10, "rotation: the next 10 rows");
		stage_counters(rs, &sc);
		ok(sc.file_seq == 1 && sc.rotations == 1, "rotation: they went to a new file (%u, %llu rotations)",
		    (unsigned)sc.file_seq, (unsigned long long)sc.rotations);
		is(q1_in(base, "SELECT count(*) FROM datagram"), 10, "rotation: the base file keeps its 10 rows");
		is(q1_in(f1, "SELECT min(id) FROM datagram"), 11, "rotation: ids go on in the new file (from 11)");
		is(q1_in(f1, "SELECT max(id) FROM datagram"), 20, "  ... to 20");
		is(q1_in(f1, "SELECT datagram_base FROM segment WHERE seq = 1"), 11, "rotation: its segment row says where it starts");
		is(q1_in(f1, "SELECT seq FROM replay_state WHERE node = 'n1'"), 20, "rotation: the replay state came along and goes on");
		/* node_stats are a write too: file 1 is big enough, so they start file 2 */
		struct stage_stat ss[2] = { { "n1", "datagrams", 7 }, { "n1", "gaps", 1 } };
		is(stage_write_stats(rs, 123, ss, 2), E_OK, "rotation: node_stats written");
		stage_counters(rs, &sc);
		is(sc.file_seq, 2, "rotation: into file 2 (file 1 was full)");
		is(q1_in(f2, "SELECT min(id) FROM node_stats"), 1, "rotation: node_stats ids from 1 (none before)");
		is(q1_in(f2, "SELECT datagram_base FROM segment"), 21, "rotation: file 2 gives datagram ids from 21");
		is(q1_in(f2, "SELECT seq FROM replay_state WHERE node = 'n1'"), 20, "rotation: and has the replay state");
		stage_free(rs);
		/* a killed rotation left the next file's .tmp: removed at start, aggd goes on in file 2 */
		FILE *t = fopen(tmp3, "w");
		if (t)
			fclose(t);
		is(stage_new(&rc, &rs), E_OK, "rotation: stage_new on the set");
		ok(access(tmp3, F_OK) != 0, "rotation: the stale .tmp of the next file is removed");
		stage_counters(rs, &sc);
		is(sc.file_seq, 2, "rotation: it writes the newest file");
		char state[256] = "";
		is(stage_load_state(rs, state_cb, state), 1, "rotation: replay state from the newest file");
		is_str(state, "n1:5:20;", "  ... n1 at seq 20");
		for (unsigned i = 21; i <= 25; i++) {
			struct stage_row rr = row("n1", 5, i, payload, 3000);
			stage_put(rs, &rr, 0);
		}
		is(stage_flush(rs, 0), 5, "rotation: 5 more rows");
		is(q1_in(f2, "SELECT max(id) FROM datagram"), 25, "rotation: into file 2, ids 21..25 (no new file for a file without rows)");
		is(q1_in(f2, "SELECT min(id) FROM datagram"), 21, "  ... from 21");
		is(stage_write_stats(rs, 124, ss, 2), E_OK, "rotation: node_stats again");
		char f3[340];
		snprintf(f3, sizeof f3, "%s.00000003", base);
		is(q1_in(f3, "SELECT min(id) FROM node_stats"), 3, "rotation: into file 3, node_stats ids go on (3)");
		stage_free(rs);
		unsigned nf;
		uint64_t nb;
		is(stage_new(&rc, &rs), E_OK, "rotation: reopened");
		is(stage_backlog(rs, &nf, &nb), E_OK, "stage_backlog");
		ok(nf == 4 && nb > 60000, "  4 files, %llu bytes", (unsigned long long)nb);
		stage_free(rs);
		/* rotation off: the newest file stays the one written (its rows pruned by the rollup) */
		rc.rotate_bytes = 0;
		is(stage_new(&rc, &rs), E_OK, "no rotation: stage_new on the set");
		struct stage_row rr = row("n1", 5, 26, payload, 3000);
		stage_put(rs, &rr, 0);
		is(stage_flush(rs, 0), 1, "no rotation: a row");
		stage_counters(rs, &sc);
		is(sc.file_seq, 3, "no rotation: written to the newest file");
		is(q1_in(f3, "SELECT id FROM datagram"), 26, "no rotation: id 26");
		is(q1_in(f3, "SELECT rotate FROM segment"), 0, "no rotation: the file is marked for the rollup's row prune");
		stage_free(rs);
	}

	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
