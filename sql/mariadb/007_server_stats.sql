-- sql/mariadb/007_server_stats.sql: the nameserver's own counters beside capd's: loss inside the nameserver, exact per-zone totals.
--
-- capd ([server_stats] in capd.conf) reads the server's statistics once per counters
-- interval and sends them as counters 96..127 (srv_*: node_counter_* like every capd
-- counter) and, per zone, in counters datagrams of their own; the rollup writes those
-- as increments into server_zone_* (per zone and node), exactly once like capd_last.

-- exact per-zone totals as the server counts them, per node; counter: srv_queries, srv_responses, ...
CREATE TABLE IF NOT EXISTS server_zone_minute (
	zone_id     INT UNSIGNED NOT NULL,
	node_id     INT UNSIGNED NOT NULL,
	ts          DATETIME NOT NULL,
	counter     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	value       BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (zone_id, ts, node_id, counter),
	KEY by_ts (ts),
	KEY by_node (node_id, ts)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS server_zone_hour LIKE server_zone_minute;
CREATE TABLE IF NOT EXISTS server_zone_day LIKE server_zone_minute;

-- the last cumulative per-zone values counted, per (node, boot, zone, counter); a new capd boot
-- starts at 0; updated in the same transaction as the increments it produced
CREATE TABLE IF NOT EXISTS server_zone_last (
	node_id     INT UNSIGNED NOT NULL,
	boot_id     BIGINT NOT NULL,
	zone_id     INT UNSIGNED NOT NULL,
	counter     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	value       BIGINT UNSIGNED NOT NULL,
	updated     DATETIME NOT NULL,
	PRIMARY KEY (node_id, boot_id, zone_id, counter),
	KEY by_updated (updated)
) ENGINE=InnoDB;

GRANT SELECT, INSERT, UPDATE, DELETE ON server_zone_minute TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON server_zone_hour TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON server_zone_day TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON server_zone_last TO dnsa_rollup;

-- per node and minute: what the server answered, what dnstap delivered to capd, and the
-- difference, lost inside the nameserver (its dnstap queue) before any reader saw it.
-- Both sides come from the same counters snapshots, so the sum over any span of whole
-- snapshots is exact; one minute can be off by the messages in flight at its boundary
-- (then the next minute has the opposite). dnstap_* counts AUTH_* and CLIENT_* messages:
-- an authoritative server sends one or the other (BIND: CLIENT_RESPONSE for RD=1 queries),
-- never both for one query; RESOLVER_* (a resolver's upstream traffic) is not in it.
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_server_loss_minute AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.counter = 'srv_queries', c.value, 0)) AS server_queries,
  SUM(IF(c.counter = 'srv_responses', c.value, 0)) AS server_responses,
  SUM(IF(c.counter = 'srv_dnstap_queries', c.value, 0)) AS dnstap_queries,
  SUM(IF(c.counter = 'srv_dnstap_responses', c.value, 0)) AS dnstap_responses,
  CAST(SUM(IF(c.counter = 'srv_queries', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.counter = 'srv_dnstap_queries', c.value, 0)) AS SIGNED) AS lost_queries,
  CAST(SUM(IF(c.counter = 'srv_responses', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.counter = 'srv_dnstap_responses', c.value, 0)) AS SIGNED) AS lost_responses,
  (CAST(SUM(IF(c.counter = 'srv_responses', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.counter = 'srv_dnstap_responses', c.value, 0)) AS SIGNED))
    / NULLIF(SUM(IF(c.counter = 'srv_responses', c.value, 0)), 0) AS lost_share,
  SUM(IF(c.counter = 'srv_dropped', c.value, 0)) AS server_dropped,
  SUM(IF(c.counter = 'srv_reads', c.value, 0)) AS stats_reads,
  SUM(IF(c.counter = 'srv_read_errors', c.value, 0)) AS stats_read_errors,
  SUM(IF(c.counter = 'srv_restarts', c.value, 0)) AS server_restarts
