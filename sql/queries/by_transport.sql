-- sql/queries/by_transport.sql: How do clients reach my zones: UDP, TCP, DoT, DoH, DoQ (last 24 hours, share)?
SELECT zone, transport, SUM(queries) AS queries,
       ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 2) AS pct
FROM zone_by_transport_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR
GROUP BY zone, transport
ORDER BY zone, queries DESC;
