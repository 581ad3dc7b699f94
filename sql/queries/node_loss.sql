-- sql/queries/node_loss.sql: (staff) Which nodes lost data on the way, where, and how much?
-- udp_lost = sequence gaps seen by aggd; drop_* = capd shed load; send_errors = capd could not send;
-- rejected = aggd refused datagrams; quarantined = staged rows the rollup could not decode.
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours: 23 whole ones and the current,
-- partial hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 23 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT node, SUM(messages_exact) AS messages, SUM(drop_overload) AS drop_overload,
       SUM(drop_batch) AS drop_batch, SUM(pcap_drop) AS pcap_drop, SUM(send_errors) AS send_errors,
       SUM(datagrams_sent) AS sent, SUM(datagrams_received) AS received, SUM(udp_lost) AS udp_lost,
       ROUND(100 * SUM(udp_lost) / NULLIF(SUM(udp_lost) + SUM(datagrams_received), 0), 3) AS udp_loss_pct,
       SUM(duplicates) AS duplicates, SUM(rejected) AS rejected, SUM(staging_drops) AS staging_drops,
       SUM(quarantined) AS quarantined
FROM node_health_hour
WHERE ts >= @w_from AND ts < @w_to
GROUP BY node
ORDER BY udp_loss_pct DESC, node;
