-- sql/mariadb/005_rollup_safe.sql: what the rollup refused, folded, saturated or skipped as replayed, and the datagrams every aggregator rolled up.
-- Re-runnable (IF NOT EXISTS / OR REPLACE); safe on a database in use (adds only).

-- per aggregator: datagrams skipped as already rolled up (also by another aggregator),
-- node_stats rows MariaDB refused, records folded into zone '#other' / ASN 'other',
-- node counter sums that stopped at 2^64-1 (docs/sql.md "What the rollup refuses")
ALTER TABLE rollup_checkpoint
	ADD COLUMN IF NOT EXISTS replayed     BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER names_untracked,
	ADD COLUMN IF NOT EXISTS refused      BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER replayed,
	ADD COLUMN IF NOT EXISTS zones_folded BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER refused,
	ADD COLUMN IF NOT EXISTS asn_folded   BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER zones_folded,
	ADD COLUMN IF NOT EXISTS saturated    BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER asn_folded;

-- the datagrams rolled up, by any aggregator: bit (seq mod 4096) of `bits` for sequence
-- number seq of (node, boot) in row chunk = seq div 4096 (rollup/seen.h); kept for
-- replay_days (aggd-rollup.conf) after their last update
CREATE TABLE IF NOT EXISTS rollup_seen (
	node_id     INT UNSIGNED NOT NULL,
	boot_id     BIGINT NOT NULL,
	chunk       BIGINT NOT NULL,
	bits        VARBINARY(512) NOT NULL,
	updated     DATETIME NOT NULL,
	PRIMARY KEY (node_id, boot_id, chunk),
	KEY by_updated (updated)
) ENGINE=InnoDB;

GRANT SELECT, INSERT, UPDATE, DELETE ON rollup_seen TO dnsa_rollup;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW rollup_status AS
SELECT aggregator, datagram_id, node_stats_id, updated,
       TIMESTAMPDIFF(SECOND, updated, UTC_TIMESTAMP()) AS seconds_since_update,
       batches, datagrams, records, estimated, quarantined, names_untracked,
       replayed, refused, zones_folded, asn_folded, saturated
FROM rollup_checkpoint
WHERE EXISTS (SELECT 1 FROM staff_self);
