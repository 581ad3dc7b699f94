-- sql/mariadb/008_health_estimates.sql: node health keeps exact and estimated numbers apart (issue 14): zone_unlisted and parse errors as estimates, capture cuts and TCP losses shown.
--
-- capd no longer sends zone_unlisted (a count of sampled messages only, which looked exact);
-- zone_unlisted_est and parse_errors_est are sums of sampling weights, unbiased estimates
-- (exact under sampling mode all). input_errors keeps only exact counters; the estimated
-- decode errors get their own column. msg_cut (messages the capture cut, counted and recorded
-- flagged) and tcp_lost (DNS-over-TCP messages lost by reassembly) are shown next to them.
-- docs/wire-format.md lists every counter with its kind.


-- node health per minute: exact capd counters, aggd loss, and the estimates (named so) side by side
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_minute AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS messages_exact,
  (SELECT s.est FROM series_minute s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts) AS recorded_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0)) AS sampled,
  SUM(IF(c.source = 'capd' AND c.counter = 'recorded', c.value, 0)) AS recorded,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted_est', c.value, 0)) AS zone_unlisted_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_overload', c.value, 0)) AS drop_overload,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_batch', c.value, 0)) AS drop_batch,
  SUM(IF(c.source = 'capd' AND c.counter IN ('frame_errors', 'pkt_errors'), c.value, 0)) AS input_errors,
  SUM(IF(c.source = 'capd' AND c.counter IN ('parse_errors_est', 'dnstap_errors'), c.value, 0)) AS decode_errors_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_cut', c.value, 0)) AS capture_cut,
  SUM(IF(c.source = 'capd' AND c.counter = 'tcp_lost', c.value, 0)) AS tcp_lost,
  SUM(IF(c.source = 'capd' AND c.counter = 'pcap_drop', c.value, 0)) AS pcap_drop,
  SUM(IF(c.source = 'capd' AND c.counter = 'datagrams_sent', c.value, 0)) AS datagrams_sent,
  SUM(IF(c.source = 'capd' AND c.counter = 'send_errors', c.value, 0)) AS send_errors,
  SUM(IF(c.source = 'capd' AND c.counter = 'records_dropped_send', c.value, 0)) AS records_dropped_send,
  SUM(IF(c.source = 'aggd' AND c.counter = 'datagrams', c.value, 0)) AS datagrams_received,
  SUM(IF(c.source = 'aggd' AND c.counter = 'records', c.value, 0)) AS records_received,
  SUM(IF(c.source = 'aggd' AND c.counter = 'gaps', c.value, 0)) AS udp_lost,
  SUM(IF(c.source = 'aggd' AND c.counter = 'duplicates', c.value, 0)) AS duplicates,
  SUM(IF(c.source = 'aggd' AND c.counter LIKE 'reject%', c.value, 0)) AS rejected,
  SUM(IF(c.source = 'aggd' AND c.counter = 'staging_drops', c.value, 0)) AS staging_drops,
  SUM(IF(c.source = 'rollup' AND c.counter = 'quarantined', c.value, 0)) AS quarantined,
  SUM(IF(c.source = 'aggd' AND c.counter = 'gaps', c.value, 0))
    / NULLIF(SUM(IF(c.source = 'aggd' AND c.counter IN ('gaps', 'datagrams'), c.value, 0)), 0) AS udp_loss_share
FROM node_counter_minute c JOIN node d ON d.node_id = c.node_id
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;

