// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report.c: --date/--from/--to, and whole reports of the fixture database
 * (tests/report/fixture.sql) compared byte for byte with the golden files
 * tests/report/expected.{txt,json,csv}.
 *
 * After a deliberate change of the output, rewrite the golden files with
 *   NETHOUND_UPDATE_GOLDEN=1 ./test_report
 * and read the diff before committing it: from then on the test proves only
 * that the output stays the same, not that it is right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "settings/cli.h"
#include "core/exitcodes.h"
#include "report/report.h"
#include "report/report_data.h"
#include "sinks/store/store.h"
#include "sinks/store/store_schema.h"

#ifndef REPORT_GOLDEN_DIR
#error "REPORT_GOLDEN_DIR (tests/report) comes from tests/unit/CMakeLists.txt"
#endif

static char tmpdir[64];
static char db_path[128];

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* Without tzdata installed, the same rules written out keep the test meaningful. */
static void set_tz_berlin(void)
{
	set_tz(access("/usr/share/zoneinfo/Europe/Berlin", R_OK) == 0
		   ? "Europe/Berlin"
		   : "CET-1CEST,M3.5.0,M10.5.0/3");
}

static time_t utc(int year, int month, int day, int hour, int minute)
{
	struct tm tm = {.tm_year = year - 1900,
			.tm_mon = month - 1,
			.tm_mday = day,
			.tm_hour = hour,
			.tm_min = minute};

	return timegm(&tm);
}

/* The fixture's present: session 2 is still running. */
static time_t fixture_now(void)
{
	return utc(2026, 11, 20, 23, 30);
}

/* The whole file, NUL-terminated; NULL if it cannot be read. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	if (!f)
		return NULL;
	mem = open_memstream(&buf, &len);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* A nethound database as store.c would create it, filled from fixture.sql. */
