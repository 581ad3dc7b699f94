# tests/lib/apistack.sh: a real stack for dnsa-api tests: MariaDB, a rollup of known synthetic records, partners, tokens, dnsa-api.
# Source it (after ROOT, B and T are set, and tests/lib/mariadb.sh), then:
#   apistack_data           MariaDB + schema + 3000 records over 2 hours from $START rolled up; partners p1
#                           (zone0.test, zone1.test, password partner-one-pw), p2 (zone2.test) and staff alice;
#                           tokens $TOK1 $TOK2 $TOKS; the generator's expected totals in $T/exp.txt
#   apistack_conf [LINES]   $T/api.conf on a free port $PORT (LINES appended before [mariadb])
#   apistack_start          dnsa-api in the foreground (log $T/api.log), waits until it answers; sets API_PID, U
#   apistack_stop           SIGTERM by PID, returns its exit status
#   as USER PW SQL          SQL as that MariaDB account
API_PID=
free_tcp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as() { local u=$1 pw=$2; shift 2; mariadb --no-defaults --socket="$MDB_SOCK" -u "$u" -p"$pw" --batch --skip-column-names dnsa -e "$*"; }

apistack_data() {
	mariadb_start "$T/mdb" || { echo "Bail out! cannot start MariaDB"; exit 1; }
	"$ROOT/tools/dnsa-migrate" -S "$MDB_SOCK" -u root >/dev/null || { echo "Bail out! dnsa-migrate"; exit 1; }
	START=$(( $(date +%s) / 3600 * 3600 - 3 * 3600 ))
	"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/st.db" -r 3000 -c -t "$START" -d 7200 -e "$T/exp.txt" >/dev/null
	printf 'user = root\npassword =\n' >"$T/cred"; chmod 600 "$T/cred"
	printf 'staging = %s\nlock_file = %s\nmariadb.socket = %s\nmariadb.credentials = %s\n' \
		"$T/st.db" "$T/r.lock" "$MDB_SOCK" "$T/cred" >"$T/r.conf"
	"$B/bin/aggd-rollup" -c "$T/r.conf" || { echo "Bail out! aggd-rollup"; exit 1; }
	local P="$ROOT/tools/dnsa-partner -S $MDB_SOCK -u root -A localhost"
	echo 'partner-one-pw' >"$T/pw1"; echo 'partner-two-pw' >"$T/pw2"; echo 'staff-member-pw' >"$T/pw3"
	{ $P add p1 "$T/pw1" && $P grant p1 zone0.test zone1.test && $P add p2 "$T/pw2" && $P grant p2 zone2.test &&
	  $P staff alice "$T/pw3"; } >/dev/null || { echo "Bail out! dnsa-partner"; exit 1; }
	TOK1=$(apistack_token p1 "$T/pw1"); TOK2=$(apistack_token p2 "$T/pw2"); TOKS=$(apistack_token alice "$T/pw3")
}

apistack_token() { "$B/bin/dnsa-token" -f "$T/tokens" -a "$T/accounts" create "$@" 2>/dev/null; }

apistack_conf() {
	PORT=$(free_tcp)
	{
		printf 'listen = 127.0.0.1:%s\ntokens = %s\naccounts = %s\nweb_root = %s\n' "$PORT" "$T/tokens" \
			"$T/accounts" "$ROOT/web"
		for l in "$@"; do echo "$l"; done
		printf '[mariadb]\nsocket = %s\ntimeout = 3\n' "$MDB_SOCK"
	} >"$T/api.conf"
}

apistack_start() {
	"$B/bin/dnsa-api" -d -c "$T/api.conf" 2>>"$T/api.log" &
	API_PID=$!
	U="http://127.0.0.1:$PORT/api/v1"
	local i
	for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0; sleep 0.1; done
	echo "# dnsa-api did not answer in 10 s"; sed 's/^/#   /' "$T/api.log" | tail -5
	return 1
}

apistack_stop() {
	[ -n "$API_PID" ] || return 0
	kill -TERM "$API_PID" 2>/dev/null
	local r=0
	wait "$API_PID" || r=$?
	API_PID=
	return $r
}
