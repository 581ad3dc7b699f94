/* rollup/validate.c: range checks on every value of a staged datagram before it may reach the series. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rollup/validate.h"

/* t as "YYYY-MM-DD HH:MM:SS" (UTC), or the raw number when gmtime cannot say */
static void fmt_time(uint64_t t_s, char *buf, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t_s;
	if (t_s > (uint64_t)INT64_MAX / 2 || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, cap, "%" PRIu64 " s", t_s);
}

/* 0 if t_us (of record i; i < 0: of a counters datagram) is inside both windows around received_us */
static int check_time(const struct validate_conf *c, uint64_t t_us, int64_t received_us,
    int i, char *why, size_t cap)
{
	uint64_t t = t_us / 1000000u;
	int64_t rcv = received_us / 1000000;
	const char *bad = NULL;
	if (t < VALIDATE_TIME_MIN || t > VALIDATE_TIME_MAX)
		bad = "outside 2000-01-01 .. 2038-01-19";
	else if ((int64_t)t < rcv - c->past_s)
		bad = "older than window.past_days before its receipt";
	else if ((int64_t)t > rcv + c->future_s)
		bad = "later than window.future_seconds after its receipt";
	if (!bad)
		return 0;
	char ts[40];
	fmt_time(t, ts, sizeof ts);
	if (i < 0)
		snprintf(why, cap, "counters: time %s %s", ts, bad);
	else
		snprintf(why, cap, "record %d: time %s %s", i, ts, bad);
	return -1;
}

int validate_received(int64_t received_us, char *why, size_t cap)
{
	if (received_us >= (int64_t)VALIDATE_TIME_MIN * 1000000 &&
	    received_us <= (int64_t)VALIDATE_TIME_MAX * 1000000)
		return 0;
	snprintf(why, cap, "receive time %" PRId64 " us outside 2000-01-01 .. 2038-01-19", received_us);
	return -1;
}

int validate_node(const char *node, char *why, size_t cap)
{
	size_t n = strnlen(node, VALIDATE_NODE_MAX + 1);
	if (n <= VALIDATE_NODE_MAX)
		return 0;
	snprintf(why, cap, "node name longer than %u bytes", VALIDATE_NODE_MAX);
	return -1;
}

int validate_records(const struct validate_conf *c, const struct dnsa_record *recs, int n,
    int64_t received_us, char *why, size_t cap)
{
	/* the reason is formatted on failure only: this runs for every record (30M: ~3 CPU s of snprintf) */
	for (int i = 0; i < n; i++) {
		const struct dnsa_record *r = &recs[i];
		if (r->time_us && check_time(c, r->time_us, received_us, i, why, cap))
			return -1;
		if (r->weight == 0 || r->weight > VALIDATE_WEIGHT_MAX) {
			snprintf(why, cap, "record %d: weight %u outside 1 .. %u", i, r->weight, VALIDATE_WEIGHT_MAX);
			return -1;
		}
		/* the codec already bounds them; the checks keep this true if it ever changes */
		if (strnlen(r->zone, sizeof r->zone) > RECORD_NAME_MAX ||
		    strnlen(r->qname, sizeof r->qname) > RECORD_NAME_MAX) {
			snprintf(why, cap, "record %d: name longer than %u bytes", i, RECORD_NAME_MAX);
			return -1;
		}
	}
	return 0;
}

int validate_counters(const struct validate_conf *c, const struct dnsa_counters *cnt,
    int64_t received_us, char *why, size_t cap)
{
	if (cnt->time_us && check_time(c, cnt->time_us, received_us, -1, why, cap))
		return -1;
	for (unsigned id = 0; id < C_COUNTER_MAX; id++)
		if (counters_has(cnt, id) && cnt->value[id] > VALIDATE_COUNTER_MAX) {
			const char *name = counter_name(id);
			snprintf(why, cap, "counter %s%s%u = %" PRIu64 " above 2^62", name ? name : "",
			    name ? "/" : "c", id, cnt->value[id]);
			return -1;
		}
	return 0;
}
