#!/bin/bash
# tests/integration/staging_rotate.t: a rotated staging set: the rollup reads across the files, unlinks whole files once committed, survives kills and damaged files; aggd rotates under load and across SIGKILLs, exactly once.
#
# Part 1 rolls up gen-staging's records twice, once as one file and once split into a
# rotated set (-R), and compares every series, name and counter in MariaDB; then the
# set again with the rollup killed after a commit and during the prune (unlink); then
# a set an operator damaged (a file truncated, one removed, one overwritten with text,
# one a copy of an earlier file, a stray file beside them). Part 2 runs aggd with
# small rotation bounds under a datagram stream with aggd-rollup running all the time,
# then kills aggd (SIGKILL) inside a rotation, before and after the new file gets its
# name, and resends everything: MariaDB holds exactly what was sent, once. Last, an
# upgrade: a staging.db from before rotation, with rows not yet rolled up; and junk or a
# copy of an older file named past aggd's file (aggd refuses it, the rollup sets it aside).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/mariadb.sh"
. "$ROOT/tests/lib/proc.sh"
T=$(mktemp -d /tmp/dnsa-rotate.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	mariadb_stop
	[ -n "${KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$ROOT/tests/lib/tap.sh"
for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging" "$B/bin/aggd" "$B/bin/dnsa-sender" "$B/bin/dnsa-keygen"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd not installed"; exit 0; }

mariadb_start "$T/mdb" || { echo "Bail out! cannot start MariaDB"; exit 1; }
DBS="one set kill bad live crash1 crash2 up tail"
for db in $DBS; do
	"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d "dnsa_$db" > /dev/null || { echo "Bail out! dnsa-migrate"; exit 1; }
done
printf 'user = root\npassword =\n' > "$T/cred"
chmod 600 "$T/cred"
# conf NAME [extra lines]: $T/NAME.conf rolling up $T/NAME/staging.db into dnsa_NAME
conf() {
	local n=$1
	shift
	mkdir -p "$T/$n"
	{
		echo "staging = $T/$n/staging.db"
		echo "aggregator = agg1"
		echo "lock_file = $T/$n.lock"
		echo "mariadb.socket = $MDB_SOCK"
		echo "mariadb.database = dnsa_$n"
		echo "mariadb.credentials = $T/cred"
		echo "top_n = 100000"
		for l in "$@"; do echo "$l"; done
	} > "$T/$n.conf"
}
run() { timeout 120 "$B/bin/aggd-rollup" -v -c "$T/$1.conf" 2>> "$T/$1.err"; }
# everything rolled up, in comparable form (tests/lib/mariadb.sh)
dump() { mariadb_dump "dnsa_$1"; }
files() { (cd "$T/$1" && ls | grep -E '^staging\.db\.[0-9]{8}$' | wc -l); }
ck() { mariadb_sql "dnsa_$1" -e "SELECT $2 FROM rollup_checkpoint"; }

# ---------------------------------------------------------------- part 1: the rollup
START=$(( $(date +%s) / 3600 * 3600 - 3 * 3600 ))
GEN=("$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -r 30000 -c -g 3 -t "$START" -d 3600)
for n in one set kill bad; do conf "$n" "batch_rows = 40"; done
"${GEN[@]}" -o "$T/one/staging.db" > "$T/gen-one.out" || { echo "Bail out! gen-staging"; exit 1; }
for n in set kill bad; do
	"${GEN[@]}" -o "$T/$n/staging.db" -R 100 > "$T/gen-$n.out" || { echo "Bail out! gen-staging -R"; exit 1; }
done
diag "one file: $(cat "$T/gen-one.out"); set: $(cat "$T/gen-set.out")"
NF=$(awk '{ print $NF }' "$T/gen-set.out")
is "$(files set)" "$NF" "gen-staging -R wrote a set of $NF files beside the base file"
LAST=$(printf '%s/set/staging.db.%08d' "$T" "$NF")
last_rows=$(sqlite3 "$LAST" 'SELECT COUNT(*) FROM datagram')

run one; ok $? "the single file rolls up"
run set; ok $? "the rotated set rolls up"
dump one > "$T/one.dump"
dump set > "$T/set.dump"
diff "$T/one.dump" "$T/set.dump" > "$T/diff"
ok $? "MariaDB holds the same from the set as from the one file ($(grep -c . "$T/one.dump") rows)"
sed 's/^/#   /' "$T/diff" | head -10
is "$(ck set 'records, quarantined')" "30000	3" "30000 records rolled up, 3 rows quarantined"
is "$(files set)" 1 "every closed file is unlinked; the last one (aggd's) stays"
is "$(sqlite3 "$LAST" 'SELECT COUNT(*) FROM datagram')" "$last_rows" "no row of the last file is deleted ($last_rows)"
is "$(sqlite3 "$T/set/staging.db" 'SELECT COUNT(*) FROM quarantine')" 3 "the quarantined rows are kept in the base file"
grep -q "files unlinked" "$T/set.err" && grep -o '[0-9]* files unlinked' "$T/set.err" | head -1 | grep -q "^$((NF - 1)) "
ok $? "the run reports $((NF - 1)) files unlinked"
ls "$T/set" | grep -E -- '-wal$|-shm$' | grep -v '^staging\.db-' | grep -v "$(basename "$LAST")" | grep -q .
ok $(( $? ? 0 : 1 )) "no -wal or -shm of an unlinked file is left"
run set; ok $? "a second run with nothing new exits 0"
dump set | cmp -s - "$T/set.dump"; ok $? "and changes nothing"
is "$(sqlite3 "$LAST" 'SELECT COUNT(*) FROM datagram')" "$last_rows" "the last file's rows are still not deleted"

# killed after a commit, before its files are unlinked; and while unlinking
DNSA_ROLLUP_CRASH=after_commit:3 run kill
is $? 137 "run killed after the commit of batch 3"
before=$(files kill)
DNSA_ROLLUP_CRASH=during_prune:2 run kill
is $? 137 "rerun killed during the prune (once it unlinked the files it had committed)"
ok $(( $(files kill) < before ? 0 : 1 )) "the rerun unlinked what the first had committed ($before -> $(files kill) files)"
run kill; ok $? "a third run completes"
dump kill | cmp -s - "$T/set.dump"; ok $? "MariaDB holds exactly what one uninterrupted run writes"
is "$(files kill)" 1 "every closed file is unlinked"

# damaged by an operator: file 3 truncated, file 5 removed, file 8 overwritten with text,
# file 12 replaced by a copy of file 2 (ids out of order), strays beside them
B3=$(printf '%s/bad/staging.db.%08d' "$T" 3); B5=${B3%3}5; B8=${B3%3}8; B12=${B3%03}12; B2=${B3%3}2
lost=0
for f in "$B3" "$B5" "$B8" "$B12"; do lost=$((lost + $(sqlite3 "$f" 'SELECT COALESCE(SUM(nrecords), 0) FROM datagram'))); done
truncate -s 20000 "$B3"
rm "$B5"
echo "not a database" > "$B8"
cp "$B2" "$B12"
echo junk > "$T/bad/staging.db.old"
echo junk > "$T/bad/staging.db.00000004.orig"
run bad; ok $? "the damaged set rolls up (exit 0)"
is "$(ck bad records)" "$((30000 - lost))" "every record of the intact files is rolled up, once ($((30000 - lost)); $lost lost with the 4 damaged files)"
is "$(ls "$T/bad" | grep -c '\.bad$')" 3 "the truncated, overwritten and out-of-order files are set aside as .bad"
grep -q "3 file(s) set aside" "$T/bad.err"; ok $? "the run says so"
grep -q "ids missing between files" "$T/bad.err"; ok $? "and names the ids of the removed file"
grep -q "2 directory entries named like" "$T/bad.err"; ok $? "and counts the 2 stray files (left alone)"
is "$(ls "$T/bad" | grep -c -E 'staging\.db\.(old|00000004\.orig)$')" 2 "the strays are still there"
is "$(files bad)" 1 "the intact closed files are unlinked"
run bad; ok $? "the next run exits 0"

# ---------------------------------------------------------------- part 2: aggd rotating
"$B/bin/dnsa-keygen" -f -o "$T/node1.key" node1 > "$T/ring" && chmod 600 "$T/ring" || { echo "Bail out! dnsa-keygen"; exit 1; }
# aggd_conf NAME: $T/NAME-aggd.conf staging into $T/NAME/staging.db, rotating at 4 MB or 10 s
aggd_conf() {
	cat > "$T/$1-aggd.conf" <<-EOF2
	listen = 127.0.0.1:$PORT
	keyring = $T/ring
	staging = $T/$1/staging.db
	staging.rotate_mb = 4
	staging.rotate_seconds = 10
	stats_interval = 1
	summary_interval = 0
	metrics_file = $T/$1-aggd.prom
	allow_root = yes
	EOF2
}
# aggd_start NAME: aggd in the background (AGGD), up once it logged "started"
aggd_start() {
	"$B/bin/aggd" -f -c "$T/$1-aggd.conf" >> "$T/$1-aggd.log" 2>&1 &
	AGGD=$!
	PIDS="$PIDS $AGGD"
	STARTED_LOG=$T/$1-aggd.log STARTED_N=$2 wait_for 10 started
}
started() { [ "$(grep -c started: "$STARTED_LOG")" -gt "$STARTED_N" ]; }
# a rollup every 0.3 s while $T/NAME.loop exists (the lock makes overlapping runs exit 75)
rollup_loop() {
	touch "$T/$1.loop"
	( while [ -e "$T/$1.loop" ]; do run "$1"; sleep 0.3; done ) &
	LOOP=$!
	PIDS="$PIDS $LOOP"
}
rollup_loop_stop() { rm -f "$T/$1.loop"; wait "$LOOP" 2>/dev/null; }
sent() { awk -F'[ =]' '{ for (i = 1; i < NF; i++) if ($i == "'"$2"'") print $(i + 1) }' "$1"; }

# live: 24000 datagrams at 3000/s (about 30 MB: 7 files or so), the rollup running all along
# dnsa-sender's records are from November 2023
PORT=$(free_port)
conf live "window.past_days = 36500" "metrics_file = $T/live.prom"
aggd_conf live
aggd_start live 0; ok $? "aggd started, rotating at 4 MB or 10 s"
rollup_loop live
"$B/bin/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -b 7 -n 24000 -r 3000 -T 60 > "$T/live-send.out"
diag "sender: $(cat "$T/live-send.out")"
sleep 1.5
stop_pid "$AGGD" TERM 10; ok $? "aggd exits cleanly"
rollup_loop_stop live
run live; ok $? "a last rollup run exits 0"
rot=$(awk '$1 == "dnsa_aggd_staging_rotations_total" { print $2 }' "$T/live-aggd.prom")
ok $(( rot >= 5 ? 0 : 1 )) "aggd rotated $rot times under the load"
is "$(ck live 'datagrams, records, replayed')" "$(sent "$T/live-send.out" sent)	$(sent "$T/live-send.out" records)	0" \
   "MariaDB has every datagram and record sent, once, while rotation and the rollup ran concurrently"
is "$(files live)" 1 "every closed file was unlinked once committed; aggd's last file stays"
grep -q '^dnsa_aggd_staging_files 2$' "$T/live-aggd.prom"; ok $? "aggd's metrics show the set on disk (base file and its last file)"
grep -q '^dnsa_rollup_staging_files_pending{aggregator="agg1"} 0$' "$T/live.prom"; ok $? "the rollup's metrics show no closed file pending"
! grep -q 'other_writer\|error\|failed' "$T/live.err"; ok $? "no rollup run failed ($(grep -c 'batches:' "$T/live.err") runs)"

# crash: aggd SIGKILLed inside its 2nd rotation, after (then before) the new file got its name;
# the datagrams are sent again after the restart: aggd stages what it lost, refuses the rest
k=0
for point in rotate_renamed rotate_made; do
	k=$((k + 1))
	n=crash$k
	PORT=$(free_port)
	conf "$n" "window.past_days = 36500"
	aggd_conf "$n"
	DNSA_AGGD_CRASH=$point:2 aggd_start "$n" 0
	rollup_loop "$n"
	"$B/bin/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -b 9 -n 12000 -r 3000 -T 60 -w "$T/$n.dg" > "$T/$n-send.out"
	wait "$AGGD" 2>/dev/null
	is $? 137 "$point: aggd killed itself in its 2nd rotation"
	if [ $point = rotate_made ]; then
		ls "$T/$n" | grep -q '\.tmp'; ok $? "$point: the killed rotation left its .tmp"
	fi
	aggd_start "$n" 1; ok $? "$point: aggd restarted"
	! ls "$T/$n" | grep -q '\.tmp'; ok $? "$point: no .tmp left after the restart"
	"$B/bin/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -W "$T/$n.dg" -n 12000 -r 3000 -T 60 > "$T/$n-resend.out"
	sleep 1.5
	stop_pid "$AGGD" TERM 10
	rollup_loop_stop "$n"
	run "$n"; ok $? "$point: the last rollup run exits 0"
	is "$(ck "$n" 'datagrams, records, replayed')" "12000	$(sent "$T/$n-send.out" records)	0" \
	   "$point: MariaDB has the 12000 datagrams once; aggd staged none twice (replay state carried into the new file)"
	is "$(files "$n")" 1 "$point: the closed files are unlinked"
done

# upgrade: a staging.db of an aggd before rotation (no segment table), with rows the rollup
# has not read yet; the new aggd rotates away from it: nothing in it is lost
PORT=$(free_port)
conf up "window.past_days = 36500"
"${GEN[@]}" -o "$T/up/staging.db" -r 3000 > "$T/gen-up.out" && sqlite3 "$T/up/staging.db" 'DROP TABLE segment' ||
	{ echo "Bail out! gen-staging"; exit 1; }
old_rows=$(awk '{ print $2 }' "$T/gen-up.out")
aggd_conf up
aggd_start up 0; ok $? "upgrade: the new aggd starts on the old staging.db"
"$B/bin/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -b 11 -n 8000 -r 4000 -T 60 > "$T/up-send.out"
sleep 1.5
stop_pid "$AGGD" TERM 10
ok $(( $(files up) >= 2 ? 0 : 1 )) "upgrade: aggd rotated away from staging.db ($(files up) files)"
run up; ok $? "upgrade: the rollup runs"
is "$(ck up 'datagrams, records')" "$((old_rows + 8000))	$((3000 + $(sent "$T/up-send.out" records)))" \
   "upgrade: MariaDB has the old file's $old_rows rows and the 8000 sent since, once"
is "$(sqlite3 "$T/up/staging.db" 'SELECT COUNT(*) FROM datagram')" 1 "upgrade: the old rows are pruned from staging.db (its highest id kept)"
is "$(files up)" 1 "upgrade: the closed files are unlinked"

# the last file must be aggd's: junk named like the next file, or a copy of an older file
# put after it, would make aggd's file look closed (and unlinked while aggd writes it)
conf tail "batch_rows = 40"
"${GEN[@]}" -o "$T/tail/staging.db" -R 100 > "$T/gen-tail.out" || { echo "Bail out! gen-staging -R"; exit 1; }
LASTT=$(printf '%s/tail/staging.db.%08d' "$T" "$NF")
echo "not a database" > "$T/tail/staging.db.00000040"
cp "$(printf '%s/tail/staging.db.%08d' "$T" 5)" "$T/tail/staging.db.00000041"
PORT=$(free_port)
aggd_conf tail
out=$("$B/bin/aggd" -n -c "$T/tail-aggd.conf" 2>&1)
is "$?:$(grep -c 'staging.db.00000041: its ids begin inside those of the file before it' <<< "$out")" 1:1 \
   "aggd -n refuses a set whose newest file is a copy of an older one"
run tail; ok $? "junk and a copy after aggd's file: the rollup run exits 0"
is "$(ck tail records)" 30000 "every record rolled up, once"
ok $([ -f "$LASTT" ] && [ "$(files tail)" = 1 ] && echo 0 || echo 1) "the file before them (aggd's) is not unlinked; the closed ones are"
is "$(sqlite3 "$LASTT" 'SELECT COUNT(*) FROM datagram')" "$last_rows" "and none of its rows is deleted"
is "$(ls "$T/tail" | grep -c -E '^staging\.db\.0000004[01]\.bad$')" 2 "the junk and the copy are set aside as .bad"
"$B/bin/aggd" -n -c "$T/tail-aggd.conf" > /dev/null 2>&1; ok $? "then aggd -n accepts the set again"
echo junk > "$T/tail/staging.db.00000050"
out=$("$B/bin/aggd" -f -c "$T/tail-aggd.conf" 2>&1)
is "$?:$(grep -c 'staging.db.00000050 is not a staging file aggd made' <<< "$out")" 1:1 \
   "aggd refuses to start on a set whose newest file is junk, and says which"
done_testing
