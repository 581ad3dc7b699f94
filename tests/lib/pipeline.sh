# tests/lib/pipeline.sh: the whole chain for fault and soak tests: Knot -> capd -> aggd -> aggd-rollup -> MariaDB.
#
# Source it (after setting DNSA_BUILD), then:
#   pipe_setup                 temp dir $T, node key + keyring (node "node-test"), geo DBs, free port
#                              $AGG_PORT; installs the cleanup trap (every process stopped by PID)
#   pipe_mdb                   private MariaDB + schema + $T/rollup.conf (aggregator "agg-test")
#   pipe_aggd_start / _stop    aggd on 127.0.0.1:$AGG_PORT, staging $T/staging.db, log $T/aggd.log
#                              (appended: a restart keeps the history); sets AGGD_PID
#   pipe_capd_conf [LINES]     $T/capd.conf: Knot's zones, unlisted recorded, counters every second,
#                              dnstap socket $SOCK; extra lines appended (e.g. a [sampling] section)
#   capd_start/capd_stop       from capd.sh ($T/capd.log is rewritten on each start)
#   knot_start/knot_stop       from knot.sh (knot_start "$T/knot" "$SOCK"; KNOT_PORT stays across restarts)
#   pipe_rollup                one aggd-rollup run; exit status kept; stderr in $T/rollup.err,
#                              max RSS (KiB) appended to $T/rollup.rss
#   staff_q SQL                run SQL as the staff account "staff" (made by pipe_mdb with dnsa-partner)
#   mdb_counter SOURCE NAME    sum of node_counter_day increments (capd/aggd/rollup) of node-test
#   mdb_total                  "est sampled" over every zone and node (series_day, total)
#   perf_start SECS RATE       dnsperf at RATE qps for SECS seconds in the background, output $T/perf.N
#   perf_wait                  wait for it (bounded by its own timeout); sets PERF_SENT PERF_DONE PERF_LOST
#   staged_secs                per-second record counts of the staged records: "UNIX_SECOND COUNT" lines
#   rss_kib PID                VmRSS of a process in KiB (0 if gone)
#   pipe_logs_clean            0 if no daemon log or rollup stderr holds a sanitizer report (make SAN=1)
#   pipe_track PID             stop this background process too in the cleanup (SIGTERM, then SIGKILL)
# Every wait is bounded; every process is stopped by its PID in the cleanup.

HERE_PIPE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/capd.sh
. "$HERE_PIPE/capd.sh"
# shellcheck source=tests/lib/knot.sh
. "$HERE_PIPE/knot.sh"
# shellcheck source=tests/lib/mariadb.sh
. "$HERE_PIPE/mariadb.sh"

BIN=$DNSA_BUILD/bin
NODE=node-test
AGGD_PID=
PERF_PID=
PERF_N=0
MDB_PID=
QUERIES=${QUERIES:-$REALSERVERS/queries.txt}

EXTRA_PIDS=
pipe_track() { EXTRA_PIDS="$EXTRA_PIDS $1"; }

pipe_cleanup() {
	local p
	for p in $EXTRA_PIDS; do kill -0 "$p" 2>/dev/null && stop_pid "$p" TERM; done
	[ -n "$PERF_PID" ] && stop_pid "$PERF_PID" TERM
	PERF_PID=
	knot_stop
	stop_pid "$CAPD_PID" TERM; CAPD_PID=
	stop_pid "$AGGD_PID" TERM; AGGD_PID=
	mariadb_stop
	capd_cleanup
}

pipe_setup() {
	capd_setup
	trap pipe_cleanup EXIT
	chmod 755 "$T"
	"$BIN/dnsa-keygen" -f -o "$T/node.key" "$NODE" > "$T/ring" || { echo "Bail out! dnsa-keygen"; exit 1; }
	chmod 600 "$T/ring"
	AGG_PORT=$(free_port)
	SOCK=$T/dnstap.sock
	cat > "$T/aggd.conf" <<-EOF
	listen = 127.0.0.1:$AGG_PORT
	keyring = $T/ring
	staging = $T/staging.db
	stats_interval = 1
	summary_interval = 0
	allow_root = yes
	EOF
	# the tests read and append to staging.db itself (sqlite3, stage-hostile): one file,
	# unless the test rotates (tests/integration/staging_rotate.t tests the rotated set)
	[ -n "${ROTATE:-}" ] || printf 'staging.rotate_mb = 0\nstaging.rotate_seconds = 0\n' >> "$T/aggd.conf"
}

