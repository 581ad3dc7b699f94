-- sql/mariadb/001_base.sql: base tables: zones, nodes, time series, top names, node health, rollup checkpoints.
-- Applied by tools/dnsa-migrate (which records it in schema_version). Re-runnable.
-- Times are UTC DATETIMEs (the rollup's session runs with time_zone = '+00:00').
-- Names are printable ASCII: the rollup escapes anything else as \DDD.

-- the zones seen in records; zone_id 0 is never a row: in the series it means "all zones"
CREATE TABLE IF NOT EXISTS zone (
	zone_id     INT UNSIGNED NOT NULL AUTO_INCREMENT,
	name        VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	created     DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
	PRIMARY KEY (zone_id),
	UNIQUE KEY by_name (name)
) ENGINE=InnoDB;

-- the capture nodes (envelope node names); node_id 0 in the series means "all nodes";
-- the node named '' carries aggd rejects that named no known node
CREATE TABLE IF NOT EXISTS node (
	node_id     INT UNSIGNED NOT NULL AUTO_INCREMENT,
	name        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	created     DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
	PRIMARY KEY (node_id),
	UNIQUE KEY by_name (name)
) ENGINE=InnoDB;

-- Time series: one table per granularity, one row per (zone, node, dimension, value, time).
-- Rows written: (zone, all nodes) and (all zones, node) for every dimension, (all zones,
-- all nodes) for every dimension; per-minute rows carry no 'asn' dimension; hour and
-- day rows also carry (zone, node) for dim 'total'. val labels: see docs/sql.md.
-- est = sum of record weights (an unbiased estimate of messages); sampled = records.
CREATE TABLE IF NOT EXISTS series_minute (
	zone_id     INT UNSIGNED NOT NULL,
	node_id     INT UNSIGNED NOT NULL,
	dim         ENUM('total','qtype','rcode','opcode','transport','ipver','edns','do','rsize','country','asn') NOT NULL,
	val         VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	ts          DATETIME NOT NULL,
	est         BIGINT UNSIGNED NOT NULL,
	sampled     BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (zone_id, node_id, dim, ts, val),
	KEY by_ts (ts)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS series_hour LIKE series_minute;
CREATE TABLE IF NOT EXISTS series_day LIKE series_minute;

-- most-queried names per zone and hour: each rollup batch adds its own top N names
-- (by estimate); complete hours are cut back to the top N (see docs/sql.md for the bound)
CREATE TABLE IF NOT EXISTS top_name_hour (
	zone_id     INT UNSIGNED NOT NULL,
	ts          DATETIME NOT NULL,
	qname       VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	est         BIGINT UNSIGNED NOT NULL,
	sampled     BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (zone_id, ts, qname),
	KEY by_ts (ts)
) ENGINE=InnoDB;

-- Node health, exact: increments per interval.
-- source capd: the node's own counters (cumulative on the wire, turned into increments
--   per boot by the rollup; names as common/record.c counter_name);
-- source aggd: datagrams, records, gaps (UDP loss), duplicates, reject_<reason>, staging_drops;
-- source rollup: quarantined (staged datagrams that did not decode).
CREATE TABLE IF NOT EXISTS node_counter_minute (
	node_id     INT UNSIGNED NOT NULL,
	ts          DATETIME NOT NULL,
	source      ENUM('capd','aggd','rollup') NOT NULL,
	counter     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	value       BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (node_id, ts, source, counter),
	KEY by_ts (ts)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS node_counter_hour LIKE node_counter_minute;
CREATE TABLE IF NOT EXISTS node_counter_day LIKE node_counter_minute;

-- the last cumulative capd counter values counted, per (node, boot): a new boot starts at 0;
-- updated in the same transaction as the increments it produced (so: exactly once)
CREATE TABLE IF NOT EXISTS capd_last (
	node_id     INT UNSIGNED NOT NULL,
	boot_id     BIGINT NOT NULL,
	counter     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	value       BIGINT UNSIGNED NOT NULL,
	updated     DATETIME NOT NULL,
	PRIMARY KEY (node_id, boot_id, counter),
	KEY by_updated (updated)
) ENGINE=InnoDB;

-- one row per aggregator (staging database): staged ids already rolled up, moved in the
-- same transaction as the data they cover
CREATE TABLE IF NOT EXISTS rollup_checkpoint (
	aggregator     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	datagram_id    BIGINT NOT NULL,
	node_stats_id  BIGINT NOT NULL,
	updated        DATETIME NULL,
	batches        BIGINT UNSIGNED NOT NULL DEFAULT 0,
	datagrams      BIGINT UNSIGNED NOT NULL DEFAULT 0,
	records        BIGINT UNSIGNED NOT NULL DEFAULT 0,
	estimated      BIGINT UNSIGNED NOT NULL DEFAULT 0,
	quarantined    BIGINT UNSIGNED NOT NULL DEFAULT 0,
	names_trimmed  DATETIME NULL,
	PRIMARY KEY (aggregator)
) ENGINE=InnoDB;

-- access layer: MariaDB account name -> zones it may read (tools/dnsa-partner)
CREATE TABLE IF NOT EXISTS partner (
	account     VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	created     DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
	PRIMARY KEY (account)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS partner_zone (
	account     VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	zone_id     INT UNSIGNED NOT NULL,
	PRIMARY KEY (account, zone_id),
	KEY by_zone (zone_id),
	CONSTRAINT pz_partner FOREIGN KEY (account) REFERENCES partner (account) ON DELETE CASCADE,
	CONSTRAINT pz_zone FOREIGN KEY (zone_id) REFERENCES zone (zone_id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- registry staff accounts: the views show them every zone and the per-node views
CREATE TABLE IF NOT EXISTS staff_account (
	account     VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	created     DATETIME NOT NULL DEFAULT UTC_TIMESTAMP(),
	PRIMARY KEY (account)
) ENGINE=InnoDB;
