#!/bin/bash
# tests/integration/replay_adaptive.t: capd -r with adaptive sampling re-decides n on the capture's own clock, not on wall time.
#
# The Knot sample (7 s, ~2,100 DNS messages/s on port 5353) repeated 5 times
# is 35 s of capture that capd replays in a fraction of a second. With a
# target of 100 records/s, n must settle near 2,100 / 100 = 21 and the
# records must come out near 100 per second of capture; on wall time n never
# moves off min_n and every message becomes a record.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
. "$HERE/../lib/tap.sh"
[ -x "$CAPD" ] || { echo "1..0 # SKIP capd not built"; exit 0; }
capd_setup

"$DNSA_BUILD/bin/dnsa-mkpcap" -R 5 "$SRC/tests/data/realservers/samples/knot-udp-tcp.pcap" "$T/long.pcap"
ok $? "35 s capture built (5 x the Knot sample)"
recv_start ad -x 1 -i 20
capd_conf "$T/ad.conf" "[sampling]" "mode = adaptive" "target = 100" "min_n = 1" "max_n = 1000" "seed = 11" \
    "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes" "[zones]" "zone = example.test" "unlisted = record" \
    "[privileges]" "allow_root = yes" "[pcap]" "port = 5353"
"$CAPD" -c "$T/ad.conf" -r "$T/long.pcap" 2> "$T/capd.log"
ok $? "capd -r exits 0"
wait "$RECV_PID"; RECV_PID=
O=$T/ad.out
c() { awk -v k="$1" '$1=="C" && $2==k {print $3}' "$O"; }
MSG=$(c msg_total); N=$(c sample_n); REC=$(awk '$1=="records"{print $2}' "$O"); W=$(awk '$1=="weight"{print $2}' "$O")
SECS=$(awk '$1=="T"' "$O" | wc -l)
diag "msg_total $MSG, sample_n $N, records $REC over $SECS capture seconds, weight sum $W"
ok "$(( N >= 12 && N <= 35 ? 0 : 1 ))" "sample_n $N: about 2,100 messages/s over a target of 100 records/s"
ok "$(( REC < MSG / 5 ? 0 : 1 ))" "records $REC: sampled, not every one of $MSG messages"
ok "$(( REC >= 60 * SECS && REC <= 200 * SECS ? 0 : 1 ))" "records per capture second near the target ($REC in $SECS s)"
ok "$(( W * 10 >= MSG * 9 && W * 10 <= MSG * 11 ? 0 : 1 ))" "the weights ($W) estimate the $MSG messages within 10%"

# a dnstap file follows its own clock too: times are read from the sampled messages
recv_start dt -x 1 -i 20
capd_conf "$T/dt.conf" "[sampling]" "mode = adaptive" "target = 100" "min_n = 1" "max_n = 1000" "seed = 11" \
    "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes" "[zones]" "zone = example.test" "unlisted = record" "[privileges]" "allow_root = yes"
"$CAPD" -c "$T/dt.conf" -r "$SRC/tests/data/realservers/samples/knot.fstrm" 2> "$T/capd-dt.log"
ok $? "capd -r knot.fstrm exits 0"
wait "$RECV_PID"; RECV_PID=
DMSG=$(awk '$1=="C" && $2=="msg_total" {print $3}' "$T/dt.out"); DREC=$(awk '$1=="records"{print $2}' "$T/dt.out")
DN=$(awk '$1=="C" && $2=="sample_n" {print $3}' "$T/dt.out")
ok "$(( DN > 5 && DREC < DMSG / 2 ? 0 : 1 ))" "dnstap replay: n $DN, $DREC records of $DMSG messages (7 s of capture)"
done_testing
