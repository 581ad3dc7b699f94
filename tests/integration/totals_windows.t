#!/bin/bash
# tests/integration/totals_windows.t: node_health's exact queries and responses equal dnsperf's and Knot's, the unlisted share is shown as such, every saved query answers on fresh data, a partial minute's qps is over its covered seconds (migration 011).
#
# Knot (mod-stats) -> dnstap -> capd (mode all, only example.test configured, unlisted =
# count: sample.test and outside.invalid are unlisted) -> aggd -> aggd-rollup -> MariaDB.
# References: dnsperf's sent and completed counts, knotc stats and zone-stats, and the
# records staged by aggd (read before the rollup prunes them).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in knotd knotc dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
cat > "$T/capd.conf" <<EOF
node_key = $T/node.key
aggregator = 127.0.0.1:$AGG_PORT
counters_interval = 1
[sampling]
mode = all
[zones]
zone = example.test
unlisted = count
[client]
country_db = $T/country.mmdb
asn_db = $T/asn.mmdb
[dnstap]
socket = $SOCK
[server_stats]
kind = knot
control = $T/knot/knot.ctl
timeout_ms = 800
[privileges]
allow_root = yes
EOF
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
export KNOT_STATS=1
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! knotd did not connect"; exit 1; }
sleep 2   # capd's baseline reading of Knot's statistics, before any traffic

# the load and the first rollup run inside one minute, so that minute is partial when it runs
sec=$(date -u +%-S)
[ "$sec" -gt 48 ] && sleep $((61 - sec))
perf_start 2 200
perf_wait
diag "dnsperf: sent $PERF_SENT, completed $PERF_DONE, lost $PERF_LOST"
sleep 1.5   # capd's batches (flush 1 s) reach aggd
"$BIN/dnsa-sender" -x "$T/staging.db" > "$T/staged.txt"
t0=$(date -u +%s)
pipe_rollup; ok $? "aggd-rollup run inside the minute of the load"
t1=$(date -u +%s)
MIN=$(awk 'NR == 1 { print int($1 / 60000000) * 60 }' "$T/staged.txt")
MINTS=$(date -u -d "@$MIN" '+%Y-%m-%d %H:%M:%S')
N=$(awk -v m="$MIN" 'int($1 / 60000000) * 60 == m' "$T/staged.txt" | wc -l)
diag "records staged in minute $MINTS: $N; rollup ran $((t0 - MIN))..$((t1 - MIN)) s into it"

# 1. a partial minute's qps = its records / the seconds it covers
row=$(staff_q "SELECT queries, seconds, qps FROM zone_qps_minute WHERE zone = 'example.test' AND ts = '$MINTS'")
read -r q secs qps <<< "$row"
is "${q%.*}" "$N" "zone_qps_minute: queries = the records staged in that minute (mode all)"
ok "$([ "${secs:-0}" -ge $((t0 - MIN - 1)) ] && [ "${secs:-99}" -le $((t1 - MIN + 1)) ] && [ "$secs" -lt 60 ] && echo 0 || echo 1)" \
	"zone_qps_minute: seconds ($secs) = the part of the minute before the rollup ran ($((t0 - MIN))..$((t1 - MIN)))"
is "$(awk -v n="$N" -v s="$secs" -v q="$qps" 'BEGIN { d = q - n / s; print (d < 0.001 && d > -0.001) ? "equal" : q " vs " n / s }')" \
	"equal" "zone_qps_minute: qps ($qps) = records / covered seconds, not / 60"
row=$(staff_q "SELECT ROUND(qps, 3), ROUND(queries / seconds, 3) FROM total_qps_minute WHERE ts = '$MINTS'" | tr '\t' ' ')
is "${row% *}" "${row#* }" "total_qps_minute: qps = queries / seconds in the partial minute too"
row=$(staff_q "SELECT seconds FROM zone_qps_hour WHERE zone = 'example.test' AND ts = '$(date -u -d "@$MIN" '+%Y-%m-%d %H:00:00')'")
ok "$([ "${row:-3600}" -lt 3600 ] && echo 0 || echo 1)" "zone_qps_hour: the current hour is partial too ($row s)"

