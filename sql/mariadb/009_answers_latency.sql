-- sql/mariadb/009_answers_latency.sql: answer kinds, latency histograms (response time and TCP RTT) and top names per rcode (issue 15 items 1-3).
-- Re-runnable. Tables of their own, keyed time first (ts leads every primary key, so they
-- can be partitioned by ts like series_*); zone_id 0 / node_id 0 mean all zones / all nodes
-- as in series_*. est = sum of record weights (an unbiased estimate), sampled = records.
-- docs/sql.md: "Answer kinds", "Latency", "Top names per rcode".

-- answer kind of every response (capd decides it: docs/sql.md "Answer kinds").
-- Rows: (zone, all nodes), (all zones, node), (all zones, all nodes).
CREATE TABLE IF NOT EXISTS answer_kind_minute (
	ts          DATETIME NOT NULL,
	zone_id     INT UNSIGNED NOT NULL,
	node_id     INT UNSIGNED NOT NULL,
	kind        ENUM('answer','referral','nodata','nxdomain','refused','other') NOT NULL,
	est         BIGINT UNSIGNED NOT NULL,
	sampled     BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (ts, zone_id, node_id, kind),
	KEY by_zone (zone_id, node_id, ts)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS answer_kind_hour LIKE answer_kind_minute;
CREATE TABLE IF NOT EXISTS answer_kind_day LIKE answer_kind_minute;

-- latency histograms: metric 'response' = response time - query time where the input knows
-- both (dnstap with query and response times, pcap query/response pairing), 'tcp_rtt' = the
-- passive TCP handshake RTT to the client (pcap). bucket: see latency_bucket.
-- Rows with country '': (zone, all nodes), (all zones, node), (all zones, all nodes), every
-- granularity; with a country (hour and day only): (all zones, node, country) and
-- (all zones, all nodes, country); '--' = country unknown.
CREATE TABLE IF NOT EXISTS latency_minute (
	ts          DATETIME NOT NULL,
	zone_id     INT UNSIGNED NOT NULL,
	node_id     INT UNSIGNED NOT NULL,
	metric      ENUM('response','tcp_rtt') NOT NULL,
	country     CHAR(2) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	bucket      TINYINT UNSIGNED NOT NULL,
	est         BIGINT UNSIGNED NOT NULL,
	sampled     BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (ts, zone_id, node_id, metric, country, bucket),
	KEY by_zone (zone_id, node_id, ts)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS latency_hour LIKE latency_minute;
CREATE TABLE IF NOT EXISTS latency_day LIKE latency_minute;

-- the fixed buckets (rollup/dims.c dims_lat_bucket): 0..7 us one each, then each power of
-- two [2^e, 2^(e+1)) cut in 4 equal parts; [lo_us, hi_us)
CREATE TABLE IF NOT EXISTS latency_bucket (
	bucket      TINYINT UNSIGNED NOT NULL,
	lo_us       BIGINT UNSIGNED NOT NULL,
	hi_us       BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (bucket)
) ENGINE=InnoDB;
INSERT IGNORE INTO latency_bucket (bucket, lo_us, hi_us)
WITH RECURSIVE b (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM b WHERE n < 123)
SELECT n,
       IF(n < 8, n, POW(2, n DIV 4 + 1) + (n MOD 4) * POW(2, n DIV 4 - 1)),
       IF(n < 8, n + 1, POW(2, n DIV 4 + 1) + (n MOD 4 + 1) * POW(2, n DIV 4 - 1))
FROM b;

-- most-queried names per zone, hour and rcode, for the rcodes the rollup keeps apart
-- (NXDOMAIN; rollup/agg.c name_rcodes); bounded like top_name_hour (docs/sql.md)
CREATE TABLE IF NOT EXISTS top_name_rcode_hour (
	ts          DATETIME NOT NULL,
	zone_id     INT UNSIGNED NOT NULL,
	rcode       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	qname       VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	est         BIGINT UNSIGNED NOT NULL,
	sampled     BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (ts, zone_id, rcode, qname),
	KEY by_zone (zone_id, ts)
) ENGINE=InnoDB;

-- answer kinds per zone per minute, with each kind's share of the zone's responses
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_answer_kind_minute AS
SELECT z.name AS zone, a.ts, a.kind, a.est AS responses, a.sampled,
       a.est / SUM(a.est) OVER (PARTITION BY a.zone_id, a.ts) AS share
FROM answer_kind_minute a JOIN zone_visible z ON z.zone_id = a.zone_id
WHERE a.node_id = 0;

-- answer kinds per zone per hour, with each kind's share of the zone's responses
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_answer_kind_hour AS
SELECT z.name AS zone, a.ts, a.kind, a.est AS responses, a.sampled,
       a.est / SUM(a.est) OVER (PARTITION BY a.zone_id, a.ts) AS share
FROM answer_kind_hour a JOIN zone_visible z ON z.zone_id = a.zone_id
WHERE a.node_id = 0;

-- answer kinds per zone per day, with each kind's share of the zone's responses
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_answer_kind_day AS
SELECT z.name AS zone, a.ts, a.kind, a.est AS responses, a.sampled,
       a.est / SUM(a.est) OVER (PARTITION BY a.zone_id, a.ts) AS share
FROM answer_kind_day a JOIN zone_visible z ON z.zone_id = a.zone_id
WHERE a.node_id = 0;

-- referral share per zone per minute: referrals / responses with an answer kind
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_referral_share_minute AS
SELECT z.name AS zone, a.ts, SUM(a.est) AS responses,
       SUM(IF(a.kind = 'referral', a.est, 0)) AS referrals,
       SUM(IF(a.kind = 'answer', a.est, 0)) AS answers,
       SUM(IF(a.kind = 'nodata', a.est, 0)) AS nodata,
       SUM(IF(a.kind = 'nxdomain', a.est, 0)) AS nxdomain,
       SUM(IF(a.kind = 'referral', a.est, 0)) / SUM(a.est) AS referral_share
FROM answer_kind_minute a JOIN zone_visible z ON z.zone_id = a.zone_id
WHERE a.node_id = 0
GROUP BY a.zone_id, z.name, a.ts;

-- referral share per zone per hour: referrals / responses with an answer kind
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_referral_share_hour AS
SELECT z.name AS zone, a.ts, SUM(a.est) AS responses,
       SUM(IF(a.kind = 'referral', a.est, 0)) AS referrals,
       SUM(IF(a.kind = 'answer', a.est, 0)) AS answers,
       SUM(IF(a.kind = 'nodata', a.est, 0)) AS nodata,
       SUM(IF(a.kind = 'nxdomain', a.est, 0)) AS nxdomain,
       SUM(IF(a.kind = 'referral', a.est, 0)) / SUM(a.est) AS referral_share
FROM answer_kind_hour a JOIN zone_visible z ON z.zone_id = a.zone_id
WHERE a.node_id = 0
GROUP BY a.zone_id, z.name, a.ts;

-- referral share per zone per day: referrals / responses with an answer kind
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_referral_share_day AS
SELECT z.name AS zone, a.ts, SUM(a.est) AS responses,
       SUM(IF(a.kind = 'referral', a.est, 0)) AS referrals,
       SUM(IF(a.kind = 'answer', a.est, 0)) AS answers,
       SUM(IF(a.kind = 'nodata', a.est, 0)) AS nodata,
       SUM(IF(a.kind = 'nxdomain', a.est, 0)) AS nxdomain,
       SUM(IF(a.kind = 'referral', a.est, 0)) / SUM(a.est) AS referral_share
FROM answer_kind_day a JOIN zone_visible z ON z.zone_id = a.zone_id
WHERE a.node_id = 0
GROUP BY a.zone_id, z.name, a.ts;

-- answer kinds per node per hour (staff)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_answer_kind_hour AS
SELECT d.name AS node, a.ts, a.kind, a.est AS responses, a.sampled,
       a.est / SUM(a.est) OVER (PARTITION BY a.node_id, a.ts) AS share
FROM answer_kind_hour a JOIN node d ON d.node_id = a.node_id
WHERE a.zone_id = 0 AND EXISTS (SELECT 1 FROM staff_self);

-- latency histogram per zone per minute (metric 'response' or 'tcp_rtt'; [lo_us, hi_us))
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_latency_minute AS
SELECT z.name AS zone, l.ts, l.metric, l.bucket, b.lo_us, b.hi_us, l.est AS responses, l.sampled
FROM latency_minute l JOIN zone_visible z ON z.zone_id = l.zone_id JOIN latency_bucket b ON b.bucket = l.bucket
WHERE l.node_id = 0 AND l.country = '';

-- p50/p95/p99 per zone per minute, interpolated inside the bucket (docs/sql.md "Latency")
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_latency_pct_minute AS
SELECT z.name AS zone, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.zone_id, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.zone_id, l.ts, l.metric) AS total
       FROM latency_minute l WHERE l.node_id = 0 AND l.country = '') h
