#!/bin/bash
# tests/integration/test_harness.t: every test script uses the one harness: no private ok/is/stop_pid/free_port/wait_for, a plan at the end.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/tap.sh"
cd "$SRC" || exit 1
scripts="tests/integration/*.t tests/soak demo/run bench/run bench/bench-rollup bench/pcap-bench tests/lib/*.sh"
# defs FILE...: definitions of the harness's helper names, as FILE:LINE:TEXT
defs() { grep -nHE '^[[:space:]]*(ok|is|skip|todo|diag|done_testing|stop_pid|free_port|wait_for)[[:space:]]*\(\)' "$@"; }
# shellcheck disable=SC2086
own=$(defs $scripts | grep -v '^tests/lib/\(tap\|proc\)\.sh:')
is "$own" "" "no script defines its own TAP or process/port helper (tests/lib/tap.sh, tests/lib/proc.sh have them)"
miss=""
for t in tests/integration/*.t tests/soak; do
	# a script ends with done_testing, or hands over to one that does (exec)
	last=$(grep -v '^[[:space:]]*$' "$t" | tail -1)
	case "$last" in done_testing|exec\ *) ;; *) miss="$miss $t";; esac
done
is "$miss" "" "every test script ends with done_testing (plan and failure count at the end)"
early=$(grep -lE '^echo "1\.\.[1-9][0-9]*"$' tests/integration/*.t tests/soak)
is "$early" "" "no script prints a fixed plan up front"
# the checks can fail: a script with a private ok() is found
probe=$(mktemp /tmp/harness-probe.XXXXXX)
printf '#!/bin/bash\nstop_pid() { kill "$1"; }\n  ok () { :; }\n' > "$probe"
is "$(defs "$probe" | wc -l)" 2 "the check finds both private helpers of a probe script"
rm -f "$probe"
done_testing
