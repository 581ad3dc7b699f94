-- sql/queries/nxdomain_share.sql: How does each zone's NXDOMAIN share move hour by hour (last 7 days)? A jump often means a random-subdomain attack or a broken client.
SELECT zone, ts, queries, nxdomain, ROUND(100 * nxdomain_share, 2) AS nxdomain_pct
FROM zone_nxdomain_share_hour
WHERE ts >= UTC_TIMESTAMP() - INTERVAL 7 DAY
ORDER BY zone, ts;
