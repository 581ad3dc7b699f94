#!/bin/bash
# tests/integration/views_015.t: 015 (zone_visible checks the account once; health and exact views join their estimate) changes no result: every view and saved query, as staff and as partners, before and after; errors for unknown accounts; fresh and re-run.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-v015.XXXXXX)
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
M015=$(ls "$ROOT"/sql/mariadb/015_*.sql)

# the schema as it was before 015
mariadb_migrations_before 15 "$T/old"
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa -m "$T/old" >/dev/null
ok $? "a database at the schema before 015"

# data: 3000 records with counters over the 3 hours up to now, rolled up; server per-zone
# totals (zone_exact_*) for two zones and two nodes, in hours with and without a series row
START=$(( $(date +%s) / 60 * 60 - 3 * 3600 + 60 ))
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/st.db" -r 3000 -c -t "$START" -d $((3 * 3600)) >/dev/null
printf 'user = root\npassword =\n' >"$T/cred"; chmod 600 "$T/cred"
printf 'staging = %s\nlock_file = %s\nmariadb.socket = %s\nmariadb.credentials = %s\n' \
	"$T/st.db" "$T/r.lock" "$MDB_SOCK" "$T/cred" >"$T/r.conf"
timeout 120 "$B/bin/aggd-rollup" -c "$T/r.conf" 2>"$T/rollup.err"
ok $? "rollup of the synthetic records"
mariadb_sql dnsa -e "
	INSERT INTO node_counter_minute (node_id, ts, source, counter, value)
	SELECT MIN(node_id), FROM_UNIXTIME($START) - INTERVAL 1 HOUR, 'capd', 'msg_total', 7 FROM node;
	INSERT INTO node_counter_hour (node_id, ts, source, counter, value)
	SELECT MIN(node_id), DATE_FORMAT(FROM_UNIXTIME($START) - INTERVAL 5 HOUR, '%Y-%m-%d %H:00:00'), 'capd', 'msg_total', 7 FROM node;
	INSERT INTO server_zone_minute (zone_id, node_id, ts, counter, value)
	SELECT z.zone_id, d.node_id, s.ts, c.c, 100 + z.zone_id + d.node_id
	FROM (SELECT zone_id FROM zone ORDER BY zone_id LIMIT 2) z, (SELECT node_id FROM node WHERE name <> '' ORDER BY node_id LIMIT 2) d,
	  (SELECT DISTINCT ts FROM series_minute ORDER BY ts LIMIT 5) s,
	  (SELECT 'srv_queries' c UNION ALL SELECT 'srv_responses' UNION ALL SELECT 'srv_nxdomain') c;
	INSERT INTO server_zone_hour (zone_id, node_id, ts, counter, value)
	SELECT zone_id, node_id, DATE_FORMAT(ts, '%Y-%m-%d %H:00:00') h, counter, SUM(value) FROM server_zone_minute GROUP BY 1, 2, 3, 4
	UNION ALL SELECT MIN(zone_id), MIN(node_id), DATE_FORMAT(FROM_UNIXTIME($START) - INTERVAL 5 HOUR, '%Y-%m-%d %H:00:00'), 'srv_queries', 9
	  FROM server_zone_minute;
	INSERT INTO server_zone_day (zone_id, node_id, ts, counter, value)
	SELECT zone_id, node_id, DATE(ts), counter, SUM(value) FROM server_zone_hour GROUP BY 1, 2, 3, 4
	UNION ALL SELECT MIN(zone_id), MIN(node_id), DATE(FROM_UNIXTIME($START)) - INTERVAL 3 DAY, 'srv_queries', 9 FROM server_zone_minute;"
ok $? "server per-zone totals, and counters and totals in buckets without a series row"
P="$ROOT/tools/dnsa-partner -S $MDB_SOCK -u root -A localhost"
echo 'partner-one-pw' >"$T/pw1"; echo 'staff-member-pw' >"$T/pw2"; echo 'partner-two-pw' >"$T/pw3"
{ $P add p1 "$T/pw1" && $P grant p1 zone0.test zone1.test && $P staff alice "$T/pw2" && $P add p2 "$T/pw3"; } >/dev/null
ok $? "partner p1 (zone0.test, zone1.test), partner p2 (no zone) and staff alice"
mariadb_sql -e "CREATE USER stranger@localhost IDENTIFIED BY 'stranger-pw'; GRANT dnsa_partner TO stranger@localhost;
	SET DEFAULT ROLE dnsa_partner FOR stranger@localhost"
ok $? "stranger: a MariaDB account with the partner role that dnsa does not know"

