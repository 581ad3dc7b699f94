/* common/log.c: logging to stderr or syslog, with rate limiting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/log.h"

static const char *log_ident = "dnsa";
static int log_syslog;
static int log_verbose;

void log_init(const char *ident, int use_syslog, int verbosity)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_verbose = verbosity;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_setverbose(int verbosity) { log_verbose = verbosity; }

const char *log_escape(const void *in, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t o = 0, cut = 0; /* cut: the last escape boundary that still leaves room for "..." */

	if (!out || cap == 0)
		return "";
	for (size_t i = 0; p && i < len; i++) {
		unsigned char c = p[i];
		char e[4];
		size_t el = 0;
		if (len == LOG_ESC_STR && c == '\0')
			break;
		if (c == '\\') {
			e[el++] = '\\';
			e[el++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			e[el++] = (char)c;
		} else {
			e[el++] = '\\';
			e[el++] = 'x';
			e[el++] = hex[c >> 4];
			e[el++] = hex[c & 15];
		}
		if (o + el >= cap) {
			o = cut;
			if (o + 3 < cap) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, e, el);
		o += el;
		if (o + 4 <= cap)
			cut = o;
	}
	out[o] = '\0';
	return out;
}

static void vlog(int pri, const char *fmt, va_list ap, int with_errno)
{
	char msg[1024];
	int saved = errno;
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(saved));
	/*
	 * The last line of defence under log_escape: a control byte that still
	 * reached a message (an outside string a call site did not escape) is
	 * written as \xHH, so one call is always exactly one log line.
	 */
	char safe[sizeof msg * 4];
	const char *line = msg;
	for (const char *p = msg; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			size_t o = 0;
			for (const unsigned char *q = (const unsigned char *)msg; *q; q++) {
				if (*q < 0x20 || *q == 0x7f)
					o += (size_t)snprintf(safe + o, sizeof safe - o, "\\x%02x", *q);
				else
					safe[o++] = (char)*q;
			}
			safe[o] = '\0';
			line = safe;
			break;
		}
	}
	if (log_syslog) {
		syslog(pri, "%s", line);
	} else {
		fprintf(stderr, "%s: %s\n", log_ident, line);
		fflush(stderr);
	}
	errno = saved;
}

#define LOGFN(name, pri, with_errno, minv) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		if (log_verbose < (minv)) \
			return; \
		va_start(ap, fmt); \
		vlog(pri, fmt, ap, with_errno); \
		va_end(ap); \
	}
LOGFN(log_warn, LOG_WARNING, 1, 0)
LOGFN(log_warnx, LOG_WARNING, 0, 0)
LOGFN(log_info, LOG_INFO, 0, 0)
LOGFN(log_debug, LOG_DEBUG, 0, 1)

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void log_warnx_rl(struct log_rl *rl, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;
	char msg[900];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec - rl->window >= (int64_t)rl->interval_s) {
		rl->window = ts.tv_sec;
		rl->used = 0;
	}
	if (rl->used >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->used++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (rl->suppressed) {
		log_warnx("%s (%llu similar messages suppressed)", msg,
		    (unsigned long long)rl->suppressed);
		rl->suppressed = 0;
	} else {
		log_warnx("%s", msg);
	}
}
