#!/bin/bash
# tests/integration/partner_guard.t: a partner cannot hold up a rollup run (locking reads, idle transactions, connections, statement time).
#
# Real accounts on a private MariaDB: partner p1 (made by dnsa-partner), the rollup's own
# account (role dnsa_rollup, as in docs/deployment.md) and staff. Each attack is made by
# the partner and held idle for 10 s while a rollup run of fresh staged data (its own
# aggregator) is timed; a run may take at most 4 s more than the same run unattacked.
# At the end the staff's totals equal the generator's for every run made.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/mariadb.sh"
for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd not installed"; exit 0; }
T=$(mktemp -d /tmp/dnsa-pguard.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; mariadb_stop; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

mariadb_start "$T/mdb" || { echo "Bail out! cannot start MariaDB"; exit 1; }
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root >/dev/null
ok $? "schema migrated"
mariadb_sql dnsa -e "CREATE USER 'dnsa_rollup'@'localhost' IDENTIFIED BY 'rollup-pw-1';
	GRANT dnsa_rollup TO 'dnsa_rollup'@'localhost'; SET DEFAULT ROLE dnsa_rollup FOR 'dnsa_rollup'@'localhost'"
printf 'user = dnsa_rollup\npassword = rollup-pw-1\n' >"$T/cred"; chmod 600 "$T/cred"
P() { "$ROOT/tools/dnsa-partner" -S "$MDB_SOCK" -u root "$@"; }
echo 'partner-one-pw' >"$T/pw1"; echo 'staff-member-pw' >"$T/pw3"
P add p1 "$T/pw1" >/dev/null && P grant p1 zone0.test zone1.test zone2.test >/dev/null && P staff alice "$T/pw3" >/dev/null
ok $? "partner p1 (zone0-2.test) and staff alice made by dnsa-partner"

START=$(( $(date +%s) / 86400 * 86400 - 4 * 3600 ))
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/gen.db" -r 300 -c -t "$START" -d 7200 -e "$T/exp.txt" >/dev/null
echo 0 >"$T/runs"
# one rollup run of the same 300 staged records (as another boot) under a new aggregator name; prints
# its wall time in ms; EXTRA is appended to the configuration
rollup() {
	runs=$(( $(cat "$T/runs") + 1 )); echo $runs >"$T/runs"   # called in $(...)
	rm -f "$T/st.db"*; cp "$T/gen.db" "$T/st.db"
	# another boot per run: the same datagrams again would be replays, counted once (migration 005)
	sqlite3 "$T/st.db" "UPDATE datagram SET boot_id = boot_id + $runs * 1000000000"
	cat >"$T/r.conf" <<-CONF
		staging = $T/st.db
		aggregator = agg$runs
		lock_file = $T/r.lock
		mariadb.socket = $MDB_SOCK
		mariadb.credentials = $T/cred
		${EXTRA:-}
	CONF
	t0=$(date +%s%N)
	"$B/bin/aggd-rollup" -v -c "$T/r.conf" >"$T/rollup.out" 2>&1
	echo "$? $(( ($(date +%s%N) - t0) / 1000000 ))"
}
# the partner runs SQL, then idles in its transaction for 10 s (background, PID in $apid)
attack() {
	printf '%s; SELECT SLEEP(10); COMMIT;\n' "$1" |
		mariadb --no-defaults --socket="$MDB_SOCK" -u p1 -ppartner-one-pw dnsa >/dev/null 2>"$T/attack.err" &
	apid=$!
	PIDS="$PIDS $apid"
}
endattack() { kill "$apid" 2>/dev/null; wait "$apid" 2>/dev/null; }
staff() { mariadb --no-defaults --socket="$MDB_SOCK" -u alice -pstaff-member-pw --batch --skip-column-names dnsa -e "$1"; }
kills() { staff "SELECT COUNT(*) FROM partner_guard_events WHERE account = 'p1' AND action = 'kill_connection' AND reason = '$1'"; }

set -- $(rollup); base=$2
is "$1" 0 "a rollup run with no partner activity (the reference: $base ms)"
# a few seconds: the 2 s the rollup waits for a lock, a redone batch, a loaded machine
limit=$((base + 4000))

attack "BEGIN; SELECT COUNT(*) FROM zone_qps_hour FOR UPDATE"
sleep 1
set -- $(rollup)
is "$1" 0 "rollup while p1 holds SELECT ... FOR UPDATE through zone_qps_hour"
ok $(( $2 > limit )) "... and it is not held up: $2 ms (at most $limit)"
endattack

attack "BEGIN; SELECT COUNT(*) FROM zone_qps_minute LOCK IN SHARE MODE; SELECT COUNT(*) FROM my_zones FOR UPDATE"
sleep 1
set -- $(rollup)
is "$1" 0 "rollup while p1 holds LOCK IN SHARE MODE on zone_qps_minute and FOR UPDATE on my_zones"
ok $(( $2 > limit )) "... not held up: $2 ms (at most $limit)"
endattack

attack "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN; SELECT COUNT(*) FROM zone_qps_day; SELECT COUNT(*) FROM zone_top_names_hour"
sleep 1
set -- $(rollup)
is "$1" 0 "rollup while p1 idles in a SERIALIZABLE transaction (its plain reads lock)"
ok $(( $2 > limit )) "... not held up: $2 ms (at most $limit)"
wait "$apid" 2>/dev/null
grep -q 'Lost connection' "$T/attack.err"; ok $? "the partner's session was killed (its client lost the connection)"
is "$(kills row_locks)" 1 "partner_guard_events (staff view): one kill_connection of p1 for row_locks"

# the locks taken while the batch is already writing: with one row per statement the
# series take ~1 s to write, and the partner locks the top names (written last) meanwhile
set -- $(EXTRA='upsert_rows = 1' rollup); slow=$2
is "$1" 0 "reference run, one row per INSERT ($slow ms)"
(sleep 0.2; printf 'SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN; SELECT COUNT(*) FROM zone_top_names_hour; SELECT SLEEP(10);\n' |
	mariadb --no-defaults --socket="$MDB_SOCK" -u p1 -ppartner-one-pw dnsa >/dev/null 2>&1) &
apid=$!; PIDS="$PIDS $apid"
set -- $(EXTRA='upsert_rows = 1' rollup)
is "$1" 0 "rollup while p1 takes locks in the middle of its batch"
# 2 s of lock wait, the batch done twice, and slack for a sanitizer build on a busy box (CI saw
# 9.3 s against a 2.4 s reference under ASan once, 6.5 s on the next run): a lock held to
# MariaDB's own 50 s wait, or a batch redone again and again, still fails this
ok $(( $2 > 2 * slow + 6000 )) "... held up by the 2 s lock wait and the batch done twice, at most: $2 ms (reference $slow ms)"
diag "$(sed -n 's/.*\(retries\).*/&/p' "$T/rollup.out" | grep -o '[0-9]* retries'), $(kills row_locks) row_locks kills so far"
endattack

# the third kill within an hour locks the account
i=0
while [ "$(kills row_locks)" -lt 3 ] && [ $i -lt 3 ]; do
	attack "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN; SELECT COUNT(*) FROM zone_qps_hour"
	sleep 1
	set -- $(rollup)
	endattack
	i=$((i + 1))
done
mariadb --no-defaults --socket="$MDB_SOCK" -u p1 -ppartner-one-pw dnsa -e 'SELECT 1' >/dev/null 2>"$T/err"
grep -q 'account is locked' "$T/err"; ok $? "after 3 kills within an hour p1's account is locked ($(cat "$T/err"))"
is "$(staff "SELECT COUNT(*) FROM partner_guard_events WHERE account = 'p1' AND action = 'account_locked'")" 1 \
	"partner_guard_events shows the account_locked"
P unlock p1 >/dev/null
is "$(mariadb --no-defaults --socket="$MDB_SOCK" -u p1 -ppartner-one-pw --batch --skip-column-names dnsa -e 'SELECT COUNT(*) FROM my_zones' 2>&1)" 3 \
	"dnsa-partner unlock p1: p1 reads its 3 zones again"

# statement time: a partner may lift its session's max_statement_time; the guard kills the
# statement at the next run once it is 5 s past the account's limit
P -t 1 limits p1 >/dev/null
printf 'SET SESSION max_statement_time = 0; SELECT SLEEP(30);\n' |
	mariadb --no-defaults --socket="$MDB_SOCK" -u p1 -ppartner-one-pw dnsa >/dev/null 2>"$T/attack.err" &
apid=$!; PIDS="$PIDS $apid"
sleep 6.5
set -- $(rollup)
is "$1" 0 "rollup while p1 runs a 30 s statement past its 1 s MAX_STATEMENT_TIME"
t0=$(date +%s)
wait "$apid" 2>/dev/null
ok $(( $(date +%s) - t0 > 2 )) "the statement was stopped by the guard"
is "$(staff "SELECT COUNT(*) FROM partner_guard_events WHERE account = 'p1' AND action = 'kill_query' AND reason = 'statement_time'")" 1 \
	"partner_guard_events: kill_query for statement_time"

# connections: p1 may hold 4 (its MAX_USER_CONNECTIONS), the rest of max_connections stays free
mariadb_sql -e "SET GLOBAL max_connections = 20"
P -c 4 -t 60 limits p1 >/dev/null
# the sessions of the attacks above end when their clients are gone (bounded wait)
i=0
while [ "$(mariadb_sql -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'p1'")" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
# 12 clients at once, not 20: MariaDB counts a connection against max_connections from accept,
# before it knows the user, so 20 at once beside the test's own sessions can meet ERROR 1040
# (too many connections) instead of p1's own limit
i=0
while [ $i -lt 12 ]; do
	mariadb --no-defaults --socket="$MDB_SOCK" -u p1 -ppartner-one-pw dnsa -e 'SELECT SLEEP(20)' >/dev/null 2>"$T/conn.$i.err" &
	PIDS="$PIDS $!"
	i=$((i + 1))
done
# each client's error in its own file (several writing one file can interleave); wait until
# every client is either refused or holding a session (bounded: 30 s on a loaded machine)
p1n() { mariadb_sql -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'p1'"; }
i=0
while [ $(( $(cat "$T"/conn.*.err | grep -c ERROR) + $(p1n) )) -lt 12 ] && [ $i -lt 300 ]; do
	sleep 0.1; i=$((i + 1))
done
is "$(mariadb_sql -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'p1'")" 4 \
	"p1 tried 12 connections at once (max_connections = 20), MariaDB let it have 4"
is "$(cat "$T"/conn.*.err | grep -o "ERROR [0-9]*" | sort | uniq -c | tr -s " " | tr "\n" ";")" " 8 ERROR 1226;" "the other 8 were refused with ERROR 1226 (max_user_connections)"
[ "$TAP_FAIL" = 0 ] || { grep . "$T"/conn.*.err | sed 's/^/# /'; mariadb_sql -e "SELECT ID, USER, COMMAND, STATE FROM information_schema.PROCESSLIST" | sed 's/^/# /'; }
set -- $(rollup)
is "$1" 0 "the rollup connects and runs meanwhile"
P -c 15 add p9 "$T/pw1" >/dev/null 2>"$T/err"
ok $(( $? == 0 )) "dnsa-partner refuses a partner whose 15 connections would leave less than 10 of 20 free: $(cat "$T/err")"
mariadb_sql -e "SET GLOBAL max_connections = 151"

# end to end: every run's data is there exactly once (staff view, generator's expectation)
runs=$(cat "$T/runs")
exp=$(awk -F'[|\t]' '$1 == "S hour" && $4 == "*" && $5 == "total" && $3 != "*" { s += $7 } END { print s + 0 }' "$T/exp.txt")
is "$(staff 'SELECT SUM(queries) FROM zone_qps_hour')" "$((exp * runs))" "staff totals: $runs runs x $exp estimated queries, none lost or doubled"
done_testing
