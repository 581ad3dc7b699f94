-- sql/mariadb/004_names_untracked.sql: count records whose name the rollup could not track (names_max reached), visible per aggregator.
ALTER TABLE rollup_checkpoint ADD COLUMN IF NOT EXISTS
	names_untracked BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER quarantined;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW rollup_status AS
SELECT aggregator, datagram_id, node_stats_id, updated,
       TIMESTAMPDIFF(SECOND, updated, UTC_TIMESTAMP()) AS seconds_since_update,
       batches, datagrams, records, estimated, quarantined, names_untracked
FROM rollup_checkpoint
WHERE EXISTS (SELECT 1 FROM staff_self);
