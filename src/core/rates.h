/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Rate arithmetic and human-readable units. */
#ifndef NETHOUND_RATES_H
#define NETHOUND_RATES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Delta of a cumulative counter. A counter that went backwards was recreated
 * (its entry freed and inserted again), so everything it holds is new.
 * Inline: called for every counter of every row of every tick.
 */
static inline uint64_t counter_delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

/* Bytes per second over an interval; 0 for an empty interval. */
double rate_per_second(uint64_t bytes, double seconds);

/* "1.5 KiB", "12.0 MiB": binary prefixes, one decimal from KiB up. */
void format_bytes(char *buf, size_t len, double bytes);

/* "1.5 KiB/s", or in bits ("12.0 Mbit/s", decimal prefixes) when bits is set. */
void format_rate(char *buf, size_t len, double bytes_per_second, int bits);

#endif
