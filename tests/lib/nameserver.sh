# tests/lib/nameserver.sh: BIND 9, NSD, Unbound and dnsdist in the foreground on loopback, feeding capd's dnstap socket.
#
# Source it after tests/lib/pipeline.sh (which gives $T, capd, aggd, MariaDB and Knot), then:
#   ns_init SERVER          bind|nsd|unbound|dnsdist: sets NS, NS_USER (the Debian package's user),
#                           NS_PORT (free), NS_DIR ($T/SERVER, owned by NS_USER), NS_QUERIES (dnsperf
#                           input from tests/data/realservers), NS_ZONES (the zones capd lists)
#   ns_capd_conf [LINES]    pipeline's capd.conf for NS_ZONES, sampling "all", and the socket given to
#                           NS_USER's group, mode 0660 (the documented setup with capd started as root)
#   ns_start                the server in the foreground (a child of the test), as NS_USER, config from
#                           tests/data/realservers/SERVER.conf (named.conf for bind); waits (bounded)
#                           until its log says it serves (no probe query, so nothing extra in dnstap).
#                           Sets NS_PID. Returns 1 (log shown) on failure.
#                           Unbound and dnsdist get a plain Knot (no dnstap) behind them, from ns_init.
#   ns_stop                 SIGTERM by PID, SIGKILL after 10 s (safe to call twice; also in the cleanup)
#   ns_perf NAME udp|tcp 4|6 RUNS [rd0]
#                           dnsperf -v, RUNS times through NS_QUERIES at a moderate rate; each answer
#                           it got is appended to $T/answered.txt as "zone qtype rcode transport ipver"
#                           (zone "." when none of NS_ZONES). rd0: binary queries with RD=0, one
#                           outstanding, so the n-th answer belongs to the n-th query. Sets PERF_SENT,
#                           PERF_DONE, PERF_LOST and adds PERF_LOST to NS_LOST.
#   ns_conns                dnstap connections capd has accepted (from its log, current run)
#   ns_denied               restart the server with the socket in group root: TAP tests that it does not
#                           connect, and whether it logs why; then the socket's group is restored
#   ns_staged               records staged so far (aggd's staging database)
#   ns_wait_staged N        wait (up to 10 s) until N records are staged
#   ns_sql_check            after a rollup: TAP tests that SQL per zone, and per zone and qtype, rcode,
#                           transport and IP version, equals $T/answered.txt
# The common course of a test, as TAP tests:
#   ns_begin SERVER         MariaDB, aggd, capd (socket in NS_USER's group), the server as NS_USER;
#                           checks the socket's group and mode, the server's user, and that it connects
#   ns_restart              every answer so far is staged; the server restarts and reconnects
#   ns_finish [denied|keep] every answer staged, dnsperf lost nothing; ns_denied (denied) or the server
#                           stopped (unless keep); capd and aggd stop, one rollup, ns_sql_check
# Every process is stopped by its PID; every wait is bounded.

NS=
NS_PID=
NS_LOST=0
NS_ANSWERED=
NS_ZONES="example.test sample.test"

ns_cleanup() {
	ns_stop
	pipe_cleanup
}

ns_init() {
	NS=$1
	case "$NS" in
	bind) NS_USER=bind; NS_QUERIES=$REALSERVERS/queries.txt ;;
	nsd) NS_USER=nsd; NS_QUERIES=$REALSERVERS/queries.txt ;;
	unbound) NS_USER=unbound; NS_QUERIES=$REALSERVERS/queries-unbound.txt; NS_ZONES="$NS_ZONES local.test" ;;
	dnsdist) NS_USER=_dnsdist; NS_QUERIES=$REALSERVERS/queries.txt ;;
	*) echo "Bail out! ns_init: unknown server $NS"; exit 1 ;;
	esac
	trap ns_cleanup EXIT
	NS_PORT=$(free_port)
	NS_DIR=$T/$NS
	NS_ANSWERED=$T/answered.txt
	: > "$NS_ANSWERED"
	mkdir -p "$NS_DIR"
	cp "$REALSERVERS/example.test.zone" "$REALSERVERS/sample.test.zone" "$NS_DIR/"
	chown -R "$NS_USER:" "$NS_DIR"
	case "$NS" in unbound | dnsdist)
		# the authoritative server behind it; its dnstap socket has no listener, so it sends nothing
		knot_start "$T/knot" "$T/no-listener.sock" || { echo "Bail out! knotd (backend) did not start"; exit 1; }
	esac
}

ns_capd_conf() {
	pipe_capd_conf "$@"
	# the zones, the socket's group, batches sent after 200 ms (the test waits for them)
	sed -i "s/^zone = .*/zone = $NS_ZONES/; s/^socket = .*/&\nsocket_group = $NS_USER\nsocket_mode = 0660/;
	        s/^counters_interval = .*/&\nflush_ms = 200/" "$T/capd.conf"
	grep -q '^\[sampling\]' "$T/capd.conf" || printf '[sampling]\nmode = all\n' >> "$T/capd.conf"
}

