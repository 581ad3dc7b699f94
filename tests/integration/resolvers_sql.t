#!/bin/bash
# tests/integration/resolvers_sql.t: distinct resolvers in SQL: capd -r -> aggd -> aggd-rollup -> MariaDB; merged sketches of two captures against tshark's count of their union.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/pipeline.sh"
for b in mariadbd tshark python3; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
pipe_setup
. "$HERE/../lib/tap.sh"

pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf "[sampling]" "mode = all" "types = AUTH_RESPONSE" "[pcap]" "port = 53"
sed -i '/^socket = /d; /^\[dnstap\]/d' "$T/capd.conf"
# two captures with partly the same clients: seeds differ, pools overlap in prefixes only by chance
"$BIN/dnsa-mkpcap" -C 12000 21 "$T/a.pcap" && "$BIN/dnsa-mkpcap" -C 12000 22 "$T/b.pcap"
ok $? "dnsa-mkpcap wrote two captures"
for f in a b; do
	"$CAPD" -c "$T/capd.conf" -r "$T/$f.pcap" 2> "$T/capd-$f.log" || echo "# capd -r $f failed"
done
# the same capture twice: a merge is a maximum, so it must not count anyone twice
"$CAPD" -c "$T/capd.conf" -r "$T/a.pcap" 2> "$T/capd-a2.log"
sleep 1
pipe_rollup; ok $? "aggd-rollup ran"

for f in a b; do
	tshark -r "$T/$f.pcap" -Y 'dns.flags.response == 1' -T fields -e ip.dst -e ipv6.dst 2>/dev/null | awk -F'\t' '{ print $1 $2 }'
done > "$T/resp"
for f in a b; do
	tshark -r "$T/$f.pcap" -T fields -e dns.flags.response -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
		awk -F'\t' '{ if ($1 == 0) print $2 $4; else print $3 $5 }'
done > "$T/all"
count() {
	python3 -c '
import ipaddress, sys
a = set(); p = set()
for l in open(sys.argv[1]):
    ip = ipaddress.ip_address(l.strip())
    a.add(ip)
    p.add(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))