static bool make_database(void)
{
	char *fixture = read_file(REPORT_GOLDEN_DIR "/fixture.sql");
	sqlite3 *db = NULL;
	bool ok = fixture != NULL;
	char *msg = NULL;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_report.XXXXXX");
	if (ok && !mkdtemp(tmpdir))
		ok = false;
	snprintf(db_path, sizeof(db_path), "%s/nethound.db", tmpdir);
	if (ok && sqlite3_open(db_path, &db) != SQLITE_OK)
		ok = false;
	for (int v = 0; ok && v < STORE_SCHEMA_VERSION; v++)
		ok = sqlite3_exec(db, store_schema_migration(v), NULL, NULL, &msg) == SQLITE_OK;
	if (ok) {
		char pragmas[128];

		snprintf(pragmas, sizeof(pragmas),
			 "PRAGMA application_id = %d; PRAGMA user_version = %d;",
			 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
		ok = sqlite3_exec(db, pragmas, NULL, NULL, &msg) == SQLITE_OK;
	}
	if (ok)
		ok = sqlite3_exec(db, fixture, NULL, NULL, &msg) == SQLITE_OK;
	if (!ok)
		fprintf(stderr, "test_report: cannot build the fixture database in %s: %s\n",
			tmpdir, msg ? msg : "cannot read fixture.sql or create the file");
	sqlite3_free(msg);
	sqlite3_close(db);
	free(fixture);
	return ok;
}

static void remove_database(void)
{
	char path[192];

	unlink(db_path);
	snprintf(path, sizeof(path), "%s/garbage.db", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static struct report_config report_options(const char *from, const char *to,
					   enum report_format format, unsigned top)
{
	struct report_config o;

	memset(&o, 0, sizeof(o));
	o.db_path = db_path;
	o.from = from;
	o.to = to;
	o.format = format;
	o.top = top;
	return o;
}

/* report_run into memory: returns its exit code; *text is the output (free it). */
static int run_report(const struct report_config *o, char **text, char *err, size_t errlen)
{
	size_t len;
	FILE *out = open_memstream(text, &len);
	int rc = report_run(o, fixture_now(), out, err, errlen);

	fclose(out);
	return rc;
}

static void print_line(const char *s)
{
	char *line = strndup(s, strcspn(s, "\n"));

	check_print_quoted(stderr, line);
	free(line);
}

/* Compare with tests/report/<name>, naming the first line that differs. */
static void check_golden(const char *name, const char *actual)
{
	char path[256];
	char *expected;
	const char *e, *a;
	int line = 1;

	snprintf(path, sizeof(path), "%s/%s", REPORT_GOLDEN_DIR, name);
	if (getenv("NETHOUND_UPDATE_GOLDEN") &&
	    strcmp(getenv("NETHOUND_UPDATE_GOLDEN"), "1") == 0) {
		CHECK(write_file(path, actual));
		fprintf(stderr, "test_report: wrote %s; review it before committing\n", path);
		return;
	}
	expected = read_file(path);
	if (!CHECK(expected != NULL)) {
		fprintf(stderr, "  cannot read %s\n", path);
		return;
	}
	for (e = expected, a = actual; *e && *e == *a; e++, a++)
		if (*e == '\n')
			line++;
	if (!CHECK(*e == '\0' && *a == '\0')) {
		/* Back to the start of the line, to show it whole. */
		while (e > expected && e[-1] != '\n') {
			e--;
			a--;
		}
		fprintf(stderr, "  %s differs from the output at line %d\n  expected: ", name,
			line);
		print_line(e);
		fputs("\n  actual:   ", stderr);
		print_line(a);
		fputc('\n', stderr);
	}
	free(expected);
}

static size_t count_substrings(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- report_parse_range ---- */

#define CHECK_RANGE(date, from, to, want_from, want_to)                                            \
	do {                                                                                       \
		time_t f_ = 0, t_ = 0;                                                             \
		char err_[256] = "";                                                               \
		CHECK_INT(report_parse_range((date), (from), (to), fixture_now(), &f_, &t_, err_,  \
					     sizeof(err_)),                                        \
			  0);                                                                      \
		CHECK_STR(err_, "");                                                               \
		CHECK_INT(f_, (want_from));                                                        \
		CHECK_INT(t_, (want_to));                                                          \
	} while (0)

/* Exit code 2 and one line starting "nethound: " that mentions needle. */
#define CHECK_RANGE_ERROR(date, from, to, needle)                                                  \
	do {                                                                                       \
		time_t f_, t_;                                                                     \
		char err_[256] = "";                                                               \
		CHECK_INT(report_parse_range((date), (from), (to), fixture_now(), &f_, &t_, err_,  \
					     sizeof(err_)),                                        \
			  NH_EXIT_USAGE);                                                          \
		CHECK(strncmp(err_, "nethound: ", 10) == 0);                                       \
		CHECK(strchr(err_, '\n') == NULL);                                                 \
		CHECK_CONTAINS(err_, (needle));                                                    \
	} while (0)

static void test_parse_range_utc(void)
{
	char err[256];
	time_t f, t;

	set_tz("UTC");
	CHECK_RANGE("2026-11-20", NULL, NULL, utc(2026, 11, 20, 0, 0), utc(2026, 11, 21, 0, 0));
	CHECK_RANGE("2024-02-29", NULL, NULL, utc(2024, 2, 29, 0, 0), utc(2024, 3, 1, 0, 0));
	CHECK_RANGE("2026-12-31", NULL, NULL, utc(2026, 12, 31, 0, 0), utc(2027, 1, 1, 0, 0));
	/* Nothing given: today, the whole local day that holds now. */
	CHECK_RANGE(NULL, NULL, NULL, utc(2026, 11, 20, 0, 0), utc(2026, 11, 21, 0, 0));
	/* --from alone: until now. */
	CHECK_RANGE(NULL, "2026-11-19", NULL, utc(2026, 11, 19, 0, 0), fixture_now());
	CHECK_RANGE(NULL, "2026-11-19", "2026-11-21", utc(2026, 11, 19, 0, 0),
		    utc(2026, 11, 21, 0, 0));
	CHECK_RANGE(NULL, "2026-11-20 06:00", "2026-11-20 07:30", utc(2026, 11, 20, 6, 0),
		    utc(2026, 11, 20, 7, 30));
	CHECK_RANGE(NULL, "2026-11-20 23:59", "2026-11-21", utc(2026, 11, 20, 23, 59),
		    utc(2026, 11, 21, 0, 0));

	/* The message is exact: the README and scripts show it. */
	CHECK_INT(
	    report_parse_range("2026-13-01", NULL, NULL, fixture_now(), &f, &t, err, sizeof(err)),
	    NH_EXIT_USAGE);
	CHECK_STR(err, "nethound: --date: '2026-13-01' is not a date (YYYY-MM-DD)");

	/* Dates that mktime() would quietly move to another day are refused. */
	CHECK_RANGE_ERROR("2026-02-30", NULL, NULL, "'2026-02-30' is not a date");
	CHECK_RANGE_ERROR("2026-02-29", NULL, NULL, "'2026-02-29' is not a date");
	CHECK_RANGE_ERROR("2026-04-31", NULL, NULL, "is not a date");
	CHECK_RANGE_ERROR("2026-00-10", NULL, NULL, "is not a date");
	CHECK_RANGE_ERROR("2026-11-00", NULL, NULL, "is not a date");
	CHECK_RANGE_ERROR("2026-1-01", NULL, NULL, "is not a date");
	CHECK_RANGE_ERROR("20261120", NULL, NULL, "is not a date");
	CHECK_RANGE_ERROR("2026-11-20x", NULL, NULL, "is not a date");
	CHECK_RANGE_ERROR(" 2026-11-2", NULL, NULL, "is not a date");
	CHECK_RANGE_ERROR("yesterday", NULL, NULL, "'yesterday' is not a date");
	CHECK_RANGE_ERROR("", NULL, NULL, "--date: '' is not a date");
	CHECK_RANGE_ERROR("1969-12-31", NULL, NULL, "is not a date");
	/* --date is a day; a time of day belongs to --from/--to. */
	CHECK_RANGE_ERROR("2026-11-20 10:00", NULL, NULL, "is not a date");

	CHECK_RANGE_ERROR(NULL, "2026-11-20 24:00", "2026-11-21", "--from: '2026-11-20 24:00'");
	CHECK_RANGE_ERROR(NULL, "2026-11-20 10:60", "2026-11-21", "is not a date or time");
	CHECK_RANGE_ERROR(NULL, "2026-11-20T10:00", "2026-11-21", "is not a date or time");
	CHECK_RANGE_ERROR(NULL, "2026-11-20 10", "2026-11-21", "is not a date or time");
	CHECK_RANGE_ERROR(NULL, "2026-11-19", "2026-11-31", "--to: '2026-11-31'");
	/* What the user typed is quoted on the same line, whatever it holds. */
	CHECK_RANGE_ERROR(NULL, "2026\n11-19", "2026-11-21", "'2026?11-19'");

	CHECK_RANGE_ERROR("2026-11-20", "2026-11-19", NULL, "--date cannot be combined");
	CHECK_RANGE_ERROR("2026-11-20", NULL, "2026-11-21", "--date cannot be combined");
	CHECK_RANGE_ERROR(NULL, NULL, "2026-11-21", "--to needs --from");
	CHECK_RANGE_ERROR(NULL, "2026-11-21", "2026-11-20", "is not before --to");
	CHECK_RANGE_ERROR(NULL, "2026-11-20", "2026-11-20", "is not before --to");
	CHECK_RANGE_ERROR(NULL, "2026-11-21", NULL, "is not in the past");
}

/* Local days are local: in Berlin a day starts at 23:00 or 22:00 UTC and may not last 24 h. */
static void test_parse_range_berlin(void)
{
	set_tz_berlin();
	CHECK_RANGE("2026-11-20", NULL, NULL, utc(2026, 11, 19, 23, 0), utc(2026, 11, 20, 23, 0));
	/* Summer time starts: 23 hours. */
	CHECK_RANGE("2026-03-29", NULL, NULL, utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0));
	/* Summer time ends: 25 hours. */
	CHECK_RANGE("2026-10-25", NULL, NULL, utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0));
	CHECK_RANGE(NULL, "2026-07-01 12:00", "2026-07-01 14:30", utc(2026, 7, 1, 10, 0),
		    utc(2026, 7, 1, 12, 30));
	/* Today: 00:30 local on the 21st is still the 20th in UTC. */
	CHECK_RANGE(NULL, NULL, NULL, utc(2026, 11, 20, 23, 0), utc(2026, 11, 21, 23, 0));
	set_tz("UTC");
}

/*
 * A rule whose DST jumps back over local midnight: glibc reads "XYZ-11-0" as
 * UTC+11 with an unnamed DST at UTC+0 from local midnight of 1970-01-01, so
 * that midnight maps back to the 31st. Found by fuzz_report_range: "today"
 * came out empty. Every range is non-empty, and the day after a midnight is
 * the next midnight after it.
 */
static void test_parse_range_midnight_jumps_back(void)
{
	time_t f = 0, t = 0;
	char err[256] = "";

	set_tz("XYZ-11-0");
	CHECK_INT(report_parse_range(NULL, NULL, NULL, 0, &f, &t, err, sizeof(err)), 0);
	CHECK_INT(f, -11 * 3600);
	CHECK_INT(t, 13 * 3600);
	CHECK_INT(report_parse_range("1970-01-01", NULL, NULL, 0, &f, &t, err, sizeof(err)), 0);
	CHECK(f < t);
	for (time_t at = -3 * 86400; at < 3 * 86400; at += 1800)
		CHECK(report_local_day_after(at) > at);
	set_tz("UTC");
}

/* ---- whole reports ---- */

static void test_golden(void)
{
	static const struct {
		enum report_format format;
		const char *file;
	} cases[] = {
	    {REPORT_TEXT, "expected.txt"},
	    {REPORT_JSON, "expected.json"},
	    {REPORT_CSV, "expected.csv"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_config o = report_options("2026-11-19", "2026-11-21", cases[i].format, 5);
		char err[512] = "", *text = NULL;

		CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
		CHECK_STR(err, "");
		check_golden(cases[i].file, text);
		if (cases[i].format == REPORT_TEXT) {
			bool ascii = true;

			/* The terminal may not be UTF-8, and names must not send it escapes. */
			for (const unsigned char *p = (const unsigned char *)text; *p; p++)
				if ((*p < 0x20 && *p != '\n') || *p >= 0x7f)
					ascii = false;
			CHECK(ascii);
		}
		if (cases[i].format == REPORT_JSON) {
			/* One document on one line; the hostile name is escaped. */
			CHECK_INT(count_substrings(text, "\n"), 1);
			CHECK_CONTAINS(text, "\"name\":\"=ev\\\"il,\\\\\\n\\u001b]0;x\\u0007\\u009bv2"
					     "\\ufffd\"");
			CHECK_CONTAINS(text, "\"name\":\"caf\xc3\xa9\"");
		}
		if (cases[i].format == REPORT_CSV) {
			/* Quoted, its quote doubled, and an apostrophe so no spreadsheet runs it. */
			/* Controls and the 8-bit CSI show as '?': CSV has no escape. */
			CHECK_CONTAINS(text, "\nprocess,\"'=ev\"\"il,\\??]0;x??v2\xef\xbf\xbd\",,,");
			CHECK(strchr(text, '\033') == NULL && strchr(text, '\007') == NULL);
			CHECK_INT(count_substrings(text, ",=") + count_substrings(text, "\"="), 0);
		}
		free(text);
	}
}

/* --top: 0 means 10; past the top, the rest is summed in one line. */
static void test_top(void)
{
	struct report_config o = report_options("2026-11-19", "2026-11-21", REPORT_TEXT, 0);
	char err[512], *text = NULL;

	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "\nProcesses\n");
	CHECK_CONTAINS(text, "\n  systemd-resolve  ");
	CHECK_CONTAINS(text, "\n  =ev\"il,\\??]0;x???v2?    ");
	CHECK_CONTAINS(text, "\n  caf??           ");
	CHECK(strstr(text, " more)") == NULL);
	free(text);

	o.top = 1;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "\nProcesses (top 1 of 8)\n");
	CHECK_CONTAINS(text, "\n  firefox  ");
	CHECK_CONTAINS(text, "\n  (7 more)  ");
	CHECK(strstr(text, "\n  curl ") == NULL);
	free(text);
}

/*
 * Hours count where they start: 03:00 to 04:00 is the single hour 03:00,
 * the upload that raised an alert at 03:00:41; mallory's sshd (02:00) and the
 * alerts of 04:xx are outside. Figures from the fixture's formulas.
 */
static void test_partial_range(void)
{
	struct report_config o = report_options("2026-11-20 03:00", "2026-11-20 04:00", REPORT_JSON, 0);
	char err[512], *text = NULL;

	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "\"range\":{\"from\":\"2026-11-20T03:00:00Z\","
			     "\"to\":\"2026-11-20T04:00:00Z\"}");
	/* Up: =ev"il 734003200, sshd 183000, systemd-resolve 24300; down 5242880, 61500, 51900. */
	CHECK_CONTAINS(text, "\"totals\":{\"upload_bytes\":734210500,\"download_bytes\":5356280,");
	CHECK_CONTAINS(text, "\"upload_bytes\":734003200,\"download_bytes\":5242880,");
	CHECK(strstr(text, "mallory") == NULL);
	CHECK(strstr(text, "firefox") == NULL);
	CHECK_CONTAINS(text, "\"timeline_bucket\":\"hour\",\"timeline\":[{\"start\":"
			     "\"2026-11-20T03:00:00Z\",\"end\":\"2026-11-20T04:00:00Z\"");
	CHECK_INT(count_substrings(text, "\"start\":\"2026-11-20T0"), 1);
	/* The process's alert, then its unit's and its container's a second later. */
	CHECK_INT(count_substrings(text, "\"alert_type\""), 3);
	CHECK_CONTAINS(text, "\"time\":\"2026-11-20T03:00:41Z\"");
	CHECK_CONTAINS(text, "\"alert_type\":\"unit_rate\",\"state\":\"raised\",\"pid\":null,"
			     "\"process_name\":null,\"interface\":null,\"unit\":\"docker-0123");
	CHECK_CONTAINS(text, "\"interface\":null,\"unit\":null,\"container\":\"@web\\t\\\"1\\\"\"");
	/* Only session 2 was running then. */
	CHECK_CONTAINS(text, "\"sessions\":[{\"id\":2,");
	CHECK_INT(count_substrings(text, "\"status\""), 1);
	free(text);
}

