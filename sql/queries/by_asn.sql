-- sql/queries/by_asn.sql: Which networks (AS numbers) sent my zones the most queries (top 20 per zone)? ASN 0 = unknown.
-- Window (UTC, set before running to change it): @from <= day < @to. Default: yesterday and
-- today so far (today is a partial day); SET @from = '2026-11-01', @to = '2026-11-02' for one day.
SET @w_from = COALESCE(@from, UTC_DATE() - INTERVAL 1 DAY), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, asn, queries
FROM (
	SELECT zone, asn, SUM(queries) AS queries,
	       ROW_NUMBER() OVER (PARTITION BY zone ORDER BY SUM(queries) DESC) AS rnk
	FROM zone_by_asn_day
	WHERE ts >= @w_from AND ts < @w_to
	GROUP BY zone, asn
) t
WHERE rnk <= 20
ORDER BY zone, queries DESC;
