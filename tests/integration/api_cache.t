#!/bin/bash
# tests/integration/api_cache.t: dnsa-api's answer cache: per account only (a partner never gets another account's answer), cache_ttl = 0 turns it off.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/tap.sh"
. "$ROOT/tests/lib/mariadb.sh"
T=$(mktemp -d /tmp/dnsa-apicache.XXXXXX)
cleanup() {
	apistack_stop
	mariadb_stop
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging" "$B/bin/dnsa-api" "$B/bin/dnsa-token"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
. "$ROOT/tests/lib/apistack.sh"
apistack_data
ok 0 "schema, rollup, partners p1 (zone0, zone1), p2 (zone2), staff alice"

# get TOKEN PATH -> body in $T/body, status in $S
get() { S=$(curl -s -m 10 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"); }
code() { python3 -c "import json; print(json.load(open('$T/body')).get('error', {}).get('code', '-'))"; }
total() { python3 -c "import json; print(sum(r['queries'] for r in json.load(open('$T/body'))['series']))"; }
bump() { mariadb --no-defaults -S "$MDB_SOCK" -u root dnsa -e "UPDATE series_minute SET est = est + 1000 WHERE node_id = 0 AND dim = 'total'"; }
W="from=$START&to=$((START + 7200))&step=minute"

# ---- cache on, long enough that nothing expires during the test ----
apistack_conf "cache_ttl = 60" "rate = 1000" "burst = 1000"
apistack_start; ok $? "dnsa-api started with cache_ttl = 60"
get "$TOK1" "/zones/zone0.test/qps?$W"; is "$S" 200 "p1 reads zone0 (its answer is now cached)"
cp "$T/body" "$T/p1-zone0"; t1=$(total)
ok $(( t1 > 0 ? 0 : 1 )) "p1's answer holds queries ($t1)"
get "$TOK2" "/zones/zone0.test/qps?$W"; is "$S $(code)" "404 not_found" "p2 asking the very same request does not get p1's cached answer: 404"
cmp -s "$T/body" "$T/p1-zone0"; ok $(( $? == 0 ? 1 : 0 )) "and its body is not p1's"
get "$TOKS" "/zones/zone2.test/qps?$W"; is "$S" 200 "staff alice reads zone2 (cached for alice)"
get "$TOK1" "/zones/zone2.test/qps?$W"; is "$S $(code)" "404 not_found" "p1 asking alice's request does not get alice's answer: 404"
get "$TOK2" "/zones/zone2.test/qps?$W"; is "$S" 200 "p2 may read zone2: 200 (MariaDB's answer to p2)"
# the same question twice after the data changed: the cache answers
bump
get "$TOK1" "/zones/zone0.test/qps?$W"; is "$S" 200 "p1 again after the data changed"
cmp -s "$T/body" "$T/p1-zone0"; ok $? "within cache_ttl p1 gets its own cached answer, byte for byte"
get "$TOK1" "/zones/zone0.test/qps?from=$START&to=$((START + 7200))"; is "$S" 200 "the same window asked differently (no step) is another key"
ok $(( $(total) > t1 ? 0 : 1 )) "and MariaDB's answer to it has the new data ($(total) > $t1)"
get "$TOK1" "/zones/zone0.test/qps?from=%3B&to=1"; is "$S $(code)" "400 bad_parameter" "a bad parameter is still refused (errors are not cached)"
get "nope" "/zones/zone0.test/qps?$W"; is "$S" 401 "no token: 401, not the cached answer"
apistack_stop; ok $? "dnsa-api exits 0"
grep -q 'answer cache [1-9][0-9]* hits' "$T/api.log"; ok $? "it counted its cache hits: $(grep -o 'answer cache.*' "$T/api.log" | tail -1)"

# ---- cache_ttl = 0: every request goes to MariaDB ----
apistack_conf "cache_ttl = 0" "rate = 1000" "burst = 1000"
apistack_start; ok $? "dnsa-api started with cache_ttl = 0"
get "$TOK1" "/zones/zone0.test/qps?$W"; is "$S" 200 "p1 reads zone0"
a=$(total)
ok $(( a > t1 ? 0 : 1 )) "the new data, not the first daemon's cached answer ($a > $t1)"
bump
get "$TOK1" "/zones/zone0.test/qps?$W"; is "$S" 200 "p1 reads zone0 again after the data changed"
b=$(total)
ok $(( b > a ? 0 : 1 )) "with cache_ttl = 0 the second answer shows the change at once ($b > $a)"
get "$TOK2" "/zones/zone0.test/qps?$W"; is "$S $(code)" "404 not_found" "p2: still 404"
apistack_stop; ok $? "dnsa-api exits 0"
grep -q 'answer cache 0 hits, 0 misses' "$T/api.log"; ok $? "no cache was consulted: $(grep -o 'answer cache.*' "$T/api.log" | tail -1)"
done_testing
