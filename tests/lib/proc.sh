# tests/lib/proc.sh: processes and ports for the integration scripts (and demo, bench, soak). Source it, then:
#   free_port                       prints a port free right now for UDP and TCP on both 127.0.0.1
#                                   and ::1 (every daemon here listens on both families)
#   stop_pid PID [SIGNAL] [SECS]    SIGNAL (default TERM), waits up to SECS (default 10), then
#                                   SIGKILL; reaps it. Returns the exit status when PID is a child
#                                   of this shell (0 when PID is empty or already gone)
#   wait_for SECS CMD [ARG...]      runs CMD every 0.05 s until it succeeds (0) or SECS have passed (1)
# Every wait is bounded: a hung daemon costs a test seconds, never the whole run.

free_port() {
	python3 - <<'PY'
import socket, sys
for _ in range(50):
    held = []
    try:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); held.append(t)
        t.bind(("127.0.0.1", 0))
        p = t.getsockname()[1]
        for fam, typ, host in ((socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1"),
                               (socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                               (socket.AF_INET6, socket.SOCK_STREAM, "::1")):
            s = socket.socket(fam, typ); held.append(s)
            s.bind((host, p))
    except OSError:
        continue
    finally:
        for s in held:
            s.close()
    print(p)
    sys.exit(0)
sys.exit(1)
PY
}

stop_pid() {
	local pid=$1 sig=${2:-TERM} secs=${3:-10} i
	[ -n "$pid" ] || return 0
	kill "-$sig" "$pid" 2>/dev/null
	for i in $(seq $((secs * 20))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

wait_for() {
	local secs=$1 i; shift
	for i in $(seq $((secs * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