/* Longer than 48 hours: a bar per local day, only from the first day with traffic to the last. */
static void test_daily_chart(void)
{
	struct report_config o = report_options("2026-11-13", "2026-11-27", REPORT_TEXT, 0);
	char err[512], *text = NULL;

	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "\nTraffic per day (upload + download, local time)\n"
			     "  2026-11-19  ##");
	CHECK_CONTAINS(text, "\n  2026-11-20  ##");
	CHECK(strstr(text, "\n  2026-11-18  ") == NULL);
	CHECK(strstr(text, "\n  2026-11-21  ") == NULL);
	free(text);

	/* In Berlin the data's first hour (07:00 UTC) is on the local day starting 23:00 UTC. */
	set_tz_berlin();
	o.format = REPORT_JSON;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "\"range\":{\"from\":\"2026-11-12T23:00:00Z\"");
	CHECK_CONTAINS(text, "\"timeline_bucket\":\"day\",\"timeline\":[{\"start\":"
			     "\"2026-11-18T23:00:00Z\",\"end\":\"2026-11-19T23:00:00Z\"");
	CHECK_CONTAINS(text,
		       "{\"start\":\"2026-11-19T23:00:00Z\",\"end\":\"2026-11-20T23:00:00Z\"");
	/* 23:00 UTC on the 20th is already the 21st in Berlin. */
	CHECK_CONTAINS(text,
		       "{\"start\":\"2026-11-20T23:00:00Z\",\"end\":\"2026-11-21T23:00:00Z\"");
	CHECK_INT(count_substrings(text, "\"start\":\"2026-11-"), 3 + 2);
	free(text);
	set_tz("UTC");
}

