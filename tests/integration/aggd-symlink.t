#!/bin/bash
# tests/integration/aggd-symlink.t: aggd writes through no link planted in its staging directory (symbolic or hard, on the file or its -wal/-shm), nor opens a FIFO there; real data flows once they are gone.
#
# Whoever else can write the staging directory could point staging.db (or the
# -wal/-shm SQLite creates next to it) at a file aggd's user may write. Before the
# fix aggd followed the link and wrote SQLite pages into the target.
# (The race of a link swapped in between check and open: tests/unit/test_stage.c.)
. "$(dirname "$0")/../lib/aggd-test.sh"

PORT=$(free_port)
keygen node1
write_conf
S=127.0.0.1:$PORT
send() { "$B/dnsa-sender" -k "$T/node1.key" -s "$S" "$@" > /dev/null; }
DB=$T/staging.db
printf 'precious\n' > "$T/victim"
refused() { # refused WHAT: aggd must exit 1 at start, naming the link
	timeout 10 "$B/aggd" -c "$T/aggd.conf" -f > "$T/refused.log" 2>&1
	local rc=$?
	is "$rc" 1 "$1: aggd refuses to start"
	grep -q "staging:\{0,1\} $DB.*refused, aggd follows no link" "$T/refused.log"; ok $? "  and says why"
	is "$(cat "$T/victim")" precious "  the target file is untouched"
}

# 1. staging.db itself a symbolic link, to an empty file (SQLite would adopt it as a new database)
: > "$T/empty"
ln -s "$T/empty" "$DB"
refused "staging.db -> an empty file (symbolic link)"
is "$(wc -c < "$T/empty")" 0 "  which stays empty"
rm -f "$DB"

# 2. a real staging file, then its -wal a symbolic link, then its -shm a hard link
start_aggd; ok $? "aggd starts on a clean directory"
send -b 1000 -q 1 -n 10 -S 1 -d "$T/sent1.txt"
wait_for 10 count_is 10; ok $? "10 datagrams staged"
stop_aggd
ok "$([ ! -e "$DB-wal" ]; echo $?)" "aggd removed its -wal at exit"
ln -s "$T/victim" "$DB-wal"
refused "staging.db-wal -> victim (symbolic link)"
rm -f "$DB-wal"
ln "$T/victim" "$DB-shm"
refused "staging.db-shm hard-linked to victim"
rm -f "$DB-shm"

# 3. a FIFO as the -wal: refused at once instead of hanging aggd
mkfifo "$DB-wal"
refused "staging.db-wal a FIFO"
rm -f "$DB-wal"

# 4. the links gone, real data flows again, the old rows kept
STARTS=2 start_aggd; ok $? "aggd starts once the links are gone"
send -b 1000 -q 11 -n 10 -S 2 -d "$T/sent2.txt"
wait_for 10 count_is 20; ok $? "10 more datagrams staged: 20 in all"
stop_aggd
is "$AGGD_RC" 0 "aggd exits 0"
cat "$T/sent1.txt" "$T/sent2.txt" | sort > "$T/want.txt"
"$B/dnsa-sender" -x "$DB" | sort | cmp -s - "$T/want.txt"; ok $? "the staged records equal the records sent"
done_testing
