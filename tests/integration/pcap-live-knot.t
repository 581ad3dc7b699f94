#!/bin/bash
# tests/integration/pcap-live-knot.t: live pcap input on lo while dnsperf queries a real knotd (UDP v4/v6, TCP): counts equal dnsperf's, no kernel drops.
B=${DNSA_BUILD:?DNSA_BUILD must point at the build directory}/bin
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RS=${REALSERVERS:-$SRC/tests/data/realservers}
T=$(mktemp -d /tmp/pcap-live.XXXXXX)
PIDS=""

cleanup() {
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/proc.sh"

for tool in knotd knotc dnsperf; do
	if ! command -v $tool > /dev/null; then echo "1..0 # SKIP $tool not installed"; exit 0; fi
done
if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP live capture needs root (CAP_NET_RAW)"; exit 0; fi

PORT=$(free_port)
cp "$RS/example.test.zone" "$RS/sample.test.zone" "$RS/queries.txt" "$T/"
# the shared config without dnstap, on our port
sed -e "s#@DIR@#$T#g" -e "s#@5353#@$PORT#g" -e '/^mod-dnstap:/,/^$/d' -e '/global-module/d' "$RS/knot.conf" > "$T/knot.conf"

# the capture first, so nothing is missed (not in immediate mode: see pcap_input.h)
"$B/dnsa-pcapstat" -i lo -p "$PORT" -s 127.0.0.1 -s ::1 > "$T/stat.txt" 2> "$T/stat.err" &
CAP=$!
PIDS="$PIDS $CAP"
for _ in $(seq 100); do grep -q ready "$T/stat.txt" && break; sleep 0.05; done
grep -q ready "$T/stat.txt"; ok $? "capture on lo started (port $PORT)"

knotd -c "$T/knot.conf" > "$T/knotd.log" 2>&1 &
KNOT=$!
PIDS="$PIDS $KNOT"
up=1
for _ in $(seq 100); do
	[ "$(timeout 5 knotc -s "$T/knot.ctl" zone-status 2>/dev/null | grep -c 'serial: [0-9]')" = 2 ] && { up=0; break; }
	sleep 0.1
done
ok $up "knotd serves both zones on port $PORT"

perf() { # perf LABEL dnsperf-args: prints "sent completed"
	local label=$1
	shift
	timeout 60 dnsperf -p "$PORT" -d "$T/queries.txt" "$@" > "$T/perf-$label.txt" 2>&1
	sent=$(awk '/Queries sent:/ {print $3}' "$T/perf-$label.txt")
	done=$(awk '/Queries completed:/ {print $3}' "$T/perf-$label.txt")
	echo "$sent $done"
}
read -r U4S U4C < <(perf u4 -m udp -s 127.0.0.1 -Q 2000 -l 2)
read -r U6S U6C < <(perf u6 -m udp -s ::1 -Q 1000 -l 2)
read -r T4S T4C < <(perf t4 -m tcp -s 127.0.0.1 -Q 1000 -l 2 -c 2)
read -r T6S T6C < <(perf t6 -m tcp -s ::1 -Q 500 -l 2 -c 1)
diag "dnsperf sent/completed: udp4 $U4S/$U4C udp6 $U6S/$U6C tcp4 $T4S/$T4C tcp6 $T6S/$T6C"
ok $([ "${U4S:-0}" -gt 0 ] && [ "${U6S:-0}" -gt 0 ] && [ "${T4S:-0}" -gt 0 ] && [ "${T6S:-0}" -gt 0 ]; echo $?) "dnsperf ran (UDP and TCP, IPv4 and IPv6)"

sleep 0.5
stop_pid "$CAP"
stop_pid "$KNOT"
v() { awk -F= -v k="$1" '$1 == k {print $2}' "$T/stat.txt"; }

diag "pcap_stats: recv $(v ps_recv) drop $(v ps_drop) ifdrop $(v ps_ifdrop); decoded $(v packets) packets"
is "$(v q_udp_v4)" "$U4S" "UDP/IPv4 queries = dnsperf's sent"
is "$(v r_udp_v4)" "$U4C" "UDP/IPv4 responses = dnsperf's completed"
is "$(v q_udp_v6)" "$U6S" "UDP/IPv6 queries = dnsperf's sent"
is "$(v r_udp_v6)" "$U6C" "UDP/IPv6 responses = dnsperf's completed"
is "$(v q_tcp_v4)" "$T4S" "TCP/IPv4 queries = dnsperf's sent"
is "$(v r_tcp_v4)" "$T4C" "TCP/IPv4 responses = dnsperf's completed"
is "$(v q_tcp_v6)" "$T6S" "TCP/IPv6 queries = dnsperf's sent"
is "$(v r_tcp_v6)" "$T6C" "TCP/IPv6 responses = dnsperf's completed"
is "$(v messages)" "$((U4S + U4C + U6S + U6C + T4S + T4C + T6S + T6C))" "messages = dnsperf's queries x 2"
is "$(v ps_drop):$(v ps_ifdrop)" "0:0" "pcap_stats: no kernel or interface drops"
ok $([ "$(v ps_recv)" -ge "$(v packets)" ]; echo $?) "pcap_stats ps_recv $(v ps_recv) >= packets decoded $(v packets)"
is "$(v tcp_rtt_samples)" 3 "3 TCP handshakes gave an RTT"
is "$(v tcp_gaps):$(v skip_tcp):$(v skip_not_dns):$(v skip_direction)" "0:0:0:0" "no gaps, no skipped packets"

done_testing
