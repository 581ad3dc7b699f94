#!/bin/bash
# tests/integration/ops_check.t: `-n` says "configuration OK" only if start-up would start: capd, aggd and aggd-rollup (issue 13.10).
#
# Each bad set-up below is refused by -n with FILE:LINE and the reason, and by
# the real start-up with the same line (one set of checks serves both): a
# 0644 or FIFO key file (refused at once, never waited on), pcap.server =
# not-an-ip, an 0644 or FIFO keyring, a node listed twice in the keyring, a
# staging directory the configured user cannot write, a staging file that
# is not a database (SQLite's own message), a rollup credentials file of
# mode 0644, a lock file that cannot be created.
: "${DNSA_BUILD:?DNSA_BUILD must point at the build directory}"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/tap.sh"
B=$DNSA_BUILD/bin
T=$(mktemp -d /tmp/ops-check.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
ROOT=0; [ "$(id -u)" = 0 ] && getent passwd nobody > /dev/null && ROOT=1

# check NAME WANT-RC WANT-TEXT CMD...: run CMD (bounded: 10 s), compare its exit status and look for the text
check() {
	local name=$1 want=$2 text=$3 out rc; shift 3
	out=$(timeout 10 "$@" 2>&1); rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$text" <<< "$out"; then ok 0 "$name"
	else ok 1 "$name"; diag "exit $rc (want $want), output:"; sed 's/^/#   /' <<< "$out"; diag "expected: $text"; fi
}

# --- capd ---------------------------------------------------------------------
"$B/dnsa-keygen" -o "$T/node.key" n1 > "$T/ring" || { echo "Bail out! dnsa-keygen"; exit 1; }
capd_conf() { printf 'node_key = %s\naggregator = 127.0.0.1:5300\n[zones]\nzone = test\n[privileges]\nallow_root = yes\n%s' "$1" "${2:-}" > "$T/c.conf"; }
capd_conf "$T/node.key"
check "capd -n: a good configuration" 0 "configuration OK" "$B/capd" -n -c "$T/c.conf"
chmod 644 "$T/node.key"
check "capd -n: a 0644 node key is refused with file:line and the reason" 1 \
	"$T/c.conf:1: node_key: $T/node.key: mode 0644: must be readable by its owner only (chmod 600" "$B/capd" -n -c "$T/c.conf"
check "capd start-up refuses it with the same line" 1 "$T/c.conf:1: node_key: $T/node.key: mode 0644" "$B/capd" -f -c "$T/c.conf"
chmod 600 "$T/node.key"
mkfifo "$T/fifo.key"
capd_conf "$T/fifo.key"
check "capd -n: a FIFO node key is refused at once (no hang)" 1 "$T/c.conf:1: node_key: $T/fifo.key: a FIFO, not a regular file" \
	"$B/capd" -n -c "$T/c.conf"
check "capd start-up with a FIFO key: refused at once too" 1 "a FIFO, not a regular file" "$B/capd" -f -c "$T/c.conf"
capd_conf "$T/node.key" "[pcap]
server = 192.0.2.53
server = not-an-ip
"
check "capd -n: pcap.server = not-an-ip is refused on its line" 1 "$T/c.conf:9: pcap.server: 'not-an-ip' is not an IP address" \
	"$B/capd" -n -c "$T/c.conf"
capd_conf "$T/node.key" "[client]
country_db = $T/missing.mmdb
"
check "capd -n: a missing country database is refused on its line" 1 "$T/c.conf:8: client.country_db: $T/missing.mmdb:" \
	"$B/capd" -n -c "$T/c.conf"

# --- aggd ---------------------------------------------------------------------
"$B/dnsa-keygen" -o "$T/n2.key" n2 >> "$T/ring"
mkdir "$T/agg"; cp "$T/ring" "$T/agg/ring"; chmod 600 "$T/agg/ring"
agg_conf() { printf 'listen = 127.0.0.1:5301\nkeyring = %s\nstaging = %s\n%s' "$1" "$2" "$3" > "$T/a.conf"; }
if [ $ROOT = 1 ]; then USERLINE='user = nobody'; chown -R nobody "$T/agg"; else USERLINE='allow_root = yes'; fi
agg_conf "$T/agg/ring" "$T/agg/s.db" "$USERLINE"
check "aggd -n: a good configuration" 0 "configuration OK" "$B/aggd" -n -c "$T/a.conf"
chmod 644 "$T/agg/ring"
check "aggd -n: a 0644 keyring is refused with file:line and the reason" 1 \
	"$T/a.conf:2: keyring: $T/agg/ring: mode 0644: must be readable by its owner only" "$B/aggd" -n -c "$T/a.conf"
chmod 600 "$T/agg/ring"
head -1 "$T/ring" >> "$T/agg/ring"
check "aggd -n: a node listed twice: the keyring's line and the reason" 1 \
	"$T/a.conf:2: keyring: $T/agg/ring:3: node listed a second time" "$B/aggd" -n -c "$T/a.conf"
check "aggd start-up refuses it with the same line" 1 "$T/a.conf:2: keyring: $T/agg/ring:3: node listed a second time" \
	"$B/aggd" -f -c "$T/a.conf"
chmod 600 "$T/agg/ring"; head -n -1 "$T/agg/ring" > "$T/agg/ring.1" && cat "$T/agg/ring.1" > "$T/agg/ring"
agg_conf "$T/agg/ring" "$T/agg/s.db" "$USERLINE
staging.rotate_mb = 2
staging.rotate_seconds = 5"
check "aggd -n: staging.rotate_mb = 2 is refused on its line (0 or at least 4)" 1 \
	"$T/a.conf:5: staging.rotate_mb: 2 MB: use 0 (no rotation by size) or at least 4" "$B/aggd" -n -c "$T/a.conf"
check "aggd -n: staging.rotate_seconds = 5 too (0 or at least 10)" 1 \
	"$T/a.conf:6: staging.rotate_seconds: 5 s: use 0 (no rotation by age) or at least 10" "$B/aggd" -n -c "$T/a.conf"
agg_conf "$T/agg/ring" "$T/agg/s.db" "$USERLINE
staging.rotate_mb = 0
staging.rotate_seconds = 0"
check "aggd -n: both 0 (no rotation) is a good configuration" 0 "configuration OK" "$B/aggd" -n -c "$T/a.conf"
mkfifo "$T/agg/fifo"
agg_conf "$T/agg/fifo" "$T/agg/s.db" "$USERLINE"
check "aggd -n: a FIFO keyring is refused at once (no hang)" 1 "keyring: $T/agg/fifo: a FIFO, not a regular file" \
	"$B/aggd" -n -c "$T/a.conf"
cp "$T/ring" "$T/agg/ring2"; chmod 600 "$T/agg/ring2"; [ $ROOT = 1 ] && chown nobody "$T/agg/ring2"
head -c 4096 /dev/urandom > "$T/agg/bad.db"
agg_conf "$T/agg/ring2" "$T/agg/bad.db" "$USERLINE"
check "aggd -n: a staging file that is not a database: SQLite's message" 1 \
	"$T/a.conf:3: staging: $T/agg/bad.db: file is not a database (SQLite)" "$B/aggd" -n -c "$T/a.conf"
check "aggd start-up refuses it with the same line" 1 "$T/a.conf:3: staging: $T/agg/bad.db: file is not a database" \
	"$B/aggd" -f -c "$T/a.conf"
if [ $ROOT = 1 ]; then
	mkdir "$T/rootonly"; chmod 755 "$T/rootonly"
	agg_conf "$T/agg/ring2" "$T/rootonly/s.db" "$USERLINE"
	check "aggd -n (as root, user = nobody): a staging directory nobody cannot write is refused" 1 \
		"$T/a.conf:3: staging: directory $T/rootonly is not writable by user 'nobody'" "$B/aggd" -n -c "$T/a.conf"
	check "aggd start-up refuses it before binding" 1 "directory $T/rootonly is not writable by user 'nobody'" \
		"$B/aggd" -f -c "$T/a.conf"
	chown root "$T/agg/ring2"
	agg_conf "$T/agg/ring2" "$T/agg/s.db" "$USERLINE"
	check "aggd -n: a keyring root can read but user nobody cannot is refused" 1 \
		"$T/a.conf:2: keyring: $T/agg/ring2: Permission denied" "$B/aggd" -n -c "$T/a.conf"
	agg_conf "$T/agg/ring2" "$T/agg/s.db" ""
	check "aggd -n as root with no user: start-up would refuse to run as root, so -n does" 1 "refusing to run as root" \
		"$B/aggd" -n -c "$T/a.conf"
else
	for i in 1 2 3 4; do ok 0 "# SKIP needs root and user nobody"; done
fi

# --- aggd-rollup --------------------------------------------------------------
printf 'user = u\npassword = p\n' > "$T/cred"; chmod 600 "$T/cred"
rollup_conf() { printf 'staging = %s\nlock_file = %s\n[mariadb]\ncredentials = %s\n' "$1" "$2" "$3" > "$T/r.conf"; }
sqlite3 "$T/staging.db" < "$HERE/../../sql/staging.sql" > /dev/null 2>&1 || sqlite3 "$T/staging.db" 'CREATE TABLE datagram(id); CREATE TABLE node_stats(id); CREATE TABLE quarantine(id)'
rollup_conf "$T/staging.db" "$T/r.lock" "$T/cred"
check "aggd-rollup -n: a good configuration" 0 "configuration OK" "$B/aggd-rollup" -n -c "$T/r.conf"
rollup_conf "$T/agg/bad.db" "$T/r.lock" "$T/cred"
check "aggd-rollup -n: a staging file that is not a database: SQLite's message" 2 \
	"$T/r.conf:1: staging: $T/agg/bad.db: file is not a database" "$B/aggd-rollup" -n -c "$T/r.conf"
rollup_conf "$T/staging.db" "$T/nodir/r.lock" "$T/cred"
check "aggd-rollup -n: a lock file that cannot be created" 2 "$T/r.conf:2: lock_file: $T/nodir/r.lock cannot be created" \
	"$B/aggd-rollup" -n -c "$T/r.conf"
chmod 644 "$T/cred"
rollup_conf "$T/staging.db" "$T/r.lock" "$T/cred"
check "aggd-rollup -n: a 0644 credentials file, with file:line" 2 \
	"$T/r.conf:4: mariadb.credentials: $T/cred: mode 0644: must be readable by its owner only" "$B/aggd-rollup" -n -c "$T/r.conf"
check "an aggd-rollup run refuses it with the same line" 2 "$T/r.conf:4: mariadb.credentials: $T/cred: mode 0644" \
	"$B/aggd-rollup" -c "$T/r.conf"

done_testing
