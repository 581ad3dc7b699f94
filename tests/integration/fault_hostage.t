#!/bin/bash
# tests/integration/fault_hostage.t: hostile dnstap peers during real load, end to end: Knot's data reaches MariaDB exactly, the refusals are in node_counter (issue 13.8).
#
# Knot -> capd -> aggd -> aggd-rollup -> MariaDB, sampling all, dnsperf at 2,000 qps.
# During the load: two allowed TCP peers trickle bytes and fill capd's TCP pool (of 2), a
# third is rejected, one from a source not in tcp_allow is denied; on the UNIX socket a
# silent peer and a READY-only peer lose their slot after the 1 s handshake timeout. Knot,
# on the UNIX socket, is never locked out: every response capd counted is in MariaDB, and
# the refusals are in node_counter for SQL users.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in knotd knotc dnsperf mariadbd python3; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"
PEER=$HERE/../lib/fstrm_peer.py
TPORT=$(free_port)
RATE=2000

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf "[sampling]" "mode = all" "[dnstap]" "tcp_listen = 127.0.0.1:$TPORT" "tcp_max_connections = 2" \
	"tcp_allow = 127.0.0.2" "handshake_timeout = 1" "[log]" "verbose = 1"
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! knotd did not connect"; exit 1; }

perf_start 5 $RATE
python3 "$PEER" "tcp:127.0.0.1:$TPORT@127.0.0.2" trickle 5 > "$T/trickle1" &
TR1=$!; pipe_track $TR1
python3 "$PEER" "tcp:127.0.0.1:$TPORT@127.0.0.2" trickle 5 > "$T/trickle2" &
TR2=$!; pipe_track $TR2
sleep 0.5
is "$(python3 "$PEER" "tcp:127.0.0.1:$TPORT@127.0.0.2" connect)" "closed by capd" "under load: a third allowed TCP peer is rejected (TCP pool full)"
is "$(python3 "$PEER" "tcp:127.0.0.1:$TPORT@127.0.0.1" connect)" "closed by capd" "a TCP peer from a source not allowed is denied"
is "$(python3 "$PEER" "$SOCK" silent)" "closed after 1 s" "a silent peer on Knot's UNIX socket is closed after 1 s"
is "$(python3 "$PEER" "$SOCK" ready-only)" "closed after 1 s" "a READY-only peer too"
perf_wait
wait $TR1 $TR2
diag "dnsperf sent $PERF_SENT, answered $PERF_DONE, lost $PERF_LOST"
sleep 1.5
knot_stop
capd_stop
sleep 1.5
pipe_aggd_stop
pipe_rollup; ok $? "aggd-rollup run exits 0"

MSG_AR=$(mdb_counter capd msg_auth_response)
diag "capd counted $MSG_AR responses of $PERF_DONE answered"
ok "$(awk -v c="$MSG_AR" -v d="$PERF_DONE" 'BEGIN { print (d > 0 && c <= d && d - c <= 0.02 * d) ? 0 : 1 }')" \
	"Knot was never locked out: capd counted the responses answered during the attack (at most Knot's own 2% dnstap loss missing)"
is "$(mdb_total)" "$MSG_AR $MSG_AR" "MariaDB totals: estimate = records = the responses capd counted ($MSG_AR)"
is "$(mdb_counter capd dnstap_conns_rejected)" 1 "node_counter: dnstap_conns_rejected 1"
is "$(mdb_counter capd dnstap_conns_denied)" 1 "node_counter: dnstap_conns_denied 1"
is "$(mdb_counter capd dnstap_handshake_timeouts)" 2 "node_counter: dnstap_handshake_timeouts 2"
is "$(mdb_counter capd dnstap_conns)" 5 "node_counter: dnstap_conns 5 (Knot, 2 TCP, 2 hostile UNIX)"
is "$(mdb_counter aggd gaps)" 0 "no datagram lost between capd and aggd"
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
