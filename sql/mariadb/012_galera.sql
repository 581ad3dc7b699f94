-- sql/mariadb/012_galera.sql: per aggregator, batches retried after a conflict (Galera certification) and failovers to another server.
-- Re-runnable; safe on a database in use (adds only). Numbered 010 to leave 009 to the
-- partitioning migration of the same round of work.

-- retried: batches rolled back and redone after error 1213/1205 (on Galera: a certification
-- conflict with another writer, usually another aggregator's rollup adding to the same rows);
-- failovers: connections moved to the next mariadb.server (aggd-rollup.conf) after the
-- server or Galera node was lost. Both are added by the commit that follows them.
ALTER TABLE rollup_checkpoint
	ADD COLUMN IF NOT EXISTS retried   BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER saturated,
	ADD COLUMN IF NOT EXISTS failovers BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER retried;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW rollup_status AS
SELECT aggregator, datagram_id, node_stats_id, updated,
       TIMESTAMPDIFF(SECOND, updated, UTC_TIMESTAMP()) AS seconds_since_update,
       batches, datagrams, records, estimated, quarantined, names_untracked,
       replayed, refused, zones_folded, asn_folded, saturated, retried, failovers
FROM rollup_checkpoint
WHERE EXISTS (SELECT 1 FROM staff_self);
