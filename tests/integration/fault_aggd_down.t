#!/bin/bash
# tests/integration/fault_aggd_down.t: the only aggregator is down for 20 s under load: capd runs on and counts what it drops, Knot is unaffected, flow resumes without a capd restart.
#
# Knot -> capd -> aggd -> aggd-rollup -> MariaDB, sampling all, dnsperf at a fixed rate for
# 34 s; aggd is stopped 5 s in and started again 20 s later (same port, same staging).
# capd's socket to the aggregator is connected UDP, so the ICMP port unreachable comes
# back as ECONNREFUSED on the next send: counted as send_errors, the datagram's records as
# records_dropped_send. Datagrams the kernel accepted before the error showed are lost
# silently on the way; aggd counts them as sequence gaps when it is back. Every record
# capd made is therefore staged, dropped-and-counted, or inside a counted gap.
# `make soak SOAK_AGGD_OUTAGE=60` runs the minute-long version inside the soak.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in knotd knotc dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"
now() { date +%s.%N; }
RATE=2000
OUTAGE=${OUTAGE:-20}
MAXREC=85        # records per datagram (payload_size 4096 below), an upper bound (about 14-20 per 1232 bytes for Knot's responses)

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
# 4096-byte datagrams (auto would send 65507 on loopback): a lost datagram then hides at most
# MAXREC records, which keeps the bound on silent losses below tight
pipe_capd_conf "[]" "payload_size = 4096" "[sampling]" "mode = all"
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! knotd did not connect"; exit 1; }
CAPD0=$CAPD_PID

P_S=$(now)
perf_start $((OUTAGE + 14)) $RATE
sleep 5
T_DOWN=$(now)
pipe_aggd_stop
sleep "$OUTAGE"
kill -0 "$CAPD0" 2>/dev/null
ok $? "capd still running after ${OUTAGE} s without an aggregator"
T_UP=$(now)
pipe_aggd_start
ok $? "aggd back on the same port and staging"
perf_wait
P_E=$(now)
is "$CAPD_PID" "$CAPD0" "the same capd process throughout (no restart)"
diag "dnsperf: sent $PERF_SENT, answered $PERF_DONE, lost $PERF_LOST"
is "$PERF_LOST" 0 "Knot is unaffected: dnsperf lost nothing"
is "$PERF_DONE" "$PERF_SENT" "every query answered"
sleep 1.5
knot_stop
sleep 0.5
capd_stop
sleep 0.5
pipe_aggd_stop

