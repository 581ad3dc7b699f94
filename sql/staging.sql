-- sql/staging.sql: SQLite staging database written by aggd, read (and pruned) by aggd-rollup.
-- Opened in WAL mode. aggd appends; aggd-rollup reads rows with id > its checkpoint,
-- and deletes rows it has committed to MariaDB (from a rotated set: unlinks whole files).
PRAGMA journal_mode = WAL;

-- one row per accepted datagram
CREATE TABLE IF NOT EXISTS datagram (
	id          INTEGER PRIMARY KEY,   -- increasing; the rollup's checkpoint is an id
	node        TEXT    NOT NULL,      -- node name from the envelope
	boot_id     INTEGER NOT NULL,      -- envelope boot id (signed 64-bit in SQLite)
	seq         INTEGER NOT NULL,      -- envelope sequence number
	kind        INTEGER NOT NULL,      -- 1 = records, 2 = counters (env_kind)
	received_us INTEGER NOT NULL,      -- aggd receive time, microseconds since the epoch
	nrecords    INTEGER NOT NULL,      -- records in the payload (0 for counters)
	payload     BLOB    NOT NULL       -- the decrypted CBOR payload (common/record.h)
);

-- aggd's per-node statistics: each row holds the increments since the previous
-- row for that node (so rows add up); node '' is for rejects that name no known node.
CREATE TABLE IF NOT EXISTS node_stats (
	id          INTEGER PRIMARY KEY,
	node        TEXT    NOT NULL,
	time_us     INTEGER NOT NULL,      -- end of the interval
	counter     TEXT    NOT NULL,      -- datagrams, records, gaps, duplicates, reject_<reason>, staging_drops
	value       INTEGER NOT NULL       -- increment over the interval
);

-- rows the rollup could not decode, moved aside (never retried automatically)
CREATE TABLE IF NOT EXISTS quarantine (
	id          INTEGER PRIMARY KEY,   -- the datagram's original id
	node        TEXT    NOT NULL,
	boot_id     INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	kind        INTEGER NOT NULL,
	received_us INTEGER NOT NULL,
	payload     BLOB    NOT NULL,
	error       TEXT    NOT NULL,      -- why it did not decode
	moved_us    INTEGER NOT NULL
);

-- aggd's replay protection across its own restarts: the highest staged (boot id,
-- sequence number) per node, updated in the transaction that stages the rows.
-- Read by aggd at start only; the rollup neither reads nor prunes it.
-- Boot ids and seqs are uint64 bit patterns (>= 2^63 read negative), compared unsigned.
CREATE TABLE IF NOT EXISTS replay_state (
	node        TEXT    PRIMARY KEY,
	boot_id     INTEGER NOT NULL,
	seq         INTEGER NOT NULL
);

-- this file's place in a rotated set (common/stagefiles.h, docs/man/aggd.conf.5): one row,
-- written by aggd in the file it rotates to, before the file gets its name; the base file
-- has none. Ids continue across the set: the first ids of this file follow the last of the
-- file before it. Closed files are unlinked whole by the rollup once it committed them.
CREATE TABLE IF NOT EXISTS segment (
	seq             INTEGER NOT NULL,      -- N of BASE.NNNNNNNN
	datagram_base   INTEGER NOT NULL,      -- the first datagram id this file gives
	node_stats_base INTEGER NOT NULL,      -- the first node_stats id
	rotate          INTEGER NOT NULL DEFAULT 1  -- 0: aggd stopped rotating, the rollup prunes rows here
);
