// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nethound report: totals, top processes, protocols, a chart over time,
 * alerts and sessions for a time range, read from the history database.
 *
 * Byte figures come only from the rollups (traffic_hourly, protocol_hourly):
 * a month of traffic_log is tens of millions of rows, its rollups a few
 * hundred thousand. Rollup hours are UTC, so an hour counts in the range
 * when it starts inside it: a range that is not on hour boundaries
 * (--from '... 13:30', a local day in a half-hour time zone) counts whole
 * hours. Alerts and sessions carry exact times and are matched exactly.
 *
 * Everything is read first, in one read transaction so the sections agree
 * with each other while nethound record keeps writing, then rendered.
 *
 * The chart has a bar per hour for ranges up to 48 hours (empty hours too),
 * else a bar per local day from the first day with traffic to the last. With
 * no traffic in the range there are no bars, JSON arrays are empty and CSV is
 * its header.
 *
 * JSON is one document: range {from, to}, totals, processes (the top N),
 * other_processes {count, ...}, protocols, timeline_bucket ("hour" or "day"),
 * timeline, alerts (all of them, oldest first), sessions. Times are RFC 3339
 * UTC, bytes integers, missing values null.
 *
 * CSV is one long table, one row per item, so it loads as one frame
 * (pandas.read_csv, a spreadsheet). Columns, empty where they do not apply:
 *   section               total, process, other_processes, protocol, hour or
 *                         day (the chart), alert, session
 *   name                  process name (process, alert), protocol
 *   start, end            RFC 3339 UTC: the range (total), the bar (hour, day),
 *                         the alert's time (start), the session (end empty
 *                         while it runs)
 *   upload_bytes, download_bytes, total_bytes
 *                         payload bytes; a session's cover the whole session
 *   share_percent         of all payload (process), of all protocol bytes
 *                         (protocol: wire bytes where the classifier ran)
 *   wire_upload_bytes, wire_download_bytes
 *   pid, interface, alert_type, state (alert state or session status),
 *   direction, bandwidth_value (bytes/s; bytes for daily_quota), threshold,
 *   session_id, mode, hooks, tc
 * Fields are quoted as RFC 4180 says (lines end in LF); bytes that are not
 * UTF-8 become U+FFFD so the file decodes as UTF-8; a text field that a
 * spreadsheet would run as a formula begins with an apostrophe.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "errmsg.h"
#include "exitcodes.h"
#include "array.h"
#include "json.h"
#include "rates.h"
#include "report.h"
#include "store.h"

#define REPORT_DEFAULT_TOP 10
/* Names as the database holds them are at most 15 bytes; longer ones are cut. */
#define NAME_BYTES 64
#define WORD_BYTES 24 /* alert types, states, session modes and hooks */
#define BAR_WIDTH 40

struct traffic_sum {
	uint64_t up, down, wire_up, wire_down;
};

/* A process or a protocol. Names are bytes: any value, not necessarily UTF-8. */
struct named_sum {
	char name[NAME_BYTES];
	size_t name_len;
	struct traffic_sum bytes;
};

/* One bar of the chart: an hour, or a local day. */
struct bucket {
	time_t start, end;
	struct traffic_sum bytes;
};

struct alert_row {
	time_t when;
	char type[WORD_BYTES], state[WORD_BYTES], direction[WORD_BYTES];
	char process[NAME_BYTES]; /* process and quota alerts */
	size_t process_len;
	char interface[NAME_BYTES]; /* interface alerts */
	bool has_pid;
	int64_t pid;
	double value, threshold;
	int64_t session_id;
};

struct session_row {
	int64_t id;
	time_t start, end;
	bool running; /* no end time yet */
	char status[WORD_BYTES], mode[WORD_BYTES], hooks[WORD_BYTES], tc[WORD_BYTES];
	struct traffic_sum bytes; /* the whole session's, not only the range's */
};

struct report {
	time_t from, to;
	struct traffic_sum total;
	struct named_sum *top;
	size_t ntop;
	struct named_sum others; /* processes past the top N, together */
	size_t nothers;
	struct named_sum *protocols;
	size_t nprotocols;
	uint64_t protocol_total;
	bool daily; /* the chart has a bar per local day, not per hour */
	struct bucket *buckets;
	size_t nbuckets;
	struct alert_row *alerts; /* oldest first */
	size_t nalerts;
	uint64_t alerts_in_range; /* text reads only the newest REPORT_TEXT_ALERTS_MAX */
	struct session_row *sessions;
	size_t nsessions;
};

static bool report_has_traffic(const struct report *r)
{
	return r->ntop || r->nothers || r->nprotocols;
}

static uint64_t sum_total(const struct traffic_sum *t)
{
	return t->up + t->down;
}

static void sum_add(struct traffic_sum *to, const struct traffic_sum *from)
{
	to->up += from->up;
	to->down += from->down;
	to->wire_up += from->wire_up;
	to->wire_down += from->wire_down;
}

static double share_percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* For a terminal that may not be UTF-8: anything but printable ASCII shows as '?'. */
static void printable(char *dst, size_t size, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	dst[i] = '\0';
}

static void printable_word(char *dst, size_t size, const char *s)
{
	printable(dst, size, s, strlen(s));
}

#define usage(err, errlen, ...) nh_error(err, errlen, NH_EXIT_USAGE, __VA_ARGS__)

