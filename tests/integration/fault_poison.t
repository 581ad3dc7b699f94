#!/bin/bash
# tests/integration/fault_poison.t: no datagram stops the rollup: out-of-window times, bad weights, counters at 2^64-1, sums past 2^64, a row MariaDB refuses, 28,000 zones; real data flows after each.
#
# Knot -> capd -> aggd -> staging carries real traffic throughout; between rollups the
# hostile datagrams a node with a bad clock or a stolen key would make aggd stage are
# appended to the same staging (tests/tools/stage-hostile: valid CBOR of the right shape, so
# aggd's checks pass; the values are the attack). After every attack the rollup exits 0,
# the hostile datagrams are quarantined (or folded/saturated, and counted), and MariaDB
# holds exactly the real records staged so far. On the code before this test, the first
# attack stopped every later run (MariaDB error 1292 on FROM_UNIXTIME beyond 2038).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in knotd knotc dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
[ -x "$BIN/stage-hostile" ] || { echo "1..0 # SKIP stage-hostile not built"; exit 0; }
pipe_setup
. "$HERE/../lib/tap.sh"
HB=777              # the hostile datagrams' boot id (the real node's boots are wall-clock microseconds)
HSEQ=1
NOW=$(date +%s)
sq() { sqlite3 -cmd '.timeout 5000' "$T/staging.db" "$1"; }
hostile() { # hostile ARGS...: append hostile datagrams of node-test (boot $HB) to the staging
	local n
	n=$("$BIN/stage-hostile" -o "$T/staging.db" -N "$NODE" -b $HB -q $HSEQ "$@") || { echo "Bail out! stage-hostile $*"; exit 1; }
	HSEQ=$((HSEQ + n))
}
EXPECT=0            # real records staged and not yet rolled up, plus hostile records that must count
traffic() {         # a second of real queries (rollup_ok waits until capd's last batch is staged)
	perf_start 1 300
	perf_wait
}
quiesce() {         # until no real records datagram has been staged for 1.1 s (bounded: 10 s)
	local a b i
	b=$(sq "SELECT COALESCE(MAX(id), 0) FROM datagram WHERE kind = 1 AND boot_id <> $HB")
	for i in $(seq 8); do
		sleep 1.1
		a=$b
		b=$(sq "SELECT COALESCE(MAX(id), 0) FROM datagram WHERE kind = 1 AND boot_id <> $HB")
		[ "$a" = "$b" ] && return 0
	done
}
real_pending() {    # real records staged after the checkpoint
	local ck
	ck=$(mdb_q "SELECT COALESCE(MAX(datagram_id), 0) FROM rollup_checkpoint")
	sq "SELECT COALESCE(SUM(nrecords), 0) FROM datagram WHERE id > ${ck:-0} AND kind = 1 AND boot_id <> $HB"
}
rollup_ok() {       # rollup_ok NAME: one run exits 0 and MariaDB holds exactly the expected records
	quiesce
	EXPECT=$((EXPECT + $(real_pending)))
	pipe_rollup
	ok $? "$1: aggd-rollup exits 0$(head -c 300 "$T/rollup.err" | tr '\n' ' ' | sed 's/^/ (stderr: /;s/ $/)/;s/^ (stderr: )$//')"
	is "$(mdb_total)" "$EXPECT $EXPECT" "$1: MariaDB holds exactly the $EXPECT records staged (real traffic flows on)"
}
quar() { sq "SELECT COUNT(*) FROM quarantine WHERE error LIKE '$1'"; }

pipe_mdb
echo "zones_per_node = 300" >> "$T/rollup.conf"
echo "asn_max = 50" >> "$T/rollup.conf"
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf "[sampling]" "mode = all"
capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
knot_start "$T/knot" "$SOCK" || { echo "Bail out! knotd did not start"; exit 1; }
capd_wait_conns 1 || { echo "Bail out! knotd did not connect"; exit 1; }
traffic
rollup_ok "baseline"

# ---- 1. times outside the window (2040, two days ahead, 2 years back), bad weights ----
traffic
hostile -r 5 -t 2208988800                       # 2040-01-01: FROM_UNIXTIME gives NULL
hostile -C 1000 -t 2208988800                    # a counters snapshot from 2040
hostile -r 5 -t $((NOW + 2 * 86400))             # a clock two days ahead
hostile -r 5 -t $((NOW - 730 * 86400))           # two years back
hostile -r 5 -w 0                                # weight 0
hostile -r 5 -w 4294967295                       # weight 2^32-1 (sampling n is at most 10^9)
traffic
rollup_ok "2040, +2 days, -2 years, weight 0 and 2^32-1"
is "$(quar '%2040-01-01%outside 2000-01-01 .. 2038-01-19')" 2 "the 2040 records and counters datagrams are quarantined, with the time in the reason"
is "$(quar '%later than window.future_seconds%')" 1 "the datagram two days ahead is quarantined"
is "$(quar '%older than window.past_days%')" 1 "the datagram two years back is quarantined"
is "$(quar '%weight%outside 1 .. 1000000000')" 2 "both bad weights are quarantined"
is "$(mdb_q "SELECT quarantined FROM rollup_checkpoint")" 6 "rollup_checkpoint.quarantined counts the 6"
is "$(mdb_counter rollup quarantined)" 6 "node health of node-test: rollup/quarantined = 6"
grep -q 'aggd-rollup: 6 staged datagrams quarantined.*first: staged id [0-9]*: .*2040-01-01' "$T/rollup.err"
ok $? "one log line for the run names the count and the first reason"

