#!/bin/bash
# tests/integration/pcap-capd.t: capd -r on crafted pcaps (dnsa-mkpcap): the pcap input's counters reach the counters datagram.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
[ -x "$CAPD" ] || { echo "1..0 # SKIP capd not built"; exit 0; }
capd_setup
. "$HERE/../lib/tap.sh"

mkdir "$T/crafted"
"$DNSA_BUILD/bin/dnsa-mkpcap" "$T/crafted" 3000
ok $? "dnsa-mkpcap wrote the crafted files"

# run NAME: capd -r on crafted/NAME.pcap, all sampling; counters in $T/NAME.out
run() {
    recv_start "$1" -x 1 -i 20
    capd_conf "$T/$1.conf" "[sampling]" "mode = all" "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes" \
        "[zones]" "zone = example.test" "unlisted = record" "[privileges]" "allow_root = yes" "[pcap]" "port = 53"
    "$CAPD" -c "$T/$1.conf" -r "$T/crafted/$1.pcap" 2> "$T/capd-$1.log"
    ok $? "capd -r $1.pcap exits 0"
    wait "$RECV_PID"; RECV_PID=
}
c() { awk -v k="$2" '$1=="C" && $2==k {print $3}' "$T/$1.out"; }

run frag4
is "$(c frag4 msg_total):$(c frag4 frag_reassembled):$(c frag4 pkt_errors)" "2:1:0" "frag4: 2 messages, 1 datagram reassembled, no packet error"
is "$(awk '$1=="records"{print $2}' "$T/frag4.out")" 2 "frag4: query and 3000-byte response recorded"

run tcp-split3
is "$(c tcp-split3 msg_total):$(c tcp-split3 msg_tcp):$(c tcp-split3 tcp_flows):$(c tcp-split3 tcp_gaps)" "2:2:1:0" \
    "tcp-split3: 2 TCP messages from 1 flow, no gap"
is "$(c tcp-split3 parse_errors)" 0 "tcp-split3: the reassembled response parses"

run vlan
is "$(c vlan msg_total):$(c vlan msg_ipv6)" "4:2" "vlan/QinQ: 4 messages, 2 over IPv6"

run garbage
is "$(c garbage msg_total)" 2 "garbage: a response sent to port 53 (QR decides) and 22 bytes of junk reach the pipeline..."
is "$(c garbage parse_errors)" 1 "... where the DNS parser rejects the junk"
is "$(c garbage pkt_errors)" 8 "garbage: 8 packets counted as packet errors"
is "$(c garbage dot_connections):$(c garbage doh_connections)" "1:1" "garbage: one DoT and one DoH handshake counted as connections"

run snaplen
is "$(c snaplen msg_total):$(c snaplen msg_cut):$(c snaplen tcp_gaps):$(c snaplen tcp_lost):$(c snaplen pkt_errors)" "3:1:1:1:1" \
    "snaplen: 2 queries and the cut UDP response counted (msg_cut 1); the cut TCP response is a hole, 1 message lost"

run synflood
is "$(c synflood msg_total):$(c synflood tcp_flows)" "2:3001" "synflood: 3000 SYN flows tracked, the real connection's 2 messages delivered"
done_testing
