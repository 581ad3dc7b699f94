-- sql/mariadb/010_distinct_resolvers.sql: distinct resolvers per zone, node, hour and day from capd's HyperLogLog sketches.
--
-- capd keeps, per counters interval, a HyperLogLog sketch (4096 registers, common/hll.h)
-- of client addresses and one of client prefixes (/24 for IPv4, /48 for IPv6):
--   zone_id 0   the node's sketch, over every message whose client address the input
--               knew without DNS parsing (pcap: every UDP/TCP message; dnstap: the
--               sampled frames only, flagged sampled = 1)
--   zone_id Z   zone Z's sketch, over its sampled records (a lower bound of the zone's
--               distinct clients unless sampling is `all`: docs/sql.md)
-- The rollup merges the sketches (register-wise maximum, so the order, late data and a
-- second aggregator do not matter) per hour and day, per node (node_id N, node sketches
-- only) and over all nodes (node_id 0), and stores the estimate beside the registers.
-- Client addresses never leave the node: only register values do.
-- Re-runnable: CREATE ... IF NOT EXISTS, CREATE OR REPLACE VIEW.

-- the merged registers: chunk c holds registers 512c .. 512c+511 (all-zero chunks absent)
CREATE TABLE IF NOT EXISTS resolvers_sketch_hour (
	ts          DATETIME NOT NULL,
	zone_id     INT UNSIGNED NOT NULL,      -- 0: the node sketch (every message)
	node_id     INT UNSIGNED NOT NULL,      -- 0: all nodes
	kind        ENUM('address','prefix') NOT NULL,
	chunk       TINYINT UNSIGNED NOT NULL,
	registers   VARBINARY(512) NOT NULL,
	PRIMARY KEY (ts, zone_id, node_id, kind, chunk)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS resolvers_sketch_day LIKE resolvers_sketch_hour;

-- the estimate of each merged sketch, rewritten whenever its registers change
CREATE TABLE IF NOT EXISTS resolvers_hour (
	ts          DATETIME NOT NULL,
	zone_id     INT UNSIGNED NOT NULL,
	node_id     INT UNSIGNED NOT NULL,
	kind        ENUM('address','prefix') NOT NULL,
	estimate    DOUBLE NOT NULL,            -- distinct values (HyperLogLog, linear counting when small)
	std_error   DOUBLE NOT NULL,            -- its standard error, same unit (1.6% of estimate when large)
	registers_set SMALLINT UNSIGNED NOT NULL, -- of 4096
	sampled     TINYINT UNSIGNED NOT NULL,  -- 1: fed by sampled messages only (a lower bound)
	updated     DATETIME NOT NULL,
	PRIMARY KEY (ts, zone_id, node_id, kind),
	KEY by_zone (zone_id, ts)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS resolvers_day LIKE resolvers_hour;

GRANT SELECT, INSERT, UPDATE, DELETE ON resolvers_sketch_hour TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON resolvers_sketch_day TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON resolvers_hour TO dnsa_rollup;
GRANT SELECT, INSERT, UPDATE, DELETE ON resolvers_day TO dnsa_rollup;

-- per zone (all nodes): distinct client addresses and prefixes among the zone's sampled records
CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_resolvers_hour AS
SELECT z.name AS zone, r.ts,
  ROUND(MAX(IF(r.kind = 'address', r.estimate, NULL))) AS resolvers,
  ROUND(MAX(IF(r.kind = 'address', r.std_error, NULL)), 1) AS resolvers_se,
  ROUND(MAX(IF(r.kind = 'prefix', r.estimate, NULL))) AS prefixes,
  ROUND(MAX(IF(r.kind = 'prefix', r.std_error, NULL)), 1) AS prefixes_se,
  MAX(r.sampled) AS sampled
FROM resolvers_hour r JOIN zone_visible z ON z.zone_id = r.zone_id
WHERE r.node_id = 0
GROUP BY r.zone_id, z.name, r.ts;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW zone_resolvers_day AS
SELECT z.name AS zone, r.ts,
  ROUND(MAX(IF(r.kind = 'address', r.estimate, NULL))) AS resolvers,
  ROUND(MAX(IF(r.kind = 'address', r.std_error, NULL)), 1) AS resolvers_se,
  ROUND(MAX(IF(r.kind = 'prefix', r.estimate, NULL))) AS prefixes,
  ROUND(MAX(IF(r.kind = 'prefix', r.std_error, NULL)), 1) AS prefixes_se,
  MAX(r.sampled) AS sampled
FROM resolvers_day r JOIN zone_visible z ON z.zone_id = r.zone_id
WHERE r.node_id = 0
GROUP BY r.zone_id, z.name, r.ts;

-- per node (staff): distinct clients of every message the node saw; node '(all)' = all nodes merged
CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_resolvers_hour AS
SELECT COALESCE(d.name, '(all)') AS node, r.ts,
  ROUND(MAX(IF(r.kind = 'address', r.estimate, NULL))) AS resolvers,
  ROUND(MAX(IF(r.kind = 'address', r.std_error, NULL)), 1) AS resolvers_se,
  ROUND(MAX(IF(r.kind = 'prefix', r.estimate, NULL))) AS prefixes,
  ROUND(MAX(IF(r.kind = 'prefix', r.std_error, NULL)), 1) AS prefixes_se,
  MAX(r.sampled) AS sampled
FROM resolvers_hour r LEFT JOIN node d ON d.node_id = r.node_id
WHERE r.zone_id = 0
GROUP BY r.node_id, d.name, r.ts;

CREATE OR REPLACE SQL SECURITY DEFINER VIEW node_resolvers_day AS
SELECT COALESCE(d.name, '(all)') AS node, r.ts,
  ROUND(MAX(IF(r.kind = 'address', r.estimate, NULL))) AS resolvers,
  ROUND(MAX(IF(r.kind = 'address', r.std_error, NULL)), 1) AS resolvers_se,
  ROUND(MAX(IF(r.kind = 'prefix', r.estimate, NULL))) AS prefixes,
  ROUND(MAX(IF(r.kind = 'prefix', r.std_error, NULL)), 1) AS prefixes_se,
  MAX(r.sampled) AS sampled
FROM resolvers_day r LEFT JOIN node d ON d.node_id = r.node_id
WHERE r.zone_id = 0
GROUP BY r.node_id, d.name, r.ts;

-- partners see their own zones' figures (zone_visible filters); the node views are staff only
GRANT SELECT ON zone_resolvers_hour TO dnsa_partner;
GRANT SELECT ON zone_resolvers_day TO dnsa_partner;
CALL dnsa_seal_partner_views();
