-- sql/queries/zone_exact.sql: Per zone over the last 24 hours: the nameservers' exact totals next to the sampled estimate.
-- exact_* come from the servers' own per-zone statistics (Knot zone mod-stats, NSD zonestats, BIND zone-statistics),
-- summed over the nodes that report them; estimated_responses is the sum of record weights.
SELECT zone, SUM(exact_queries) AS exact_queries, SUM(exact_responses) AS exact_responses,
       SUM(estimated_responses) AS estimated_responses,
       ROUND(100 * (SUM(estimated_responses) - SUM(exact_responses)) / NULLIF(SUM(exact_responses), 0), 2)
         AS estimate_error_pct,
       SUM(exact_nxdomain) AS exact_nxdomain, SUM(exact_refused) AS exact_refused, MAX(nodes) AS nodes
FROM zone_exact_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR
GROUP BY zone
ORDER BY exact_queries DESC, zone;
