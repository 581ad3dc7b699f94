-- sql/queries/top_names.sql: Which names in my zones were queried most, hour by hour (top 20 per zone and hour)?
-- Names are truncated by capd to the zone plus N labels; counts are estimates (see docs/sql.md, "top names").
-- Window (UTC): @from <= hour < @to. Default: the previous hour and the current one so far
-- (partial = 1: its counts grow until the hour is over and the list may still change).
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 1 HOUR, '%Y-%m-%d %H:00:00')),
    @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, ts, rnk, qname, queries, ts > UTC_TIMESTAMP() - INTERVAL 1 HOUR AS partial
FROM zone_top_names_hour
WHERE ts >= @w_from AND ts < @w_to AND rnk <= 20
ORDER BY zone, ts, rnk;
