/* api/params.c: checking the query parameters of dnsa-api requests (times, steps, limits, names). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int mdays(int y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : n[m - 1];
}

int param_time(const char *s, int64_t *t)
{
	if (!s || !*s)
		return -1;
	size_t n = strlen(s);
	if (n > 32)
		return -1;
	if (strspn(s, "0123456789") == n) {
		if (n > 11)
			return -1;
		int64_t v = strtoll(s, NULL, 10);
		if (v < PARAM_TIME_MIN || v > PARAM_TIME_MAX)
			return -1;
		*t = v;
		return 0;
	}
	if (s[n - 1] == 'Z')
		n--;
	int y, mo, d, h = 0, mi = 0, se = 0;
	if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (n > 10) {
		if ((s[10] != 'T' && s[10] != ' ') || n < 16 || digits(s + 11, 2, &h) || s[13] != ':' ||
		    digits(s + 14, 2, &mi))
			return -1;
		if (n > 16 && (n != 19 || s[16] != ':' || digits(s + 17, 2, &se)))
			return -1;
	}
	if (y < 2000 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	int64_t v = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	if (v < PARAM_TIME_MIN || v > PARAM_TIME_MAX)
		return -1;
	*t = v;
	return 0;
}

const char *step_name(enum step s)
{
	return s == STEP_MINUTE ? "minute" : s == STEP_HOUR ? "hour" : "day";
}

int64_t step_seconds(enum step s)
{
	return s == STEP_MINUTE ? 60 : s == STEP_HOUR ? 3600 : 86400;
}

static void sql_time(int64_t t, char out[24])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
}

int param_window(const char *from, const char *to, const char *step, int64_t now, int64_t max_points,
    struct window *w, const char **bad, const char **why)
{
	memset(w, 0, sizeof *w);
	if (to) {
		if (param_time(to, &w->to)) {
			*bad = "to";
			*why = "not a time (unix seconds or YYYY-MM-DD[THH:MM[:SS]][Z], years 2000-2100)";
			return -1;
		}
	} else {
		w->to = now;
	}
	if (from) {
		if (param_time(from, &w->from)) {
			*bad = "from";
			*why = "not a time (unix seconds or YYYY-MM-DD[THH:MM[:SS]][Z], years 2000-2100)";
			return -1;
		}
	} else {
		w->from = w->to - 86400;
	}
	if (w->from >= w->to) {
		*bad = "from";
		*why = "must be before to";
		return -1;
	}
	int64_t range = w->to - w->from;
	if (step) {
		if (!strcmp(step, "minute"))
			w->step = STEP_MINUTE;
		else if (!strcmp(step, "hour"))
			w->step = STEP_HOUR;
		else if (!strcmp(step, "day"))
			w->step = STEP_DAY;
		else {
			*bad = "step";
			*why = "must be minute, hour or day";
			return -1;
		}
	} else {
		w->step = range <= 2 * 86400 ? STEP_MINUTE : range <= 92 * 86400 ? STEP_HOUR : STEP_DAY;
	}
	/* whole buckets: from rounded down, to rounded up, so a bucket is never cut in half */
	int64_t ss = step_seconds(w->step);
	w->from -= w->from % ss;
	if (w->to % ss)
		w->to += ss - w->to % ss;
	if ((w->to - w->from) / ss > max_points) {
		*bad = "step";
		*why = "too many points for this range: use a coarser step or a shorter range";
		return -1;
	}
	sql_time(w->from, w->from_sql);
	sql_time(w->to, w->to_sql);
	return 0;
}

int param_uint(const char *s, int64_t lo, int64_t hi, int64_t def, int64_t *out)
{
	if (!s) {
		*out = def;
		return 0;
	}
	size_t n = strlen(s);
	if (n == 0 || n > 10 || strspn(s, "0123456789") != n)
		return -1;
	int64_t v = strtoll(s, NULL, 10);
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int param_zone(const char *s, char *out)
{
	size_t n = s ? strlen(s) : 0;
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return -1;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return -1;
		} else {
			return -1;
		}
		out[i] = c;
	}
	if (label == 0)
		return -1;
	out[n] = 0;
	return 0;
}
