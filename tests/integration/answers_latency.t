#!/bin/bash
# tests/integration/answers_latency.t: answer kinds, top NXDOMAIN names and response-time histograms in SQL equal an independent decode of the same traffic (issue 15 items 1-3).
#
# Part 1: Knot serves tests/data/tld (a TLD-like zone: 300 delegations, DS records) on
# loopback, tcpdump captures dnsperf's run; capd -r reads the capture (sampling all) ->
# aggd -> aggd-rollup -> MariaDB. tshark decodes the same capture: its AA flag, rcode,
# answer count and authority NS give the answer kinds, its NXDOMAIN responses the names.
# Part 2: dnsdist (Knot behind it) logs dnstap to fstrm_capture's file; capd -r reads the
# file; dnstap-ldns decodes it: query and response times give the response-time buckets
# (rollup/dims.c's bounds, computed here in awk) and the percentiles.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNSA_BUILD:=$(cd "$HERE/../.." && pwd)/build}"
for b in knotd dnsperf mariadbd tcpdump tshark dnsdist fstrm_capture dnstap-ldns; do
	command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }
done
. "$HERE/../lib/pipeline.sh"
. "$HERE/../lib/tap.sh"

TLD=$SRC/tests/data/tld
TCPDUMP_PID=
FSTRM_PID=
DNSDIST_PID=
al_cleanup() {
	stop_pid "$DNSDIST_PID" TERM; stop_pid "$FSTRM_PID" TERM; stop_pid "$TCPDUMP_PID" TERM
	pipe_cleanup
}
pipe_setup
trap al_cleanup EXIT
pipe_mdb
pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }

# --- part 1: Knot, the TLD zone, a capture
KNOT_ZONES=tld KNOT_ZONEDIR=$TLD knot_start "$T/knot" "$T/no-listener.sock" ||
	{ echo "Bail out! knotd did not start"; exit 1; }
tcpdump -i lo -n -U -w "$T/run.pcap" "port $KNOT_PORT" 2> "$T/tcpdump.log" &
TCPDUMP_PID=$!
for i in $(seq 100); do grep -q 'listening on' "$T/tcpdump.log" && break; sleep 0.05; done
grep -q 'listening on' "$T/tcpdump.log"; ok $? "tcpdump captures on lo"
timeout 60 dnsperf -s 127.0.0.1 -p "$KNOT_PORT" -d "$TLD/queries.txt" -n 1 -Q 2000 -t 2 > "$T/perf.1" 2>&1
is "$(awk '/Queries lost:/ {print $3}' "$T/perf.1")" 0 "dnsperf: every query of queries.txt answered"
# and 20 queries over TCP, one connection each (their handshakes give the TCP RTT)
for i in $(seq 20); do timeout 5 kdig @127.0.0.1 -p "$KNOT_PORT" +tcp +retry=0 tld SOA > /dev/null 2>&1; done
# tcpdump writes what it has read (-U): wait (bounded) until every query and response is in the file
NQ=$(( $(wc -l < "$TLD/queries.txt") + 20 ))
for i in $(seq 100); do
	[ "$(tcpdump -r "$T/run.pcap" 'udp or (tcp and tcp[13] & 8 != 0)' 2>/dev/null | wc -l)" -ge $((2 * NQ)) ] && break
	sleep 0.1
done
stop_pid "$TCPDUMP_PID" TERM; TCPDUMP_PID=
knot_stop

{
	echo "node_key = $T/node.key"
	echo "aggregator = 127.0.0.1:$AGG_PORT"
	echo "counters_interval = 1"
	echo "[sampling]"
	echo "mode = all"
	echo "[zones]"
	echo "zone = tld"
	echo "unlisted = record"
	echo "[privileges]"
	echo "allow_root = yes"
	echo "[pcap]"
	echo "port = $KNOT_PORT"
} > "$T/capd-pcap.conf"
"$BIN/capd" -c "$T/capd-pcap.conf" -r "$T/run.pcap" 2> "$T/capd-r.log"
ok $? "capd -r run.pcap exits 0"

# tshark's answer kinds: the rules of docs/sql.md "Answer kinds" on tshark's fields
tshark -r "$T/run.pcap" -n -d "udp.port==$KNOT_PORT,dns" -d "tcp.port==$KNOT_PORT,dns" -Y 'dns.flags.response == 1' -T fields -E separator=/t \
	-e dns.qry.name -e dns.flags.rcode -e dns.flags.authoritative -e dns.flags.truncated -e dns.count.answers \
	-e dns.ns > "$T/tshark.txt" 2> "$T/tshark.err"