ns_start() {
	local conf=$NS_DIR/$NS.conf log=$NS_DIR/$NS.log ready i tmpl=$NS.conf
	[ "$NS" = bind ] && tmpl=named.conf
	sed "s#@DIR@#$NS_DIR#g; s#@PORT@#$NS_PORT#g; s#@SOCK@#$SOCK#g; s#@USER@#$NS_USER#g; s#@KNOT_PORT@#${KNOT_PORT:-0}#g" \
		"$REALSERVERS/$tmpl" > "$conf"
	chown "$NS_USER:" "$conf"
	case "$NS" in
	bind) named -g -u bind -c "$conf" > "$log" 2>&1 & ready='running$' ;;
	nsd) nsd -d -c "$conf" > "$NS_DIR/nsd.out" 2>&1 & ready='nsd started' ;;   # logs to $NS_DIR/nsd.log
	unbound) unbound -d -c "$conf" > "$log" 2>&1 & ready='start of service' ;;
	dnsdist) dnsdist --supervised --disable-syslog -u _dnsdist -g _dnsdist -C "$conf" > "$log" 2>&1 &
		ready="Marking downstream .* as 'up'" ;;
	esac
	NS_PID=$!
	for i in $(seq 150); do
		grep -q "$ready" "$log" 2>/dev/null && return 0
		kill -0 "$NS_PID" 2>/dev/null || break
		sleep 0.1
	done
	sed "s/^/# $NS: /" "$NS_DIR"/*.log | tail -20
	ns_stop
	return 1
}

ns_stop() {
	stop_pid "$NS_PID" TERM
	NS_PID=
}

# the answers dnsperf -v printed ("> RCODE QNAME QTYPE LATENCY"), classified by zone
ns_classify() { # ns_classify TRANSPORT IPVER < dnsperf output
	awk -v tr="$1" -v ip="$2" -v zones="$NS_ZONES" '
	BEGIN { nz = split(zones, Z, " ") }
	$1 == ">" {
		name = tolower($3); z = "."
		for (i = 1; i <= nz; i++)
			if (name == Z[i] || substr(name, length(name) - length(Z[i])) == "." Z[i]) z = Z[i]
		print z, $4, $2, tr, ip
	}'
}

ns_perf() { # ns_perf NAME udp|tcp 4|6 RUNS [rd0]
	local name=$1 mode=$2 fam=$3 runs=$4 rd0=${5:-} addr=127.0.0.1 out=$T/perf.$1
	[ "$fam" = 6 ] && addr=::1
	if [ "$rd0" = rd0 ]; then
		# the same queries in dnsperf's binary input (2-byte length, message), header flags 0: RD=0
		python3 - "$NS_QUERIES" "$T/$name.bin" <<-'PY'
		import struct, sys
		T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}
		with open(sys.argv[2], "wb") as out:
		    for i, line in enumerate(l for l in open(sys.argv[1]) if l.strip()):
		        name, qtype = line.split()
		        q = b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
		        m = struct.pack(">6H", i, 0, 1, 0, 0, 0) + q + struct.pack(">HH", T[qtype], 1)
		        out.write(struct.pack(">H", len(m)) + m)
		PY
		timeout 60 dnsperf -B -q 1 -m "$mode" -s "$addr" -p "$NS_PORT" -d "$T/$name.bin" -n "$runs" -t 2 -v > "$out" 2>&1
		# one outstanding query: the n-th answer is for the n-th line of the query file
		awk 'NR == FNR { if (NF) q[k++] = $1 " " $2; next }
		     $1 == ">" { print ">", $2, q[i++ % k], $NF }' "$NS_QUERIES" "$out" | ns_classify "$mode" "$fam" >> "$NS_ANSWERED"
	else
		timeout 60 dnsperf -Q 2000 -m "$mode" -s "$addr" -p "$NS_PORT" -d "$NS_QUERIES" -n "$runs" -t 2 -v > "$out" 2>&1
		ns_classify "$mode" "$fam" < "$out" >> "$NS_ANSWERED"
	fi
	PERF_SENT=$(awk '/Queries sent:/ {print $3}' "$out")
	PERF_DONE=$(awk '/Queries completed:/ {print $3}' "$out")
	PERF_LOST=$(awk '/Queries lost:/ {print $3}' "$out")
	: "${PERF_SENT:=0}" "${PERF_DONE:=0}" "${PERF_LOST:=0}"
	NS_LOST=$((NS_LOST + PERF_LOST))
	[ "$PERF_LOST" = 0 ] && [ "$PERF_SENT" -gt 0 ] || sed "s/^/# dnsperf $name: /" "$out" | grep -v '^# dnsperf [^:]*: >' | tail -15
	diag "dnsperf $name ($mode, IPv$fam${rd0:+, RD=0}): sent $PERF_SENT, answered $PERF_DONE, lost $PERF_LOST"
}

ns_conns() {
	awk '/connection\(s\) accepted/ { s += $3 } END { print s + 0 }' "$T/capd.log"
}

# what the server logs when it may not connect (checked on Debian 12): only Unbound says so
ns_denied() {
	local before logged=no want=no
	before=$(ns_conns)
	ns_stop
	chgrp root "$SOCK"
	ns_start || return 1
	sleep 2.5   # BIND retries every second, NSD and Unbound try at start
	is "$(ns_conns)" "$before" "$NS as $NS_USER: no connection while the socket is not in its group"
	grep -qi 'permission denied' "$NS_DIR"/*.log && logged=yes
	[ "$NS" = unbound ] && want=yes
	is "$logged" "$want" "$NS logs the refused connection: $want"
	ns_stop
	chgrp "$NS_USER" "$SOCK"
}

# across the staging set: the base file and the files aggd rotated to (common/stagefiles.h)
ns_staged() {
	local f n sum=0
	for f in "$T/staging.db" "$T"/staging.db.[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]; do
		[ -f "$f" ] || continue
		n=$(sqlite3 -cmd '.timeout 5000' "$f" 'SELECT COALESCE(SUM(nrecords), 0) FROM datagram WHERE kind = 1' 2>/dev/null)
		sum=$((sum + ${n:-0}))
	done
	echo "$sum"
}

ns_wait_staged() {
	local i
	for i in $(seq 100); do
		[ "$(ns_staged)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

ns_same() { # ns_same GOT-FILE WANT-FILE NAME
	if diff "$1" "$2" > "$T/diff" 2>&1; then ok 0 "$3"; else ok 1 "$3"; sed 's/^/#   /' "$T/diff" | head -20; fi
}

ns_sql_check() {
	awk '{ c[$1]++ } END { for (k in c) print k, c[k] }' "$NS_ANSWERED" | sort > "$T/want-zone.txt"
	awk '{ c[$1 " qtype " $2]++; c[$1 " rcode " $3]++; c[$1 " transport " $4]++; c[$1 " ipver " $5]++ }
	     END { for (k in c) print k, c[k] }' "$NS_ANSWERED" | sort > "$T/want-dim.txt"
	staff_q "SELECT zone, SUM(queries) FROM zone_qps_day GROUP BY zone" | tr '\t' ' ' | sort > "$T/got-zone.txt"
	staff_q "SELECT zone, dim, val, SUM(queries) FROM zone_dim_day
	         WHERE dim IN ('qtype', 'rcode', 'transport', 'ipver') GROUP BY zone, dim, val" |
		tr '\t' ' ' | sort > "$T/got-dim.txt"
	ns_same "$T/got-zone.txt" "$T/want-zone.txt" "$NS: SQL queries per zone equal what dnsperf got answered"
	ns_same "$T/got-dim.txt" "$T/want-dim.txt" "$NS: SQL per zone and qtype, rcode, transport, IP version equal dnsperf's answers"
	join -a 1 -e 0 -o 0,1.2,2.2 "$T/want-zone.txt" "$T/got-zone.txt" |
		awk -v ns="$NS" '{ printf "# %s, zone %s: dnsperf got %d answers, SQL shows %d queries\n", ns, $1, $2, $3 }'
	echo "# $NS answers by transport: $(awk '{ c[$4 "/IPv" $5]++ } END { for (k in c) print k, c[k] }' "$NS_ANSWERED" |
		sort | paste -sd, - | sed 's/,/, /g')"
}

ns_begin() {
	pipe_setup
	pipe_mdb
	ns_init "$1"
	pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
	ns_capd_conf
	capd_start "$T/capd.conf" || { echo "Bail out! capd did not start"; exit 1; }
	is "$(stat -c '%G %a' "$SOCK")" "$NS_USER 660" "capd (root) made the socket group $NS_USER, mode 0660 (dnstap.socket_group)"
	ns_start || { echo "Bail out! $NS did not start"; exit 1; }
	is "$(ps -o user= -p "$NS_PID")" "$NS_USER" "$NS runs as user $NS_USER"
	capd_wait_conns 1
	ok $? "$NS connects to capd's socket"
}

ns_restart() {
	local want
	want=$(wc -l < "$NS_ANSWERED")
	ns_wait_staged "$want"
	is "$(ns_staged)" "$want" "before the restart: every answer ($want) staged as a record"
	ns_stop
	ns_start || { echo "Bail out! $NS did not restart"; exit 1; }
	capd_wait_conns 2
	ok $? "$NS reconnects after its restart"
}

ns_finish() {
	local want
	want=$(wc -l < "$NS_ANSWERED")
	ns_wait_staged "$want"
	is "$(ns_staged)" "$want" "every answer ($want) staged, none lost across the restart"
	is "$NS_LOST" 0 "dnsperf lost no query"
	case "${1:-}" in
	denied) ns_denied ;;
	keep) ;;
	*) ns_stop ;;
	esac
	capd_stop
	pipe_aggd_stop
	pipe_rollup
	is $? 0 "aggd-rollup exits 0"
	ns_sql_check
}
