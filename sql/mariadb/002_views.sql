-- sql/mariadb/002_views.sql: the views people query: per zone (partners and staff) and per node (staff).
-- Every view is SQL SECURITY DEFINER and filters on the connected account
-- (SUBSTRING_INDEX(USER(),'@',1)): a partner sees the zones granted to it in
-- partner_zone (tools/dnsa-partner), an account listed in staff_account sees every
-- zone and the per-node views. Partners hold SELECT on these views only
-- (003_access.sql), never on the base tables.
-- Columns: queries = estimated messages (sum of sampling weights), sampled = records
-- behind the estimate, qps = queries per second over the bucket.

-- the zones the connected account may see
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_visible AS
SELECT z.zone_id, z.name
FROM zone z
WHERE EXISTS (SELECT 1 FROM partner_zone pz
              WHERE pz.zone_id = z.zone_id AND pz.account = SUBSTRING_INDEX(USER(), '@', 1))
   OR EXISTS (SELECT 1 FROM staff_account s WHERE s.account = SUBSTRING_INDEX(USER(), '@', 1));

-- one row if the connected account is staff
CREATE OR REPLACE SQL SECURITY DEFINER VIEW staff_self AS
SELECT s.account FROM staff_account s WHERE s.account = SUBSTRING_INDEX(USER(), '@', 1);

-- the zones granted to the connected account (or all, for staff)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW my_zones AS
SELECT name AS zone FROM zone_visible;

-- query rate per zone per minute
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_minute AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / 60 AS qps, s.sampled
FROM series_minute s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'total';

-- every dimension per zone per minute (dim, val as in docs/sql.md)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_minute AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / 60 AS qps, s.sampled
FROM series_minute s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim <> 'total';

-- query rate per zone per hour
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_hour AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'total';

-- every dimension per zone per hour (dim, val as in docs/sql.md)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_hour AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim <> 'total';

-- query rate per zone per day
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_day AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'total';

-- every dimension per zone per day (dim, val as in docs/sql.md)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_day AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim <> 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_country_hour AS
SELECT z.name AS zone, s.ts, s.val AS country, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'country';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_qtype_hour AS
SELECT z.name AS zone, s.ts, s.val AS qtype, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'qtype';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rcode_hour AS
SELECT z.name AS zone, s.ts, s.val AS rcode, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'rcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_transport_hour AS
SELECT z.name AS zone, s.ts, s.val AS transport, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'transport';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_ipver_hour AS
SELECT z.name AS zone, s.ts, s.val AS ipver, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'ipver';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_edns_hour AS
SELECT z.name AS zone, s.ts, s.val AS edns, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'edns';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_do_hour AS
SELECT z.name AS zone, s.ts, s.val AS do_bit, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'do';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_opcode_hour AS
SELECT z.name AS zone, s.ts, s.val AS opcode, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'opcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rsize_hour AS
SELECT z.name AS zone, s.ts, s.val AS rsize_band, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'rsize';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_asn_hour AS
SELECT z.name AS zone, s.ts, s.val AS asn, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'asn';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_asn_day AS
SELECT z.name AS zone, s.ts, s.val AS asn, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'asn';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_country_day AS
SELECT z.name AS zone, s.ts, s.val AS country, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'country';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_qtype_day AS
SELECT z.name AS zone, s.ts, s.val AS qtype, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'qtype';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rcode_day AS
SELECT z.name AS zone, s.ts, s.val AS rcode, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'rcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_transport_day AS
SELECT z.name AS zone, s.ts, s.val AS transport, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'transport';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_ipver_day AS
SELECT z.name AS zone, s.ts, s.val AS ipver, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
WHERE s.node_id = 0 AND s.dim = 'ipver';

-- share of NXDOMAIN answers per zone per minute
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_nxdomain_share_minute AS
SELECT z.name AS zone, t.ts, t.est AS queries,
       COALESCE(nx.est, 0) AS nxdomain, COALESCE(nx.est, 0) / t.est AS nxdomain_share
FROM series_minute t
JOIN zone_visible z ON z.zone_id = t.zone_id
LEFT JOIN series_minute nx ON nx.zone_id = t.zone_id AND nx.node_id = 0 AND nx.dim = 'rcode'
                       AND nx.val = 'NXDOMAIN' AND nx.ts = t.ts
WHERE t.node_id = 0 AND t.dim = 'total';

-- share of NXDOMAIN answers per zone per hour
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_nxdomain_share_hour AS
SELECT z.name AS zone, t.ts, t.est AS queries,
       COALESCE(nx.est, 0) AS nxdomain, COALESCE(nx.est, 0) / t.est AS nxdomain_share
FROM series_hour t
JOIN zone_visible z ON z.zone_id = t.zone_id
LEFT JOIN series_hour nx ON nx.zone_id = t.zone_id AND nx.node_id = 0 AND nx.dim = 'rcode'
                       AND nx.val = 'NXDOMAIN' AND nx.ts = t.ts
WHERE t.node_id = 0 AND t.dim = 'total';

-- share of NXDOMAIN answers per zone per day
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_nxdomain_share_day AS
SELECT z.name AS zone, t.ts, t.est AS queries,
       COALESCE(nx.est, 0) AS nxdomain, COALESCE(nx.est, 0) / t.est AS nxdomain_share