awk -F'\t' '{
	zone = ($1 == "tld" || $1 ~ /\.tld$/) ? "tld" : "."
	aa = ($3 == "1" || $3 == "True"); tc = ($4 == "1" || $4 == "True")
	if ($2 == 3) k = "nxdomain"
	else if ($2 == 5) k = "refused"
	else if ($2 != 0 || tc) k = "other"
	else if (aa) k = ($5 > 0) ? "answer" : "nodata"
	else if ($5 == 0 && $6 != "") k = "referral"
	else k = "other"
	print zone, k }' "$T/tshark.txt" | sort | uniq -c | awk '{ print $2, $3, $1 }' > "$T/want-kinds.txt"
is "$(wc -l < "$T/tshark.txt")" "$NQ" "tshark sees one response per query ($NQ, 20 of them over TCP)"
diag "tshark's answer kinds: $(tr '\n' ';' < "$T/want-kinds.txt")"

# the TCP RTT as capd measures it (server side: SYN-ACK to the client's first ACK), per connection,
# from tshark's frame times; each connection carried one response -> "bucket count"
tshark -r "$T/run.pcap" -n -Y tcp -T fields -E separator=/t -e tcp.stream -e tcp.srcport -e tcp.flags.syn \
	-e tcp.flags.ack -e frame.time_epoch 2> /dev/null | awk -F'\t' -v port="$KNOT_PORT" '
	function us(t,   p) { split(t, p, "."); return p[1] * 1000000 + substr(p[2] "000000", 1, 6) }
	function bucket(v,   e, p) {
		if (v < 8) return v
		e = 0; p = 1; while (p * 2 <= v) { p *= 2; e++ }
		return 4 * (e - 1) + int(v / (p / 4)) % 4
	}
	function flag(x) { return x == "1" || x == "True" }
	$2 == port && flag($3) && flag($4) && !($1 in sa) { sa[$1] = us($5); next }
	$2 != port && ($1 in sa) && !($1 in done) && flag($4) && !flag($3) { done[$1] = 1; c[bucket(us($5) - sa[$1])]++ }
	END { for (b in c) print b, c[b] }' | sort -n > "$T/want-rtt.txt"

# the NXDOMAIN names, by count then name
awk -F'\t' '$2 == 3 { c[tolower($1)]++ } END { for (n in c) print c[n], n }' "$T/tshark.txt" |
	sort -k1,1nr -k2,2 | awk '{ print "tld", $2, $1 }' > "$T/want-nx.txt"

# --- part 2: dnsdist, dnstap to a file
KNOT_PORT=
KNOT_ZONES="example.test sample.test" knot_start "$T/knot2" "$T/no-listener2.sock" ||
	{ echo "Bail out! knotd (behind dnsdist) did not start"; exit 1; }
fstrm_capture -t protobuf:dnstap.Dnstap -u "$T/dd.sock" -w "$T/dd.fstrm" > "$T/fstrm.log" 2>&1 &
FSTRM_PID=$!
for i in $(seq 100); do [ -S "$T/dd.sock" ] && break; sleep 0.05; done
DD_PORT=$(free_port)
sed "s#@PORT@#$DD_PORT#g; s#@SOCK@#$T/dd.sock#g; s#@KNOT_PORT@#$KNOT_PORT#g" "$REALSERVERS/dnsdist.conf" > "$T/dnsdist.conf"
dnsdist --supervised --disable-syslog -C "$T/dnsdist.conf" > "$T/dnsdist.log" 2>&1 &
DNSDIST_PID=$!
for i in $(seq 150); do grep -q "Marking downstream .* as 'up'" "$T/dnsdist.log" && break; sleep 0.1; done
grep -q "Marking downstream .* as 'up'" "$T/dnsdist.log"; ok $? "dnsdist up in front of Knot"
# dnsdist opens its dnstap connection within its reopenInterval (1 s); what it answers before is not logged
sleep 1.5
timeout 60 dnsperf -s 127.0.0.1 -p "$DD_PORT" -d "$REALSERVERS/queries.txt" -n 3 -Q 1000 -t 2 > "$T/perf.2" 2>&1
DD_DONE=$(awk '/Queries completed:/ {print $3}' "$T/perf.2")
ok "$([ "${DD_DONE:-0}" -gt 0 ] && echo 0 || echo 1)" "dnsperf through dnsdist: $DD_DONE answers"
sleep 1
stop_pid "$DNSDIST_PID" TERM; DNSDIST_PID=
stop_pid "$FSTRM_PID" TERM; FSTRM_PID=
knot_stop
{
	echo "node_key = $T/node.key"
	echo "aggregator = 127.0.0.1:$AGG_PORT"
	echo "counters_interval = 1"
	echo "[sampling]"
	echo "mode = all"
	echo "[zones]"
	echo "zone = example.test sample.test"
	echo "unlisted = count"
	echo "[privileges]"
	echo "allow_root = yes"
} > "$T/capd-dd.conf"
"$BIN/capd" -c "$T/capd-dd.conf" -r "$T/dd.fstrm" 2> "$T/capd-dd.log"
ok $? "capd -r dd.fstrm exits 0"