# the staging as aggd left it, before the rollup prunes it
"$BIN/dnsa-sender" -x "$T/staging.db" | awk '{ printf "%.6f\n", $1 / 1e6 }' > "$T/times"
STAGED=$(wc -l < "$T/times")
in_window() { awk -v a="$1" -v b="$2" '$1 >= a && $1 < b { c++ } END { print c + 0 }' "$T/times"; }
is "$(in_window "$(echo "$T_DOWN + 0.5" | bc)" "$(echo "$T_UP - 1.5" | bc)")" 0 "nothing staged from the outage (its records were dropped)"
short=$(awk '{ c[int($1)]++ } END { for (s in c) print s, c[s] }' "$T/times" |
	awk -v r=$RATE -v u="$T_UP" -v e="$P_E" '{ seen[$1] = $2 }
		END { for (x = int(u) + 2; x < int(e) - 3; x++) if (seen[x] + 0 < 0.5 * r) bad = bad " " x ":" seen[x] + 0; print bad }')
is "$short" "" "flow resumed without a capd restart: every second after aggd's return has records (>= 50% of $RATE)"
ok $(( $(in_window "$T_UP" "$P_E") > RATE * 5 ? 0 : 1 )) "records of the time after the outage are staged ($(in_window "$T_UP" "$P_E"))"
read -r ROWS MAXSEQ BOOTS <<< "$(sqlite3 -separator ' ' "$T/staging.db" 'SELECT COUNT(*), MAX(seq), COUNT(DISTINCT boot_id) FROM datagram')"
GAPS=$(sqlite3 "$T/staging.db" "SELECT COALESCE(SUM(value), 0) FROM node_stats WHERE counter = 'gaps'")
is "$BOOTS" 1 "one capd boot"
ok $(( GAPS > 0 ? 0 : 1 )) "aggd counted the datagrams it never received as sequence gaps ($GAPS)"
is "$((ROWS + GAPS))" "$MAXSEQ" "staged datagrams + gaps = capd's last sequence number ($ROWS + $GAPS)"

pipe_rollup
ok $? "aggd-rollup exits 0"
MSG_AR=$(mdb_counter capd msg_auth_response)
REC=$(mdb_counter capd recorded)
ERR=$(mdb_counter capd send_errors)
DROP=$(mdb_counter capd records_dropped_send)
# Knot drops dnstap silently when its libfstrm queue is full (a busy machine can starve
# capd for a moment); that is the nameserver's loss, outside what capd can count
ok $(( MSG_AR <= PERF_DONE && (PERF_DONE - MSG_AR) * 50 <= PERF_DONE ? 0 : 1 )) "capd kept reading dnstap during the outage: it counted >= 98% of the answered queries ($MSG_AR of $PERF_DONE)"
# capd's own books: a response it counted was recorded, shed when it was behind
# (drop_overload, queries and responses alike), or did not parse
OVL=$(mdb_counter capd drop_overload)
SHED_R=$((OVL - ($(mdb_counter capd msg_auth_query) - $(mdb_counter capd not_sampled_type))))
PERR=$(mdb_counter capd parse_errors)
diag "capd: $MSG_AR responses counted, $REC recorded, $SHED_R shed (drop_overload $OVL in all), $PERR parse errors"
is "$((REC + SHED_R + PERR))" "$MSG_AR" "every response capd counted was recorded or dropped with a reason"
ok $(( ERR > 0 ? 0 : 1 )) "send errors counted ($ERR)"
ok $(( DROP > 0 ? 0 : 1 )) "records dropped by failed sends counted ($DROP)"
LOST=$((REC - STAGED))
SILENT=$((LOST - DROP))
diag "records: $REC made, $STAGED staged, $DROP dropped on send errors, $SILENT in datagrams sent into the void ($GAPS gaps); outage ${OUTAGE} s x $RATE/s = $((OUTAGE * RATE))"
ok $(( SILENT >= 0 && SILENT <= GAPS * MAXREC ? 0 : 1 )) "every lost record is counted: dropped on send, or inside a counted gap ($SILENT <= $GAPS x $MAXREC)"
ok $(( LOST >= (OUTAGE - 2) * RATE && LOST <= (OUTAGE + 2) * RATE ? 0 : 1 )) "the loss is the outage's worth of records ($LOST)"
is "$(mdb_total)" "$STAGED $STAGED" "MariaDB holds exactly the staged records"
is "$(mdb_counter aggd gaps)" "$GAPS" "the gaps are in MariaDB's node health"
is "$(staff_q "SELECT SUM(udp_lost), SUM(send_errors), SUM(records_dropped_send) FROM node_health_hour WHERE node = '$NODE'" | tr '\t' ' ')" \
	"$GAPS $ERR $DROP" "node_health_hour (staff view) shows the loss: udp_lost, send_errors, records_dropped_send"
FAILS=$(grep -c 'sending to the aggregator failed' "$T/capd.log")
ok $(( FAILS > 0 ? 0 : 1 )) "capd's log shows the send failures while they happen: $(grep -m1 'sending to the aggregator failed' "$T/capd.log" | cut -c1-120)"
ok $(( FAILS <= 11 ? 0 : 1 )) "rate-limited ($FAILS lines for ${OUTAGE} s)"
is "$(grep -c 'sending to the aggregator works again' "$T/capd.log")" 1 "and says once that sends work again"
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