# ---- 2. a counter at 2^64-1, then a reboot; sums past 2^64 saturate ----
traffic
hostile -C 18446744073709551615
HB=778 hostile -C 18446744073709551615           # "rebooted": the same value under a new boot
rollup_ok "counter at 2^64-1 then a reboot"
is "$(quar '%counter msg_total/0 = 18446744073709551615 above 2^62')" 2 "both 2^64-1 counters datagrams are quarantined"
# five boots of one node each at 2^62 in one minute: more than 2^64 in one health row
for b in 1 2 3 4 5; do "$BIN/stage-hostile" -o "$T/staging.db" -N node-sat -b $b -C 4611686018427387904 -t $((NOW / 60 * 60 + 5)) >/dev/null; done
traffic
rollup_ok "five boots at 2^62 in one minute"
satq() { mdb_q "SELECT c.value FROM node_counter_$1 c JOIN node n USING (node_id) WHERE n.name = 'node-sat' AND c.source = 'capd' AND c.counter = 'msg_total'"; }
is "$(satq minute)" 18446744073709551615 "the minute's sum stops at 2^64-1 (no wrap)"
ok $(( $(mdb_q "SELECT saturated FROM rollup_checkpoint") > 0 ? 0 : 1 )) "flagged: rollup_checkpoint.saturated = $(mdb_q "SELECT saturated FROM rollup_checkpoint")"
"$BIN/stage-hostile" -o "$T/staging.db" -N node-sat -b 6 -C 4611686018427387904 -t $((NOW / 60 * 60 + 5)) >/dev/null
traffic
rollup_ok "one more boot into the saturated row (MariaDB's upsert at 2^64-1, once error 1690)"
is "$(satq day)" 18446744073709551615 "the day row stays at 2^64-1"

# ---- 3. a datagram MariaDB refuses for a reason the validation does not know ----
mariadb_sql dnsa <<-'SQL'
	DELIMITER //
	CREATE TRIGGER zone_policy BEFORE INSERT ON zone FOR EACH ROW
	BEGIN
		IF NEW.name = 'poison.test' THEN
			SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'zone refused by policy';
		END IF;
	END //
	DELIMITER ;
	SQL
traffic
hostile -r 3 -Z poison.test
traffic
rollup_ok "a zone a trigger refuses, between real datagrams"
is "$(quar 'refused by MariaDB:%zone refused by policy (1644)')" 1 "the one refused datagram is quarantined with MariaDB's reason"
is "$(mdb_q "SELECT COUNT(*) FROM zone WHERE name = 'poison.test'")" 0 "nothing of it reached MariaDB"
grep -q 'MariaDB refused [0-9]* batches for a data error.*zone refused by policy' "$T/rollup.err"
ok $? "the log says the batch was split and why"
mdb_q "DROP TRIGGER zone_policy"

# ---- 4. 28,000 zones and 2,000 AS numbers from one node ----
Z0=$(mdb_q "SELECT COUNT(*) FROM zone")
traffic
hostile -r 28000 -z 28000 -a 2000
EXPECT=$((EXPECT + 28000))
rollup_ok "28,000 distinct zones"
Z1=$(mdb_q "SELECT COUNT(*) FROM zone")
ok $(( Z1 - Z0 <= 301 ? 0 : 1 )) "the zone table grew by $((Z1 - Z0)) rows (zones_per_node = 300, plus '#other')"
FOLDED=$(mdb_q "SELECT zones_folded FROM rollup_checkpoint")
is "$(mdb_q "SELECT s.est FROM series_day s JOIN zone z USING (zone_id) WHERE z.name = '#other' AND s.node_id = 0 AND s.dim = 'total'")" \
   "$FOLDED" "zone '#other' holds the $FOLDED folded records, counted in rollup_checkpoint.zones_folded"
is "$(mdb_counter rollup zones_folded)" "$FOLDED" "and in node-test's health (rollup/zones_folded)"
ROWS=$(mdb_q "SELECT (SELECT COUNT(*) FROM series_minute) + (SELECT COUNT(*) FROM series_hour) + (SELECT COUNT(*) FROM series_day)")
ok $(( ROWS < 100000 ? 0 : 1 )) "series rows stay bounded: $ROWS (952,000 before the bound)"
ASNS=$(mdb_q "SELECT COUNT(DISTINCT val) FROM series_hour WHERE dim = 'asn'")
ok $(( ASNS <= 52 ? 0 : 1 )) "distinct ASN values in series_hour: $ASNS (asn_max = 50, plus 'other' and '0')"
ok $(( $(mdb_q "SELECT asn_folded FROM rollup_checkpoint") > 0 ? 0 : 1 )) "ASN folding counted: $(mdb_q "SELECT asn_folded FROM rollup_checkpoint")"
diag "rollup max RSS per run (KiB): $(tr '\n' ' ' < "$T/rollup.rss")"

# ---- after everything: real data still flows end to end ----
traffic
rollup_ok "after every attack"
knot_stop
capd_stop
pipe_aggd_stop
pipe_logs_clean; ok $? "no sanitizer report in the logs"
done_testing
