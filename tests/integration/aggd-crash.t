#!/bin/bash
# tests/integration/aggd-crash.t: kill -9 of aggd under a steady stream, restart: committed rows survive, gaps account for the rest.
. "$(dirname "$0")/../lib/aggd-test.sh"

PORT=$(free_port)
keygen node1
write_conf
start_aggd; ok $? "aggd started"
N=8000
"$B/dnsa-sender" -k "$T/node1.key" -s "127.0.0.1:$PORT" -b 42 -n $N -r 2000 -T 30 > "$T/sender.out" &
SENDER=$!
PIDS="$PIDS $SENDER"
wait_for 10 count_ge 1500; sleep 0.3
kill -9 "$AGGD"; wait "$AGGD" 2>/dev/null
before=$(sq "SELECT count(*) FROM datagram")
sq "SELECT seq FROM datagram ORDER BY seq" > "$T/before.txt"
ok $(( before >= 1500 && before < N ? 0 : 1 )) "rows committed before kill -9: $before"
sleep 0.5                      # datagrams sent meanwhile are lost
STARTS=2 start_aggd; ok $? "aggd restarted"
grep -q "1 nodes' replay state restored" "$T/aggd.log"; ok $? "replay state restored at start"
wait "$SENDER"
diag "$(cat "$T/sender.out")"
sleep 0.5
stop_aggd
is "$AGGD_RC" 0 "restarted aggd exits 0"
sq "SELECT seq FROM datagram ORDER BY seq" > "$T/after.txt"
missing=$(comm -23 "$T/before.txt" "$T/after.txt" | wc -l)
is "$missing" 0 "every row committed before the kill is still staged"
rows=$(sq "SELECT count(*) FROM datagram")
is "$(sq "SELECT count(DISTINCT seq) FROM datagram")" "$rows" "no datagram staged twice"
gaps=$(stat node1 gaps)
top=$(sq "SELECT max(seq) FROM datagram")
ok $(( rows < top ? 0 : 1 )) "datagrams were lost around the kill ($((top - rows)) of $top)"
is "$((rows + gaps))" "$top" "staged rows + counted gaps = highest sequence number ($rows + $gaps)"
is "$top" "$N" "the stream went on to the end after the restart"
done_testing
