// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <time.h>

#include "cmd/commands.h"
#include "report/report.h"

int cmd_report(const struct options *opts)
{
	struct report_config cfg = {
		.db_path = opts->db_path,
		.date = opts->report_date,
		.from = opts->report_from,
		.to = opts->report_to,
		.format = opts->report_format,
		.top = opts->report_top,
		.by = opts->report_by,
	};
	char err[1024];
	int rc = cmd_drop_privileges(true);

	if (rc)
		return rc;
	rc = report_run(&cfg, time(NULL), stdout, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	return rc;
}
