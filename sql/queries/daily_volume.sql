-- sql/queries/daily_volume.sql: How many queries did each zone get per day?
-- Window (UTC): @from <= day < @to. Default: the 30 days before today and today so far. mean_qps
-- divides by the seconds the day covers (today: up to the last rollup), shown in seconds.
SET @w_from = COALESCE(@from, UTC_DATE() - INTERVAL 30 DAY), @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, DATE(ts) AS day, queries, ROUND(qps, 1) AS mean_qps, seconds
FROM zone_qps_day
WHERE ts >= @w_from AND ts < @w_to
ORDER BY zone, day;
