#!/bin/bash
# tests/integration/partitions.t: 013 partitions by time: a database with months of rows keeps every row, retention drops exactly the expired partitions, partitions ahead, writes beyond them.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-part.XXXXXX)
cleanup() {
	mariadb_stop
	rm -rf "$T"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT INT TERM

. "$ROOT/tests/lib/tap.sh"

for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd not installed"; exit 0; }

mariadb_start "$T/mdb" || { echo "Bail out! cannot start MariaDB"; exit 1; }
q() { db=$1; shift; mariadb_sql "$db" -e "$*"; }
TABLES="series_minute series_hour series_day node_counter_minute node_counter_hour node_counter_day
	top_name_hour server_zone_minute server_zone_hour server_zone_day"
M012=$(ls "$ROOT"/sql/mariadb/013_*.sql)

# the schema as it was before 013
mkdir "$T/old"
for f in "$ROOT"/sql/mariadb/[0-9][0-9][0-9]_*.sql; do
	n=$(basename "$f" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
	[ "$n" -lt 13 ] && cp "$f" "$T/old/"
done
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa -m "$T/old" >/dev/null
ok $? "a database at the schema before 013"

printf 'user = root\npassword =\n' >"$T/cred"
chmod 600 "$T/cred"
# conf NAME DB START [extra lines]: staging of 1500 records over 20 minutes from START, its config
conf() {
	name=$1 db=$2 start=$3
	shift 3
	"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/$name.db" -r 1500 -c -t "$start" -d 1200 \
		-e "$T/$name.exp" >/dev/null
	awk -F'\t' '{ s[$1] += $2 } END { for (k in s) print k "\t" s[k] }' "$T/$name.exp" | LC_ALL=C sort >"$T/$name.sum"
	{
		echo "staging = $T/$name.db"
		echo "aggregator = $name"
		echo "lock_file = $T/$name.lock"
		echo "mariadb.socket = $MDB_SOCK"
		echo "mariadb.database = $db"
		echo "mariadb.credentials = $T/cred"
		echo "top_n = 1000"
		for l in "$@"; do echo "$l"; done
	} >"$T/$name.conf"
}
rollup() { timeout 120 "$B/bin/aggd-rollup" -c "$T/$1.conf" 2>"$T/$1.err"; }
# the rollup's totals as "KEY<TAB>value" (as rollup.t), compared with the generator's sums
dump() {
	mariadb_sql "$1" <<-'SQL' | LC_ALL=C sort
	SET time_zone = '+00:00';
	SELECT CONCAT('S ', g, '|', UNIX_TIMESTAMP(s.ts), '|', IF(s.zone_id = 0, '*', z.name), '|',
	       IF(s.node_id = 0, '*', n.name), '|', s.dim, '|', s.val), s.est
	FROM (SELECT 'minute' g, m.* FROM series_minute m UNION ALL SELECT 'hour', h.* FROM series_hour h
	      UNION ALL SELECT 'day', d.* FROM series_day d) s
	LEFT JOIN zone z ON z.zone_id = s.zone_id LEFT JOIN node n ON n.node_id = s.node_id;
	SELECT CONCAT('N ', UNIX_TIMESTAMP(t.ts), '|', z.name, '|', t.qname), t.est
	FROM top_name_hour t JOIN zone z USING (zone_id);
	SELECT CONCAT('H ', g, '|', UNIX_TIMESTAMP(c.ts), '|', n.name, '|', c.source, '|', c.counter), c.value
	FROM (SELECT 'minute' g, m.* FROM node_counter_minute m UNION ALL SELECT 'hour', h.* FROM node_counter_hour h
	      UNION ALL SELECT 'day', d.* FROM node_counter_day d) c JOIN node n ON n.node_id = c.node_id;
	SQL
}
same() { dump "$1" >"$T/got.$2"; diff "$T/$2.sum" "$T/got.$2" >"$T/diff.$2" && return 0; head -5 "$T/diff.$2" | sed 's/^/#   /'; return 1; }
# every row of every time table, in key order
rows() { for t in $TABLES; do q "$1" "SELECT '$t', t.* FROM $t t"; done | LC_ALL=C sort; }
# "table partition bound" for every partition of the time tables
parts() {
	q "$1" "SELECT TABLE_NAME, PARTITION_NAME, PARTITION_DESCRIPTION FROM information_schema.PARTITIONS
		WHERE TABLE_SCHEMA = '$1' AND PARTITION_NAME IS NOT NULL ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION" | tr -d "'"
}

# ---- 1. an existing database: the rollup's rows and months of older ones, then 013 ----
NOW=$(date +%s)
conf a dnsa $(( NOW - 3600 ))
rollup a
ok $? "rollup into the schema before 013 exits 0 (retention the old way)"
is "$(cat "$T/a.err" | grep -v quarantined)" "" "no warning about partitions (the procedure is not there yet: DELETEs)"
same dnsa a
ok $? "its totals equal the generator's sums"
# a year and more of older rows, as a database in use has them (zone 0 / node 0: all)
q dnsa "INSERT INTO series_minute SELECT 0, 0, 'total', '', UTC_TIMESTAMP() - INTERVAL seq * 6 HOUR, seq, seq FROM seq_1_to_80;
	INSERT INTO series_hour SELECT 0, 0, 'qtype', 'A', UTC_TIMESTAMP() - INTERVAL seq * 29 HOUR, seq, seq FROM seq_1_to_320;
	INSERT INTO series_day SELECT 0, 0, 'rcode', 'NOERROR', UTC_TIMESTAMP() - INTERVAL seq * 5 DAY, seq, seq FROM seq_1_to_150;
	INSERT INTO node_counter_minute SELECT 1, UTC_TIMESTAMP() - INTERVAL seq * 7 HOUR, 'capd', 'msg_total', seq FROM seq_1_to_60;
	INSERT INTO node_counter_hour SELECT 1, UTC_TIMESTAMP() - INTERVAL seq DAY, 'capd', 'msg_total', seq FROM seq_1_to_200;
	INSERT INTO node_counter_day SELECT 1, UTC_TIMESTAMP() - INTERVAL seq * 11 DAY, 'aggd', 'datagrams', seq FROM seq_1_to_60;
	INSERT INTO top_name_hour SELECT 1, UTC_TIMESTAMP() - INTERVAL seq * 13 HOUR, CONCAT('n', seq, '.example'), seq, seq FROM seq_1_to_200;
	INSERT INTO server_zone_minute SELECT 1, 1, UTC_TIMESTAMP() - INTERVAL seq * 5 HOUR, 'srv_queries', seq FROM seq_1_to_90;
	INSERT INTO server_zone_hour SELECT 1, 1, UTC_TIMESTAMP() - INTERVAL seq * 2 DAY, 'srv_queries', seq FROM seq_1_to_100;
	INSERT INTO server_zone_day SELECT 1, 1, UTC_TIMESTAMP() - INTERVAL seq * 9 DAY, 'srv_queries', seq FROM seq_1_to_70"
rows dnsa >"$T/rows.before"
is "$(q dnsa "SELECT DATEDIFF(UTC_TIMESTAMP(), MIN(ts)) >= 365 FROM series_hour")" 1 "series_hour holds rows of more than a year ($(wc -l <"$T/rows.before") rows in the time tables)"
out=$("$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa)
is "$(echo "$out" | grep -c '^applied: 013_')" 1 "dnsa-migrate applies 013 to it"
rows dnsa >"$T/rows.after"
ok "$(cmp -s "$T/rows.before" "$T/rows.after"; echo $?)" "every row of every time table is kept, value for value"
same_all=$(dump dnsa | LC_ALL=C join -t "$(printf '\t')" -v 1 "$T/a.sum" - | wc -l)
is "$same_all" 0 "the rollup's totals are all still there"
is "$(q dnsa "SELECT COUNT(DISTINCT TABLE_NAME) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = 'dnsa'
	AND PARTITION_METHOD = 'RANGE COLUMNS' AND PARTITION_EXPRESSION = '\`ts\`'")" \
	"$(q dnsa "SELECT COUNT(*) FROM partitioned_table p JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = 'dnsa' AND t.TABLE_NAME = p.table_name")" \
	"every registered time table there is (these 10, and 009's where it is in) is partitioned by RANGE COLUMNS(ts)"
for t in $TABLES; do
	printf '%s\t' "$t"
	q dnsa "SELECT COUNT(*) FROM $t PARTITION (pmax)"
done >"$T/pmax"
is "$(awk '{ s += $2 } END { print s }' "$T/pmax")" 0 "no row in pmax: the partitions cover every row"
# one partition per day (per month for day tables) from the oldest row to 3 ahead, then pmax
exp_n() {  # width oldest-row-epoch
	if [ "$1" = day ]; then
		echo $(( NOW / 86400 + 3 - $2 / 86400 ))
	else
		echo $(( $(date -u -d "@$NOW" +'10#%Y * 12 + 10#%m') + 3 - ($(date -u -d "@$2" +'10#%Y * 12 + 10#%m')) ))
	fi
}
bad=""
for t in $TABLES; do
	w=day; case $t in *_day) w=month ;; esac
	old=$(q dnsa "SELECT UNIX_TIMESTAMP(MIN(ts)) FROM $t" | cut -d. -f1)
	got=$(parts dnsa | awk -v t="$t" '$1 == t && $2 != "pmax"' | wc -l)
	[ "$got" = "$(exp_n $w "$old")" ] || bad="$bad $t:$got/$(exp_n $w "$old")"
done
is "$bad" "" "one partition per day (month) from the oldest row's to three ahead of today"
parts dnsa >"$T/parts.1"
mariadb_sql dnsa <"$M012"
ok $? "013 again (re-runnable)"
parts dnsa >"$T/parts.2"
rows dnsa >"$T/rows.again"
ok "$(cmp -s "$T/parts.1" "$T/parts.2" && cmp -s "$T/rows.before" "$T/rows.again"; echo $?)" "changes nothing: same partitions, same rows"

# ---- 2. retention drops exactly the expired partitions ----
# (rows before yesterday: the synthetic ones; the run below adds counters of its own)
OLD="ts < UTC_DATE() - INTERVAL 1 DAY"
# expected from the partition names alone: a partition goes when its whole range is older
# than retention (minute 2 days, hour 30, day 400), i.e. its upper bound <= now - keep
keep_of() { case $1 in *_minute) echo 2 ;; *_day) echo 400 ;; *) echo 30 ;; esac; }
: >"$T/exp.gone"; : >"$T/exp.rows"
for t in $TABLES; do
	keep=$(keep_of "$t")
	cut=$(( NOW - keep * 86400 ))
	last=""
	while read -r tt p bound; do
		[ "$tt" = "$t" ] && [ "$p" != pmax ] || continue
		if [ "$(date -u -d "$bound" +%s)" -le "$cut" ]; then echo "$t $p" >>"$T/exp.gone"; last=$bound; fi
	done <"$T/parts.1"
	printf '%s\t%s\n' "$t" "$(q dnsa "SELECT COUNT(*) FROM $t WHERE ts >= '${last:-1970-01-01}' AND $OLD")" >>"$T/exp.rows"
