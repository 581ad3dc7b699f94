#!/bin/bash
# tests/integration/capd_live_pcap.t: capd capturing live on lo (libpcap) while dnsperf queries a real Knot
# over UDP and TCP, IPv4 and IPv6: messages counted equal what dnsperf exchanged, records match, no kernel drop.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
. "$HERE/../lib/knot.sh"
for b in knotd knotc dnsperf; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
ip link show lo >/dev/null 2>&1 || { echo "1..0 # SKIP no lo interface"; exit 0; }
capd_setup
. "$HERE/../lib/tap.sh"

# Knot first (its dnstap sink is a socket nobody listens on: this test is about packets)
knot_start "$T/knot" "$T/unused.sock" || { echo "Bail out! knotd did not start"; exit 1; }
recv_start live -t 120
capd_conf "$T/live.conf" "[sampling]" "mode = all" "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes" \
	"[zones]" "zone = example.test sample.test" "unlisted = record" \
	"[dnstap]" "socket =" \
	"[pcap]" "interface = lo" "server = 127.0.0.1" "server = ::1" "port = $KNOT_PORT" \
	"[privileges]" "allow_root = yes"
"$CAPD" -f -c "$T/live.conf" > "$T/capd.log" 2>&1 &
CAPD_PID=$!
for i in $(seq 100); do grep -q started "$T/capd.log" && break; kill -0 $CAPD_PID 2>/dev/null || break; sleep 0.05; done
grep -q started "$T/capd.log"; ok $? "capd started a live capture on lo"
sleep 0.3

Q=$REALSERVERS/queries.txt
SENT=0; DONE=0
perf() {
	timeout 60 dnsperf -p "$KNOT_PORT" -d "$Q" "$@" > "$T/perf.out" 2>&1
	SENT=$((SENT + $(awk '/Queries sent:/{print $3}' "$T/perf.out")))
	DONE=$((DONE + $(awk '/Queries completed:/{print $3}' "$T/perf.out")))
}
perf -s 127.0.0.1 -m udp -Q 1500 -l 2
perf -s ::1 -m udp -Q 1000 -l 1
perf -s 127.0.0.1 -m tcp -Q 1000 -l 1 -c 2
perf -s ::1 -m tcp -Q 500 -l 1 -c 1
is "$DONE" "$SENT" "dnsperf: every query answered ($SENT)"
sleep 1.5   # capture buffer timeout (100 ms) and batch age (1 s)
capd_stop
recv_stop
O=$RECV_OUT
c() { awk -v k="$1" '$1=="C" && $2==k {print $3}' "$O"; }
is "$(c msg_auth_query)" "$SENT" "capd counted every query ($SENT)"
is "$(c msg_auth_response)" "$DONE" "capd counted every response ($DONE)"
is "$(awk '$1=="records"{print $2}' "$O")" $((SENT + DONE)) "every message recorded"
is "$(c msg_tcp)" "$(sumcol "$O" '$1=="R" && $5==2' 10)" "TCP messages counted = TCP records"
ok $(( $(c msg_ipv6) > 0 && $(c msg_tcp) > 0 ? 0 : 1 )) "IPv6 ($(c msg_ipv6)) and TCP ($(c msg_tcp)) both seen"
is "$(c pcap_drop)" 0 "no kernel drop reported at this rate"
if [ "$(c ks_state)" = 1 ]; then
	# the kernel filter skips lo's outgoing copies (as libpcap does later), so the socket gets each packet once
	# (read one after the other at the last snapshot: a late segment may fall between the two)
	k=$(c ks_kept); r=$(c pcap_recv)
	ok $(( k > 0 && r <= k && k - r <= k / 100 ? 0 : 1 )) "pcap_stats received ($r) what the kernel filter kept ($k)"
else
	ok $(( $(c pcap_recv) >= SENT + DONE ? 0 : 1 )) "pcap_stats received $(c pcap_recv) packets"
fi
done_testing
