#!/bin/bash
# tests/integration/aggd-basic.t: aggd config check, and end to end on loopback (IPv4 and IPv6): every datagram staged once, records intact.
. "$(dirname "$0")/../lib/aggd-test.sh"

PORT=$(free_port)
keygen node1
keygen node2

# -n: a good file, then a bad one with file:line
write_conf
out=$("$B/aggd" -n -c "$T/aggd.conf" 2>&1); rc=$?
is "$rc:$out" "0:configuration OK" "aggd -n accepts a good configuration"
printf 'listen = 127.0.0.1:%s\nlisten = 127.0.0.1\nbogus = 1\nbatch_rows = 0\nkeyring = %s\n' "$PORT" "$T/ring" > "$T/bad.conf"
out=$("$B/aggd" -n -c "$T/bad.conf" 2>&1); rc=$?
is "$rc" 1 "aggd -n exits 1 on errors"
echo "$out" | grep -q "bad.conf:3: unknown option 'bogus'"; ok $? "unknown option reported with file:line"
echo "$out" | grep -q "bad.conf:4: batch_rows: 0 is out of range"; ok $? "out-of-range value reported with file:line"
printf 'listen = 127.0.0.1\nkeyring = %s\n' "$T/ring" > "$T/bad2.conf"
out=$("$B/aggd" -n -c "$T/bad2.conf" 2>&1)
echo "$out" | grep -q "bad2.conf:1: listen: '127.0.0.1' is not addr:port"; ok $? "bad listen address reported with file:line"
"$B/aggd" --help | grep -q "queue_rows"; ok $? "--help lists the options from the table"
printf 'listen = 127.0.0.1:%s\nkeyring = %s\nstaging = %s\n' "$PORT" "$T/ring" "$T/x.db" > "$T/root.conf"
out=$("$B/aggd" -f -c "$T/root.conf" 2>&1); rc=$?
echo "$out" | grep -q "refusing to run as root"; ok $? "refuses to run as root without user or allow_root (rc $rc)"

# end to end: 2000 datagrams over IPv4 from node1, 300 over IPv6 from node2, plus counters
start_aggd; ok $? "aggd started"
out1=$("$B/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -n 2000 -r 20000 -S 7 -d "$T/sent1.txt")
out2=$("$B/dnsa-sender" -k "$T/node2.key" -s "[::1]:$PORT" -n 300 -r 20000 -S 8 -b 5000 -d "$T/sent2.txt")
"$B/dnsa-sender" -k "$T/node2.key" -s "[::1]:$PORT" -n 5 -m counters -b 5000 -q 301 > /dev/null
diag "$out1"; diag "$out2"
rec1=$(echo "$out1" | sed 's/.*records=\([0-9]*\).*/\1/')
rec2=$(echo "$out2" | sed 's/.*records=\([0-9]*\).*/\1/')
wait_for 10 count_is 2305; ok $? "2305 datagrams staged within 10 s"
stop_aggd
is "$AGGD_RC" 0 "SIGTERM: aggd exits 0"
is "$(sq "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM datagram WHERE node='node1'")" "2000|2000|1|2000" "node1: every datagram staged exactly once"
is "$(sq "SELECT count(*), count(DISTINCT seq) FROM datagram WHERE node='node2' AND kind=1")" "300|300" "node2 (IPv6): every datagram staged exactly once"
is "$(sq "SELECT sum(nrecords) FROM datagram WHERE node='node1'")" "$rec1" "node1: staged record count equals records sent"
"$B/dnsa-sender" -x "$T/staging.db" > "$T/got.txt"
cat "$T/sent1.txt" "$T/sent2.txt" > "$T/sent.txt"
cmp -s "$T/sent.txt" "$T/got.txt"; ok $? "staged payloads decode to exactly the records sent ($((rec1 + rec2)) records)"
is "$(sq "SELECT count(*) FROM datagram WHERE kind=2")" 5 "counters datagrams staged as kind 2"
is "$(stat node1 datagrams)" 2000 "node_stats: node1 datagrams"
is "$(stat node1 records)" "$rec1" "node_stats: node1 records"
is "$(stat node2 datagrams)" 305 "node_stats: node2 datagrams (records + counters)"
is "$(stat node1 gaps)" 0 "node_stats: no gaps on loopback"
is "$(sq "SELECT count(*) FROM node_stats WHERE counter LIKE 'reject_%' OR counter='duplicates'")" 0 "no rejects"
is "$(sq "SELECT seq FROM replay_state WHERE node='node1'")" 2000 "replay_state holds node1's highest staged seq"
is "$(sq 'PRAGMA journal_mode')" wal "staging database is in WAL mode"
grep -q "summary" "$T/aggd.log"; ok $? "summary line logged at exit"

# privileges: run as nobody, the staging directory owned by nobody
mkdir "$T/nb" && chown nobody "$T/nb" && cp "$T/ring" "$T/nb/ring" && chown nobody "$T/nb/ring"
PORT=$(free_port)
write_conf "user = nobody"
sed -i "s|^keyring = .*|keyring = $T/nb/ring|; s|^staging = .*|staging = $T/nb/staging.db|; /allow_root/d" "$T/aggd.conf"
STARTS=2 start_aggd; ok $? "aggd started with user = nobody"
uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' /proc/$AGGD/status)
nobody=$(id -u nobody)
is "$uid" "$nobody$nobody$nobody$nobody" "all uids are nobody's after binding"
"$B/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -n 50 > /dev/null
STAGING=$T/nb/staging.db wait_for 10 count_is 50
ok $? "50 datagrams staged by the unprivileged aggd"
stop_aggd
is "$AGGD_RC" 0 "unprivileged aggd exits 0"
done_testing
