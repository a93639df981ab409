/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef NETHOUND_TIMEFMT_H
#define NETHOUND_TIMEFMT_H

#include <stddef.h>
#include <time.h>

/* RFC 3339 in UTC with milliseconds: 2026-11-20T21:48:00.123Z. */
void format_rfc3339_utc(char *buf, size_t len, const struct timespec *ts);

/* Seconds of CLOCK_MONOTONIC as a double. */
double monotonic_seconds(void);

#endif