/* ---- times ---- */

/* How much of a local time to show; strftime() formats stay literals the compiler checks. */
enum local_format {
	LOCAL_DAY,	   /* 2026-11-20 */
	LOCAL_MINUTE,	   /* 2026-11-20 13:00 */
	LOCAL_SECOND,	   /* 2026-11-20 13:00:05 */
	LOCAL_MINUTE_ZONE, /* 2026-11-20 13:00 CET */
};

static void format_local(char *buf, size_t len, time_t t, enum local_format f)
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

static void format_rfc3339(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* 'YYYY-MM-DD HH:MM:SS' UTC, as the database stores times. */
static bool parse_db_time(const unsigned char *s, time_t *out)
{
	struct tm tm = {0};
	int end = 0;

	if (!s ||
	    sscanf((const char *)s, "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &end) != 6 ||
	    s[end] != '\0')
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return true;
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
static time_t local_day_start(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return local_midnight(tm);
}

/* Local midnight starting the day after t's: 23, 24 or 25 hours on. */
static time_t local_day_after(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday++;
	return local_midnight(tm);
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
		*out_to = local_day_after(*out_from);
		return 0;
	}
	if (!from) {
		*out_from = local_day_start(now);
		*out_to = local_day_after(*out_from);
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

/* ---- reading the database ---- */

struct reader {
	sqlite3 *db;
	const char *path;
	char from[20], to[20]; /* the range as database times */
	char *err;
	size_t errlen;
};

static int reader_sql_error(struct reader *rd)
{
	snprintf(rd->err, rd->errlen,
		 "nethound: cannot read the history in %s (%s); check the file or pass another "
		 "--db",
		 rd->path, sqlite3_errmsg(rd->db));
	return NH_EXIT_DATABASE;
}

static int reader_out_of_memory(struct reader *rd)
{
	snprintf(rd->err, rd->errlen, "nethound: out of memory reading %s", rd->path);
	return NH_EXIT_FAILURE;
}

static int reader_bad_time(struct reader *rd, const char *table, const unsigned char *text)
{
	char shown[32];

	printable_word(shown, sizeof(shown), text ? (const char *)text : "NULL");
	snprintf(rd->err, rd->errlen,
		 "nethound: %s: '%s' in table %s is not a time; the database may be damaged",
		 rd->path, shown, table);
	return NH_EXIT_DATABASE;
}

/* A statement whose ?1 and ?2 are the range. */
static int reader_prepare(struct reader *rd, const char *sql, sqlite3_stmt **q)
{
	if (sqlite3_prepare_v2(rd->db, sql, -1, q, NULL) != SQLITE_OK)
		return reader_sql_error(rd);
	sqlite3_bind_text(*q, 1, rd->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(*q, 2, rd->to, -1, SQLITE_STATIC);
	return 0;
}

/* sqlite3_step() past the last row: SQLITE_DONE, or the error it ended with. */
static int reader_finish(struct reader *rd, sqlite3_stmt *q, int step_rc)
{
	int rc = step_rc == SQLITE_DONE ? 0 : reader_sql_error(rd);

	sqlite3_finalize(q);
	return rc;
}

/* A text column into dst, cut to fit; its length in bytes. NULL reads as "". */
static size_t column_copy(sqlite3_stmt *q, int col, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(q, col);
	size_t len = s ? (size_t)sqlite3_column_bytes(q, col) : 0;

	if (len >= size)
		len = size - 1;
	if (len)
		memcpy(dst, s, len);
	dst[len] = '\0';
	return len;
}

/* Four byte columns from col on: upload, download, wire upload, wire download. */
static void column_sum(sqlite3_stmt *q, int col, struct traffic_sum *t)
{
	t->up = (uint64_t)sqlite3_column_int64(q, col);
	t->down = (uint64_t)sqlite3_column_int64(q, col + 1);
	t->wire_up = (uint64_t)sqlite3_column_int64(q, col + 2);
	t->wire_down = (uint64_t)sqlite3_column_int64(q, col + 3);
}

/* Every process, biggest first: the first top_n are listed, the rest summed. */
static int read_processes(struct reader *rd, struct report *r, size_t top_n)
{
	static const char sql[] =
	    "SELECT process_name, sum(upload_bytes), sum(download_bytes),"
	    " sum(wire_upload_bytes), sum(wire_download_bytes)"
	    " FROM traffic_hourly WHERE hour >= ?1 AND hour < ?2 GROUP BY process_name"
	    " ORDER BY sum(upload_bytes) + sum(download_bytes) DESC, process_name";
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	if ((rc = reader_prepare(rd, sql, &q)))
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct named_sum p;

		p.name_len = column_copy(q, 0, p.name, sizeof(p.name));
		column_sum(q, 1, &p.bytes);
		sum_add(&r->total, &p.bytes);
		if (r->ntop == top_n) {
			sum_add(&r->others.bytes, &p.bytes);
			r->nothers++;
			continue;
		}
		if (array_grow((void **)&r->top, &cap, r->ntop + 1, sizeof(*r->top))) {
			sqlite3_finalize(q);
			return reader_out_of_memory(rd);
		}
		r->top[r->ntop++] = p;
	}
	return reader_finish(rd, q, rc);
}

static int read_protocols(struct reader *rd, struct report *r)
{
	static const char sql[] =
	    "SELECT protocol, sum(upload_bytes), sum(download_bytes)"
	    " FROM protocol_hourly WHERE hour >= ?1 AND hour < ?2 GROUP BY protocol"
	    " ORDER BY sum(upload_bytes) + sum(download_bytes) DESC, protocol";
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	if ((rc = reader_prepare(rd, sql, &q)))
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct named_sum *p;

		if (array_grow((void **)&r->protocols, &cap, r->nprotocols + 1, sizeof(*r->protocols))) {
			sqlite3_finalize(q);
			return reader_out_of_memory(rd);
		}
		p = &r->protocols[r->nprotocols++];
		memset(p, 0, sizeof(*p));
		p->name_len = column_copy(q, 0, p->name, sizeof(p->name));
		p->bytes.up = (uint64_t)sqlite3_column_int64(q, 1);
		p->bytes.down = (uint64_t)sqlite3_column_int64(q, 2);
		r->protocol_total += sum_total(&p->bytes);
	}
	return reader_finish(rd, q, rc);
}

static time_t hour_ceil(time_t t)
{
	time_t rem = ((t % 3600) + 3600) % 3600;

	return rem ? t - rem + 3600 : t;
}

/* A bar for every hour that starts in the range, empty ones too: gaps show. */
static int chart_hourly(struct report *r, const struct bucket *hours, size_t nhours)
{
	time_t first = hour_ceil(r->from);
	size_t n = r->to > first ? (size_t)((r->to - first + 3599) / 3600) : 0;

	r->buckets = calloc(n ? n : 1, sizeof(*r->buckets));
	if (!r->buckets)
		return -ENOMEM;
	r->nbuckets = n;
	for (size_t i = 0; i < n; i++) {
		r->buckets[i].start = first + (time_t)i * 3600;
		r->buckets[i].end = r->buckets[i].start + 3600;
	}
	for (size_t i = 0; i < nhours; i++) {
		size_t k = (size_t)((hours[i].start - first) / 3600);

		if (hours[i].start >= first && k < n)
			sum_add(&r->buckets[k].bytes, &hours[i].bytes);
	}
	return 0;
}

/*
 * A bar per local day, from the first day with traffic to the last: a long
 * range (--from 2020-01-01 for "everything") stays a short chart.
 */
static int chart_daily(struct report *r, const struct bucket *hours, size_t nhours)
{
	size_t cap = 0, i = 0;
	time_t day = local_day_start(hours[0].start);

	while (i < nhours) {
		time_t next = local_day_after(day);
		struct bucket *b;

		if (next <= day) /* mktime() failed; a day stays a day */
			next = day + 86400;
		if (array_grow((void **)&r->buckets, &cap, r->nbuckets + 1, sizeof(*r->buckets)))
			return -ENOMEM;
		b = &r->buckets[r->nbuckets++];
		memset(b, 0, sizeof(*b));
		b->start = day > r->from ? day : r->from;
		b->end = next < r->to ? next : r->to;
		for (; i < nhours && hours[i].start < next; i++)
			sum_add(&b->bytes, &hours[i].bytes);
		day = next;
	}
	return 0;
}

static int read_chart(struct reader *rd, struct report *r)
{
	static const char sql[] =
	    "SELECT hour, sum(upload_bytes), sum(download_bytes),"
	    " sum(wire_upload_bytes), sum(wire_download_bytes)"
	    " FROM traffic_hourly WHERE hour >= ?1 AND hour < ?2 GROUP BY hour ORDER BY hour";
	struct bucket *hours = NULL; /* the hours with traffic, in order */
	size_t nhours = 0, cap = 0;
	sqlite3_stmt *q;
	int rc;

	r->daily = r->to - r->from > REPORT_HOURLY_CHART_MAX_S;
	if ((rc = reader_prepare(rd, sql, &q)))
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const unsigned char *hour = sqlite3_column_text(q, 0);

		if (array_grow((void **)&hours, &cap, nhours + 1, sizeof(*hours))) {
			rc = reader_out_of_memory(rd);
			goto out;
		}
		if (!parse_db_time(hour, &hours[nhours].start)) {
			rc = reader_bad_time(rd, "traffic_hourly", hour);
			goto out;
		}
		column_sum(q, 1, &hours[nhours++].bytes);
	}
	rc = rc == SQLITE_DONE ? 0 : reader_sql_error(rd);
	/* No traffic, no bars: an empty range reads as empty everywhere. */
	if (rc == 0 && nhours && (r->daily ? chart_daily : chart_hourly)(r, hours, nhours))
		rc = reader_out_of_memory(rd);
out:
	sqlite3_finalize(q);
	free(hours);
	return rc;
}

static int read_alert_count(struct reader *rd, struct report *r)
{
	static const char sql[] =
	    "SELECT count(*) FROM alerts WHERE timestamp >= ?1 AND timestamp < ?2";
	sqlite3_stmt *q;
	int rc;

	if ((rc = reader_prepare(rd, sql, &q)))
		return rc;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		r->alerts_in_range = (uint64_t)sqlite3_column_int64(q, 0);
		rc = sqlite3_step(q);
	}
	return reader_finish(rd, q, rc);
}

/* The newest limit alerts (-1: all), read newest first and kept oldest first. */
static int read_alerts(struct reader *rd, struct report *r, int limit)
{
	static const char sql[] =
	    "SELECT timestamp, alert_type, state, pid, process_name, interface, direction,"
	    " bandwidth_value, threshold, session_id FROM alerts"
	    " WHERE timestamp >= ?1 AND timestamp < ?2 ORDER BY timestamp DESC, id DESC"
	    " LIMIT ?3";
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	if ((rc = reader_prepare(rd, sql, &q)))
		return rc;
	sqlite3_bind_int(q, 3, limit);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct alert_row *a;

		if (array_grow((void **)&r->alerts, &cap, r->nalerts + 1, sizeof(*r->alerts))) {
			sqlite3_finalize(q);
			return reader_out_of_memory(rd);
		}
		a = &r->alerts[r->nalerts++];
		memset(a, 0, sizeof(*a));
		if (!parse_db_time(sqlite3_column_text(q, 0), &a->when)) {
			rc = reader_bad_time(rd, "alerts", sqlite3_column_text(q, 0));
			sqlite3_finalize(q);
			return rc;
		}
		column_copy(q, 1, a->type, sizeof(a->type));
		column_copy(q, 2, a->state, sizeof(a->state));
		a->has_pid = sqlite3_column_type(q, 3) != SQLITE_NULL;
		a->pid = sqlite3_column_int64(q, 3);
		a->process_len = column_copy(q, 4, a->process, sizeof(a->process));
		column_copy(q, 5, a->interface, sizeof(a->interface));
		column_copy(q, 6, a->direction, sizeof(a->direction));
		a->value = sqlite3_column_double(q, 7);
		a->threshold = sqlite3_column_double(q, 8);
		a->session_id = sqlite3_column_int64(q, 9);
	}
	rc = reader_finish(rd, q, rc);
	for (size_t i = 0, j = r->nalerts; rc == 0 && i + 1 < j; i++, j--) {
		struct alert_row tmp = r->alerts[i];

		r->alerts[i] = r->alerts[j - 1];
		r->alerts[j - 1] = tmp;
	}
	return rc;
}

