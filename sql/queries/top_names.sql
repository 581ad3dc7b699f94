-- sql/queries/top_names.sql: Which names in my zones were queried most in the last complete hour (top 20 per zone)?
-- Names are truncated by capd to the zone plus N labels; counts are estimates (see docs/sql.md, "top names").
SELECT zone, ts, rnk, qname, queries
FROM zone_top_names_hour
WHERE ts = DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 1 HOUR, '%Y-%m-%d %H:00:00') AND rnk <= 20
ORDER BY zone, rnk;
