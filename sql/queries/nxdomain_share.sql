-- sql/queries/nxdomain_share.sql: How does each zone's NXDOMAIN share move hour by hour? A jump often means a random-subdomain attack or a broken client.
-- Window (UTC): @from <= hour < @to. Default: the last 7 days: 167 whole hours and the current,
-- partial hour included (a share needs no division by time).
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 167 HOUR, '%Y-%m-%d %H:00:00')), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, ts, queries, nxdomain, ROUND(100 * nxdomain_share, 2) AS nxdomain_pct
FROM zone_nxdomain_share_hour
WHERE ts >= @w_from AND ts < @w_to
ORDER BY zone, ts;
