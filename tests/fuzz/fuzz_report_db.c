// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nethound report on a database file anyone could have planted or torn:
 * the input is the file, deserialized into an in-memory connection opened
 * as the report opens its file (read-only, defensive, no trusted schema).
 * Reading gives 0 or an NH_EXIT_* code with a message; whatever was read,
 * the JSON report is valid JSON and no report holds a control byte a
 * terminal would act on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "fuzz_util.h"
#include "report/report_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixture's two days (tests/report/fixture.sql), UTC. */
#define RANGE_FROM 1795046400 /* 2026-11-19 00:00:00 */
#define RANGE_TO (RANGE_FROM + 2 * 86400)

/* Stop a query that a crafted file makes run away (a cycle of pages, say). */
static int progress_budget(void *arg)
{
	unsigned *left = arg;

	return --*left == 0;
}

static void render(void (*fn)(FILE *, const struct report *), const struct report *r,
		   const char *name, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	const char *why;

	if (!out)
		abort();
	fn(out, r);
	fclose(out);
	if (json)
		why = fuzz_check_json_lines(buf, len);
	else
		why = fuzz_check_terminal_safe(buf, len, "\n", false);
	if (why)
		fuzz_fail(name, why, buf, len);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_config cfg = {.format = REPORT_JSON};
	struct report r = {.from = RANGE_FROM, .to = RANGE_TO};
	unsigned char *copy;
	unsigned budget = 2000;
	sqlite3 *db;
	char err[512];
	int rc;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		abort();
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
	sqlite3_progress_handler(db, 1000, progress_budget, &budget);
	copy = sqlite3_malloc64(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (sqlite3_deserialize(db, "main", copy, (sqlite3_int64)size, (sqlite3_int64)size,
				SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return 0;
	}
	rc = report_read(db, "fuzz.db", &cfg, &r, err, sizeof(err));
	if (rc && (!err[0] || strchr(err, '\n')))
		fuzz_fail("report_read", "an error without a one-line message", err, strlen(err));
	if (!rc) {
		render(report_json, &r, "report_json", true);
		render(report_csv, &r, "report_csv", false);
		render(report_text, &r, "report_text", false);
	}
	report_free(&r);
	sqlite3_close(db);
	return 0;
}
