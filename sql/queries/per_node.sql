-- sql/queries/per_node.sql: (staff) What is each node's query rate, minute by minute?
-- Window (UTC): @from <= minute < @to. Default: the last hour: 59 whole minutes and the current,
-- partial minute included: its qps is over the seconds it covers (seconds < 60).
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 59 MINUTE, '%Y-%m-%d %H:%i:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT node, ts, ROUND(qps, 1) AS qps, queries, sampled, seconds
FROM node_qps_minute
WHERE ts >= @w_from AND ts < @w_to
ORDER BY node, ts;
