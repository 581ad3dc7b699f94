#!/bin/bash
# tests/integration/prometheus.t: a real Prometheus scrapes capd's, aggd's and aggd-rollup's metrics (node_exporter's textfile collector); its API shows their own numbers.
#
# capd -r replays the Knot capture into aggd; the rollup runs; each daemon writes its
# textfile (metrics_file). node_exporter serves the directory, Prometheus scrapes it
# every second, and the values read back through Prometheus' HTTP API must equal the
# independent counts (dnstap-ldns's decoding of the capture, the staged rows) and what
# the same daemons sent to SQL. promtool checks the files against the exposition format.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
FSTRM=${REALSERVERS:-$HERE/../data/realservers}/samples/knot.fstrm
for b in prometheus prometheus-node-exporter promtool mariadbd dnstap-ldns curl; do
	command -v $b >/dev/null || { echo "1..0 # SKIP $b missing (tools/install-deps installs it)"; exit 0; }
done
pipe_setup
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/dnstap_ref.sh"
P=$T/prom
mkdir -p "$P"

# ---- the pipeline, each daemon with its textfile ----
pipe_mdb
sed -i "1i metrics_file = $P/aggd.prom" "$T/aggd.conf"
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf
sed -i "1i metrics_file = $P/capd.prom" "$T/capd.conf"
"$BIN/capd" -c "$T/capd.conf" -r "$FSTRM" 2>"$T/capd-r.log"
ok $? "capd -r knot.fstrm"
wait_for 10 test -s "$P/capd.prom"; ok $? "capd wrote $P/capd.prom"
sleep 1.5 # aggd writes node_stats and its textfile every second; stopping writes them a last time
pipe_aggd_stop
sed -i "1i metrics_file = $P/rollup.prom" "$T/rollup.conf"
"$BIN/aggd-rollup" -v -c "$T/rollup.conf" 2>"$T/rollup.err"
ok $? "aggd-rollup"
for f in capd aggd rollup; do
	out=$(promtool check metrics <"$P/$f.prom" 2>&1)
	is "$?:$out" "0:" "promtool check metrics $f.prom: the exposition format and Prometheus' naming rules"
done

# ---- node_exporter (textfile collector only) and a Prometheus scraping it every second ----
NE_PORT=$(free_port); PR_PORT=$(free_port)
prometheus-node-exporter --collector.disable-defaults --collector.textfile --collector.textfile.directory="$P" \
	--web.listen-address="127.0.0.1:$NE_PORT" >"$T/node_exporter.log" 2>&1 &
NE_PID=$!; pipe_track "$NE_PID"
cat >"$T/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	scrape_configs:
	  - job_name: dnsa
	    static_configs:
	      - targets: ['127.0.0.1:$NE_PORT']
EOF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PR_PORT" \
	>"$T/prometheus.log" 2>&1 &
PR_PID=$!; pipe_track "$PR_PID"
wait_for 30 curl -sf "http://127.0.0.1:$PR_PORT/-/ready" -o /dev/null; ok $? "Prometheus ready on 127.0.0.1:$PR_PORT"
# pq QUERY: the value of an instant query's single result ("" if none)
pq() {
	curl -s "http://127.0.0.1:$PR_PORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if len(r) == 1 else "")' 2>/dev/null
}
has() { [ -n "$(pq "$1")" ]; }
wait_for 30 has 'dnsa_rollup_last_run_records'; ok $? "Prometheus scraped the textfiles"
is "$(pq 'up{job="dnsa"}')" 1 "the node_exporter target is up"

