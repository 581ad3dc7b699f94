-- sql/queries/by_qtype.sql: Which query types do my zones get (last 24 hours, share per zone)?
-- 'none' = messages without a question section; unknown types read TYPEnnn (RFC 3597).
SELECT zone, qtype, SUM(queries) AS queries,
       ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 2) AS pct
FROM zone_by_qtype_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR
GROUP BY zone, qtype
ORDER BY zone, queries DESC;
