/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nethound report: what the history database holds for a time range, as
 * text for people, JSON for programs or CSV for spreadsheets. Reads only;
 * no root needed, works while nethound record writes.
 */
#ifndef NETHOUND_REPORT_H
#define NETHOUND_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <stdio.h>
#include <time.h>

enum report_format {
	REPORT_TEXT = 0,
	REPORT_JSON,
	REPORT_CSV,
};

/* What the top list is of: processes (name with who ran it), users, units or containers. */
enum report_by {
	REPORT_BY_PROCESS = 0,
	REPORT_BY_USER,
	REPORT_BY_UNIT,
	REPORT_BY_CONTAINER,
};

struct report_config {
	const char *db_path; /* NULL: STORE_DEFAULT_PATH */
	const char *date;    /* YYYY-MM-DD, local time; default today */
	const char *from;    /* YYYY-MM-DD or 'YYYY-MM-DD HH:MM', local time */
	const char *to;      /* exclusive */
	enum report_format format;
	unsigned top; /* processes listed; 0: the default */
	enum report_by by;
};

/* Text output lists at most this many alerts, the newest; JSON and CSV list all. */
#define REPORT_TEXT_ALERTS_MAX 50
/* Ranges up to this long are charted per hour, longer ones per local day. */
#define REPORT_HOURLY_CHART_MAX_S (48 * 3600)

/*
 * Turn --date / --from / --to (local time, TZ honoured) into a UTC range
 * [*out_from, *out_to).
 *   date: "YYYY-MM-DD", that local day (23 or 25 hours across a DST change).
 *   from, to: "YYYY-MM-DD" (local midnight) or "YYYY-MM-DD HH:MM"; to is exclusive.
 *   none: today, the local day that holds now.
 *   from alone: from until now.
 * --to without --from is refused rather than guessed at, as is --date with
 * --from or --to, and a range that does not start before it ends.
 * Returns 0, or NH_EXIT_USAGE with a one-line message in err.
 */
int report_parse_range(const char *date, const char *from, const char *to, time_t now,
		       time_t *out_from, time_t *out_to, char *err, size_t errlen);

/*
 * The whole command: read the database, write
 * the report to out. Returns an NH_EXIT_* code; on failure a one-line cause
 * and remedy is in err and out may hold part of a report.
 */
int report_run(const struct report_config *opts, time_t now, FILE *out, char *err, size_t errlen);

#endif
