#!/bin/bash
# tests/integration/mkcapture.t: the bench capture maker repeats the Knot samples with varied clients and names, and stays valid for dnstap-ldns, tcpdump and capd.
B=${DNSA_BUILD:?DNSA_BUILD must point at the build directory}/bin
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RS=${REALSERVERS:-$SRC/tests/data/realservers}
T=$(mktemp -d /tmp/mkcapture-test.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT INT TERM

. "$SRC/tests/lib/tap.sh"
for t in dnstap-ldns tcpdump; do
	command -v "$t" > /dev/null || { echo "1..0 # SKIP $t not installed"; exit 0; }
done
[ -x "$B/mkcapture" ] || { echo "1..0 # SKIP mkcapture not built"; exit 0; }

# ---- dnstap: 2 copies of the 15,000-message sample plus 5,000 of a third
is "$("$B/mkcapture" -n 35000 -i "$RS/samples/knot.fstrm" -o "$T/x.fstrm")" 35000 "mkcapture reports 35000 frames written"
dnstap-ldns -q -r "$T/x.fstrm" > "$T/x.txt" 2> "$T/x.err"
is "$?" 0 "dnstap-ldns reads the whole output"
is "$(wc -l < "$T/x.txt")" 35000 "dnstap-ldns sees 35000 messages"
dnstap-ldns -q -r "$RS/samples/knot.fstrm" > "$T/orig.txt"
is "$(head -n 15000 "$T/x.txt" | md5sum)" "$(md5sum < "$T/orig.txt")" "copy 0 is the original, byte for byte as decoded"
sed -n '15001,30000p' "$T/x.txt" > "$T/c1.txt"
# same message types, transports and sizes in the same order as the original
is "$(awk '{ print $3, $5, $6, $8, $9 }' "$T/c1.txt" | md5sum)" "$(awk '{ print $3, $5, $6, $8, $9 }' "$T/orig.txt" | md5sum)" \
	"copy 1 keeps every message's type, transport, size, class and qtype"
is "$(awk '{ print $1 }' "$T/c1.txt" | sort -u | head -n 1)" 2026-11-21 "copy 1 dates parse"
is "$(awk '{ split($2, a, ":"); print a[1] ":" a[2] }' "$T/c1.txt" | sort -u | wc -l | tr -d ' ')" \
	"$(awk '{ split($2, a, ":"); print a[1] ":" a[2] }' "$T/orig.txt" | sort -u | wc -l | tr -d ' ')" "copy 1 is shifted by one second, not by minutes"
is "$(head -n 1 "$T/c1.txt" | awk '{ print substr($2, 1, 8) }')" "$(head -n 1 "$T/orig.txt" | awk '{ split($2, a, ":"); printf "%s:%s:%02d", a[1], a[2], a[3] + 1 }')" \
	"the first message of copy 1 is one second after the original's"
orig_clients=$(awk '{ print $4 }' "$T/orig.txt" | sort -u | wc -l)
c1_clients=$(awk '{ print $4 }' "$T/c1.txt" | sort -u | wc -l)
ok "$([ "$orig_clients" -le 2 ] && [ "$c1_clients" -gt 5000 ]; echo $?)" "clients varied: $orig_clients in the original, $c1_clients in copy 1"
is "$(grep -c '127.0.0.1\|::1 ' "$T/c1.txt")" 0 "no loopback client left in copy 1"
# a UDP query and its response keep one client: pair AQ with the next AR of the same size-independent id (order of the file)
is "$(awk '$5 == "UDP" && $3 == "AQ" { q[$7 $4]++ } $5 == "UDP" && $3 == "AR" { r[$7 $4]++ } END { bad = 0; for (k in q) if (q[k] != r[k]) bad++; print bad }' "$T/c1.txt")" 0 \
	"every UDP query (name, client) has as many responses to the same client"
is "$(awk '{ print $7 }' "$T/c1.txt" | grep -vc '\(example\|sample\)\.test\."$\|"nonexistent\.invalid\."$\|"example\.com\."$')" \
	"$(awk '{ print $7 }' "$T/orig.txt" | grep -vc '\(example\|sample\)\.test\."$\|"nonexistent\.invalid\."$\|"example\.com\."$')" \
	"names stay in their zones"
orig_names=$(awk '{ print $7 }' "$T/orig.txt" | sort -u | wc -l)
all_names=$(awk '{ print $7 }' "$T/x.txt" | sort -u | wc -l)
ok "$([ "$all_names" -gt "$orig_names" ]; echo $?)" "names varied: $orig_names in the original, $all_names over 2.33 copies"
is "$(awk '$7 == "\"example.test.\"" || $7 == "\"sample.test.\""' "$T/c1.txt" | wc -l | tr -d ' ')" \
	"$(awk '$7 == "\"example.test.\"" || $7 == "\"sample.test.\""' "$T/orig.txt" | wc -l | tr -d ' ')" "zone apex names are not rewritten"

# ---- pcap: 2 copies of the 15,017-packet sample
is "$("$B/mkcapture" -n 30034 -i "$RS/samples/knot-udp-tcp.pcap" -o "$T/x.pcap")" 30034 "mkcapture reports 30034 packets written"
is "$(tcpdump -n -r "$T/x.pcap" 2> /dev/null | wc -l)" 30034 "tcpdump reads 30034 packets"
# in copy 1 every UDP and TCP checksum was recomputed: tcpdump -vv says "sum ok" / no "bad" / "incorrect"
tcpdump -n -vv -r "$T/x.pcap" 2> /dev/null > "$T/pvv.txt"
c1_bad=$(awk 'BEGIN { n = 0 } /^[0-9][0-9]:/ { n++ } n > 15017' "$T/pvv.txt" | grep -c 'bad udp cksum\|incorrect\|bad cksum')
is "$c1_bad" 0 "copy 1 has no bad IPv4, UDP or TCP checksum"
c0_bad=$(awk 'BEGIN { n = 0 } /^[0-9][0-9]:/ { n++ } n <= 15017' "$T/pvv.txt" | grep -c 'bad udp cksum\|incorrect\|bad cksum')
ok "$([ "$c0_bad" -gt 0 ]; echo $?)" "(the check can fail: copy 0, captured on lo with checksum offload, has $c0_bad bad ones)"
c1_udp_ok=$(awk 'BEGIN { n = 0 } /^[0-9][0-9]:/ { n++ } n > 15017' "$T/pvv.txt" | grep -c 'udp sum ok')
is "$c1_udp_ok" 11000 "copy 1: tcpdump verifies all 11000 UDP checksums"
c1_hosts=$(tcpdump -n -r "$T/x.pcap" 2> /dev/null | tail -n 15017 | awk '{ print $3 }' | sed 's/\.[0-9]*:\{0,1\}$//' | sort -u | wc -l)
ok "$([ "$c1_hosts" -gt 5000 ]; echo $?)" "copy 1 has $c1_hosts distinct sources"

# ---- -F: a SYN flood of distinct flows, each with a held partial message
is "$("$B/mkcapture" -F 1000 -o "$T/flood.pcap")" 2000 "mkcapture -F 1000 reports 2000 packets"
tcpdump -n -vv -r "$T/flood.pcap" 2> /dev/null > "$T/flood.txt"
is "$(grep -c 'cksum 0x[0-9a-f]* (correct)' "$T/flood.txt")" 2000 "tcpdump verifies all 2000 TCP checksums"
is "$(grep -c 'Flags \[S\]' "$T/flood.txt")" 1000 "1000 SYNs"
is "$(grep 'Flags \[S\]' "$T/flood.txt" | awk '{ print $1 }' | sort -u | wc -l | tr -d ' ')" 1000 "from 1000 distinct client address:port pairs"
is "$(grep -c 'length 14$' "$T/flood.txt")" 1000 "1000 segments of 14 bytes (length prefix + 12 bytes of a query)"

# ---- cut and foreign inputs: whole frames/packets only, or a clean refusal
head -c 100000 "$RS/samples/knot.fstrm" > "$T/cut.fstrm"
is "$("$B/mkcapture" -n 5000 -i "$T/cut.fstrm" -o "$T/cut-out.fstrm")" 5000 "a dnstap file cut inside a frame: 5000 frames from its whole frames"
is "$(dnstap-ldns -q -r "$T/cut-out.fstrm" 2> /dev/null | wc -l | tr -d ' ')" 5000 "and dnstap-ldns reads them all"
head -c 100000 "$RS/samples/knot-udp-tcp.pcap" > "$T/cut.pcap"
is "$("$B/mkcapture" -n 5000 -i "$T/cut.pcap" -o "$T/cut-out.pcap")" 5000 "a pcap cut inside a packet: 5000 packets"
is "$(tcpdump -n -r "$T/cut-out.pcap" 2> /dev/null | wc -l | tr -d ' ')" 5000 "and tcpdump reads them all"
head -c 4096 /dev/urandom | tr '\000' '\001' > "$T/junk"
"$B/mkcapture" -n 10 -i "$T/junk" -o "$T/junk.out" > /dev/null 2>&1
is "$?" 1 "a file that is neither dnstap nor pcap: exit 1"
"$B/mkcapture" -n 10 -i "$T/missing" -o "$T/junk.out" > /dev/null 2>&1
is "$?" 1 "a missing input: exit 1"

# ---- capd reads both: every message counted, no parse errors
if [ -x "$B/capd" ] && [ -x "$B/dnsa-keygen" ]; then
	"$B/dnsa-keygen" -f -o "$T/n.key" testnode > /dev/null
	cat > "$T/capd.conf" <<CONF
node_key = $T/n.key
aggregator = 127.0.0.1:9
[sampling]
mode = all
[zones]
zone = example.test sample.test
[pcap]
server = 127.0.0.1
server = ::1
port = 5353
[privileges]
allow_root = yes
CONF
	"$B/capd" -c "$T/capd.conf" -v -r "$T/x.fstrm" 2> "$T/capd1.log"
	is "$(sed -n 's/.*: \([0-9]*\) messages, .* \([0-9]*\) parse errors.*/\1 \2/p' "$T/capd1.log")" "35000 0" "capd -r: 35000 dnstap messages, 0 parse errors"
	"$B/capd" -c "$T/capd.conf" -v -r "$T/x.pcap" 2> "$T/capd2.log"
	is "$(sed -n 's/.*: \([0-9]*\) messages, .* \([0-9]*\) parse errors.*/\1 \2/p' "$T/capd2.log")" "30000 0" "capd -r: 30000 DNS messages from the pcap (2 x 15000), 0 parse errors"
fi

done_testing
