#!/bin/bash
# tests/integration/ops_man.t: man pages lint clean (mandoc, groff -ww, man -l) and match the programs.
#
# Each config page's option list must be exactly what docs/man/gen-conf-options
# makes from the built program's --help (every key, type, range, default and
# help of its conf_opt table); each program page must document every flag of
# the program's usage line; every operator tool of tools/ (what make install puts in bin/)
# has a page, which documents every flag of the tool's usage text.
: "${DNSA_BUILD:?DNSA_BUILD must point at the build directory}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
M=$SRC/docs/man
. "$SRC/tests/lib/tap.sh"
D=$(mktemp -d /tmp/ops-man.XXXXXX)
trap 'rm -rf "$D"' EXIT
command -v mandoc >/dev/null || { echo "1..0 # SKIP mandoc not installed"; exit 0; }

# the operator tools (tools/dnsa-*, built or scripts), each with a page in section 1
OPS_TOOLS=$(cd "$SRC/tools" && ls dnsa-* | sed 's/\.c$//' | sort -u)
# pages another branch adds: reported as TODO until they land (drop a name once its page is in)
PENDING=""
PAGES="capd.8 aggd.8 aggd-rollup.8 dnsa-api.8 capd.conf.5 aggd.conf.5 aggd-rollup.conf.5 dnsa-api.conf.5"
for t in $OPS_TOOLS; do PAGES="$PAGES $t.1"; done
for p in $PAGES; do
	if [ ! -f "$M/$p" ] && [ -n "$(echo " $PENDING " | grep -F " $p ")" ]; then
		todo 1 "docs/man/$p exists" "written on another branch"; continue
	fi
	[ -f "$M/$p" ]; ok $? "docs/man/$p exists"
done
# and no page is left out of these checks
for m in "$M"/*.[158]; do
	case " $PAGES " in *" $(basename "$m") "*) ;; *) ok 1 "$(basename "$m") is a checked page";; esac
done

for p in $PAGES; do
	[ -f "$M/$p" ] || continue
	# every message at every level (style included), except look-ups of pages
	# outside this tree, which depend on what the host has installed
	out=$(mandoc -T lint -W style "$M/$p" 2>&1 | grep -v 'referenced manual not found\|outdated mandoc.db')
	is "$out" "" "mandoc -T lint $p: clean"
	out=$(groff -ww -z -mandoc "$M/$p" 2>&1)
	is "$out" "" "groff -ww $p: no warning"
	out=$(MANWIDTH=80 man -l "$M/$p" 2>&1 > "$D/$p.txt")
	is "$?:$out" "0:" "man -l $p renders without a message"
	# the rendered NAME line names the program (it rendered real text, not nothing)
	name=${p%.[0-9]}
	grep -q "^ *$name [-–—] " "$D/$p.txt"; ok $? "man -l $p: NAME section reads '$name - ...'"
done

# every .Xr to a dnsa page points at a page that exists here
for x in $(grep -ho '^\.Xr [a-z.-]* [0-9]' $M/*.[158] | awk '{print $2"."$3}' | sort -u); do
	case "$x" in capd*|aggd*|dnsa-*) [ -f "$M/$x" ]; ok $? "cross-reference $x exists";; esac
done

# lint must be able to fail: a page with a broken list is reported
printf '.Dd November 26, 2026\n.Dt BROKEN 5\n.Os\n.Sh NAME\n.Nm broken\n.Nd x\n.Sh DESCRIPTION\n.Bl -tag\n.It x\n' > "$D/broken.5"
out=$(mandoc -T lint -W style "$D/broken.5" 2>&1 | grep -v 'referenced manual not found\|outdated mandoc.db')
[ -n "$out" ]; ok $? "mandoc -T lint reports a broken page (the check can fail)"

# option lists: generated from the programs' tables, no drift
for pair in capd:capd.conf.5 aggd:aggd.conf.5 aggd-rollup:aggd-rollup.conf.5 dnsa-api:dnsa-api.conf.5; do
	prog=${pair%%:*} page=${pair#*:}
	if [ ! -x "$DNSA_BUILD/bin/$prog" ]; then skip "$prog not built yet: $page option list unchecked"; continue; fi
	err=$("$M/gen-conf-options" --check "$DNSA_BUILD/bin/$prog" "$M/$page" 2>&1)
	is "$?:$err" "0:" "$page lists exactly the options of $prog --help"
	nkeys=$("$DNSA_BUILD/bin/$prog" --help | grep -c '^  [a-z][a-z0-9_.]* ')
	nitems=$(sed -n '/BEGIN OPTIONS/,/END OPTIONS/p' "$M/$page" | grep -c '^\.It Cm ')
	is "$nitems" "$nkeys" "$page: one entry per key ($nkeys keys)"
	# every key appears in the rendered page
	miss=""
	for k in $("$DNSA_BUILD/bin/$prog" --help | sed -n 's/^  \([a-z][a-z0-9_.]*\) .*/\1/p'); do
		grep -q "^ *${k##*.} = " "$D/$page.txt" || miss="$miss $k"
	done
	is "$miss" "" "man -l $page shows every key of $prog"
done
# the drift check must be able to fail: drop one entry from a copy
if [ -x "$DNSA_BUILD/bin/capd" ]; then
	awk '/^\.It Cm flush_ms/ { skip = 3 } skip { skip--; next } { print }' "$M/capd.conf.5" > "$D/stale.5"
	"$M/gen-conf-options" --check "$DNSA_BUILD/bin/capd" "$D/stale.5" 2>/dev/null
	is "$?" "1" "gen-conf-options --check reports a page missing an option"
fi

# program pages document every flag of the usage line
for prog in capd aggd aggd-rollup dnsa-api; do
	if [ ! -x "$DNSA_BUILD/bin/$prog" ]; then skip "$prog not built yet: flags unchecked"; continue; fi
	flags=$("$DNSA_BUILD/bin/$prog" --help | head -1 | sed "s/^usage: $prog//" | grep -o -- '-[a-zA-Z]' | tr -d - | sort -u | tr -d '\n')
	miss=""
	for f in $(echo "$flags" | fold -w1) h; do
		grep -q "^\.It Fl $f\b" "$M/$prog.8" || miss="$miss -$f"
	done
	is "$miss" "" "$prog.8 documents every flag of '$prog --help' (-$flags and -h)"
	grep -q '^\.It Fl h , Fl -help$' "$M/$prog.8"; ok $? "$prog.8 documents --help"
done

# operator tool pages document every flag of the tool's usage text (usage: line and its
# continuation lines); scripts run from tools/, C tools from the build
for t in $OPS_TOOLS; do
	[ -f "$M/$t.1" ] || continue
	if [ -x "$SRC/tools/$t" ]; then exe=$SRC/tools/$t; else exe=$DNSA_BUILD/bin/$t; fi
	if [ ! -x "$exe" ]; then skip "$t not built yet: flags unchecked"; continue; fi
	flags=$("$exe" -h 2>&1 | awk '/^usage:/ { u = 1; print; next } u && /^ {8,}\[/ { print; next } { u = 0 }' |
		grep -o -- '\[-[a-zA-Z]\| -[a-zA-Z]' | tr -d '[ -' | sort -u | tr -d '\n')
	[ -n "$flags" ]; ok $? "$t -h prints a usage line with flags (-$flags)"
	miss=""
	for f in $(echo "$flags" | fold -w1); do
		grep -q "^\.It Fl $f\b" "$M/$t.1" || miss="$miss -$f"
	done
	is "$miss" "" "$t.1 documents every flag of '$t -h'"
done

done_testing
