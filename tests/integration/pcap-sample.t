#!/bin/bash
# tests/integration/pcap-sample.t: the pcap input on the real Knot sample capture agrees with tcpdump's own counts, and with a 3x repeated copy.
B=${DNSA_BUILD:?DNSA_BUILD must point at the build directory}/bin
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RS=${REALSERVERS:-$SRC/tests/data/realservers}
PCAP=$RS/samples/knot-udp-tcp.pcap
T=$(mktemp -d /tmp/pcap-sample.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT INT TERM

. "$SRC/tests/lib/tap.sh"
if ! command -v tcpdump > /dev/null; then echo "1..0 # SKIP tcpdump not installed"; exit 0; fi
[ -r "$PCAP" ] || { echo "1..0 # SKIP $PCAP missing"; exit 0; }

# tcpdump's counts: UDP datagrams each way, TCP segments carrying data each way
# (this capture has one DNS message per data segment, see realservers/README.md)
td() { timeout 60 tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }
tcp4data='(ip[2:2] - ((ip[0]&0xf)<<2) - ((tcp[12]&0xf0)>>2)) != 0'
tcp6data='(ip6[4:2] - ((ip6[52]&0xf0)>>2)) != 0'
expect() { # expect FILE: the key=value lines tcpdump says we should print
	echo "q_udp_v4=$(td "$1" 'ip and udp and dst port 5353')"
	echo "r_udp_v4=$(td "$1" 'ip and udp and src port 5353')"
	echo "q_udp_v6=$(td "$1" 'ip6 and udp and dst port 5353')"
	echo "r_udp_v6=$(td "$1" 'ip6 and udp and src port 5353')"
	echo "q_tcp_v4=$(td "$1" "ip and tcp and dst port 5353 and $tcp4data")"
	echo "r_tcp_v4=$(td "$1" "ip and tcp and src port 5353 and $tcp4data")"
	echo "q_tcp_v6=$(td "$1" "ip6 and tcp and dst port 5353 and $tcp6data")"
	echo "r_tcp_v6=$(td "$1" "ip6 and tcp and src port 5353 and $tcp6data")"
}
got() { # got FILE: our counters, same keys
	"$B/dnsa-pcapstat" -p 5353 -r "$1" > "$T/stat.txt"
	grep -E '^[qr]_(udp|tcp)_v[46]=' "$T/stat.txt"
}

expect "$PCAP" > "$T/want.txt"
got "$PCAP" > "$T/got.txt"
while IFS== read -r k want; do
	is "$(awk -F= -v k="$k" '$1 == k {print $2}' "$T/got.txt")" "$want" "sample: $k equals tcpdump's count"
done < "$T/want.txt"
is "$(grep -E '^q_udp_v4=|^q_udp_v6=|^r_udp_v4=|^r_udp_v6=|^q_tcp_v4=|^r_tcp_v4=' "$T/want.txt" | tr '\n' ' ')" \
	"q_udp_v4=4500 r_udp_v4=4500 q_udp_v6=1000 r_udp_v6=1000 q_tcp_v4=2000 r_tcp_v4=2000 " \
	"tcpdump agrees with the README: 5500+5500 UDP, 2000+2000 TCP"
is "$(grep -E '^skip_' "$T/stat.txt" | grep -vc '=0$')" 0 "sample: no packet skipped"

# the same traffic three times over (timestamps shifted, TCP connections reused by port)
"$B/dnsa-mkpcap" -R 3 "$PCAP" "$T/x3.pcap"
expect "$T/x3.pcap" > "$T/want3.txt"
got "$T/x3.pcap" > "$T/got3.txt"
is "$(sort "$T/got3.txt" | tr "\n" " ")" "$(sort "$T/want3.txt" | tr "\n" " ")" "3x repeated sample: every counter equals tcpdump's"
is "$(awk -F= '$1 == "messages" {print $2}' "$T/stat.txt")" 45000 "3x repeated sample: 45000 messages"

done_testing
