-- sql/queries/latency_by_node.sql: How fast does each node answer, all zones together (p50/p95/p99 in microseconds, per hour, last 24 hours, the current hour included)? Staff only.
-- metric 'response' is the server's answer time; 'tcp_rtt' the passive TCP handshake RTT to the resolvers (docs/sql.md, "Latency").
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours, the current (partial) hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 24 HOUR, '%Y-%m-%d %H:00:00')),
    @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT node, metric, ts, responses, ROUND(p50_us) AS p50_us, ROUND(p95_us) AS p95_us, ROUND(p99_us) AS p99_us
FROM node_latency_pct_hour
WHERE ts >= @w_from AND ts < @w_to
ORDER BY node, metric, ts;
