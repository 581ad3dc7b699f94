#!/bin/bash
# tests/integration/ops_units.t: the systemd units: installed tree verifies, hardening scores, users, timer.
#
# systemd is not PID 1 here, so everything is checked offline: `make install`
# into a temp DESTDIR, the units' ExecStart paths pointed at that tree (verify
# needs the binary to exist), MANPATH at its man pages (verify runs
# `man` for every Documentation= entry), then systemd-analyze verify and
# `security --offline=true`, and systemd-sysusers --root on a copy of /etc.
: "${DNSA_BUILD:?DNSA_BUILD must point at the build directory}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/tap.sh"
D=$(mktemp -d /tmp/ops-units.XXXXXX)
trap 'rm -rf "$D"' EXIT
SAN=0; case "$DNSA_BUILD" in *build-san) SAN=1;; esac

command -v systemd-analyze >/dev/null || { echo "1..0 # SKIP systemd-analyze not installed"; exit 0; }
timeout 300 make -s -C "$SRC" SAN=$SAN install PREFIX=/usr DESTDIR="$D/root" > "$D/install.log" 2>&1
ok $? "make install into a temp DESTDIR"
UNITS="capd.service aggd.service aggd-rollup.service aggd-rollup.timer dnsa-api.service"
mkdir -p "$D/v/capd.service.d"
for u in $UNITS; do
	sed "s#=/usr/sbin/#=$D/root/usr/sbin/#g" "$D/root/lib/systemd/system/$u" > "$D/v/$u"
done

# verify: exit status 0 AND no message (systemd-analyze exits 0 on unknown keys and bad values)
for u in $UNITS; do
	out=$(cd "$D/v" && MANPATH=$D/root/usr/share/man timeout 60 systemd-analyze verify "./$u" 2>&1)
	rc=$?
	is "$rc:$out" "0:" "systemd-analyze verify $u: no error, no warning"
done
# the same with the live-capture drop-in in place
cp "$SRC/systemd/capd-pcap.conf" "$D/v/capd.service.d/pcap.conf"
out=$(cd "$D/v" && MANPATH=$D/root/usr/share/man timeout 60 systemd-analyze verify ./capd.service 2>&1)
is "$?:$out" "0:" "systemd-analyze verify capd.service with the pcap drop-in"

# a unit with a typo must fail this check, or the check above proves nothing
sed 's/^ProtectSystem=strict/ProtectSystem=strickt/' "$D/v/aggd.service" > "$D/v/broken.service"
out=$(cd "$D/v" && MANPATH=$D/root/usr/share/man timeout 60 systemd-analyze verify ./broken.service 2>&1)
case "$out" in *"protect system value"*) ok 0 "a misspelt value is reported (the check can fail)";;
	*) ok 1 "a misspelt value is reported (the check can fail): '$out'";; esac
rm -f "$D/v/broken.service"

# exposure scores: "OK" (or better) for every service, with and without the drop-in
score() { # score DIR UNIT -> "N.N LEVEL"
	(cd "$1" && timeout 60 systemd-analyze security --offline=true "./$2" 2>/dev/null) |
		sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p'
}
good_level() { case "$1" in *" SAFE"|*" OK") return 0;; esac; return 1; }
mkdir -p "$D/plain"; for u in $UNITS; do cp "$D/v/$u" "$D/plain/"; done
for u in capd.service aggd.service aggd-rollup.service dnsa-api.service; do
	s=$(score "$D/plain" "$u")
	echo "# exposure $u: $s"
	good_level "$s"; ok $? "$u exposure is OK or better ($s)"
	awk -v s="${s%% *}" 'BEGIN { exit !(s != "" && s + 0 <= 1.5) }'
	ok $? "$u exposure <= 1.5 (regression guard; measured $s)"
done
s=$(score "$D/v" capd.service)
echo "# exposure capd.service + pcap drop-in: $s"
good_level "$s"; ok $? "capd.service with the pcap drop-in: exposure OK or better ($s)"

# what the units grant, read from the installed files
get() { sed -n "s/^$2=//p" "$D/plain/$1" | tail -1; }
for u in capd aggd aggd-rollup dnsa-api; do
	is "$(get $u.service NoNewPrivileges)/$(get $u.service ProtectSystem)/$(get $u.service ProtectHome)/$(get $u.service PrivateTmp)" \
		"yes/strict/yes/yes" "$u: NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp"
	is "$(get $u.service CapabilityBoundingSet)|$(get $u.service AmbientCapabilities)" "|" \
		"$u: no capability at all"
	case "$(grep '^SystemCallFilter=' "$D/plain/$u.service" | head -1)" in
		"SystemCallFilter=@system-service") ok 0 "$u: SystemCallFilter=@system-service";;
		*) ok 1 "$u: SystemCallFilter=@system-service";; esac
