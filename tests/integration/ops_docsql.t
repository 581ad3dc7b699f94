#!/bin/bash
# tests/integration/ops_docsql.t: the SQL and account commands of docs/deployment.md and the SQL of docs/sql.md run on a real MariaDB.
#
# A private MariaDB (UNIX socket only) gets the schema from tools/dnsa-migrate;
# then the rollup account statements, the dnsa-partner commands and every
# statement of the doc's ```sql blocks are run as written (one partner zone of
# data is inserted first, so the partner's views return it and nothing else).
# docs/sql.md: its ```sql blocks run as staff, it names every saved query in sql/queries
# and no other, and every node_health column its tables name exists.
: "${DNSA_BUILD:?DNSA_BUILD must point at the build directory}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DOC=$SRC/docs/deployment.md
. "$SRC/tests/lib/tap.sh"
command -v mariadbd > /dev/null && [ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs mariadbd and root"; exit 0; }
[ -x "$SRC/tools/dnsa-migrate" ] && [ -x "$SRC/tools/dnsa-partner" ] ||
	{ echo "1..0 # SKIP tools/dnsa-migrate or tools/dnsa-partner missing"; exit 0; }
. "$SRC/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/ops-docsql.XXXXXX)
trap 'mariadb_stop; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
mariadb_start "$T/db" || { echo "Bail out! mariadb did not start"; exit 1; }

timeout 120 "$SRC/tools/dnsa-migrate" -S "$MDB_SOCK" -u root > "$T/migrate.log" 2>&1
ok $? "dnsa-migrate -S SOCKET -u root (as in section 5)"

# section 5: the rollup account, as written (password filled in)
sed -n '/^2\. The rollup.s account/,/^3\./p' "$DOC" | sed -n '/```/,/```/p' | grep -v '```' |
	sed "s/IDENTIFIED BY '...'/IDENTIFIED BY 'rollup-pw-1'/" > "$T/rollup.sql"
is "$(grep -c . "$T/rollup.sql")" "3" "the doc has the 3 rollup account statements"
out=$(mariadb_sql dnsa < "$T/rollup.sql" 2>&1); is "$?:$out" "0:" "rollup account statements run"
out=$(mariadb --no-defaults --socket="$MDB_SOCK" -u dnsa_rollup -prollup-pw-1 --batch --skip-column-names dnsa \
	-e "INSERT INTO zone (name) VALUES ('example'); SELECT COUNT(*) FROM zone" 2>&1)
is "$out" "1" "the rollup account can write through its default role"

# section 7: the partner commands, with the doc's options
is "$(grep -c '^dnsa-partner -S /run/mysqld/mysqld.sock -u root ' "$DOC")" "3" "the doc shows add, grant, list"
PW=$("$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root add registrar-a 2>&1 | sed -n 's/^password for registrar-a: //p')
[ -n "$PW" ]; ok $? "dnsa-partner add prints a generated password"
"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root grant registrar-a example shop > /dev/null 2>&1
ok $? "dnsa-partner grant registrar-a example shop"
out=$("$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root list 2>&1)
case "$out" in *registrar-a*example*) ok 0 "dnsa-partner list shows the grant";;
	*) ok 1 "dnsa-partner list shows the grant: '$out'";; esac

# some data: one minute and one hour for a granted zone and for one not granted
mariadb_sql dnsa <<'SQL'
INSERT IGNORE INTO zone (name) VALUES ('example'), ('other');
SET @e = (SELECT zone_id FROM zone WHERE name = 'example'), @o = (SELECT zone_id FROM zone WHERE name = 'other');
SET @m = DATE_FORMAT(NOW() - INTERVAL 5 MINUTE, '%Y-%m-%d %H:%i:00'), @h = DATE_FORMAT(NOW(), '%Y-%m-%d %H:00:00');
INSERT INTO series_minute (zone_id, node_id, dim, val, ts, est, sampled) VALUES
  (@e, 0, 'total', '', @m, 600, 60), (@o, 0, 'total', '', @m, 900, 90);
INSERT INTO series_hour (zone_id, node_id, dim, val, ts, est, sampled) VALUES
  (@e, 0, 'total', '', @h, 600, 60), (@e, 0, 'country', 'NL', @h, 400, 40), (@e, 0, 'country', 'DE', @h, 200, 20),
  (@e, 0, 'qtype', 'A', @h, 600, 60), (@e, 0, 'rcode', 'NXDOMAIN', @h, 150, 15), (@e, 0, 'rcode', 'NOERROR', @h, 450, 45),
  (@e, 0, 'transport', 'udp', @h, 600, 60), (@o, 0, 'country', 'FR', @h, 900, 90);
SQL
ok $? "test rows inserted"

# every statement of the ```sql blocks: the partner's part as the partner, all of it as staff
awk '/^```sql$/ { on = 1; next } /^```$/ { on = 0 } on' "$DOC" > "$T/doc.sql"
sed '/^-- staff:/,$d' "$T/doc.sql" > "$T/partner.sql"
n=$(grep -c ';$' "$T/doc.sql"); np=$(grep -c ';$' "$T/partner.sql")
[ "$n" -ge 8 ] && [ "$np" -lt "$n" ]; ok $? "the doc has $n SQL statements, $np for partners"
out=$(mariadb --no-defaults --socket="$MDB_SOCK" -u registrar-a -p"$PW" --batch dnsa < "$T/partner.sql" 2>&1)
rc=$?
is "$rc:$(echo "$out" | grep -c "^ERROR ")" "0:0" "every partner SQL statement of the doc runs as a partner"
echo "$out" | grep "^ERROR " | sed 's/^/# /'
is "$(echo "$out" | awk -F'\t' '$1 == "zone" { getline; print; exit }')" "example" "my_zones: the partner sees its zone"
case "$out" in *other*|*FR*) ok 1 "nothing of the zone not granted shows"; echo "$out" | sed 's/^/# /';;
	*) ok 0 "nothing of the zone not granted shows";; esac
