// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nethound report's reading: the history database into struct report.
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
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/array.h"
#include "core/errmsg.h"
#include "core/exitcodes.h"
#include "report/report.h"
#include "report/report_data.h"
#include "sinks/store/store.h"

#define REPORT_DEFAULT_TOP 10

static void sum_add(struct traffic_sum *to, const struct traffic_sum *from)
{
	to->up += from->up;
	to->down += from->down;
	to->wire_up += from->wire_up;
	to->wire_down += from->wire_down;
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

struct reader {
	sqlite3 *db;
	const char *path;
	char from[20], to[20]; /* the range as database times */
	bool identity; /* the rollups have user, unit and container columns (schema 2) */
	char *err;
	size_t errlen;
};

static int reader_sql_error(struct reader *rd)
{
	/* SQLite's message can quote the file's own schema text: nh_error makes it one safe line. */
	return nh_error(rd->err, rd->errlen, NH_EXIT_DATABASE,
			"cannot read the history in %s (%s); check the file or pass another --db",
			rd->path, sqlite3_errmsg(rd->db));
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

/*
 * A zeroed item appended to *items (*n of them, room for *cap), for a row of
 * q. Out of memory: NULL, with q finalized and the message in rd->err.
 */
static void *reader_append(struct reader *rd, sqlite3_stmt *q, void **items, size_t *cap,
			   size_t *n, size_t size)
{
	char *item;

	if (array_grow(items, cap, *n + 1, size)) {
		sqlite3_finalize(q);
		reader_out_of_memory(rd);
		return NULL;
	}
	item = (char *)*items + (*n)++ * size;
	memset(item, 0, size);
	return item;
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

/* A database from before identity (schema 1, read-only so not migrated) has no such columns. */
static bool has_identity_columns(sqlite3 *db)
{
	sqlite3_stmt *q;
	bool found = false;

	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM pragma_table_info('traffic_hourly') WHERE name = 'unit'",
			       -1, &q, NULL) != SQLITE_OK)
		return false;
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

/*
 * The rollups grouped by key (the process_name, user, unit and container
 * columns, or an expression of them), biggest first; sums a process's
 * rows when key is not a process. SQL text from constants only.
 */
static int prepare_grouped(struct reader *rd, const char *key, const char *where,
			   sqlite3_stmt **q)
{
	char sql[640];

	snprintf(sql, sizeof(sql),
		 "SELECT %s, sum(upload_bytes), sum(download_bytes),"
		 " sum(wire_upload_bytes), sum(wire_download_bytes)"
		 " FROM %s WHERE hour >= ?1 AND hour < ?2 %s GROUP BY %s"
		 " ORDER BY sum(upload_bytes) + sum(download_bytes) DESC, %s",
		 key,
		 rd->identity ? "traffic_hourly"
			      : "(SELECT *, '' AS user, '' AS unit, '' AS container"
				" FROM traffic_hourly)",
		 where, key, key);
	return reader_prepare(rd, sql, q);
}

static void column_label(sqlite3_stmt *q, int col, struct label *l)
{
	l->len = column_copy(q, col, l->s, sizeof(l->s));
}

/*
 * Every process (or user, unit, container with --by), biggest first: the
 * first top_n are listed, the rest summed. A process is its name and who ran
 * it, so a process calling itself sshd is a row apart from the real sshd.
 */
static int read_processes(struct reader *rd, struct report *r, size_t top_n)
{
	static const char *const keys[] = {
		[REPORT_BY_PROCESS] = "process_name, user, unit, container",
		[REPORT_BY_USER] = "user",
		[REPORT_BY_UNIT] = "unit",
		[REPORT_BY_CONTAINER] = "container",
	};
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	if ((rc = prepare_grouped(rd, keys[r->by], "", &q)))
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct named_sum p, *top;
		int sums = r->by == REPORT_BY_PROCESS ? 4 : 1;

		memset(&p, 0, sizeof(p));
		p.name_len = column_copy(q, 0, p.name, sizeof(p.name));
		if (r->by == REPORT_BY_PROCESS) {
			column_label(q, 1, &p.user);
			column_label(q, 2, &p.unit);
			column_label(q, 3, &p.container);
			r->has_identity |= p.user.len || p.unit.len || p.container.len;
		}
		column_sum(q, sums, &p.bytes);
		sum_add(&r->total, &p.bytes);
		if (r->ntop == top_n) {
			sum_add(&r->others.bytes, &p.bytes);
			r->nothers++;
			continue;
		}
		top = reader_append(rd, q, (void **)&r->top, &cap, &r->ntop, sizeof(*r->top));
		if (!top)
			return NH_EXIT_FAILURE;
		*top = p;
	}
	return reader_finish(rd, q, rc);
}

/* The top units or containers (only those known), for the sections beside the processes. */
static int read_top_labels(struct reader *rd, const char *key, size_t top_n,
			   struct named_sum **out, size_t *n)
{
	char where[64];
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	*n = 0;
	if (!rd->identity)
		return 0;
	snprintf(where, sizeof(where), "AND %s <> ''", key);
	if ((rc = prepare_grouped(rd, key, where, &q)))
		return rc;
	while (*n < top_n && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct named_sum *p = reader_append(rd, q, (void **)out, &cap, n, sizeof(**out));

		if (!p)
			return NH_EXIT_FAILURE;
		memset(p, 0, sizeof(*p));
		p->name_len = column_copy(q, 0, p->name, sizeof(p->name));
		column_sum(q, 1, &p->bytes);
	}
	if (*n == top_n) {
		sqlite3_finalize(q);
		return 0;
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

		p = reader_append(rd, q, (void **)&r->protocols, &cap, &r->nprotocols,
				  sizeof(*r->protocols));
		if (!p)
			return NH_EXIT_FAILURE;
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
	time_t day = report_local_day_start(hours[0].start);

	while (i < nhours) {
		time_t next = report_local_day_after(day);
		struct bucket *b;

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
	/* A schema 1 file has no unit and container columns. */
	static const char sql[] =
	    "SELECT timestamp, alert_type, state, pid, process_name, interface, direction,"
	    " bandwidth_value, threshold, session_id, unit, container FROM alerts"
	    " WHERE timestamp >= ?1 AND timestamp < ?2 ORDER BY timestamp DESC, id DESC"
	    " LIMIT ?3";
	static const char sql_1[] =
	    "SELECT timestamp, alert_type, state, pid, process_name, interface, direction,"
	    " bandwidth_value, threshold, session_id, NULL, NULL FROM alerts"
	    " WHERE timestamp >= ?1 AND timestamp < ?2 ORDER BY timestamp DESC, id DESC"
	    " LIMIT ?3";
	sqlite3_stmt *q;
	size_t cap = 0;
	int rc;

	if ((rc = reader_prepare(rd, rd->identity ? sql : sql_1, &q)))
		return rc;
	sqlite3_bind_int(q, 3, limit);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct alert_row *a;

		a = reader_append(rd, q, (void **)&r->alerts, &cap, &r->nalerts,
				  sizeof(*r->alerts));
		if (!a)
			return NH_EXIT_FAILURE;
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
		column_label(q, 10, &a->unit);
		column_label(q, 11, &a->container);
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

		s = reader_append(rd, q, (void **)&r->sessions, &cap, &r->nsessions,
				  sizeof(*r->sessions));
		if (!s)
			return NH_EXIT_FAILURE;
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

int report_read(sqlite3 *db, const char *path, const struct report_config *opts, struct report *r,
		char *err, size_t errlen)
{
	struct reader rd = {.db = db, .path = path, .err = err, .errlen = errlen};
	size_t top_n = opts->top ? opts->top : REPORT_DEFAULT_TOP;
	int alerts_limit = opts->format == REPORT_TEXT ? REPORT_TEXT_ALERTS_MAX : -1;
	int rc;

	store_format_time(r->from, rd.from, sizeof(rd.from));
	store_format_time(r->to, rd.to, sizeof(rd.to));
	/* One snapshot for every section, even while record commits a tick. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return reader_sql_error(&rd);
	rd.identity = has_identity_columns(db);
	r->by = opts->by;
	rc = read_processes(&rd, r, top_n);
	if (!rc && r->by == REPORT_BY_PROCESS)
		rc = read_top_labels(&rd, "unit", top_n, &r->units, &r->nunits);
	if (!rc && r->by == REPORT_BY_PROCESS)
		rc = read_top_labels(&rd, "container", top_n, &r->containers, &r->ncontainers);
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

void report_free(struct report *r)
{
	free(r->top);
	free(r->units);
	free(r->containers);
	free(r->protocols);
	free(r->buckets);
	free(r->alerts);
	free(r->sessions);
}