/* Sessions that ran during some of the range; a running one has no end yet. */
static int read_sessions(struct reader *rd, struct report *r)
{
	static const char sql[] =
	    "SELECT id, start_time, end_time, status, mode, hooks, tc, total_upload,"
	    " total_download, wire_upload, wire_download FROM sessions"
	    " WHERE start_time < ?2 AND (end_time IS NULL OR end_time > ?1)"
	    " ORDER BY start_time, id";
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	if ((rc = reader_prepare(rd, sql, &q)))
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct session_row *s;

		if (array_grow((void **)&r->sessions, &cap, r->nsessions + 1, sizeof(*r->sessions))) {
			sqlite3_finalize(q);
			return reader_out_of_memory(rd);
		}
		s = &r->sessions[r->nsessions++];
		memset(s, 0, sizeof(*s));
		s->id = sqlite3_column_int64(q, 0);
		s->running = sqlite3_column_type(q, 2) == SQLITE_NULL;
		for (int col = 1; col <= (s->running ? 1 : 2); col++) {
			if (!parse_db_time(sqlite3_column_text(q, col),
					   col == 1 ? &s->start : &s->end)) {
				rc = reader_bad_time(rd, "sessions", sqlite3_column_text(q, col));
				sqlite3_finalize(q);
				return rc;
			}
		}
		column_copy(q, 3, s->status, sizeof(s->status));
		column_copy(q, 4, s->mode, sizeof(s->mode));
		column_copy(q, 5, s->hooks, sizeof(s->hooks));
		column_copy(q, 6, s->tc, sizeof(s->tc));
		column_sum(q, 7, &s->bytes);
	}
	return reader_finish(rd, q, rc);
}

