# tests/lib/mariadb.sh: start and stop a private MariaDB server in a temp dir (UNIX socket only), for tests.
# Source it, then:
#   mariadb_start DIR     install a fresh datadir under DIR and start mariadbd; sets
#                         MDB_DIR, MDB_SOCK, MDB_PIDFILE, MDB_PID; waits (bounded) until it answers
#   mariadb_stop          stop it by its PID (SIGTERM, then SIGKILL after 20 s)
#   mariadb_sql [ARGS]    run the mariadb client as root on the socket (SQL on stdin or -e)
#   mariadb_restart       start the same datadir again after mariadb_stop
#   mariadb_dump DB       everything a rollup wrote to DB (series, names, node counters,
#                         capd_last, checkpoint totals), ids replaced by names, sorted:
#                         two rollups of the same records print the same
#   mariadb_migrations_before N DIR   copy the migrations numbered below N (sql/mariadb) into DIR
#                         (made if missing): the schema as it was before migration N, for
#                         dnsa-migrate -m DIR and an upgrade test of N
# MDB_BUFFER_POOL and MDB_LOG_FILE (default 256M each) size InnoDB's buffer pool and redo
# log, for the bench's big loads; tests leave them alone.
# The caller owns cleanup: trap 'mariadb_stop' EXIT (safe to call twice).

# shellcheck source=tests/lib/proc.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

mariadb_sql() {
	mariadb --no-defaults --socket="$MDB_SOCK" -u root --batch --skip-column-names "$@"
}

mariadb_migrations_before() {
	local f n
	mkdir -p "$2" || return 1
	for f in "$(dirname "${BASH_SOURCE[0]}")"/../../sql/mariadb/[0-9][0-9][0-9]_*.sql; do
		n=$(basename "$f" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
		[ "$n" -lt "$1" ] && { cp "$f" "$2/" || return 1; }
	done
	return 0
}

mariadb_dump() {
	mariadb_sql "$1" <<-'SQL' | LC_ALL=C sort
	SET time_zone = '+00:00';
	SELECT 'S', g, UNIX_TIMESTAMP(s.ts), IF(s.zone_id = 0, '*', z.name), IF(s.node_id = 0, '*', d.name), s.dim, s.val, s.est, s.sampled
	FROM (SELECT 'minute' g, m.* FROM series_minute m UNION ALL SELECT 'hour', h.* FROM series_hour h
	      UNION ALL SELECT 'day', y.* FROM series_day y) s
	LEFT JOIN zone z ON z.zone_id = s.zone_id LEFT JOIN node d ON d.node_id = s.node_id;
	SELECT 'N', UNIX_TIMESTAMP(t.ts), z.name, t.qname, t.est FROM top_name_hour t JOIN zone z USING (zone_id);
	SELECT 'H', g, UNIX_TIMESTAMP(c.ts), d.name, c.source, c.counter, c.value
	FROM (SELECT 'minute' g, m.* FROM node_counter_minute m UNION ALL SELECT 'hour', h.* FROM node_counter_hour h
	      UNION ALL SELECT 'day', y.* FROM node_counter_day y) c JOIN node d ON d.node_id = c.node_id;
	SELECT 'L', d.name, l.boot_id, l.counter, l.value FROM capd_last l JOIN node d USING (node_id);
	SELECT 'C', aggregator, datagram_id, node_stats_id, batches, datagrams, records, estimated, quarantined FROM rollup_checkpoint;
	SQL
}

mariadb_wait_up() {
	i=0
	while [ $i -lt 300 ]; do
		if mariadb_sql -e 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$MDB_PID" 2>/dev/null; then
			echo "# mariadbd exited; log:" >&2
			sed 's/^/#   /' "$MDB_DIR/mariadbd.log" | tail -20 >&2
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "# mariadbd did not answer within 30 s" >&2
	return 1
}

mariadb_restart() {
	# a private tmpdir: temporary tables never share /tmp with other tests' clean-ups
	mkdir -p "$MDB_DIR/tmp"
	mariadbd --no-defaults --datadir="$MDB_DIR/data" --socket="$MDB_SOCK" --skip-networking \
		--user=root --pid-file="$MDB_PIDFILE" --log-error="$MDB_DIR/mariadbd.log" --tmpdir="$MDB_DIR/tmp" \
		--innodb-buffer-pool-size="${MDB_BUFFER_POOL:-256M}" --innodb-log-file-size="${MDB_LOG_FILE:-256M}" \
		--innodb-flush-log-at-trx-commit=2 --skip-log-bin >/dev/null 2>&1 &
	MDB_PID=$!
	mariadb_wait_up
}

mariadb_start() {
	MDB_DIR=$1
	MDB_SOCK=$MDB_DIR/mysqld.sock
	MDB_PIDFILE=$MDB_DIR/mysqld.pid
	mkdir -p "$MDB_DIR/data"
	# one retry: on a loaded machine the bootstrap server has been seen to fail once
	if ! mariadb-install-db --no-defaults --datadir="$MDB_DIR/data" --user=root \
		--auth-root-authentication-method=normal --skip-test-db >"$MDB_DIR/install.log" 2>&1 &&
	   ! { rm -rf "$MDB_DIR/data"; mkdir -p "$MDB_DIR/data"; sleep 1
	       mariadb-install-db --no-defaults --datadir="$MDB_DIR/data" --user=root \
		--auth-root-authentication-method=normal --skip-test-db >"$MDB_DIR/install.log" 2>&1; }; then
		echo "# mariadb-install-db failed:" >&2
		sed 's/^/#   /' "$MDB_DIR/install.log" | tail -20 >&2
		return 1
	fi
	mariadb_restart
}

mariadb_stop() {
	[ -n "${MDB_PID:-}" ] || return 0
	stop_pid "$MDB_PID" TERM 20
	MDB_PID=
}
