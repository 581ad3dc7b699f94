-- sql/queries/rollup_lag.sql: (staff) Is every aggregator's rollup keeping up, and how much did it quarantine?
SELECT aggregator, updated, seconds_since_update, datagrams, records, estimated, quarantined
FROM rollup_status
ORDER BY seconds_since_update DESC;