done
is "$(get capd.service User):$(get aggd.service User):$(get aggd-rollup.service User):$(get dnsa-api.service User)" \
	"dnsa-capd:dnsa-aggd:dnsa-rollup:dnsa-api" "each program has its own user"
is "$(get capd.service RuntimeDirectory):$(get capd.service ReadWritePaths)" "capd:" \
	"capd writes only its runtime dir (/run/capd, the dnstap socket)"
is "$(get capd.service StateDirectory)" capd "capd keeps its last boot id in its state dir (/var/lib/capd)"
is "$(get aggd.service StateDirectory):$(get aggd.service ReadWritePaths)" "dnsa:" \
	"aggd writes only its state dir (/var/lib/dnsa, staging)"
is "$(get aggd-rollup.service ReadWritePaths):$(get aggd-rollup.service Group)" "/var/lib/dnsa:dnsa-aggd" \
	"rollup writes only /var/lib/dnsa, as group dnsa-aggd"
is "$(sed -n 's/^CapabilityBoundingSet=//p' "$SRC/systemd/capd-pcap.conf")" "CAP_NET_RAW CAP_BPF" \
	"the pcap drop-in adds CAP_NET_RAW and CAP_BPF (kernel sampling) and nothing else"
is "$(sed -n 's/^AmbientCapabilities=//p' "$SRC/systemd/capd-pcap.conf")" "CAP_NET_RAW CAP_BPF" \
	"the pcap drop-in's ambient capabilities are the same two"
is "$(grep -h '^ExecStart=' "$D/root/lib/systemd/system/"*.service | awk '{print $1}' | sort | tr '\n' ' ')" \
	"ExecStart=/usr/sbin/aggd ExecStart=/usr/sbin/aggd-rollup ExecStart=/usr/sbin/capd ExecStart=/usr/sbin/dnsa-api " \
	"make install points ExecStart at \$(PREFIX)/sbin"
grep -q -- "-c /etc/dnsa/capd.conf" "$D/root/lib/systemd/system/capd.service"
ok $? "units read their config from \$(SYSCONFDIR)/dnsa"

# the users the units name, made by the installed sysusers file on a copy of /etc
mkdir -p "$D/sys/etc"
cp /etc/passwd /etc/group /etc/shadow /etc/gshadow "$D/sys/etc/" 2>/dev/null
timeout 60 systemd-sysusers --root="$D/sys" "$D/root/usr/lib/sysusers.d/dnsa.conf" > /dev/null 2>&1
ok $? "systemd-sysusers accepts dnsa.conf"
for u in dnsa-capd dnsa-aggd dnsa-rollup; do
	is "$(awk -F: -v u=$u '$1 == u { print $7 }' "$D/sys/etc/passwd")" "/usr/sbin/nologin" "sysusers made $u (no login)"
done
is "$(awk -F: '$1 == "dnsa-aggd" { print $4 }' "$D/sys/etc/group")" "dnsa-rollup" \
	"dnsa-rollup is a member of group dnsa-aggd (for cron runs)"
for u in capd aggd aggd-rollup; do
	g=$(get $u.service Group)
	awk -F: -v g="$g" '$1 == g { f = 1 } END { exit !f }' "$D/sys/etc/group"
	ok $? "$u.service's Group=$g exists after sysusers"
done

# the timer fires every minute: the next two elapses are 60 s apart
cal=$(sed -n 's/^OnCalendar=//p' "$D/plain/aggd-rollup.timer")
times=$(timeout 30 systemd-analyze calendar --iterations=2 "$cal" 2>/dev/null |
	sed -n 's/^ *\(Next elapse\|Iter\. #[0-9]*\): \(.*\)$/\2/p' | head -2)
t1=$(date -d "$(echo "$times" | sed -n 1p)" +%s 2>/dev/null)
t2=$(date -d "$(echo "$times" | sed -n 2p)" +%s 2>/dev/null)
is "$((t2 - t1))" "60" "aggd-rollup.timer ($cal) elapses every 60 s"
is "$(get aggd-rollup.service Type):$(get aggd-rollup.service SuccessExitStatus)" "oneshot:75" \
	"rollup is a oneshot; exit 75 (another run holds the lock) is not a failure"

done_testing
