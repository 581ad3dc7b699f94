#!/bin/bash
# tests/integration/demo.t: `make demo`'s script end to end (short run): Knot -> capd -> aggd -> rollup -> MariaDB,
# and its report's total checked against dnsperf's answered queries.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
: "${DNSA_BUILD:=$SRC/build}"
export DNSA_BUILD
. "$SRC/tests/lib/tap.sh"
out=$(DURATION=${DEMO_DURATION:-6} KEEP=0 timeout 300 "$SRC/demo/run" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /' | tail -60
is "$rc" 0 "demo exits 0"
echo "$out" | grep -q "^DEMO OK: totals in SQL match what dnsperf sent"
ok $? "report total equals dnsperf's answered queries (minus the unlisted zone)"
answered=$(echo "$out" | awk '/^  total +sent/{print $5}')
[ "${answered:-0}" -gt 1000 ]; ok $? "dnsperf got answers (${answered:-none})"
echo "$out" | grep -Eq "\| (udp|tcp) +\| +[0-9]+ \| 6 "; ok $? "IPv6 and transport rows in the report"
echo "$out" | grep -A6 "^Partner shopco" | grep -q "shop.test" && ! echo "$out" | grep -A6 "^Partner shopco" | grep -q "example.test"
ok $? "partner sees only its zone"
echo "$out" | grep -q '^Dashboard: http://127.0.0.1:[0-9]*/'; ok $? "the demo prints the dashboard URL"
echo "$out" | grep -A3 "^One call, as the partner" | grep -q '"zone":"shop.test","window"'; ok $? "the partner's API call answers for shop.test"
echo "$out" | grep -q '"code":"not_found".*(HTTP 404)'; ok $? "and the zone it was not granted is a 404"
left=$(pgrep -f "/tmp/dnsa-demo\." | wc -l)
is "$left" 0 "no process left behind"
# without KEEP=1 the stack is gone: the closing lines must not point at its socket
sock=$(echo "$out" | sed -n '/^DEMO OK/,$p' | grep -o -- '--socket=[^ ]*' | head -1)
is "$sock" "" "the report's last lines name no socket that cleanup removed"
echo "$out" | tail -3 | grep -q "KEEP=1"; ok $? "the report says KEEP=1 keeps the stack to explore"
done_testing
