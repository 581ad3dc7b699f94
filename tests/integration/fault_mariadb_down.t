#!/bin/bash
# tests/integration/fault_mariadb_down.t: MariaDB crashes (SIGKILL) under a live aggd and stays down for 4 rollup runs: each exits 1 with one line and leaves staging alone; back, the next run catches up exactly.
#
# rollup.t covers one run against a cleanly stopped MariaDB on a fixed staging file. Here
# aggd keeps staging a live stream (dnsa-sender, known records) the whole time, the
# rollup runs on a 2-second "timer", MariaDB is killed mid-stream (crash recovery on
# restart) and stays down for several runs.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd missing"; exit 0; }
pipe_setup
. "$HERE/../lib/tap.sh"
DOWN_RUNS=4
NDG=3000         # datagrams the node sends, at 150/s: 20 s of stream

pipe_mdb
# dnsa-sender's synthetic records are dated 2023: accept them (the default window is 400 days back)
echo "window.past_days = 36500" >> "$T/rollup.conf"
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
"$BIN/dnsa-sender" -k "$T/node.key" -s "127.0.0.1:$AGG_PORT" -n $NDG -r 150 -R 10 -d "$T/sent.txt" -T 60 > "$T/sender.out" 2>&1 &
SENDER=$!
pipe_track $SENDER
staged() { sqlite3 -cmd '.timeout 5000' "$T/staging.db" "$1"; }

# MariaDB up: two timer runs
for i in 1 2; do
	sleep 2
	pipe_rollup
	ok $? "run $i with MariaDB up exits 0"
done
CKPT=$(mdb_q "SELECT datagram_id, records FROM rollup_checkpoint WHERE aggregator = 'agg-test'")
diag "checkpoint before the crash: $CKPT"

# MariaDB crashes
kill -KILL "$MDB_PID"
wait "$MDB_PID" 2>/dev/null
MDB_PID=
ROWS0=$(staged "SELECT COUNT(*) FROM datagram")
for i in $(seq $DOWN_RUNS); do
	sleep 2
	ids0=$(staged "SELECT group_concat(id) FROM (SELECT id FROM datagram ORDER BY id)")
	pipe_rollup
	rc=$?
	is "$rc" 1 "down run $i: exit 1"
	is "$(grep -c . "$T/rollup.err")" 1 "down run $i: one line on stderr"
	[ "$i" = 1 ] && diag "$(cat "$T/rollup.err")"
	grep -q 'cannot connect to MariaDB.*staging left untouched' "$T/rollup.err"
	ok $? "down run $i: it says MariaDB cannot be reached and staging is left untouched"
	ids1=$(staged "SELECT group_concat(id) FROM (SELECT id FROM datagram ORDER BY id)")
	case "$ids1" in
	"$ids0"*) ok 0 "down run $i: no staged row removed (aggd has added $(( $(staged 'SELECT COUNT(*) FROM datagram') - ROWS0 )) since the crash)" ;;
	*) ok 1 "down run $i: no staged row removed" ;;
	esac
done
is "$(staged "SELECT COUNT(*) FROM quarantine")" 0 "nothing quarantined while MariaDB was down"
kill -0 "$AGGD_PID"; ok $? "aggd ran on, staging the stream"

# MariaDB back (crash recovery of the killed server)
mariadb_restart
ok $? "MariaDB restarts after the crash"
is "$(mdb_q "SELECT datagram_id, records FROM rollup_checkpoint WHERE aggregator = 'agg-test'")" "$CKPT" "the checkpoint survived the crash unchanged"
sleep 1
pipe_rollup
ok $? "the first run after it exits 0 (catching up)"
wait "$SENDER"
diag "sender: $(cat "$T/sender.out")"
sleep 2.5            # aggd's last commit and node_stats interval
pipe_aggd_stop
pipe_rollup
ok $? "the last run exits 0"

NREC=$(grep -c . "$T/sent.txt")
WSUM=$(awk '{ w = $NF; sub(/^w=/, "", w); s += w } END { print s + 0 }' "$T/sent.txt")
is "$(mdb_total)" "$WSUM $NREC" "caught up: MariaDB estimate = sum of the weights sent, records = $NREC sent"
is "$(mdb_counter aggd datagrams)" "$NDG" "aggd's node_stats: $NDG datagrams, all rolled up"
is "$(mdb_counter aggd records)" "$NREC" "aggd's node_stats: $NREC records"
is "$(mdb_counter aggd gaps)" 0 "no gap"
is "$(staged "SELECT COUNT(*) FROM datagram")" 1 "staging pruned down to the highest id"
is "$(mdb_q "SELECT records FROM rollup_checkpoint WHERE aggregator = 'agg-test'")" "$NREC" "checkpoint: every record counted once"
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
