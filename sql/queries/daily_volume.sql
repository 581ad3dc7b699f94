-- sql/queries/daily_volume.sql: How many queries did each zone get per day over the last 30 days?
SELECT zone, DATE(ts) AS day, queries, ROUND(qps, 1) AS mean_qps
FROM zone_qps_day
WHERE ts >= UTC_DATE() - INTERVAL 30 DAY
ORDER BY zone, day;
