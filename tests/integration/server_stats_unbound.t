#!/bin/bash
# tests/integration/server_stats_unbound.t: Unbound's own counters (unbound-control stats_noreset) beside capd's: SQL's lost inside the nameserver.
#
# Unbound (the test zones as auth-zones, "." refused, dnstap of client messages, remote-control
# on a UNIX socket) -> capd ([server_stats] kind = unbound) -> aggd -> aggd-rollup -> MariaDB.
# Unbound counts nothing per zone, so only the node side is compared. capd is stopped for
# 3 s in the middle, so Unbound drops dnstap. References: dnsperf's completed count and
# unbound-control run by this test.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in unbound unbound-control dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"
RATE=3000
UB_PID=
ub_stop() { stop_pid "$UB_PID" TERM; UB_PID=; }
trap 'ub_stop; pipe_cleanup' EXIT

U=$T/unbound
mkdir -p "$U"
cp "$REALSERVERS/example.test.zone" "$REALSERVERS/sample.test.zone" "$U/"
UB_PORT=$(free_port)
cat > "$U/unbound.conf" <<EOF
server:
    interface: 127.0.0.1@$UB_PORT
    interface: ::1@$UB_PORT
    port: $UB_PORT
    username: ""
    chroot: ""
    directory: "$U"
    pidfile: "$U/unbound.pid"
    use-syslog: no
    do-daemonize: no
    verbosity: 1
    access-control: 127.0.0.0/8 allow
    access-control: ::1/128 allow
    extended-statistics: yes
    statistics-cumulative: yes
    module-config: "iterator"
    local-zone: "." refuse
    local-zone: "example.test." transparent
    local-zone: "sample.test." transparent
auth-zone:
    name: "example.test"
    zonefile: "$U/example.test.zone"
    for-downstream: yes
    for-upstream: no
    fallback-enabled: no
auth-zone:
    name: "sample.test"
    zonefile: "$U/sample.test.zone"
    for-downstream: yes
    for-upstream: no
    fallback-enabled: no
remote-control:
    control-enable: yes
    control-interface: $U/unbound.ctl
    control-use-cert: no
dnstap:
    dnstap-enable: yes
    dnstap-bidirectional: yes
    dnstap-socket-path: "$SOCK"
    dnstap-log-client-query-messages: yes
    dnstap-log-client-response-messages: yes
EOF
UC=(unbound-control -c "$U/unbound.conf")
ustat() { awk -F= -v k="$1" '$1 == k { s += $2 } END { print s + 0 }'; }
rsum() { awk -F= 'index($1, "num.answer.rcode.") == 1 && $1 != "num.answer.rcode.nodata" { s += $2 } END { print s + 0 }'; }

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf "[sampling]" "mode = all" "[server_stats]" "kind = unbound" "config = $U/unbound.conf" \
	"control = $U/unbound.ctl" "timeout_ms = 800"
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
unbound -d -c "$U/unbound.conf" > "$U/unbound.log" 2>&1 &
UB_PID=$!
for i in $(seq 100); do "${UC[@]}" status > /dev/null 2>&1 && break; sleep 0.1; done
"${UC[@]}" status > /dev/null 2>&1 || { sed 's/^/# unbound: /' "$U/unbound.log"; echo "Bail out! unbound did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! unbound did not connect"; exit 1; }
sleep 2.5   # capd's baseline reading, no traffic yet

Q0=$("${UC[@]}" stats_noreset | ustat total.num.queries)
is "$Q0" 0 "Unbound has counted no query before the load"

KNOT_PORT=$UB_PORT perf_start 5 $RATE
sleep 1
kill -STOP "$CAPD_PID"
sleep 3      # Unbound's dnstap queue holds more than the others': 1.5 s is not enough
kill -CONT "$CAPD_PID"
perf_wait
diag "dnsperf: sent $PERF_SENT, completed $PERF_DONE, lost $PERF_LOST"
sleep 3
"${UC[@]}" stats_noreset > "$T/ub-stats.txt"
Q1=$(ustat total.num.queries < "$T/ub-stats.txt")
R1=$(rsum < "$T/ub-stats.txt")
is "$R1" "$PERF_DONE" "Unbound's own answers (num.answer.rcode.*) equal dnsperf's completed queries"
capd_stop
sleep 0.5
pipe_rollup; ok $? "aggd-rollup run"

loss() { staff_q "SELECT COALESCE(SUM($1), 0) FROM node_server_loss_minute WHERE node = '$NODE'"; }
SRV=$(loss server_responses)
TAP=$(loss dnstap_responses)
LOST=$(loss lost_responses)
diag "SQL: server_queries $(loss server_queries), server_responses $SRV, dnstap_responses $TAP, lost_responses $LOST"
is "$(loss server_queries)" "$((Q1 - Q0))" "SQL server_queries = Unbound's total.num.queries"
is "$SRV" "$R1" "SQL server_responses = Unbound's num.answer.rcode.* sum"
is "$TAP" "$(mdb_counter capd msg_client_response)" "SQL dnstap_responses = capd's CLIENT_RESPONSE count"
is "$LOST" "$((R1 - TAP))" "SQL lost inside the nameserver = Unbound's count - capd's"
ok "$([ "$LOST" -gt 0 ] && echo 0 || echo 1)" "Unbound did drop dnstap messages ($LOST of $R1)"
ERRS=$(loss stats_read_errors)
ok "$([ "$ERRS" -le 1 ] && echo 0 || echo 1)" "at most one failed reading, at capd's start if Unbound was not up yet ($ERRS)"
is "$(staff_q "SELECT COUNT(*) FROM server_zone_day")" 0 "no per-zone server rows (Unbound has none)"
ub_stop
ok "$(pipe_logs_clean && echo 0 || echo 1)" "no sanitizer report"
done_testing