# 2. every saved query returns rows on fresh data with its defaults, and for an explicit window
for f in "$SRC"/sql/queries/*.sql; do
	b=$(basename "$f")
	out=$(staff_q "$(cat "$f")" 2>&1)
	# Knot's dnstap carries no response time: the latency queries have no rows here
	# (answers_latency.t checks them on dnsdist's); they must still run and use their window
	case $b in latency_*) nodata=1 ;; *) nodata=0 ;; esac
	if [ $nodata = 1 ]; then
		ok "$(echo "$out" | grep -q '^ERROR' && echo 1 || echo 0)" "$b: runs with its default window (no latency in Knot's dnstap)"
	else
		ok "$([ -n "$out" ] && ! echo "$out" | grep -q '^ERROR' && echo 0 || echo 1)" "$b: rows with its default window ($(echo "$out" | grep -c .) rows)"
	fi
	[ "$b" = rollup_lag.sql ] && continue
	F=$(date -u -d "@$((MIN - 86400))" '+%Y-%m-%d 00:00:00'); TO=$(date -u -d "@$((MIN + 86400))" '+%Y-%m-%d 00:00:00')
	out=$(staff_q "SET @from = '$F', @to = '$TO'; $(cat "$f")" 2>&1)
	if [ $nodata = 0 ]; then
		ok "$([ -n "$out" ] && ! echo "$out" | grep -q '^ERROR' && echo 0 || echo 1)" "$b: rows for @from = $F, @to = $TO"
	fi
	out=$(staff_q "SET @from = '2001-01-01', @to = '2001-01-02'; $(cat "$f")" 2>&1)
	is "$out" "" "$b: nothing for a window without data (the window is used)"
done
# the defaults are not left behind by another query in the same session
out=$(staff_q "$(cat "$SRC/sql/queries/top_names.sql"); $(cat "$SRC/sql/queries/daily_volume.sql")" | awk -F'\t' 'NF == 5' | wc -l)
ok "$([ "$out" -ge 1 ] && echo 0 || echo 1)" "daily_volume after top_names in one session still uses its own default"

# 3. exact totals: let capd send its final counters, then roll up the rest
sleep 2.5
K=(knotc -s "$T/knot/knot.ctl")
ksum() { awk -v c="$1" '$0 ~ "mod-stats." c "\\[" { s += $NF } END { print s + 0 }'; }
KQ=$("${K[@]}" stats | ksum request-protocol)
KR=$("${K[@]}" stats | ksum response-code)
KZ=$("${K[@]}" zone-stats -- | awk '$1 == "[example.test.]" && /mod-stats.response-code\[/ { s += $NF } END { print s + 0 }')
diag "knot: queries $KQ, responses $KR, example.test responses $KZ"
pipe_rollup; ok $? "second aggd-rollup run"
h() { staff_q "SELECT COALESCE(SUM($1), 0) FROM node_health_day WHERE node = '$NODE'"; }
sl() { staff_q "SELECT COALESCE(SUM($1), 0) FROM node_server_loss_minute WHERE node = '$NODE'"; }
QE=$(h queries_exact); RE=$(h responses_exact); LQ=$(sl lost_queries); LR=$(sl lost_responses)
diag "node_health: queries_exact $QE, responses_exact $RE; lost inside Knot (its count - dnstap's): $LQ queries, $LR responses"
is "$(sl server_queries) $(sl server_responses)" "$KQ $KR" "Knot's own counts reached SQL (node_server_loss)"
is "$((QE + LQ)) $((RE + LR))" "$PERF_SENT $PERF_DONE" \
	"queries_exact + lost inside Knot = dnsperf's sent, responses_exact + lost = dnsperf's completed"
if [ "$LQ" = 0 ] && [ "$LR" = 0 ]; then
	is "$QE" "$PERF_SENT" "node_health: queries_exact = dnsperf's queries sent"
	is "$QE" "$KQ" "node_health: queries_exact = Knot's own query count"
	is "$RE" "$PERF_DONE" "node_health: responses_exact = dnsperf's completed queries"
	is "$RE" "$KR" "node_health: responses_exact = Knot's own response count"
	is "$(h recorded_estimate)" "$KZ" "recorded_estimate = Knot's zone-stats for example.test (the configured zone)"
	is "$(h zone_unlisted_estimate)" "$((KR - KZ))" "zone_unlisted_estimate (exact here) = Knot's responses outside example.test"
else
	# the loaded machine made Knot drop dnstap messages: node_health shows what capd got
	for i in 1 2 3 4 5 6; do skip "Knot dropped $LQ queries and $LR responses from dnstap: not comparable one to one"; done
fi
is "$(h auth_queries_exact) $(h auth_responses_exact) $(h client_queries_exact)" "$QE $RE 0" "per dnstap type: AUTH_QUERY, AUTH_RESPONSE, none of CLIENT_*"
is "$(h messages_exact)" "$((QE + RE))" "messages_exact is every type: queries + responses (twice the queries)"
is "$(h recordable_exact)" "$RE" "recordable_exact: the responses (the recorded type)"
EST=$(h recorded_estimate); UNL=$(h zone_unlisted_estimate)
is "$((EST + UNL))" "$RE" "recorded_estimate ($EST) + zone_unlisted_estimate ($UNL) = responses_exact: nothing else unaccounted"
ok "$([ "$UNL" -gt 0 ] && echo 0 || echo 1)" "the unlisted zones' traffic is shown ($UNL), apart from the estimate"
is "$(staff_q "SELECT DISTINCT unlisted_is_exact FROM node_health_minute WHERE node = '$NODE' AND messages_exact > 0")" "1" \
	"unlisted_is_exact: 1 under mode all"
is "$(staff_q "SELECT ROUND(SUM(zone_unlisted_estimate) / SUM(recordable_exact), 4) FROM node_health_day WHERE node = '$NODE'")" \
	"$(awk -v u="$UNL" -v r="$RE" 'BEGIN { printf "%.4f", u / r }')" "unlisted_share = unlisted / recordable"
out=$(staff_q "SET @from = NULL, @to = NULL; $(cat "$SRC/sql/queries/estimate_vs_exact.sql")" |
	awk -F'\t' '{ q += $3; r += $4; e += $6; u += $7; x += $11 } END { print q, r, e, u, x }')
is "$out" "$QE $RE $EST $UNL 0" "estimate_vs_exact.sql: queries, responses, estimate, unlisted add up, nothing unexplained"
cols=$(mdb_q "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'dnsa' AND TABLE_NAME = 'node_health_hour' AND ORDINAL_POSITION <= 25")
is "$cols" "node,ts,messages_exact,recorded_estimate,sampled,recorded,zone_unlisted_estimate,drop_overload,drop_batch,input_errors,decode_errors_estimate,capture_cut,tcp_lost,pcap_drop,datagrams_sent,send_errors,records_dropped_send,datagrams_received,records_received,udp_lost,duplicates,rejected,staging_drops,quarantined,udp_loss_share" \
	"node_health keeps 008's columns, in order"

# 4. a complete minute divides by 60
row=$(staff_q "SELECT COUNT(*) FROM zone_qps_minute WHERE ts < UTC_TIMESTAMP() - INTERVAL 2 MINUTE AND seconds <> 60")
is "$row" "0" "complete minutes: seconds = 60"
done_testing