JOIN zone_visible z ON z.zone_id = h.zone_id JOIN latency_bucket b ON b.bucket = h.bucket
GROUP BY h.zone_id, z.name, h.ts, h.metric;

-- latency histogram per zone per hour (metric 'response' or 'tcp_rtt'; [lo_us, hi_us))
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_latency_hour AS
SELECT z.name AS zone, l.ts, l.metric, l.bucket, b.lo_us, b.hi_us, l.est AS responses, l.sampled
FROM latency_hour l JOIN zone_visible z ON z.zone_id = l.zone_id JOIN latency_bucket b ON b.bucket = l.bucket
WHERE l.node_id = 0 AND l.country = '';

-- p50/p95/p99 per zone per hour, interpolated inside the bucket (docs/sql.md "Latency")
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_latency_pct_hour AS
SELECT z.name AS zone, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.zone_id, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.zone_id, l.ts, l.metric) AS total
       FROM latency_hour l WHERE l.node_id = 0 AND l.country = '') h
JOIN zone_visible z ON z.zone_id = h.zone_id JOIN latency_bucket b ON b.bucket = h.bucket
GROUP BY h.zone_id, z.name, h.ts, h.metric;

-- latency histogram per zone per day (metric 'response' or 'tcp_rtt'; [lo_us, hi_us))
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_latency_day AS
SELECT z.name AS zone, l.ts, l.metric, l.bucket, b.lo_us, b.hi_us, l.est AS responses, l.sampled
FROM latency_day l JOIN zone_visible z ON z.zone_id = l.zone_id JOIN latency_bucket b ON b.bucket = l.bucket
WHERE l.node_id = 0 AND l.country = '';