static void test_empty_range(void)
{
	static const char after[] = "nethound report: no traffic recorded between 2026-11-25 "
				    "00:00 UTC and 2026-11-26 00:00 UTC\n\nSessions (1)\n";
	struct report_config o = report_options(NULL, NULL, REPORT_TEXT, 0);
	char err[512], *text = NULL;

	/* Before the first session: nothing at all. */
	o.date = "2026-11-18";
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_STR(text, "nethound report: no traffic recorded between 2026-11-18 00:00 UTC and "
			"2026-11-19 00:00 UTC\n");
	free(text);

	o.format = REPORT_JSON;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_STR(text,
		  "{\"range\":{\"from\":\"2026-11-18T00:00:00Z\",\"to\":"
		  "\"2026-11-19T00:00:00Z\"},\"totals\":{\"upload_bytes\":0,"
		  "\"download_bytes\":0,\"total_bytes\":0,\"wire_upload_bytes\":0,"
		  "\"wire_download_bytes\":0},\"by\":\"process\",\"processes\":[],"
		  "\"other_processes\":"
		  "{\"count\":0,\"upload_bytes\":0,\"download_bytes\":0,\"total_bytes\":0,"
		  "\"wire_upload_bytes\":0,\"wire_download_bytes\":0,\"share_percent\":0.000},"
		  "\"top_units\":[],\"top_containers\":[],\"protocols\":[],\"timeline_bucket\":\"hour\",\"timeline\":[],"
		  "\"alerts\":[],\"sessions\":[]}\n");
	free(text);

	o.format = REPORT_CSV;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_STR(text, "section,name,start,end,upload_bytes,download_bytes,total_bytes,"
			"share_percent,wire_upload_bytes,wire_download_bytes,pid,interface,"
			"alert_type,state,direction,bandwidth_value,threshold,session_id,mode,"
			"hooks,tc,user,unit,container\n");
	free(text);

	/* After the traffic: no bytes, but session 2 still runs, and that is worth saying. */
	o.date = "2026-11-25";
	o.format = REPORT_TEXT;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK(strncmp(text, after, strlen(after)) == 0);
	CHECK_CONTAINS(text, "  2026-11-19 17:02:44  running              running  record");
	free(text);
}

