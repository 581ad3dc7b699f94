# tests/lib/aggd-test.sh: shared shell helpers for the aggd integration tests (TAP, temp dir, ports, start/stop).
# Sourced by tests/integration/aggd-*.t. Every process started is stopped by PID in cleanup.
# TAP (ok, is, diag, done_testing) from tap.sh; free_port, stop_pid, wait_for from proc.sh.

B=${DNSA_BUILD:?DNSA_BUILD must point at the build directory}/bin
# shellcheck source=tests/lib/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
# shellcheck source=tests/lib/proc.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"
T=$(mktemp -d /tmp/aggd-test.XXXXXX)
chmod 755 "$T"
PIDS=""
MOUNTS=""

cleanup() {
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for m in $MOUNTS; do umount "$m" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

# keygen NODE: $T/NODE.key and a line appended to $T/ring
keygen() {
	"$B/dnsa-keygen" -f -o "$T/$1.key" "$1" >> "$T/ring" && chmod 600 "$T/ring"
}

# write_conf [extra lines...]: $T/aggd.conf listening on $PORT (v4 and v6)
write_conf() {
	{
		echo "listen = 127.0.0.1:$PORT"
		echo "listen = [::1]:$PORT"
		echo "keyring = $T/ring"
		echo "staging = ${STAGING:-$T/staging.db}"
		echo "allow_root = yes"
		echo "stats_interval = 1"
		# the checks here read the base file (sq): one file, unless the test rotates
		[ -n "${ROTATE:-}" ] || printf 'staging.rotate_mb = 0\nstaging.rotate_seconds = 0\n'
		for l in "$@"; do echo "$l"; done
	} > "$T/aggd.conf"
}

# start_aggd: run aggd in the foreground (background job), wait until it says started
start_aggd() {
	"$B/aggd" -c "$T/aggd.conf" -f >> "$T/aggd.log" 2>&1 &
	AGGD=$!
	PIDS="$PIDS $AGGD"
	for _ in $(seq 100); do
		grep -q "started:" "$T/aggd.log" 2>/dev/null && [ "$(grep -c started: "$T/aggd.log")" -ge "${STARTS:-1}" ] && return 0
		kill -0 "$AGGD" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# stop_aggd: SIGTERM, up to 10 s, then SIGKILL; sets AGGD_RC
stop_aggd() {
	stop_pid "$AGGD" TERM 10
	AGGD_RC=$?
}

sq() { sqlite3 -cmd ".timeout 5000" "${STAGING:-$T/staging.db}" "$1"; }
# stat NODE COUNTER: the sum of node_stats increments
stat() { sq "SELECT coalesce(sum(value), 0) FROM node_stats WHERE node = '$1' AND counter = '$2'"; }

# count_is N [WHERE]: the datagram table holds N rows (re-evaluated on every call, for wait_for)
count_is() { [ "$(sq "SELECT count(*) FROM datagram ${2:-}")" = "$1" ]; }
# count_ge N: the datagram table holds at least N rows
count_ge() { [ "$(sq "SELECT count(*) FROM datagram")" -ge "$1" ]; }