-- p50/p95/p99 per zone per day, interpolated inside the bucket (docs/sql.md "Latency")
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_latency_pct_day AS
SELECT z.name AS zone, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.zone_id, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.zone_id, l.ts, l.metric) AS total
       FROM latency_day l WHERE l.node_id = 0 AND l.country = '') h
JOIN zone_visible z ON z.zone_id = h.zone_id JOIN latency_bucket b ON b.bucket = h.bucket
GROUP BY h.zone_id, z.name, h.ts, h.metric;

-- p50/p95/p99 per node per hour, all zones (staff)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_latency_pct_hour AS
SELECT d.name AS node, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.node_id, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.node_id, l.ts, l.metric) AS total
       FROM latency_hour l WHERE l.zone_id = 0 AND l.node_id <> 0 AND l.country = '') h
JOIN node d ON d.node_id = h.node_id JOIN latency_bucket b ON b.bucket = h.bucket
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY h.node_id, d.name, h.ts, h.metric;

-- p50/p95/p99 per client country per hour, all zones and nodes (staff); tcp_rtt is the
-- resolver-to-node round trip
CREATE OR REPLACE SQL SECURITY DEFINER VIEW country_latency_pct_hour AS
SELECT h.country, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.country, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.country, l.ts, l.metric) AS total
       FROM latency_hour l WHERE l.zone_id = 0 AND l.node_id = 0 AND l.country <> '') h
JOIN latency_bucket b ON b.bucket = h.bucket
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY h.country, h.ts, h.metric;

-- p50/p95/p99 per node and client country per hour, all zones (staff)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_country_latency_pct_hour AS
SELECT d.name AS node, h.country, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.node_id, l.country, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.node_id, l.country, l.ts, l.metric) AS total
       FROM latency_hour l WHERE l.zone_id = 0 AND l.node_id <> 0 AND l.country <> '') h
JOIN node d ON d.node_id = h.node_id JOIN latency_bucket b ON b.bucket = h.bucket
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY h.node_id, d.name, h.country, h.ts, h.metric;

-- p50/p95/p99 per node per day, all zones (staff)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_latency_pct_day AS
SELECT d.name AS node, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.node_id, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.node_id, l.ts, l.metric) AS total
       FROM latency_day l WHERE l.zone_id = 0 AND l.node_id <> 0 AND l.country = '') h
