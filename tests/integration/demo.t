#!/bin/bash
# tests/integration/demo.t: `make demo`'s script end to end (short run): Knot -> capd -> aggd -> rollup -> MariaDB,
# and its report's total checked against dnsperf's answered queries.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
: "${DNSA_BUILD:=$SRC/build}"
export DNSA_BUILD
echo "1..6"
out=$(DURATION=${DEMO_DURATION:-6} timeout 300 "$SRC/demo/run" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /' | tail -60
n=0
t() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
t '[ $rc -eq 0 ]' "demo exits 0 (status $rc)"
t 'echo "$out" | grep -q "^DEMO OK: totals in SQL match what dnsperf sent"' "report total equals dnsperf's answered queries (minus the unlisted zone)"
answered=$(echo "$out" | awk '/^  total +sent/{print $5}')
t '[ "${answered:-0}" -gt 1000 ]' "dnsperf got answers (${answered:-none})"
t 'echo "$out" | grep -Eq "\| (udp|tcp) +\| +[0-9]+ \| 6 "' "IPv6 and transport rows in the report"
t 'echo "$out" | grep -A6 "^Partner shopco" | grep -q "shop.test" && ! echo "$out" | grep -A6 "^Partner shopco" | grep -q "example.test"' "partner sees only its zone"
left=$(pgrep -f "/tmp/dnsa-demo\." | wc -l)
t '[ "$left" -eq 0 ]' "no process left behind ($left)"
