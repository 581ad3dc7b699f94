#!/bin/bash
# tests/integration/aggd-hostile.t: hostile datagrams, each counted under its own reason, none staged; SIGHUP revokes a node.
. "$(dirname "$0")/../lib/aggd-test.sh"

PORT=$(free_port)
keygen node1
keygen node2
cp "$T/ring" "$T/ring.both"
write_conf "max_datagram = 4096"
start_aggd; ok $? "aggd started"
S=127.0.0.1:$PORT
send() { "$B/dnsa-sender" -s "$S" "$@" > /dev/null; }

# the valid traffic: node1 boot 2000000 seqs 1..100, captured for the replay case
send -k "$T/node1.key" -b 2000000 -q 1 -n 100 -w "$T/captured"
send -k "$T/node2.key" -b 7000 -q 1 -n 5
wait_for 10 count_is 105; ok $? "105 valid datagrams staged"

send -m random -n 50 -S 3                                  # random bytes (>= 32 bytes, no magic)
send -k "$T/node1.key" -m badtag -b 2000000 -q 101 -n 20   # valid header, tag broken
send -k "$T/node1.key" -W "$T/captured" -n 100             # replay of the captured datagrams
send -k "$T/node1.key" -b 1000000 -q 1 -n 7                # an older boot id
send -k "$T/node1.key" -N ghost -n 8                       # a node not in the keyring
send -k "$T/node1.key" -b 2000000 -q 500 -p 9000 -n 4      # oversized (max_datagram 4096)
send -k "$T/node1.key" -m badcbor -b 2000000 -q 200 -n 9   # authentic, not the expected CBOR
send -k "$T/node1.key" -m badversion -b 2000000 -q 300 -n 3
send -k "$T/node1.key" -b 2000000 -q 2500 -n 1 -w "$T/cap2500" # valid, moves the window up...
send -k "$T/node1.key" -b 2000000 -q 1000 -n 6             # ...so these are below it
wait_for 10 count_is 106; ok $? "only the one valid datagram among them staged"

# revoke node2: keyring without it, SIGHUP
grep -v '^node2 ' "$T/ring.both" > "$T/ring"
kill -HUP "$AGGD"
wait_for 10 grep -q "keyring .* reloaded, 1 nodes" "$T/aggd.log"; ok $? "SIGHUP reloads the keyring"
send -k "$T/node2.key" -b 7000 -q 6 -n 6
# node1's window survives the reload: its replays are still refused
send -k "$T/node1.key" -W "$T/cap2500" -n 1
send -k "$T/node1.key" -b 2000000 -q 2501 -n 1
wait_for 10 count_is 107; ok $? "node1 still accepted after the reload"
# and node2 can be added back without a restart
cp "$T/ring.both" "$T/ring"
kill -HUP "$AGGD"
wait_for 10 grep -q 'reloaded, 2 nodes' "$T/aggd.log"; ok $? "node2 added back by SIGHUP"
send -k "$T/node2.key" -b 7000 -q 20 -n 2
wait_for 10 count_is 109; ok $? "node2 accepted again after being added back"
kill -0 "$AGGD"; ok $? "aggd still running after all hostile input"
stop_aggd
is "$AGGD_RC" 0 "aggd exits 0"

is "$(stat '' reject_bad_magic)" 50 "random bytes: 50 reject_bad_magic"
is "$(stat node1 reject_bad_tag)" 20 "bad tag: 20 reject_bad_tag under node1"
is "$(stat node1 duplicates)" 101 "replayed captured datagrams: 101 duplicates"
is "$(stat node1 reject_old_boot)" 7 "old boot id: 7 reject_old_boot"
is "$(stat '' reject_unknown_node)" 8 "unknown node: 8 reject_unknown_node under ''"
is "$(stat '' reject_oversized)" 4 "oversized: 4 reject_oversized"
is "$(stat node1 reject_bad_payload)" 9 "bad CBOR: 9 reject_bad_payload"
is "$(stat '' reject_bad_version)" 3 "bad version: 3 reject_bad_version"
is "$(stat node1 reject_old_seq)" 6 "below the window: 6 reject_old_seq"
is "$(stat node2 reject_unknown_node)" 6 "revoked node: 6 reject_unknown_node under node2"
is "$(sq "SELECT count(*) FROM datagram WHERE node NOT IN ('node1','node2')")" 0 "nothing from other nodes staged"
is "$(sq "SELECT count(*), count(DISTINCT seq) FROM datagram WHERE node='node1'")" "102|102" "node1: 102 distinct datagrams staged"
is "$(sq "SELECT group_concat(seq) FROM (SELECT seq FROM datagram WHERE node='node2' ORDER BY seq)")" "1,2,3,4,5,20,21" "node2: only the accepted seqs"
is "$(stat node1 datagrams)" 102 "node_stats: node1 datagrams 102"
"$B/dnsa-sender" -x "$T/staging.db" > /dev/null; ok $? "every staged payload decodes"
grep -q "rejected datagram from 127.0.0.1:[0-9]*, .*bad_tag" "$T/aggd.log"; ok $? "rejects are logged with the sender and reason"
is "$(grep -c 'reason\|rejected datagram' "$T/aggd.log" | awk '{print ($1 <= 60)}')" 1 "reject logging is rate-limited"
done_testing
