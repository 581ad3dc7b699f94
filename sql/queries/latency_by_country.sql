-- sql/queries/latency_by_country.sql: How far are the resolvers of each country from us (TCP handshake RTT) and how fast are they answered (p50/p95/p99 in microseconds, today so far and yesterday)? Staff only.
-- tcp_rtt is measured passively on TCP handshakes (pcap input), so it covers resolvers that use TCP; '--' = country unknown (docs/sql.md, "Latency").
-- Window (UTC): @from <= day < @to. Default: yesterday and today so far.
SET @w_from = COALESCE(@from, UTC_DATE() - INTERVAL 1 DAY),
    @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT country, metric, ts, responses, ROUND(p50_us) AS p50_us, ROUND(p95_us) AS p95_us, ROUND(p99_us) AS p99_us
FROM country_latency_pct_day
WHERE ts >= @w_from AND ts < @w_to
ORDER BY metric, ts, responses DESC;
