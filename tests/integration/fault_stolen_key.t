#!/bin/bash
# tests/integration/fault_stolen_key.t: a stolen node key: its data stays under that node, rotation locks the thief out, and the documented recovery undoes a boot id pushed into the future.
#
# docs/security.md, threat 4. The thief can send as the node it stole the key of, and
# can push that node's boot id far ahead; the window (kept per node name, also in
# staging) then refuses the real node's boots even after the key is rotated. The
# recovery the page gives (stop aggd, delete the node's replay_state row, start aggd)
# is exercised here, so the page cannot drift from what works.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
pipe_setup
. "$HERE/../lib/tap.sh"
sq() { sqlite3 -cmd '.timeout 5000' "$T/staging.db" "$1"; }
st() { sq "SELECT COALESCE(SUM(value), 0) FROM node_stats WHERE node = '$1' AND counter = '$2'"; }
rows() { sq "SELECT COUNT(*) FROM datagram WHERE node = '$1'"; }
wait_rows() { local i; for i in $(seq 100); do [ "$(rows "$1")" = "$2" ] && return 0; sleep 0.05; done; return 1; }
send() { "$BIN/dnsa-sender" -s "127.0.0.1:$AGG_PORT" "$@" > /dev/null; }
"$BIN/dnsa-keygen" -f -o "$T/other.key" other-node >> "$T/ring"
FUTURE=8000000000000000000         # a boot id (us since the epoch) in the year 2223
NOW=$(( $(date +%s) * 1000000 ))

pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
send -k "$T/node.key" -b "$NOW" -n 10                       # the real node
send -k "$T/node.key" -N other-node -b "$NOW" -n 5          # the thief claims another node
send -k "$T/node.key" -b "$FUTURE" -n 3                     # the thief as the node whose key it has
wait_rows "$NODE" 13; ok $? "the thief's datagrams under the stolen node are accepted (the key is the node)"
sleep 1.5          # node_stats are written every second
is "$(rows other-node)" 0 "it cannot speak for another node"
is "$(st other-node reject_bad_tag)" 5 "those are rejected as bad tags under the node claimed"

# rotate the key under the same name; the thief's key now fails
cp "$T/node.key" "$T/stolen.key"
grep -v "^$NODE " "$T/ring" > "$T/ring.new"
"$BIN/dnsa-keygen" -f -o "$T/node.key" "$NODE" >> "$T/ring.new"
cat "$T/ring.new" > "$T/ring"
kill -HUP "$AGGD_PID"
for i in $(seq 100); do grep -q 'reloaded, 2 nodes' "$T/aggd.log" && break; sleep 0.05; done
send -k "$T/stolen.key" -b "$FUTURE" -q 100 -n 4
send -k "$T/node.key" -b "$((NOW + 1000000))" -n 6          # the real node restarts with its new key
sleep 1.5
is "$(st "$NODE" reject_bad_tag)" 4 "after rotation the stolen key is refused (4 reject_bad_tag)"
is "$(st "$NODE" reject_old_boot)" 6 "but the real node's new boot is refused too: the thief pushed the boot id ahead (6 reject_old_boot)"
is "$(sq "SELECT boot_id FROM replay_state WHERE node = '$NODE'")" "$FUTURE" "staging remembers the thief's boot id"

# recovery from docs/security.md: stop aggd, forget the node's window, start aggd
pipe_aggd_stop
sq "DELETE FROM replay_state WHERE node = '$NODE'"
pipe_aggd_start; ok $? "aggd restarted without the node's replay state"
send -k "$T/node.key" -b "$((NOW + 2000000))" -n 7
wait_rows "$NODE" 20; ok $? "the real node's datagrams are accepted again (7 more staged)"
send -k "$T/stolen.key" -b "$((FUTURE + 1))" -n 2
sleep 1.5
pipe_aggd_stop
is "$(st "$NODE" reject_bad_tag)" 6 "the stolen key stays refused (2 more bad tags), and cannot move the window again"
is "$(sq "SELECT boot_id FROM replay_state WHERE node = '$NODE'")" "$((NOW + 2000000))" "the window follows the real node"
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
