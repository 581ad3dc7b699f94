#!/bin/bash
# tests/integration/dnstap_tools.t: capd's dnstap input as dnstap-sink, fed by dnstap-blaster and fstrm_replay (UNIX, TCP, bi/unidirectional, paced).
B=${DNSA_BUILD:?DNSA_BUILD must point at the build directory}/bin
S=${DNSA_SAMPLES:-$(cd "$(dirname "$0")/../.." && pwd)/tests/data/realservers/samples}/knot.fstrm
[ -r "$S" ] || { echo "1..1"; echo "not ok 1 - sample $S readable"; exit 1; }
T=$(mktemp -d /tmp/dnstap-tools.XXXXXX)
N=0; FAIL=0; PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAIL=$((FAIL + 1)); fi; }
is() { N=$((N + 1)); if [ "$1" = "$2" ]; then echo "ok $N - $3"; else echo "not ok $N - $3"; echo "#          got: '$1'"; echo "#     expected: '$2'"; FAIL=$((FAIL + 1)); fi; }
field() { echo "$1" | sed -n "s/.*\\b$2 \\([0-9.]*\\).*/\\1/p"; } # field OUTPUT NAME: the number after NAME

# start_sink ARGS...: dnstap-sink in the background, output in $T/sink.out; waits until it listens
start_sink() {
	rm -f "$T/sink.out" "$T/sink.err"
	timeout 60 "$B/dnstap-sink" "$@" > "$T/sink.out" 2> "$T/sink.err" &
	SINK=$!; PIDS="$PIDS $SINK"
	for _ in $(seq 100); do grep -q listening "$T/sink.err" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
wait_sink() { wait "$SINK"; SINK_RC=$?; SINK_OUT=$(cat "$T/sink.out"); }

# capture file through the same parser
out=$("$B/dnstap-sink" -r "$S" -m decode)
is "$(field "$out" frames):$(field "$out" bad)" "15000:0" "-r: 15,000 frames, all decode"
is "$(field "$out" AQ):$(field "$out" AR):$(field "$out" UDP):$(field "$out" TCP)" "7500:7500:11000:4000" "-r: AQ/AR/UDP/TCP totals"

# bidirectional over UNIX, 10 copies
start_sink -u "$T/s.sock" -c 1 -S; ok $? "sink listening on a UNIX socket"
bl=$(timeout 60 "$B/dnstap-blaster" -u "$T/s.sock" -r "$S" -n 10); rc=$?
wait_sink
is "$rc" 0 "blaster exit 0 (ACCEPT and FINISH received)"
echo "$bl" | grep -q "finish ok"; ok $? "blaster saw FINISH"
is "$(field "$bl" frames)" 150000 "blaster sent 150,000 frames"
is "$(field "$SINK_OUT" frames):$(field "$SINK_OUT" bad):$(field "$SINK_OUT" stopped)" "150000:0:1" "sink: 150,000 frames, none bad, stream ended by STOP"
is "$(field "$SINK_OUT" AQ):$(field "$SINK_OUT" shed)" "75000:0" "sink: 75,000 AUTH_QUERY, nothing shed with -S"
[ ! -e "$T/s.sock" ]; ok $? "socket unlinked at exit"
echo "# $bl"; echo "# $SINK_OUT"

# unidirectional (START only, no READY/FINISH)
start_sink -u "$T/s.sock" -c 1; ok $? "sink listening again"
bl=$(timeout 60 "$B/dnstap-blaster" -u "$T/s.sock" -r "$S" -n 2 -1); rc=$?
wait_sink
is "$rc" 0 "unidirectional blaster exit 0"
is "$(field "$SINK_OUT" frames):$(field "$SINK_OUT" stopped)" "30000:1" "unidirectional: 30,000 frames, STOP"

# TCP on loopback
PORT=$(perl -MIO::Socket::IP -e 'my $s = IO::Socket::IP->new(Proto => "tcp", LocalHost => "127.0.0.1", LocalPort => 0, Listen => 1) or exit 1; print $s->sockport')
start_sink -a "127.0.0.1:$PORT" -c 1; ok $? "sink listening on 127.0.0.1:$PORT"
bl=$(timeout 60 "$B/dnstap-blaster" -a 127.0.0.1 -p "$PORT" -r "$S" -n 3); rc=$?
wait_sink
is "$rc:$(field "$SINK_OUT" frames)" "0:45000" "TCP: 45,000 frames"

# paced: 15,000 frames at 50,000/s take about 0.3 s, and nothing is shed at that pace
start_sink -u "$T/s.sock" -c 1; ok $? "sink for the paced run"
bl=$(timeout 60 "$B/dnstap-blaster" -u "$T/s.sock" -r "$S" -n 1 -R 50000 -w 16384)
wait_sink
s=$(field "$bl" send_s)
perl -e "exit !($s >= 0.25 && $s < 3)"; ok $? "paced send took $s s (want about 0.3)"
is "$(field "$SINK_OUT" frames):$(field "$SINK_OUT" shed)" "15000:0" "paced: 15,000 frames, none shed"

# a real libfstrm writer (fstrm_replay), then SIGTERM
start_sink -u "$T/s.sock" -m decode; ok $? "sink for fstrm_replay"
timeout 30 fstrm_replay -t protobuf:dnstap.Dnstap -u "$T/s.sock" -r "$S"; ok $? "fstrm_replay exit 0"
kill -TERM "$SINK"; wait_sink
is "$SINK_RC" 0 "SIGTERM: sink exits 0"
is "$(field "$SINK_OUT" frames):$(field "$SINK_OUT" bad):$(field "$SINK_OUT" stopped)" "15000:0:1" "fstrm_replay: 15,000 frames decoded, STOP"

# wrong content type: the writer gets no ACCEPT, the sink counts it and carries on
start_sink -u "$T/s.sock" -c 2; ok $? "sink for a wrong content type"
timeout 5 fstrm_replay -t protobuf:wrong -u "$T/s.sock" -r "$S" > /dev/null 2>&1 &
RP=$!; PIDS="$PIDS $RP"
for _ in $(seq 100); do [ -s "$T/sink.err" ] && break; sleep 0.05; done
sleep 1
timeout 30 fstrm_replay -t protobuf:dnstap.Dnstap -u "$T/s.sock" -r "$S"; ok $? "a good writer after it"
kill -9 "$RP" 2>/dev/null; wait "$RP" 2>/dev/null
kill -TERM "$SINK" 2>/dev/null; wait_sink
is "$(field "$SINK_OUT" frames)" 15000 "wrong type: the good writer's 15,000 frames counted"
ct=$(echo "$SINK_OUT" | sed -n 's/.*errors ct \([0-9]*\).*/\1/p')
[ "${ct:-0}" -ge 1 ]; ok $? "wrong content type counted ($ct)"

echo "1..$N"
[ "$FAIL" -eq 0 ]
