-- sql/queries/latency_by_zone.sql: How fast does each of my zones answer (p50/p95/p99 response time in microseconds, per hour, last 24 hours, the current hour included)?
-- Estimated from fixed log-scale histograms (docs/sql.md, "Latency"); metric 'response' = response time - query time where the input knows both.
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours, the current (partial) hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 24 HOUR, '%Y-%m-%d %H:00:00')),
    @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, ts, responses, ROUND(p50_us) AS p50_us, ROUND(p95_us) AS p95_us, ROUND(p99_us) AS p99_us
FROM zone_latency_pct_hour
WHERE metric = 'response' AND ts >= @w_from AND ts < @w_to
ORDER BY zone, ts;
