// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nethound report: totals, top processes, protocols, a chart over time,
 * alerts and sessions for a time range, read from the history database.
 *
 * This file is only the command. report_range.c turns --date, --from and
 * --to into a range, report_read.c reads the database into struct report
 * (report_data.h), and report_text.c, report_json.c or report_csv.c render
 * it; the JSON and CSV layouts are described at the top of report_json.c and
 * report_csv.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/exitcodes.h"
#include "report/report.h"
#include "report/report_data.h"
#include "sinks/store/store.h"

int report_run(const struct report_config *opts, time_t now, FILE *out, char *err, size_t errlen)
{
	const char *path = opts->db_path ? opts->db_path : STORE_DEFAULT_PATH;
	struct report r = {0};
	sqlite3 *db;
	int rc;

	if (errlen)
		err[0] = '\0';
	rc = report_parse_range(opts->date, opts->from, opts->to, now, &r.from,
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

	switch (opts->format) {
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
