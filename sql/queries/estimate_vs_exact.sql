-- sql/queries/estimate_vs_exact.sql: (staff) Per node and hour, how does the sampled estimate compare with capd's exact message count?
-- messages_exact counts every message capd saw (all types); recorded_estimate is the sum of
-- weights of the records that reached MariaDB (responses by default), so with responses-only
-- recording expect recorded_estimate ~ messages_exact / 2 minus what was lost (node_loss.sql).
SELECT node, ts, messages_exact, recorded_estimate, sampled, recorded,
       ROUND(recorded_estimate / NULLIF(messages_exact, 0), 4) AS ratio
FROM node_health_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 24 HOUR
ORDER BY node, ts;
