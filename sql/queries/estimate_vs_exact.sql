-- sql/queries/estimate_vs_exact.sql: (staff) Per node and hour, does the sampled estimate account for every message capd counted exactly?
-- recordable_exact = messages of the recorded types (responses by default) that reached the
-- sampler, exact; queries_exact and responses_exact are the clients' queries and the server's
-- responses, exact (messages_exact counts every type, so an authoritative server's is about
-- twice its queries: compare the estimate with recordable_exact, never with messages_exact).
-- They should add up: recordable_exact = recorded_estimate + zone_unlisted (messages for zones
-- capd does not measure: traffic, not loss; 0 here when capd records them, unlisted = record)
-- + decode_errors_estimate + what was lost on the way (node_loss.sql) +- sampling error.
-- unexplained is what is left; unlisted_is_exact = 1: zone_unlisted is exact (every message sampled), 0: an estimate.
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours: 23 whole ones and the current,
-- partial hour included (its counters and records may straddle the hour: compare whole hours).
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 23 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT node, ts, queries_exact, responses_exact, recordable_exact, recorded_estimate,
       zone_unlisted_estimate AS zone_unlisted, unlisted_is_exact, ROUND(100 * unlisted_share, 2) AS unlisted_pct,
       decode_errors_estimate,
       CAST(recordable_exact AS SIGNED) - CAST(COALESCE(recorded_estimate, 0) AS SIGNED)
         - CAST(zone_unlisted_estimate AS SIGNED) - CAST(decode_errors_estimate AS SIGNED) AS unexplained,
       sampled, recorded, messages_exact
FROM node_health_hour
WHERE ts >= @w_from AND ts < @w_to
ORDER BY node, ts;
