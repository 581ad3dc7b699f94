#!/bin/bash
# tests/integration/aggd-dbfail.t: staging database locked by another process, then on a full disk: aggd runs on, drops are counted, it recovers.
. "$(dirname "$0")/../lib/aggd-test.sh"

keygen node1

# --- 1. locked: the sqlite3 CLI holds the write lock (BEGIN EXCLUSIVE) for 2 s while 4 s of datagrams arrive
PORT=$(free_port)
write_conf "queue_rows = 300" "busy_timeout_ms = 5"
start_aggd; ok $? "aggd started"
( echo "BEGIN EXCLUSIVE;"; echo "INSERT INTO node_stats (node, time_us, counter, value) VALUES ('locker', 0, 'x', 0);"
  sleep 2; echo "COMMIT;" ) | sqlite3 "$T/staging.db" &
LOCKER=$!
PIDS="$PIDS $LOCKER"
sleep 0.2
"$B/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -b 10 -n 2000 -r 500 > /dev/null
kill -0 "$AGGD"; ok $? "aggd keeps running while the database is locked"
wait "$LOCKER"
grep -q "commit failed, rows kept queued: .*locked" "$T/aggd.log"; ok $? "the lock is logged"
wait_for 10 count_ge 1; ok $? "rows are staged once the lock is released"
sleep 1.5
stop_aggd
is "$AGGD_RC" 0 "aggd exits 0"
rows=$(sq "SELECT count(*) FROM datagram")
drops=$(stat node1 staging_drops)
ok $(( drops > 0 ? 0 : 1 )) "datagrams beyond the queue bound dropped and counted ($drops)"
is "$((rows + drops))" 2000 "staged + dropped = 2000 accepted ($rows + $drops)"
is "$(stat node1 datagrams)" 2000 "node_stats: 2000 accepted"
is "$(sq "SELECT count(DISTINCT seq) FROM datagram")" "$rows" "no row staged twice"
grep -q "commits resumed" "$T/aggd.log"; ok $? "recovery is logged"
is "$(sq "SELECT max(seq) FROM datagram")" 2000 "the last datagrams, sent after the lock, are staged"

# --- 2. disk full: staging on a small tmpfs filled up by another file
mkdir "$T/full"
if ! mount -t tmpfs -o size=8m tmpfs "$T/full" 2>/dev/null; then
	diag "cannot mount a tmpfs here: disk-full case skipped"
	done_testing; exit
fi
MOUNTS="$T/full"
PORT=$(free_port)
STAGING=$T/full/staging.db
: > "$T/aggd.log"
write_conf "queue_rows = 300" "busy_timeout_ms = 5"
start_aggd; ok $? "aggd started on the tmpfs"
dd if=/dev/zero of="$T/full/filler" bs=4k 2>/dev/null
is "$(df --output=avail "$T/full" | tail -1 | tr -d ' ')" 0 "the file system is full"
"$B/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -b 10 -n 2000 -r 500 -q 1 > /dev/null &
SENDER=$!
PIDS="$PIDS $SENDER"
sleep 1.5
kill -0 "$AGGD"; ok $? "aggd keeps running on a full disk"
rm -f "$T/full/filler"
wait "$SENDER"
sleep 1.5
stop_aggd
is "$AGGD_RC" 0 "aggd exits 0"
grep -q "commit failed, rows kept queued: .*full" "$T/aggd.log"; ok $? "the full disk is logged"
rows=$(sq "SELECT count(*) FROM datagram")
drops=$(stat node1 staging_drops)
ok $(( drops > 0 ? 0 : 1 )) "datagrams beyond the queue bound dropped and counted ($drops)"
is "$((rows + drops))" 2000 "staged + dropped = 2000 accepted ($rows + $drops)"
is "$(sq "SELECT max(seq) FROM datagram")" 2000 "recovered: the last datagrams are staged"
is "$(sq "PRAGMA integrity_check")" ok "the staging database is intact"
done_testing
