-- sql/queries/zone_exact.sql: Per zone: the nameservers' exact totals next to the sampled estimate.
-- exact_* come from the servers' own per-zone statistics (Knot zone mod-stats, NSD zonestats, BIND zone-statistics),
-- summed over the nodes that report them; estimated_responses is the sum of record weights.
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours: 23 whole ones and the current,
-- partial hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 23 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, SUM(exact_queries) AS exact_queries, SUM(exact_responses) AS exact_responses,
       SUM(estimated_responses) AS estimated_responses,
       ROUND(100 * (SUM(estimated_responses) - SUM(exact_responses)) / NULLIF(SUM(exact_responses), 0), 2)
         AS estimate_error_pct,
       SUM(exact_nxdomain) AS exact_nxdomain, SUM(exact_refused) AS exact_refused, MAX(nodes) AS nodes
FROM zone_exact_hour
WHERE ts >= @w_from AND ts < @w_to
GROUP BY zone
ORDER BY exact_queries DESC, zone;