static int report_read(sqlite3 *db, const char *path, const struct options *opts, struct report *r,
		       char *err, size_t errlen)
{
	struct reader rd = {.db = db, .path = path, .err = err, .errlen = errlen};
	size_t top_n = opts->report_top ? opts->report_top : REPORT_DEFAULT_TOP;
	int alerts_limit = opts->report_format == REPORT_TEXT ? REPORT_TEXT_ALERTS_MAX : -1;
	int rc;

	store_format_time(r->from, rd.from, sizeof(rd.from));
	store_format_time(r->to, rd.to, sizeof(rd.to));
	/* One snapshot for every section, even while record commits a tick. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return reader_sql_error(&rd);
	rc = read_processes(&rd, r, top_n);
	if (!rc)
		rc = read_protocols(&rd, r);
	if (!rc)
		rc = read_chart(&rd, r);
	if (!rc)
		rc = read_alert_count(&rd, r);
	if (!rc)
		rc = read_alerts(&rd, r, alerts_limit);
	if (!rc)
		rc = read_sessions(&rd, r);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

static void report_free(struct report *r)
{
	free(r->top);
	free(r->protocols);
	free(r->buckets);
	free(r->alerts);
	free(r->sessions);
}

/* ---- text ---- */

static const char *human_bytes(char *buf, size_t len, uint64_t v)
{
	format_bytes(buf, len, (double)v);
	return buf;
}

/* Bytes/s for rate alerts, bytes for the quota. */
static const char *alert_amount(char *buf, size_t len, const struct alert_row *a, double v)
{
	if (strcmp(a->type, "daily_quota") == 0)
		format_bytes(buf, len, v);
	else
		format_rate(buf, len, v, 0);
	return buf;
}

static void text_bytes_row(FILE *out, int width, const char *name, const struct traffic_sum *t,
			   const double *share)
{
	char up[24], down[24], total[24];

	fprintf(out, "  %-*s  %10s  %10s  %10s", width, name, human_bytes(up, sizeof(up), t->up),
		human_bytes(down, sizeof(down), t->down),
		human_bytes(total, sizeof(total), sum_total(t)));
	if (share)
		fprintf(out, "  %5.1f%%", *share);
	fputc('\n', out);
}

static void text_totals(FILE *out, const struct report *r)
{
	struct traffic_sum wire = {.up = r->total.wire_up, .down = r->total.wire_down};

	fputs("Totals\n", out);
	fprintf(out, "  %-7s  %10s  %10s  %10s\n", "", "UPLOAD", "DOWNLOAD", "TOTAL");
	text_bytes_row(out, 7, "payload", &r->total, NULL);
	text_bytes_row(out, 7, "wire", &wire, NULL);
}

/* Processes or protocols: a table with a share column, names as wide as the widest. */
static void text_named_table(FILE *out, const char *header, const struct named_sum *rows, size_t n,
			     uint64_t whole, const char *more, const struct traffic_sum *rest)
{
	char name[NAME_BYTES];
	int width = (int)strlen(header);
	double share;

	for (size_t i = 0; i < n; i++)
		if ((int)rows[i].name_len > width)
			width = (int)rows[i].name_len;
	if (more && (int)strlen(more) > width)
		width = (int)strlen(more);
	fprintf(out, "  %-*s  %10s  %10s  %10s  %6s\n", width, header, "UPLOAD", "DOWNLOAD",
		"TOTAL", "SHARE");
	for (size_t i = 0; i < n; i++) {
		printable(name, sizeof(name), rows[i].name, rows[i].name_len);
		share = share_percent(sum_total(&rows[i].bytes), whole);
		text_bytes_row(out, width, name, &rows[i].bytes, &share);
	}
	if (more) {
		share = share_percent(sum_total(rest), whole);
		text_bytes_row(out, width, more, rest, &share);
	}
}

static void text_chart(FILE *out, const struct report *r)
{
	uint64_t max = 0;
	char label[32], value[24], bar[BAR_WIDTH + 1];

	fprintf(out, "Traffic per %s (upload + download, local time)\n", r->daily ? "day" : "hour");
	for (size_t i = 0; i < r->nbuckets; i++)
		if (sum_total(&r->buckets[i].bytes) > max)
			max = sum_total(&r->buckets[i].bytes);
	for (size_t i = 0; i < r->nbuckets; i++) {
		uint64_t v = sum_total(&r->buckets[i].bytes);
		size_t len = max ? (size_t)((double)v * BAR_WIDTH / (double)max + 0.5) : 0;

		/* Some traffic is never drawn as none. */
		if (v && !len)
			len = 1;
		memset(bar, '#', len);
		bar[len] = '\0';
		format_local(label, sizeof(label), r->buckets[i].start,
			     r->daily ? LOCAL_DAY : LOCAL_MINUTE);
		fprintf(out, "  %s  %-*s  %10s\n", label, BAR_WIDTH, bar,
			human_bytes(value, sizeof(value), v));
	}
}

/* Who an alert is about: a process, an interface, or the whole host. */
static void alert_source(char *buf, size_t len, const struct alert_row *a)
{
	char name[NAME_BYTES];

	if (a->process_len) {
		printable(name, sizeof(name), a->process, a->process_len);
		if (a->has_pid)
			snprintf(buf, len, "%s (pid %" PRId64 ")", name, a->pid);
		else
			snprintf(buf, len, "%s", name);
	} else if (a->interface[0]) {
		printable_word(buf, len, a->interface);
	} else {
		snprintf(buf, len, "all processes");
	}
}

static void text_alerts(FILE *out, const struct report *r)
{
	char when[32], source[NAME_BYTES + 32], value[24], threshold[24];
	char type[WORD_BYTES], state[WORD_BYTES], dir[WORD_BYTES];
	int width = (int)strlen("SOURCE");

	fprintf(out, "Alerts (%" PRIu64 ")\n", r->alerts_in_range);
	if (!r->alerts_in_range) {
		fputs("  none\n", out);
		return;
	}
	if (r->alerts_in_range > r->nalerts)
		fprintf(out,
			"  (%" PRIu64 " earlier not shown; --format json or csv lists them all)\n",
			r->alerts_in_range - r->nalerts);
	for (size_t i = 0; i < r->nalerts; i++) {
		alert_source(source, sizeof(source), &r->alerts[i]);
		if ((int)strlen(source) > width)
			width = (int)strlen(source);
	}
	fprintf(out, "  %-19s  %-14s  %-7s  %-*s  %-9s  %12s  %12s\n", "TIME", "ALERT", "STATE",
		width, "SOURCE", "DIRECTION", "VALUE", "THRESHOLD");
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct alert_row *a = &r->alerts[i];

		format_local(when, sizeof(when), a->when, LOCAL_SECOND);
		alert_source(source, sizeof(source), a);
		printable_word(type, sizeof(type), a->type);
		printable_word(state, sizeof(state), a->state);
		printable_word(dir, sizeof(dir), a->direction[0] ? a->direction : "-");
		fprintf(out, "  %-19s  %-14s  %-7s  %-*s  %-9s  %12s  %12s\n", when, type, state,
			width, source, dir, alert_amount(value, sizeof(value), a, a->value),
			alert_amount(threshold, sizeof(threshold), a, a->threshold));
	}
}

