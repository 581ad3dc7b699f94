-- sql/queries/distinct_resolvers.sql: Distinct resolvers (client addresses) and /24-/48 prefixes per zone, per day, with standard errors.
-- Window: @from .. @to (UTC), default the last 7 days up to now, the current (partial) day included.
-- resolvers = distinct client addresses among the zone's SAMPLED records (HyperLogLog, 1.6% se);
-- with sampling other than `all` (sampled = 1) it is a lower bound: a resolver sending k queries
-- is counted with probability 1 - (1 - 1/n)^k (see docs/sql.md). low/high: +-2 standard errors.
SET @w_from = COALESCE(@from, UTC_DATE() - INTERVAL 6 DAY),
    @w_to = COALESCE(@to, UTC_TIMESTAMP() + INTERVAL 1 SECOND);
SELECT zone, ts AS day, resolvers, resolvers_se,
       ROUND(resolvers - 2 * resolvers_se) AS resolvers_low, ROUND(resolvers + 2 * resolvers_se) AS resolvers_high,
       prefixes, prefixes_se, sampled
FROM zone_resolvers_day
WHERE ts >= @w_from AND ts < @w_to
ORDER BY zone, day;
