# tests/lib/aggd-test.sh: shared shell helpers for the aggd integration tests (TAP, temp dir, ports, start/stop).
# Sourced by tests/integration/aggd-*.t. Every process started is stopped by PID in cleanup.

B=${DNSA_BUILD:?DNSA_BUILD must point at the build directory}/bin
T=$(mktemp -d /tmp/aggd-test.XXXXXX)
chmod 755 "$T"
TAP_N=0
TAP_FAIL=0
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

ok() { # ok COND-EXIT-STATUS NAME
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAIL=$((TAP_FAIL + 1)); fi
}
is() { # is GOT WANT NAME
	TAP_N=$((TAP_N + 1))
	if [ "$1" = "$2" ]; then echo "ok $TAP_N - $3"
	else echo "not ok $TAP_N - $3"; echo "#          got: '$1'"; echo "#     expected: '$2'"; TAP_FAIL=$((TAP_FAIL + 1)); fi
}
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAIL" -eq 0 ]; }
diag() { echo "# $*"; }

free_port() { # a UDP port free on 127.0.0.1 and ::1 right now
	perl -MIO::Socket::IP -e 'for (1..50) {
		my $s = IO::Socket::IP->new(Proto => "udp", LocalHost => "127.0.0.1", LocalPort => 0) or next;
		my $p = $s->sockport;
		my $t = IO::Socket::IP->new(Proto => "udp", LocalHost => "::1", LocalPort => $p) or next;
		print "$p\n"; exit 0 }
	exit 1'
}

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

# stop_aggd: SIGTERM and wait (bounded); sets AGGD_RC
stop_aggd() {
	kill -TERM "$AGGD" 2>/dev/null
	for _ in $(seq 200); do
		kill -0 "$AGGD" 2>/dev/null || break
		sleep 0.05
	done
	wait "$AGGD" 2>/dev/null
	AGGD_RC=$?
}

sq() { sqlite3 -cmd ".timeout 5000" "${STAGING:-$T/staging.db}" "$1"; }
# stat NODE COUNTER: the sum of node_stats increments
stat() { sq "SELECT coalesce(sum(value), 0) FROM node_stats WHERE node = '$1' AND counter = '$2'"; }

# wait_for CMD...: retry a command for up to 10 s
wait_for() {
	for _ in $(seq 200); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# count_is N [WHERE]: the datagram table holds N rows (re-evaluated on every call, for wait_for)
count_is() { [ "$(sq "SELECT count(*) FROM datagram ${2:-}")" = "$1" ]; }
# count_ge N: the datagram table holds at least N rows
count_ge() { [ "$(sq "SELECT count(*) FROM datagram")" -ge "$1" ]; }
