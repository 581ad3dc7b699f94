-- sql/queries/by_country.sql: From which countries do my zones' queries come (last 24 hours, top 20 per zone, with share)?
-- '--' = country unknown (no geo database entry, or geo lookup disabled on the node).
SELECT zone, country, queries, ROUND(100 * share, 2) AS pct
FROM (
	SELECT zone, country, SUM(queries) AS queries,
	       SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone) AS share,
	       ROW_NUMBER() OVER (PARTITION BY zone ORDER BY SUM(queries) DESC) AS rnk
	FROM zone_by_country_hour
	WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR
	GROUP BY zone, country
) t
WHERE rnk <= 20
ORDER BY zone, queries DESC;
