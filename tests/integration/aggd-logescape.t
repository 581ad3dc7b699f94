#!/bin/bash
# tests/integration/aggd-logescape.t: node names with newline/ESC bytes are refused as bad_name (counted), never forge a log line; real data still flows.
#
# The header is cleartext and read before any key is known, so anyone can send
# these. Before the fix the raw name went into aggd's log ("node 'x<LF>FORGED...'"),
# which under journald (stderr) is a second, forged log line.
. "$(dirname "$0")/../lib/aggd-test.sh"

PORT=$(free_port)
keygen node1
write_conf
start_aggd; ok $? "aggd started"
S=127.0.0.1:$PORT

# hostile NAME COUNT: COUNT well-formed headers (kind 1, boot 1, seq i) naming NAME, 16 zero tag bytes
hostile() {
	python3 - "$PORT" "$1" "$2" <<-'EOF'
	import socket, struct, sys
	port, name, count = int(sys.argv[1]), sys.argv[2].encode('latin-1'), int(sys.argv[3])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	for i in range(1, count + 1):
	    hdr = b'DNSA' + bytes([1, 1, len(name), 0]) + struct.pack('>QQQ', 1, i, 7) + name
	    s.sendto(hdr + b'\0' * 16, ('127.0.0.1', port))
	EOF
}
hostile $'x\nFORGED: aggd: started: 0 node keys' 4
hostile $'\e[2J\e[31mred' 3
hostile $'node1\r' 2
hostile 'a b' 1

# real data after the attack: records compared with what was sent
"$B/dnsa-sender" -k "$T/node1.key" -s "$S" -b 5000 -n 50 -S 3 -d "$T/sent.txt" > /dev/null
wait_for 10 count_is 50; ok $? "the 50 real datagrams are staged"
bad_names_are() { [ "$(stat '' reject_bad_name)" = "$1" ]; }
wait_for 10 bad_names_are 10
stop_aggd
is "$AGGD_RC" 0 "aggd exits 0"

is "$(stat '' reject_bad_name)" 10 "10 bad names counted as reject_bad_name (node_stats, node '')"
is "$(stat node1 reject_unknown_node)$(stat '' reject_unknown_node)" 00 "  not as unknown nodes: the name was never looked up"
is "$(sq "SELECT count(*) FROM datagram WHERE node <> 'node1'")" 0 "nothing of theirs staged"
"$B/dnsa-sender" -x "$T/staging.db" | sort > "$T/staged.txt"
sort "$T/sent.txt" | cmp -s - "$T/staged.txt"; ok $? "node1's staged records equal the records sent"

is "$(grep -c '^FORGED' "$T/aggd.log")" 0 "no forged line in aggd's log"
is "$(tr -cd '\033\r' < "$T/aggd.log" | wc -c)" 0 "no ESC or CR byte in aggd's log"
grep -q "node 'x\\\\x0aFORGED: aggd: started: 0 node keys': bad_name" "$T/aggd.log"
ok $? "the bad name is logged escaped (\\x0a), with the reason"
grep -q "node '\\\\x1b\[2J\\\\x1b\[31mred': bad_name" "$T/aggd.log"; ok $? "ESC logged as \\x1b"
is "$(grep -c 'rejected datagram' "$T/aggd.log")" 5 "logging is rate-limited (5 lines for 10 rejects)"
done_testing
