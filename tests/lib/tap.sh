# tests/lib/tap.sh: TAP helpers for the integration scripts. Source it, then:
#   ok STATUS NAME        passes when STATUS is 0
#   is GOT WANT NAME      passes when the strings are equal; shows both otherwise
#   skip REASON           a skipped test (counts as run)
#   diag TEXT             a TAP comment
#   done_testing          prints the plan and the failure count; its status is the script's
#                         (end every script with it)
# $n counts the tests run, $fails the failures.
n=0
fails=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails+1)); fi; }
is() { n=$((n+1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got: '$1'"; echo "#   expected: '$2'"; fails=$((fails+1)); fi; }
skip() { n=$((n+1)); echo "ok $n # SKIP $*"; }
diag() { echo "# $*"; }
done_testing() { echo "1..$n"; [ "$fails" = 0 ] && return 0; echo "# $fails of $n failed"; return 1; }
