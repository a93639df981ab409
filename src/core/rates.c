// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>

#include "core/rates.h"

double rate_per_second(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / seconds : 0.0;
}

static void format_scaled(char *buf, size_t len, double value, double base,
			  const char *const *units, int nunits, const char *suffix)
{
	int i = 0;

	/* Move up a unit also when rounding would print the base ("1024 B", "1024.0 KiB"). */
	while (i < nunits - 1 && value >= base - (i == 0 ? 0.5 : 0.05)) {
		value /= base;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.0f %s%s", value, units[0], suffix);
	else
		snprintf(buf, len, "%.1f %s%s", value, units[i], suffix);
}

void format_bytes(char *buf, size_t len, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };

	format_scaled(buf, len, bytes, 1024.0, units, 6, "");
}

void format_rate(char *buf, size_t len, double bytes_per_second, int bits)
{
	static const char *const byte_units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	static const char *const bit_units[] = { "bit", "kbit", "Mbit", "Gbit", "Tbit" };

	if (bits)
		format_scaled(buf, len, bytes_per_second * 8.0, 1000.0, bit_units, 5, "/s");
	else
		format_scaled(buf, len, bytes_per_second, 1024.0, byte_units, 5, "/s");
}
