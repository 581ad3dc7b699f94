-- sql/queries/edns_do.sql: What share of my zones' queries uses EDNS, and asks for DNSSEC (DO bit)?
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours: 23 whole ones and the current,
-- partial hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 23 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone,
       ROUND(100 * SUM(IF(dim = 'edns' AND val <> 'none', queries, 0)) / SUM(IF(dim = 'edns', queries, 0)), 2) AS edns_pct,
       ROUND(100 * SUM(IF(dim = 'do' AND val = '1', queries, 0)) / SUM(IF(dim = 'do', queries, 0)), 2) AS do_pct
FROM zone_dim_hour
WHERE ts >= @w_from AND ts < @w_to AND dim IN ('edns', 'do')
GROUP BY zone
ORDER BY zone;
