#!/bin/bash
# tests/integration/ns_dnsdist.t: dnsdist (-u _dnsdist, Knot behind it) -> capd -> SQL equals dnsperf's answers across a restart; a capd restart needs the socket in dnsdist's primary group.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNSA_BUILD:=$(cd "$HERE/../.." && pwd)/build}"
for b in dnsdist knotd dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
. "$HERE/../lib/pipeline.sh"
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/nameserver.sh"

ns_begin dnsdist
# -u/-g: dnsdist keeps no supplementary group (so membership in capd's group would not help it)
is "$(awk '/^Groups:/ { $1 = ""; print $0 }' "/proc/$NS_PID/status" | tr -d ' ')" "" "dnsdist -u/-g runs with no supplementary group"
ns_perf udp4 udp 4 20
ns_perf udp6 udp 6 10
ns_perf tcp4 tcp 4 6
ns_restart
ns_perf after udp 4 6
ns_perf after-tcp tcp 6 4
ALL=$(wc -l < "$NS_ANSWERED")
ns_finish keep

is "$(mdb_counter capd msg_client_response)" "$ALL" "SQL: capd counted CLIENT_RESPONSE = every answer"
is "$(mdb_counter capd msg_client_query)" "$ALL" "SQL: capd counted CLIENT_QUERY = every query"
is "$(mdb_counter capd dnstap_conns)" 2 "SQL: two dnstap connections (start and restart)"

# capd restarts (after the SQL checks: a libfstrm writer notices the lost reader only when it
# writes, and loses those first messages). dnsdist reconnects as _dnsdist (it connected as root
# at start), so only the socket's group decides.
capd_restart() { # capd_restart GROUP: then queries, so that dnsdist writes
	capd_stop
	sed -i "s/^socket_group = .*/socket_group = $1/" "$T/capd.conf"
	capd_start "$T/capd.conf" || { echo "Bail out! capd did not restart"; exit 1; }
	timeout 30 dnsperf -s 127.0.0.1 -p "$NS_PORT" -d "$NS_QUERIES" -l 3 -Q 200 > "$T/perf.restart" 2>&1 &
	pipe_track $!
}
capd_restart root
sleep 2.5
is "$(ns_conns)" 0 "capd restarted, socket group root: dnsdist (as _dnsdist) does not reconnect"
is "$(grep -ci 'permission denied' "$NS_DIR/dnsdist.log")" 0 "dnsdist logs nothing about it"
capd_restart _dnsdist
capd_wait_conns 1
ok $? "capd restarted, socket group _dnsdist: dnsdist reconnects"
done_testing
