#!/bin/bash
# tests/integration/fault_replay_cross.t: datagrams captured on the way to one aggregator and replayed to others are counted once in MariaDB (docs/security.md, threat 3).
#
# Each aggd keeps its own replay window, so with several aggregators (DESIGN "Scaling
# out") a datagram replayed to another aggregator is staged there too. The rollups, which
# all write one MariaDB, keep the set of datagrams rolled up (rollup_seen, rollup/seen.h):
# a datagram already counted by any aggregator's rollup is skipped and counted as
# `replayed`. Here three aggregators hold the replayed datagrams; their rollups run at
# the same time; MariaDB holds each datagram's records once, and data sent later (a
# failover to B) still flows.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
pipe_setup
. "$HERE/../lib/tap.sh"
sq() { sqlite3 -cmd '.timeout 5000' "$1" "$2"; }

command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd missing"; exit 0; }
pipe_mdb
# dnsa-sender's synthetic records are dated 2023: accept them (the default window is 400 days back)
echo "window.past_days = 36500" >> "$T/rollup.conf"
# aggregator A: the usual one; aggregators B and C: same keyring, their own port and staging
pipe_aggd_start || { echo "Bail out! aggd A did not start"; exit 1; }
A_PORT=$AGG_PORT
other_aggd() { # other_aggd NAME PORT
	sed -e "s/:$A_PORT\$/:$2/" -e "s#$T/staging.db#$T/staging-$1.db#" "$T/aggd.conf" > "$T/aggd-$1.conf"
	"$BIN/aggd" -f -c "$T/aggd-$1.conf" > "$T/aggd-$1.log" 2>&1 &
	pipe_track $!
	eval "${1}_PID=$!"
	for i in $(seq 100); do grep -q 'started:' "$T/aggd-$1.log" && break; sleep 0.05; done
	sed -e "s#$T/staging.db#$T/staging-$1.db#" -e "s/^aggregator = .*/aggregator = agg-$1/" \
	    -e "s#$T/rollup.lock#$T/rollup-$1.lock#" "$T/rollup.conf" > "$T/rollup-$1.conf"
}
B_PORT=$(free_port)
other_aggd b "$B_PORT"
C_PORT=$(free_port)
other_aggd c "$C_PORT"

# the node sends 50 datagrams to A; an on-path attacker keeps a copy of each
"$BIN/dnsa-sender" -k "$T/node.key" -s "127.0.0.1:$A_PORT" -n 50 -w "$T/captured" > /dev/null
# ... and replays them to A, then to B and C
"$BIN/dnsa-sender" -k "$T/node.key" -s "127.0.0.1:$A_PORT" -W "$T/captured" -n 50 > /dev/null
"$BIN/dnsa-sender" -k "$T/node.key" -s "127.0.0.1:$B_PORT" -W "$T/captured" -n 50 > /dev/null
"$BIN/dnsa-sender" -k "$T/node.key" -s "127.0.0.1:$C_PORT" -W "$T/captured" -n 50 > /dev/null
# the node fails over to B: 20 new datagrams (sequence numbers after the first 50)
"$BIN/dnsa-sender" -k "$T/node.key" -s "127.0.0.1:$B_PORT" -q 51 -n 20 -S 7 > /dev/null
sleep 1.5
pipe_aggd_stop
stop_pid "$b_PID" TERM
stop_pid "$c_PID" TERM
A=$(sq "$T/staging.db" "SELECT COUNT(*) FROM datagram WHERE kind = 1")
B=$(sq "$T/staging-b.db" "SELECT COUNT(*) FROM datagram WHERE kind = 1")
C=$(sq "$T/staging-c.db" "SELECT COUNT(*) FROM datagram WHERE kind = 1")
is "$A" 50 "aggregator A staged the node's 50 datagrams once"
is "$(sq "$T/staging.db" "SELECT COALESCE(SUM(value), 0) FROM node_stats WHERE counter = 'duplicates'")" 50 "A refuses the replay: 50 duplicates"
is "$B $C" "70 50" "B and C each keep their own window: they staged the replay (B also the node's 20 new datagrams)"
# the reference: each distinct (node, boot, seq) once, over the three stagings
EXP=$(sqlite3 "$T/staging.db" "ATTACH '$T/staging-b.db' AS b; ATTACH '$T/staging-c.db' AS c;
	SELECT SUM(nrecords) FROM (SELECT node, boot_id, seq, nrecords FROM main.datagram WHERE kind = 1
	UNION SELECT node, boot_id, seq, nrecords FROM b.datagram WHERE kind = 1
	UNION SELECT node, boot_id, seq, nrecords FROM c.datagram WHERE kind = 1)")
ALL=$(sqlite3 "$T/staging.db" "ATTACH '$T/staging-b.db' AS b; ATTACH '$T/staging-c.db' AS c;
	SELECT (SELECT SUM(nrecords) FROM main.datagram) + (SELECT SUM(nrecords) FROM b.datagram) + (SELECT SUM(nrecords) FROM c.datagram)")
diag "records in the distinct datagrams: $EXP; staged over the three aggregators: $ALL"
# their weights: A's 50 and B's 20 new ones (a copy of B's staging without the replayed rows)
cp "$T/staging-b.db" "$T/b-new.db"
sqlite3 "$T/b-new.db" "DELETE FROM datagram WHERE seq <= 50"
WEXP=$( { "$BIN/dnsa-sender" -x "$T/staging.db"; "$BIN/dnsa-sender" -x "$T/b-new.db"; } | sed -n 's/.* w=\([0-9]*\)$/\1/p' | awk '{ s += $1 } END { print s + 0 }')
# the three rollups at the same time, into one MariaDB
timeout 120 "$BIN/aggd-rollup" -c "$T/rollup.conf" 2> "$T/rollup-a.err" & RA=$!
timeout 120 "$BIN/aggd-rollup" -c "$T/rollup-b.conf" 2> "$T/rollup-b.err" & RB=$!
timeout 120 "$BIN/aggd-rollup" -c "$T/rollup-c.conf" 2> "$T/rollup-c.err" & RC=$!
wait $RA; ea=$?; wait $RB; eb=$?; wait $RC; ec=$?
is "$ea $eb $ec" "0 0 0" "the three rollups, run at the same time, exit 0"
is "$(mdb_total)" "$WEXP $EXP" "MariaDB counts each datagram once: $EXP records (estimate $WEXP), not the $ALL staged"
is "$(mdb_q "SELECT SUM(datagrams - replayed) FROM rollup_checkpoint")" 70 "70 datagrams counted over the three aggregators"
is "$(mdb_q "SELECT SUM(replayed) FROM rollup_checkpoint")" 100 "and the 100 copies counted as replayed (rollup_checkpoint.replayed)"
is "$(mdb_counter rollup replayed)" 100 "also in the node's health (rollup/replayed)"
# a rollup run again finds nothing new; a fourth copy staged later still counts nothing
sqlite3 "$T/staging-c.db" "INSERT INTO datagram (node, boot_id, seq, kind, received_us, nrecords, payload)
	SELECT node, boot_id, seq, kind, received_us, nrecords, payload FROM datagram WHERE id = (SELECT MAX(id) FROM datagram)" 2>/dev/null
timeout 120 "$BIN/aggd-rollup" -c "$T/rollup-c.conf" 2>> "$T/rollup-c.err"
is "$?:$(mdb_total)" "0:$WEXP $EXP" "a copy staged later is skipped as well"
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
