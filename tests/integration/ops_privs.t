#!/bin/bash
# tests/integration/ops_privs.t: capd and aggd started as root drop to the configured user (checked in /proc).
#
# Both start as root with `user = nobody`-style settings, open what needs root
# (capd: node key, dnstap socket with the configured group and mode; aggd: UDP
# sockets), then must run as that user with no capability and no supplementary
# group but the configured one. Without a user they must refuse to run as root
# (unless allow_root). A nameserver-like client in the socket's group can
# connect to capd's socket; one outside it cannot (the permission gotcha).
: "${DNSA_BUILD:?DNSA_BUILD must point at the build directory}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$DNSA_BUILD/bin
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/proc.sh"

[ -x "$B/capd" ] && [ -x "$B/aggd" ] || { echo "1..0 # SKIP build/bin/capd and build/bin/aggd are not built yet"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP must run as root to test dropping root"; exit 0; }
[ -x /usr/bin/python3 ] && command -v setpriv > /dev/null && getent passwd nobody > /dev/null && getent group nogroup > /dev/null && getent passwd daemon > /dev/null ||
	{ echo "1..0 # SKIP needs /usr/bin/python3, setpriv, users nobody and daemon, group nogroup"; exit 0; }
U=nobody G=nogroup
UID_N=$(id -u $U) GID_N=$(getent group $G | cut -d: -f3)

T=$(mktemp -d /tmp/ops-privs.XXXXXX)
chmod 755 "$T"
PIDS=""
cleanup() { for p in $PIDS; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# status PID FIELD: the values of a /proc/PID/status line, tab-separated fields joined by spaces
status() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status" 2>/dev/null; }
# wait_uid PID UID: up to 5 s for the process to have switched to UID
wait_uid() { local i; for i in $(seq 100); do [ "$(status "$1" Uid | cut -d' ' -f1)" = "$2" ] && return 0
	kill -0 "$1" 2>/dev/null || return 1; sleep 0.05; done; return 1; }

PORT=$(free_port)
"$B/dnsa-keygen" -o "$T/node.key" ops-node > "$T/ring" || { echo "Bail out! dnsa-keygen"; exit 1; }

# --- aggd -------------------------------------------------------------------
mkdir -p "$T/agg"
cp "$T/ring" "$T/agg/ring"
chown -R $U:$G "$T/agg"          # keyring and staging dir belong to the user aggd becomes
chmod 700 "$T/agg"; chmod 600 "$T/agg/ring"
cat > "$T/aggd.conf" <<CONF
listen = 127.0.0.1:$PORT
keyring = $T/agg/ring
staging = $T/agg/staging.db
flush_ms = 10
user = $U
group = $G
CONF
"$B/aggd" -f -c "$T/aggd.conf" > "$T/aggd.log" 2>&1 &
AGGD=$!; PIDS="$PIDS $AGGD"
wait_uid $AGGD "$UID_N"; ok $? "aggd switched to $U"
is "$(status $AGGD Uid)" "$UID_N $UID_N $UID_N $UID_N" "aggd: real, effective, saved and fs uid are $U ($UID_N)"
is "$(status $AGGD Gid)" "$GID_N $GID_N $GID_N $GID_N" "aggd: every gid is $G ($GID_N)"
is "$(status $AGGD Groups)" "$GID_N" "aggd: supplementary groups are only $G"
is "$(status $AGGD CapEff):$(status $AGGD CapPrm)" "0000000000000000:0000000000000000" "aggd: no capability left"
# it still works as that user: datagrams from the node are staged
out=$("$B/dnsa-sender" -k "$T/node.key" -s 127.0.0.1:$PORT -n 5 -r 100 -T 20 2>&1)
echo "# dnsa-sender: $out"
for i in $(seq 100); do
	n=$(sqlite3 "file:$T/agg/staging.db?mode=ro" 'SELECT count(*) FROM datagram' 2>/dev/null)
	[ "${n:-0}" -ge 5 ] && break; sleep 0.1
done
stop_pid $AGGD; is "$?" "0" "aggd exits 0 on SIGTERM"
is "$(sqlite3 "$T/agg/staging.db" 'SELECT count(*) FROM datagram' 2>&1)" "5" "aggd as $U staged the 5 datagrams sent"
is "$(stat -c %U "$T/agg/staging.db")" "$U" "the staging database belongs to $U"

# no user: refuses to run as root; allow_root = yes: runs as root
grep -v '^user\|^group' "$T/aggd.conf" > "$T/aggd-root.conf"
timeout 10 "$B/aggd" -f -c "$T/aggd-root.conf" > "$T/aggd-root.log" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'refusing to run as root' "$T/aggd-root.log"
ok $? "aggd with no user refuses to run as root (exit $rc)"

# aggd started as a user with an ambient capability (systemd AmbientCapabilities=, e.g. to bind
# a port below 1024) gives it up once its sockets are bound (issue 13.10: it kept them)
grep -v '^user\|^group\|^listen' "$T/aggd.conf" > "$T/aggd-cap.conf"
echo "listen = 127.0.0.1:$(free_port)" >> "$T/aggd-cap.conf"
setpriv --reuid=$U --regid=$G --clear-groups --inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
	"$B/aggd" -f -c "$T/aggd-cap.conf" > "$T/aggd-cap.log" 2>&1 &
P=$!; PIDS="$PIDS $P"
for i in $(seq 100); do grep -q started "$T/aggd-cap.log" && break; kill -0 $P 2>/dev/null || break; sleep 0.05; done
grep -q started "$T/aggd-cap.log"; ok $? "aggd as $U with ambient CAP_NET_BIND_SERVICE started"
is "$(status $P CapEff):$(status $P CapPrm):$(status $P CapAmb)" "0000000000000000:0000000000000000:0000000000000000" \
	"aggd gave up its ambient capability after binding (effective, permitted, ambient all empty)"
stop_pid $P

# --- capd -------------------------------------------------------------------
mkdir -p "$T/run"; chmod 755 "$T/run"
cat > "$T/capd.conf" <<CONF
node_key = $T/node.key
aggregator = 127.0.0.1:$PORT
[zones]
zone = test
[dnstap]
socket = $T/run/dnstap.sock
socket_group = $G
socket_mode = 0660
[privileges]
user = $U
group = $G
CONF
"$B/capd" -f -c "$T/capd.conf" > "$T/capd.log" 2>&1 &
CAPD=$!; PIDS="$PIDS $CAPD"
wait_uid $CAPD "$UID_N"; ok $? "capd switched to $U"
is "$(status $CAPD Uid)" "$UID_N $UID_N $UID_N $UID_N" "capd: real, effective, saved and fs uid are $U ($UID_N)"
is "$(status $CAPD Gid)" "$GID_N $GID_N $GID_N $GID_N" "capd: every gid is $G ($GID_N)"
is "$(status $CAPD Groups)" "$GID_N" "capd: supplementary groups are only $G"
is "$(status $CAPD CapEff):$(status $CAPD CapPrm)" "0000000000000000:0000000000000000" "capd: no capability left"
is "$(stat -c '%F %a %G' "$T/run/dnstap.sock" 2>&1)" "socket 660 $G" "dnstap socket: group $G, mode 0660 as configured"
# a nameserver running as another user: in the socket's group it connects, outside it it cannot
connect='import socket,sys
s=socket.socket(socket.AF_UNIX,socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.strerror)'
is "$(timeout 10 setpriv --reuid=daemon --regid=$G --clear-groups /usr/bin/python3 -c "$connect" "$T/run/dnstap.sock" 2>&1)" \
	"connected" "a writer running as daemon in group $G can connect"
is "$(timeout 10 setpriv --reuid=daemon --regid=daemon --clear-groups /usr/bin/python3 -c "$connect" "$T/run/dnstap.sock" 2>&1)" \
	"Permission denied" "a writer outside group $G cannot (the silent-loss gotcha)"
kill -0 $CAPD 2>/dev/null; ok $? "capd still running after the connections"
stop_pid $CAPD; is "$?" "0" "capd exits 0 on SIGTERM"

sed '/^\[privileges\]/,$d' "$T/capd.conf" > "$T/capd-root.conf"
sed -i "s#$T/run/dnstap.sock#$T/run/root.sock#" "$T/capd-root.conf"
timeout 10 "$B/capd" -f -c "$T/capd-root.conf" > "$T/capd-root.log" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'refusing to run as root' "$T/capd-root.log"
ok $? "capd with no user refuses to run as root (exit $rc)"
printf '[privileges]\nallow_root = yes\n' >> "$T/capd-root.conf"
"$B/capd" -f -c "$T/capd-root.conf" > "$T/capd-allow.log" 2>&1 &
P=$!; PIDS="$PIDS $P"
for i in $(seq 100); do [ -S "$T/run/root.sock" ] && break; sleep 0.05; done
is "$(status $P Uid | cut -d' ' -f1)" "0" "capd with allow_root = yes keeps running as root"
stop_pid $P

# --- capd live capture as the pcap drop-in runs it: non-root, CAP_NET_RAW ambient only
cat > "$T/capd-pcap.conf" <<CONF
node_key = $T/pcap.key
aggregator = 127.0.0.1:$PORT
[zones]
zone = test
[dnstap]
socket =
[pcap]
interface = lo
server = 127.0.0.1
port = $(free_port)
CONF
"$B/dnsa-keygen" -o "$T/pcap.key" ops-pcap > /dev/null && chown $U "$T/pcap.key"
timeout 10 setpriv --reuid=$U --regid=$G --clear-groups "$B/capd" -f -c "$T/capd-pcap.conf" > "$T/pcap-nocap.log" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ]; ok $? "capd as $U without CAP_NET_RAW cannot open a live capture (exit $rc)"
setpriv --reuid=$U --regid=$G --clear-groups --inh-caps=+net_raw --ambient-caps=+net_raw \
	"$B/capd" -f -c "$T/capd-pcap.conf" > "$T/pcap.log" 2>&1 &
P=$!; PIDS="$PIDS $P"
for i in $(seq 40); do grep -q started "$T/pcap.log" && break; kill -0 $P 2>/dev/null || break; sleep 0.05; done
kill -0 $P 2>/dev/null && grep -q started "$T/pcap.log"
ok $? "capd as $U with ambient CAP_NET_RAW (capd-pcap.conf) captures on lo"
# once the capture is open, CAP_NET_RAW is no longer needed
[ "$(status $P CapEff)" = 0000000000000000 ] && [ "$(status $P CapPrm)" = 0000000000000000 ] &&
	[ "$(status $P CapAmb)" = 0000000000000000 ]
ok $? "capd gave up CAP_NET_RAW after opening the capture (CapEff $(status $P CapEff))"
grep -q 'no kernel sampling' "$T/pcap.log"
ok $? "without CAP_BPF capd says it does not sample in the kernel"
stop_pid $P
# the drop-in's pair: CAP_NET_RAW and CAP_BPF, the filter loaded before both are cleared
setpriv --reuid=$U --regid=$G --clear-groups --inh-caps=+net_raw,+bpf --ambient-caps=+net_raw,+bpf \
	"$B/capd" -f -c "$T/capd-pcap.conf" > "$T/pcap-bpf.log" 2>&1 &
P=$!; PIDS="$PIDS $P"
for i in $(seq 40); do grep -q started "$T/pcap-bpf.log" && break; kill -0 $P 2>/dev/null || break; sleep 0.05; done
kill -0 $P 2>/dev/null && grep -q 'sampling in the kernel' "$T/pcap-bpf.log"
ok $? "capd as $U with ambient CAP_NET_RAW and CAP_BPF samples in the kernel" || sed 's/^/# /' "$T/pcap-bpf.log"
[ "$(status $P CapEff)" = 0000000000000000 ] && [ "$(status $P CapPrm)" = 0000000000000000 ] &&
	[ "$(status $P CapAmb)" = 0000000000000000 ]
ok $? "capd gave up CAP_NET_RAW and CAP_BPF once the filter was attached (CapEff $(status $P CapEff))"
stop_pid $P

done_testing
