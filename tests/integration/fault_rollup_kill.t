#!/bin/bash
# tests/integration/fault_rollup_kill.t: aggd-rollup SIGKILLed at 20 random moments, rerun until done: MariaDB holds exactly what one uninterrupted run of the same staging writes.
#
# rollup.t kills the job at three chosen points (DNSA_ROLLUP_CRASH); this kills it from
# outside at random delays, so the kill lands wherever the run happens to be: connecting,
# reading staging, writing upserts, committing, pruning, quarantining. Small batches
# (batch_rows = 40) and prune chunks make every phase short and frequent; the delays
# scale with the uninterrupted run's duration, so the kills land throughout any run.
# SEED=N reproduces a sequence of delays.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-rkill.XXXXXX)
RUN_PID=
cleanup() {
	[ -n "$RUN_PID" ] && kill -9 "$RUN_PID" 2>/dev/null && wait "$RUN_PID" 2>/dev/null
	mariadb_stop
	[ -n "${KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$ROOT/tests/lib/tap.sh"
for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd not installed"; exit 0; }
SEED=${SEED:-$$}
RANDOM=$SEED
echo "# SEED=$SEED"
KILLS=20

mariadb_start "$T/mdb" || { echo "Bail out! cannot start MariaDB"; exit 1; }
for db in ref kill; do
	"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d "dnsa_$db" > /dev/null || { echo "Bail out! dnsa-migrate"; exit 1; }
done

# one hour of synthetic staging ending two hours ago: 3 nodes, 5 zones, capd counters
# (two boots per node), aggd node_stats and 3 rows that do not decode (quarantined)
START=$(( $(date +%s) / 3600 * 3600 - 3 * 3600 ))
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/template.db" -r 30000 -c -g 3 -t "$START" -d 3600 > "$T/gen.out" ||
	{ echo "Bail out! gen-staging"; exit 1; }
echo "# gen-staging: $(cat "$T/gen.out")"
printf 'user = root\npassword =\n' > "$T/cred"
chmod 600 "$T/cred"
for db in ref kill; do
	cp "$T/template.db" "$T/$db.db"
	cat > "$T/$db.conf" <<-EOF
	staging = $T/$db.db
	aggregator = agg1
	lock_file = $T/$db.lock
	mariadb.socket = $MDB_SOCK
	mariadb.database = dnsa_$db
	mariadb.credentials = $T/cred
	batch_rows = 40
	prune_chunk = 15
	top_n = 100000
	EOF
done

# everything rolled up, in comparable form (tests/lib/mariadb.sh)
dump() { mariadb_dump "dnsa_$1"; }
run() { timeout 120 "$B/bin/aggd-rollup" -c "$T/$1.conf" 2>> "$T/$1.err"; }

# ---- the uninterrupted run
t0=$(date +%s%N)
run ref
ok $? "uninterrupted run exits 0"
D_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
dump ref > "$T/ref.dump"
echo "# uninterrupted run: $D_MS ms, $(grep -c . "$T/ref.dump") rows in MariaDB"
is "$(mariadb_sql dnsa_ref -e 'SELECT records, quarantined FROM rollup_checkpoint')" "30000	3" "it rolled up 30000 records and quarantined 3 rows"

# ---- 20 runs killed at random delays, up to 1/12 of the uninterrupted run each, so
# that the 20 together cannot finish the work (each loses its uncommitted batch)
MAXDELAY=$(( D_MS / 12 > 100 ? D_MS / 12 : 100 ))
killed=0
finished=0
delays=""
for i in $(seq $KILLS); do
	delay=$(( RANDOM % MAXDELAY + 5 ))
	delays="$delays $delay"
	"$B/bin/aggd-rollup" -c "$T/kill.conf" 2>> "$T/kill.err" &
	RUN_PID=$!
	sleep "$(printf '0.%03d' "$delay")"
	kill -9 "$RUN_PID" 2>/dev/null
	wait "$RUN_PID" 2>/dev/null
	rc=$?
	RUN_PID=
	case $rc in
	137) killed=$((killed + 1)) ;;
	0) finished=$((finished + 1)) ;;
	*) echo "# run $i exited $rc: $(tail -1 "$T/kill.err")" ;;
	esac
	progress=$(mariadb_sql dnsa_kill -e 'SELECT COALESCE(MAX(batches), 0) FROM rollup_checkpoint')
	echo "# kill $i after ${delay} ms: exit $rc, batches committed so far $progress"
done
echo "# delays (ms):$delays"
ok $(( killed >= KILLS * 3 / 4 ? 0 : 1 )) "$killed of $KILLS runs were killed mid-way ($finished had already finished)"
ref_batches=$(mariadb_sql dnsa_ref -e 'SELECT batches FROM rollup_checkpoint')
ok $(( progress > 0 && progress < ref_batches ? 0 : 1 )) "the killed runs made progress but did not finish ($progress of $ref_batches batches)"

# ---- rerun until done
rc=1
for i in 1 2 3; do
	run kill && { rc=0; break; }
done
ok $rc "a rerun completes and exits 0"
dump kill > "$T/kill.dump"
diff "$T/ref.dump" "$T/kill.dump" > "$T/diff"
ok $? "every series, name, node counter, capd_last and checkpoint total equals the uninterrupted run's ($(grep -c . "$T/ref.dump") rows)"
sed 's/^/#   /' "$T/diff" | head -10
is "$(sqlite3 "$T/kill.db" 'SELECT COUNT(*) FROM quarantine')" 3 "the 3 bad rows are quarantined once each"
is "$(sqlite3 "$T/kill.db" 'SELECT COUNT(*) FROM datagram; SELECT COUNT(*) FROM node_stats' | tr '\n' ' ')" \
   "$(sqlite3 "$T/ref.db" 'SELECT COUNT(*) FROM datagram; SELECT COUNT(*) FROM node_stats' | tr '\n' ' ')" "staging pruned as far as by the uninterrupted run"
is "$(sqlite3 "$T/kill.db" 'PRAGMA integrity_check')" ok "the staging database is intact after $killed SIGKILLs"
run kill
ok $? "another run with nothing new exits 0"
dump kill | cmp -s - "$T/ref.dump"
ok $? "and changes nothing"
! grep -l 'Sanitizer\|runtime error:' "$T"/*.err 2>/dev/null | grep .; ok $? "no sanitizer report from the rollup runs"
done_testing
