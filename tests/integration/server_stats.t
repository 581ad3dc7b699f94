#!/bin/bash
# tests/integration/server_stats.t: Knot's own counters beside capd's: SQL's "lost inside the nameserver" equals what Knot answered minus what dnstap delivered.
#
# Knot (mod-stats on, global and per zone) -> dnstap -> capd ([server_stats] kind = knot)
# -> aggd -> aggd-rollup -> MariaDB. capd starts before Knot (Knot connects to capd's
# socket), so its first readings fail: counted, capd keeps running, and the first reading
# that works is the baseline. dnsperf runs at a fixed rate; capd is stopped (SIGSTOP) for
# 1.5 s in the middle, so Knot's dnstap queue overflows and Knot drops messages no reader
# ever sees. References: dnsperf's completed count and knotc run by this test. The rollup
# is killed twice on the way (exactly once), and SQL must still match.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in knotd knotc dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"
RATE=3000

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
# payload_size as across a WAN: ~15 records a datagram, so the rollup below has enough staged
# rows for three batches of 20 (loopback's automatic 65507 bytes holds ~1,000 records)
pipe_capd_conf "[]" "payload_size = 1232" "[sampling]" "mode = all" "[server_stats]" "kind = knot" \
	"control = $T/knot/knot.ctl" "timeout_ms = 800"
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
for i in $(seq 30); do grep -q 'server_stats: .*knot.ctl' "$T/capd.log" && break; sleep 0.1; done
grep -q 'server_stats: .*knot.ctl' "$T/capd.log"
ok $? "capd starts although Knot's control socket is not there yet (and says so)"
export KNOT_STATS=1
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! knotd did not connect"; exit 1; }
sleep 2.5   # two counters intervals: capd's baseline reading is taken, with no traffic yet

K=(knotc -s "$T/knot/knot.ctl")
# sum of mod-stats counter NAME (request-protocol | response-code) in knotc output on stdin
ksum() { awk -v c="$1" '$0 ~ "mod-stats." c "\\[" { s += $NF } END { print s + 0 }'; }
B0=$("${K[@]}" stats | ksum response-code)
is "$B0" 0 "Knot has answered nothing before the load (the baseline is 0)"

perf_start 4 $RATE
sleep 1.5
kill -STOP "$CAPD_PID"
sleep 1.5
kill -CONT "$CAPD_PID"
perf_wait
diag "dnsperf: sent $PERF_SENT, completed $PERF_DONE, lost $PERF_LOST"
sleep 3     # Knot flushes its queue; capd takes at least two readings with the final values
B1=$("${K[@]}" stats | ksum response-code)
Q1=$("${K[@]}" stats | ksum request-protocol)
"${K[@]}" zone-stats -- > "$T/zone-stats.txt"
is "$B1" "$PERF_DONE" "Knot's own count of responses equals dnsperf's completed queries"

capd_stop
kill -0 "$AGGD_PID"; ok $? "aggd still running"
sleep 0.5
# exactly once: small batches, the job killed before one commit and after another, then rerun
echo "batch_rows = 20" >> "$T/rollup.conf"
DNSA_ROLLUP_CRASH=before_commit:2 pipe_rollup; is $? 137 "rollup killed before its 2nd commit"
DNSA_ROLLUP_CRASH=after_commit:3 pipe_rollup; is $? 137 "rerun killed after its 3rd commit"
pipe_rollup; ok $? "aggd-rollup run to the end"

