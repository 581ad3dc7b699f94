#!/bin/bash
# tests/integration/health_estimates.t: node_health_* in MariaDB keeps exact and estimated numbers apart, and shows capture cuts and TCP losses (migration 005).
#
# capd -r on dnsa-mkpcap's fidelity.pcap (31 DNS messages tshark can see, one UDP
# response cut at 100 bytes, one query lost in a TCP hole) -> aggd -> aggd-rollup ->
# MariaDB, with only 2 of the file's names as zones: 27 messages are unlisted.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNSA_BUILD:=$(cd "$HERE/../.." && pwd)/build}"
. "$HERE/../lib/pipeline.sh"
. "$HERE/../lib/tap.sh"

pipe_setup
pipe_mdb
mkdir "$T/crafted"
"$BIN/dnsa-mkpcap" "$T/crafted" 10
ok $? "dnsa-mkpcap wrote fidelity.pcap"
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
{
	echo "node_key = $T/node.key"
	echo "aggregator = 127.0.0.1:$AGG_PORT"
	echo "counters_interval = 1"
	echo "[sampling]"
	echo "mode = all"
	echo "types = AUTH_QUERY,AUTH_RESPONSE"
	echo "double_count = yes"
	echo "[zones]"
	echo "zone = m1.example.test m2.example.test"
	echo "unlisted = count"
	echo "[privileges]"
	echo "allow_root = yes"
	echo "[pcap]"
	echo "port = 53"
} > "$T/capd.conf"
"$BIN/capd" -c "$T/capd.conf" -r "$T/crafted/fidelity.pcap" 2> "$T/capd-r.log"
ok $? "capd -r fidelity.pcap exits 0"
pipe_aggd_stop
pipe_rollup
ok $? "aggd-rollup exits 0"
row=$(staff_q "SELECT SUM(messages_exact), SUM(recorded), SUM(zone_unlisted_estimate), SUM(capture_cut), SUM(tcp_lost),
                      SUM(input_errors), SUM(decode_errors_estimate)
               FROM node_health_day WHERE node = '$NODE'" | tr '\t' ' ')
is "$row" "31 4 27 1 1 1 0" "node_health_day: 31 messages exact, 4 recorded, 27 unlisted (estimate, exact under all), 1 cut, 1 TCP loss, 1 input error (that loss), no decode error"
cols=$(mariadb_sql -e "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'dnsa' AND TABLE_NAME = 'node_health_minute' AND COLUMN_NAME LIKE 'zone_unlisted%'")
is "$cols" "zone_unlisted_estimate" "the unlisted column is named an estimate"
done_testing
