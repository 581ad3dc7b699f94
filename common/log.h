/* common/log.h: logging to stderr or syslog, with rate limiting for input-triggered messages. */
#ifndef DNSA_COMMON_LOG_H
#define DNSA_COMMON_LOG_H

#include <stdint.h>

/* log_init: ident for syslog/stderr prefixes; use_syslog 0 = stderr; verbosity 0..2. */
void log_init(const char *ident, int use_syslog, int verbosity);
void log_setverbose(int verbosity);

/* log_warn* and fatal append ": strerror(errno)"; the *x variants do not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Rate limit for messages that bad input can trigger: at most `burst` messages
 * per `interval_s` seconds per limiter; the rest are counted in `suppressed` and
 * reported with the next message that passes. Zero-initialise with LOG_RL_INIT.
 */
struct log_rl {
	uint32_t burst;      /* messages allowed per interval */
	uint32_t interval_s; /* interval length, seconds */
	int64_t window;      /* start of the current interval (monotonic s) */
	uint32_t used;       /* messages logged in this interval */
	uint64_t suppressed; /* messages dropped since the last one logged */
};
#define LOG_RL_INIT(burst, secs) { (burst), (secs), 0, 0, 0 }
void log_warnx_rl(struct log_rl *rl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