-- node health per hour: exact capd counters, aggd loss, and the estimates (named so) side by side
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_hour AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS messages_exact,
  (SELECT s.est FROM series_hour s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts) AS recorded_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0)) AS sampled,
  SUM(IF(c.source = 'capd' AND c.counter = 'recorded', c.value, 0)) AS recorded,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted_est', c.value, 0)) AS zone_unlisted_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_overload', c.value, 0)) AS drop_overload,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_batch', c.value, 0)) AS drop_batch,
  SUM(IF(c.source = 'capd' AND c.counter IN ('frame_errors', 'pkt_errors'), c.value, 0)) AS input_errors,
  SUM(IF(c.source = 'capd' AND c.counter IN ('parse_errors_est', 'dnstap_errors'), c.value, 0)) AS decode_errors_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_cut', c.value, 0)) AS capture_cut,
  SUM(IF(c.source = 'capd' AND c.counter = 'tcp_lost', c.value, 0)) AS tcp_lost,
  SUM(IF(c.source = 'capd' AND c.counter = 'pcap_drop', c.value, 0)) AS pcap_drop,
  SUM(IF(c.source = 'capd' AND c.counter = 'datagrams_sent', c.value, 0)) AS datagrams_sent,
  SUM(IF(c.source = 'capd' AND c.counter = 'send_errors', c.value, 0)) AS send_errors,
  SUM(IF(c.source = 'capd' AND c.counter = 'records_dropped_send', c.value, 0)) AS records_dropped_send,
  SUM(IF(c.source = 'aggd' AND c.counter = 'datagrams', c.value, 0)) AS datagrams_received,
  SUM(IF(c.source = 'aggd' AND c.counter = 'records', c.value, 0)) AS records_received,
  SUM(IF(c.source = 'aggd' AND c.counter = 'gaps', c.value, 0)) AS udp_lost,
  SUM(IF(c.source = 'aggd' AND c.counter = 'duplicates', c.value, 0)) AS duplicates,
  SUM(IF(c.source = 'aggd' AND c.counter LIKE 'reject%', c.value, 0)) AS rejected,
  SUM(IF(c.source = 'aggd' AND c.counter = 'staging_drops', c.value, 0)) AS staging_drops,
  SUM(IF(c.source = 'rollup' AND c.counter = 'quarantined', c.value, 0)) AS quarantined,
  SUM(IF(c.source = 'aggd' AND c.counter = 'gaps', c.value, 0))
    / NULLIF(SUM(IF(c.source = 'aggd' AND c.counter IN ('gaps', 'datagrams'), c.value, 0)), 0) AS udp_loss_share
FROM node_counter_hour c JOIN node d ON d.node_id = c.node_id
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;

-- node health per day: exact capd counters, aggd loss, and the estimates (named so) side by side
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_day AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS messages_exact,
  (SELECT s.est FROM series_day s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts) AS recorded_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0)) AS sampled,
  SUM(IF(c.source = 'capd' AND c.counter = 'recorded', c.value, 0)) AS recorded,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted_est', c.value, 0)) AS zone_unlisted_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_overload', c.value, 0)) AS drop_overload,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_batch', c.value, 0)) AS drop_batch,
  SUM(IF(c.source = 'capd' AND c.counter IN ('frame_errors', 'pkt_errors'), c.value, 0)) AS input_errors,
  SUM(IF(c.source = 'capd' AND c.counter IN ('parse_errors_est', 'dnstap_errors'), c.value, 0)) AS decode_errors_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_cut', c.value, 0)) AS capture_cut,
  SUM(IF(c.source = 'capd' AND c.counter = 'tcp_lost', c.value, 0)) AS tcp_lost,
  SUM(IF(c.source = 'capd' AND c.counter = 'pcap_drop', c.value, 0)) AS pcap_drop,
  SUM(IF(c.source = 'capd' AND c.counter = 'datagrams_sent', c.value, 0)) AS datagrams_sent,
  SUM(IF(c.source = 'capd' AND c.counter = 'send_errors', c.value, 0)) AS send_errors,
  SUM(IF(c.source = 'capd' AND c.counter = 'records_dropped_send', c.value, 0)) AS records_dropped_send,
  SUM(IF(c.source = 'aggd' AND c.counter = 'datagrams', c.value, 0)) AS datagrams_received,
  SUM(IF(c.source = 'aggd' AND c.counter = 'records', c.value, 0)) AS records_received,
  SUM(IF(c.source = 'aggd' AND c.counter = 'gaps', c.value, 0)) AS udp_lost,
  SUM(IF(c.source = 'aggd' AND c.counter = 'duplicates', c.value, 0)) AS duplicates,
  SUM(IF(c.source = 'aggd' AND c.counter LIKE 'reject%', c.value, 0)) AS rejected,
  SUM(IF(c.source = 'aggd' AND c.counter = 'staging_drops', c.value, 0)) AS staging_drops,
  SUM(IF(c.source = 'rollup' AND c.counter = 'quarantined', c.value, 0)) AS quarantined,
  SUM(IF(c.source = 'aggd' AND c.counter = 'gaps', c.value, 0))
    / NULLIF(SUM(IF(c.source = 'aggd' AND c.counter IN ('gaps', 'datagrams'), c.value, 0)), 0) AS udp_loss_share
FROM node_counter_day c JOIN node d ON d.node_id = c.node_id
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;
