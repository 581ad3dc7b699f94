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

/*
 * log_escape: a printable copy of in[0..len) for a log line. Use it on every
 * string that came from outside (a node name, a peer's bytes, file content, a
 * database's error message) before it is formatted into a message: bytes
 * 0x20..0x7e are kept except '\\', which is doubled; every other byte becomes
 * "\xHH". So no input can end a log line (a forged line under journald), send
 * a terminal escape, or pass for an escape we wrote. len LOG_ESC_STR: stop at
 * the first NUL. out is always NUL-terminated (cap >= 1); when the copy does
 * not fit it is cut on an escape boundary and ends in "...". Returns out
 * (or "" if out is NULL or cap is 0). Cannot fail, does not allocate.
 * LOG_ESC_SIZE(n) bytes always hold the escape of n input bytes.
 */
#define LOG_ESC_STR ((size_t)-1)
#define LOG_ESC_SIZE(n) (4 * (size_t)(n) + 1)
const char *log_escape(const void *in, size_t len, char *out, size_t cap);

#endif
