// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* timefmt.c: RFC 3339 timestamps in UTC, and the monotonic clock. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "core/timefmt.h"

#define CHECK_RFC3339(sec, nsec, expected)                                                         \
	do {                                                                                       \
		struct timespec ts_ = {.tv_sec = (sec), .tv_nsec = (nsec)};                        \
		char buf_[40];                                                                     \
		memset(buf_, 'X', sizeof(buf_));                                                   \
		format_rfc3339_utc(buf_, sizeof(buf_), &ts_);                                      \
		CHECK_STR(buf_, (expected));                                                       \
	} while (0)

static void test_rfc3339(void)
{
	CHECK_RFC3339(0, 0, "1970-01-01T00:00:00.000Z");
	CHECK_RFC3339(1700000000, 123456789, "2023-11-14T22:13:20.123Z");
	/* Milliseconds are truncated, never rounded up into the next second. */
	CHECK_RFC3339(1700000000, 999999999, "2023-11-14T22:13:20.999Z");
	CHECK_RFC3339(1700000000, 1000000, "2023-11-14T22:13:20.001Z");
	CHECK_RFC3339(1700000000, 999999, "2023-11-14T22:13:20.000Z");
	CHECK_RFC3339(59, 500000000, "1970-01-01T00:00:59.500Z");
	/* Leap day, end of year, and past 2^31 seconds. */
	CHECK_RFC3339(951782400, 0, "2000-02-29T00:00:00.000Z");
	CHECK_RFC3339(1704067199, 0, "2023-12-31T23:59:59.000Z");
	CHECK_RFC3339(2147483648LL, 0, "2038-01-19T03:14:08.000Z");
	CHECK_RFC3339(4102444800LL, 42000000, "2100-01-01T00:00:00.042Z");
}

/* The local time zone must not leak into a UTC timestamp. */
static void test_timezone_independent(void)
{
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	CHECK_RFC3339(1700000000, 123456789, "2023-11-14T22:13:20.123Z");
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	CHECK_RFC3339(0, 0, "1970-01-01T00:00:00.000Z");
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_truncation(void)
{
	struct timespec ts = {.tv_sec = 1700000000, .tv_nsec = 123456789};
	char buf[40];

	memset(buf, 'X', sizeof(buf));
	format_rfc3339_utc(buf, 11, &ts);
	CHECK_STR(buf, "2023-11-14");
	CHECK(buf[11] == 'X');

	/* Exactly enough room: 24 characters and the terminator. */
	memset(buf, 'X', sizeof(buf));
	format_rfc3339_utc(buf, 25, &ts);
	CHECK_STR(buf, "2023-11-14T22:13:20.123Z");
}

static void test_monotonic(void)
{
	double a = monotonic_seconds();
	double b = monotonic_seconds();
	struct timespec pause = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
	double c;

	nanosleep(&pause, NULL);
	c = monotonic_seconds();
	CHECK(a > 0);
	CHECK(b >= a);
	CHECK(c - b >= 0.019);
	CHECK(c - b < 5.0);
}

int main(void)
{
	test_rfc3339();
	test_timezone_independent();
	test_truncation();
	test_monotonic();
	return check_finish("test_timefmt");
}
