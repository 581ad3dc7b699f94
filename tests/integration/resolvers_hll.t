#!/bin/bash
# tests/integration/resolvers_hll.t: capd's distinct-client sketches (addresses, /24 and /48) against tshark's count of the same capture: within 3 se.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
[ -x "$CAPD" ] || { echo "1..0 # SKIP capd not built"; exit 0; }
command -v tshark > /dev/null || { echo "1..0 # SKIP tshark not installed"; exit 0; }
command -v python3 > /dev/null || { echo "1..0 # SKIP python3 not installed"; exit 0; }
capd_setup
. "$HERE/../lib/tap.sh"

"$DNSA_BUILD/bin/dnsa-mkpcap" -C 30000 11 "$T/c.pcap"
ok $? "dnsa-mkpcap -C wrote 30000 exchanges"

# the reference: every client address tshark sees (source of queries, destination of responses)
tshark -r "$T/c.pcap" -T fields -e dns.flags.response -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
    awk -F'\t' '{ if ($1 == 0) print $2 $4; else print $3 $5 }' > "$T/all-clients"
tshark -r "$T/c.pcap" -Y 'dns.flags.response == 1' -T fields -e ip.dst -e ipv6.dst 2>/dev/null |
    awk -F'\t' '{ print $1 $2 }' > "$T/resp-clients"
# distinct addresses, /24s and /48s (python's ipaddress does the prefix arithmetic)
count() {
    python3 -c '
import ipaddress, sys
a = set(); p = set()
for l in open(sys.argv[1]):
    ip = ipaddress.ip_address(l.strip())
    a.add(ip)
    p.add(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))
print(len(a), len(p))' "$1"
}
c1=$(count "$T/all-clients"); ts_addr=${c1% *}; ts_pfx=${c1#* }
c2=$(count "$T/resp-clients"); ts_raddr=${c2% *}; ts_rpfx=${c2#* }
diag "tshark: $ts_addr client addresses, $ts_pfx prefixes; answered: $ts_raddr addresses, $ts_rpfx prefixes"

# z = (estimate - exact) / se; |z| < 3
zcheck() {   # zcheck OUT ZONE KIND EXACT WHAT
    local line est se z
    line=$(awk -v z="$2" -v k="$3" '$1=="H" && $2==z && $3==k' "$1")
    est=$(echo "$line" | awk '{print $4}'); se=$(echo "$line" | awk '{print $5}')
    z=$(awk -v e="${est:-0}" -v s="${se:-0}" -v x="$4" 'BEGIN { if (s > 0) printf "%.2f", (e - x) / s; else print "inf" }')
    diag "$5: estimate ${est:-none} se ${se:-none}, exact $4, z = $z"
    awk -v z="$z" 'BEGIN { exit !(z != "inf" && z < 3 && z > -3) }'
    ok $? "$5: within 3 se of tshark's count (z = $z)"
}

recv_start all -x 1 -i 20
capd_conf "$T/all.conf" "[sampling]" "mode = all" "types = AUTH_RESPONSE" \
    "[zones]" "zone = example.test" "[privileges]" "allow_root = yes" "[pcap]" "port = 53"
"$CAPD" -c "$T/all.conf" -r "$T/c.pcap" 2> "$T/capd-all.log"
ok $? "capd -r (mode all) exits 0"
wait "$RECV_PID"; RECV_PID=
zcheck "$T/all.out" - addr "$ts_addr" "node, client addresses"
zcheck "$T/all.out" - prefix "$ts_pfx" "node, /24 and /48 prefixes"
zcheck "$T/all.out" example.test addr "$ts_raddr" "zone (all records), client addresses"
zcheck "$T/all.out" example.test prefix "$ts_rpfx" "zone (all records), prefixes"
is "$(awk '$1=="H" && $2=="-" {print $6}' "$T/all.out" | sort -u)" all "the node's sketches cover every message"
is "$(awk '$1=="H" && $2=="example.test" {print $6}' "$T/all.out" | sort -u)" all "under mode all the zone's sketches cover every record"

# random:10: the node's sketch still sees every message; the zone's only sampled records (flagged, smaller)
recv_start r10 -x 1 -i 20
capd_conf "$T/r10.conf" "[sampling]" "mode = random:10" "seed = 5" "types = AUTH_RESPONSE" \
    "[zones]" "zone = example.test" "[privileges]" "allow_root = yes" "[pcap]" "port = 53"
"$CAPD" -c "$T/r10.conf" -r "$T/c.pcap" 2> "$T/capd-r10.log"
wait "$RECV_PID"; RECV_PID=
zcheck "$T/r10.out" - addr "$ts_addr" "random:10, node, client addresses"
zcheck "$T/r10.out" - prefix "$ts_pfx" "random:10, node, prefixes"
is "$(awk '$1=="H" && $2=="example.test" {print $6}' "$T/r10.out" | sort -u)" sampled "random:10: the zone's sketches are flagged sampled"
zest=$(awk '$1=="H" && $2=="example.test" && $3=="addr" {print int($4)}' "$T/r10.out")
diag "random:10: the zone's sketch counts $zest distinct clients among its sampled records (of $ts_raddr)"
[ "${zest:-0}" -gt 0 ] && [ "$zest" -lt "$ts_raddr" ]; ok $? "random:10: the zone's figure is a lower bound (clients seen in sampled records)"

# off: no sketch at all
recv_start off -x 1 -i 20
capd_conf "$T/off.conf" "[sampling]" "mode = all" "types = AUTH_RESPONSE" "[client]" "resolvers = no" \
    "[zones]" "zone = example.test" "[privileges]" "allow_root = yes" "[pcap]" "port = 53"
"$CAPD" -c "$T/off.conf" -r "$T/c.pcap" 2> "$T/capd-off.log"
wait "$RECV_PID"; RECV_PID=
is "$(grep -c '^H' "$T/off.out")" 0 "client.resolvers = no: no sketch sent"
done_testing
