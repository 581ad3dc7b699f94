-- sql/mariadb/014_views_once.sql: the qps views read the last rollup commit once, from a one-row derived table, and skip the arithmetic for whole buckets; node_health_minute joins its estimate.
-- Re-runnable: views only (CREATE OR REPLACE), then dnsa_seal_partner_views() (006).
--
-- Every column keeps its name, order, type and value (tests/integration/views_014.t compares
-- each restated view's full result and column types, as staff and as a partner, before and
-- after this migration, with a checkpoint after the data, in its middle, and none).
--
-- 1. The 33 views of 011 with a qps column (zone_qps_*, zone_dim_*, total_qps_*, node_qps_*,
--    node_dim_*, zone_by_*_hour, zone_by_*_day, zone_node_*) wrote 011's covered seconds
--      CASE WHEN d IS NULL OR d < 0 THEN W ELSE LEAST(W, GREATEST(1, d)) END,
--      d = TIMESTAMPDIFF(SECOND, s.ts, (SELECT MAX(r.updated) FROM rollup_checkpoint r))
--    with the subquery six times per row (qps and seconds). They now take it from
--      CROSS JOIN (SELECT MAX(r.updated) AS last_rollup,
--                         MAX(r.updated) - INTERVAL W SECOND AS whole_before FROM rollup_checkpoint r) lr
--    (one row, NULL without a checkpoint row: it removes no row), and the CASE first asks
--    WHEN s.ts <= lr.whole_before THEN W, one comparison for every bucket that ended before
--    the last commit (all but the last one or two). That branch is 011's value: ts and
--    updated are whole-second DATETIMEs, so ts <= last - W s means d >= W, where 011 gives
--    LEAST(W, GREATEST(1, d)) = W; a NULL last_rollup makes the test NULL and falls through
--    to 011's branches unchanged. Why: MariaDB 10.11 already ran each uncorrelated subquery
--    once per statement (ANALYZE: r_loops = 1 for each of the six), so the repeated subquery
--    was not the cost; the per-row CASE was. The 24-hour zone_qps_minute of one zone
--    (1,440 rows) as a partner: ~5.4 -> ~4.3 ms of mariadbd CPU (BENCHMARKS.md, dnsa-api).
-- 2. node_health_minute: recorded_estimate and estimate_share read the node's total estimate
--    of the bucket with a correlated subquery each, twice per (node, minute). It is now one
--    LEFT JOIN on series_minute's primary key (zone 0, the node, 'total', '', ts): at most one
--    row per counter row, so no sum counts twice, and MAX(s.est) is that row's est (NULL if
--    none, as the subquery gave). The counter rows come in key order, so eq_ref reads each
--    bucket's series row once. About 5% less CPU: the 40 conditional sums are the cost.
--    node_health_hour and _day are left as in 011.

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_minute AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_minute s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 60 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_minute AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_minute s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 60 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim <> 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_minute AS
SELECT s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_minute s
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 60 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_minute AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_minute s JOIN node d ON d.node_id = s.node_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 60 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_minute AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 60 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 60 ELSE LEAST(60, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_minute s JOIN node d ON d.node_id = s.node_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 60 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_hour AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_hour AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim <> 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_hour AS
SELECT s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_hour AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN node d ON d.node_id = s.node_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_hour AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN node d ON d.node_id = s.node_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_qps_day AS
SELECT z.name AS zone, s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_dim_day AS
SELECT z.name AS zone, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim <> 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW total_qps_day AS
SELECT s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.node_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_qps_day AS
SELECT d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN node d ON d.node_id = s.node_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.dim = 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_dim_day AS
SELECT d.name AS node, s.ts, s.dim, s.val, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN node d ON d.node_id = s.node_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.zone_id = 0 AND s.dim <> 'total' AND EXISTS (SELECT 1 FROM staff_self);

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_country_hour AS
SELECT z.name AS zone, s.ts, s.val AS country, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'country';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_qtype_hour AS
SELECT z.name AS zone, s.ts, s.val AS qtype, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'qtype';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rcode_hour AS
SELECT z.name AS zone, s.ts, s.val AS rcode, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'rcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_transport_hour AS
SELECT z.name AS zone, s.ts, s.val AS transport, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'transport';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_ipver_hour AS
SELECT z.name AS zone, s.ts, s.val AS ipver, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'ipver';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_edns_hour AS
SELECT z.name AS zone, s.ts, s.val AS edns, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'edns';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_do_hour AS
SELECT z.name AS zone, s.ts, s.val AS do_bit, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'do';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_opcode_hour AS
SELECT z.name AS zone, s.ts, s.val AS opcode, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'opcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rsize_hour AS
SELECT z.name AS zone, s.ts, s.val AS rsize_band, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'rsize';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_asn_hour AS
SELECT z.name AS zone, s.ts, s.val AS asn, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'asn';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_asn_day AS
SELECT z.name AS zone, s.ts, s.val AS asn, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'asn';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_country_day AS
SELECT z.name AS zone, s.ts, s.val AS country, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'country';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_qtype_day AS
SELECT z.name AS zone, s.ts, s.val AS qtype, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'qtype';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_rcode_day AS
SELECT z.name AS zone, s.ts, s.val AS rcode, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'rcode';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_transport_day AS
SELECT z.name AS zone, s.ts, s.val AS transport, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'transport';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_by_ipver_day AS
SELECT z.name AS zone, s.ts, s.val AS ipver, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id = 0 AND s.dim = 'ipver';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_node_hour AS
SELECT z.name AS zone, d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 3600 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 3600 ELSE LEAST(3600, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_hour s JOIN zone_visible z ON z.zone_id = s.zone_id JOIN node d ON d.node_id = s.node_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 3600 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id <> 0 AND s.dim = 'total';

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_node_day AS
SELECT z.name AS zone, d.name AS node, s.ts, s.est AS queries, s.est / CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS qps, s.sampled,
       CASE WHEN s.ts <= lr.whole_before THEN 86400 WHEN TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) IS NULL OR TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup) < 0 THEN 86400 ELSE LEAST(86400, GREATEST(1, TIMESTAMPDIFF(SECOND, s.ts, lr.last_rollup))) END AS seconds
FROM series_day s JOIN zone_visible z ON z.zone_id = s.zone_id JOIN node d ON d.node_id = s.node_id
  CROSS JOIN (SELECT MAX(r.updated) AS last_rollup, MAX(r.updated) - INTERVAL 86400 SECOND AS whole_before
    FROM rollup_checkpoint r) lr
WHERE s.node_id <> 0 AND s.dim = 'total';

-- node health per minute: exact capd counters, aggd loss, and the estimates (named so) side by side
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_health_minute AS
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
FROM node_counter_minute c JOIN node d ON d.node_id = c.node_id
  LEFT JOIN series_minute s ON s.zone_id = 0 AND s.node_id = c.node_id AND s.dim = 'total'
    AND s.val = '' AND s.ts = c.ts
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY c.node_id, d.name, c.ts;

-- the views above granted to dnsa_partner are materialized again (006: no locking reads through them)
CALL dnsa_seal_partner_views();
