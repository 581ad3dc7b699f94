# tests/lib/knot.sh: start and stop a private Knot DNS (with mod-dnstap) in a temp dir on a free loopback port.
#
# Source it from a test script, then:
#   knot_start WORKDIR DNSTAP_SOCKET   starts knotd in the foreground (as a child) serving
#                                      the zones of KNOT_ZONES on 127.0.0.1@$KNOT_PORT and
#                                      ::1@$KNOT_PORT, dnstap of every query and response to
#                                      unix:DNSTAP_SOCKET; waits until every zone is loaded.
#                                      Sets KNOT_PID, KNOT_PORT, KNOT_DIR. Returns 1 on failure
#                                      (the log is printed as TAP comments).
#   knot_stop                          SIGTERM by PID (knotd flushes dnstap and sends STOP),
#                                      SIGKILL after 10 s. Safe to call twice; call it from trap.
#   free_port                          (proc.sh) a loopback port free for UDP and TCP, v4 and v6.
# The dnstap reader must be listening before knot_start: knotd only retries every few seconds.
# Zones come from tests/data/realservers (REALSERVERS overrides); KNOT_ZONES lists the zones
# to serve (default "example.test sample.test"), each from $KNOT_ZONEDIR/ZONE.zone.
# KNOT_STATS=1 also loads mod-stats, as a global module (node totals: knotc stats) and as a
# module of every zone (knotc zone-stats), for capd's [server_stats].

REALSERVERS=${REALSERVERS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/realservers" && pwd)}
KNOT_ZONES=${KNOT_ZONES:-example.test sample.test}
KNOT_ZONEDIR=${KNOT_ZONEDIR:-$REALSERVERS}
KNOT_PID=
KNOT_PORT=
KNOT_DIR=

# shellcheck source=tests/lib/proc.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

knot_start() {
    local dir=$1 sock=$2 i
    KNOT_DIR=$dir
    mkdir -p "$dir/db"
    local z nzones=0 zonelist=""
    for z in $KNOT_ZONES; do
        cp "$KNOT_ZONEDIR/$z.zone" "$dir/"
        zonelist="$zonelist  - domain: $z.
"
        nzones=$((nzones + 1))
    done
    KNOT_PORT=${KNOT_PORT:-$(free_port)}
    local stats="" gmod="mod-dnstap/tap" zmod=""
    if [ "${KNOT_STATS:-0}" = 1 ]; then
        stats="mod-stats:
  - id: stats
    request-protocol: on
    response-code: on"
        gmod="[ mod-stats/stats, mod-dnstap/tap ]"
        zmod="    module: mod-stats/stats"
    fi
    cat > "$dir/knot.conf" <<CONF
server:
    rundir: "$dir"
    listen: [ 127.0.0.1@$KNOT_PORT, ::1@$KNOT_PORT ]
log:
  - target: stderr
    any: info
database:
    storage: "$dir/db"
control:
    listen: "$dir/knot.ctl"
mod-dnstap:
  - id: tap
    sink: "unix:$sock"
    identity: "knot-test"
    log-queries: on
    log-responses: on
$stats
template:
  - id: default
    storage: "$dir"
    file: "%s.zone"
    global-module: $gmod
$zmod
zone:
${zonelist}
CONF
    knotd -c "$dir/knot.conf" > "$dir/knotd.log" 2>&1 &
    KNOT_PID=$!
    for i in $(seq 100); do
        if ! kill -0 "$KNOT_PID" 2>/dev/null; then
            sed 's/^/# knotd: /' "$dir/knotd.log"; KNOT_PID=; return 1
        fi
        # readiness through the control socket, so no probe query shows up in dnstap
        if [ "$(timeout 5 knotc -s "$dir/knot.ctl" zone-status 2>/dev/null | grep -c 'serial: [0-9]')" = "$nzones" ]; then
            return 0
        fi
        sleep 0.1
    done
    sed 's/^/# knotd: /' "$dir/knotd.log"
    knot_stop
    return 1
}

knot_stop() {
    local pid=$KNOT_PID
    KNOT_PID=
    stop_pid "$pid" TERM 10
    return 0
}