JOIN node d ON d.node_id = h.node_id JOIN latency_bucket b ON b.bucket = h.bucket
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY h.node_id, d.name, h.ts, h.metric;

-- p50/p95/p99 per client country per day, all zones and nodes (staff); tcp_rtt is the
-- resolver-to-node round trip
CREATE OR REPLACE SQL SECURITY DEFINER VIEW country_latency_pct_day AS
SELECT h.country, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.country, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.country, l.ts, l.metric) AS total
       FROM latency_day l WHERE l.zone_id = 0 AND l.node_id = 0 AND l.country <> '') h
JOIN latency_bucket b ON b.bucket = h.bucket
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY h.country, h.ts, h.metric;

-- p50/p95/p99 per node and client country per day, all zones (staff)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_country_latency_pct_day AS
SELECT d.name AS node, h.country, h.ts, h.metric, MAX(h.total) AS responses, SUM(h.sampled) AS sampled,
       MIN(IF(h.cum >= 0.5 * h.total AND h.cum - h.est < 0.5 * h.total, b.lo_us + (0.5 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p50_us,
       MIN(IF(h.cum >= 0.95 * h.total AND h.cum - h.est < 0.95 * h.total, b.lo_us + (0.95 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p95_us,
       MIN(IF(h.cum >= 0.99 * h.total AND h.cum - h.est < 0.99 * h.total, b.lo_us + (0.99 * h.total - (h.cum - h.est)) / h.est * (b.hi_us - b.lo_us), NULL)) AS p99_us
FROM (SELECT l.*, SUM(l.est) OVER (PARTITION BY l.node_id, l.country, l.ts, l.metric ORDER BY l.bucket) AS cum,
              SUM(l.est) OVER (PARTITION BY l.node_id, l.country, l.ts, l.metric) AS total
       FROM latency_day l WHERE l.zone_id = 0 AND l.node_id <> 0 AND l.country <> '') h
JOIN node d ON d.node_id = h.node_id JOIN latency_bucket b ON b.bucket = h.bucket
WHERE EXISTS (SELECT 1 FROM staff_self)
GROUP BY h.node_id, d.name, h.country, h.ts, h.metric;

-- top names per zone, hour and rcode (NXDOMAIN: the names asked for that do not exist)
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_top_names_rcode_hour AS
SELECT z.name AS zone, n.ts, n.rcode, n.qname, n.est AS queries, n.sampled,
       ROW_NUMBER() OVER (PARTITION BY n.zone_id, n.ts, n.rcode ORDER BY n.est DESC, n.qname) AS rnk
FROM top_name_rcode_hour n JOIN zone_visible z ON z.zone_id = n.zone_id;

-- partners: the zone views; staff read everything already (003: SELECT ON *)
GRANT SELECT ON zone_answer_kind_minute TO dnsa_partner;
GRANT SELECT ON zone_answer_kind_hour TO dnsa_partner;
GRANT SELECT ON zone_answer_kind_day TO dnsa_partner;
GRANT SELECT ON zone_referral_share_minute TO dnsa_partner;
GRANT SELECT ON zone_referral_share_hour TO dnsa_partner;
GRANT SELECT ON zone_referral_share_day TO dnsa_partner;
GRANT SELECT ON zone_latency_minute TO dnsa_partner;
GRANT SELECT ON zone_latency_hour TO dnsa_partner;
GRANT SELECT ON zone_latency_day TO dnsa_partner;
GRANT SELECT ON zone_latency_pct_minute TO dnsa_partner;
GRANT SELECT ON zone_latency_pct_hour TO dnsa_partner;
GRANT SELECT ON zone_latency_pct_day TO dnsa_partner;
GRANT SELECT ON zone_top_names_rcode_hour TO dnsa_partner;

-- the rollup writes the tables
GRANT SELECT, INSERT, UPDATE, DELETE ON answer_kind_minute TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON answer_kind_hour TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON answer_kind_day TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON latency_minute TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON latency_hour TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON latency_day TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON top_name_rcode_hour TO dnsa_rollup;
GRANT SELECT ON latency_bucket TO dnsa_rollup;

-- the new partner views become TEMPTABLE views like the others (006)
CALL dnsa_seal_partner_views();
