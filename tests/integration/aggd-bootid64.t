#!/bin/bash
# tests/integration/aggd-bootid64.t: boot ids >= 2^63 are saved in replay_state, so replays stay refused after an aggd restart; real data still flows.
#
# SQLite's INTEGER is signed: a boot id of 2^63 or more is stored as a negative
# number. The replay_state upsert compared signed, so such a boot never replaced a
# smaller one; after a restart aggd restored the old boot and took the new boot's
# datagrams again (a replayer's second chance).
. "$(dirname "$0")/../lib/aggd-test.sh"

PORT=$(free_port)
keygen node1
write_conf
start_aggd; ok $? "aggd started"
S=127.0.0.1:$PORT
send() { "$B/dnsa-sender" -k "$T/node1.key" -s "$S" "$@" > /dev/null; }
BIG=9223372036854775813   # 2^63 + 5
TOP=18446744073709551615  # 2^64 - 1

send -b 1000 -q 1 -n 5 -S 1
wait_for 10 count_is 5
send -b $BIG -q 1 -n 20 -S 2 -w "$T/captured" -d "$T/sent.txt"
wait_for 10 count_is 25; ok $? "boot 1000 (5 datagrams), then boot 2^63+5 (20): all staged"
stop_aggd
# what SQLite holds is the bit pattern; read it back as unsigned
is "$(sq "SELECT node, boot_id, seq FROM replay_state")" \
	"node1|-9223372036854775803|20" "replay_state holds boot 2^63+5 (as its bit pattern) and seq 20"

STARTS=2 start_aggd; ok $? "aggd restarted"
grep -q "1 nodes' replay state restored" "$T/aggd.log"; ok $? "it restored node1's state"
send -W "$T/captured" -n 20
send -b $BIG -q 21 -n 3 -S 3 -d "$T/sent2.txt"
wait_for 10 count_is 28; ok $? "after the restart: the next 3 datagrams of boot 2^63+5 are staged"
send -b $TOP -q 1 -n 2 -S 4
wait_for 10 count_is 30; ok $? "boot 2^64-1 is newer still: staged"
send -b $BIG -q 24 -n 1
stop_aggd
is "$AGGD_RC" 0 "aggd exits 0"

is "$(stat node1 duplicates)" 20 "the 20 replayed datagrams: 20 duplicates"
is "$(stat node1 reject_old_boot)" 1 "boot 2^63+5 after boot 2^64-1: reject_old_boot"
is "$(sq "SELECT count(*) FROM datagram")" 30 "nothing staged twice: 5 + 20 + 3 + 2 rows"
is "$(sq "SELECT count(*) FROM (SELECT DISTINCT boot_id, seq FROM datagram)")" 30 "  30 distinct (boot, seq)"
is "$(sq "SELECT boot_id, seq FROM replay_state")" "-1|2" "replay_state now holds boot 2^64-1, seq 2"
cat "$T/sent.txt" "$T/sent2.txt" | sort > "$T/want.txt"
"$B/dnsa-sender" -x "$T/staging.db" | sort > "$T/staged.txt"
is "$(comm -23 "$T/want.txt" "$T/staged.txt" | wc -l)" 0 "every record of boot 2^63+5 sent is staged, once"
done_testing
