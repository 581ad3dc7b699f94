-- sql/queries/by_asn.sql: Which networks (AS numbers) sent my zones the most queries yesterday (top 20 per zone)? ASN 0 = unknown.
SELECT zone, asn, queries
FROM (
	SELECT zone, asn, SUM(queries) AS queries,
	       ROW_NUMBER() OVER (PARTITION BY zone ORDER BY SUM(queries) DESC) AS rnk
	FROM zone_by_asn_day
	WHERE ts = UTC_DATE() - INTERVAL 1 DAY
	GROUP BY zone, asn
) t
WHERE rnk <= 20
ORDER BY zone, queries DESC;