# dnstap-ldns: every CLIENT_RESPONSE with both times, for a zone capd lists -> "zone bucket"
# (rollup/dims.c's buckets: 0..7 us one each, then 4 per power of two)
dnstap-ldns -r "$T/dd.fstrm" -y > "$T/dd.yaml" 2> "$T/dnstap-ldns.err"
awk '
	function us(s,   d, t, n, f) {   # "!!timestamp 2026-12-01 10:00:00.123456" -> microseconds of the day
		n = split(s, d, " "); t = d[n]; split(t, f, /[:.]/)
		return ((f[1] * 60 + f[2]) * 60 + f[3]) * 1000000 + substr(f[4] "000000", 1, 6)
	}
	function bucket(v,   e, p) {
		if (v < 8) return v
		e = 0; p = 1; while (p * 2 <= v) { p *= 2; e++ }
		return 4 * (e - 1) + int(v / (p / 4)) % 4
	}
	function flush() {
		if (r && q != "" && a != "" && a >= q && z != "") c[z " " bucket(a - q)]++
		r = 0; q = ""; a = ""; z = ""; inq = 0
	}
	/^---/ { flush() }
	/^  type: / { r = ($2 == "CLIENT_RESPONSE") }
	r && /query_time:/ { q = us($0) }
	r && /response_time:/ { a = us($0) }
	r && /QUESTION SECTION:/ { inq = 1; next }
	r && inq { n = tolower($1); sub(/^;/, "", n); sub(/\.$/, "", n); inq = 0
		if (n == "example.test" || n ~ /\.example\.test$/) z = "example.test"
		else if (n == "sample.test" || n ~ /\.sample\.test$/) z = "sample.test" }
	END { flush(); for (k in c) print k, c[k] }' "$T/dd.yaml" | sort -k1,1 -k2,2n > "$T/want-lat.txt"

pipe_aggd_stop
pipe_rollup
is $? 0 "aggd-rollup exits 0"

# --- the checks
staff_q "SELECT z.name, a.kind, SUM(a.est) FROM answer_kind_day a JOIN zone z USING (zone_id)
         WHERE a.node_id = 0 AND z.name IN ('tld', '.') GROUP BY z.name, a.kind" |
	awk -F'\t' '{ print $1, $2, $3 }' | sort > "$T/got-kinds.txt"
# the dnsdist part (example.test, sample.test) is left out of both
grep -v '^example\|^sample' "$T/got-kinds.txt" > "$T/got-kinds.tld"
ns_same_kinds() { if diff "$1" "$2" > "$T/diff" 2>&1; then ok 0 "$3"; else ok 1 "$3"; sed 's/^/#   /' "$T/diff" | head -20; fi; }
ns_same_kinds "$T/got-kinds.tld" "$T/want-kinds.txt" "SQL answer kinds per zone (answer_kind_day) equal tshark's decode of the capture"
ref_sql=$(staff_q "SELECT referrals, responses FROM zone_referral_share_day WHERE zone = 'tld'" | tr '\t' ' ')
ref_ts=$(awk '$1 == "tld" { n += $3; if ($2 == "referral") r += $3 } END { print r, n }' "$T/want-kinds.txt")
is "$ref_sql" "$ref_ts" "zone_referral_share_day: referrals and responses of tld equal tshark's"
diag "referral share of tld: $(staff_q "SELECT ROUND(100 * referral_share, 2) FROM zone_referral_share_day WHERE zone = 'tld'")% ($ref_ts)"
ok "$([ "${ref_ts%% *}" -gt 500 ] && echo 0 || echo 1)" "the run has referrals to count (${ref_ts%% *})"

