#!/bin/bash
# tests/integration/views_014.t: 014 restates the qps views and node_health_minute with the same output: every view's full result and column types, as staff and as a partner, byte for byte before and after; fresh and re-run.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-v014.XXXXXX)
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
M014=$(ls "$ROOT"/sql/mariadb/014_*.sql)
VIEWS=$(sed -n 's/^CREATE OR REPLACE SQL SECURITY DEFINER VIEW \([a-z_]*\) AS$/\1/p' "$M014")
is "$(echo "$VIEWS" | wc -l)" 34 "014 restates 34 views (33 with qps, node_health_minute)"
for v in $VIEWS; do
	grep -q "VIEW $v AS" "$ROOT"/sql/mariadb/011_*.sql || { ok 1 "$v is a view of 011"; }
done
is "$(grep -v '^--' "$M014" | grep -c 'SELECT MAX(r.updated) FROM rollup_checkpoint r)')" 0 "no scalar subquery on rollup_checkpoint is left in 014"

# the schema as it was before 014
mariadb_migrations_before 14 "$T/old"
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa -m "$T/old" >/dev/null
ok $? "a database at the schema before 014"
# and the schema up to 014 (later migrations have their own tests)
mkdir "$T/upto14"
cp "$T"/old/*.sql "$M014" "$T/upto14/"

# data: 3000 records with counters over the 3 hours up to now (so the last buckets are partial), rolled up
START=$(( $(date +%s) / 60 * 60 - 3 * 3600 + 60 ))
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/st.db" -r 3000 -c -t "$START" -d $((3 * 3600)) >/dev/null
printf 'user = root\npassword =\n' >"$T/cred"; chmod 600 "$T/cred"
printf 'staging = %s\nlock_file = %s\nmariadb.socket = %s\nmariadb.credentials = %s\n' \
	"$T/st.db" "$T/r.lock" "$MDB_SOCK" "$T/cred" >"$T/r.conf"
timeout 120 "$B/bin/aggd-rollup" -c "$T/r.conf" 2>"$T/rollup.err"
ok $? "rollup of the synthetic records"
# a node minute with counters and no series row: recorded_estimate is NULL there
mariadb_sql dnsa -e "INSERT INTO node_counter_minute (node_id, ts, source, counter, value)
	SELECT MIN(node_id), FROM_UNIXTIME($START) - INTERVAL 1 HOUR, 'capd', 'msg_total', 7 FROM node"
P="$ROOT/tools/dnsa-partner -S $MDB_SOCK -u root -A localhost"
echo 'partner-one-pw' >"$T/pw1"; echo 'staff-member-pw' >"$T/pw2"
{ $P add p1 "$T/pw1" && $P grant p1 zone0.test zone1.test && $P staff alice "$T/pw2"; } >/dev/null
ok $? "partner p1 (zone0.test, zone1.test) and staff alice"

as() { local u=$1 pw=$2; shift 2; mariadb --no-defaults --socket="$MDB_SOCK" -u "$u" -p"$pw" --batch dnsa "$@"; }
# snap FILE: for each view its columns (name, type, nullability, collation), the result metadata the
# client receives (--column-type-info) and every row in a total order, as alice and as p1 (whose
# staff views answer ERROR 1142), then its algorithm, security and grants
snap() {
	local v n ord
	for v in $VIEWS; do
		n=$(mariadb_sql dnsa -e "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'dnsa' AND TABLE_NAME = '$v'")
		ord=$(seq -s, 1 "$n")
		echo "== $v"
		mariadb_sql dnsa -e "SELECT ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLLATION_NAME,
			NUMERIC_PRECISION, NUMERIC_SCALE FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = 'dnsa' AND TABLE_NAME = '$v' ORDER BY ORDINAL_POSITION"
		as alice staff-member-pw --column-type-info -e "SELECT * FROM $v LIMIT 0" 2>&1
		echo "-- alice"
		as alice staff-member-pw -e "SELECT * FROM $v ORDER BY $ord" 2>&1
		echo "-- p1"
		as p1 partner-one-pw -e "SELECT * FROM $v ORDER BY $ord" 2>&1
	done
	mariadb_sql dnsa -e "SELECT TABLE_NAME, ALGORITHM, SECURITY_TYPE, DEFINER FROM information_schema.VIEWS
		WHERE TABLE_SCHEMA = 'dnsa' ORDER BY TABLE_NAME"
	mariadb_sql -e "SELECT User, Host, Table_name, Table_priv FROM mysql.tables_priv WHERE Db = 'dnsa'
		ORDER BY User, Host, Table_name"
}
# the checkpoint states: as rolled up (the last buckets partial), in the middle of the data
# (later buckets start after it: seconds is the whole span; the hour and day around it partial),
# no time at all (NULL: every bucket whole), and on an hour boundary H inside the data and
# 1 s before it: the minute and the hour before H are covered for exactly 60 and 3600 s, then
# for 59 and 3599 s, either side of 014's whole-bucket test
LAST=$(mariadb_sql dnsa -e "SELECT MAX(updated) FROM rollup_checkpoint")
EDGE=$(mariadb_sql dnsa -e "SELECT DATE_FORMAT(FROM_UNIXTIME($START) + INTERVAL 2 HOUR, '%Y-%m-%d %H:00:00')")
states() {
	local tag=$1
	mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = '$LAST'"
	snap >"$T/$tag.last"
	mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = FROM_UNIXTIME($START) + INTERVAL 97 MINUTE + INTERVAL 17 SECOND"
	snap >"$T/$tag.mid"
	mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = NULL"
	snap >"$T/$tag.null"
	mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = '$EDGE'"
	snap >"$T/$tag.edge"
	mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = '$EDGE' - INTERVAL 1 SECOND"
	snap >"$T/$tag.edge1"
	mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = '$LAST'"
}
states before
rows() { grep -c . "$1"; }
ok $(( $(rows "$T/before.last") <= 20000 )) "before: $(rows "$T/before.last") lines of views, types and grants"
# the data covers what 014 changes: partial buckets, whole ones, a missing estimate, both accounts
part=$(as alice staff-member-pw -N -e "SELECT COUNT(*) FROM zone_qps_minute WHERE seconds < 60")
whole=$(as alice staff-member-pw -N -e "SELECT COUNT(*) FROM zone_qps_minute WHERE seconds = 60")
ok $(( !(part >= 1 && whole > 100) )) "zone_qps_minute has partial ($part) and whole ($whole) buckets"
mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = FROM_UNIXTIME($START) + INTERVAL 97 MINUTE + INTERVAL 17 SECOND"
neg=$(as alice staff-member-pw -N -e "SELECT COUNT(*) FROM zone_qps_hour WHERE ts > FROM_UNIXTIME($START) + INTERVAL 97 MINUTE")
mid=$(as alice staff-member-pw -N -e "SELECT COUNT(DISTINCT seconds) FROM zone_qps_hour WHERE seconds < 3600")
mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = '$LAST'"
ok $(( !(neg >= 1 && mid >= 1) )) "with the checkpoint mid-data: hours after it ($neg) and a partial hour"
nul=$(as alice staff-member-pw -N -e "SELECT SUM(recorded_estimate IS NULL), SUM(recorded_estimate IS NOT NULL) FROM node_health_minute")
ok "$(echo "$nul" | awk '{ print !($1 >= 1 && $2 >= 1) }')" "node_health_minute has minutes with and without an estimate ($nul)"
p1rows() { awk '/^== / { on = 0 } /^-- p1$/ { on = 1; next } on' "$T/before.last" | grep -c "$1"; }
is "$(p1rows zone2.test) $(( $(p1rows zone0.test) > 100 ))" "0 1" "p1's rows hold its zones ($(p1rows zone0.test) lines of zone0.test) and no other"
grep -q 'zone2.test' "$T/before.last"; ok $? "alice sees zone2.test"

out=$("$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa -m "$T/upto14")
is "$(echo "$out" | grep -c '^applied: 014_views_once.sql$')" 1 "dnsa-migrate applies 014 to the existing database"
is "$(echo "$out" | tail -1)" "schema version: 14 (1 migration(s) applied)" "and nothing else"
states after
for s in last mid null edge edge1; do
	cmp -s "$T/before.$s" "$T/after.$s"; r=$?
	ok $r "checkpoint $s: every view's rows, types and grants, as staff and partner, identical after 014"
	[ $r = 0 ] || diff "$T/before.$s" "$T/after.$s" | head -20 | sed 's/^/# /'
done
# the boundary states hold the buckets they are about: SECONDS_AT CHECKPOINT -> seconds of the hour and the minute before H
at() {
	mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = '$EDGE' - INTERVAL $1 SECOND"
	as alice staff-member-pw -N -e "SELECT (SELECT GROUP_CONCAT(DISTINCT seconds) FROM zone_qps_hour WHERE ts = '$EDGE' - INTERVAL 1 HOUR),
		(SELECT GROUP_CONCAT(DISTINCT seconds) FROM zone_qps_minute WHERE ts = '$EDGE' - INTERVAL 1 MINUTE)"
	mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = '$LAST'"
}
is "$(at 0 | tr '\t' ' ') / $(at 1 | tr '\t' ' ')" "3600 60 / 3599 59" "the hour and the minute before H: whole at H, 3599 and 59 s at H - 1 s"
is "$(mariadb_sql dnsa -e "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'dnsa'
	AND VIEW_DEFINITION LIKE '%whole_before%'")" 33 "the 33 qps views are 014's"
is "$(mariadb_sql dnsa -e "SELECT COUNT(*) FROM information_schema.VIEWS w JOIN mysql.tables_priv t
	ON t.Db = w.TABLE_SCHEMA AND t.Table_name = w.TABLE_NAME AND t.User = 'dnsa_partner'
	WHERE w.TABLE_SCHEMA = 'dnsa' AND w.ALGORITHM <> 'TEMPTABLE'")" 0 "every partner view is sealed TEMPTABLE again"

# re-runnable: the file again, and dnsa-migrate again
mariadb_sql dnsa <"$M014"; ok $? "014 runs again"
states again
for s in last mid null edge edge1; do
	cmp -s "$T/before.$s" "$T/again.$s"; ok $? "checkpoint $s: still identical after 014 ran twice"
done
is "$("$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa -m "$T/upto14" | tail -1)" "schema version: 14 (0 migration(s) applied)" \
	"dnsa-migrate again applies nothing"

# a fresh database gets the same views as the upgraded one
out=$("$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa_new -m "$T/upto14" | tail -1)
is "$out" "schema version: 14 (14 migration(s) applied)" "dnsa-migrate on a fresh database applies 001 to 014"
defs() { mariadb_sql -e "SELECT TABLE_NAME, ALGORITHM, SECURITY_TYPE, REPLACE(VIEW_DEFINITION, '\`$1\`.', '')
	FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '$1' ORDER BY TABLE_NAME"; }
defs dnsa >"$T/defs.old"; defs dnsa_new >"$T/defs.new"
cmp -s "$T/defs.old" "$T/defs.new"; ok $? "fresh and upgraded databases have the same views ($(grep -c . "$T/defs.new"))"

done_testing