echo "$out" | grep -q "^example	NL	400$"; ok $? "by-country query: example NL 400"
echo "$out" | grep -q "^example	.*	0.2500$"; ok $? "NXDOMAIN share query: 0.25"
out=$(mariadb --no-defaults --socket="$MDB_SOCK" -u registrar-a -p"$PW" --batch dnsa -e 'SELECT 1 FROM node_health_minute' 2>&1)
case "$out" in *"ERROR 1142"*) ok 0 "the staff-only health view is denied to a partner";;
	*) ok 1 "the staff-only health view is denied to a partner: '$out'";; esac
echo 'staff-pw-12345' > "$T/staff.pw"
"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root staff noc "$T/staff.pw" > /dev/null 2>&1; ok $? "dnsa-partner staff noc"
out=$(mariadb --no-defaults --socket="$MDB_SOCK" -u noc -pstaff-pw-12345 --batch dnsa < "$T/doc.sql" 2>&1)
rc=$?
is "$rc:$(echo "$out" | grep -c "^ERROR ")" "0:0" "every SQL statement of the doc runs as staff"
echo "$out" | grep "^ERROR " | sed 's/^/# /'

# the covered seconds of a bucket (011), against rows whose numbers are known
sec() { mariadb --no-defaults --socket="$MDB_SOCK" -u noc -pstaff-pw-12345 --batch --skip-column-names dnsa -e "SELECT CONCAT(seconds, ' ', ROUND(qps, 2)) FROM zone_qps_minute WHERE zone = 'example' AND ts = '$1'"; }
M0=$(mariadb_sql dnsa -e "SELECT DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 10 MINUTE, '%Y-%m-%d %H:%i:00')")
mariadb_sql dnsa -e "INSERT INTO series_minute (zone_id, node_id, dim, val, ts, est, sampled)
	SELECT zone_id, 0, 'total', '', '$M0', 600, 60 FROM zone WHERE name = 'example'"