/* Text lists the newest 50 alerts and says how many it left out; JSON lists all. */
static void test_alert_limit(void)
{
	struct report_config o = report_options(NULL, NULL, REPORT_TEXT, 0);
	char err[512], *text = NULL;
	sqlite3 *db;

	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	CHECK_INT(
	    sqlite3_exec(db,
			 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n"
			 " WHERE i < 59)"
			 " INSERT INTO alerts (timestamp, pid, process_name, alert_type,"
			 " bandwidth_value, threshold, session_id, state, direction)"
			 " SELECT datetime('2026-11-22 10:00:00', '+' || i || ' minutes'),"
			 " 7000 + i, 'flappy', 'process_rate', 2097152.0, 1048576.0, 2,"
			 " CASE i % 2 WHEN 0 THEN 'raised' ELSE 'cleared' END, 'upload' FROM n",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	o.date = "2026-11-22";
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "\nAlerts (60)\n  (10 earlier not shown; --format json or csv lists "
			     "them all)\n");
	CHECK_INT(count_substrings(text, "  process_rate    "), 50);
	/* Oldest shown first: the 11th (10:10), newest last (10:59). */
	CHECK(strstr(text, "10:09:00") == NULL);
	CHECK_CONTAINS(text, "\n  2026-11-22 10:10:00  process_rate    raised   flappy (pid 7010)");
	CHECK_CONTAINS(text, "\n  2026-11-22 10:59:00  process_rate    cleared  flappy (pid 7059)");
	CHECK(strstr(text, "10:59:00") > strstr(text, "10:58:00"));
	free(text);

	o.format = REPORT_JSON;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_INT(count_substrings(text, "\"alert_type\""), 60);
	CHECK(strstr(text, "2026-11-22T10:00:00Z") < strstr(text, "2026-11-22T10:59:00Z"));
	free(text);
}

static void test_database_errors(void)
{
	struct report_config o = report_options(NULL, NULL, REPORT_TEXT, 0);
	char missing[192], garbage[192], err[512], *text = NULL;
	FILE *f;

	snprintf(missing, sizeof(missing), "%s/missing.db", tmpdir);
	o.db_path = missing;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_DATABASE);
	CHECK_CONTAINS(err, missing);
	CHECK(strncmp(err, "nethound: ", 10) == 0);
	CHECK(strchr(err, '\n') == NULL);
	CHECK_STR(text, "");
	free(text);
	/* A reader never creates the database it was asked to read. */
	CHECK(access(missing, F_OK) != 0);

	snprintf(garbage, sizeof(garbage), "%s/garbage.db", tmpdir);
	f = fopen(garbage, "w");
	CHECK(f != NULL);
	for (int i = 0; f && i < 200; i++)
		fputs("these are not the bytes of a database\n", f);
	if (f)
		fclose(f);
	o.db_path = garbage;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_DATABASE);
	CHECK_CONTAINS(err, garbage);
	CHECK(strchr(err, '\n') == NULL);
	CHECK_STR(text, "");
	free(text);

	/* The command line is judged before the database is opened. */
	o.date = "2026-02-30";
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_USAGE);
	CHECK_CONTAINS(err, "--date: '2026-02-30' is not a date");
	free(text);
}

