-- sql/mariadb/015_staff_fast.sql: zone_visible checks the account once per statement, not once per zone; the hour and day health and exact-total views join their estimate instead of a subquery per row.
-- Re-runnable: a function and views only (CREATE OR REPLACE), then dnsa_seal_partner_views() (006).
--
-- Every column keeps its name, order, type and value (tests/integration/views_015.t compares
-- each restated view's full result and column types, and every saved query's output, as staff
-- and as a partner, before and after this migration).
--
-- 1. zone_visible (006) called dnsa_may_see(zone_id) for every zone, and for every zone a
--    staff account may see (all of them) that ran the full identity check dnsa_account_kind()
--    (four queries, two on mysql.global_priv): ~0.45 ms a zone, 0.2-0.4 s of every staff query
--    at 500 zones (bench/run year stage, ANALYZE: 500 loops of the zone scan). Now the check
--    runs once, in a one-row derived table (me: the kind and the login name, or its error for
--    an account dnsa does not know, as before), and each zone costs dnsa_zone_ok(zone_id,
--    kind, name): 'staff' sees every zone, 'partner' the zones partner_zone grants it, any
--    other kind none. The decision stays inside a stored function, opaque to the optimizer,
--    for the reason 006 gives (an "f() = 'staff' OR EXISTS (...)" condition in the view was
--    seen dropped once the zone row was a constant); nobody but the definer may run it.
--    Same rows as 006 for every registered account; an unknown or ambiguous account gets the
--    same error, now also when the zone table is empty (006 called nothing then).
-- 2. node_health_hour and node_health_day read the node's total estimate with a correlated
--    subquery, twice per (node, bucket): each run of it opens series_hour's ~370 daily
--    partitions (ts comes from the outer row: no pruning at plan time), ~0.2 ms a run, 0.5 s
--    for 24 hours of 50 nodes. Now one LEFT JOIN on the primary key, as 014 did for
--    node_health_minute (at most one series row per counter row: no sum counts twice).
-- 3. zone_exact_minute, _hour and _day: the same for estimated_responses (MAX of the one
--    joined row per server_zone row; COUNT(DISTINCT node_id) and the sums are unchanged).

DELIMITER //
-- 1 if an account of this kind and login name may see zone zid (see zone_visible)
CREATE OR REPLACE FUNCTION dnsa_zone_ok(zid INT UNSIGNED, kind VARCHAR(8), acct VARCHAR(128)) RETURNS TINYINT
	NOT DETERMINISTIC READS SQL DATA SQL SECURITY DEFINER
BEGIN
	IF kind = 'staff' THEN
		RETURN 1;
	END IF;
	IF kind = 'partner' AND EXISTS (SELECT 1 FROM partner_zone WHERE account = acct AND zone_id = zid) THEN
		RETURN 1;
	END IF;
	RETURN 0;
END//
DELIMITER ;

-- the zones the connected account may see; an error for an account dnsa does not know
CREATE OR REPLACE ALGORITHM=TEMPTABLE SQL SECURITY DEFINER VIEW zone_visible AS
SELECT z.zone_id, z.name
FROM (SELECT dnsa_account_kind() AS kind,
             LEFT(USER(), CHAR_LENGTH(USER()) - CHAR_LENGTH(SUBSTRING_INDEX(USER(), '@', -1)) - 1) AS account) me
  JOIN zone z
WHERE dnsa_zone_ok(z.zone_id, me.kind, me.account) = 1;

-- node health per hour: 014's node_health_minute over the hour tables
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_hour AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS messages_exact,
  MAX(s.est) AS recorded_estimate,
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
  MAX(s.est)
    / NULLIF(CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
      - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED), 0)
    AS estimate_share
FROM node_counter_hour c JOIN node d ON d.node_id = c.node_id
  LEFT JOIN series_hour s ON s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
    AND s.val = '' AND s.ts = c.ts
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;

-- node health per day: 014's node_health_minute over the day tables
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_day AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS messages_exact,
  MAX(s.est) AS recorded_estimate,
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
  MAX(s.est)
    / NULLIF(CAST(SUM(IF(c.source = 'capd' AND c.counter = 'msg_total', c.value, 0)) AS SIGNED)
      - CAST(SUM(IF(c.source = 'capd' AND c.counter IN ('not_sampled_type', 'drop_overload'), c.value, 0)) AS SIGNED), 0)
    AS estimate_share