staff_q "SELECT zone, qname, SUM(queries) FROM zone_top_names_rcode_hour WHERE rcode = 'NXDOMAIN' AND zone = 'tld'
         GROUP BY zone, qname ORDER BY SUM(queries) DESC, qname" | awk -F'\t' '{ print $1, $2, $3 }' > "$T/got-nx.txt"
ns_same_kinds "$T/got-nx.txt" "$T/want-nx.txt" "top NXDOMAIN names of tld (zone_top_names_rcode_hour) equal tshark's NXDOMAIN names and counts"
is "$(head -1 "$T/got-nx.txt")" "tld nx01-premium.tld 60" "the most asked-for missing name is nx01-premium.tld, 60 times"
is "$(staff_q "SELECT COUNT(*) FROM top_name_rcode_hour WHERE rcode <> 'NXDOMAIN'")" 0 "names are kept apart for NXDOMAIN only"

staff_q "SELECT z.name, l.bucket, SUM(l.est) FROM latency_day l JOIN zone z USING (zone_id)
         WHERE l.node_id = 0 AND l.country = '' AND l.metric = 'response' AND z.name IN ('example.test', 'sample.test')
         GROUP BY z.name, l.bucket" | tr '\t' ' ' | sort -k1,1 -k2,2n > "$T/got-lat.txt"
NLAT=$(awk '{ n += $3 } END { print n + 0 }' "$T/want-lat.txt")
ok "$([ "$NLAT" -ge 20 ] && echo 0 || echo 1)" "dnstap-ldns shows $NLAT responses with both times for example.test and sample.test"
ns_same_kinds "$T/got-lat.txt" "$T/want-lat.txt" "SQL response-time histograms per zone (latency_day) equal dnstap-ldns's query and response times, bucket by bucket"
# the same responses add up across zones, nodes and countries
tot() { staff_q "SELECT COALESCE(SUM(est), 0) FROM latency_day WHERE metric = 'response' AND $1"; }
is "$(tot "zone_id <> 0 AND node_id = 0 AND country = ''")" "$(tot "zone_id = 0 AND node_id = 0 AND country = ''")" \
   "per-zone histograms add up to the all-zones histogram"
is "$(tot "zone_id = 0 AND node_id <> 0 AND country = ''")" "$(tot "zone_id = 0 AND node_id = 0 AND country = ''")" \
   "per-node histograms add up to the all-nodes histogram"
is "$(tot "zone_id = 0 AND node_id = 0 AND country <> ''")" "$(tot "zone_id = 0 AND node_id = 0 AND country = ''")" \
   "per-country histograms add up to the total"