static void text_sessions(FILE *out, const struct report *r)
{
	char start[32], end[32], status[WORD_BYTES], mode[WORD_BYTES], hooks[WORD_BYTES];
	char up[24], down[24], id[24];
	int width = 2;

	fprintf(out, "Sessions (%zu)\n", r->nsessions);
	if (!r->nsessions) {
		fputs("  none\n", out);
		return;
	}
	for (size_t i = 0; i < r->nsessions; i++) {
		int n = snprintf(id, sizeof(id), "%" PRId64, r->sessions[i].id);

		if (n > width)
			width = n;
	}
	fprintf(out, "  %*s  %-19s  %-19s  %-7s  %-6s  %-10s  %10s  %10s\n", width, "ID", "START",
		"END", "STATUS", "MODE", "HOOKS", "UPLOAD", "DOWNLOAD");
	for (size_t i = 0; i < r->nsessions; i++) {
		const struct session_row *s = &r->sessions[i];

		format_local(start, sizeof(start), s->start, LOCAL_SECOND);
		if (s->running)
			snprintf(end, sizeof(end), "running");
		else
			format_local(end, sizeof(end), s->end, LOCAL_SECOND);
		printable_word(status, sizeof(status), s->status);
		printable_word(mode, sizeof(mode), s->mode);
		printable_word(hooks, sizeof(hooks), s->hooks);
		fprintf(out, "  %*" PRId64 "  %-19s  %-19s  %-7s  %-6s  %-10s  %10s  %10s\n", width,
			s->id, start, end, status, mode, hooks,
			human_bytes(up, sizeof(up), s->bytes.up),
			human_bytes(down, sizeof(down), s->bytes.down));
	}
	fputs("  (upload and download cover each whole session)\n", out);
}

