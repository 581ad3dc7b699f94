#!/bin/bash
# tests/integration/capd_ksample.t: sampling in the kernel (eBPF socket filter) on lo while dnsperf queries a real Knot:
# at random:N kernel drops + captured = dnsperf's counts, estimates within 4 sd (see capd_knot.t), TCP only whole connections;
# adaptive follows a rate change within a second; a refused load falls back to the user-space path.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
. "$HERE/../lib/knot.sh"
for b in knotd knotc dnsperf; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP live capture and BPF need root"; exit 0; }
capd_setup
. "$HERE/../lib/tap.sh"

knot_start "$T/knot" "$T/unused.sock" || { echo "Bail out! knotd did not start"; exit 1; }
Q=$REALSERVERS/queries.txt

# live NAME [ENV=VALUE] -- CONF LINES...: a receiver and capd on lo with these settings
live() {
	local name=$1 envs=() i
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	recv_start "$name" -t 120
	capd_conf "$T/$name.conf" "[zones]" "zone = example.test sample.test" "unlisted = record" \
		"[dnstap]" "socket =" \
		"[pcap]" "interface = lo" "server = 127.0.0.1" "server = ::1" "port = $KNOT_PORT" \
		"[privileges]" "allow_root = yes" "$@"
	env "${envs[@]}" "$CAPD" -f -c "$T/$name.conf" > "$T/$name.log" 2>&1 &
	CAPD_PID=$!
	for i in $(seq 100); do grep -q started "$T/$name.log" && break; kill -0 $CAPD_PID 2>/dev/null || break; sleep 0.05; done
	grep -q started "$T/$name.log"
}
# perf ARGS: dnsperf; adds to SENT/DONE (per transport in the caller's variables)
perf() {
	timeout 60 dnsperf -p "$KNOT_PORT" -d "$Q" "$@" > "$T/perf.out" 2>&1
	PS=$(awk '/Queries sent:/{print $3}' "$T/perf.out")
	PD=$(awk '/Queries completed:/{print $3}' "$T/perf.out")
}
finish() { sleep 1.5; capd_stop; recv_stop; }
c() { awk -v k="$1" '$1=="C" && $2==k {print $3}' "$O"; }

# ---- 1. random:4 in the kernel: UDP and TCP, IPv4 and IPv6 ----
live rnd -- "[sampling]" "mode = random:4" "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes"
ok $? "capd started with kernel sampling at random:4"
grep -q 'sampling in the kernel (eBPF socket filter, n = 4)' "$T/rnd.log"; ok $? "capd says it samples in the kernel"
grep -q 'skips the sent copy of each loopback packet' "$T/rnd.log"
ok $? "on lo the kernel skips the sent copy of each packet (PACKET_IGNORE_OUTGOING): the counts below stay exact"
sleep 0.3
US=0; UD=0; TS=0; TD=0
perf -s 127.0.0.1 -m udp -Q 2000 -l 2; US=$((US + PS)); UD=$((UD + PD))
perf -s ::1 -m udp -Q 1000 -l 1; US=$((US + PS)); UD=$((UD + PD))
perf -s 127.0.0.1 -m tcp -Q 1000 -l 1 -c 24; TS=$((TS + PS)); TD=$((TD + PD))
perf -s ::1 -m tcp -Q 500 -l 1 -c 16; TS=$((TS + PS)); TD=$((TD + PD))
finish
O=$T/rnd.out
diag "dnsperf UDP $US/$UD TCP $TS/$TD; kernel kept $(c ks_kept), flows dropped $(c ks_flows_dropped)"
is "$(c ks_state):$(c ks_n)" "1:4" "counters: kernel sampling in use, n = 4"
ud=$(( $(c ks_drop_q_udp_v4) + $(c ks_drop_q_udp_v6) ))
rd=$(( $(c ks_drop_r_udp_v4) + $(c ks_drop_r_udp_v6) ))
uq=$(sumcol "$O" '$1=="R" && $5==1 && $7==1' 10)
ur=$(sumcol "$O" '$1=="R" && $5==1 && $7==2' 10)
is "$((uq + ud))" "$US" "UDP queries: captured $uq + dropped in the kernel $ud = dnsperf's sent"
is "$((ur + rd))" "$UD" "UDP responses: captured $ur + dropped in the kernel $rd = dnsperf's completed"
is "$(c msg_udp)" "$((uq + ur))" "capd's exact UDP count = UDP records (every copied message recorded)"
ok $(( ud > US / 2 && rd > UD / 2 ? 0 : 1 )) "the kernel dropped most UDP messages ($ud, $rd)"
# the estimate: sum of weights of UDP responses vs dnsperf's answers; Var = N (n - 1) for 1/n sampling
est=$(sumcol "$O" '$1=="R" && $5==1 && $7==2' 11)
ok $(awk -v e="$est" -v n="$UD" 'BEGIN { sd = sqrt(n * 3); d = e - n; if (d < 0) d = -d; exit !(d <= 4 * sd) }'; echo $?) \
	"UDP response estimate $est within 4 sd (see capd_knot.t) of dnsperf's $UD"
# TCP: whole connections or nothing
is "$(c tcp_gaps):$(c tcp_lost):$(c tcp_resyncs)" "0:0:0" "TCP: no holes, no lost messages, no mid-stream starts"
ok $(( $(c tcp_flows) + $(c ks_flows_dropped) == 40 ? 0 : 1 )) \
	"TCP connections tracked $(c tcp_flows) + left out in the kernel $(c ks_flows_dropped) = dnsperf's 40"
