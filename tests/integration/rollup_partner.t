#!/bin/bash
# tests/integration/rollup_partner.t: partner segregation enforced by MariaDB: real accounts, views only, their zones only.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-partner.XXXXXX)
cleanup() { mariadb_stop; rm -rf "$T"; }
trap cleanup EXIT INT TERM

. "$ROOT/tests/lib/tap.sh"

for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
command -v mariadbd >/dev/null || { echo "1..0 # SKIP mariadbd not installed"; exit 0; }

mariadb_start "$T/mdb" || { echo "Bail out! cannot start MariaDB"; exit 1; }
"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root >/dev/null
ok $? "schema migrated"

START=$(( $(date +%s) / 86400 * 86400 - 4 * 3600 ))
"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/st.db" -r 3000 -c -t "$START" -d 7200 -e "$T/exp.txt" >/dev/null
printf 'user = root\npassword =\n' >"$T/cred"; chmod 600 "$T/cred"
cat >"$T/r.conf" <<-CONF
	staging = $T/st.db
	lock_file = $T/r.lock
	mariadb.socket = $MDB_SOCK
	mariadb.credentials = $T/cred
CONF
"$B/bin/aggd-rollup" -c "$T/r.conf"
ok $? "rollup of 3000 synthetic records"

P() { "$ROOT/tools/dnsa-partner" -S "$MDB_SOCK" -u root -A localhost "$@"; }
echo 'partner-one-pw' >"$T/pw1"; echo 'partner-two-pw' >"$T/pw2"; echo 'staff-member-pw' >"$T/pw3"
P add p1 "$T/pw1" >/dev/null && P grant p1 zone0.test ZONE1.TEST. >/dev/null
ok $? "dnsa-partner: p1 created and granted zone0.test and zone1.test"
P add p2 "$T/pw2" >/dev/null && P grant p2 zone2.test >/dev/null
ok $? "dnsa-partner: p2 created and granted zone2.test"
P staff alice "$T/pw3" >/dev/null
ok $? "dnsa-partner: staff account alice created"
is "$(P list | tr '\t\n' ':;')" "p1:zone0.test zone1.test;p2:zone2.test;" "dnsa-partner list"
P add 'x;drop' "$T/pw1" 2>/dev/null
ok $(( $? == 0 )) "dnsa-partner refuses an account name that is not [a-z][a-z0-9_-]*"
P grant p1 "a'b.test" 2>/dev/null
ok $(( $? == 0 )) "dnsa-partner refuses a zone name with a quote"

as() { u=$1; pw=$2; shift 2; mariadb --no-defaults --socket="$MDB_SOCK" -u "$u" -p"$pw" --batch --skip-column-names dnsa -e "$*" 2>"$T/err"; }
# known totals per zone for the whole window (hour granularity) from the generator
expz() { awk -F'[|\t]' -v z="$1" '$1 == "S hour" && $3 == z && $4 == "*" && $5 == "total" { s += $7 } END { print s + 0 }' "$T/exp.txt"; }

is "$(as p1 partner-one-pw 'SELECT zone, SUM(queries) FROM zone_qps_hour GROUP BY zone ORDER BY zone' | tr '\t\n' '=;')" \
   "zone0.test=$(expz zone0.test);zone1.test=$(expz zone1.test);" "p1 reads exactly its two zones through zone_qps_hour, with the right totals"
is "$(as p2 partner-two-pw 'SELECT zone, SUM(queries) FROM zone_qps_hour GROUP BY zone' | tr '\t\n' '=;')" \
   "zone2.test=$(expz zone2.test);" "p2 reads only zone2.test"
is "$(as p2 partner-two-pw "SELECT COUNT(*) FROM zone_qps_minute WHERE zone = 'zone0.test'")" 0 "p2 asking for p1's zone gets nothing"
is "$(as p1 partner-one-pw "SELECT GROUP_CONCAT(DISTINCT zone ORDER BY zone) FROM zone_by_country_hour")" "zone0.test,zone1.test" "p1: zone_by_country_hour holds its zones only"
is "$(as p1 partner-one-pw "SELECT COUNT(DISTINCT zone) FROM zone_top_names_hour WHERE zone NOT IN ('zone0.test', 'zone1.test')")" 0 "p1: top names of its zones only"
is "$(as p1 partner-one-pw "SELECT GROUP_CONCAT(zone ORDER BY zone) FROM my_zones")" "zone0.test,zone1.test" "p1: my_zones"

for t in series_hour zone partner_zone top_name_hour node_counter_hour; do
	as p1 partner-one-pw "SELECT COUNT(*) FROM $t" >/dev/null
	ok "$(grep -q 'ERROR 1142' "$T/err"; echo $?)" "p1: SELECT on base table $t denied (ERROR 1142)"
done
as p2 partner-two-pw "SELECT COUNT(*) FROM node_health_hour" >/dev/null
ok "$(grep -q 'ERROR 1142' "$T/err"; echo $?)" "p2: staff view node_health_hour denied (ERROR 1142)"
as p1 partner-one-pw "INSERT INTO partner_zone VALUES ('p1', 3)" >/dev/null
ok "$(grep -q 'ERROR 1142' "$T/err"; echo $?)" "p1 cannot grant itself a zone (INSERT denied)"

is "$(as alice staff-member-pw 'SELECT COUNT(DISTINCT zone) FROM zone_qps_hour')" 5 "staff see every zone through the same views"
is "$(as alice staff-member-pw "SELECT SUM(messages_exact) FROM node_health_hour")" 20700 "staff read node health: exact capd totals (3900 + 6900 + 9900)"
is "$(as alice staff-member-pw "SELECT COUNT(*) > 0 FROM series_minute")" 1 "staff read the base tables"

P revoke p1 zone1.test >/dev/null
is "$(as p1 partner-one-pw 'SELECT GROUP_CONCAT(DISTINCT zone) FROM zone_qps_hour')" "zone0.test" "after revoke, p1 sees zone0.test only"
done_testing
