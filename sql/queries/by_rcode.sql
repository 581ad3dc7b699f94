-- sql/queries/by_rcode.sql: Which response codes do my zones send (last 24 hours, share)? REFUSED or SERVFAIL growing means trouble.
SELECT zone, rcode, SUM(queries) AS queries,
       ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 3) AS pct
FROM zone_by_rcode_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR
GROUP BY zone, rcode
ORDER BY zone, queries DESC;
