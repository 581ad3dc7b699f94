#!/bin/bash
# tests/integration/rollup.t: aggd-rollup against a real MariaDB: exact totals, crashes, MariaDB down, lock, quarantine, retention.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-rollup.XXXXXX)
LOCKER_PID=
cleanup() {
	[ -n "$LOCKER_PID" ] && kill "$LOCKER_PID" 2>/dev/null
	mariadb_stop
	rm -rf "$T"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT INT TERM

. "$ROOT/tests/lib/tap.sh"

for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd not installed"; exit 0; }

mariadb_start "$T/mdb" || { echo "Bail out! cannot start MariaDB"; exit 1; }
is "$(mariadb_sql -e 'SELECT 1 + 1')" 2 "private MariaDB started (pid $MDB_PID) and answers"

migrate() { "$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d "$1"; }
q() { db=$1; shift; mariadb_sql "$db" -e "$*"; }

# the highest migration number, and the migrations after 003, as dnsa-migrate reports them
LASTV=$(ls "$ROOT"/sql/mariadb | sed -n 's/^0*\([0-9][0-9]*\)_.*\.sql$/\1/p' | sort -n | tail -1)
NEWER=$(ls "$ROOT"/sql/mariadb | grep -v '^00[123]_' | grep '^[0-9][0-9][0-9]_.*\.sql$' | sort | sed 's/^/applied: /' | tr '\n' ';')
NNEWER=$(echo "$NEWER" | tr ';' '\n' | grep -c applied)
out=$(migrate dnsa)
is "$(q dnsa 'SELECT MAX(version) FROM schema_version')" "$LASTV" "dnsa-migrate brings an empty database to version $LASTV (the last migration)"
out=$(migrate dnsa)
is "$(echo "$out" | tail -1)" "schema version: $LASTV (0 migration(s) applied)" "dnsa-migrate again applies nothing"
mkdir "$T/old"; cp "$ROOT"/sql/mariadb/00[123]_*.sql "$T/old/"
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa_old -m "$T/old" >/dev/null
q dnsa_old "INSERT INTO rollup_checkpoint (aggregator, datagram_id, node_stats_id, records) VALUES ('x', 5, 6, 7)"
out=$(migrate dnsa_old)
is "$(echo "$out" | tr '\n' ';')" "${NEWER}schema version: $LASTV ($NNEWER migration(s) applied);" "an older database (version 3) gets only the newer migrations"
is "$(q dnsa_old "SELECT records, names_untracked FROM rollup_checkpoint")" "7	0" "and keeps its data"

# synthetic staging: 5 hours starting yesterday 20:00 UTC, 3 nodes, 5 zones, counters, 3 garbage rows
START=$(( $(date +%s) / 86400 * 86400 - 4 * 3600 ))
gen() {
	"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$1" -r 4000 -c -g 3 -t "$START" -d 18000 ${2:+-e "$2"} >/dev/null
}
gen "$T/template.db" "$T/exp.txt"
awk -F'\t' '{ s[$1] += $2 } END { for (k in s) print k "\t" s[k] }' "$T/exp.txt" | LC_ALL=C sort >"$T/exp.sum"

printf 'user = root\npassword =\n' >"$T/cred"
chmod 600 "$T/cred"
# conf NAME DB [extra lines...]: a config with its own staging copy, database and lock
conf() {
	name=$1
	db=$2
	shift 2
	cp "$T/template.db" "$T/$name.db"
	{
		echo "staging = $T/$name.db"
		echo "aggregator = $name"
		echo "lock_file = $T/$name.lock"
		echo "mariadb.socket = $MDB_SOCK"
		echo "mariadb.database = $db"
		echo "mariadb.credentials = $T/cred"
		echo "top_n = 1000"
		for l in "$@"; do echo "$l"; done
	} >"$T/$name.conf"
}
# (the group's 2> also takes bash's "Killed" notice for the runs the crash points kill)
rollup() { { timeout 120 "$B/bin/aggd-rollup" -c "$T/$1.conf" 2>"$T/$1.err"; } 2>/dev/null; }

# every series, name and health row as "KEY<TAB>value", for diffing against exp.sum
dump() {
	mariadb_sql "$1" <<-'SQL' | LC_ALL=C sort
	SET time_zone = '+00:00';
	SELECT CONCAT('S ', g, '|', UNIX_TIMESTAMP(s.ts), '|', IF(s.zone_id = 0, '*', z.name), '|',
	       IF(s.node_id = 0, '*', n.name), '|', s.dim, '|', s.val), s.est
	FROM (SELECT 'minute' g, m.* FROM series_minute m UNION ALL SELECT 'hour', h.* FROM series_hour h
	      UNION ALL SELECT 'day', d.* FROM series_day d) s
	LEFT JOIN zone z ON z.zone_id = s.zone_id LEFT JOIN node n ON n.node_id = s.node_id;
	SELECT CONCAT('N ', UNIX_TIMESTAMP(t.ts), '|', z.name, '|', t.qname), t.est
	FROM top_name_hour t JOIN zone z USING (zone_id);
	SELECT CONCAT('H ', g, '|', UNIX_TIMESTAMP(c.ts), '|', n.name, '|', c.source, '|', c.counter), c.value
	FROM (SELECT 'minute' g, m.* FROM node_counter_minute m UNION ALL SELECT 'hour', h.* FROM node_counter_hour h
	      UNION ALL SELECT 'day', d.* FROM node_counter_day d) c JOIN node n ON n.node_id = c.node_id;
	SQL
}
same() { dump "$1" >"$T/got.$1"; diff "$T/exp.sum" "$T/got.$1" >"$T/diff.$1" && return 0; head -5 "$T/diff.$1" | sed 's/^/#   /'; return 1; }

# ---- 1. one uninterrupted run: every total equals the known sums ----
conf main dnsa "batch_rows = 100"
rollup main
ok $? "rollup of 4000 records exits 0"
is "$(sed 's/staged id [0-9]*/staged id N/' "$T/main.err")" "aggd-rollup: 3 staged datagrams quarantined (see the staging quarantine table); first: staged id N: records: item of unexpected type" "stderr: one line for the quarantined rows, nothing else"
same dnsa
ok $? "every minute/hour/day total per zone, node and dimension, every name and health increment equals the generator's sums ($(wc -l <"$T/exp.sum") rows)"
is "$(grep -c '^S minute|.*|\*|\*|total|' "$T/exp.sum")" "$(q dnsa "SELECT COUNT(*) FROM series_minute WHERE zone_id = 0 AND node_id = 0 AND dim = 'total'")" "one all-zones total row per minute"
is "$(q dnsa "SELECT SUM(est), SUM(sampled) FROM series_day WHERE zone_id = 0 AND node_id = 0 AND dim = 'total'")" \
   "$("$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/again.db" -r 4000 -t "$START" -d 18000 | awk '{ print $6 "\t" $4 }')" \
   "day totals: estimate = sum of weights and sampled = records, side by side"
is "$(q dnsa "SELECT records, quarantined FROM rollup_checkpoint WHERE aggregator = 'main'")" "4000	3" "checkpoint row counts 4000 records and 3 quarantined"
is "$(sqlite3 "$T/main.db" 'SELECT COUNT(*) FROM datagram; SELECT COUNT(*) FROM node_stats' | tr '\n' ' ')" "1 1 " "staging pruned (only each table's highest id is kept)"
is "$(sqlite3 "$T/main.db" 'SELECT kind, error FROM quarantine ORDER BY id' | tr '\n' ';')" \
   "1|records: item of unexpected type;2|counters: item of unexpected type;7|unknown kind 7;" \
   "the 3 undecodable rows are in the quarantine table with their reason"
is "$(q dnsa "SELECT SUM(value) FROM node_counter_day WHERE source = 'rollup' AND counter = 'quarantined'")" 3 "quarantined rows counted in node health"
is "$(q dnsa "SELECT SUM(value) FROM node_counter_day c JOIN node n USING (node_id) WHERE n.name = 'node01' AND counter = 'msg_total'")" \
   6900 "capd cumulative counters as increments: 3 x 2000 (boot 1; a stale snapshot adds 0) + 900 (boot 2 from 0)"
rollup main
ok $? "second run with nothing new exits 0"
same dnsa
ok $? "second run changes nothing"

# ---- 1b. two aggregators (each its own staging and checkpoint) roll up into one MariaDB ----
migrate dnsa_two >/dev/null
conf agg1 dnsa_two
conf agg2 dnsa_two
# other datagrams (sequence numbers of their own), the same content
sqlite3 "$T/agg2.db" "UPDATE datagram SET seq = seq + 10000000"
rollup agg1 && rollup agg2
ok $? "two aggregators' rollups into one database exit 0"
is "$(q dnsa_two "SELECT aggregator, records FROM rollup_checkpoint ORDER BY aggregator" | tr '\n\t' '; ')" \
   "agg1 4000;agg2 4000;" "one checkpoint per aggregator, 4000 records each"
one=$(q dnsa "SELECT SUM(est), SUM(sampled) FROM series_day WHERE zone_id = 0 AND node_id = 0 AND dim = 'total'")
half=$(q dnsa_two "SELECT SUM(est) / 2, SUM(sampled) / 2 FROM series_day WHERE zone_id = 0 AND node_id = 0 AND dim = 'total'" | sed 's/\.0000//g')
[ -n "$one" ] && [ "$half" = "$one" ]
ok $? "additive upserts: the shared database holds exactly twice one aggregator's totals (half: $half, one: $one)"
# the very same datagrams staged by a third aggregator (a capture replayed to it): counted once
conf agg3 dnsa_two
rollup agg3
ok $? "a third aggregator holding agg1's datagrams again exits 0"
half2=$(q dnsa_two "SELECT SUM(est) / 2, SUM(sampled) / 2 FROM series_day WHERE zone_id = 0 AND node_id = 0 AND dim = 'total'" | sed 's/\.0000//g')
is "$half2" "$one" "its datagrams were rolled up by agg1 already: the totals do not move"
is "$(q dnsa_two "SELECT records, replayed FROM rollup_checkpoint WHERE aggregator = 'agg3'")" \
   "0	$(sqlite3 "$T/template.db" 'SELECT COUNT(*) FROM datagram WHERE kind IN (1, 2)' | awk '{print $1 - 2}')" "agg3 counts 0 records and every decodable datagram as replayed"

# ---- 1c. memory bound: a run with little memory splits its batches and loses nothing ----
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/wide.db" -r 20000 -z 500 -n 50 -q 1000 -a 2000 \
	-t "$START" -d 300 -e "$T/wide.txt" >/dev/null
awk -F'\t' '{ s[$1] += $2 } END { for (k in s) print k "\t" s[k] }' "$T/wide.txt" | LC_ALL=C sort >"$T/wide.sum"
migrate dnsa_mem >/dev/null
conf mem dnsa_mem "memory_mb = 16"
cp "$T/wide.db" "$T/mem.db"
/usr/bin/time -o "$T/mem.rss" -f '%M' timeout 120 "$B/bin/aggd-rollup" -v -c "$T/mem.conf" 2>"$T/mem.err"
ok $? "a run with memory_mb = 16 over 20,000 records of 500 zones x 50 nodes x 2000 ASNs exits 0"
is "$(q dnsa_mem "SELECT batches > 1 FROM rollup_checkpoint")" 1 "it ended batches early at the bound ($(q dnsa_mem "SELECT batches FROM rollup_checkpoint") batches)"
cp "$T/exp.sum" "$T/exp.sum.main"; cp "$T/wide.sum" "$T/exp.sum"
same dnsa_mem
ok $? "every series, name and health total equals the generator's sums ($(wc -l <"$T/wide.sum") rows)"
cp "$T/exp.sum.main" "$T/exp.sum"
RSS=$(tail -1 "$T/mem.rss")
if ldd "$B/bin/aggd-rollup" 2>/dev/null | grep -q libasan; then
	skip "its largest RSS stays below memory_mb + 40 MB: AddressSanitizer build ($RSS KiB)"
else
	ok $(( RSS < (16 + 40) * 1024 ? 0 : 1 )) "its largest RSS stays below memory_mb + 40 MB: $RSS KiB"
fi

# ---- 1d. randomised staging, many batches: the decoding reader thread (rollup/reader.c) ----
# A new seed each run (printed, SEED=N reruns it); batches end by rows and by records,
# each batch spans many of the reader's slots, and garbage rows are quarantined in between.
SEED=${SEED:-$(( $(date +%s%N) / 1000 % 1000000007 ))}
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/rand.src.db" -r 60000 -z 37 -n 7 -q 300 -a 150 -c -g 5 \
	-S "$SEED" -t "$START" -d 7200 -e "$T/rand.txt" >/dev/null
awk -F'\t' '{ s[$1] += $2 } END { for (k in s) print k "\t" s[k] }' "$T/rand.txt" | LC_ALL=C sort >"$T/rand.sum"
migrate dnsa_rand >/dev/null
conf rand dnsa_rand "batch_rows = 900" "batch_records = 7000"
cp "$T/rand.src.db" "$T/rand.db"
rollup rand
ok $? "seed $SEED: a rollup of 60,000 randomised records in batches of <= 900 rows and <= 7000 records exits 0"
nb=$(q dnsa_rand "SELECT batches FROM rollup_checkpoint")
ok $(( nb >= 8 ? 0 : 1 )) "seed $SEED: it took many batches ($nb)"
is "$(q dnsa_rand "SELECT records, quarantined FROM rollup_checkpoint")" "60000	5" "seed $SEED: checkpoint counts 60000 records and the 5 garbage rows"
cp "$T/exp.sum" "$T/exp.sum.main"; cp "$T/rand.sum" "$T/exp.sum"
same dnsa_rand
ok $? "seed $SEED: every series, name and health total equals the generator's sums ($(wc -l <"$T/rand.sum") rows)"
cp "$T/exp.sum.main" "$T/exp.sum"

# ---- 1e. the reader thread's preparation (read_threads = 2) against one thread (read_threads = 1) ----
# 1d's staging renumbered with replays interleaved (every 7th datagram staged twice), datagrams
# whose records are outside the time window, and bounds tight enough to fold zones and ASNs and
# to leave names untracked (first come: the order of the records decides): both runs write the
# same rows, row for row (not the generator's sums: the bounds fold).
cp "$T/rand.src.db" "$T/bound.src.db"
sqlite3 "$T/bound.src.db" "CREATE TABLE d2 AS SELECT * FROM datagram; DELETE FROM datagram;
	INSERT INTO datagram SELECT id * 2, node, boot_id, seq, kind, received_us, nrecords, payload FROM d2;
	INSERT INTO datagram SELECT id * 2 + 1, node, boot_id, seq, kind, received_us, nrecords, payload FROM d2 WHERE id % 7 = 3;
	UPDATE datagram SET received_us = received_us + 500 * 86400000000 WHERE id % 26 = 10 AND kind = 1;
	DROP TABLE d2;"
BMAX=$(sqlite3 "$T/bound.src.db" "SELECT MAX(id) FROM datagram")
for th in 1 2; do
	migrate dnsa_th$th >/dev/null
	conf th$th dnsa_th$th "batch_rows = 900" "batch_records = 7000" "zones_per_node = 12" "zones_per_run = 30" \
		"asn_max = 60" "names_max = 1000" "read_threads = $th"
	cp "$T/bound.src.db" "$T/th$th.db"
	# a batch cut short by its record budget is not the end of the staging, even where replays and
	# quarantined rows leave it fewer records added than the budget: one run takes every row
	# (run again, as cron would, until the checkpoint is at the last row, to say how many runs it took)
	runs=0
	while rollup th$th; do
		runs=$((runs + 1))
		[ "$(q dnsa_th$th "SELECT datagram_id FROM rollup_checkpoint")" = "$BMAX" ] || [ $runs -ge 40 ] && break
	done
	is "$(q dnsa_th$th "SELECT datagram_id FROM rollup_checkpoint")" "$BMAX" \
	   "seed $SEED: read_threads = $th: runs with replays, out-of-window datagrams and tight bounds exit 0 and roll up every row ($runs runs)"
	is "$runs" 1 "seed $SEED: read_threads = $th: in one run (batches cut short by their record budget do not end it)"
done
ck() { q "$1" "SELECT batches, datagrams, records, estimated, quarantined, names_untracked, replayed, zones_folded,
	asn_folded FROM rollup_checkpoint"; }
ck1=$(ck dnsa_th1)
is "$(ck dnsa_th2)" "$ck1" "seed $SEED: both checkpoints count the same batches, records, quarantined, untracked, replayed and folded ($(echo $ck1))"
ok "$(echo "$ck1" | awk '{ print !($5 > 5 && $6 > 0 && $7 > 0 && $8 > 0 && $9 > 0) }')" \
	"seed $SEED: the run quarantined, left names untracked, counted replays and folded zones and ASNs"
dump dnsa_th1 >"$T/th1.rows"
dump dnsa_th2 >"$T/th2.rows"
[ -s "$T/th1.rows" ] && diff "$T/th1.rows" "$T/th2.rows" >"$T/th.diff"
ok $? "seed $SEED: every series, name and health row is the same with 2 threads as with 1 ($(wc -l <"$T/th1.rows") rows)"
head -5 "$T/th.diff" | sed 's/^/#   /'
rc_rows() { q "$1" "SELECT UNIX_TIMESTAMP(t.ts), z.name, t.rcode, t.qname, t.est, t.sampled FROM top_name_rcode_hour t
	JOIN zone z USING (zone_id) ORDER BY 1, 2, 3, 4"; }
rc_rows dnsa_th1 >"$T/th1.rc"
rc_rows dnsa_th2 >"$T/th2.rc"
ok "$([ -s "$T/th1.rc" ] && cmp -s "$T/th1.rc" "$T/th2.rc"; echo $?)" "seed $SEED: and every name kept per rcode ($(wc -l <"$T/th1.rc") rows)"
is "$(sqlite3 "$T/th2.db" 'SELECT id, error FROM quarantine ORDER BY id' | md5sum)" \
   "$(sqlite3 "$T/th1.db" 'SELECT id, error FROM quarantine ORDER BY id' | md5sum)" \
   "seed $SEED: the same datagrams quarantined for the same reasons ($(sqlite3 "$T/th1.db" 'SELECT COUNT(*) FROM quarantine'))"

# ---- 2. crash at each point, then rerun: totals identical to the uninterrupted run ----
for point in before_commit:3 after_commit:3 during_prune:2; do
	name=crash_${point%%:*}
	migrate "$name" >/dev/null
	conf "$name" "$name" "batch_rows = 50" "prune_chunk = 10"
	DNSA_ROLLUP_CRASH=$point rollup "$name"
	is $? 137 "$point: the job is killed (SIGKILL) at that point"
	case $point in
	before*) is "$(q "$name" "SELECT batches FROM rollup_checkpoint")" 2 "$point: only the 2 batches before the crash are committed" ;;
	after*) is "$(sqlite3 "$T/$name.db" "SELECT COUNT(*) > 50 FROM datagram WHERE id <= (SELECT MIN(id) + 149 FROM datagram)")" 1 "$point: committed rows are still staged (not pruned)" ;;
	during*) is "$(q "$name" "SELECT batches FROM rollup_checkpoint")" 2 "$point: 2 batches committed, the prune of the 2nd cut short" ;;
	esac
	rollup "$name"
	ok $? "$point: the rerun exits 0"
	same "$name"
	ok $? "$point: after the rerun every total equals the uninterrupted run (no loss, no double count)"
done

# ---- 3. a second copy exits at once on the lock ----
perl -e 'use Fcntl ":flock"; open(my $f, ">>", $ARGV[0]) or die; flock($f, LOCK_EX) or die; $| = 1; print "locked\n"; sleep 60' \
	"$T/main.lock" >"$T/locker.out" &
LOCKER_PID=$!
i=0; while [ ! -s "$T/locker.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(date +%s)
rollup main
rc=$?
is "$rc" 75 "a second copy exits 75 while the lock is held"
is "$(cat "$T/main.err")" "aggd-rollup: another aggd-rollup is running (lock $T/main.lock is held); exiting" "with one clear line"
ok $(( $(date +%s) - t0 > 2 )) "at once"
kill "$LOCKER_PID"; wait "$LOCKER_PID" 2>/dev/null; LOCKER_PID=

# ---- 4. credentials readable by others: refused ----
cp "$T/cred" "$T/cred644"; chmod 644 "$T/cred644"
conf perms dnsa "mariadb.credentials = $T/cred644"
sed -i "/^mariadb.credentials = $(echo "$T" | sed 's/[\/&]/\\&/g')\/cred$/d" "$T/perms.conf"
rollup perms
is $? 2 "credentials file mode 0644: refused (exit 2)"
ok "$(grep -c 'readable by its owner only' "$T/perms.err" | grep -qx 1; echo $?)" "with a message saying why"

# ---- 5. MariaDB down: non-zero, one line, staging untouched; back: catch up ----
migrate dnsa_down >/dev/null
conf down dnsa_down
before=$(sqlite3 "$T/down.db" "SELECT COUNT(*), SUM(id), (SELECT COUNT(*) FROM quarantine), (SELECT COUNT(*) FROM node_stats) FROM datagram")
mariadb_stop
rollup down
is $? 1 "MariaDB stopped: exit 1"
is "$(wc -l <"$T/down.err")" 1 "one line on stderr"
ok "$(grep -q 'cannot connect to MariaDB.*staging left untouched' "$T/down.err"; echo $?)" "saying MariaDB cannot be reached: $(cat "$T/down.err")"
is "$(sqlite3 "$T/down.db" "SELECT COUNT(*), SUM(id), (SELECT COUNT(*) FROM quarantine), (SELECT COUNT(*) FROM node_stats) FROM datagram")" "$before" "staging untouched"
mariadb_restart
ok $? "MariaDB back"
rollup down
ok $? "the next run exits 0"
same dnsa_down
ok $? "and catches up: every total equals the known sums"

# ---- 6. retention per granularity and the top-N cut ----
migrate dnsa_ret >/dev/null
conf ret dnsa_ret "top_n = 3" "retention.minute = 2" "retention.hour = 30"
sed -i '/^top_n = 1000$/d' "$T/ret.conf"
# (the staged rows are at most 28 h old: yesterday 20:00 UTC on; the row kept is 47 h old, and its
# estimate, 700007, is none of theirs)
q dnsa_ret "INSERT INTO series_minute VALUES (0, 0, 'total', '', UTC_TIMESTAMP() - INTERVAL 3 DAY, 5, 5),
	(0, 0, 'total', '', UTC_TIMESTAMP() - INTERVAL 47 HOUR, 700007, 700007);
	INSERT INTO series_hour VALUES (0, 0, 'total', '', UTC_TIMESTAMP() - INTERVAL 31 DAY, 5, 5);
	INSERT INTO series_day VALUES (0, 0, 'total', '', UTC_TIMESTAMP() - INTERVAL 3000 DAY, 9, 9)"
rollup ret
ok $? "rollup with retention.minute = 2, retention.hour = 30, top_n = 3"
is "$(q dnsa_ret "SELECT COUNT(*) FROM series_minute WHERE ts < UTC_TIMESTAMP() - INTERVAL 2 DAY; SELECT COUNT(*) FROM series_minute WHERE est = 700007 AND ts < UTC_TIMESTAMP() - INTERVAL 1 DAY" | tr '\n' ' ')" "0 1 " "minute rows older than 2 days removed, younger kept"
is "$(q dnsa_ret "SELECT COUNT(*) FROM series_hour WHERE ts < UTC_TIMESTAMP() - INTERVAL 30 DAY; SELECT COUNT(*) FROM series_day WHERE ts < UTC_TIMESTAMP() - INTERVAL 1000 DAY" | tr '\n' ' ')" "0 1 " "hour rows older than 30 days removed; day rows kept (retention.day = 0: forever)"
is "$(q dnsa_ret "SELECT MAX(c) FROM (SELECT COUNT(*) c FROM top_name_hour GROUP BY zone_id, ts) x")" 3 "complete hours keep 3 names per zone"
# the kept names are the true top 3 (a single batch here, so the estimates are exact)
grep '^N ' "$T/exp.sum" | sed 's/^N //' | awk -F'[|\t]' '{ print $1 "|" $2 "\t" $4 "\t" $3 }' | LC_ALL=C sort -t"$(printf '\t')" -k1,1 -k2,2nr -k3,3 |
	awk -F'\t' '{ if ($1 != last) { k = 0; last = $1 } if (k++ < 3) print $1 "|" $3 "\t" $2 }' | LC_ALL=C sort >"$T/top3.exp"
q dnsa_ret "SET time_zone = '+00:00'; SELECT CONCAT(UNIX_TIMESTAMP(t.ts), '|', z.name, '|', t.qname), t.est FROM top_name_hour t JOIN zone z USING (zone_id)" | LC_ALL=C sort >"$T/top3.got"
ok "$(cmp -s "$T/top3.exp" "$T/top3.got"; echo $?)" "they are the 3 most queried names of each zone and hour, with exact estimates"
done_testing
