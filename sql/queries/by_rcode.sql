-- sql/queries/by_rcode.sql: Which response codes do my zones send (share)? REFUSED or SERVFAIL growing means trouble.
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours: 23 whole ones and the current,
-- partial hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 23 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, rcode, SUM(queries) AS queries,
       ROUND(100 * SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone), 3) AS pct
FROM zone_by_rcode_hour
WHERE ts >= @w_from AND ts < @w_to
GROUP BY zone, rcode
ORDER BY zone, queries DESC;