static void report_text(FILE *out, const struct report *r)
{
	char from[48], to[48], more[40];

	format_local(from, sizeof(from), r->from, LOCAL_MINUTE_ZONE);
	format_local(to, sizeof(to), r->to, LOCAL_MINUTE_ZONE);
	if (!report_has_traffic(r)) {
		fprintf(out, "nethound report: no traffic recorded between %s and %s\n", from, to);
		/* Sessions that counted nothing, alerts without bytes: still worth knowing. */
		if (r->alerts_in_range) {
			fputc('\n', out);
			text_alerts(out, r);
		}
		if (r->nsessions) {
			fputc('\n', out);
			text_sessions(out, r);
		}
		return;
	}
	fprintf(out, "nethound report: %s to %s\n\n", from, to);
	text_totals(out, r);
	fputc('\n', out);
	if (r->nothers)
		fprintf(out, "Processes (top %zu of %zu)\n", r->ntop, r->ntop + r->nothers);
	else
		fputs("Processes\n", out);
	snprintf(more, sizeof(more), "(%zu more)", r->nothers);
	text_named_table(out, "PROCESS", r->top, r->ntop, sum_total(&r->total),
			 r->nothers ? more : NULL, &r->others.bytes);
	fputc('\n', out);
	fputs("Protocols\n", out);
	if (r->nprotocols)
		text_named_table(out, "PROTOCOL", r->protocols, r->nprotocols, r->protocol_total,
				 NULL, NULL);
	else
		fputs("  none recorded\n", out);
	fputc('\n', out);
	text_chart(out, r);
	fputc('\n', out);
	text_alerts(out, r);
	fputc('\n', out);
	text_sessions(out, r);
}

/* ---- JSON ---- */

static void json_time(struct json_writer *w, time_t t)
{
	char buf[32];

	format_rfc3339(buf, sizeof(buf), t);
	json_string(w, buf);
}

/* A string, or null when empty: a missing interface is no interface. */
static void json_string_or_null(struct json_writer *w, const char *s, size_t len)
{
	if (len)
		json_bytes(w, s, len);
	else
		json_null(w);
}

static void json_sum_members(struct json_writer *w, const struct traffic_sum *t, bool wire)
{
	json_key(w, "upload_bytes");
	json_u64(w, t->up);
	json_key(w, "download_bytes");
	json_u64(w, t->down);
	json_key(w, "total_bytes");
	json_u64(w, sum_total(t));
	if (wire) {
		json_key(w, "wire_upload_bytes");
		json_u64(w, t->wire_up);
		json_key(w, "wire_download_bytes");
		json_u64(w, t->wire_down);
	}
}

static void json_named_array(struct json_writer *w, const char *key, const char *name_key,
			     const struct named_sum *rows, size_t n, uint64_t whole, bool wire)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(w);
		json_key(w, name_key);
		json_bytes(w, rows[i].name, rows[i].name_len);
		json_sum_members(w, &rows[i].bytes, wire);
		json_key(w, "share_percent");
		json_double(w, share_percent(sum_total(&rows[i].bytes), whole));
		json_object_end(w);
	}
	json_array_end(w);
}

