#!/bin/bash
# tests/integration/ops_install.t: `make install` lays out the expected tree and never overwrites a config.
: "${DNSA_BUILD:?DNSA_BUILD must point at the build directory}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/tap.sh"
D=$(mktemp -d /tmp/ops-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
SAN=0; case "$DNSA_BUILD" in *build-san) SAN=1;; esac
inst() { # inst DESTDIR [VAR=VALUE...]
	local dest=$1; shift
	timeout 300 make -s -C "$SRC" SAN=$SAN install DESTDIR="$dest" "$@" >> "$D/install.log" 2>&1
}
mode() { stat -c %a "$1" 2>/dev/null; }

# default layout: PREFIX=/usr/local, SYSCONFDIR=/etc
R=$D/a
inst "$R"; ok $? "make install DESTDIR=$R"
for p in capd aggd aggd-rollup; do
	if [ -x "$DNSA_BUILD/bin/$p" ]; then
		cmp -s "$DNSA_BUILD/bin/$p" "$R/usr/local/sbin/$p"
		ok $? "sbin/$p is the built $p"
		is "$(mode "$R/usr/local/sbin/$p")" "755" "sbin/$p mode 0755"
		"$R/usr/local/sbin/$p" --help > /dev/null 2>&1; ok $? "installed $p --help runs"
	else
		skip "$p not built yet"
	fi
done
cmp -s "$DNSA_BUILD/bin/dnsa-keygen" "$R/usr/local/bin/dnsa-keygen"; ok $? "bin/dnsa-keygen installed"
"$R/usr/local/bin/dnsa-keygen" -o "$D/n1.key" n1 > "$D/n1.line" 2>&1
is "$(mode "$D/n1.key"):$(cut -d' ' -f1 "$D/n1.line")" "600:n1" "installed dnsa-keygen makes a 0600 key and its keyring line"
# bin/ holds exactly the operator tools of tools/ (built or scripts); install-deps is a build helper
want=$(cd "$SRC/tools" && ls dnsa-* | sed 's/\.c$//' | sort | tr '\n' ' ')
is "$(cd "$R/usr/local/bin" && ls | sort | tr '\n' ' ')" "$want" "bin/ holds exactly the operator tools of tools/"
for t in dnsa-keygen dnsa-migrate dnsa-partner; do
	case " $want" in *" $t "*) ok 0 "$t is an operator tool in tools/" ;; *) ok 1 "$t is an operator tool in tools/" ;; esac
done
"$R/usr/local/bin/dnsa-migrate" -h > /dev/null 2>&1; ok $? "installed dnsa-migrate -h runs"
# nothing of tests/ or bench/ is installed (test helpers such as the hostile-datagram sender)
leak=""
for f in "$SRC"/tests/tools/* "$SRC"/bench/*; do
	b=$(basename "$f"); b=${b%.c}
	[ -n "$(find "$R" -name "$b" -print -quit)" ] && leak="$leak $b"
done
is "$leak" "" "no test helper (tests/tools/) or bench tool (bench/) is installed"
[ -x "$DNSA_BUILD/bin/dnsa-sender" ] && [ ! -e "$R/usr/local/bin/dnsa-sender" ]
ok $? "dnsa-sender is built but not installed"

for m in "$SRC"/docs/man/*.[158]; do
	b=$(basename "$m"); s=${b##*.}
	cmp -s "$m" "$R/usr/local/share/man/man$s/$b"; ok $? "man page man$s/$b"
done
for f in $(cd "$SRC" && find sql -type f -name '*.sql'); do
	cmp -s "$SRC/$f" "$R/usr/local/share/dnsa/$f"; ok $? "share/dnsa/$f"
done
for u in capd.service aggd.service aggd-rollup.service aggd-rollup.timer; do
	[ -f "$R/lib/systemd/system/$u" ]; ok $? "unit /lib/systemd/system/$u"
	is "$(mode "$R/lib/systemd/system/$u")" "644" "$u mode 0644"
done
grep -q '^ExecStart=/usr/local/sbin/capd -f -c /etc/dnsa/capd.conf$' "$R/lib/systemd/system/capd.service"
ok $? "capd.service runs /usr/local/sbin/capd with /etc/dnsa/capd.conf"
cmp -s "$SRC/systemd/dnsa.sysusers" "$R/usr/lib/sysusers.d/dnsa.conf"; ok $? "sysusers.d/dnsa.conf"
cmp -s "$SRC/systemd/capd-pcap.conf" "$R/usr/local/share/dnsa/systemd/capd-pcap.conf"; ok $? "pcap drop-in example"
cmp -s "$SRC/conf/aggd-rollup.cron" "$R/usr/local/share/dnsa/examples/aggd-rollup.cron"; ok $? "cron example"
[ ! -e "$R/etc/cron.d" ]; ok $? "no cron job installed (the timer is the default; cron is an example)"
confs=$(cd "$SRC/conf" && ls *.conf 2>/dev/null)
for c in $confs; do
	cmp -s "$SRC/conf/$c" "$R/etc/dnsa/$c"; ok $? "example config /etc/dnsa/$c"
	cmp -s "$SRC/conf/$c" "$R/usr/local/share/dnsa/examples/$c"; ok $? "pristine copy share/dnsa/examples/$c"
done

# a second install keeps an edited config, and refreshes everything else
if [ -n "$confs" ]; then
	for c in $confs; do echo "# edited by the operator" >> "$R/etc/dnsa/$c"; done
	echo garbage > "$R/usr/local/share/man/man8/capd.8"
	inst "$R"; ok $? "second make install"
	for c in $confs; do
		is "$(tail -1 "$R/etc/dnsa/$c")" "# edited by the operator" "second install kept the edited /etc/dnsa/$c"
	done
	cmp -s "$SRC/docs/man/capd.8" "$R/usr/local/share/man/man8/capd.8"; ok $? "second install refreshed a man page"
else
	# no example configs in conf/ yet: check the rule with an operator file only
	skip "no conf/*.conf examples yet: overwrite check done on the other files only"
fi

# PREFIX, SYSCONFDIR and the directories derived from them
R=$D/b
inst "$R" PREFIX=/opt/dnsa SYSCONFDIR=/etc/opt; ok $? "make install PREFIX=/opt/dnsa SYSCONFDIR=/etc/opt"
[ -x "$R/opt/dnsa/bin/dnsa-keygen" ] && [ -d "$R/opt/dnsa/share/man/man8" ] && [ -d "$R/opt/dnsa/share/dnsa/sql" ]
ok $? "everything under /opt/dnsa"
is "$(sed -n 's/^ExecStart=//p' "$R/lib/systemd/system/aggd.service")" "/opt/dnsa/sbin/aggd -f -c /etc/opt/dnsa/aggd.conf" \
	"aggd.service follows PREFIX and SYSCONFDIR"
is "$(sed -n 's/^ExecStart=//p' "$R/lib/systemd/system/aggd-rollup.service")" \
	"/opt/dnsa/sbin/aggd-rollup -c /etc/opt/dnsa/aggd-rollup.conf" "aggd-rollup.service follows PREFIX and SYSCONFDIR"
is "$(find "$R" -path "$R/opt" -prune -o -path "$R/lib" -prune -o -path "$R/usr/lib" -prune \
	-o -path "$R/etc" -prune -o -print | grep -v "^$R\$\|^$R/usr\$" | wc -l)" "0" "nothing outside PREFIX, SYSCONFDIR, units and sysusers"

done_testing
