#!/bin/bash
# tests/integration/server_stats_bind.t: BIND 9's own counters (statistics channel, JSON, zone-statistics) beside capd's: SQL's lost inside the nameserver and exact per-zone totals.
#
# named (dnstap auth + client, statistics-channels on loopback) -> capd ([server_stats]
# kind = bind) -> aggd -> aggd-rollup -> MariaDB. dnsperf sets RD=1, so BIND answers with
# CLIENT_RESPONSE: the view's dnstap side counts AUTH_* and CLIENT_* messages. capd is
# stopped for 1.5 s in the middle, so BIND drops dnstap. References: dnsperf's completed
# count and the statistics channel read by this test (python3, not capd's reader).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in named dnsperf mariadbd python3; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"
RATE=3000
NAMED_PID=
named_stop() { stop_pid "$NAMED_PID" TERM; NAMED_PID=; }
trap 'named_stop; pipe_cleanup' EXIT

D=$T/named
mkdir -p "$D"
cp "$REALSERVERS/example.test.zone" "$REALSERVERS/sample.test.zone" "$D/"
DNS_PORT=$(free_port)
STATS_PORT=$(free_port)
cat > "$D/named.conf" <<EOF
options {
    directory "$D";
    pid-file "$D/named.pid";
    session-keyfile "$D/session.key";
    managed-keys-directory "$D";
    listen-on port $DNS_PORT { 127.0.0.1; };
    listen-on-v6 port $DNS_PORT { ::1; };
    recursion no;
    allow-query { any; };
    dnssec-validation no;
    zone-statistics yes;
    dnstap { auth; client; };
    dnstap-output unix "$SOCK";
    fstrm-set-reopen-interval 1;
};
statistics-channels { inet 127.0.0.1 port $STATS_PORT allow { 127.0.0.1; }; };
controls { };
zone "example.test" { type primary; file "$D/example.test.zone"; };
zone "sample.test"  { type primary; file "$D/sample.test.zone"; };
EOF
# the statistics channel as JSON, read independently of capd
stats() { timeout 10 python3 -c '
import json, sys, urllib.request
d = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/v1/%s" % (sys.argv[1], sys.argv[2]), timeout=5))
if sys.argv[2] == "server":
    ns = d.get("nsstats", {})
    print(ns.get("Requestv4", 0) + ns.get("Requestv6", 0), sum(d.get("rcodes", {}).values()))
else:
    for v in d["views"].values():
        for z in v["zones"]:
            r = z.get("rcodes", {})
            if z.get("class") == "IN":
                print(z["name"], r.get("QryUDP", 0) + r.get("QryTCP", 0), r.get("QryNXDOMAIN", 0))
' "$STATS_PORT" "$1"; }

# capd -n checks the [server_stats] keys as start-up would
pipe_capd_conf "[server_stats]" "kind = bind" "control = localhost:8053"
out=$("$CAPD" -n -c "$T/capd.conf" 2>&1)
ok "$(echo "$out" | grep -q "server_stats.control.*localhost:8053" && echo 0 || echo 1)" "capd -n: a statistics channel must be a literal ADDR:PORT"
pipe_capd_conf "[server_stats]" "kind = knot" "program = $T/nonexistent/knotc"
out=$("$CAPD" -n -c "$T/capd.conf" 2>&1)
ok "$(echo "$out" | grep -q "server_stats.program" && echo 0 || echo 1)" "capd -n: an explicit program must be executable"
pipe_capd_conf "[server_stats]" "kind = bind" "control = 127.0.0.1:8053" "timeout_ms = 1000"
out=$("$CAPD" -n -c "$T/capd.conf" 2>&1)
ok "$(echo "$out" | grep -q "timeout_ms.*below counters_interval" && echo 0 || echo 1)" "capd -n: a reading must end within counters_interval"

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf "[sampling]" "mode = all" "[server_stats]" "kind = bind" "control = 127.0.0.1:$STATS_PORT" \
	"timeout_ms = 800"
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
named -g -c "$D/named.conf" > "$D/named.log" 2>&1 &
NAMED_PID=$!
for i in $(seq 100); do stats server > /dev/null 2>&1 && break; sleep 0.1; done
stats server > /dev/null 2>&1 || { sed 's/^/# named: /' "$D/named.log" | tail -20; echo "Bail out! named did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! named did not connect"; exit 1; }
sleep 2.5   # capd's baseline reading, no traffic yet

read -r Q0 R0 < <(stats server)
is "$Q0 $R0" "0 0" "BIND has counted no query before the load"

KNOT_PORT=$DNS_PORT perf_start 4 $RATE
sleep 1.5
kill -STOP "$CAPD_PID"
sleep 1.5
kill -CONT "$CAPD_PID"
perf_wait
diag "dnsperf: sent $PERF_SENT, completed $PERF_DONE, lost $PERF_LOST"
sleep 3
read -r Q1 R1 < <(stats server)
stats zones > "$T/zones.txt"
is "$R1" "$PERF_DONE" "BIND's own responses (rcodes) equal dnsperf's completed queries"
capd_stop
sleep 0.5
pipe_rollup; ok $? "aggd-rollup run"

loss() { staff_q "SELECT COALESCE(SUM($1), 0) FROM node_server_loss_minute WHERE node = '$NODE'"; }
SRV=$(loss server_responses)
TAP=$(loss dnstap_responses)
LOST=$(loss lost_responses)
diag "SQL: server_queries $(loss server_queries), server_responses $SRV, dnstap_responses $TAP, lost_responses $LOST"
is "$(loss server_queries)" "$((Q1 - Q0))" "SQL server_queries = BIND's Requestv4 + Requestv6"
is "$SRV" "$((R1 - R0))" "SQL server_responses = BIND's rcodes sum"
is "$TAP" "$(( $(mdb_counter capd msg_auth_response) + $(mdb_counter capd msg_client_response) ))" \
	"SQL dnstap_responses = capd's AUTH_RESPONSE + CLIENT_RESPONSE"
is "$LOST" "$((R1 - R0 - TAP))" "SQL lost inside the nameserver = BIND's count - capd's"
ok "$([ "$LOST" -gt 0 ] && echo 0 || echo 1)" "BIND did drop dnstap messages ($LOST of $SRV)"
ERRS=$(loss stats_read_errors)
ok "$([ "$ERRS" -le 1 ] && echo 0 || echo 1)" "at most one failed reading, at capd's start if named was not up yet ($ERRS)"
while read -r z q nx; do
	is "$(staff_q "SELECT COALESCE(SUM(exact_queries), 0) FROM zone_exact_minute WHERE zone = '$z'")" "$q" \
		"zone_exact: $z queries = BIND zone statistics"
	is "$(staff_q "SELECT COALESCE(SUM(exact_nxdomain), 0) FROM zone_exact_hour WHERE zone = '$z'")" "$nx" \
		"zone_exact_hour: $z NXDOMAIN = BIND zone statistics"
done < "$T/zones.txt"
is "$(wc -l < "$T/zones.txt")" 2 "BIND reported both zones"
named_stop
ok "$(pipe_logs_clean && echo 0 || echo 1)" "no sanitizer report"
done_testing