/*
 * Rollups are keyed by name and who ran it: mallory's process calling itself
 * sshd is a row apart from root's sshd, and --by sums by user, unit or
 * container instead.
 */
static void test_by_identity(void)
{
	struct report_config o = report_options(NULL, NULL, REPORT_JSON, 20);
	char err[512], *text = NULL;

	o.date = "2026-11-20";
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "{\"name\":\"sshd\",\"user\":\"mallory\",\"unit\":"
			     "\"session-7.scope\",\"container\":null,\"upload_bytes\":209715200,");
	CHECK_CONTAINS(text, "{\"name\":\"sshd\",\"user\":\"root\",\"unit\":\"ssh.service\","
			     "\"container\":null,\"upload_bytes\":4596000,");
	CHECK_INT(count_substrings(text, "\"name\":\"sshd\""), 2);
	CHECK_CONTAINS(text, "\"top_containers\":[{\"container\":\"@web\\t\\\"1\\\"\",");
	free(text);

	o.by = REPORT_BY_USER;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "\"by\":\"user\",\"users\":[{\"user\":\"alice\",");
	CHECK_CONTAINS(text, "{\"user\":\"mallory\",\"upload_bytes\":209715200,");
	CHECK_CONTAINS(text, "\"other_users\":{\"count\":0,");
	CHECK(strstr(text, "\"processes\"") == NULL && strstr(text, "top_units") == NULL);
	free(text);

	o.by = REPORT_BY_CONTAINER;
	o.format = REPORT_TEXT;
	o.date = NULL;
	o.from = "2026-11-19";
	o.to = "2026-11-21";
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	/* The container's name is made printable; processes in no container are one row. */
	CHECK_CONTAINS(text, "Containers\n  CONTAINER      UPLOAD    DOWNLOAD       TOTAL   SHARE\n"
			     "  (unknown)   399.2 MiB     5.0 GiB     5.4 GiB   80.8%\n"
			     "  @web?\"1\"      1.3 GiB     9.0 MiB     1.3 GiB   19.2%\n");
	free(text);

	o.by = REPORT_BY_UNIT;
	o.format = REPORT_CSV;
	CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
	CHECK_CONTAINS(text, "\nunit,session-7.scope,,,209715200,1048576,210763776,");
	CHECK(strstr(text, "\nprocess,") == NULL);
	free(text);
}

