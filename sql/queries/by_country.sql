-- sql/queries/by_country.sql: From which countries do my zones' queries come (top 20 per zone, with share)?
-- '--' = country unknown (no geo database entry, or geo lookup disabled on the node).
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours: 23 whole ones and the current,
-- partial hour included (it holds what the rollup has written so far).
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 23 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, country, queries, ROUND(100 * share, 2) AS pct
FROM (
	SELECT zone, country, SUM(queries) AS queries,
	       SUM(queries) / SUM(SUM(queries)) OVER (PARTITION BY zone) AS share,
	       ROW_NUMBER() OVER (PARTITION BY zone ORDER BY SUM(queries) DESC) AS rnk
	FROM zone_by_country_hour
	WHERE ts >= @w_from AND ts < @w_to
	GROUP BY zone, country
) t
WHERE rnk <= 20
ORDER BY zone, queries DESC;
