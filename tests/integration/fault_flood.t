#!/bin/bash
# tests/integration/fault_flood.t: a flat-out flood of random and forged datagrams next to a real node's stream: nothing of it staged, every flood datagram rejected-and-counted or dropped by the kernel, every real datagram staged or counted as a gap.
#
# aggd-hostile.t sends a few of each hostile kind; this sends 300,000 as fast as two
# senders can, so aggd's socket buffer overflows and the kernel drops some datagrams:
# the real node's lost ones must show as sequence gaps, never vanish.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
pipe_setup
. "$HERE/../lib/tap.sh"
REAL=3000
NRAND=200000
NFORGE=100000
# a small receive buffer, so the flood overflows it on any machine
echo "rcvbuf = 262144" >> "$T/aggd.conf"
"$BIN/dnsa-keygen" -f -o "$T/attacker.key" attacker > /dev/null
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
S=127.0.0.1:$AGG_PORT
rcvbuf_errors() { awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) k[i] = $i; h = 1 } else for (i = 1; i <= NF; i++) if (k[i] == "RcvbufErrors") print $i }' /proc/net/snmp; }
E0=$(rcvbuf_errors)
CPU0=$(awk '{ print $14 + $15 }' "/proc/$AGGD_PID/stat")

"$BIN/dnsa-sender" -k "$T/node.key" -s "$S" -n $REAL -r 300 -T 60 > "$T/real.out" 2>&1 &
REAL_PID=$!
pipe_track $REAL_PID
sleep 0.5
t0=$(date +%s.%N)
"$BIN/dnsa-sender" -m random -s "$S" -n $NRAND -S 11 -T 60 > "$T/rand.out" 2>&1 &
R_PID=$!
pipe_track $R_PID
# forged: the real node's name, an attacker's key, a boot id above the real one (so each
# one passes the window check and costs aggd an AEAD open before it fails)
"$BIN/dnsa-sender" -k "$T/attacker.key" -N "$NODE" -b 9000000000000000000 -s "$S" -n $NFORGE -T 60 > "$T/forge.out" 2>&1 &
F_PID=$!
pipe_track $F_PID
wait $R_PID; wait $F_PID
t1=$(date +%s.%N)
diag "flood: $(cat "$T/rand.out") | $(cat "$T/forge.out")"
kill -0 "$AGGD_PID"; ok $? "aggd still running after the flood"
wait $REAL_PID
diag "real node: $(cat "$T/real.out")"
sleep 2.5          # last commit and node_stats interval
CPU1=$(awk '{ print $14 + $15 }' "/proc/$AGGD_PID/stat")
pipe_aggd_stop
E1=$(rcvbuf_errors)
KDROP=$((E1 - E0))

sq() { sqlite3 -cmd '.timeout 5000' "$T/staging.db" "$1"; }
st() { sq "SELECT COALESCE(SUM(value), 0) FROM node_stats WHERE node = '$1' AND counter = '$2'"; }
MAGIC=$(st '' reject_bad_magic)
OTHER=$(sq "SELECT COALESCE(SUM(value), 0) FROM node_stats WHERE node = '' AND counter LIKE 'reject_%' AND counter <> 'reject_bad_magic'")
TAG=$(st "$NODE" reject_bad_tag)
ROWS=$(sq "SELECT COUNT(*) FROM datagram WHERE node = '$NODE'")
GAPS=$(st "$NODE" gaps)
TOP=$(sq "SELECT MAX(seq) FROM datagram WHERE node = '$NODE'")
SECS=$(echo "$t1 - $t0" | bc)
diag "in $SECS s: $MAGIC bad magic (+$OTHER other header rejects), $TAG bad tag, kernel drops $KDROP (all sockets), aggd CPU $(( (CPU1 - CPU0) )) ticks"
diag "real node: $ROWS staged, $GAPS gaps, highest seq $TOP"
is "$(sq "SELECT COUNT(*) FROM datagram WHERE node <> '$NODE' OR boot_id > 8000000000000000000")" 0 "nothing of the flood staged"
ok $(( MAGIC + OTHER <= NRAND && TAG <= NFORGE ? 0 : 1 )) "no flood datagram counted twice ($((MAGIC + OTHER)) <= $NRAND random, $TAG <= $NFORGE forged)"
ok $(( MAGIC + OTHER + TAG + KDROP >= NRAND + NFORGE ? 0 : 1 )) "every flood datagram was rejected and counted by aggd or dropped by the kernel ($((MAGIC + OTHER + TAG)) + $KDROP >= $((NRAND + NFORGE)))"
ok $(( TAG > 0 ? 0 : 1 )) "forged datagrams were authenticated and rejected under the node they claimed ($TAG reject_bad_tag)"
is "$TOP" "$REAL" "the real node's last datagram arrived after the flood"
is "$((ROWS + GAPS))" "$REAL" "real node: staged + counted gaps = $REAL sent ($ROWS + $GAPS)"
is "$(sq "SELECT COUNT(DISTINCT seq) FROM datagram WHERE node = '$NODE'")" "$ROWS" "no real datagram staged twice"
"$BIN/dnsa-sender" -x "$T/staging.db" > /dev/null; ok $? "every staged payload decodes"
LOGS=$(grep -c 'rejected datagram' "$T/aggd.log")
ok $(( LOGS <= 60 ? 0 : 1 )) "reject logging rate-limited: $LOGS lines for $((MAGIC + OTHER + TAG)) rejects"
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
