#!/bin/bash
# tests/integration/capd_robust.t: Knot restarting, a wrong content type, a 1 GB frame length and a cut frame: capd logs, counts, carries on.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
. "$HERE/../lib/knot.sh"
for b in knotd knotc dnsperf python3; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
capd_setup
. "$HERE/../lib/tap.sh"

SOCK=$T/dnstap.sock
QUERIES=$REALSERVERS/queries.txt
perf() { timeout 60 dnsperf -s 127.0.0.1 -p "$KNOT_PORT" -d "$QUERIES" -n 10 -Q 2000 > "$T/perf.$1" 2>&1; awk '/Queries sent:/{print $3}' "$T/perf.$1"; }

recv_start robust
capd_conf "$T/c.conf" "[sampling]" "mode = all" "[zones]" "zone = example.test sample.test" "unlisted = record" \
    "[dnstap]" "socket = $SOCK" "[privileges]" "allow_root = yes"
capd_start "$T/c.conf" || { echo "Bail out! capd did not start"; exit 1; }
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! knotd did not connect"; exit 1; }
S1=$(perf 1)
sleep 1.5
# restart Knot: it reconnects to the same socket
knot_stop
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not restart"; exit 1; }
capd_wait_conns 2 || { echo "Bail out! knotd did not reconnect"; exit 1; }
S2=$(perf 2)
sleep 1.5

# hostile peers, while Knot stays connected
is "$(python3 "$HERE/../lib/fstrm_peer.py" "$SOCK" wrong-ct)" "reply None" "wrong content type: capd closes without ACCEPT"
is "$(python3 "$HERE/../lib/fstrm_peer.py" "$SOCK" huge)" "closed by capd" "1 GB frame length: capd closes the connection"
is "$(python3 "$HERE/../lib/fstrm_peer.py" "$SOCK" cut)" "still open" "half a frame: capd waits for the rest"
sleep 1.2
kill -0 "$CAPD_PID" 2>/dev/null; ok $? "capd still running"
# SIGHUP: sample.test is no longer listed; its responses of burst 3 go under "."
sed -i 's/^zone = example.test sample.test$/zone = example.test/' "$T/c.conf"
kill -HUP "$CAPD_PID"
for i in $(seq 50); do grep -q 'reloaded zones' "$T/capd.log" && break; sleep 0.1; done
grep -q 'reloaded zones' "$T/capd.log"; ok $? "SIGHUP reloads the zones"
S3=$(perf 3)
sleep 1.5
knot_stop
sleep 0.3
capd_stop
sleep 0.3
recv_stop
O=$T/robust.out
TOTAL=$((S1 + S2 + S3))
is "$(awk '$1=="C" && $2=="msg_auth_response"{print $3}' "$O")" "$TOTAL" "every response of the 3 bursts counted (Knot restarted between 1 and 2)"
is "$(awk '$1=="records"{print $2}' "$O")" "$TOTAL" "and recorded"
is "$(awk '$1=="C" && $2=="dnstap_conns"{print $3}' "$O")" 5 "5 connections: 2 Knot, 3 hostile"
is "$(awk '$1=="C" && $2=="frame_errors"{print $3}' "$O")" 3 "3 frame errors (content type, too big, cut mid-frame)"
is "$(awk '$1=="C" && $2=="dnstap_errors"{print $3}' "$O")" 0 "no dnstap decode error"
is "$(awk '$1=="bad"{print $2}' "$O")" 0 "no bad datagram"
ok "$(grep -c 'wrong content type' "$T/capd.log" | awk '{print ($1>=1)?0:1}')" "capd logged the closed connections"
grep 'dnstap' "$T/capd.log" | sed 's/^/# /'
ok "$(grep -qE '1 wrong content type|frame too big' "$T/capd.log"; echo $?)" "log names the reasons"
ok "$(awk '$1=="C" && $2=="msg_total"{print ($3==2*'"$TOTAL"')?0:1}' "$O")" "msg_total = queries + responses"
# queries.txt has 10 sample.test names and 1 outside.invalid: 100 and 10 responses per burst of -n 10
is "$(awk '$1=="R" && $2=="sample.test"{s+=$10} END{print s+0}' "$O")" 200 "sample.test recorded in bursts 1 and 2 only"
is "$(awk '$1=="R" && $2=="."{s+=$10} END{print s+0}' "$O")" 130 "after the reload its 100 responses are unlisted (plus 3 x 10 outside.invalid)"
done_testing
