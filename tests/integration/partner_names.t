#!/bin/bash
# tests/integration/partner_names.t: partner segregation cannot be escaped by naming (user AND host, collisions, reserved names, remove).
#
# Real accounts on a private MariaDB. A database is first made at the schema before
# 006 and given the accounts the old dnsa-partner made for "staff bob; -A localhost add
# bob" (a partner that saw every zone); 006 is then applied on it. Then every collision
# dnsa-partner must refuse is tried, with the accounts checked in mysql.user afterwards;
# remove must remove exactly what it names; an account that is neither partner nor staff
# (root included) gets an error from the views, not an empty result.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/mariadb.sh"
for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd not installed"; exit 0; }
T=$(mktemp -d /tmp/dnsa-pnames.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; mariadb_stop; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

mariadb_start "$T/mdb" || { echo "Bail out! cannot start MariaDB"; exit 1; }
mkdir "$T/mig"
for f in "$ROOT"/sql/mariadb/[0-9][0-9][0-9]_*.sql; do
	v=$(basename "$f" | cut -c1-3)
	[ "$v" -lt 6 ] && cp "$f" "$T/mig/"
done
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root -m "$T/mig" >/dev/null
ok $? "schema before 006 (the migrations below 006)"


# what the old dnsa-partner did for "staff bob" then "-A localhost add bob" (name-only rows)
mariadb_sql dnsa <<-'SQL'
	CREATE USER 'bob'@'%' IDENTIFIED BY 'bob-staff-pw'; GRANT dnsa_staff TO 'bob'@'%';
	SET DEFAULT ROLE dnsa_staff FOR 'bob'@'%'; INSERT INTO staff_account (account) VALUES ('bob');
	CREATE USER 'bob'@'localhost' IDENTIFIED BY 'bob-partner-pw'; GRANT dnsa_partner TO 'bob'@'localhost';
	SET DEFAULT ROLE dnsa_partner FOR 'bob'@'localhost'; INSERT INTO partner (account) VALUES ('bob');
SQL
as() { u=$1; pw=$2; shift 2; mariadb --no-defaults --socket="$MDB_SOCK" -u "$u" -p"$pw" --batch --skip-column-names dnsa -e "$*" 2>"$T/err"; }
err() { tr '\n' ' ' <"$T/err"; }
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root >/dev/null
ok $? "006 applied on that database"
# data after the migration: a rollup needs the schema it was built for
START=$(( $(date +%s) / 86400 * 86400 - 4 * 3600 ))
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/st.db" -r 600 -z 3 -t "$START" -d 3600 >/dev/null
printf 'user = root\npassword =\n' >"$T/cred"; chmod 600 "$T/cred"
printf 'staging = %s\nlock_file = %s\nmariadb.socket = %s\nmariadb.credentials = %s\n' \
	"$T/st.db" "$T/r.lock" "$MDB_SOCK" "$T/cred" >"$T/r.conf"
"$B/bin/aggd-rollup" -c "$T/r.conf" 2>/dev/null
ok $? "rollup of 600 records in 3 zones"
out=$(as bob bob-partner-pw 'SELECT COUNT(DISTINCT zone) FROM zone_qps_hour')
is "$out:$(grep -c 'ambiguous' "$T/err")" ":1" "the old collision: partner login bob@localhost gets 'ambiguous', not every zone ($(err))"
P() { "$ROOT/tools/dnsa-partner" -S "$MDB_SOCK" -u root "$@"; }
is "$(P accounts | awk -F'\t' '$1 == "bob" { print $2 "," $3 "," $7 }' | tr '\n' ';')" \
	"NULL,partner,AMBIGUOUS: same name with another host;NULL,staff,AMBIGUOUS: same name with another host;" \
	"dnsa-partner accounts flags both registrations of bob as ambiguous"
P remove bob >/dev/null 2>"$T/err"
is "$?:$(grep -c 'say which with -A' "$T/err")" "1:1" "remove bob refuses to guess which bob ($(err))"
P -A localhost remove bob >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "0:removed partner bob@'localhost' (0 session(s) closed)" "-A localhost remove bob drops the partner account only"
is "$(mariadb_sql -e "SELECT GROUP_CONCAT(Host) FROM mysql.user WHERE User = 'bob'")" "%" "bob@'%' (staff) is left"
is "$(as bob bob-staff-pw 'SELECT COUNT(DISTINCT zone) FROM zone_qps_hour'; err)" "3" "staff bob@'%' sees every zone again"

echo 'partner-one-pw' >"$T/pw1"; echo 'partner-two-pw' >"$T/pw2"; echo 'staff-member-pw' >"$T/pw3"
P add p1 "$T/pw1" >/dev/null && P grant p1 zone0.test >/dev/null && P -A localhost add p2 "$T/pw2" >/dev/null &&
	P grant p2 zone1.test >/dev/null
ok $? "partners p1@'%' (zone0.test) and p2@'localhost' (zone1.test)"
accounts() { mariadb_sql -e "SELECT COALESCE(GROUP_CONCAT(CONCAT(User, '@', Host) ORDER BY Host), '') FROM mysql.user WHERE User = '$1'"; }

# the collision of the issue, with today's tool: staff carl, then a partner carl@localhost
P staff carl "$T/pw3" >/dev/null
P -A localhost add carl "$T/pw1" >/dev/null 2>"$T/err"
is "$?:$(accounts carl)" "1:carl@%" "staff carl, then -A localhost add carl: refused, no carl@localhost ($(err))"
P add p1 "$T/pw1" >/dev/null 2>"$T/err"
is "$?:$(accounts p1)" "1:p1@%" "add p1 again: refused ($(err))"
P -A localhost staff p1 "$T/pw3" >/dev/null 2>"$T/err"
is "$?:$(accounts p1)" "1:p1@%" "a staff account p1@localhost beside partner p1@'%': refused ($(err))"
P staff p2 "$T/pw3" >/dev/null 2>"$T/err"
is "$?:$(accounts p2)" "1:p2@localhost" "a staff account p2@'%' beside partner p2@localhost: refused ($(err))"
mariadb_sql -e "CREATE USER 'erin'@'localhost' IDENTIFIED BY 'erin-own-pw'"
P add erin "$T/pw1" >/dev/null 2>"$T/err"
is "$?:$(accounts erin)" "1:erin@localhost" "an account made outside dnsa-partner (erin@localhost): add erin refused ($(err))"

# reserved and foreign names
mariadb_sql -e "CREATE ROLE analysts; CREATE USER 'loader'@'localhost' IDENTIFIED BY 'loader-pw-1';
	GRANT dnsa_rollup TO 'loader'@'localhost'"
before=$(mariadb_sql -e "SELECT COUNT(*) FROM mysql.user")
for name in root dnsa_staff dnsa_partner dnsa_rollup rollup mysql analysts loader; do
	P add "$name" "$T/pw1" >/dev/null 2>"$T/err"
	ok $(( $? == 0 )) "add $name refused: $(err)"
done
P staff mariadb.sys "$T/pw1" >/dev/null 2>&1
ok $(( $? == 0 )) "staff mariadb.sys refused"
is "$(mariadb_sql -e "SELECT COUNT(*) FROM mysql.user")" "$before" "no account was made by any of them"

# an anonymous account could log in under any name: refused while it exists
mariadb_sql -e "CREATE USER ''@'localhost'"
P add fred "$T/pw1" >/dev/null 2>"$T/err"
is "$?:$(accounts fred)" "1:" "add fred refused while ''@localhost exists ($(err))"
out=$(as p2 partner-two-pw 'SELECT COUNT(*) FROM zone_qps_hour')
is "$out:$(grep -c 'anonymous' "$T/err")" ":1" "the views refuse p2@localhost while an anonymous account exists ($(err))"
mariadb_sql -e "DROP USER ''@'localhost'"

# the collision made by hand, past the tool: the views refuse it
mariadb_sql -e "CREATE USER 'carl'@'localhost' IDENTIFIED BY 'carl-partner-pw'; GRANT dnsa_partner TO 'carl'@'localhost';
	SET DEFAULT ROLE dnsa_partner FOR 'carl'@'localhost'"
out=$(as carl carl-partner-pw 'SELECT COUNT(DISTINCT zone) FROM zone_qps_hour')
is "$out:$(grep -c 'ambiguous' "$T/err")" ":1" "carl@localhost made by hand beside staff carl@'%': the views say ambiguous ($(err))"
mariadb_sql -e "DROP USER 'carl'@'localhost'"
is "$(as carl staff-member-pw 'SELECT COUNT(DISTINCT zone) FROM zone_qps_hour'; err)" "3" "once it is gone, staff carl@'%' sees every zone"

# remove removes exactly what it names
P -A localhost remove carl >/dev/null 2>"$T/err"
is "$?:$(accounts carl)" "1:carl@%" "-A localhost remove carl (carl is carl@'%'): refused, nothing removed ($(err))"
is "$(as carl staff-member-pw 'SELECT COUNT(*) > 0 FROM staff_self')" 1 "... and carl still logs in as staff"
mariadb --no-defaults --socket="$MDB_SOCK" -u carl -pstaff-member-pw dnsa -e 'SELECT SLEEP(20)' >/dev/null 2>&1 &
cpid=$!; PIDS="$PIDS $cpid"
sleep 0.5
P remove carl >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "0:removed staff carl@'%' (1 session(s) closed)" "remove carl: the account and its open session"
t0=$(date +%s); wait "$cpid" 2>/dev/null
ok $(( $(date +%s) - t0 > 2 )) "carl's open session ended at once"
as carl staff-member-pw 'SELECT 1' >/dev/null
is "$(accounts carl):$(grep -c 'ERROR 1045' "$T/err")" ":1" "carl can no longer log in (ERROR 1045)"
is "$(mariadb_sql dnsa -e "SELECT COUNT(*) FROM staff_account WHERE account = 'carl'")" 0 "carl's registration is gone"
P remove nobody >/dev/null 2>"$T/err"
is "$?:$(grep -c 'nothing removed' "$T/err")" "1:1" "remove nobody: exit 1, nothing removed"
P remove root >/dev/null 2>&1
is "$?:$(mariadb_sql -e "SELECT COUNT(*) > 0 FROM mysql.user WHERE User = 'root'")" "1:1" "remove root: refused, root untouched"
P -A localhost remove p1 >/dev/null 2>&1
is "$?:$(accounts p1)" "1:p1@%" "-A localhost remove p1 (p1 is p1@'%'): refused"

# accounts the views do not know: an error, never a silent empty result
mariadb_sql dnsa -e "SELECT COUNT(*) FROM zone_qps_hour" >/dev/null 2>"$T/err"
grep -q "ERROR 1644.*root@localhost is neither partner nor staff" "$T/err"; ok $? "root on zone_qps_hour: $(err)"
mariadb_sql dnsa -e "SELECT COUNT(*) FROM node_health_hour" >/dev/null 2>"$T/err"
grep -q "ERROR 1644.*neither partner nor staff" "$T/err"; ok $? "root on the staff view node_health_hour: an error too"
mariadb_sql -e "CREATE USER 'gina'@'localhost' IDENTIFIED BY 'gina-pw-123'; GRANT dnsa_partner TO 'gina'@'localhost';
	SET DEFAULT ROLE dnsa_partner FOR 'gina'@'localhost'"
as gina gina-pw-123 'SELECT COUNT(*) FROM my_zones' >/dev/null
grep -q "ERROR 1644.*gina@localhost is neither partner nor staff" "$T/err"; ok $? "an account given dnsa_partner by hand, not registered: $(err)"

# no predicate lets p2 see p1's zone (a rewrite of the filter once leaked it)
for q in "zone_qps_minute WHERE zone = 'zone0.test'" "zone_qps_hour WHERE zone IN ('zone0.test', 'zone2.test')" \
	 "zone_top_names_hour WHERE zone LIKE 'zone0%'" "zone_nxdomain_share_hour WHERE zone <> 'zone1.test'" \
	 "my_zones WHERE zone = 'zone0.test'"; do
	is "$(as p2 partner-two-pw "SELECT COUNT(*) FROM $q"; err)" 0 "p2: SELECT COUNT(*) FROM $q"
done
is "$(as p2 partner-two-pw "SELECT GROUP_CONCAT(DISTINCT zone) FROM zone_qps_hour"; err)" "zone1.test" "p2 sees zone1.test"

# every view a partner may read is materialized: a locking read through it locks nothing
is "$(mariadb_sql -e "SELECT COALESCE(GROUP_CONCAT(w.TABLE_NAME), 'none') FROM information_schema.VIEWS w
	JOIN mysql.tables_priv t ON t.Db = w.TABLE_SCHEMA AND t.Table_name = w.TABLE_NAME
	WHERE w.TABLE_SCHEMA = 'dnsa' AND t.User = 'dnsa_partner' AND t.Host = '' AND w.ALGORITHM <> 'TEMPTABLE'")" none \
	"every view granted to dnsa_partner is ALGORITHM=TEMPTABLE"
done_testing