FROM node_counter_day c JOIN node d ON d.node_id = c.node_id
  LEFT JOIN series_day s ON s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
    AND s.val = '' AND s.ts = c.ts
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_exact_minute AS
SELECT z.name AS zone, x.ts,
  SUM(IF(x.counter = 'srv_queries', x.value, 0)) AS exact_queries,
  SUM(IF(x.counter = 'srv_responses', x.value, 0)) AS exact_responses,
  SUM(IF(x.counter = 'srv_noerror', x.value, 0)) AS exact_noerror,
  SUM(IF(x.counter = 'srv_nxdomain', x.value, 0)) AS exact_nxdomain,
  SUM(IF(x.counter = 'srv_refused', x.value, 0)) AS exact_refused,
  SUM(IF(x.counter = 'srv_servfail', x.value, 0)) AS exact_servfail,
  SUM(IF(x.counter = 'srv_udp', x.value, 0)) AS exact_udp,
  SUM(IF(x.counter = 'srv_tcp', x.value, 0)) AS exact_tcp,
  MAX(s.est) AS estimated_responses,
  COUNT(DISTINCT x.node_id) AS nodes
FROM server_zone_minute x JOIN zone_visible z ON z.zone_id = x.zone_id
  LEFT JOIN series_minute s ON s.zone_id = x.zone_id AND s.node_id = 0 AND s.dim = 'total'
    AND s.val = '' AND s.ts = x.ts
GROUP BY x.zone_id, z.name, x.ts;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_exact_hour AS
SELECT z.name AS zone, x.ts,
  SUM(IF(x.counter = 'srv_queries', x.value, 0)) AS exact_queries,
  SUM(IF(x.counter = 'srv_responses', x.value, 0)) AS exact_responses,
  SUM(IF(x.counter = 'srv_noerror', x.value, 0)) AS exact_noerror,
  SUM(IF(x.counter = 'srv_nxdomain', x.value, 0)) AS exact_nxdomain,
  SUM(IF(x.counter = 'srv_refused', x.value, 0)) AS exact_refused,
  SUM(IF(x.counter = 'srv_servfail', x.value, 0)) AS exact_servfail,
  SUM(IF(x.counter = 'srv_udp', x.value, 0)) AS exact_udp,
  SUM(IF(x.counter = 'srv_tcp', x.value, 0)) AS exact_tcp,
  MAX(s.est) AS estimated_responses,
  COUNT(DISTINCT x.node_id) AS nodes
FROM server_zone_hour x JOIN zone_visible z ON z.zone_id = x.zone_id
  LEFT JOIN series_hour s ON s.zone_id = x.zone_id AND s.node_id = 0 AND s.dim = 'total'
    AND s.val = '' AND s.ts = x.ts
GROUP BY x.zone_id, z.name, x.ts;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_exact_day AS
SELECT z.name AS zone, x.ts,
  SUM(IF(x.counter = 'srv_queries', x.value, 0)) AS exact_queries,
  SUM(IF(x.counter = 'srv_responses', x.value, 0)) AS exact_responses,
  SUM(IF(x.counter = 'srv_noerror', x.value, 0)) AS exact_noerror,
  SUM(IF(x.counter = 'srv_nxdomain', x.value, 0)) AS exact_nxdomain,
  SUM(IF(x.counter = 'srv_refused', x.value, 0)) AS exact_refused,
  SUM(IF(x.counter = 'srv_servfail', x.value, 0)) AS exact_servfail,
  SUM(IF(x.counter = 'srv_udp', x.value, 0)) AS exact_udp,
  SUM(IF(x.counter = 'srv_tcp', x.value, 0)) AS exact_tcp,
  MAX(s.est) AS estimated_responses,
  COUNT(DISTINCT x.node_id) AS nodes
FROM server_zone_day x JOIN zone_visible z ON z.zone_id = x.zone_id
  LEFT JOIN series_day s ON s.zone_id = x.zone_id AND s.node_id = 0 AND s.dim = 'total'
    AND s.val = '' AND s.ts = x.ts
GROUP BY x.zone_id, z.name, x.ts;

-- the views above granted to dnsa_partner are materialized again (006: no locking reads through them)
CALL dnsa_seal_partner_views();