done
cp "$T/a.conf" "$T/r.conf"
cat >>"$T/r.conf" <<-EOF
	retention.minute = 2
	retention.hour = 30
	retention.day = 400
EOF
sed -i 's/^aggregator = a$/aggregator = r/; s/a\.lock$/r.lock/' "$T/r.conf"
timeout 120 "$B/bin/aggd-rollup" -v -c "$T/r.conf" 2>"$T/r.err"
ok $? "rollup with retention.minute = 2, retention.hour = 30, retention.day = 400"
parts dnsa >"$T/parts.3"
awk '{ print $1, $2 }' "$T/parts.1" | LC_ALL=C sort >"$T/p1"
awk '{ print $1, $2 }' "$T/parts.3" | LC_ALL=C sort >"$T/p3"
LC_ALL=C comm -23 "$T/p1" "$T/p3" >"$T/gone"
ngone=$(wc -l <"$T/exp.gone")
ok "$( [ "$ngone" -gt 10 ] && LC_ALL=C sort "$T/exp.gone" | cmp -s - "$T/gone"; echo $?)" "exactly the $ngone expired partitions were dropped, no other"
is "$(LC_ALL=C comm -13 "$T/p1" "$T/p3" | wc -l)" 0 "none added (three ahead exist)"
is "$(grep -o '[0-9]* partitions dropped' "$T/r.err")" "$ngone partitions dropped" "the rollup's log counts them"
for t in $TABLES; do printf '%s\t%s\n' "$t" "$(q dnsa "SELECT COUNT(*) FROM $t WHERE $OLD")"; done >"$T/got.rows"
ok "$(cmp -s "$T/exp.rows" "$T/got.rows"; echo $?)" "row counts after = rows in the partitions kept ($(paste -sd' ' "$T/got.rows" | tr '\t' '='))"
is "$(q dnsa "SELECT COUNT(*) FROM series_minute WHERE ts < UTC_TIMESTAMP() - INTERVAL 3 DAY;
	SELECT COUNT(*) FROM series_hour WHERE ts < UTC_TIMESTAMP() - INTERVAL 31 DAY" | tr '\n' ' ')" "0 0 " \
	"nothing older than retention + one partition is left"
