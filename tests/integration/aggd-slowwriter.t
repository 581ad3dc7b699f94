#!/bin/bash
# tests/integration/aggd-slowwriter.t: the staging writer stuck for 3 s never stalls aggd's receive loop: every datagram is staged or counted as a staging drop, none lost in the kernel.
#
# Another process holds the database's write lock for 3 s and every commit attempt
# waits busy_timeout_ms = 1000 on it. When the receive loop itself committed, each
# attempt stopped receiving for a second, the socket buffer (2 MB, ~0.3 s here) overflowed and the
# kernel dropped datagrams (seen as sequence gaps). With the writer thread the loop
# keeps reading: what the bounded queue cannot hold is dropped by aggd and counted.
. "$(dirname "$0")/../lib/aggd-test.sh"

PORT=$(free_port)
keygen node1
write_conf "rcvbuf = 2M" "queue_rows = 3000" "busy_timeout_ms = 1000" "flush_ms = 50"
start_aggd; ok $? "aggd started"
S=127.0.0.1:$PORT
"$B/dnsa-sender" -k "$T/node1.key" -s "$S" -b 10 -n 100 -r 5000 > /dev/null
wait_for 10 count_is 100; ok $? "100 datagrams staged before the lock"

# the slow writer: a write lock held for 3 s
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], timeout=5, isolation_level=None)
c.execute("BEGIN EXCLUSIVE"); print("locked", flush=True); time.sleep(3); c.execute("COMMIT")' "$T/staging.db" > "$T/locker.out" &
LOCKER=$!
PIDS="$PIDS $LOCKER"
wait_for 10 grep -q locked "$T/locker.out"
T0=$(date +%s.%N)
"$B/dnsa-sender" -k "$T/node1.key" -s "$S" -b 10 -q 101 -n 12000 -r 5000 > "$T/send.out"
T1=$(date +%s.%N)
wait "$LOCKER"
diag "12000 datagrams sent at 5000/s in $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s, the lock held 3 s"
# after the lock: real data flows
"$B/dnsa-sender" -k "$T/node1.key" -s "$S" -b 10 -q 12101 -n 400 -r 5000 > /dev/null
latest_staged() { [ "$(sq "SELECT max(seq) FROM datagram")" = 12500 ]; }
wait_for 10 latest_staged; ok $? "after the lock the newest datagrams are staged"
sleep 1.5
stop_aggd
is "$AGGD_RC" 0 "aggd exits 0"

rows=$(sq "SELECT count(*) FROM datagram")
drops=$(stat node1 staging_drops)
gaps=$(stat node1 gaps)
diag "staged $rows, staging_drops $drops, gaps (lost before aggd read them) $gaps"
is "$(stat node1 datagrams)" 12500 "aggd read and accepted all 12500 datagrams"
is "$gaps" 0 "none lost in the kernel: the receive loop kept reading while the writer was stuck"
ok $(( drops > 0 ? 0 : 1 )) "what the queue could not hold is counted as staging_drops ($drops)"
is "$((rows + drops))" 12500 "staged + staging_drops = 12500 ($rows + $drops)"
is "$(sq "SELECT count(DISTINCT seq) FROM datagram")" "$rows" "no row staged twice"
grep -q "staging queue full: dropping datagrams" "$T/aggd.log"; ok $? "the drops are logged"
grep -q "commit failed, rows kept queued: .*locked" "$T/aggd.log"; ok $? "the stuck writer is logged"
done_testing
