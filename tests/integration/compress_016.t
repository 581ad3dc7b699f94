#!/bin/bash
# tests/integration/compress_016.t: 016 page compresses the time tables of a database with data without changing a row; partitions made later are compressed too; a table over the limit is left and named.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-c016.XXXXXX)
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
M016=$(ls "$ROOT"/sql/mariadb/016_*.sql)
mariadb_migrations_before 16 "$T/old"
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa -m "$T/old" >/dev/null
ok $? "a database at the schema before 016"

START=$(( $(date +%s) / 60 * 60 - 3 * 3600 + 60 ))
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/st.db" -r 3000 -c -t "$START" -d $((3 * 3600)) >/dev/null
printf 'user = root\npassword =\n' >"$T/cred"; chmod 600 "$T/cred"
printf 'staging = %s\nlock_file = %s\nmariadb.socket = %s\nmariadb.credentials = %s\n' \
	"$T/st.db" "$T/r.lock" "$MDB_SOCK" "$T/cred" >"$T/r.conf"
timeout 120 "$B/bin/aggd-rollup" -c "$T/r.conf" 2>"$T/rollup.err"
ok $? "rollup of the synthetic records"
mariadb_dump dnsa >"$T/before"
ok $(( !($(grep -c '^S' "$T/before") > 1000) )) "series rows before: $(grep -c '^S' "$T/before")"

regs() { mariadb_sql dnsa -e "SELECT p.table_name FROM partitioned_table p JOIN information_schema.TABLES t
	ON t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = p.table_name ORDER BY 1"; }
uncompressed() { mariadb_sql dnsa -e "SELECT COUNT(*) FROM partitioned_table p JOIN information_schema.TABLES t
	ON t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = p.table_name WHERE LOCATE('\`PAGE_COMPRESSED\`=''1''', t.CREATE_OPTIONS) = 0"; }
n=$(regs | wc -l)
is "$(uncompressed)" "$n" "before 016: the $n time tables are not compressed"
out=$("$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -d dnsa)
is "$(echo "$out" | grep -c '^applied: 016_page_compressed.sql$')" 1 "dnsa-migrate applies 016 to the existing database"
is "$(uncompressed)" 0 "after: every time table is page compressed"
mariadb_dump dnsa >"$T/after"
cmp -s "$T/before" "$T/after"; ok $? "every row the rollup wrote is the same after 016"

# partitions made later, by the rollup's dnsa_partitions_at, are compressed too: a row in
# each new day partition lands on a compressed page (InnoDB's own flag of the tablespace)
mariadb_sql dnsa -e "CALL dnsa_partitions_at(UTC_TIMESTAMP() + INTERVAL 10 DAY, 0, 0, 0, @d, @a, @x, @b)"
ok $? "partitions ahead made 10 days later"
# (the tablespace flags of a table made PAGE_COMPRESSED=1 from the start: the reference)
mariadb_sql dnsa -e "CREATE TABLE ref_pc (a INT PRIMARY KEY) ENGINE=InnoDB PAGE_COMPRESSED=1"
pc=$(mariadb_sql -e "SELECT FLAG FROM information_schema.INNODB_SYS_TABLESPACES WHERE NAME = 'dnsa/ref_pc'")
newp=$(mariadb_sql dnsa -e "SELECT CONCAT('series_minute#P#', DATE_FORMAT(UTC_DATE() + INTERVAL 12 DAY, 'p%Y%m%d'))")
is "$(mariadb_sql -e "SELECT FLAG FROM information_schema.INNODB_SYS_TABLESPACES WHERE NAME = 'dnsa/$newp'")" "$pc" \
	"the new partition $newp has the tablespace flags of a page compressed table ($pc)"
all=$(mariadb_sql -e "SELECT COUNT(*), SUM(FLAG <> $pc) FROM information_schema.INNODB_SYS_TABLESPACES
	WHERE NAME LIKE 'dnsa/series\\_%#P#%' OR NAME LIKE 'dnsa/node\\_counter\\_%#P#%'")
is "$(echo "$all" | cut -f2) $(( $(echo "$all" | cut -f1) > 20 ))" "0 1" "and so has every partition of the series and counter tables ($(echo "$all" | cut -f1))"
mariadb_sql dnsa -e "DROP TABLE ref_pc"

# re-runnable; a table over the limit is left and named
mariadb_sql dnsa <"$M016"; ok $? "016 runs again"
mariadb_sql dnsa -e "ALTER TABLE series_hour PAGE_COMPRESSED=0"
is "$(mariadb_sql dnsa -e "CALL dnsa_compress_tables(0); SELECT @dnsa_uncompressed")" "series_hour" \
	"with a limit it is over, series_hour is left uncompressed and named"
is "$(mariadb_sql dnsa -e "CALL dnsa_compress_table('series_hour'); CALL dnsa_compress_tables(0); SELECT @dnsa_uncompressed")" \
	"NULL" "dnsa_compress_table compresses it"
mariadb_dump dnsa >"$T/again"
cmp -s "$T/before" "$T/again"; ok $? "and the rows are still the same"

done_testing
