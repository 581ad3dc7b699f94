-- sql/mariadb/011_totals_windows.sql: node totals by message type beside the estimate (issue 15.5); qps over the covered seconds of a bucket (15.6).
-- Re-runnable: views only (CREATE OR REPLACE), then dnsa_seal_partner_views() (006).
--
-- 1. qps. A bucket still in progress (the current minute, hour, day) holds only the part
-- of it the rollup has seen, so dividing it by 60, 3600 or 86400 understated its rate
-- (20 s of a minute at 100 qps read 33 qps). Every view with a qps column now divides by
-- `seconds`, the covered seconds of its bucket:
--   seconds = LEAST(span, GREATEST(1, last_rollup - ts)),  last_rollup = MAX(rollup_checkpoint.updated)
-- i.e. the whole span for a bucket that ended before the last rollup commit, else the
-- seconds from the bucket's start to that commit (at least 1). The data of a bucket is
-- complete up to that commit minus capd's flush (1 s by default). A bucket that starts
-- after the last commit (records from a node whose clock is ahead) and, with no rollup
-- row (rows put in by hand), every bucket count as whole. The column is appended last, so
-- queries naming columns keep working; seconds < span marks a partial bucket.
--
-- 2. node_health_*: messages_exact is msg_total, every message of every dnstap type (an
-- authoritative server logs a query and a response per exchange: twice the queries; a
-- resolver's RESOLVER_* traffic more). The new columns, all exact unless named so:
--   queries_exact     = msg_auth_query + msg_client_query   (clients' queries to the server)
--   responses_exact   = msg_auth_response + msg_client_response
--   auth_*_exact, client_*_exact      the same per dnstap type
--   resolver_messages_exact           RESOLVER_QUERY + RESOLVER_RESPONSE (a resolver's own upstream traffic)
--   other_messages_exact              FORWARDER_*, STUB_*, TOOL_*, UPDATE_*
--   not_sampled_type                  messages of the types capd does not record
--   recordable_exact  = messages_exact - not_sampled_type - drop_overload
--                       (messages of the recorded types that reached the sampler)
--   zone_unlisted_estimate (008) = capd's zone_unlisted_est: messages of the recorded types
--                       for zones not configured; unlisted_is_exact is 1 when every such message
--                       was sampled (sampled = recordable_exact, so each weight was 1:
--                       mode all), else 0: an estimate (a sum of weights). A number, not a
--                       word: dnsa-api's /nodes/health gives every column but node, ts as one
--   unlisted_share    = zone_unlisted_estimate / recordable_exact: traffic for other zones, not loss
--   estimate_share    = recorded_estimate / recordable_exact
-- and they relate (see docs/sql.md, "Estimates and exact counts"):
--   recordable_exact = recorded_estimate + zone_unlisted_estimate (unless capd records unlisted
--     zones: unlisted = record puts them in recorded_estimate, zone '.')
--     + decode_errors_estimate + what was lost on the way (drop_batch, records_dropped_send,
--     udp_lost, rejected, quarantined: records, times their weight) +- sampling error.
-- The first 25 columns are those of 008, in the same order.

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
    / NULLIF(SUM(IF(c.source = 'aggd' AND c.counter IN ('gaps', 'datagrams'), c.value, 0)), 0) AS udp_loss_share,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_auth_query', 'msg_client_query'), c.value, 0)) AS queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_auth_response', 'msg_client_response'), c.value, 0)) AS responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_auth_query', c.value, 0)) AS auth_queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_auth_response', c.value, 0)) AS auth_responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_client_query', c.value, 0)) AS client_queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_client_response', c.value, 0)) AS client_responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_resolver_query', 'msg_resolver_response'), c.value, 0)) AS resolver_messages_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_forwarder_query', 'msg_forwarder_response', 'msg_stub_query',
         'msg_stub_response', 'msg_tool_query', 'msg_tool_response', 'msg_update_query', 'msg_update_response'),
         c.value, 0)) AS other_messages_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'not_sampled_type', c.value, 0)) AS not_sampled_type,
  CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED)
    AS recordable_exact,
  IF(SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0))
       = CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
         - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED),
     1, 0) AS unlisted_is_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted_est', c.value, 0))
    / NULLIF(CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
      - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED), 0)
    AS unlisted_share,
  (SELECT s.est FROM series_minute s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts)
    / NULLIF(CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
      - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED), 0)
    AS estimate_share
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
    / NULLIF(SUM(IF(c.source = 'aggd' AND c.counter IN ('gaps', 'datagrams'), c.value, 0)), 0) AS udp_loss_share,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_auth_query', 'msg_client_query'), c.value, 0)) AS queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_auth_response', 'msg_client_response'), c.value, 0)) AS responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_auth_query', c.value, 0)) AS auth_queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_auth_response', c.value, 0)) AS auth_responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_client_query', c.value, 0)) AS client_queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_client_response', c.value, 0)) AS client_responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_resolver_query', 'msg_resolver_response'), c.value, 0)) AS resolver_messages_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_forwarder_query', 'msg_forwarder_response', 'msg_stub_query',
         'msg_stub_response', 'msg_tool_query', 'msg_tool_response', 'msg_update_query', 'msg_update_response'),
         c.value, 0)) AS other_messages_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'not_sampled_type', c.value, 0)) AS not_sampled_type,
  CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED)
    AS recordable_exact,
  IF(SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0))
       = CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
         - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED),
     1, 0) AS unlisted_is_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted_est', c.value, 0))
    / NULLIF(CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
      - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED), 0)
    AS unlisted_share,
  (SELECT s.est FROM series_hour s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts)
    / NULLIF(CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
      - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED), 0)
    AS estimate_share
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
    / NULLIF(SUM(IF(c.source = 'aggd' AND c.counter IN ('gaps', 'datagrams'), c.value, 0)), 0) AS udp_loss_share,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_auth_query', 'msg_client_query'), c.value, 0)) AS queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_auth_response', 'msg_client_response'), c.value, 0)) AS responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_auth_query', c.value, 0)) AS auth_queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_auth_response', c.value, 0)) AS auth_responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_client_query', c.value, 0)) AS client_queries_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_client_response', c.value, 0)) AS client_responses_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_resolver_query', 'msg_resolver_response'), c.value, 0)) AS resolver_messages_exact,
  SUM(IF(c.source = 'capd' AND c.counter IN ('msg_forwarder_query', 'msg_forwarder_response', 'msg_stub_query',
         'msg_stub_response', 'msg_tool_query', 'msg_tool_response', 'msg_update_query', 'msg_update_response'),
         c.value, 0)) AS other_messages_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'not_sampled_type', c.value, 0)) AS not_sampled_type,
  CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED)
    AS recordable_exact,
  IF(SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0))
       = CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
         - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED),
     1, 0) AS unlisted_is_exact,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted_est', c.value, 0))
    / NULLIF(CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
      - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED), 0)
    AS unlisted_share,
  (SELECT s.est FROM series_day s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts)
    / NULLIF(CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
      - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED), 0)
    AS estimate_share