print(len(a), len(p))' "$1"
}
c1=$(count "$T/resp"); r_addr=${c1% *}; r_pfx=${c1#* }
c2=$(count "$T/all"); a_addr=${c2% *}; a_pfx=${c2#* }
diag "tshark over both captures: $a_addr clients ($a_pfx prefixes); answered: $r_addr ($r_pfx prefixes)"

zcheck() {   # zcheck "EST SE" EXACT WHAT
	local est=${1% *} se=${1#* } z
	z=$(awk -v e="${est:-0}" -v s="${se:-0}" -v x="$2" 'BEGIN { if (s > 0) printf "%.2f", (e - x) / s; else print "inf" }')
	diag "$3: estimate ${est:-none} se ${se:-none}, exact $2, z = $z"
	awk -v z="$z" 'BEGIN { exit !(z != "inf" && z < 3 && z > -3) }'
	ok $? "$3: within 3 se of tshark's count (z = $z)"
}
zcheck "$(staff_q "SELECT resolvers, resolvers_se FROM zone_resolvers_day WHERE zone = 'example.test'" | tr '\t' ' ')" \
	"$r_addr" "zone_resolvers_day, example.test: resolvers"
zcheck "$(staff_q "SELECT prefixes, prefixes_se FROM zone_resolvers_day WHERE zone = 'example.test'" | tr '\t' ' ')" \
	"$r_pfx" "zone_resolvers_day, example.test: /24 and /48 prefixes"
# (the runs take seconds: should they straddle an hour, each hour holds part of the clients)
if [ "$(staff_q "SELECT COUNT(*) FROM zone_resolvers_hour WHERE zone = 'example.test'")" = 1 ]; then
	zcheck "$(staff_q "SELECT resolvers, resolvers_se FROM zone_resolvers_hour WHERE zone = 'example.test'" | tr '\t' ' ')" \
		"$r_addr" "zone_resolvers_hour, example.test: resolvers"
else
	ok 0 "zone_resolvers_hour # SKIP the runs straddled an hour"
fi
zcheck "$(staff_q "SELECT resolvers, resolvers_se FROM node_resolvers_day WHERE node = '$NODE'" | tr '\t' ' ')" \
	"$a_addr" "node_resolvers_day, $NODE: resolvers (every message)"
zcheck "$(staff_q "SELECT prefixes, prefixes_se FROM node_resolvers_day WHERE node = '(all)'" | tr '\t' ' ')" \
	"$a_pfx" "node_resolvers_day, all nodes: prefixes"
is "$(staff_q "SELECT sampled FROM zone_resolvers_day WHERE zone = 'example.test'")" 0 "mode all: the zone figure is not flagged sampled"
is "$(staff_q "SELECT COUNT(*) FROM resolvers_sketch_day WHERE zone_id = 0 AND node_id = 0 AND kind = 'address'")" 8 \
	"the all-nodes address sketch is stored as 8 chunks of 512 registers"

# the saved query runs and shows the same figure
out=$(mariadb --no-defaults --socket="$MDB_SOCK" -u staff -pstaff-test-pw --batch --skip-column-names dnsa \
	< "$SRC/sql/queries/distinct_resolvers.sql" | awk -F'\t' '$1 == "example.test" { print $3 }')
is "$out" "$(staff_q "SELECT resolvers FROM zone_resolvers_day WHERE zone = 'example.test'")" \
	"distinct_resolvers.sql shows zone_resolvers_day's figure"

# partners: their own zones only; the node figures are staff only
printf 'p-one-pw\n' > "$T/p1.pw"; printf 'p-two-pw\n' > "$T/p2.pw"
"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root add p1 "$T/p1.pw" > /dev/null &&
	"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root grant p1 example.test > /dev/null &&
	"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root add p2 "$T/p2.pw" > /dev/null &&
	"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root grant p2 sample.test > /dev/null
ok $? "partners p1 (example.test) and p2 (sample.test) created"
pq() { mariadb --no-defaults --socket="$MDB_SOCK" -u "$1" -p"$2" --batch --skip-column-names dnsa -e "$3" 2>&1; }
is "$(pq p1 p-one-pw "SELECT zone, resolvers FROM zone_resolvers_day" | tr '\t' ' ')" \
	"example.test $(staff_q "SELECT resolvers FROM zone_resolvers_day WHERE zone = 'example.test'")" \
	"p1 sees example.test's distinct resolvers"
is "$(pq p2 p-two-pw "SELECT COUNT(*) FROM zone_resolvers_day")" 0 "p2 sees no other partner's zone"
case "$(pq p1 p-one-pw "SELECT COUNT(*) FROM node_resolvers_day")" in *ERROR*1142*) r=0;; *) r=1;; esac
ok $r "node_resolvers_day is denied to a partner (ERROR 1142)"
case "$(pq p1 p-one-pw "SELECT COUNT(*) FROM resolvers_day")" in *ERROR*1142*) r=0;; *) r=1;; esac
ok $r "the base table is denied to a partner"

# re-running the migration changes nothing; a rollup run with nothing new keeps the figures
before=$(staff_q "SELECT resolvers FROM zone_resolvers_day WHERE zone = 'example.test'")
"$SRC/tools/dnsa-migrate" -S "$MDB_SOCK" -u root > "$T/migrate2.log" 2>&1; ok $? "dnsa-migrate runs again"
mariadb_sql dnsa < "$SRC/sql/mariadb/010_distinct_resolvers.sql"; ok $? "010 is re-runnable"
pipe_rollup
is "$(staff_q "SELECT resolvers FROM zone_resolvers_day WHERE zone = 'example.test'")" "$before" "figures unchanged"
done_testing
