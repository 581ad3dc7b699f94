# tests/lib/tap.sh: TAP helpers for the integration scripts (and tests/soak). Source it once, then:
#   ok STATUS NAME          passes when STATUS is 0
#   is GOT WANT NAME        passes when the strings are equal; shows both otherwise
#   todo STATUS NAME WHY    as ok, marked TODO (a known gap: reported, does not fail the run)
#   skip REASON             a skipped test (counts as run)
#   diag TEXT               a TAP comment
#   done_testing            prints the plan and the failure count; its status is the script's
#                           (end every script with it)
# TAP_N counts the tests run, TAP_FAIL the failures (names no script uses for its own data).
TAP_N=0
TAP_FAIL=0
ok() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAIL=$((TAP_FAIL + 1)); fi
}
is() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" = "$2" ]; then echo "ok $TAP_N - $3"
	else echo "not ok $TAP_N - $3"; echo "#   got: '$1'"; echo "#   expected: '$2'"; TAP_FAIL=$((TAP_FAIL + 1)); fi
}
todo() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" = 0 ]; then echo "ok $TAP_N - $2 # TODO $3"; else echo "not ok $TAP_N - $2 # TODO $3"; fi
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
diag() { echo "# $*"; }
done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAIL" = 0 ] && return 0
	echo "# $TAP_FAIL of $TAP_N failed"
	return 1
}