static void json_alerts(struct json_writer *w, const struct report *r)
{
	json_key(w, "alerts");
	json_array_begin(w);
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct alert_row *a = &r->alerts[i];

		json_object_begin(w);
		json_key(w, "time");
		json_time(w, a->when);
		json_key(w, "alert_type");
		json_string(w, a->type);
		json_key(w, "state");
		json_string(w, a->state);
		json_key(w, "pid");
		if (a->has_pid)
			json_i64(w, a->pid);
		else
			json_null(w);
		json_key(w, "process_name");
		json_string_or_null(w, a->process, a->process_len);
		json_key(w, "interface");
		json_string_or_null(w, a->interface, strlen(a->interface));
		json_key(w, "direction");
		json_string_or_null(w, a->direction, strlen(a->direction));
		json_key(w, "bandwidth_value");
		json_double(w, a->value);
		json_key(w, "threshold");
		json_double(w, a->threshold);
		json_key(w, "session_id");
		json_i64(w, a->session_id);
		json_object_end(w);
	}
	json_array_end(w);
}

static void json_sessions(struct json_writer *w, const struct report *r)
{
	json_key(w, "sessions");
	json_array_begin(w);
	for (size_t i = 0; i < r->nsessions; i++) {
		const struct session_row *s = &r->sessions[i];

		json_object_begin(w);
		json_key(w, "id");
		json_i64(w, s->id);
		json_key(w, "start");
		json_time(w, s->start);
		json_key(w, "end");
		if (s->running)
			json_null(w);
		else
			json_time(w, s->end);
		json_key(w, "status");
		json_string(w, s->status);
		json_key(w, "mode");
		json_string(w, s->mode);
		json_key(w, "hooks");
		json_string(w, s->hooks);
		json_key(w, "tc");
		json_string(w, s->tc);
		json_sum_members(w, &s->bytes, true);
		json_object_end(w);
	}
	json_array_end(w);
}

static void report_json(FILE *out, const struct report *r)
{
	struct json_writer w;

	json_init(&w, out);
	json_object_begin(&w);
	json_key(&w, "range");
	json_object_begin(&w);
	json_key(&w, "from");
	json_time(&w, r->from);
	json_key(&w, "to");
	json_time(&w, r->to);
	json_object_end(&w);

	json_key(&w, "totals");
	json_object_begin(&w);
	json_sum_members(&w, &r->total, true);
	json_object_end(&w);

	json_named_array(&w, "processes", "name", r->top, r->ntop, sum_total(&r->total), true);
	json_key(&w, "other_processes");
	json_object_begin(&w);
	json_key(&w, "count");
	json_u64(&w, r->nothers);
	json_sum_members(&w, &r->others.bytes, true);
	json_key(&w, "share_percent");
	json_double(&w, share_percent(sum_total(&r->others.bytes), sum_total(&r->total)));
	json_object_end(&w);

	json_named_array(&w, "protocols", "protocol", r->protocols, r->nprotocols,
			 r->protocol_total, false);

	json_key(&w, "timeline_bucket");
	json_string(&w, r->daily ? "day" : "hour");
	json_key(&w, "timeline");
	json_array_begin(&w);
	for (size_t i = 0; i < r->nbuckets; i++) {
		json_object_begin(&w);
		json_key(&w, "start");
		json_time(&w, r->buckets[i].start);
		json_key(&w, "end");
		json_time(&w, r->buckets[i].end);
		json_sum_members(&w, &r->buckets[i].bytes, true);
		json_object_end(&w);
	}
	json_array_end(&w);

	json_alerts(&w, r);
	json_sessions(&w, r);
	json_object_end(&w);
	fputc('\n', out);
}

/* ---- CSV ---- */

/*
 * One text field: quoted when it holds a comma, quote or line break, as RFC
 * 4180 says. Any user can name a process "=HYPERLINK(...)", and a spreadsheet
 * runs a field that begins with = + - @, a tab or a carriage return as a
 * formula; such a field gets a leading apostrophe, as OWASP advises.
 */
static void csv_text(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	bool quote = false;

	for (size_t i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = true;
	if (quote)
		fputc('"', out);
	if (len && strchr("=+-@\t\r", s[0]))
		fputc('\'', out);
	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_sequence_length(s + i, len - i);
		if (n == 0) {
			fputs("\xef\xbf\xbd", out); /* U+FFFD */
			n = 1;
		} else if (s[i] == '"') {
			fputs("\"\"", out);
		} else {
			fwrite(s + i, 1, n, out);
		}
	}
	if (quote)
		fputc('"', out);
}

/* A CSV row; NULL members are empty fields. See the column list at the top. */
struct csv_row {
	const char *section;
	const char *name;
	size_t name_len;
	const time_t *start, *end;
	const struct traffic_sum *bytes;
	bool wire; /* bytes holds wire figures too */
	const double *share;
	const int64_t *pid;
	const char *interface;
	const char *alert_type, *state, *direction;
	const double *value, *threshold;
	const int64_t *session_id;
	const char *mode, *hooks, *tc;
};

static const char csv_header[] =
    "section,name,start,end,upload_bytes,download_bytes,total_bytes,share_percent,"
    "wire_upload_bytes,wire_download_bytes,pid,interface,alert_type,state,direction,"
    "bandwidth_value,threshold,session_id,mode,hooks,tc\n";

static void csv_word(FILE *out, const char *s)
{
	fputc(',', out);
	if (s)
		csv_text(out, s, strlen(s));
}

