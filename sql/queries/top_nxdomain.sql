-- sql/queries/top_nxdomain.sql: Which names that do not exist were asked for most in my zones (NXDOMAIN, top 20 per zone over the last 24 hours, the current hour included)? Premium names, typos and abuse show up here.
-- Kept per zone and hour like the top names and bounded the same way (docs/sql.md, "Top names per rcode"); counts are estimates.
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours, the current (partial) hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 24 HOUR, '%Y-%m-%d %H:00:00')),
    @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, qname, SUM(queries) AS queries
FROM (SELECT zone, qname, queries,
             ROW_NUMBER() OVER (PARTITION BY zone ORDER BY queries DESC, qname) AS r
      FROM (SELECT zone, qname, SUM(queries) AS queries FROM zone_top_names_rcode_hour
            WHERE rcode = 'NXDOMAIN' AND ts >= @w_from AND ts < @w_to
            GROUP BY zone, qname) s) t
WHERE r <= 20
GROUP BY zone, qname
ORDER BY zone, queries DESC, qname;
