// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nethound report's range: --date, --from and --to as local time (TZ
 * honoured) turned into UTC, and the local-time helpers the other report
 * modules use to chart and show times.
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "core/errmsg.h"
#include "core/exitcodes.h"
#include "report/report.h"
#include "report/report_data.h"

#define usage(err, errlen, ...) nh_error(err, errlen, NH_EXIT_USAGE, __VA_ARGS__)

/* ---- times ---- */

void report_format_local(char *buf, size_t len, time_t t, enum local_format f)
{
	struct tm tm;

	localtime_r(&t, &tm);
	switch (f) {
	case LOCAL_DAY:
		strftime(buf, len, "%Y-%m-%d", &tm);
		break;
	case LOCAL_MINUTE:
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
		break;
	case LOCAL_SECOND:
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
		break;
	case LOCAL_MINUTE_ZONE:
		strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm);
		break;
	}
}

void report_format_rfc3339(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * The start of tm's local day. Where midnight falls into a DST gap, mktime()
 * moves it to the first time that exists.
 */
static time_t local_midnight(struct tm tm)
{
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1; /* let the zone's rules say, not the caller's tm */
	return mktime(&tm);
}

/* Local midnight starting t's day. */
time_t report_local_day_start(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return local_midnight(tm);
}

/*
 * The first local midnight after t: the next day's, 23, 24 or 25 hours on in
 * real zones. A TZ rule may jump back over midnight (glibc reads
 * "XYZ-11-0..." as a zone whose unnamed DST is UTC+0, starting at local
 * midnight), where the next day's midnight can come out at or before t: then
 * the day after that, and a plain 24 hours if mktime() gives nothing later.
 */
time_t report_local_day_after(time_t t)
{
	struct tm day;

	localtime_r(&t, &day);
	for (int ahead = 1; ahead <= 3; ahead++) {
		struct tm next = day;
		time_t midnight;

		next.tm_mday += ahead;
		midnight = local_midnight(next);
		if (midnight != (time_t)-1 && midnight > t)
			return midnight;
	}
	return t + 86400;
}

/* ---- --date, --from, --to ---- */

/* The value of the n digits at s, or -1 if they are not all digits. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * "YYYY-MM-DD", or with allow_time also "YYYY-MM-DD HH:MM", as local time.
 * Strict: mktime() would quietly turn 2026-02-30 into March 2nd, and a
 * report of the wrong day looks right.
 */
static bool parse_local_time(const char *s, bool allow_time, time_t *out)
{
	size_t len = strlen(s);
	int year, month, day, hour = 0, minute = 0;
	struct tm tm;

	if ((len != 10 && !(allow_time && len == 16)) || s[4] != '-' || s[7] != '-')
		return false;
	year = digits(s, 4);
	month = digits(s + 5, 2);
	day = digits(s + 8, 2);
	if (len == 16) {
		if (s[10] != ' ' || s[13] != ':')
			return false;
		hour = digits(s + 11, 2);
		minute = digits(s + 14, 2);
	}
	/* Before 1970 nothing was recorded, and database times are 4-digit years. */
	if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
	    hour < 0 || hour > 23 || minute < 0 || minute > 59)
		return false;
	tm = (struct tm){.tm_year = year - 1900,
			 .tm_mon = month - 1,
			 .tm_mday = day,
			 .tm_hour = hour,
			 .tm_min = minute,
			 .tm_isdst = -1};
	*out = mktime(&tm);
	return *out != (time_t)-1;
}

int report_parse_range(const char *date, const char *from, const char *to, time_t now,
		       time_t *out_from, time_t *out_to, char *err, size_t errlen)
{
	/* Arguments quoted in messages: one line, whatever the user typed. */
	char shown_from[40], shown_to[40];

	if (date && (from || to))
		return usage(err, errlen,
			     "--date cannot be combined with --from or --to; use one or "
			     "the other");
	/* "Until then, since when?" has no good answer: ask rather than guess. */
	if (to && !from)
		return usage(err, errlen,
			     "--to needs --from; for a single day use --date");
	if (date) {
		printable_word(shown_from, sizeof(shown_from), date);
		if (!parse_local_time(date, false, out_from))
			return usage(err, errlen,
				     "--date: '%s' is not a date (YYYY-MM-DD)",
				     shown_from);
		*out_to = report_local_day_after(*out_from);
		return 0;
	}
	if (!from) {
		*out_from = report_local_day_start(now);
		*out_to = report_local_day_after(*out_from);
		return 0;
	}
	printable_word(shown_from, sizeof(shown_from), from);
	if (!parse_local_time(from, true, out_from))
		return usage(err, errlen,
			     "--from: '%s' is not a date or time (YYYY-MM-DD or "
			     "'YYYY-MM-DD HH:MM')",
			     shown_from);
	if (!to) {
		*out_to = now;
		if (*out_from >= now)
			return usage(err, errlen,
				     "--from: '%s' is not in the past; give --to as well",
				     shown_from);
		return 0;
	}
	printable_word(shown_to, sizeof(shown_to), to);
	if (!parse_local_time(to, true, out_to))
		return usage(err, errlen,
			     "--to: '%s' is not a date or time (YYYY-MM-DD or "
			     "'YYYY-MM-DD HH:MM')",
			     shown_to);
	if (*out_from >= *out_to)
		return usage(err, errlen, "--from '%s' is not before --to '%s'",
			     shown_from, shown_to);
	return 0;
}