# percentiles: the view's p50/p95/p99 equal the same estimate computed here from dnstap-ldns's buckets
pct_of() { # pct_of ZONE: "p50 p95 p99" from want-lat.txt
	awk -v zone="$1" '
	function lo(b,  e) { if (b < 8) return b; e = int(b / 4) + 1; return 2 ^ e + (b % 4) * 2 ^ (e - 2) }
	function hi(b) { return b < 8 ? b + 1 : lo(b) + 2 ^ (int(b / 4) - 1) }
	$1 == zone { k++; B[k] = $2; N[k] = $3; tot += $3 }
	END {
		split("0.5 0.95 0.99", Q, " ")
		for (i = 1; i <= 3; i++) {
			t = Q[i] * tot; cum = 0
			for (j = 1; j <= k; j++) {
				if (cum + N[j] >= t) { printf "%s%.0f", (i > 1 ? " " : ""), lo(B[j]) + (t - cum) / N[j] * (hi(B[j]) - lo(B[j])); break }
				cum += N[j]
			}
		}
	}' "$T/want-lat.txt"
}
for zone in example.test sample.test; do
	got=$(staff_q "SELECT ROUND(p50_us), ROUND(p95_us), ROUND(p99_us) FROM zone_latency_pct_day
	               WHERE zone = '$zone' AND metric = 'response'" | tr '\t' ' ')
	is "$got" "$(pct_of $zone)" "zone_latency_pct_day $zone: p50 p95 p99 (us) equal the estimate from dnstap-ldns's times"
	diag "dnsdist response time, $zone: p50 p95 p99 = $got us"
done
np=$(staff_q "SELECT COUNT(*) FROM node_latency_pct_day WHERE metric = 'response' AND p50_us > 0 AND p50_us <= p95_us AND p95_us <= p99_us")
is "$np" 1 "node_latency_pct_day: one node, p50 <= p95 <= p99"
is "$(staff_q "SELECT COUNT(*) FROM country_latency_pct_day WHERE metric = 'response'")" \
   "$(staff_q "SELECT COUNT(DISTINCT country) FROM latency_day WHERE zone_id = 0 AND node_id = 0 AND country <> '' AND metric = 'response'")" \
   "country_latency_pct_day: one row per country"

# TCP RTT (pcap): the histogram of the 20 handshakes equals tshark's times, per zone and per country
staff_q "SELECT l.bucket, SUM(l.est) FROM latency_day l JOIN zone z USING (zone_id)
         WHERE z.name = 'tld' AND l.node_id = 0 AND l.country = '' AND l.metric = 'tcp_rtt' GROUP BY l.bucket" |
	tr '\t' ' ' | sort -n > "$T/got-rtt.txt"
is "$(awk '{ n += $2 } END { print n + 0 }' "$T/want-rtt.txt")" 20 "tshark: 20 TCP handshakes with a SYN-ACK and an ACK"
ns_same_kinds "$T/got-rtt.txt" "$T/want-rtt.txt" "SQL TCP RTT histogram of tld (latency_day, tcp_rtt) equals tshark's SYN-ACK to ACK times"
is "$(staff_q "SELECT SUM(est) FROM latency_day WHERE zone_id = 0 AND node_id = 0 AND country <> '' AND metric = 'tcp_rtt'")" 20 \
   "the TCP RTT per country adds up to the 20 handshakes"
diag "TCP RTT per country: $(staff_q "SELECT country, ROUND(p50_us), ROUND(p95_us), ROUND(p99_us), responses FROM country_latency_pct_day WHERE metric = 'tcp_rtt'" | tr '\t\n' ' ;')"

# a partner granted tld sees tld only through the new zone views, and no staff view
echo 'partner-tld-pw' > "$T/pw-tld"
"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root -A localhost add ptld "$T/pw-tld" > /dev/null &&
	"$SRC/tools/dnsa-partner" -S "$MDB_SOCK" -u root -A localhost grant ptld tld > /dev/null
ok $? "dnsa-partner: ptld granted zone tld"
pq() { mariadb --no-defaults --socket="$MDB_SOCK" -u ptld -ppartner-tld-pw --batch --skip-column-names dnsa -e "$1" 2>&1; }
is "$(pq "SELECT GROUP_CONCAT(DISTINCT zone) FROM zone_answer_kind_day")" "tld" "partner: zone_answer_kind_day shows its zone only"
is "$(pq "SELECT referrals FROM zone_referral_share_hour")" "${ref_ts%% *}" "partner: zone_referral_share_hour, its referrals"
is "$(pq "SELECT GROUP_CONCAT(DISTINCT CONCAT(zone, ':', metric)) FROM zone_latency_pct_day")" "tld:tcp_rtt" \
   "partner: zone_latency_pct_day shows tld's TCP RTT only (not the other zones' response times)"
is "$(pq "SELECT COUNT(*) FROM zone_top_names_rcode_hour WHERE zone <> 'tld'")" 0 "partner: no other zone's NXDOMAIN names"
case "$(pq "SELECT COUNT(*) FROM node_latency_pct_day")" in *1142*) r=0 ;; *) r=1 ;; esac
ok $r "partner: node_latency_pct_day refused (ERROR 1142)"
case "$(pq "SELECT COUNT(*) FROM latency_day")" in *1142*) r=0 ;; *) r=1 ;; esac
ok $r "partner: the base table latency_day refused (ERROR 1142)"
is "$(staff_q "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'dnsa' AND ALGORITHM <> 'TEMPTABLE'
               AND TABLE_NAME IN ('zone_answer_kind_day', 'zone_referral_share_hour', 'zone_latency_pct_day',
                                  'zone_latency_hour', 'zone_top_names_rcode_hour')")" 0 \
   "the new partner views are sealed TEMPTABLE (006's dnsa_seal_partner_views)"

# the saved queries run and answer
for f in latency_by_zone latency_by_node latency_by_country referral_share top_nxdomain; do
	out=$(staff_q "$(cat "$SRC/sql/queries/$f.sql")" 2>&1)
	ok "$([ $? = 0 ] && [ -n "$out" ] && echo 0 || echo 1)" "sql/queries/$f.sql runs and returns rows"
done
done_testing
