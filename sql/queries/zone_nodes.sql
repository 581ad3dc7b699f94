-- sql/queries/zone_nodes.sql: Which anycast nodes answered my zones over the last 24 hours, and how much each?
SELECT zone, node, SUM(queries) AS queries,
       ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 2) AS pct
FROM zone_node_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR
GROUP BY zone, node
ORDER BY zone, queries DESC;
