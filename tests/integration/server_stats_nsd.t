#!/bin/bash
# tests/integration/server_stats_nsd.t: NSD's own counters (nsd-control stats_noreset, zonestats) beside capd's: SQL's lost inside the nameserver and exact per-zone totals.
#
# NSD (dnstap, remote-control on a UNIX socket, zonestats "%s") -> capd ([server_stats]
# kind = nsd) -> aggd -> aggd-rollup -> MariaDB. capd starts first (NSD connects to its
# socket): its start-up reading fails (counted), the first one after NSD is up is the baseline.
# dnsperf at a fixed rate, capd stopped for 1.5 s in the middle: NSD drops dnstap.
# References: dnsperf's completed count and nsd-control run by this test.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in nsd nsd-control dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"
RATE=3000
NSD_PID=
nsd_stop() { stop_pid "$NSD_PID" TERM; NSD_PID=; }
trap 'nsd_stop; pipe_cleanup' EXIT

N=$T/nsd
mkdir -p "$N"
cp "$REALSERVERS/example.test.zone" "$REALSERVERS/sample.test.zone" "$N/"
NSD_PORT=$(free_port)
cat > "$N/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$NSD_PORT
    ip-address: ::1@$NSD_PORT
    username: ""
    chroot: ""
    zonesdir: "$N"
    database: ""
    zonelistfile: "$N/zone.list"
    xfrdfile: "$N/xfrd.state"
    xfrdir: "$N"
    pidfile: "$N/nsd.pid"
    server-count: 1
    verbosity: 1
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: yes
    control-interface: $N/nsd.ctl
dnstap:
    dnstap-enable: yes
    dnstap-socket-path: "$SOCK"
    dnstap-log-auth-query-messages: yes
    dnstap-log-auth-response-messages: yes
zone:
    name: "example.test"
    zonefile: "example.test.zone"
    zonestats: "%s"
zone:
    name: "sample.test"
    zonefile: "sample.test.zone"
    zonestats: "%s"
EOF
NC=(nsd-control -c "$N/nsd.conf")

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf "[sampling]" "mode = all" "[server_stats]" "kind = nsd" "config = $N/nsd.conf" \
	"control = $N/nsd.ctl" "timeout_ms = 800"
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
nsd -d -c "$N/nsd.conf" > "$N/nsd.log" 2>&1 &
NSD_PID=$!
for i in $(seq 100); do "${NC[@]}" status > /dev/null 2>&1 && break; sleep 0.1; done
"${NC[@]}" status > /dev/null 2>&1 || { sed 's/^/# nsd: /' "$N/nsd.log"; echo "Bail out! nsd did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! nsd did not connect"; exit 1; }
sleep 2.5   # capd's baseline reading, no traffic yet

nstat() { awk -F= -v k="$1" '$1 == k { s += $2 } END { print s + 0 }'; }
rsum() { awk -F= -v p="$1" 'index($1, p) == 1 { s += $2 } END { print s + 0 }'; }
B0=$("${NC[@]}" stats_noreset | nstat num.queries)
is "$B0" 0 "NSD has counted no query before the load"

KNOT_PORT=$NSD_PORT perf_start 4 $RATE
sleep 1.5
kill -STOP "$CAPD_PID"
sleep 1.5
kill -CONT "$CAPD_PID"
perf_wait
diag "dnsperf: sent $PERF_SENT, completed $PERF_DONE, lost $PERF_LOST"
sleep 3
"${NC[@]}" stats_noreset > "$T/nsd-stats.txt"
Q1=$(nstat num.queries < "$T/nsd-stats.txt")
R1=$(rsum num.rcode. < "$T/nsd-stats.txt")
is "$Q1" "$PERF_DONE" "NSD's own num.queries equals dnsperf's completed queries"
capd_stop
sleep 0.5
pipe_rollup; ok $? "aggd-rollup run"

loss() { staff_q "SELECT COALESCE(SUM($1), 0) FROM node_server_loss_minute WHERE node = '$NODE'"; }
SRV=$(loss server_responses)
TAP=$(loss dnstap_responses)
LOST=$(loss lost_responses)
diag "SQL: server_queries $(loss server_queries), server_responses $SRV, dnstap_responses $TAP, lost_responses $LOST"
is "$(loss server_queries)" "$((Q1 - B0))" "SQL server_queries = NSD's num.queries since capd's first reading"
is "$SRV" "$R1" "SQL server_responses = NSD's num.rcode.* sum"
is "$TAP" "$(mdb_counter capd msg_auth_response)" "SQL dnstap_responses = capd's msg_auth_response"
is "$LOST" "$((R1 - TAP))" "SQL lost inside the nameserver = NSD's count - capd's"
ok "$([ "$LOST" -gt 0 ] && echo 0 || echo 1)" "NSD did drop dnstap messages ($LOST of $R1)"
ERRS=$(loss stats_read_errors)
ok "$([ "$ERRS" -le 1 ] && echo 0 || echo 1)" "at most one failed reading, at capd's start if NSD was not up yet ($ERRS)"
for z in example.test sample.test; do
	is "$(staff_q "SELECT COALESCE(SUM(exact_queries), 0) FROM zone_exact_minute WHERE zone = '$z'")" \
		"$(nstat "$z.num.queries" < "$T/nsd-stats.txt")" "zone_exact: $z queries = NSD zonestats"
	is "$(staff_q "SELECT COALESCE(SUM(exact_nxdomain), 0) FROM zone_exact_day WHERE zone = '$z'")" \
		"$(nstat "$z.num.rcode.NXDOMAIN" < "$T/nsd-stats.txt")" "zone_exact_day: $z NXDOMAIN = NSD zonestats"
done
nsd_stop
ok "$(pipe_logs_clean && echo 0 || echo 1)" "no sanitizer report"
done_testing
