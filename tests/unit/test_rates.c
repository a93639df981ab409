// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* rates.c: counter deltas, per-second rates and human-readable units. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/rates.h"

static void test_counter_delta(void)
{
	CHECK_UINT(counter_delta(10, 3), 7);
	CHECK_UINT(counter_delta(5, 5), 0);
	CHECK_UINT(counter_delta(0, 0), 0);
	CHECK_UINT(counter_delta(UINT64_MAX, 0), UINT64_MAX);
	CHECK_UINT(counter_delta(UINT64_MAX, UINT64_MAX - 1), 1);
	/* Backwards: the entry was recreated, so all of `now` is new traffic. */
	CHECK_UINT(counter_delta(3, 10), 3);
	CHECK_UINT(counter_delta(0, 10), 0);
	CHECK_UINT(counter_delta(0, UINT64_MAX), 0);
	CHECK_UINT(counter_delta(100, UINT64_MAX), 100);
}

static void test_rate_per_second(void)
{
	CHECK_DOUBLE(rate_per_second(1000, 2.0), 500.0, 0);
	CHECK_DOUBLE(rate_per_second(1500, 0.5), 3000.0, 0);
	CHECK_DOUBLE(rate_per_second(0, 1.0), 0.0, 0);
	CHECK_DOUBLE(rate_per_second(1, 3.0), 1.0 / 3.0, 1e-15);
	CHECK_DOUBLE(rate_per_second(UINT64_MAX, 1.0), 18446744073709551615.0, 0);
	/* An empty or nonsensical interval is no rate, never inf or NaN. */
	CHECK_DOUBLE(rate_per_second(1000, 0.0), 0.0, 0);
	CHECK_DOUBLE(rate_per_second(1000, -0.0), 0.0, 0);
	CHECK_DOUBLE(rate_per_second(1000, -1.0), 0.0, 0);
	CHECK_DOUBLE(rate_per_second(1000, NAN), 0.0, 0);
}

#define CHECK_BYTES(value, expected)                                                               \
	do {                                                                                       \
		char buf_[32];                                                                     \
		memset(buf_, 'X', sizeof(buf_));                                                   \
		format_bytes(buf_, sizeof(buf_), (value));                                         \
		CHECK_STR(buf_, (expected));                                                       \
	} while (0)

#define CHECK_RATE(value, bits, expected)                                                          \
	do {                                                                                       \
		char buf_[32];                                                                     \
		memset(buf_, 'X', sizeof(buf_));                                                   \
		format_rate(buf_, sizeof(buf_), (value), (bits));                                  \
		CHECK_STR(buf_, (expected));                                                       \
	} while (0)

static void test_format_bytes(void)
{
	CHECK_BYTES(0, "0 B");
	CHECK_BYTES(1, "1 B");
	CHECK_BYTES(999, "999 B");
	CHECK_BYTES(1023, "1023 B");
	CHECK_BYTES(1024, "1.0 KiB");
	/* Rounding never prints the base of a unit: up a unit instead. */
	CHECK_BYTES(1023.6, "1.0 KiB");
	CHECK_BYTES(1048575, "1.0 MiB");
	CHECK_RATE(124.95, 1, "1.0 kbit/s");
	CHECK_BYTES(1536, "1.5 KiB");
	CHECK_BYTES(10 * 1024 - 1, "10.0 KiB");
	CHECK_BYTES(1000 * 1024, "1000.0 KiB");
	CHECK_BYTES(1024 * 1024, "1.0 MiB");
	CHECK_BYTES(12.0 * 1024 * 1024, "12.0 MiB");
	CHECK_BYTES(1.25 * 1024 * 1024 * 1024, "1.2 GiB"); /* round-half-even of 1.25 */
	CHECK_BYTES(3.0 * 1024 * 1024 * 1024 * 1024, "3.0 TiB");
	CHECK_BYTES(1024.0 * 1024 * 1024 * 1024 * 1024, "1.0 PiB");
	/* PiB is the last unit: larger values keep counting in it. */
	CHECK_BYTES(2048.0 * 1024 * 1024 * 1024 * 1024 * 1024, "2048.0 PiB");
	CHECK_BYTES(18446744073709551615.0, "16384.0 PiB");
}

static void test_format_rate(void)
{
	/* Bytes: binary prefixes. */
	CHECK_RATE(0, 0, "0 B/s");
	CHECK_RATE(512, 0, "512 B/s");
	CHECK_RATE(1500, 0, "1.5 KiB/s");
	CHECK_RATE(1536, 0, "1.5 KiB/s");
	CHECK_RATE(12.5 * 1024 * 1024, 0, "12.5 MiB/s");
	CHECK_RATE(2.0 * 1024 * 1024 * 1024, 0, "2.0 GiB/s");
	CHECK_RATE(1024.0 * 1024 * 1024 * 1024, 0, "1.0 TiB/s");
	CHECK_RATE(4096.0 * 1024 * 1024 * 1024 * 1024, 0, "4096.0 TiB/s");
	CHECK_RATE(0.4, 0, "0 B/s");
	/* Bits: eight per byte, decimal prefixes. */
	CHECK_RATE(0, 1, "0 bit/s");
	CHECK_RATE(100, 1, "800 bit/s");
	CHECK_RATE(124, 1, "992 bit/s");
	CHECK_RATE(125, 1, "1.0 kbit/s");
	CHECK_RATE(1500, 1, "12.0 kbit/s");
	CHECK_RATE(1024, 1, "8.2 kbit/s");
	CHECK_RATE(1.5e6, 1, "12.0 Mbit/s");
	CHECK_RATE(125e6, 1, "1.0 Gbit/s");
	CHECK_RATE(1.25e12, 1, "10.0 Tbit/s");
	CHECK_RATE(1.25e15, 1, "10000.0 Tbit/s");
	/* Any nonzero value of bits means bits. */
	CHECK_RATE(1500, 2, "12.0 kbit/s");
}

/* Output is cut to the buffer and always terminated. */
static void test_truncation(void)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	format_rate(buf, 5, 1.5e6, 1);
	CHECK_STR(buf, "12.0");
	CHECK(buf[5] == 'X');

	memset(buf, 'X', sizeof(buf));
	format_bytes(buf, 1, 1536);
	CHECK_STR(buf, "");
	CHECK(buf[1] == 'X');

	memset(buf, 'X', sizeof(buf));
	format_bytes(buf, sizeof(buf), 1536);
	CHECK_STR(buf, "1.5 KiB");
}

int main(void)
{
	test_counter_delta();
	test_rate_per_second();
	test_format_bytes();
	test_format_rate();
	test_truncation();
	return check_finish("test_rates");
}