# ---- capd: Prometheus = the capture's own count = what capd sent to SQL ----
REF_Q=$(dnstap_ref "$FSTRM" | awk '$6 == 1 { s += $7 } END { print s + 0 }')
REF_R=$(dnstap_ref "$FSTRM" | awk '$6 == 2 { s += $7 } END { print s + 0 }')
is "$(pq "dnsa_capd_messages_total{node=\"$NODE\",type=\"auth_query\"}")" "$REF_Q" "capd AUTH_QUERY in Prometheus = dnstap-ldns ($REF_Q)"
is "$(pq "dnsa_capd_messages_total{node=\"$NODE\",type=\"auth_response\"}")" "$REF_R" "capd AUTH_RESPONSE in Prometheus = dnstap-ldns ($REF_R)"
is "$(pq "dnsa_capd_messages_seen_total{node=\"$NODE\"}")" "$(mdb_counter capd msg_total)" "capd messages seen: Prometheus = SQL node_counter"
is "$(pq "sum(dnsa_capd_messages_by_transport_total{node=\"$NODE\"})")" "$(mdb_counter capd msg_total)" "by transport sums to the messages seen"
is "$(pq "dnsa_capd_recorded_total{node=\"$NODE\"}")" "$(mdb_counter capd recorded)" "capd records built: Prometheus = SQL"
SENT=$(pq "dnsa_capd_datagrams_sent_total{node=\"$NODE\"}")
is "$SENT" "$(mdb_counter capd datagrams_sent)" "capd datagrams sent: Prometheus = SQL ($SENT)"

# ---- aggd: Prometheus = its node statistics in SQL = the staged rows ----
GOT=$(pq "dnsa_aggd_datagrams_received_total{node=\"$NODE\"}")
is "$GOT" "$(mdb_counter aggd datagrams)" "aggd datagrams accepted: Prometheus = SQL node_counter (aggd)"
is "$GOT" "$SENT" "every datagram capd sent was received (loopback): $GOT"
is "$(pq "dnsa_aggd_udp_gaps_total{node=\"$NODE\"}")" 0 "no UDP gap"
is "$(pq 'dnsa_aggd_staging_committed_total')" "$GOT" "aggd committed to staging every datagram it accepted"
is "$(pq 'dnsa_aggd_staging_drops_total{node="node-test"}')" 0 "and dropped none"
is "$(pq 'dnsa_aggd_staging_queue_depth')" 0 "aggd's staging queue empty at exit"

# ---- the rollup: its last run ----
is "$(pq 'dnsa_rollup_last_run_failed{aggregator="agg-test"}')" 0 "the rollup's last run succeeded"
REC=$(mariadb_sql dnsa -e "SELECT records FROM rollup_checkpoint WHERE aggregator = 'agg-test'")
is "$(pq 'dnsa_rollup_last_run_records{aggregator="agg-test"}')" "$REC" "records of the run: Prometheus = rollup_checkpoint ($REC)"
is "$(pq 'dnsa_rollup_last_run_quarantined{aggregator="agg-test"}')" 0 "nothing quarantined"
LAG=$(pq 'time() - dnsa_rollup_last_success_timestamp_seconds{aggregator="agg-test"}')
ok $(awk -v l="$LAG" 'BEGIN { exit !(l >= 0 && l < 120) }'; echo $?) "rollup lag from Prometheus: $LAG s"

# ---- a failed run keeps the time of the last success ----
OK1=$(awk '/^dnsa_rollup_last_success_timestamp_seconds/ { print $2 }' "$P/rollup.prom")
sed "s|^mariadb.socket = .*|mariadb.socket = $T/nonexistent.sock|" "$T/rollup.conf" >"$T/rollup-bad.conf"
"$BIN/aggd-rollup" -c "$T/rollup-bad.conf" 2>/dev/null
ok $(( $? == 0 )) "a run without MariaDB fails"
is "$(awk '/^dnsa_rollup_last_run_failed/ { print $2 }' "$P/rollup.prom")" 1 "its textfile says the last run failed"
is "$(awk '/^dnsa_rollup_last_success_timestamp_seconds/ { print $2 }' "$P/rollup.prom")" "$OK1" "and keeps the time of the last success"
done_testing