loss() { staff_q "SELECT COALESCE(SUM($1), 0) FROM node_server_loss_minute WHERE node = '$NODE'"; }
SRV=$(loss server_responses)
TAP=$(loss dnstap_responses)
LOST=$(loss lost_responses)
diag "SQL: server_responses $SRV, dnstap_responses $TAP, lost_responses $LOST"
is "$SRV" "$((B1 - B0))" "SQL server_responses = Knot's count between capd's first reading and its last"
is "$(loss server_queries)" "$Q1" "SQL server_queries = Knot's request-protocol total"
is "$TAP" "$(mdb_counter capd msg_auth_response)" "SQL dnstap_responses = capd's own msg_auth_response"
is "$LOST" "$((B1 - TAP))" "SQL lost inside the nameserver = Knot's count - capd's"
ok "$([ "$LOST" -gt 0 ] && echo 0 || echo 1)" "Knot did drop dnstap messages while capd was stopped ($LOST)"
is "$(staff_q "SELECT COUNT(*) FROM node_server_loss_minute WHERE lost_responses <> CAST(server_responses AS SIGNED) - CAST(dnstap_responses AS SIGNED)")" 0 \
	"every minute row: lost = server - dnstap"
ERRS=$(loss stats_read_errors)
ok "$([ "$ERRS" -ge 1 ] && echo 0 || echo 1)" "the readings before Knot was up are counted as failed ($ERRS)"
ok "$([ "$(loss stats_reads)" -ge 4 ] && echo 0 || echo 1)" "readings that worked are counted ($(loss stats_reads))"

# per zone: exact totals from Knot's zone mod-stats, next to the estimate (sampling all: exact too)
zq() { awk -v z="[$1.]" -v c="$2" '$1 == z && $0 ~ "mod-stats." c "\\[" { s += $NF } END { print s + 0 }' "$T/zone-stats.txt"; }
for z in example.test sample.test; do
	is "$(staff_q "SELECT COALESCE(SUM(exact_queries), 0) FROM zone_exact_minute WHERE zone = '$z'")" "$(zq $z request-protocol)" \
		"zone_exact: $z queries = knotc zone-stats"
	is "$(staff_q "SELECT COALESCE(SUM(exact_responses), 0) FROM zone_exact_hour WHERE zone = '$z'")" "$(zq $z response-code)" \
		"zone_exact_hour: $z responses = knotc zone-stats"
done
EST=$(staff_q "SELECT COALESCE(SUM(estimated_responses), 0) FROM zone_exact_day WHERE zone = 'example.test'")
EXACT=$(staff_q "SELECT COALESCE(SUM(exact_responses), 0) FROM zone_exact_day WHERE zone = 'example.test'")
ok "$([ "$EST" -le "$EXACT" ] && [ "$EST" -gt 0 ] && echo 0 || echo 1)" \
	"zone_exact_day: example.test estimate ($EST, from what dnstap delivered) <= exact ($EXACT)"

# the saved queries run and agree
out=$(staff_q "$(cat "$SRC/sql/queries/server_loss.sql")")
is "$(echo "$out" | awk -F'\t' '{print $1, $2, $3, $4}')" "$NODE $SRV $TAP $LOST" "saved query server_loss: node, server, dnstap, lost"
out=$(staff_q "$(cat "$SRC/sql/queries/zone_exact.sql")")
is "$(echo "$out" | awk -F'\t' '$1 == "example.test" {print $2}')" "$(zq example.test request-protocol)" "saved query zone_exact"

# a second rollup run adds nothing (exactly once)
pipe_rollup
is "$(loss server_responses)" "$SRV" "a second rollup run changes nothing"

# Knot gone: the reading fails, capd keeps running and counts it
capd_start "$T/capd.conf" || { echo "Bail out! capd did not restart"; exit 1; }
sleep 1.5
knot_stop
sleep 2.5
kill -0 "$CAPD_PID"; ok $? "capd keeps running while Knot's statistics cannot be read"
grep -q 'server_stats: ' "$T/capd.log"; ok $? "and logs why"
capd_stop
sleep 0.5
pipe_rollup
ok "$([ "$(loss stats_read_errors)" -gt "$ERRS" ] && echo 0 || echo 1)" "the failed readings reach SQL ($(loss stats_read_errors))"
ok "$(pipe_logs_clean && echo 0 || echo 1)" "no sanitizer report"
done_testing
