#!/bin/bash
# tests/integration/fault_clock_behind.t: capd restarted with its clock an hour behind its previous boot: the new boot's datagrams are staged, and MariaDB's totals are exactly both boots'.
#
# The boot id used to be the start time in microseconds, so a node whose clock went
# back (a bad NTP step, a VM restored from a snapshot, a dead RTC battery) started a
# boot aggd took for an old one: every datagram refused as old_boot until the clock
# caught up. Now capd keeps its last boot id in state_dir and starts above it
# (capd/bootid.h). libfaketime sets capd's clock back; the reference for the totals is
# dnstap-ldns's decoding of the same capture.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
FSTRM=${REALSERVERS:-$HERE/../data/realservers}/samples/knot.fstrm
for b in faketime mariadbd dnstap-ldns; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/dnstap_ref.sh"
sq() { sqlite3 -cmd '.timeout 5000' "$T/staging.db" "$1"; }
st() { sq "SELECT COALESCE(SUM(value), 0) FROM node_stats WHERE node = '$1' AND counter = '$2'"; }
REF=$(dnstap_ref "$FSTRM" | awk '{ s += $7 } END { print s + 0 }')
is "$REF" 15000 "dnstap-ldns decodes 15000 messages in the capture"

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
mkdir "$T/state"
pipe_capd_conf "[sampling]" "mode = all" "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes"
sed -i "1i state_dir = $T/state" "$T/capd.conf"
# replay [FAKETIME-OFFSET]: one capd start on the capture (its clock moved by the offset), then a pause for aggd
behind() { # behind OFFSET CMD...: run CMD with its clock moved by OFFSET (libfaketime)
	local off=$1; shift
	# ASan (make SAN=1) wants to be first in the preload list; libfaketime is preloaded
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 faketime -f "$off" "$@"
}
replay() {
	local before rc i
	before=$(sq "SELECT COUNT(*) FROM datagram")
	behind "${1:-+0}" "$BIN/capd" -c "${2:-$T/capd.conf}" -r "$FSTRM" 2>> "$T/capd-r.log"
	rc=$?
	for i in $(seq 100); do [ "$(sq "SELECT COUNT(*) FROM datagram")" -gt "$before" ] && break; sleep 0.05; done
	sleep 0.5
	return $rc
}
replay
ok $? "capd -r, clock right"
B1=$(cat "$T/state/boot_id")
replay -1h
ok $? "capd -r again, its clock one hour behind its previous boot"
B2=$(cat "$T/state/boot_id")
diag "boot ids: $B1, then $B2"
# what the clock alone would have given that start: the same, with no state and nobody listening
mkdir "$T/state0"
sed "s|^state_dir = .*|state_dir = $T/state0|; s|^aggregator = .*|aggregator = 127.0.0.1:9|" "$T/capd.conf" > "$T/capd0.conf"
behind -1h "$BIN/capd" -c "$T/capd0.conf" -r "$FSTRM" 2> /dev/null
B0=$(cat "$T/state0/boot_id")
ok $(( B0 < B1 - 3500000000 ? 0 : 1 )) "under faketime -1h the clock alone gives a boot id an hour below the first ($(( (B1 - B0) / 1000000 )) s)"
sleep 1.5      # aggd's node_stats every second
pipe_aggd_stop

is "$(sq "SELECT COUNT(DISTINCT boot_id) FROM datagram")" 2 "two boots staged"
is "$(( B2 - B1 ))" 1 "the second boot id is the first plus one (the clock would have given one hour less)"
is "$(sq "SELECT MAX(boot_id) FROM datagram")" "$B2" "aggd staged the second boot"
is "$(st "$NODE" reject_old_boot)" 0 "no datagram refused as old_boot"
is "$(sq "SELECT SUM(nrecords) FROM datagram WHERE boot_id = $B2")" "$REF" "the second boot's $REF records are all staged"
is "$(sq "SELECT SUM(nrecords) FROM datagram")" $((2 * REF)) "both boots: $((2 * REF)) records staged"
grep -q "not kept in state_dir" "$T/capd-r.log"; ok $((1 - $?)) "capd kept its boot id without a warning"

pipe_rollup; ok $? "aggd-rollup exits 0"
is "$(mdb_total)" "$((2 * REF)) $((2 * REF))" "MariaDB totals: est and sampled exactly both boots' $((2 * REF))"
is "$(mdb_counter capd msg_total)" $((2 * REF)) "capd's exact msg_total in MariaDB: both boots"
is "$(mdb_counter aggd reject_old_boot)" 0 "no old_boot rejects in MariaDB"
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