same_all=$(dump dnsa | LC_ALL=C join -t "$(printf '\t')" -v 1 "$T/a.sum" - | wc -l)
is "$same_all" 0 "the rollup's recent totals are untouched"
ndaily=$(q dnsa "SELECT COUNT(*) FROM partitioned_table p JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = 'dnsa'
	AND t.TABLE_NAME = p.table_name WHERE p.width = 'day'")
is "$(q dnsa "CALL dnsa_partitions_at(UTC_TIMESTAMP() + INTERVAL 10 DAY, 0, 0, 0, @d, @a, @x, @b); SELECT @d, @a, @x, @b")" "0	$((ndaily * 10))	0	0" \
	"ten days later (its own clock): 10 partitions ahead for each of the $ndaily daily tables, none dropped (retention 0 = forever)"

# ---- 3. a write beyond the last partition, and the rollup making them first ----
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa_new >/dev/null
D0=$(date -u -d "@$NOW" +%Y%m%d)
later=$(parts dnsa_new | awk -v d="$D0" '$1 == "series_minute" && $2 != "pmax" && substr($2, 2) >= d { printf "%s, ", $2 }')
q dnsa_new "ALTER TABLE series_minute REORGANIZE PARTITION ${later}pmax INTO (PARTITION pmax VALUES LESS THAN (MAXVALUE));
	DROP PROCEDURE dnsa_partitions"
is "$(parts dnsa_new | awk '$1 == "series_minute" { n++; last = $2 } END { print n, last }')" "1 pmax" \
	"series_minute: no partition for today (pmax only) and dnsa_partitions gone"
conf n dnsa_new $(( NOW - 1800 ))
rollup n
ok $? "the rollup writes into it: exit 0"
same dnsa_new n
ok $? "totals exact"
ok "$( [ "$(q dnsa_new "SELECT COUNT(*) FROM series_minute PARTITION (pmax)")" -gt 0 ]; echo $?)" "the minutes are in pmax"
mariadb_sql dnsa_new <"$M012"
rollup n
ok $? "with 013 back, the next run exits 0"
is "$(q dnsa_new "SELECT COUNT(*) FROM series_minute PARTITION (pmax)")" 0 "and made the partitions first: pmax is empty again"
is "$(q dnsa_new "SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = 'dnsa_new'
	AND TABLE_NAME = 'series_minute' AND PARTITION_NAME = 'p$D0'")" 1 "today has its partition p$D0"
same dnsa_new n
ok $? "totals still exact"

# ---- 4. an open transaction (a partner's, say) holding a table's metadata lock ----
mariadb_sql dnsa_new -e "START TRANSACTION; SELECT COUNT(*) FROM series_minute; SELECT SLEEP(60)" >/dev/null 2>&1 &
HOLD=$!
hid=""
for _ in $(seq 50); do
	hid=$(mariadb_sql -e "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60)%'")
	[ -n "$hid" ] && break
	sleep 0.1
done
t0=$(date +%s)
is "$(q dnsa_new "CALL dnsa_partitions_at(UTC_TIMESTAMP() + INTERVAL 20 DAY, 1, 1, 0, @d, @a, @x, @b); SELECT @b")" 1 \
	"a DDL on a table an open transaction read gives up: busy = 1"
ok "$( [ $(( $(date +%s) - t0 )) -lt 30 ]; echo $?)" "without waiting for the transaction (60 s): $(( $(date +%s) - t0 )) s (lock_wait_timeout 2 s, one wait per run)"
[ -n "$hid" ] && mariadb_sql -e "KILL CONNECTION $hid"
wait "$HOLD" 2>/dev/null
is "$(q dnsa_new "CALL dnsa_partitions_at(UTC_TIMESTAMP() + INTERVAL 20 DAY, 1, 1, 0, @d, @a, @x, @b); SELECT @b, @d > 0")" "0	1" \
	"once it ended, the next call does the rest"

done_testing