FROM series_day t
JOIN zone_visible z ON z.zone_id = t.zone_id
LEFT JOIN series_day nx ON nx.zone_id = t.zone_id AND nx.node_id = 0 AND nx.dim = 'rcode'
                       AND nx.val = 'NXDOMAIN' AND nx.ts = t.ts
WHERE t.node_id = 0 AND t.dim = 'total';

-- most-queried names per zone and hour, ranked (rank 1 = most queried)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_top_names_hour AS
SELECT z.name AS zone, n.ts, n.qname, n.est AS queries, n.sampled,
       ROW_NUMBER() OVER (PARTITION BY n.zone_id, n.ts ORDER BY n.est DESC, n.qname) AS rnk
FROM top_name_hour n JOIN zone_visible z ON z.zone_id = n.zone_id;

-- which nodes answered a zone, per hour and per day
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_node_hour AS
SELECT z.name AS zone, d.name AS node, s.ts, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id JOIN node d ON d.node_id = s.node_id
WHERE s.node_id <> 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_node_day AS
SELECT z.name AS zone, d.name AS node, s.ts, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id JOIN node d ON d.node_id = s.node_id
WHERE s.node_id <> 0 AND s.dim = 'total';

-- ---- staff only: every zone together, per node, health, the rollup itself ----

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_minute AS
SELECT s.ts, s.est AS queries, s.est / 60 AS qps, s.sampled
FROM series_minute s
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_minute AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / 60 AS qps, s.sampled
FROM series_minute s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_minute AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / 60 AS qps, s.sampled
FROM series_minute s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_counters_minute AS
SELECT d.name AS node, c.ts, c.source, c.counter, c.value
FROM node_counter_minute c JOIN node d ON d.node_id = c.node_id
WHERE EXISTS (SELECT 1 FROM staff_self);

-- node health per minute: exact capd counters, aggd loss, and the sampled estimate side by side
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_minute AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS messages_exact,
  (SELECT s.est FROM series_minute s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts) AS recorded_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0)) AS sampled,
  SUM(IF(c.source = 'capd' AND c.counter = 'recorded', c.value, 0)) AS recorded,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted', c.value, 0)) AS zone_unlisted,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_overload', c.value, 0)) AS drop_overload,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_batch', c.value, 0)) AS drop_batch,
  SUM(IF(c.source = 'capd' AND c.counter IN ('parse_errors', 'dnstap_errors', 'frame_errors', 'pkt_errors'),
         c.value, 0)) AS input_errors,
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

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_hour AS
SELECT s.ts, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_hour AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_hour AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / 3600 AS qps, s.sampled
FROM series_hour s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_counters_hour AS
SELECT d.name AS node, c.ts, c.source, c.counter, c.value
FROM node_counter_hour c JOIN node d ON d.node_id = c.node_id
WHERE EXISTS (SELECT 1 FROM staff_self);

-- node health per hour: exact capd counters, aggd loss, and the sampled estimate side by side
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_hour AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS messages_exact,
  (SELECT s.est FROM series_hour s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts) AS recorded_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0)) AS sampled,
  SUM(IF(c.source = 'capd' AND c.counter = 'recorded', c.value, 0)) AS recorded,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted', c.value, 0)) AS zone_unlisted,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_overload', c.value, 0)) AS drop_overload,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_batch', c.value, 0)) AS drop_batch,
  SUM(IF(c.source = 'capd' AND c.counter IN ('parse_errors', 'dnstap_errors', 'frame_errors', 'pkt_errors'),
         c.value, 0)) AS input_errors,
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

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_day AS
SELECT s.ts, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_day AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_day AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / 86400 AS qps, s.sampled
FROM series_day s JOIN node d ON d.node_id = s.node_id
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_counters_day AS
SELECT d.name AS node, c.ts, c.source, c.counter, c.value
FROM node_counter_day c JOIN node d ON d.node_id = c.node_id
WHERE EXISTS (SELECT 1 FROM staff_self);

-- node health per day: exact capd counters, aggd loss, and the sampled estimate side by side
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_day AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS messages_exact,
  (SELECT s.est FROM series_day s WHERE s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
     AND s.val = '' AND s.ts = c.ts) AS recorded_estimate,
  SUM(IF(c.source = 'capd' AND c.counter = 'sampled', c.value, 0)) AS sampled,
  SUM(IF(c.source = 'capd' AND c.counter = 'recorded', c.value, 0)) AS recorded,
  SUM(IF(c.source = 'capd' AND c.counter = 'zone_unlisted', c.value, 0)) AS zone_unlisted,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_overload', c.value, 0)) AS drop_overload,
  SUM(IF(c.source = 'capd' AND c.counter = 'drop_batch', c.value, 0)) AS drop_batch,
  SUM(IF(c.source = 'capd' AND c.counter IN ('parse_errors', 'dnstap_errors', 'frame_errors', 'pkt_errors'),
         c.value, 0)) AS input_errors,
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

-- each aggregator's rollup: how far it got and how late it is
CREATE OR REPLACE SQL SECURITY DEFINER VIEW rollup_status AS
SELECT aggregator, datagram_id, node_stats_id, updated,
       TIMESTAMPDIFF(SECOND, updated, UTC_TIMESTAMP()) AS seconds_since_update,
       batches, datagrams, records, estimated, quarantined
FROM rollup_checkpoint
WHERE EXISTS (SELECT 1 FROM staff_self);
