#!/bin/bash
# tests/integration/galera.t: two aggregators roll up into a 3-node MariaDB Galera cluster: exactly once through conflicts, a killed node, a partition, a rejoin, killed rollups and a double start.
#
# The cluster (tests/lib/galera.sh) runs on loopback in a temp dir. The schema is applied
# once, on node 1. Aggregators A and B (staging filled by gen-staging, their own nodes,
# the same zones and times: their series rows overlap, so concurrent additive upserts
# conflict in certification) roll up at the same time, A into node 1, B into node 2, each
# with the other nodes as failover servers (mariadb.server). Node 1 is SIGKILLed while A
# writes. The reference is gen-staging's own expectation of every row (-e), computed
# independently of the rollup: SQL on every node must equal the sum of both inputs.
# Then: node 1 rejoins (IST) and serves the same rows; two rollups of aggregator C start
# at once against nodes 2 and 3 (separate lock files, as on two hosts); rollup D is
# SIGKILLed at 20 random moments while writing to Galera; node 3 is cut off from the
# cluster (gmcast.isolate) while D writes to it. Totals exactly once every time.
# SEED=N reproduces the kill delays.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${DNSA_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/galera.sh"
T=$(mktemp -d /tmp/dnsa-galera.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	galera_stop
	[ -n "${KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$ROOT/tests/lib/tap.sh"
for f in "$B/bin/aggd-rollup" "$B/bin/gen-staging"; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f not built"; exit 0; }
done
command -v mariadbd >/dev/null && [ -e "$GAL_PROVIDER" ] && command -v rsync >/dev/null ||
	{ echo "1..0 # SKIP mariadb-server, galera-4 or rsync not installed"; exit 0; }
SEED=${SEED:-$$}
RANDOM=$SEED
echo "# SEED=$SEED"
T0=$(date +%s)

galera_start "$T/gal" 3 || { echo "Bail out! cannot start a 3-node Galera cluster"; exit 1; }
diag "cluster of 3 synced in $(( $(date +%s) - T0 )) s"
q() { local i=$1; shift; galera_sql "$i" dnsa -e "$*"; }

# ---- the schema, applied once on node 1, replicates (tables, routines, grants)
"$ROOT/tools/dnsa-migrate" -S "${GAL_SOCK[1]}" -u root -d dnsa >"$T/migrate.out" 2>&1
ok $? "dnsa-migrate on node 1 of the cluster"
LASTV=$(ls "$ROOT"/sql/mariadb/[0-9][0-9][0-9]_*.sql | sed 's|.*/0*\([0-9]*\)_.*|\1|' | sort -n | tail -1)
schema() {
	q "$1" "SELECT MAX(version) FROM schema_version;
	SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'dnsa';
	SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'dnsa';
	SELECT COUNT(*) FROM mysql.roles_mapping WHERE Role LIKE 'dnsa%'" | tr '\n' ' '
	galera_sql "$1" -e "SHOW GRANTS FOR dnsa_rollup" | LC_ALL=C sort | md5sum | cut -c1-8
}
s1=$(schema 1)
is "$(schema 2)" "$s1" "node 2 has the same schema version, tables, routines and grants ($s1)"
is "$(schema 3)" "$s1" "node 3 too"
is "$(echo "$s1" | cut -d' ' -f1)" "$LASTV" "at the last migration"
# Galera replicates InnoDB rows by primary key: a table without one (or not InnoDB) is refused or unsafe
is "$(q 2 "SELECT COUNT(*) FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = 'dnsa' AND t.TABLE_TYPE = 'BASE TABLE'
	AND (t.ENGINE <> 'InnoDB' OR NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c
	WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY'))")" 0 \
	"every table is InnoDB with a primary key"
# the stored routines (006) work on another node than the one they were created on
is "$(q 3 "CALL dnsa_partner_guard(@k); SELECT @k")" 0 "dnsa_partner_guard runs on node 3"

# ---- two aggregators' staging: their own capd nodes, the same zones and hours
START=$(( $(date +%s) / 3600 * 3600 - 3 * 3600 ))
gen() {  # NAME PREFIX SEED RECORDS
	"$B/bin/gen-staging" -s "$ROOT/sql/staging.sql" -o "$T/$1.tmpl" -r "$4" -c -n 3 -p "$2" -S "$3" \
		-t "$START" -d 3600 -e "$T/$1.exp" >"$T/$1.gen" || { echo "Bail out! gen-staging"; exit 1; }
	cp "$T/$1.tmpl" "$T/$1.db"
}
gen A a 1 12000
gen B b 2 12000
printf 'user = root\npassword =\n' >"$T/cred"
chmod 600 "$T/cred"
conf() {  # NAME AGGREGATOR STAGING SERVER... : servers in failover order
	local name=$1 agg=$2 st=$3 s
	shift 3
	{
		echo "staging = $T/$st.db"
		echo "aggregator = $agg"
		echo "lock_file = $T/$name.lock"
		for s in "$@"; do echo "mariadb.server = ${GAL_SOCK[$s]}"; done
		echo "mariadb.database = dnsa"
		echo "mariadb.credentials = $T/cred"
		echo "mariadb.timeout = 10"
		echo "batch_rows = 20"
		echo "top_n = 100000"
	} >"$T/$name.conf"
}
conf A aggA A 1 2 3
conf B aggB B 2 3 1
"$B/bin/aggd-rollup" -n -c "$T/A.conf" >/dev/null
ok $? "aggd-rollup -n accepts a list of mariadb.server"
{ grep -v "^mariadb.server" "$T/A.conf"; echo "mariadb.server = db1.example"; } >"$T/bad.conf"
is "$("$B/bin/aggd-rollup" -n -c "$T/bad.conf" 2>&1 | grep -c "neither a socket path")" 1 "a server without a port is refused"

# the expected rows: both inputs summed, in dump()'s form
sum() { cat "$@" | awk -F'\t' '{ s[$1] += $2 } END { for (k in s) print k "\t" s[k] }' | LC_ALL=C sort; }
dump() {  # NODE [NODE-NAME LIKE pattern for the per-node rows]
	galera_sql "$1" dnsa <<-SQL | LC_ALL=C sort
	SET time_zone = '+00:00';
	SELECT CONCAT('S ', g, '|', UNIX_TIMESTAMP(s.ts), '|', IF(s.zone_id = 0, '*', z.name), '|',
	       IF(s.node_id = 0, '*', n.name), '|', s.dim, '|', s.val), s.est
	FROM (SELECT 'minute' g, m.* FROM series_minute m UNION ALL SELECT 'hour', h.* FROM series_hour h
	      UNION ALL SELECT 'day', d.* FROM series_day d) s
	LEFT JOIN zone z ON z.zone_id = s.zone_id LEFT JOIN node n ON n.node_id = s.node_id;
	SELECT CONCAT('N ', UNIX_TIMESTAMP(t.ts), '|', z.name, '|', t.qname), t.est
	FROM top_name_hour t JOIN zone z USING (zone_id);
	SELECT CONCAT('H ', g, '|', UNIX_TIMESTAMP(c.ts), '|', n.name, '|', c.source, '|', c.counter), c.value
	FROM (SELECT 'minute' g, m.* FROM node_counter_minute m UNION ALL SELECT 'hour', h.* FROM node_counter_hour h
	      UNION ALL SELECT 'day', d.* FROM node_counter_day d) c JOIN node n ON n.node_id = c.node_id;
	SQL
}
same() {  # NODE EXPECTED-FILE
	dump "$1" >"$T/got.$1"
	diff "$2" "$T/got.$1" >"$T/diff.$1" && return 0
	diag "node $1 differs from $2 ($(grep -c '^[<>]' "$T/diff.$1") lines):"
	head -6 "$T/diff.$1" | sed 's/^/#   /'
	return 1
}
sum "$T/A.exp" "$T/B.exp" >"$T/AB.sum"
rollup() {
	timeout 120 "$B/bin/aggd-rollup" -v -c "$T/$1.conf" 2>>"$T/$1.err" && return 0
	local rc=$?
	diag "rollup $1 exit $rc: $(tail -n 2 "$T/$1.err" | tr '\n' ' ')"
	return $rc
}
batches_ge() {  # NODE AGGREGATOR N: N batches committed
	[ "$(q "$1" "SELECT COALESCE(MAX(batches), 0) FROM rollup_checkpoint WHERE aggregator = '$2'" 2>/dev/null)" -ge "$3" ] 2>/dev/null
}

# ---- 1. A and B at once, A into node 1, B into node 2; node 1 SIGKILLed while A writes
rollup A & PA=$!
rollup B & PB=$!
PIDS="$PA $PB"
# the kill lands once A has committed some batches, long before it is done
wait_for 60 batches_ge 2 aggA 4
k_at=$(q 2 "SELECT batches FROM rollup_checkpoint WHERE aggregator = 'aggA'")
galera_kill 1
diag "node 1 SIGKILLed after $k_at of A's batches"
wait "$PA"; ra=$?
wait "$PB"; rb=$?
PIDS=
# a run that gave up (certification conflicts on every retry against the other writer, on the node it
# failed over to) leaves its checkpoint where it was; the next run, as the timer starts it, goes on
[ "$ra" = 0 ] || { diag "A gave up ($ra): the next run"; rollup A; ra=$?; }
[ "$rb" = 0 ] || { diag "B gave up ($rb): the next run"; rollup B; rb=$?; }
is "$ra $rb" "0 0" "both rollups finish (exit 0; a run that gave up is followed by the next, as the timer does)"
ok "$(grep -q "failover(s) to another MariaDB server; now on ${GAL_SOCK[2]}" "$T/A.err"; echo $?)" "A reports its failover to node 2"
read -r fa ba_ <<<"$(q 2 "SELECT failovers, batches FROM rollup_checkpoint WHERE aggregator = 'aggA'")"
ok "$([ "$fa" -ge 1 ] && [ "$k_at" -lt "$ba_" ]; echo $?)" "the failover reached SQL (rollup_checkpoint.failovers = $fa) and the kill came mid-run (batch $k_at of $ba_)"
same 2 "$T/AB.sum"
ok $? "node 2: every series, name and health row is the sum of A's and B's inputs, exactly once"
same 3 "$T/AB.sum"
ok $? "node 3: the same"
is "$(q 3 "SELECT SUM(records) FROM rollup_checkpoint")" "$(( $(awk '{print $4}' "$T/A.gen") + $(awk '{print $4}' "$T/B.gen") ))" \
	"checkpoints count every record of both aggregators once"
retr=$(q 2 "SELECT SUM(retried) FROM rollup_checkpoint")
ok "$([ "$retr" -ge 1 ]; echo $?)" "certification conflicts between the two writers were retried and counted in SQL (retried = $retr)"
diag "A: $(grep -o '[0-9]* retries, [0-9]* failovers' "$T/A.err" | tail -1); $(tail -1 "$T/A.err" | grep -o 'read [0-9.]* s, write [0-9.]* s')"
is "$(sqlite3 "$T/A.db" 'SELECT COUNT(*) FROM datagram'; sqlite3 "$T/B.db" 'SELECT COUNT(*) FROM datagram')" "1
1" "both stagings pruned (each keeps its highest id)"

# ---- 2. node 1 rejoins: IST of what it missed, then the same rows
t=$(date +%s)
galera_rejoin 1
ok $? "node 1 rejoins the cluster ($(( $(date +%s) - t )) s)"
galera_wait_size 1 3 60 >/dev/null
ok "$(grep -q 'IST received' "$T/gal/n1/mariadbd.log"; echo $?)" "by IST (incremental state transfer from a donor's gcache)"
same 1 "$T/AB.sum"
ok $? "node 1 serves the same totals"

# ---- 3. two rollups of one aggregator started at once, on nodes 2 and 3
gen C c 3 6000
conf C1 aggC C 2
conf C2 aggC C 3
rollup C1 & P1=$!
rollup C2 & P2=$!
PIDS="$P1 $P2"
wait "$P1"; r1=$?
wait "$P2"; r2=$?
PIDS=
# the checkpoint row is the lock across nodes: a copy that finds it moved by the other
# stops with 75 (as for a held lock file), the other goes on; or one finishes first
ok "$(case "$r1 $r2" in "0 0"|"0 75"|"75 0") echo 0 ;; *) echo 1 ;; esac)" "the copies end with 0 and 0, or 0 and 75 (got $r1 $r2)"
diag "C1: $(grep -c 'moved under this run' "$T/C1.err") stop, C2: $(grep -c 'moved under this run' "$T/C2.err") stop"
rollup C1
ok $? "a later run of C finds nothing left to do"
sum "$T/A.exp" "$T/B.exp" "$T/C.exp" >"$T/ABC.sum"
same 3 "$T/ABC.sum"
ok $? "C's rows counted once though two rollups read the same staging at once"
is "$(q 2 "SELECT records FROM rollup_checkpoint WHERE aggregator = 'aggC'")" "$(awk '{print $4}' "$T/C.gen")" "aggC's checkpoint: every record once"
diag "aggC: $(q 2 "SELECT CONCAT(batches, ' batches, ', retried, ' retried') FROM rollup_checkpoint WHERE aggregator = 'aggC'")"

# ---- 4. rollup D SIGKILLed at 20 random moments while writing to node 3, then run to the end
gen D d 4 8000
conf D aggD D 3 2
kills=0
for i in $(seq 20); do
	# no timeout(1) between: the SIGKILL must reach aggd-rollup itself
	"$B/bin/aggd-rollup" -c "$T/D.conf" 2>>"$T/D.err" & P=$!
	PIDS=$P
	sleep "0.$(printf '%02d' $(( RANDOM % 60 )))"
	kill -9 "$P" 2>/dev/null && kills=$((kills + 1))
	wait "$P" 2>/dev/null
done
PIDS=
diag "$kills of 20 runs killed; $(q 3 "SELECT batches FROM rollup_checkpoint WHERE aggregator = 'aggD'") batches committed in between"
rollup D
ok $? "D's last run finishes"

# ---- 5. node 3 cut off from the cluster while E writes to it: E fails over to node 2
gen E e 5 12000
conf E aggE E 3 2
rollup E & PE=$!
PIDS=$PE
wait_for 60 batches_ge 2 aggE 3
galera_sql 3 -e "SET GLOBAL wsrep_provider_options = 'gmcast.isolate = 1'"
wait "$PE"; re=$?
PIDS=
is "$re" 0 "E finishes although its node was partitioned away"
ok "$(grep -q "now on ${GAL_SOCK[2]}" "$T/E.err"; echo $?)" "E failed over to node 2"
galera_sql 3 -e "SET GLOBAL wsrep_provider_options = 'gmcast.isolate = 0'"
sum "$T/A.exp" "$T/B.exp" "$T/C.exp" "$T/D.exp" "$T/E.exp" >"$T/all.sum"
same 2 "$T/all.sum"
ok $? "node 2: D (20 kills) and E (a partition) counted exactly once, with A, B and C"
galera_wait_size 3 3 60
ok $? "node 3 back in the primary component"
same 3 "$T/all.sum"
ok $? "node 3 caught up: the same totals"
same 1 "$T/all.sum"
ok $? "node 1: the same totals"
diag "galera.t: $(( $(date +%s) - T0 )) s"
done_testing
