#!/bin/bash
# tests/integration/api.t: dnsa-api against a real MariaDB filled by a real rollup: segregation, numbers equal the views', errors, limits, recovery.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-api.XXXXXX)
cleanup() {
	apistack_stop
	mariadb_stop
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging" "$B/bin/dnsa-api" "$B/bin/dnsa-token"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
PY3=/usr/bin/python3 # Debian's, with python3-jsonschema (tools/install-deps)
"$PY3" -c 'import jsonschema' 2>/dev/null || { echo "1..0 # SKIP python3-jsonschema not installed"; exit 0; }
oa() { "$PY3" "$ROOT/tests/lib/openapi.py" "$@"; }
DOC="$ROOT/web/openapi.json"

# ---- data: 3000 synthetic records over 2 hours (known totals), rolled up for real ----
. "$ROOT/tests/lib/apistack.sh"
apistack_data
ok 0 "schema, rollup of the synthetic records, partners p1 (zone0, zone1), p2 (zone2), staff alice"
TK() { apistack_token "$@"; }
is "$(wc -l <"$T/tokens")" 3 "dnsa-token: three tokens in the file"
grep -q "${TOK1#dnsa_*_}" "$T/tokens"; ok $(( $? == 0 )) "the token file holds no secret, only hashes"
is "$(stat -c %a "$T/tokens") $(stat -c %a "$T/accounts/p1")" "600 600" "token and credentials files are 0600"

apistack_conf "pool_size = 2" "client_timeout = 2" "max_clients = 64" "rate = 20" "burst = 40"

# ---- -n refuses what start-up would refuse ----
out=$("$B/bin/dnsa-api" -n -c "$T/api.conf" 2>&1); ok $? "dnsa-api -n: $out"
withtok() { sed "s|^tokens = .*|tokens = $1|" "$T/api.conf" >"$2"; }
withtok "$T/nope" "$T/bad1.conf"
out=$("$B/bin/dnsa-api" -n -c "$T/bad1.conf" 2>&1); is "$?" 2 "-n refuses a missing token file: $out"
cp "$T/tokens" "$T/tok-ww"; chmod 666 "$T/tok-ww"; withtok "$T/tok-ww" "$T/bad2.conf"
out=$("$B/bin/dnsa-api" -n -c "$T/bad2.conf" 2>&1); is "$?" 2 "-n refuses a world-writable token file: $out"
mkfifo "$T/fifo"; withtok "$T/fifo" "$T/bad3.conf"
out=$(timeout 5 "$B/bin/dnsa-api" -n -c "$T/bad3.conf" 2>&1); is "$?" 2 "-n refuses a FIFO as token file without hanging: $out"
{ cat "$T/tokens"; echo "zz bad line"; } >"$T/tok-bad"; chmod 600 "$T/tok-bad"; withtok "$T/tok-bad" "$T/bad4.conf"
out=$("$B/bin/dnsa-api" -n -c "$T/bad4.conf" 2>&1); case $out in *tok-bad:4:*) r=0 ;; *) r=1 ;; esac; ok $r "-n names FILE:LINE of a bad token line: $out"
printf 'x' >"$T/key.pem"; chmod 644 "$T/key.pem"
{ sed '/^\[mariadb\]/,$d' "$T/api.conf"; printf 'tls.certificate = %s\ntls.key = %s\n' "$T/key.pem" "$T/key.pem"; } >"$T/bad5.conf"
out=$("$B/bin/dnsa-api" -n -c "$T/bad5.conf" 2>&1); case $out in *0600*) r=0 ;; *) r=1 ;; esac; ok $r "-n refuses a TLS key readable by others: $out"
sed "s|^listen = .*|listen = 127.0.0.1|" "$T/api.conf" >"$T/bad6.conf"
out=$("$B/bin/dnsa-api" -n -c "$T/bad6.conf" 2>&1); is "$?" 2 "-n refuses listen without a port: $out"