static void csv_time(FILE *out, const time_t *t)
{
	char buf[32];

	fputc(',', out);
	if (t) {
		format_rfc3339(buf, sizeof(buf), *t);
		fputs(buf, out);
	}
}

static void csv_double(FILE *out, const double *v)
{
	fputc(',', out);
	if (v)
		fprintf(out, "%.3f", *v);
}

static void csv_i64(FILE *out, const int64_t *v)
{
	fputc(',', out);
	if (v)
		fprintf(out, "%" PRId64, *v);
}

static void csv_write_row(FILE *out, const struct csv_row *c)
{
	const struct traffic_sum *t = c->bytes;

	fputs(c->section, out);
	fputc(',', out);
	if (c->name)
		csv_text(out, c->name, c->name_len);
	csv_time(out, c->start);
	csv_time(out, c->end);
	if (t)
		fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, t->up, t->down, sum_total(t));
	else
		fputs(",,,", out);
	csv_double(out, c->share);
	if (t && c->wire)
		fprintf(out, ",%" PRIu64 ",%" PRIu64, t->wire_up, t->wire_down);
	else
		fputs(",,", out);
	csv_i64(out, c->pid);
	csv_word(out, c->interface);
	csv_word(out, c->alert_type);
	csv_word(out, c->state);
	csv_word(out, c->direction);
	csv_double(out, c->value);
	csv_double(out, c->threshold);
	csv_i64(out, c->session_id);
	csv_word(out, c->mode);
	csv_word(out, c->hooks);
	csv_word(out, c->tc);
	fputc('\n', out);
}

static void csv_named_rows(FILE *out, const char *section, const struct named_sum *rows, size_t n,
			   uint64_t whole, bool wire)
{
	for (size_t i = 0; i < n; i++) {
		double share = share_percent(sum_total(&rows[i].bytes), whole);

		csv_write_row(out, &(struct csv_row){.section = section,
						     .name = rows[i].name,
						     .name_len = rows[i].name_len,
						     .bytes = &rows[i].bytes,
						     .wire = wire,
						     .share = &share});
	}
}

static void report_csv(FILE *out, const struct report *r)
{
	fputs(csv_header, out);
	if (report_has_traffic(r))
		csv_write_row(out, &(struct csv_row){.section = "total",
						     .start = &r->from,
						     .end = &r->to,
						     .bytes = &r->total,
						     .wire = true});
	csv_named_rows(out, "process", r->top, r->ntop, sum_total(&r->total), true);
	if (r->nothers) {
		double share = share_percent(sum_total(&r->others.bytes), sum_total(&r->total));

		csv_write_row(out, &(struct csv_row){.section = "other_processes",
						     .bytes = &r->others.bytes,
						     .wire = true,
						     .share = &share});
	}
	csv_named_rows(out, "protocol", r->protocols, r->nprotocols, r->protocol_total, false);
	for (size_t i = 0; i < r->nbuckets; i++)
		csv_write_row(out, &(struct csv_row){.section = r->daily ? "day" : "hour",
						     .start = &r->buckets[i].start,
						     .end = &r->buckets[i].end,
						     .bytes = &r->buckets[i].bytes,
						     .wire = true});
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct alert_row *a = &r->alerts[i];

		csv_write_row(out,
			      &(struct csv_row){.section = "alert",
						.name = a->process_len ? a->process : NULL,
						.name_len = a->process_len,
						.start = &a->when,
						.pid = a->has_pid ? &a->pid : NULL,
						.interface = a->interface[0] ? a->interface : NULL,
						.alert_type = a->type,
						.state = a->state,
						.direction = a->direction[0] ? a->direction : NULL,
						.value = &a->value,
						.threshold = &a->threshold,
						.session_id = &a->session_id});
	}
	for (size_t i = 0; i < r->nsessions; i++) {
		const struct session_row *s = &r->sessions[i];

		csv_write_row(out, &(struct csv_row){.section = "session",
						     .start = &s->start,
						     .end = s->running ? NULL : &s->end,
						     .bytes = &s->bytes,
						     .wire = true,
						     .state = s->status,
						     .session_id = &s->id,
						     .mode = s->mode,
						     .hooks = s->hooks,
						     .tc = s->tc});
	}
}

/* ---- the command ---- */

int report_run(const struct options *opts, time_t now, FILE *out, char *err, size_t errlen)
{
	const char *path = opts->db_path ? opts->db_path : STORE_DEFAULT_PATH;
	struct report r = {0};
	sqlite3 *db;
	int rc;

	if (errlen)
		err[0] = '\0';
	rc = report_parse_range(opts->report_date, opts->report_from, opts->report_to, now, &r.from,
				&r.to, err, errlen);
	if (rc)
		return rc;
	rc = store_open_reader(&db, path, err, errlen);
	if (rc)
		return rc;
	rc = report_read(db, path, opts, &r, err, errlen);
	sqlite3_close(db);
	if (rc)
		goto cleanup;

	switch (opts->report_format) {
	case REPORT_JSON:
		report_json(out, &r);
		break;
	case REPORT_CSV:
		report_csv(out, &r);
		break;
	case REPORT_TEXT:
	default:
		report_text(out, &r);
		break;
	}
	if (fflush(out) || ferror(out)) {
		snprintf(err, errlen, "nethound: cannot write the report: %s", strerror(errno));
		rc = NH_EXIT_FAILURE;
	}
cleanup:
	report_free(&r);
	return rc;
}