FROM node_counter_minute c JOIN node d ON d.node_id = c.node_id
WHERE c.source = 'capd' AND c.counter IN ('srv_queries', 'srv_responses', 'srv_dnstap_queries',
  'srv_dnstap_responses', 'srv_dropped', 'srv_reads',
  'srv_read_errors', 'srv_restarts')
  AND EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_server_loss_hour AS
SELECT d.name AS node, c.ts,
  SUM(IF(c.counter = 'srv_queries', c.value, 0)) AS server_queries,
  SUM(IF(c.counter = 'srv_responses', c.value, 0)) AS server_responses,
  SUM(IF(c.counter = 'srv_dnstap_queries', c.value, 0)) AS dnstap_queries,
  SUM(IF(c.counter = 'srv_dnstap_responses', c.value, 0)) AS dnstap_responses,
  CAST(SUM(IF(c.counter = 'srv_queries', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.counter = 'srv_dnstap_queries', c.value, 0)) AS SIGNED) AS lost_queries,
  CAST(SUM(IF(c.counter = 'srv_responses', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.counter = 'srv_dnstap_responses', c.value, 0)) AS SIGNED) AS lost_responses,
  (CAST(SUM(IF(c.counter = 'srv_responses', c.value, 0)) AS SIGNED)
    - CAST(SUM(IF(c.counter = 'srv_dnstap_responses', c.value, 0)) AS SIGNED))
    / NULLIF(SUM(IF(c.counter = 'srv_responses', c.value, 0)), 0) AS lost_share,
  SUM(IF(c.counter = 'srv_dropped', c.value, 0)) AS server_dropped,
  SUM(IF(c.counter = 'srv_reads', c.value, 0)) AS stats_reads,
  SUM(IF(c.counter = 'srv_read_errors', c.value, 0)) AS stats_read_errors,
  SUM(IF(c.counter = 'srv_restarts', c.value, 0)) AS server_restarts
FROM node_counter_hour c JOIN node d ON d.node_id = c.node_id
WHERE c.source = 'capd' AND c.counter IN ('srv_queries', 'srv_responses', 'srv_dnstap_queries',
  'srv_dnstap_responses', 'srv_dropped', 'srv_reads',
  'srv_read_errors', 'srv_restarts')
  AND EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;

-- per zone and minute/hour/day: the servers' exact totals (summed over nodes) next to the
-- sampled estimate of the same zone (series, all nodes). estimated_responses estimates the
-- recorded messages (responses by default), so compare it with exact_responses.
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
  (SELECT s.est FROM series_minute s WHERE s.zone_id = x.zone_id AND s.node_id = 0 AND s.dim = 'total'
     AND s.val = '' AND s.ts = x.ts) AS estimated_responses,
  COUNT(DISTINCT x.node_id) AS nodes
FROM server_zone_minute x JOIN zone_visible z ON z.zone_id = x.zone_id
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
  (SELECT s.est FROM series_hour s WHERE s.zone_id = x.zone_id AND s.node_id = 0 AND s.dim = 'total'
     AND s.val = '' AND s.ts = x.ts) AS estimated_responses,
  COUNT(DISTINCT x.node_id) AS nodes
FROM server_zone_hour x JOIN zone_visible z ON z.zone_id = x.zone_id
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
  (SELECT s.est FROM series_day s WHERE s.zone_id = x.zone_id AND s.node_id = 0 AND s.dim = 'total'
     AND s.val = '' AND s.ts = x.ts) AS estimated_responses,
  COUNT(DISTINCT x.node_id) AS nodes
FROM server_zone_day x JOIN zone_visible z ON z.zone_id = x.zone_id
GROUP BY x.zone_id, z.name, x.ts;

-- partners see their own zones' exact totals (zone_visible filters); staff see everything
GRANT SELECT ON zone_exact_minute TO dnsa_partner;
GRANT SELECT ON zone_exact_hour TO dnsa_partner;
GRANT SELECT ON zone_exact_day TO dnsa_partner;

-- partner views stay materialized (006): no locking read through them reaches a base table
CALL dnsa_seal_partner_views();