apistack_start; ok $? "dnsa-api started"
# get TOKEN PATH -> body in $T/body, status in $S
get() { S=$(curl -s -m 10 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"); }
schema() { oa resp "$DOC" "$1" "$S" "$T/body" >"$T/schema.err" 2>&1; r=$?; sed 's/^/# /' "$T/schema.err"; return $r; }
jq_() { python3 -c "import json,sys; d=json.load(open('$T/body')); $1"; }

# ---- the OpenAPI document ----
S=$(curl -s -o "$T/openapi.json" -w '%{http_code}' "$U/openapi.json"); is "$S" 200 "openapi.json served without a token"
cmp -s "$T/openapi.json" "$DOC"; ok $? "it is web/openapi.json"
oa doc "$DOC" >"$T/doc.err"; r=$?; sed 's/^/# /' "$T/doc.err"; ok $r "openapi.json is a structurally valid OpenAPI 3.0 document"

# ---- segregation, and every answer checked against the views as the same account ----
get "$TOK1" /zones; is "$S" 200 "p1: /zones"; schema /zones; ok $? "p1 /zones matches its schema"
is "$(jq_ 'print(",".join(d["zones"]), d["staff"])')" "zone0.test,zone1.test False" "p1 sees exactly zone0.test and zone1.test, not staff"
get "$TOK2" /zones; is "$(jq_ 'print(",".join(d["zones"]))')" "zone2.test" "p2 sees exactly zone2.test"
get "$TOKS" /zones; is "$(jq_ 'print(len(d["zones"]), d["staff"])')" "$(as alice staff-member-pw 'SELECT COUNT(*) FROM my_zones') True" "alice (staff) sees every zone"
FROM=$START; TO=$((START + 7200))
get "$TOK1" "/zones/zone0.test/qps?from=$FROM&to=$TO&step=hour"; is "$S" 200 "p1: zone0.test qps per hour"
schema "/zones/{zone}/qps"; ok $? "qps response matches its schema"
want=$(as p1 partner-one-pw "SELECT CONCAT(DATE_FORMAT(ts,'%Y-%m-%dT%H:%i:%sZ'),'=',queries) FROM zone_qps_hour WHERE zone='zone0.test' AND ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO) ORDER BY ts" | tr '\n' ' ')
is "$(jq_ 'print(" ".join("%s=%d" % (p["ts"], p["queries"]) for p in d["series"]), end=" ")')" "$want" "qps series equals zone_qps_hour read as p1"
exp=$(awk -F'[|\t]' '$1 == "S hour" && $3 == "zone0.test" && $4 == "*" && $5 == "total" { s += $7 } END { print s + 0 }' "$T/exp.txt")
is "$(jq_ 'print(sum(p["queries"] for p in d["series"]))')" "$exp" "and its sum equals the generator's known total ($exp)"
get "$TOK1" "/zones/ZONE0.TEST./qps?from=$FROM&to=$TO&step=hour"; is "$(jq_ 'print(d["zone"], len(d["series"]))')" "zone0.test 2" "zone names are case-insensitive, trailing dot optional"
get "$TOK1" "/zones/zone0.test/qps?from=$FROM&to=$TO"; is "$(jq_ 'print(d["window"]["step"], sum(p["queries"] for p in d["series"]))')" "minute $exp" "a 2-hour range defaults to minutes, same total"
for dim in qtype rcode country transport ipver; do
	get "$TOK1" "/zones/zone0.test/breakdown/$dim?from=$FROM&to=$TO&step=hour"
	schema "/zones/{zone}/breakdown/{dimension}"; r=$?
	want=$(as p1 partner-one-pw "SELECT CONCAT(val,'=',SUM(queries)) FROM zone_dim_hour WHERE zone='zone0.test' AND dim='$dim' AND ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO) GROUP BY val ORDER BY SUM(queries) DESC, val" | tr '\n' ' ')
	is "$S $r $(jq_ 'print(" ".join("%s=%d" % (v["value"], v["queries"]) for v in d["values"]), end=" ")')" "200 0 $want" "breakdown by $dim equals zone_dim_hour (and its schema)"
done
get "$TOK1" "/zones/zone0.test/top-names?from=$FROM&to=$TO&limit=5"; schema "/zones/{zone}/top-names"; r=$?
want=$(as p1 partner-one-pw "SELECT CONCAT(qname,'=',SUM(queries)) FROM zone_top_names_hour WHERE zone='zone0.test' AND ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO) GROUP BY qname ORDER BY SUM(queries) DESC, qname LIMIT 5" | tr '\n' ' ')
is "$S $r $(jq_ 'print(" ".join("%s=%d" % (v["qname"], v["queries"]) for v in d["names"]), end=" ")')" "200 0 $want" "top names equal zone_top_names_hour"
get "$TOK1" "/zones/zone0.test/top-names?from=$FROM&to=$TO&limit=5&rcode=NXDOMAIN"; schema "/zones/{zone}/top-names"; r=$?
want=$(as p1 partner-one-pw "SELECT CONCAT(qname,'=',SUM(queries)) FROM zone_top_names_rcode_hour WHERE zone='zone0.test' AND rcode='NXDOMAIN' AND ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO) GROUP BY qname ORDER BY SUM(queries) DESC, qname LIMIT 5" | tr '\n' ' ')
is "$S $r $(jq_ 'print(" ".join("%s=%d" % (v["qname"], v["queries"]) for v in d["names"]), end=" ")')" "200 0 $want" "top NXDOMAIN names equal zone_top_names_rcode_hour"
ok $(( ${#want} < 10 )) "there are NXDOMAIN names to compare ($want)"
get "$TOK1" "/zones/zone0.test/top-names?rcode=NOERROR"; is "$S $(jq_ 'print(d["error"]["parameter"])')" "400 rcode" "names are kept for NXDOMAIN only: another rcode is a 400"
get "$TOK1" "/zones/zone0.test/breakdown/answer_kind?from=$FROM&to=$TO&step=hour"; schema "/zones/{zone}/breakdown/{dimension}"; r=$?
want=$(as p1 partner-one-pw "SELECT CONCAT(kind,'=',SUM(responses)) FROM zone_answer_kind_hour WHERE zone='zone0.test' AND ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO) GROUP BY kind ORDER BY SUM(responses) DESC, kind" | tr '\n' ' ')
is "$S $r $(jq_ 'print(" ".join("%s=%d" % (v["value"], v["queries"]) for v in d["values"]))')" "200 0 ${want% }" "answer kinds equal zone_answer_kind_hour (none in synthetic data: answers_latency.t has real ones)"
get "$TOK1" "/zones/zone0.test/latency?from=$FROM&to=$TO&step=hour"; schema "/zones/{zone}/latency"; r=$?
want=$(as p1 partner-one-pw "SELECT COUNT(*) FROM zone_latency_pct_hour WHERE zone='zone0.test' AND metric='response' AND ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($TO)")
is "$S $r $(jq_ 'print(len(d["series"]))')" "200 0 $want" "latency percentiles: as many rows as zone_latency_pct_hour (and the schema)"
get "$TOK1" "/zones/zone0.test/latency?metric=jitter"; is "$S $(jq_ 'print(d["error"]["parameter"])')" "400 metric" "an unknown latency metric is a 400"
get "$TOK2" "/zones/zone0.test/latency"; is "$S" 404 "p2 cannot read p1's latency"
get "$TOK1" "/zones/zone2.test/qps"; is "$S" 404 "p1 cannot open p2's zone by URL (404)"; schema "/zones/{zone}/qps"; ok $? "404 body matches the error schema"
get "$TOK2" "/zones/zone0.test/breakdown/qtype"; is "$S" 404 "p2 cannot read p1's zone breakdown"
get "$TOK1" "/zones/nosuch.test/top-names"; is "$S" 404 "an unknown zone is the same 404"
get "$TOK1" "/nodes/health"; is "$S $(jq_ 'print(d["error"]["code"])')" "403 forbidden" "p1 may not read node health: MariaDB refuses it (403)"
get "$TOKS" "/nodes/health?from=$FROM&to=$((TO + 3600))&step=hour"; is "$S" 200 "alice reads node health"; schema /nodes/health; ok $? "node health matches its schema"
is "$(jq_ 'print(len(d["nodes"]))')" "$(as alice staff-member-pw "SELECT COUNT(*) FROM node_health_hour WHERE ts >= FROM_UNIXTIME($FROM) AND ts < FROM_UNIXTIME($((TO + 3600)))")" "node health rows equal node_health_hour's"

# ---- hostile parameters: a clear 4xx with the parameter named, nothing leaked ----
bad() { get "$TOK1" "$1"; is "$S $(jq_ 'e = d.get("error", {}); print(e.get("code"), e.get("parameter"))' 2>/dev/null)" "$2" "$3"; cat "$T/body" >>"$T/errors.json"; echo >>"$T/errors.json"; }
bad "/zones/zone0.test/qps?from=-5" "400 bad_parameter from" "negative from"
bad "/zones/zone0.test/qps?from=99999999999" "400 bad_parameter from" "from far in the future"
bad "/zones/zone0.test/qps?from=2026-02-30" "400 bad_parameter from" "February 30th"
bad "/zones/zone0.test/qps?from=$TO&to=$FROM" "400 bad_parameter from" "from after to"
bad "/zones/zone0.test/qps?step=week" "400 bad_parameter step" "unknown step"
bad "/zones/zone0.test/qps?from=2000-01-01&to=2100-01-01&step=minute" "400 bad_parameter step" "a century in minutes (too many points)"
bad "/zones/zone0.test/top-names?limit=0" "400 bad_parameter limit" "limit 0"
bad "/zones/zone0.test/top-names?limit=-1" "400 bad_parameter limit" "negative limit"
bad "/zones/zone0.test'%20OR%201=1--/qps" "400 bad_parameter zone" "SQL metacharacters in the zone"
bad "/zones/zone0.test/qps?from=1%27%20OR%20%271%27=%271" "400 bad_parameter from" "SQL metacharacters in a time"
bad "/zones/zone0.test/qps?color=red" "400 bad_parameter query" "an unknown parameter"
bad "/zones/zone0.test/breakdown/password" "404 not_found dimension" "an unknown dimension"
bad "/zones/zone0.test/qps?from=2001-01-01&to=2010-01-01" "200 None None" "nine years by default step are accepted (days)"
bad "/zones/zone0.test/qps?from=2000-01-01&to=2100-01-01" "400 bad_parameter step" "a century is over max_points even in days"
grep -Eiq 'select|mariadb|sql|/tmp|\.c:' "$T/errors.json"; ok $(( $? == 0 )) "no SQL text, server name or path in any error body"
S=$("$PY3" - "$PORT" "$TOK1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
try:
    s.sendall(b"GET /api/v1/zones?from=" + b"a" * 10000000 + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              sys.argv[2].encode() + b"\r\n\r\n")
except OSError:
    pass  # the server may close before reading it all; its answer was sent first
try:
    print(s.recv(100).split(b" ")[1].decode())
except (OSError, IndexError):
    print("closed")
PY
)
case $S in 4??) r=0 ;; *) r=1 ;; esac; ok $r "a 10 MB query string gets a 4xx ($S)"
S=$(curl -s -m 10 -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOK1" -d 'x=1' "$U/zones"); is "$S" 405 "POST is 405 (read-only API)"

# ---- authentication, revocation, rate limit ----
S=$(curl -s -o "$T/body" -w '%{http_code}' "$U/zones"); is "$S $(jq_ 'print(d["error"]["code"])')" "401 unauthorized" "no token: 401"
last=${TOK1: -1}; [ "$last" = 0 ] && wrong=${TOK1%?}1 || wrong=${TOK1%?}0
get "$wrong" /zones; is "$S" 401 "a token with one wrong digit: 401"
get "dnsa_00000000_$(printf '%064d' 0)" /zones; is "$S" 401 "an unknown token: 401"
TOKR=$(TK p2); sleep 1.1; get "$TOKR" /zones; is "$S" 200 "a new token works within a second, without a restart"
"$B/bin/dnsa-token" -f "$T/tokens" revoke "$(echo "$TOKR" | cut -d_ -f2)" 2>/dev/null; sleep 1.2
get "$TOKR" /zones; is "$S" 401 "revoked with dnsa-token revoke: 401 within ~1 s, without a restart"
get "$TOK2" /zones; is "$S" 200 "the other tokens still work"
# a token of an account without credentials: answered 503 without MariaDB, so the requests are
# fast and the limiter alone decides (burst 40, then 20/s)
TOKG=$(TK ghost); sleep 1.1
t0=$(date +%s.%N)
codes=$(seq 150 | xargs -P 4 -I{} curl -s -D "$T/h{}" -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKG" "$U/zones")
el=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
n429=$(echo "$codes" | grep -c 429); nok=$(( 150 - n429 ))
allowed=$(awk -v e="$el" 'BEGIN { printf "%d", 40 + e * 20 + 2 }')
ok $(( n429 == 0 || nok > allowed )) "150 requests in ${el}s with rate 20/s, burst 40: $nok passed (at most $allowed), $n429 got 429"
H=$(grep -l '^HTTP/1.1 429' "$T"/h[0-9]* | head -1 | xargs cat 2>/dev/null | tr -d '\r' | grep -i '^retry-after:'); ok $(( ${#H} == 0 )) "429 carries Retry-After ($H)"
get "$TOK1" /zones; is "$S" 200 "another token is not limited by p2's burst"

# ---- connections: pool bounded, slow clients dropped, many sockets cost nothing lasting ----
seq 40 | xargs -P 20 -I{} curl -s -o /dev/null -H "Authorization: Bearer $TOKS" "$U/zones/zone1.test/qps?from=$FROM&to=$TO&step=hour" &
XP=$!
maxc=0
for _ in $(seq 30); do c=$(mariadb_sql -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER='alice'"); [ "$c" -gt "$maxc" ] && maxc=$c; sleep 0.05; done
wait $XP
ok $(( maxc > 2 )) "20 concurrent clients use at most pool_size=2 MariaDB connections as alice (saw $maxc)"
python3 - "$PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/v1/zones HTTP/1.1\r\nHost: x\r\n")   # never finishes the request
t = time.time()
s.settimeout(8)
try:
    while s.recv(100):
        pass
except socket.timeout:
    sys.exit(1)
sys.exit(0 if time.time() - t < 6 else 1)
PY
SLOW=$!
get "$TOK1" /zones; is "$S" 200 "a slow client does not hold up others"
wait $SLOW; ok $? "the slow client is dropped after client_timeout (2 s)"
# a thousand connections held open from 127.0.0.1 (more than max_clients 64; at most half of them
# per address) while a client from 127.0.0.2 asks: it is answered during the flood
python3 - "$PORT" "$T/flood" <<'PY' &
import resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
socks, t = [], time.time()
for _ in range(1000):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
        s.setblocking(False)
        socks.append(s)
    except OSError:
        pass
open(sys.argv[2], "w").write("%d\n" % len(socks))
time.sleep(max(0, 3 - (time.time() - t)))
PY
FLOOD=$!
i=0; while [ ! -s "$T/flood" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
S=$(curl -s -m 10 --interface 127.0.0.2 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $TOK1" "$U/zones")
is "$S" "200" "while 1000 connections from 127.0.0.1 are held ($(cat "$T/flood" 2>/dev/null) opened; max_clients 64, 32 per address) a client from 127.0.0.2 is answered"
wait $FLOOD
get "$TOK1" /zones; is "$S" 200 "after the flood the daemon still answers"
kill -0 "$API_PID"; ok $? "dnsa-api is still running after the flood"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$API_PID/status"); ok $(( rss > 100000 )) "resident memory stays small under that load ($rss KiB)"

# ---- MariaDB down: 503, the daemon stays up, and recovers by itself ----
mariadb_stop
get "$TOK1" /zones; is "$S $(jq_ 'print(d["error"]["code"])')" "503 unavailable" "MariaDB down: 503"
kill -0 "$API_PID"; ok $? "dnsa-api is still running"
mariadb_restart
get "$TOK1" "/zones/zone0.test/qps?from=$FROM&to=$TO&step=hour"; is "$S $(jq_ 'print(sum(p["queries"] for p in d["series"]))')" "200 $exp" "MariaDB back: the same answer, no restart of dnsa-api"

# ---- the dashboard files are served with a strict policy ----
S=$(curl -s -D "$T/h" -o "$T/index" -w '%{http_code}' "http://127.0.0.1:$PORT/"); grep -q 'app.js' "$T/index"; is "$S $?" "200 0" "the dashboard page is served at /"
grep -qi "^content-security-policy: default-src 'self'" "$T/h"; ok $? "with a Content-Security-Policy"
S=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/chart.js"); is "$S" 200 "Chart.js from Debian's libjs-chart.js at /chart.js"
S=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "http://127.0.0.1:$PORT/../../etc/passwd"); is "$S" 404 "no path outside the dashboard files"

# ---- TLS built in (GnuTLS through libmicrohttpd): a self-signed certificate ----
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout "$T/tls.key" -out "$T/tls.crt" \
		>/dev/null 2>&1
	chmod 600 "$T/tls.key"
	TPORT=$(free_tcp)
	sed -e "s|^listen = .*|listen = 127.0.0.1:$TPORT|" -e "/^\[mariadb\]/i tls.certificate = $T/tls.crt\ntls.key = $T/tls.key" \
		"$T/api.conf" >"$T/tls.conf"
	"$B/bin/dnsa-api" -d -c "$T/tls.conf" 2>"$T/tls.log" &
	TLS_PID=$!
	for _ in $(seq 50); do curl -sk -o /dev/null "https://127.0.0.1:$TPORT/" && break; sleep 0.1; done
	S=$(curl -s --cacert "$T/tls.crt" -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $TOK1" "https://127.0.0.1:$TPORT/api/v1/zones")
	is "$S $(jq_ 'print(",".join(d["zones"]))')" "200 zone0.test,zone1.test" "over HTTPS, checked against the certificate: p1's zones"
	S=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TPORT/api/v1/zones")
	ok $(( S == 200 )) "plain HTTP to the TLS port gets no answer ($S)"
	kill -TERM "$TLS_PID"; wait "$TLS_PID"; is "$?" 0 "the TLS dnsa-api exits 0 on SIGTERM"
else
	skip "openssl not installed: TLS unchecked"
fi
apistack_stop; is "$?" 0 "dnsa-api exits 0 on SIGTERM"
grep -q 'stopping:' "$T/api.log"; ok $? "and logs its request summary"
done_testing
