-- sql/queries/qps_by_zone.sql: What is the query rate of each of my zones, minute by minute?
-- Reads zone_qps_minute (partners see their zones, staff all). qps is an estimate: the sum of
-- sampling weights / the seconds the minute covers (60, or for the current minute the
-- seconds up to the last rollup: shown in seconds).
-- Window (UTC): @from <= minute < @to. Default: the last hour: 59 whole minutes and the current,
-- partial minute included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 59 MINUTE, '%Y-%m-%d %H:%i:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, ts, ROUND(qps, 1) AS qps, queries, sampled, seconds
FROM zone_qps_minute
WHERE ts >= @w_from AND ts < @w_to
ORDER BY zone, ts;