pipe_mdb() {
	mariadb_start "$T/mdb" || { echo "Bail out! MariaDB did not start"; exit 1; }
	"$SRC/tools/dnsa-migrate" -S "$MDB_SOCK" -u root > "$T/migrate.log" 2>&1 ||
		{ sed 's/^/# /' "$T/migrate.log"; echo "Bail out! dnsa-migrate"; exit 1; }
	printf 'user = root\npassword =\n' > "$T/rollup.cred"
	chmod 600 "$T/rollup.cred"
	cat > "$T/rollup.conf" <<-EOF
	staging = $T/staging.db
	aggregator = agg-test
	lock_file = $T/rollup.lock
	mariadb.socket = $MDB_SOCK
	mariadb.database = dnsa
	mariadb.credentials = $T/rollup.cred
	top_n = 1000
	EOF
	printf 'staff-test-pw\n' > "$T/staff.pw"
	chmod 600 "$T/staff.pw"
	"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root staff staff "$T/staff.pw" > /dev/null ||
		{ echo "Bail out! dnsa-partner staff"; exit 1; }
}
staff_q() { mariadb --no-defaults --socket="$MDB_SOCK" -u staff -pstaff-test-pw --batch --skip-column-names dnsa -e "$1"; }

pipe_aggd_start() {
	local i starts
	starts=$(grep -c 'started:' "$T/aggd.log" 2>/dev/null)
	"$BIN/aggd" -f -c "$T/aggd.conf" >> "$T/aggd.log" 2>&1 &
	AGGD_PID=$!
	for i in $(seq 100); do
		[ "$(grep -c 'started:' "$T/aggd.log")" -gt "${starts:-0}" ] && return 0
		kill -0 "$AGGD_PID" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# aggd: /' "$T/aggd.log"
	return 1
}

pipe_aggd_stop() {
	stop_pid "$AGGD_PID" TERM; AGGD_PID=
}

pipe_capd_conf() {
	{
		echo "node_key = $T/node.key"
		echo "aggregator = 127.0.0.1:$AGG_PORT"
		echo "counters_interval = 1"
		echo "[zones]"
		echo "zone = example.test sample.test"
		echo "unlisted = record"
		echo "[client]"
		echo "country_db = $T/country.mmdb"
		echo "[dnstap]"
		echo "socket = $SOCK"
		echo "[privileges]"
		echo "allow_root = yes"
		for l in "$@"; do echo "$l"; done
	} > "$T/capd.conf"
}

pipe_rollup() {
	local rc
	/usr/bin/time -o "$T/rollup.time" -f '%M' timeout 120 "$BIN/aggd-rollup" -c "$T/rollup.conf" 2> "$T/rollup.err"
	rc=$?
	tail -1 "$T/rollup.time" >> "$T/rollup.rss"
	return $rc
}

mdb_q() { mariadb_sql dnsa -e "$1"; }
mdb_counter() {
	mdb_q "SELECT COALESCE(SUM(c.value), 0) FROM node_counter_day c JOIN node n USING (node_id)
	       WHERE n.name = '$NODE' AND c.source = '$1' AND c.counter = '$2'"
}
mdb_total() {
	mdb_q "SELECT COALESCE(SUM(est), 0), COALESCE(SUM(sampled), 0) FROM series_day
	       WHERE zone_id = 0 AND node_id = 0 AND dim = 'total'" | tr '\t' ' '
}

perf_start() {   # perf_start SECS RATE [dnsperf args]
	local secs=$1 rate=$2; shift 2
	PERF_N=$((PERF_N + 1))
	PERF_OUT=$T/perf.$PERF_N
	timeout $((secs + 30)) dnsperf -s 127.0.0.1 -p "$KNOT_PORT" -d "$QUERIES" -l "$secs" -Q "$rate" -t 2 "$@" \
		> "$PERF_OUT" 2>&1 &
	PERF_PID=$!
}

perf_wait() {
	wait "$PERF_PID" 2>/dev/null
	PERF_PID=
	PERF_SENT=$(awk '/Queries sent:/ {print $3}' "$PERF_OUT")
	PERF_DONE=$(awk '/Queries completed:/ {print $3}' "$PERF_OUT")
	PERF_LOST=$(awk '/Queries lost:/ {print $3}' "$PERF_OUT")
	: "${PERF_SENT:=0}" "${PERF_DONE:=0}" "${PERF_LOST:=0}"
}

staged_secs() {
	"$BIN/dnsa-sender" -x "$T/staging.db" | awk '{ c[int($1 / 1000000)]++ } END { for (s in c) print s, c[s] }' | sort -n
}

pipe_logs_clean() {
	! grep -l 'Sanitizer\|runtime error:' "$T"/*.log "$T"/*.err "$T"/knot/*.log 2>/dev/null | sed 's/^/# sanitizer report in /' | grep .
}

rss_kib() {
	awk '/^VmRSS:/ {print $2; f = 1} END {if (!f) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}