as() { local u=$1 pw=$2; shift 2; mariadb --no-defaults --socket="$MDB_SOCK" -u "$u" -p"$pw" --batch dnsa "$@"; }
WIN="SET @from = FROM_UNIXTIME($START) - INTERVAL 2 DAY, @to = FROM_UNIXTIME($START) + INTERVAL 4 HOUR;"
# snap FILE: every view (columns, types, every row in a total order) and every saved query
# (over one window holding all the data; rows sorted: ties have no order), as alice,
# p1 and p2 (whose staff views answer ERROR 1142), then the views' algorithms and the grants
snap() {
	local v n q u views
	# rollup_status: its lag column is the seconds since the last rollup (the clock)
	views=$(mariadb_sql dnsa -e "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'dnsa'
		AND TABLE_NAME <> 'rollup_status' ORDER BY 1")
	mariadb_sql dnsa -e "SELECT TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLLATION_NAME,
		NUMERIC_PRECISION, NUMERIC_SCALE FROM information_schema.COLUMNS c JOIN information_schema.VIEWS w USING (TABLE_SCHEMA, TABLE_NAME)
		WHERE TABLE_SCHEMA = 'dnsa' ORDER BY TABLE_NAME, ORDINAL_POSITION"
	for v in $views; do echo "SELECT * FROM $v LIMIT 0;"; done | as alice staff-member-pw --column-type-info 2>&1
	for v in $views; do
		n=$(mariadb_sql dnsa -e "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'dnsa' AND TABLE_NAME = '$v'")
		echo "SELECT '== $v'; SELECT * FROM $v ORDER BY $(seq -s, 1 "$n");"
	done >"$T/views.sql"
	for u in alice:staff-member-pw p1:partner-one-pw p2:partner-two-pw; do
		echo "-- ${u%%:*}"
		as "${u%%:*}" "${u#*:}" --force <"$T/views.sql" 2>"$T/views.err"
		cat "$T/views.err"
	done
	for q in "$ROOT"/sql/queries/*.sql; do
		[ "$(basename "$q")" = rollup_lag.sql ] && continue   # seconds since the last rollup: the clock
		for u in alice:staff-member-pw p1:partner-one-pw p2:partner-two-pw; do
			# one window over all the data (the defaults move with the clock)
			echo "== $(basename "$q") ${u%%:*}"
			{ echo "$WIN"; cat "$q"; } | as "${u%%:*}" "${u#*:}" 2>&1 | LC_ALL=C sort
		done
	done
	mariadb_sql dnsa -e "SELECT TABLE_NAME, ALGORITHM, SECURITY_TYPE, DEFINER FROM information_schema.VIEWS
		WHERE TABLE_SCHEMA = 'dnsa' ORDER BY TABLE_NAME"
	mariadb_sql -e "SELECT User, Host, Table_name, Table_priv FROM mysql.tables_priv WHERE Db = 'dnsa'
		ORDER BY User, Host, Table_name"
}
snap >"$T/before"
rows() { grep -c . "$1"; }
ok $(( !($(rows "$T/before") <= 60000) )) "before: $(rows "$T/before") lines of views, queries, types and grants"
# the data covers what 015 changes: exact totals with and without an estimate, health hours likewise
ex=$(as alice staff-member-pw -N -e "SELECT SUM(estimated_responses IS NULL), SUM(estimated_responses IS NOT NULL) FROM zone_exact_hour")
ok "$(echo "$ex" | awk '{ print !($1 >= 1 && $2 >= 1) }')" "zone_exact_hour has hours with and without an estimate ($ex)"
nh=$(as alice staff-member-pw -N -e "SELECT SUM(recorded_estimate IS NULL), SUM(recorded_estimate IS NOT NULL) FROM node_health_hour")
ok "$(echo "$nh" | awk '{ print !($1 >= 1 && $2 >= 1) }')" "node_health_hour has hours with and without an estimate ($nh)"
sec() { awk -v s="$1" '$0 == s { on = 1; next } /^-- / { on = 0 } /^== .*\.sql / { on = 0 } on' "$T/before"; }
is "$(sec '-- p1' | grep -c 'zone[2-9]\.test') $(( $(sec '-- p1' | grep -c 'zone[01]\.test') > 100 ))" "0 1" \
	"p1's view rows hold its zones and no other"
is "$(sec '-- p2' | grep -c 'zone[0-9]*\.test')" 0 "p2 (no zone) sees no zone in any view"
grep -q 'zone2.test' "$T/before"; ok $? "alice sees zone2.test"

out=$("$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa)
is "$(echo "$out" | grep -c '^applied: 015_staff_fast.sql$')" 1 "dnsa-migrate applies 015 to the existing database"
snap >"$T/after"
cmp -s "$T/before" "$T/after"; r=$?
ok $r "every view's and saved query's rows, types and grants, as staff and partners, identical after 015"
[ $r = 0 ] || diff "$T/before" "$T/after" | head -20 | sed 's/^/# /'
is "$(mariadb_sql dnsa -e "SELECT COUNT(*) FROM information_schema.VIEWS w JOIN mysql.tables_priv t
	ON t.Db = w.TABLE_SCHEMA AND t.Table_name = w.TABLE_NAME AND t.User = 'dnsa_partner'
	WHERE w.TABLE_SCHEMA = 'dnsa' AND w.ALGORITHM <> 'TEMPTABLE'")" 0 "every partner view is sealed TEMPTABLE again"
is "$(mariadb_sql dnsa -e "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'dnsa'
	AND VIEW_DEFINITION LIKE '%(select \`s\`.\`est\`%'")" 0 "no view reads the estimate with a subquery per row"

# who the view does not know: an error, as before, also with no zone at all
err=$(as stranger stranger-pw -N -e "SELECT COUNT(*) FROM my_zones" 2>&1)
is "$(echo "$err" | grep -c 'neither partner nor staff')" 1 "an account dnsa does not know gets the error ($err)"
mariadb_sql dnsa -e "CREATE TABLE zone_keep AS SELECT * FROM zone; SET FOREIGN_KEY_CHECKS = 0; DELETE FROM zone"
err=$(as stranger stranger-pw -N -e "SELECT COUNT(*) FROM my_zones" 2>&1)
is "$(echo "$err" | grep -c 'neither partner nor staff')" 1 "and also when there is no zone"
is "$(as p1 partner-one-pw -N -e "SELECT COUNT(*) FROM my_zones" 2>&1)" 0 "p1 with no zone: 0 rows, no error"
mariadb_sql dnsa -e "SET FOREIGN_KEY_CHECKS = 0; INSERT INTO zone SELECT * FROM zone_keep; DROP TABLE zone_keep"
# a second account of p1's name (another host) makes the name ambiguous: refused, as in 006
mariadb_sql -e "CREATE USER p1@'127.0.0.1' IDENTIFIED BY 'x-pw'"
err=$(as p1 partner-one-pw -N -e "SELECT COUNT(*) FROM my_zones" 2>&1)
is "$(echo "$err" | grep -c 'ambiguous')" 1 "p1's name with two accounts: refused ($err)"
mariadb_sql -e "DROP USER p1@'127.0.0.1'"
is "$(as p1 partner-one-pw -N -e "SELECT GROUP_CONCAT(zone ORDER BY zone) FROM my_zones" 2>&1)" "zone0.test,zone1.test" \
	"and p1 sees its two zones again"
# a partner asking for another partner's zone by name (006's constant-row case) gets nothing
is "$(as p1 partner-one-pw -N -e "SELECT COUNT(*) FROM zone_qps_minute WHERE zone = 'zone2.test'" 2>&1) $(
	as p1 partner-one-pw -N -e "SELECT COUNT(*) FROM zone_exact_hour WHERE zone = 'zone2.test'" 2>&1)" "0 0" \
	"p1 asking for zone2.test by name: no rows"

# zone_nodes reads zone_node_day now (yesterday and today by default): over whole days its
# rows are those of the hour query it replaced over the same days
DAYS="SET @from = DATE(FROM_UNIXTIME($START)) - INTERVAL 1 DAY, @to = DATE(FROM_UNIXTIME($START)) + INTERVAL 2 DAY;"
OLDQ="SELECT zone, node, SUM(queries) AS queries,
	ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 2) AS pct
	FROM zone_node_hour WHERE ts >= @from AND ts < @to GROUP BY zone, node ORDER BY zone, queries DESC"
for u in alice:staff-member-pw p1:partner-one-pw; do
	old=$(as "${u%%:*}" "${u#*:}" -N -e "$DAYS $OLDQ" 2>&1 | LC_ALL=C sort)
	new=$({ echo "$DAYS"; cat "$ROOT/sql/queries/zone_nodes.sql"; } | as "${u%%:*}" "${u#*:}" -N 2>&1 | LC_ALL=C sort)
	is "$new" "$old" "zone_nodes over whole days as ${u%%:*}: the hour query's $(echo "$old" | grep -c .) rows"
done
is "$(as alice staff-member-pw -N <"$ROOT/sql/queries/zone_nodes.sql" | md5sum)" \
	"$({ echo "SET @from = UTC_DATE() - INTERVAL 1 DAY, @to = UTC_TIMESTAMP();"; cat "$ROOT/sql/queries/zone_nodes.sql"; } |
	as alice staff-member-pw -N | md5sum)" "zone_nodes' default window: yesterday and today so far"

# re-runnable: the file again, and dnsa-migrate again
mariadb_sql dnsa <"$M015"; ok $? "015 runs again"
snap >"$T/again"
cmp -s "$T/before" "$T/again"; ok $? "still identical after 015 ran twice"
is "$("$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa | grep -c '^applied')" 0 "dnsa-migrate again applies nothing"

# a fresh database gets the same views as the upgraded one
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa_new >/dev/null
ok $? "dnsa-migrate on a fresh database"
defs() { mariadb_sql -e "SELECT TABLE_NAME, ALGORITHM, SECURITY_TYPE, REPLACE(VIEW_DEFINITION, '\`$1\`.', '')
	FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '$1' ORDER BY TABLE_NAME"; }
defs dnsa >"$T/defs.old"; defs dnsa_new >"$T/defs.new"
cmp -s "$T/defs.old" "$T/defs.new"; ok $? "fresh and upgraded databases have the same views ($(grep -c . "$T/defs.new"))"

done_testing
