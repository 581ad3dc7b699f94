-- sql/queries/per_node.sql: (staff) What is each node's query rate, minute by minute, over the last hour?
SELECT node, ts, ROUND(qps, 1) AS qps, queries, sampled
FROM node_qps_minute
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 1 HOUR
ORDER BY node, ts;
