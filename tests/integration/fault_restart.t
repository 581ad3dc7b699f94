#!/bin/bash
# tests/integration/fault_restart.t: Knot restarts under load, then capd restarts under load: only the restart window is lost, and every loss is counted on one side.
#
# Knot -> capd -> aggd -> aggd-rollup -> MariaDB, sampling all, dnsperf at a fixed rate.
# Phase 1 restarts knotd while dnsperf runs: the queries sent while it is down are lost
# at the client (dnsperf counts them); knotd flushes dnstap when stopped, and the new one
# loses only what it answers before libfstrm has connected (a fraction of a second).
# Phase 2 restarts capd while knotd runs: Knot drops what it cannot write (it counts
# nothing, and libfstrm reconnects only every ~5 s), so answered queries minus what capd
# counted is the window's loss; it sits in one contiguous window of seconds around the
# restart, and everything capd counted (both boots) is in MariaDB.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in knotd knotc dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"
now() { date +%s.%N; }
RATE=2000

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf "[sampling]" "mode = all"
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! knotd did not connect"; exit 1; }

# ---- phase 1: knotd restarts while dnsperf runs
P1S=$(now)
perf_start 8 $RATE
sleep 3
knot_stop
sleep 1
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not restart"; exit 1; }
capd_wait_conns 2 || { echo "Bail out! knotd did not reconnect"; exit 1; }
perf_wait
P1E=$(now)
P1_DONE=$PERF_DONE; P1_LOST=$PERF_LOST
diag "phase 1: dnsperf sent $PERF_SENT, answered $PERF_DONE, lost $PERF_LOST"
sleep 1.5

# ---- phase 2: capd restarts while knotd runs
P2S=$(now)
perf_start 14 $RATE
sleep 3
CAPD1=$CAPD_PID
T_STOP=$(now)
capd_stop
cp "$T/capd.log" "$T/capd.1.log"
sleep 1
capd_start "$T/capd.conf" || { echo "Bail out! capd did not restart"; exit 1; }
capd_wait_conns 1
ok $? "knotd reconnects to the new capd by itself"
T_RECON=$(now)
perf_wait
P2E=$(now)
P2_DONE=$PERF_DONE; P2_LOST=$PERF_LOST
diag "phase 2: dnsperf sent $PERF_SENT, answered $PERF_DONE, lost $PERF_LOST; capd down for $(awk -v a="$T_STOP" -v b="$T_RECON" 'BEGIN{printf "%.1f", b - a}') s until Knot reconnected"
sleep 1.5
knot_stop
sleep 0.5
capd_stop
sleep 0.5
pipe_aggd_stop

# staged records by message time, before the rollup prunes them
"$BIN/dnsa-sender" -x "$T/staging.db" | awk '{ printf "%.6f\n", $1 / 1e6 }' > "$T/times"
in_window() { awk -v a="$1" -v b="$2" '$1 >= a && $1 < b { c++ } END { print c + 0 }' "$T/times"; }
S1=$(in_window "$P1S" "$P1E")
S2=$(in_window "$P2S" "$P2E")
STAGED=$(wc -l < "$T/times")
is "$(sqlite3 "$T/staging.db" 'SELECT COUNT(DISTINCT boot_id) FROM datagram')" 2 "two capd boots staged"
pipe_rollup
ok $? "aggd-rollup exits 0"

# phase 1: the nameserver restart
ok $(( P1_LOST > 0 ? 0 : 1 )) "Knot restart: queries sent while knotd was down are lost at the client, and dnsperf counts them ($P1_LOST)"
ok $(( P1_LOST <= RATE * 4 ? 0 : 1 )) "  no more than the restart window's worth ($P1_LOST <= $((RATE * 4)))"
# knotd flushes dnstap on SIGTERM (nothing lost at the stop), but the new knotd answers
# before libfstrm has connected to capd: that start-up moment (tens of ms) is lost by Knot
M1=$((P1_DONE - S1))
diag "Knot restart: $P1_DONE answered, $S1 staged: $M1 lost by the new knotd before its dnstap connection was up"
ok $(( M1 >= 0 && M1 <= RATE / 2 ? 0 : 1 )) "Knot restart: answered - staged = $M1, at most knotd's start-up moment (<= 0.5 s of traffic)"

# phase 2: the capd restart
is "$P2_LOST" 0 "capd restart: Knot is unaffected (dnsperf lost nothing)"
MISS=$((P2_DONE - S2))
WIN=$(awk -v a="$T_STOP" -v b="$T_RECON" 'BEGIN { printf "%d", b - a + 2.999 }')
diag "capd restart: $P2_DONE answered, $S2 staged, $MISS lost by Knot while no reader was connected (window bound ${WIN} s)"
ok $(( MISS > 0 ? 0 : 1 )) "capd restart: messages of the restart window are lost ($MISS)"
ok $(( MISS <= RATE * WIN ? 0 : 1 )) "  at most the window's worth: down time + Knot's reconnect + 1 s flush ($MISS <= $((RATE * WIN)))"
# every full second of phase 2 outside [stop - 1.5 s, reconnect + 1.5 s] has its records
short=$(awk -v a="$P2S" -v e="$P2E" '$1 >= a + 1 && $1 < e - 2.5 { c[int($1)]++ } END { for (s in c) print s, c[s] }' "$T/times" |
	awk -v r=$RATE -v s="$T_STOP" -v c="$T_RECON" -v a="$P2S" -v e="$P2E" '
		{ seen[$1] = $2 }
		END { for (x = int(a) + 2; x < int(e) - 3; x++) if (seen[x] + 0 < 0.5 * r && (x < s - 2 || x > c + 1.5)) bad = bad " " x ":" seen[x] + 0
		      print bad }')
is "$short" "" "capd restart: the loss is confined to the restart window (every other second has >= 50% of $RATE records)"

# accounting in MariaDB: what capd counted is what is stored; gaps none
MSG_AR=$(mdb_counter capd msg_auth_response)
OVL=$(mdb_counter capd drop_overload)
SHED_R=$((OVL - ($(mdb_counter capd msg_auth_query) - $(mdb_counter capd not_sampled_type))))
diag "capd (both boots): $MSG_AR responses counted, $SHED_R shed while behind (drop_overload $OVL in all)"
is "$((STAGED + SHED_R + $(mdb_counter capd parse_errors)))" "$MSG_AR" "every response capd counted (both boots) is staged or was dropped with a reason: the window's loss is before capd"
is "$(mdb_counter capd msg_total)" "$(( $(mdb_counter capd msg_auth_query) + MSG_AR ))" "msg_total = queries + responses"
is "$(mdb_total)" "$STAGED $STAGED" "MariaDB totals: estimate = records = staged ($STAGED)"
is "$(mdb_counter capd recorded)" "$STAGED" "capd's recorded counter (both boots) = staged records"
is "$(mdb_counter aggd gaps)" 0 "no datagram lost between capd and aggd (capd flushed on SIGTERM)"
is "$(mdb_counter capd dnstap_conns)" 3 "3 dnstap connections: 2 in the first boot (Knot restarted), 1 in the second"
is "$(mdb_counter capd send_errors)" 0 "no send error"
grep -q 'exiting\|stopp\|final' "$T/capd.1.log"; ok $? "the first capd logged its clean exit"
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
