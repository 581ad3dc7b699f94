-- sql/queries/by_ipver.sql: What share of my zones' queries arrives over IPv6, day by day?
-- Window (UTC): @from <= day < @to. Default: the 30 days before today and today so far (today's row
-- is a partial day: its seconds < 86400).
SET @w_from = COALESCE(@from, UTC_DATE() - INTERVAL 30 DAY), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, DATE(ts) AS day,
       SUM(IF(ipver = '6', queries, 0)) AS ipv6, SUM(IF(ipver = '4', queries, 0)) AS ipv4,
       ROUND(100 * SUM(IF(ipver = '6', queries, 0)) / SUM(queries), 2) AS ipv6_pct, MAX(seconds) AS seconds
FROM zone_by_ipver_day
WHERE ts >= @w_from AND ts < @w_to
GROUP BY zone, DATE(ts)
ORDER BY zone, day;