tq=$(sumcol "$O" '$1=="R" && $5==2 && $7==1' 10)
tr=$(sumcol "$O" '$1=="R" && $5==2 && $7==2' 10)
is "$tq" "$tr" "TCP: every recorded query has its response ($tq)"
ok $(( tq > 0 && tq < TS ? 0 : 1 )) "TCP records from $(c tcp_flows) whole connections: $tq of $TS queries"

# ---- 2. all in the kernel: every message recorded and counted exactly ----
live all -- "[sampling]" "mode = all" "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes"
ok $? "capd started with kernel sampling at all"
sleep 0.3
perf -s 127.0.0.1 -m udp -Q 1000 -l 1; S=$PS; D=$PD
perf -s ::1 -m tcp -Q 500 -l 1 -c 2; S=$((S + PS)); D=$((D + PD))
finish
O=$T/all.out
is "$(c ks_state):$(c ks_n)" "1:1" "kernel sampling in use at n = 1"
is "$(c msg_auth_query):$(c msg_auth_response)" "$S:$D" "every query and response counted"
is "$(awk '$1=="records"{print $2}' "$O"):$(awk '$1=="weight"{print $2}' "$O")" "$((S + D)):$((S + D))" "every message recorded, weight 1"
is "$(( $(c ks_drop_q_udp_v4) + $(c ks_drop_r_udp_v4) + $(c ks_drop_q_tcp_v6) + $(c ks_drop_r_tcp_v6) ))" 0 "nothing dropped in the kernel"

# ---- 3. adaptive: n in the kernel follows a rate change within a second ----
live ada -- "[sampling]" "mode = adaptive" "target = 100" "min_n = 1" "max_n = 1000"
ok $? "capd started adaptive with kernel sampling"
sleep 0.3
t0=$(date +%s)
perf -s 127.0.0.1 -m udp -Q 200 -l 3
t1=$(date +%s)
perf -s 127.0.0.1 -m udp -Q 3000 -c 4 -l 3
t2=$(date +%s)
finish
O=$T/ada.out
diag "low rate from $t0, high rate from $t1 to $t2"
awk '$1=="T"' "$O" | while read -r _ s n w; do diag "second $s: $n records, weight $w"; done
# mean weight per record, per second of capture time: low rate (200/s: n 2-3), high rate (3000/s: n ~30)
lo=$(awk -v a=$((t0 + 1)) -v b=$((t1 - 1)) '$1=="T" && $2>=a && $2<=b {n+=$3; w+=$4} END {print n ? w / n : 0}' "$O")
hi=$(awk -v a=$((t1 + 1)) -v b=$((t2 - 1)) '$1=="T" && $2>=a && $2<=b {n+=$3; w+=$4} END {print n ? w / n : 0}' "$O")
ok $(awk -v l="$lo" -v h="$hi" 'BEGIN { exit !(l >= 1 && l <= 4 && h >= 15 && h <= 60) }'; echo $?) \
	"n in the kernel: about 2 at 200 q/s ($lo), about 30 at 3000 q/s ($hi) from the second after the change"
ok $(( $(c ks_drop_r_udp_v4) > 0 ? 0 : 1 )) "the kernel dropped responses ($(c ks_drop_r_udp_v4))"

# ---- 4. the load refused: today's path, said at start ----
live refused DNSA_TEST_REFUSE_BPF=1 -- "[sampling]" "mode = random:4" "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes"
ok $? "capd started with the BPF load refused"
grep -q 'no kernel sampling (load refused' "$T/refused.log"; ok $? "capd says kernel sampling is not in use, and why"
grep -q 'skips the sent copy of each loopback packet' "$T/refused.log"; ok $? "libpcap's path skips the sent copies too"
sleep 0.3
perf -s 127.0.0.1 -m udp -Q 1000 -l 1; S=$PS; D=$PD
finish
O=$T/refused.out
is "$(c ks_state)" 0 "counters: kernel sampling not in use"
is "$(c msg_auth_query):$(c msg_auth_response)" "$S:$D" "user-space path: every message counted exactly"
is "$(c ks_drop_q_udp_v4)" "" "no kernel drop counters without the filter"
ok $(( $(awk '$1=="records"{print $2}' "$O") < S ? 0 : 1 )) "sampled in capd at random:4 ($(awk '$1=="records"{print $2}' "$O") records)"

# ---- 5. kernel_sampling = on: no filter, no start; and what it cannot do is refused by -n ----
capd_conf "$T/on.conf" "[sampling]" "mode = random:4" "[dnstap]" "socket =" \
	"[pcap]" "interface = lo" "port = $KNOT_PORT" "kernel_sampling = on" "[privileges]" "allow_root = yes"
DNSA_TEST_REFUSE_BPF=1 timeout 10 "$CAPD" -f -c "$T/on.conf" > "$T/on.log" 2>&1
rc=$?
ok $(( rc != 0 && rc != 124 ? 0 : 1 )) "kernel_sampling = on and the load refused: capd does not start (exit $rc)"
grep -q 'kernel sampling: load refused' "$T/on.log"; ok $? "and says why"
sed -i 's/^mode = random:4/mode = nth:4/' "$T/on.conf"
out=$("$CAPD" -n -c "$T/on.conf" 2>&1)
case $out in *pcap.kernel_sampling*"every n-th"*) ok 0 "capd -n: kernel_sampling = on refuses nth:N";;
	*) ok 1 "capd -n: kernel_sampling = on refuses nth:N ($out)";; esac
done_testing