/* A database of schema 1 is migrated when a writer opens it: old rollups kept, of no one known. */
static void test_migration_from_1(void)
{
	char path[192], *msg = NULL, err[512];
	struct store *st = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *q;

	snprintf(path, sizeof(path), "%s/old.db", tmpdir);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, store_schema_migration(0), NULL, NULL, &msg) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "PRAGMA application_id = 1313358914; PRAGMA user_version = 1;"
			   "INSERT INTO traffic_hourly VALUES ('2026-11-20 10:00:00', 'sshd', 1, 2, 3,"
			   " 4);"
			   "INSERT INTO traffic_daily VALUES ('2026-11-20', 'sshd', 1, 2, 3, 4);",
			   NULL, NULL, &msg) == SQLITE_OK);
	sqlite3_free(msg);
	sqlite3_close(db);

	/* report reads it as it is (read-only: no migration): no one known. */
	{
		struct report_config o = report_options("2026-11-20", "2026-11-21", REPORT_JSON, 0);
		char *text = NULL;

		o.db_path = path;
		CHECK_INT(run_report(&o, &text, err, sizeof(err)), NH_EXIT_OK);
		CHECK_CONTAINS(text, "\"processes\":[{\"name\":\"sshd\",\"user\":null,\"unit\":null,"
				     "\"container\":null,\"upload_bytes\":1,");
		CHECK_CONTAINS(text, "\"top_units\":[],\"top_containers\":[]");
		free(text);
	}

	{
		struct store_config cfg = { .path = path, .retention_days = 30 };

		CHECK_INT(store_open(&st, &cfg, err, sizeof(err)), 0);
	}
	store_close(st);

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db,
				 "SELECT (SELECT user_version FROM pragma_user_version),"
				 " h.user || h.unit || h.container || d.user || d.unit || d.container,"
				 " h.upload_bytes + d.wire_download_bytes,"
				 " (SELECT count(*) FROM pragma_table_info('traffic_log')"
				 "  WHERE name IN ('user', 'unit', 'container'))"
				 " FROM traffic_hourly h, traffic_daily d",
				 -1, &q, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(q) == SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(q, 0), STORE_SCHEMA_VERSION);
	CHECK_STR((const char *)sqlite3_column_text(q, 1), "");
	CHECK_INT(sqlite3_column_int(q, 2), 5);
	CHECK_INT(sqlite3_column_int(q, 3), 3);
	sqlite3_finalize(q);
	/* And the rebuilt tables take upserts and check clean. */
	CHECK(sqlite3_exec(db,
			   "INSERT INTO traffic_daily (day, process_name, upload_bytes, download_bytes,"
			   " wire_upload_bytes, wire_download_bytes, user) VALUES"
			   " ('2026-11-20', 'sshd', 1, 1, 1, 1, 'root')",
			   NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(q) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(q, 0), "ok");
	CHECK(sqlite3_step(q) == SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(db);
	unlink(path);
}

int main(void)
{
	set_tz("UTC");
	test_parse_range_utc();
	test_parse_range_berlin();
	test_parse_range_midnight_jumps_back();
	if (CHECK(make_database())) {
		test_golden();
		test_top();
		test_partial_range();
		test_daily_chart();
		test_empty_range();
		test_by_identity();
		test_migration_from_1();
		test_alert_limit(); /* adds alerts: after the tests that count them */
		test_database_errors();
	}
	remove_database();
	return check_finish("test_report");
}
