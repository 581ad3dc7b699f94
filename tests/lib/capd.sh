# tests/lib/capd.sh: shared set-up for capd integration tests: temp dir, node key, geo DBs, receiver, capd.
#
#   capd_setup                 makes $T (temp dir), $T/node.key, $T/country.mmdb, $T/asn.mmdb;
#                              installs the cleanup trap (stops every process started here by PID)
#   recv_start NAME [ARGS]     starts dnsa-recv writing $T/NAME.out, sets RECV_PID and RECV_PORT
#   recv_stop                  SIGTERM to the receiver, waits (its summary is then in $T/NAME.out)
#   capd_conf FILE [KEY=VAL]   writes a config for the current receiver; extra lines are appended
#   capd_start CONF            starts capd -f in the background, sets CAPD_PID; waits for the socket
#   capd_stop                  SIGTERM (flush + final counters), waits up to 10 s, then SIGKILL
#   sumcol FILE PATTERN COL    sum of column COL over lines matching the awk PATTERN
# Needs DNSA_BUILD (absolute build dir). Every wait is bounded. stop_pid is proc.sh's.

: "${DNSA_BUILD:?DNSA_BUILD must point at the build directory}"
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/proc.sh
. "$SRC/tests/lib/proc.sh"
CAPD=$DNSA_BUILD/bin/capd
RECV=$DNSA_BUILD/bin/dnsa-recv
RECV_PID=
RECV_PORT=
RECV_OUT=
CAPD_PID=
T=

capd_cleanup() {
    [ "$(type -t knot_stop)" = function ] && knot_stop
    stop_pid "$CAPD_PID" TERM; CAPD_PID=
    stop_pid "$RECV_PID" TERM; RECV_PID=
    [ -n "$T" ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
    [ -n "${KEEP:-}" ] && echo "# kept $T"
    return 0
}

capd_setup() {
    T=$(mktemp -d /tmp/capd-test.XXXXXX)
    trap capd_cleanup EXIT
    trap 'exit 130' INT TERM
    "$DNSA_BUILD/bin/dnsa-keygen" -o "$T/node.key" node-test >/dev/null || { echo "Bail out! dnsa-keygen"; exit 1; }
    "$SRC/tests/tools/mkmmdb" -t country -o "$T/country.mmdb" || { echo "Bail out! mkmmdb country"; exit 1; }
    "$SRC/tests/tools/mkmmdb" -t asn -o "$T/asn.mmdb" || { echo "Bail out! mkmmdb asn"; exit 1; }
}

recv_start() {
    local name=$1 i; shift
    RECV_OUT=$T/$name.out
    rm -f "$T/recv.port"
    "$RECV" -k "$T/node.key" -p "$T/recv.port" -t 120 "$@" > "$RECV_OUT" &
    RECV_PID=$!
    for i in $(seq 50); do [ -s "$T/recv.port" ] && break; sleep 0.05; done
    RECV_PORT=$(cat "$T/recv.port" 2>/dev/null)
    [ -n "$RECV_PORT" ] || { echo "Bail out! dnsa-recv did not start"; exit 1; }
}

recv_stop() {
    stop_pid "$RECV_PID" TERM; RECV_PID=
}

capd_conf() {
    local f=$1; shift
    {
        echo "node_key = $T/node.key"
        echo "aggregator = 127.0.0.1:$RECV_PORT"
        echo "counters_interval = 1"
        for l in "$@"; do echo "$l"; done
    } > "$f"
}

capd_start() {
    local conf=$1 sock i
    sock=$(awk -F' *= *' '$1=="socket"{print $2}' "$conf")
    "$CAPD" -f -c "$conf" > "$T/capd.log" 2>&1 &
    CAPD_PID=$!
    for i in $(seq 100); do
        [ -n "$sock" ] && [ -S "$sock" ] && return 0
        kill -0 "$CAPD_PID" 2>/dev/null || { sed 's/^/# capd: /' "$T/capd.log"; CAPD_PID=; return 1; }
        sleep 0.05
    done
    [ -z "$sock" ] && return 0
    sed 's/^/# capd: /' "$T/capd.log"
    return 1
}

# capd_wait_conns N: wait (up to 10 s) until capd has logged N dnstap connections accepted in all.
# A nameserver connects asynchronously after it is up; messages before that are lost by it.
capd_wait_conns() {
    local want=$1 i
    for i in $(seq 100); do
        [ "$(awk '/connection\(s\) accepted/ { s += $3 } END { print s + 0 }' "$T/capd.log")" -ge "$want" ] && return 0
        sleep 0.1
    done
    echo "# capd did not see $want dnstap connection(s)"
    return 1
}

capd_stop() {
    stop_pid "$CAPD_PID" TERM; CAPD_PID=
}

sumcol() {   # sumcol FILE AWK-CONDITION COLUMN
    awk "$2 { s += \$$3 } END { print s + 0 }" "$1"
}
