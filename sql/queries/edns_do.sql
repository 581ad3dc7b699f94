-- sql/queries/edns_do.sql: What share of my zones' queries uses EDNS, and asks for DNSSEC (DO bit) (last 24 hours)?
SELECT zone,
       ROUND(100 * SUM(IF(dim = 'edns' AND val <> 'none', queries, 0)) / SUM(IF(dim = 'edns', queries, 0)), 2) AS edns_pct,
       ROUND(100 * SUM(IF(dim = 'do' AND val = '1', queries, 0)) / SUM(IF(dim = 'do', queries, 0)), 2) AS do_pct
FROM zone_dim_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR AND dim IN ('edns', 'do')
GROUP BY zone
ORDER BY zone;
