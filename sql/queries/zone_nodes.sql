-- sql/queries/zone_nodes.sql: Which anycast nodes answered my zones, and how much each?
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours: 23 whole ones and the current,
-- partial hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 23 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, node, SUM(queries) AS queries,
       ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 2) AS pct
FROM zone_node_hour
WHERE ts >= @w_from AND ts < @w_to
GROUP BY zone, node
ORDER BY zone, queries DESC;
