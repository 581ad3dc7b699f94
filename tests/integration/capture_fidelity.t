#!/bin/bash
# tests/integration/capture_fidelity.t: every message of a hard capture (TFO, a hole, a 40 KiB message, snaplen cuts, odd messages) gives a record or a counted loss, checked against tshark's decode.
#
# dnsa-mkpcap writes fidelity.pcap (see scen_fidelity there). tshark decodes it
# independently; for every qname tshark shows, capd -r (sampling all, unlisted
# recorded) must have as many records, and what tshark cannot see (the
# uncaptured query behind the hole) must be in capd's loss counters. Then the
# same with `editcap -s 100`: every UDP message still counted, the cut ones
# flagged, and each TCP segment cut by the snap length counted as a loss.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
. "$HERE/../lib/tap.sh"
[ -x "$CAPD" ] || { echo "1..0 # SKIP capd not built"; exit 0; }
command -v tshark >/dev/null && command -v editcap >/dev/null || { echo "1..0 # SKIP tshark/editcap not installed (tools/install-deps)"; exit 0; }
capd_setup

mkdir "$T/crafted"
"$DNSA_BUILD/bin/dnsa-mkpcap" "$T/crafted" 10
ok $? "dnsa-mkpcap wrote fidelity.pcap"

# run NAME FILE [PCAP-LINES]: capd -r FILE, all sampling; output in $T/NAME.out
run() {
    recv_start "$1" -x 1 -i 20
    capd_conf "$T/$1.conf" "[sampling]" "mode = all" "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes" \
        "[zones]" "zone = example.test" "unlisted = record" "[privileges]" "allow_root = yes" "[pcap]" "port = 53" "${@:3}"
    "$CAPD" -c "$T/$1.conf" -r "$2" 2> "$T/capd-$1.log"
    ok $? "capd -r $(basename "$2") exits 0"
    wait "$RECV_PID"; RECV_PID=
}
c() { awk -v k="$2" '$1=="C" && $2==k {print $3}' "$T/$1.out"; }

# tshark: one line per DNS message it decodes: qname (lower case)
tshark_names() {
    tshark -r "$1" -Y dns -T fields -e dns.qry.name 2>/dev/null | tr 'A-Z' 'a-z' | sort | uniq -c | awk '{print $2, $1}'
}
capd_names() {
    awk '$1=="Q" {print $2, $3}' "$T/$1.out" | sort
}

run fid "$T/crafted/fidelity.pcap"
tshark_names "$T/crafted/fidelity.pcap" > "$T/tshark.txt"
capd_names fid > "$T/capd.txt"
TS=$(awk '{s+=$2} END{print s}' "$T/tshark.txt")
is "$TS" 31 "tshark decodes 31 DNS messages in fidelity.pcap"
if diff "$T/tshark.txt" "$T/capd.txt" > "$T/diff.txt"; then ok 0 "capd has a record for every message tshark decodes, qname by qname"
else ok 1 "capd has a record for every message tshark decodes, qname by qname"; sed 's/^/# /' "$T/diff.txt"; fi
is "$(c fid msg_total)" 31 "msg_total: the 31 messages"
is "$(awk '$1=="records"{print $2}' "$T/fid.out")" 31 "31 records"
is "$(c fid tcp_lost):$(c fid tcp_gaps)" "1:1" "the query behind the hole (not in the file) counted lost: tcp_lost 1, one hole"
is "$(c fid tcp_tfo)" 1 "one TFO SYN with data"
is "$(c fid msg_cut)" 1 "one UDP response cut at 100 bytes, counted and recorded"
is "$(c fid recorded_partial)" 6 "6 partial records: the cut one and the five odd ones"
is "$(c fid parse_errors):$(c fid pkt_errors)" "0:1" "no parse error (the odd ones are recorded); pkt_errors: the lost TCP message only"
grep -q '^Q big.example.test 2 ' "$T/fid.out"; ok $? "the 40 KiB response and its query recorded"
QR=$(tshark -r "$T/crafted/fidelity.pcap" -Y dns -T fields -e dns.flags.response 2>/dev/null |
    awk '{n[$1 == "1" || $1 == "True"]++} END {print n[0]+0, n[1]+0}')
is "$(awk '$1=="R" {n[$7]+=$10} END {print n[1]+0, n[2]+0}' "$T/fid.out")" "$QR" \
    "queries and responses as tshark has them ($QR): port 53 to 53 and a query sent from port 53 go by their QR bit"

# the reassembler's limit is the config's: with tcp_max_message 4096 the 40 KiB response is a counted loss
run small "$T/crafted/fidelity.pcap" "tcp_max_message = 4096"
is "$(c small msg_total):$(c small tcp_lost)" "30:2" "pcap.tcp_max_message = 4096: the 40 KiB response counted lost, not silently dropped"

# editcap -s 100: every UDP message still counted, every cut TCP segment a counted loss
editcap -s 100 "$T/crafted/fidelity.pcap" "$T/cut100.pcap" 2>/dev/null
run cut "$T/cut100.pcap"
UDP=$(tshark -r "$T/crafted/fidelity.pcap" -Y 'dns && udp' -T fields -e frame.number 2>/dev/null | wc -l)
BIGUDP=$(tshark -r "$T/crafted/fidelity.pcap" -Y 'dns && udp && frame.len > 100' -T fields -e frame.number 2>/dev/null | wc -l)
is "$(c cut msg_udp)" "$UDP" "editcap -s 100: all $UDP UDP messages counted (msg_udp)"
is "$(c cut msg_cut)" "$BIGUDP" "editcap -s 100: the $BIGUDP longer than 100 bytes counted as cut"
CUTSEG=$(tshark -r "$T/crafted/fidelity.pcap" -Y 'tcp.len > 46' -T fields -e frame.number 2>/dev/null | wc -l)
TCPMSG=$(tshark -r "$T/crafted/fidelity.pcap" -Y 'dns && tcp' -T fields -e frame.number 2>/dev/null | wc -l)
# each TCP message either delivered or counted lost
is "$(( $(c cut msg_tcp) + $(c cut tcp_lost) >= TCPMSG ))" 1 "editcap -s 100: TCP messages delivered ($(c cut msg_tcp)) + lost ($(c cut tcp_lost)) cover tshark's $TCPMSG"
diag "editcap -s 100: $CUTSEG TCP segments cut, tcp_gaps $(c cut tcp_gaps), tcp_resyncs $(c cut tcp_resyncs)"

done_testing
