-- sql/queries/qps_by_zone.sql: What is the query rate of each of my zones, minute by minute, over the last hour?
-- Reads zone_qps_minute (partners see their zones, staff all). qps is an estimate: sum of sampling weights / 60.
SELECT zone, ts, ROUND(qps, 1) AS qps, queries, sampled
FROM zone_qps_minute
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 1 HOUR
ORDER BY zone, ts;
