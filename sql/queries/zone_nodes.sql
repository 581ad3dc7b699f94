-- sql/queries/zone_nodes.sql: Which anycast nodes answered my zones, and how much each?
-- Window (UTC, set before running to change it): @from <= day < @to. Default: yesterday and
-- today so far (today is a partial day); SET @from = '2026-11-01', @to = '2026-11-02' for one day.
-- Reads zone_node_day, one row per zone, node and day: the last 24 hours of zone_node_hour are
-- 24 rows per zone and node (600,000 at 500 zones x 50 nodes, ~3 s; this is 2 per pair,
-- BENCHMARKS.md "Saved queries under 1 s"). For hours, the same query on zone_node_hour.
SET @w_from = COALESCE(@from, UTC_DATE() - INTERVAL 1 DAY), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, node, SUM(queries) AS queries,
       ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 2) AS pct
FROM zone_node_day
WHERE ts >= @w_from AND ts < @w_to
GROUP BY zone, node
ORDER BY zone, queries DESC;
