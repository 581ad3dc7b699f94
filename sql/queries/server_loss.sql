-- sql/queries/server_loss.sql: (staff) How much did each nameserver lose inside itself (its dnstap queue)?
-- server_responses = what the server says it answered (its own statistics, capd [server_stats]);
-- dnstap_responses = what reached capd over dnstap; lost_responses = the difference, lost before any reader.
-- stats_read_errors > 0: capd could not always read the server's statistics (see capd's log).
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours: 23 whole ones and the current,
-- partial hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 23 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT node, SUM(server_responses) AS server_responses, SUM(dnstap_responses) AS dnstap_responses,
       SUM(lost_responses) AS lost_responses,
       ROUND(100 * SUM(lost_responses) / NULLIF(SUM(server_responses), 0), 3) AS lost_pct,
       SUM(server_queries) AS server_queries, SUM(dnstap_queries) AS dnstap_queries,
       SUM(lost_queries) AS lost_queries, SUM(server_dropped) AS server_dropped,
       SUM(stats_read_errors) AS stats_read_errors, SUM(server_restarts) AS server_restarts
FROM node_server_loss_hour
WHERE ts >= @w_from AND ts < @w_to
GROUP BY node
ORDER BY lost_pct DESC, node;
