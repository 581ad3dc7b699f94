-- sql/queries/referral_share.sql: Which share of each zone's answers are referrals, per hour (last 24 hours, the current hour included)? For a TLD most NOERROR answers are.
-- Answer kinds are decided by capd from rcode, AA, TC, the answer count and NS in authority (docs/sql.md, "Answer kinds").
-- Window (UTC): @from <= hour < @to. Default: the last 24 hours, the current (partial) hour included.
SET @w_from = COALESCE(@from, DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 24 HOUR, '%Y-%m-%d %H:00:00')),
    @w_to = COALESCE(@to, UTC_TIMESTAMP());
SELECT zone, ts, responses, referrals, answers, nodata, nxdomain, ROUND(100 * referral_share, 2) AS referral_pct
FROM zone_referral_share_hour
WHERE ts >= @w_from AND ts < @w_to
ORDER BY zone, ts;
