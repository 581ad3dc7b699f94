-- sql/queries/by_ipver.sql: What share of my zones' queries arrives over IPv6, day by day (last 30 days)?
SELECT zone, DATE(ts) AS day,
       SUM(IF(ipver = '6', queries, 0)) AS ipv6, SUM(IF(ipver = '4', queries, 0)) AS ipv4,
       ROUND(100 * SUM(IF(ipver = '6', queries, 0)) / SUM(queries), 2) AS ipv6_pct
FROM zone_by_ipver_day
WHERE ts >= UTC_DATE() - INTERVAL 30 DAY
GROUP BY zone, DATE(ts)
ORDER BY zone, day;
