-- sql/queries/rollup_lag.sql: (staff) Is every aggregator's rollup keeping up, and how much did it quarantine?
-- No window: one row per aggregator, as of now (totals since its first run).
SELECT aggregator, updated, seconds_since_update, datagrams, records, estimated, quarantined
FROM rollup_status
ORDER BY seconds_since_update DESC;
