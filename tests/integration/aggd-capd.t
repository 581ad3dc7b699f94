#!/bin/bash
# tests/integration/aggd-capd.t: capd -> aggd on loopback with the real Knot dnstap sample: every datagram capd sent is staged once, records intact.
. "$(dirname "$0")/../lib/aggd-test.sh"

SAMPLE=$(dirname "$0")/../data/realservers/samples/knot.fstrm
if [ ! -x "$B/capd" ] || [ ! -f "$SAMPLE" ] || ! command -v dnstap-ldns > /dev/null; then
	echo "1..0 # SKIP capd, the sample capture or dnstap-ldns missing"
	exit 0
fi

PORT=$(free_port)
keygen nodeA
write_conf
start_aggd; ok $? "aggd started"
cat > "$T/capd.conf" <<EOC
node_key = $T/nodeA.key
aggregator = 127.0.0.1:$PORT
dnstap.socket = ""
zones.unlisted = record
privileges.allow_root = yes
client.resolvers = no
EOC
# (no distinct-client sketches: their counters datagrams are counted in resolvers_sql.t; here one counters datagram)
out=$("$B/capd" -c "$T/capd.conf" -f -r "$SAMPLE" 2>&1); rc=$?
diag "$out"
is "$rc" 0 "capd replays the sample capture"
sent=$(echo "$out" | sed -n 's/.* \([0-9]*\) datagrams,.*/\1/p' | tail -1)
recorded=$(echo "$out" | sed -n 's/.* \([0-9]*\) recorded,.*/\1/p' | tail -1)
ok $(( sent > 0 ? 0 : 1 )) "capd reports $sent datagrams sent, $recorded records"
# capd's datagrams_sent counts every datagram, records and counters (its last counters one included)
wait_for 10 count_is "$sent" "WHERE 1"; ok $? "the $sent datagrams are staged"
sleep 0.3
stop_aggd
is "$AGGD_RC" 0 "aggd exits 0"
is "$(sq "SELECT count(*), count(DISTINCT seq) FROM datagram")" "$sent|$sent" "each staged exactly once"
is "$(sq "SELECT sum(nrecords) FROM datagram")" "$recorded" "staged records = records capd recorded"
is "$(sq "SELECT count(*) FROM datagram WHERE kind = 2")" 1 "capd's final counters datagram staged"
# both ends at their defaults on loopback (MTU 65536): capd's auto payload_size is 65507
# bytes, aggd's max_datagram 65507: records datagrams far above the old 4096 arrive whole
big=$(sq "SELECT max(length(payload)) FROM datagram WHERE kind = 1")
ok $(( big > 4096 && big <= 65000 ? 0 : 1 )) "records datagrams above 4 KB staged (largest payload $big bytes)"
is "$(sq "SELECT count(*) FROM datagram WHERE kind = 1 AND nrecords > 59")" "$(sq "SELECT count(*) FROM datagram WHERE kind = 1 AND length(payload) > 4096")" \
	"every datagram above 4 KB holds more records than 4096 bytes could (59)"
is "$(stat nodeA gaps)" 0 "no sequence gaps"
is "$(sq "SELECT count(*) FROM node_stats WHERE counter LIKE 'reject_%'")" 0 "no rejects"

# the staged records against an independent decode of the same capture
# (dnstap-ldns): per response, time (seconds within the minute + microseconds),
# transport, qtype and response size
dnstap-ldns -r "$SAMPLE" 2>/dev/null | awk '
	BEGIN { t["A"]=1; t["NS"]=2; t["CNAME"]=5; t["SOA"]=6; t["PTR"]=12; t["MX"]=15; t["TXT"]=16;
		t["AAAA"]=28; t["SRV"]=33; t["DS"]=43; t["DNSKEY"]=48; t["ANY"]=255; tr["UDP"]=1; tr["TCP"]=2 }
	$3 == "AR" { split($2, a, ":"); sz = $6; sub(/b$/, "", sz); q = $NF
		if (q in t) q = t[q]; else sub(/^TYPE/, "", q)
		print a[3], tr[$5], q, sz }' | sort > "$T/ref.txt"
"$B/dnsa-sender" -x "$T/staging.db" | awk '{ s = substr($1, 1, length($1) - 6); u = substr($1, length($1) - 5)
	printf "%02d.%s %s %s %s\n", s % 60, u, $9, $4, $15 }' | sort > "$T/got.txt"
is "$(wc -l < "$T/ref.txt")" "$recorded" "dnstap-ldns sees as many responses as capd recorded"
cmp -s "$T/ref.txt" "$T/got.txt"; ok $? "staged records match the capture (time, transport, qtype, size)"
done_testing
