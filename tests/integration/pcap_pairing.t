#!/bin/bash
# tests/integration/pcap_pairing.t: capd -r pairs UDP queries with responses: every record's latency equals tshark's dns.time; misses counted.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
[ -x "$CAPD" ] || { echo "1..0 # SKIP capd not built"; exit 0; }
command -v tshark > /dev/null || { echo "1..0 # SKIP tshark not installed"; exit 0; }
capd_setup
. "$HERE/../lib/tap.sh"

# 6000 exchanges from 2000 clients, several outstanding at once; 1% responses without query, 2% unanswered
"$DNSA_BUILD/bin/dnsa-mkpcap" -C 6000 7 "$T/c.pcap"
ok $? "dnsa-mkpcap -C wrote the capture"

recv_start pair -x 1 -i 20 -L
capd_conf "$T/pair.conf" "[sampling]" "mode = all" "types = AUTH_RESPONSE" \
    "[zones]" "zone = example.test" "[privileges]" "allow_root = yes" "[pcap]" "port = 53" "pair = yes"
"$CAPD" -c "$T/pair.conf" -r "$T/c.pcap" 2> "$T/capd.log"
ok $? "capd -r exits 0"
wait "$RECV_PID"; RECV_PID=
c() { awk -v k="$1" '$1=="C" && $2==k {print $3}' "$T/pair.out"; }

# the reference: tshark's own request/response matching (dns.time), response time in us
tshark -r "$T/c.pcap" -Y 'dns.flags.response == 1' -T fields -e frame.time_epoch -e dns.time 2>/dev/null |
    awk -F'\t' '{ split($1, a, "."); t = a[1] substr(a[2] "000000", 1, 6);
                  if ($2 != "") printf "%s %.0f\n", t, $2 * 1e6; else unpaired++ }
                END { print unpaired + 0 > "/dev/stderr" }' 2> "$T/ts-unpaired" | sort > "$T/ts-lat"
awk '$1 == "L" { print $2, $3 }' "$T/pair.out" | sort > "$T/capd-lat"
n=$(wc -l < "$T/ts-lat")
diag "tshark pairs $n responses, leaves $(cat "$T/ts-unpaired") unpaired"
[ "$n" -gt 5000 ]; ok $? "tshark paired more than 5000 responses ($n)"
is "$(wc -l < "$T/capd-lat")" "$n" "capd gave a latency to as many records as tshark paired responses"
is "$(comm -3 "$T/ts-lat" "$T/capd-lat" | wc -l)" 0 "every (response time, latency) pair equals tshark's (frame time, dns.time)"
is "$(c pair_matched)" "$n" "pair_matched = the responses tshark paired"
is "$(c pair_misses)" "$(cat "$T/ts-unpaired")" "pair_misses = the responses tshark found no request for"
is "$(c pair_evicted)" 0 "no eviction from the default table at this rate"
ls_lat=$(awk '$1=="F" && $2=="latency" {print $3}' "$T/pair.out")
is "$ls_lat" "$n" "dnsa-recv's latency presence count agrees"

# a table of 4 slots (one bucket) cannot hold the outstanding queries: evictions, each a later miss
recv_start small -x 1 -i 20
capd_conf "$T/small.conf" "[sampling]" "mode = all" "types = AUTH_RESPONSE" \
    "[zones]" "zone = example.test" "[privileges]" "allow_root = yes" "[pcap]" "port = 53" "pair = yes" "pair_slots = 4"
"$CAPD" -c "$T/small.conf" -r "$T/c.pcap" 2> "$T/capd-small.log"
ok $? "capd -r with pair_slots = 4 exits 0"
wait "$RECV_PID"; RECV_PID=
s() { awk -v k="$1" '$1=="C" && $2==k {print $3}' "$T/small.out"; }
diag "pair_slots = 4: matched $(s pair_matched), misses $(s pair_misses), evicted $(s pair_evicted)"
[ "$(s pair_evicted)" -gt 100 ]; ok $? "a 4-slot table evicts (pair_evicted $(s pair_evicted))"
is "$(( $(s pair_matched) + $(s pair_misses) ))" "$(( n + $(cat "$T/ts-unpaired") ))" "matched + misses = every response"

# off (the default): no latency at all
recv_start off -x 1 -i 20
capd_conf "$T/off.conf" "[sampling]" "mode = all" "types = AUTH_RESPONSE" \
    "[zones]" "zone = example.test" "[privileges]" "allow_root = yes" "[pcap]" "port = 53" "pair = no"
"$CAPD" -c "$T/off.conf" -r "$T/c.pcap" 2> "$T/capd-off.log"
wait "$RECV_PID"; RECV_PID=
is "$(awk '$1=="F" && $2=="latency" {print $3}' "$T/off.out")" 0 "pair = no: no record has a latency"
done_testing
