/* common/clock.h: the clocks, read in one place, in the units the code counts in. */
#ifndef DNSA_COMMON_CLOCK_H
#define DNSA_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * Inline: some are read once per batch on the hot path. None can fail
 * (clock_gettime on these clock ids does not fail on Linux).
 */

/* clock_us: clock id in microseconds. */
static inline uint64_t clock_us(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* clock_mono_us: CLOCK_MONOTONIC in microseconds (intervals, deadlines). */
static inline uint64_t clock_mono_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

/* clock_real_us: CLOCK_REALTIME in microseconds since the epoch (timestamps on the wire). */
static inline uint64_t clock_real_us(void)
{
	return clock_us(CLOCK_REALTIME);
}

/* clock_mono_ms: CLOCK_MONOTONIC in milliseconds. */
static inline int64_t clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* clock_mono_s: CLOCK_MONOTONIC in seconds, for durations shown to people. */
static inline double clock_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
