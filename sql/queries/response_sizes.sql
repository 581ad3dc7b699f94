-- sql/queries/response_sizes.sql: How big are my zones' responses (last 24 hours)? Bands above 1232 bytes risk fragmentation or truncation over UDP.
SELECT zone, rsize_band, SUM(queries) AS queries,
       ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 2) AS pct
FROM zone_by_rsize_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR
GROUP BY zone, rsize_band
ORDER BY zone, CAST(rsize_band AS UNSIGNED);
