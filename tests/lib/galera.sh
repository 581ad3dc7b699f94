# tests/lib/galera.sh: a private 3-node MariaDB Galera cluster on loopback in a temp dir, for tests and bench.
# Source it, then:
#   galera_start DIR [N]   N nodes (default 3): each its own datadir DIR/nI, UNIX socket,
#                          SQL port, Galera replication port and IST port on 127.0.0.1;
#                          node 1 bootstraps (--wsrep-new-cluster), the others join it (SST
#                          by rsync). Sets GAL_N, GAL_SOCK[i], GAL_PORT[i], GAL_PID[i]; every
#                          wait is bounded; returns 1 (log tail on stderr) if the cluster
#                          does not reach N synced members
#   galera_sql I [ARGS]    the mariadb client as root on node I's socket
#   galera_kill I          SIGKILL node I (by its PID)
#   galera_rejoin I        start node I again on its datadir (IST from a donor's gcache, or SST)
#                          and wait until it is Synced
#   galera_wait_size I N   wait (bounded) until node I sees a primary component of N nodes
#   galera_stop            stop every node by its PID (SIGTERM, then SIGKILL)
# The caller owns cleanup: trap 'galera_stop' EXIT (safe to call twice).

# shellcheck source=tests/lib/proc.sh
. "$(dirname "${BASH_SOURCE[0]}")/proc.sh"

GAL_PROVIDER=${GAL_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
declare -a GAL_SOCK GAL_PORT GAL_GPORT GAL_IPORT GAL_SPORT GAL_PID

galera_sql() {
	local i=$1; shift
	mariadb --no-defaults --socket="${GAL_SOCK[$i]}" -u root --batch --skip-column-names "$@"
}

galera_status() {
	galera_sql "$1" -e "SHOW STATUS LIKE '$2'" 2>/dev/null | awk '{ print $2 }'
}

galera_synced() {
	[ "$(galera_status "$1" wsrep_local_state_comment)" = Synced ] &&
	[ "$(galera_status "$1" wsrep_cluster_status)" = Primary ]
}

galera_sized() {
	galera_synced "$1" && [ "$(galera_status "$1" wsrep_cluster_size)" = "$2" ]
}

galera_wait_size() {
	wait_for "${3:-90}" galera_sized "$1" "$2" && return 0
	echo "# galera node $1: no primary component of $2 nodes (state $(galera_status "$1" wsrep_local_state_comment)," \
		"size $(galera_status "$1" wsrep_cluster_size)); log:" >&2
	tail -15 "$GAL_DIR/n$1/mariadbd.log" | sed 's/^/#   /' >&2
	return 1
}

# node I's mariadbd with its Galera options; extra arguments are appended
galera_run() {
	local i=$1 j addrs=; shift
	for j in $(seq "$GAL_N"); do addrs=$addrs${addrs:+,}127.0.0.1:${GAL_GPORT[$j]}; done
	mariadbd --no-defaults --datadir="$GAL_DIR/n$i/data" --socket="${GAL_SOCK[$i]}" \
		--port="${GAL_PORT[$i]}" --bind-address=127.0.0.1 --user="$GAL_USER" \
		--pid-file="$GAL_DIR/n$i/mysqld.pid" --log-error="$GAL_DIR/n$i/mariadbd.log" \
		--tmpdir="$GAL_DIR/n$i/tmp" --innodb-buffer-pool-size=128M --innodb-log-file-size=64M \
		--innodb-flush-log-at-trx-commit=2 --skip-log-bin --binlog-format=ROW \
		--innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB \
		--wsrep-on=ON --wsrep-provider="$GAL_PROVIDER" --wsrep-cluster-name=dnsa-test \
		--wsrep-cluster-address="gcomm://$addrs" --wsrep-node-name="n$i" \
		--wsrep-node-address="127.0.0.1:${GAL_GPORT[$i]}" \
		--wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:${GAL_SPORT[$i]}" \
		--wsrep-slave-threads=2 \
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:${GAL_GPORT[$i]};ist.recv_addr=127.0.0.1:${GAL_IPORT[$i]};gcache.size=128M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S;pc.wait_prim_timeout=PT30S" \
		"$@" >>"$GAL_DIR/n$i/stdout.log" 2>&1 &
	GAL_PID[$i]=$!
}

galera_start() {
	GAL_DIR=$1
	GAL_N=${2:-3}
	local i
	for i in $(seq "$GAL_N"); do
		GAL_SOCK[$i]=$GAL_DIR/n$i/mysqld.sock
		GAL_PORT[$i]=$(free_port); GAL_GPORT[$i]=$(free_port)
		GAL_IPORT[$i]=$(free_port); GAL_SPORT[$i]=$(free_port)
		mkdir -p "$GAL_DIR/n$i/data" "$GAL_DIR/n$i/tmp"
	done
	# node 1 gets a datadir; the others receive theirs by SST when they join
	# as root, the servers run as mysql: the joiner's rsync daemon (SST) would otherwise
	# run as nobody and could not write the datadir
	GAL_USER=$(id -un)
	if [ "$(id -u)" = 0 ] && id mysql >/dev/null 2>&1; then
		GAL_USER=mysql
		chown -R mysql: "$GAL_DIR"
		chmod a+x "$(dirname "$GAL_DIR")"   # a mktemp -d parent is 0700
	fi
	if ! mariadb-install-db --no-defaults --datadir="$GAL_DIR/n1/data" --user="$GAL_USER" \
		--auth-root-authentication-method=normal --skip-test-db >"$GAL_DIR/install.log" 2>&1; then
		echo "# mariadb-install-db failed:" >&2
		tail -20 "$GAL_DIR/install.log" | sed 's/^/#   /' >&2
		return 1
	fi
	galera_run 1 --wsrep-new-cluster
	galera_wait_size 1 1 60 || return 1
	for i in $(seq 2 "$GAL_N"); do
		galera_run "$i"
		galera_wait_size "$i" "$i" 120 || return 1
	done
}

galera_kill() {
	[ -n "${GAL_PID[$1]:-}" ] || return 0
	kill -KILL "${GAL_PID[$1]}" 2>/dev/null
	wait "${GAL_PID[$1]}" 2>/dev/null
	GAL_PID[$1]=
}

galera_rejoin() {
	local i=$1
	# after a crash grastate.dat has seqno -1: the server recovers its position from
	# InnoDB at start-up and asks a donor for IST of what it missed (SST if the donor's
	# gcache no longer has it)
	galera_run "$i"
	wait_for 120 galera_synced "$i" && return 0
	echo "# galera node $i did not rejoin; log:" >&2
	tail -15 "$GAL_DIR/n$i/mariadbd.log" | sed 's/^/#   /' >&2
	return 1
}

galera_stop() {
	local i
	for i in $(seq "${GAL_N:-0}" -1 1); do
		[ -n "${GAL_PID[$i]:-}" ] && stop_pid "${GAL_PID[$i]}" TERM 30
		GAL_PID[$i]=
	done
	return 0
}