is "$(sec "$M0")" "60 10.00" "no rollup row yet: a minute counts whole (600 / 60)"
mariadb_sql dnsa -e "INSERT INTO rollup_checkpoint (aggregator, datagram_id, node_stats_id, updated) VALUES ('a1', 0, 0, '$M0' + INTERVAL 20 SECOND)"
is "$(sec "$M0")" "20 30.00" "the last rollup 20 s into the minute: 20 covered seconds, 600 / 20"
mariadb_sql dnsa -e "UPDATE rollup_checkpoint SET updated = '$M0' - INTERVAL 30 SECOND"
is "$(sec "$M0")" "60 10.00" "a minute after the last rollup (a node's clock ahead) counts whole, not 1 s"
mariadb_sql dnsa -e "INSERT INTO rollup_checkpoint (aggregator, datagram_id, node_stats_id, updated) VALUES ('a2', 0, 0, '$M0' + INTERVAL 5 MINUTE)"
is "$(sec "$M0")" "60 10.00" "a minute before the last rollup of any aggregator: 60 s"
mariadb_sql dnsa -e "DELETE FROM rollup_checkpoint; DELETE FROM series_minute WHERE ts = '$M0'"

# docs/sql.md: the saved queries it names are those of sql/queries, its SQL runs as staff
SQLDOC=$SRC/docs/sql.md
have=$(cd "$SRC/sql/queries" && ls *.sql | sed 's/\.sql$//' | sort | tr '\n' ' ')
named=$(sed -n '/^## Saved queries/,/^## /p' "$SQLDOC" | grep -o '`[a-z_]*`' | tr -d '`' | sort -u |
	while read -r q; do [ -f "$SRC/sql/queries/$q.sql" ] && echo "$q"; done | tr '\n' ' ')
is "$named" "$have" "docs/sql.md's saved-query table names every file of sql/queries"
rows=$(sed -n '/^## Saved queries/,/^## /p' "$SQLDOC" | grep '^| ' | grep -vc '^| default window')
is "$rows" "7" "the table has one row per default window"
awk '/^```sql$/ { on = 1; next } /^```$/ { on = 0 } on' "$SQLDOC" > "$T/sqlmd.sql"
[ -s "$T/sqlmd.sql" ]; ok $? "docs/sql.md has SQL to run"
out=$(cd "$SRC" && mariadb --no-defaults --socket="$MDB_SOCK" -u noc -pstaff-pw-12345 --batch dnsa < "$T/sqlmd.sql" 2>&1)
is "$?:$(echo "$out" | grep -c '^ERROR ')" "0:0" "every SQL statement of docs/sql.md runs as staff"
echo "$out" | grep '^ERROR ' | sed 's/^/# /'
cols=$(mariadb_sql dnsa -e "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'dnsa' AND TABLE_NAME = 'node_health_hour'")
missing=$(sed -n '/^### Node totals that mean what they say/,/^## /p' "$SQLDOC" | grep '^| `' | cut -d'|' -f2 |
	grep -o '`[a-z_]*`' | tr -d '`' | while read -r c; do echo "$cols" | grep -qx "$c" || echo "$c"; done | tr '\n' ' ')
is "$missing" "" "every node_health column docs/sql.md's formula table names exists"
for c in queries_exact responses_exact recordable_exact unlisted_share; do
	grep -q "$c" "$SRC/sql/queries/estimate_vs_exact.sql"; ok $? "estimate_vs_exact.sql shows $c, as docs/sql.md describes"
done
grep -qi 'divide by two\|/ 2' "$SRC/sql/queries/estimate_vs_exact.sql"; ok "$([ $? = 1 ] && echo 0 || echo 1)" "estimate_vs_exact.sql no longer says divide by two"

done_testing