FROM node_counter_day c JOIN node d ON d.node_id = c.node_id
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;

-- ---- qps over the covered seconds (columns as in 002, seconds appended) ----

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_minute AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_minute s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_minute AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_minute s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim <> 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_minute AS
SELECT s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_minute s
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_minute AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_minute s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_minute AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_minute s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_hour AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_hour AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim <> 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_hour AS
SELECT s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_hour AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_hour AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_day AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_day AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim <> 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_day AS
SELECT s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_day AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_day AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_country_hour AS
SELECT z.name AS zone, s.ts, s.val AS country, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'country';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_qtype_hour AS
SELECT z.name AS zone, s.ts, s.val AS qtype, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'qtype';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rcode_hour AS
SELECT z.name AS zone, s.ts, s.val AS rcode, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'rcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_transport_hour AS
SELECT z.name AS zone, s.ts, s.val AS transport, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'transport';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_ipver_hour AS
SELECT z.name AS zone, s.ts, s.val AS ipver, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'ipver';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_edns_hour AS
SELECT z.name AS zone, s.ts, s.val AS edns, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'edns';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_do_hour AS
SELECT z.name AS zone, s.ts, s.val AS do_bit, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'do';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_opcode_hour AS
SELECT z.name AS zone, s.ts, s.val AS opcode, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'opcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rsize_hour AS
SELECT z.name AS zone, s.ts, s.val AS rsize_band, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'rsize';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_asn_hour AS
SELECT z.name AS zone, s.ts, s.val AS asn, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'asn';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_asn_day AS
SELECT z.name AS zone, s.ts, s.val AS asn, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'asn';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_country_day AS
SELECT z.name AS zone, s.ts, s.val AS country, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'country';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_qtype_day AS
SELECT z.name AS zone, s.ts, s.val AS qtype, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'qtype';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rcode_day AS
SELECT z.name AS zone, s.ts, s.val AS rcode, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'rcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_transport_day AS
SELECT z.name AS zone, s.ts, s.val AS transport, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'transport';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_ipver_day AS
SELECT z.name AS zone, s.ts, s.val AS ipver, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'ipver';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_node_hour AS
SELECT z.name AS zone, d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id JOIN node d ON d.node_id = s.node_id
WHERE s.node_id <> 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_node_day AS
SELECT z.name AS zone, d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS qps, s.sampled,
       CASE WHEN TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r)))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id JOIN node d ON d.node_id = s.node_id
WHERE s.node_id <> 0 AND s.dim = 'total';

-- the views above granted to dnsa_partner are materialized again (006: no locking reads through them)
CALL dnsa_seal_partner_views();
