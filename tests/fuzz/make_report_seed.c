// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes the seed of fuzz_report_db: the report fixture (tests/report/
 * fixture.sql) in a database as store.c creates it, with 512-byte pages and
 * vacuumed, so the seed stays small. Not run in CI; the seed is checked in.
 *
 * Usage: make_report_seed FIXTURE.sql OUT.db
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "sinks/store/store.h"
#include "sinks/store/store_schema.h"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	char sql[256], *fixture, *msg = NULL;
	sqlite3 *db = NULL;
	int ok;

	if (argc != 3) {
		fprintf(stderr, "usage: make_report_seed FIXTURE.sql OUT.db\n");
		return 2;
	}
	fixture = read_all(argv[1]);
	ok = fixture && sqlite3_open(":memory:", &db) == SQLITE_OK;
	ok = ok && sqlite3_exec(db, "PRAGMA page_size = 512", NULL, NULL, &msg) == SQLITE_OK;
	for (int v = 0; ok && v < STORE_SCHEMA_VERSION; v++)
		ok = sqlite3_exec(db, store_schema_migration(v), NULL, NULL, &msg) == SQLITE_OK;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
	ok = ok && sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK;
	ok = ok && sqlite3_exec(db, fixture, NULL, NULL, &msg) == SQLITE_OK;
	snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", argv[2]);
	ok = ok && sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK;
	if (!ok)
		fprintf(stderr, "make_report_seed: %s\n", msg ? msg : "cannot read the fixture");
	sqlite3_free(msg);
	sqlite3_close(db);
	free(fixture);
	return ok ? 0 : 1;
}
