// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * store.c on a real SQLite file: map drops become map_drops rows in the ticks
 * they grow and a map_drops alert row; a tick with more processes than
 * rows_per_tick keeps the busiest and folds the rest into one "(other)" row
 * per uid with their bytes; names past names_per_hour go to "(other)" in the
 * rollups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alerts/alerts.h"
#include "check.h"
#include "sinks/store/store.h"

static char dir[] = "/tmp/nhstoreXXXXXX";
static char path[256];

static int64_t sql_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -2;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int64(q, 0);
		sqlite3_finalize(q);
	} else {
		fprintf(stderr, "test_store: %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return v;
}

static struct store *open_store(unsigned rows, unsigned names)
{
	struct store_config cfg = { .path = path, .rows_per_tick = rows, .names_per_hour = names };
	struct store_session_info info = { .mode = "record", .hooks = "tracepoint", .tc = "tcx" };
	struct store *st = NULL;
	char err[512];
	pid_t other;

	unlink(path);
	CHECK_INT(store_open(&st, &cfg, err, sizeof(err)), 0);
	if (st)
		CHECK_INT(store_session_begin(st, &info, &other, err, sizeof(err)), 0);
	return st;
}

static void test_drops(void)
{
	struct snapshot s = { .interval = 1.0, .wall = { .tv_sec = 1700000000 } };
	struct alert_event e = { .kind = ALERT_MAP_DROPS, .value = 9, .when = 1700000001 };
	struct store *st = open_store(0, 0);

	if (!st)
		return;
	CHECK_INT(store_tick(st, &s, NULL, 0), 0); /* nothing dropped: no row */
	s.wall.tv_sec++;
	s.drops[NH_DROP_SOCK] = 4;
	s.wire_drops[NH_WIRE_DROP_FLOW] = 5;
	snprintf(e.group, sizeof(e.group), "sockets,flows");
	CHECK_INT(store_tick(st, &s, &e, 1), 0);
	s.wall.tv_sec++;
	CHECK_INT(store_tick(st, &s, NULL, 0), 0); /* unchanged: no row */
	s.wall.tv_sec++;
	s.drops[NH_DROP_SOCK] = 10;
	CHECK_INT(store_tick(st, &s, NULL, 0), 0);
	CHECK_INT(store_session_end(st, 1), 0);
	store_close(st);
	CHECK_INT(sql_int("SELECT count(*) FROM map_drops"), 3);
	CHECK_INT(sql_int("SELECT sum(dropped) FROM map_drops WHERE map = 'sockets'"), 10);
	CHECK_INT(sql_int("SELECT max(total) FROM map_drops WHERE map = 'sockets'"), 10);
	CHECK_INT(sql_int("SELECT dropped FROM map_drops WHERE map = 'flows'"), 5);
	CHECK_INT(sql_int("SELECT count(*) FROM map_drops WHERE timestamp = '2023-11-14 22:13:21'"),
		  2);
	CHECK_INT(sql_int("SELECT bandwidth_value FROM alerts WHERE alert_type = 'map_drops'"
			  " AND state = 'raised'"), 9);
}

static void add_proc(struct snapshot *s, uint32_t pid, uint32_t uid, uint64_t tx)
{
	struct process_stats *p = &s->procs[s->nprocs++];

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start_ns = pid;
	p->uid = uid;
	snprintf(p->comm, sizeof(p->comm), "p%u", pid);
	p->all.tx_bytes = tx;
	p->exited = true; /* identity is not pending: bytes go straight to the rollups */
}

static void test_caps(void)
{
	struct process_stats procs[10];
	struct snapshot s = { .interval = 1.0, .wall = { .tv_sec = 1700000000 }, .procs = procs };
	struct store *st = open_store(3, 4);

	if (!st)
		return;
	/* Ten processes of two users: the three busiest keep rows of their own. */
	for (uint32_t i = 1; i <= 10; i++)
		add_proc(&s, i, i % 2 ? 1000 : 2000, i * 100);
	CHECK_INT(store_tick(st, &s, NULL, 0), 0);
	/* The next tick: p1..p4 are in the hour's four names; p5 and p6 are not. */
	s.wall.tv_sec++;
	s.nprocs = 0;
	add_proc(&s, 4, 2000, 7);
	add_proc(&s, 5, 1000, 11);
	CHECK_INT(store_tick(st, &s, NULL, 0), 0);
	CHECK_INT(store_session_end(st, 1), 0);
	store_close(st);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE pid != 0"
			  " AND timestamp = '2023-11-14 22:13:20'"), 3);
	CHECK_INT(sql_int("SELECT sum(upload_bytes) FROM traffic_log WHERE pid IN (8, 9, 10)"),
		  2700);
	CHECK_INT(sql_int("SELECT upload_bytes FROM traffic_log WHERE pid = 0 AND uid = 1000"),
		  100 + 300 + 500 + 700);
	CHECK_INT(sql_int("SELECT upload_bytes FROM traffic_log WHERE pid = 0 AND uid = 2000"),
		  200 + 400 + 600);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE process_name = '(other)'"), 2);
	CHECK_INT(sql_int("SELECT sum(upload_bytes) FROM traffic_log"), 5500 + 18);
	/* Rollups: the first four names seen (in snapshot order) and '(other)' for the rest. */
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_hourly WHERE process_name != '(other)'"), 4);
	CHECK_INT(sql_int("SELECT upload_bytes FROM traffic_hourly WHERE process_name = 'p4'"),
		  407);
	CHECK_INT(sql_int("SELECT sum(upload_bytes) FROM traffic_hourly"
			  " WHERE process_name = '(other)'"), 5500 + 11 - 1000);
	CHECK_INT(sql_int("SELECT sum(upload_bytes) FROM traffic_daily"), 5500 + 18);
}

/*
 * Rows go in batches of many to a statement, the rest one by one: every
 * row arrives once, each with its own values, whatever a tick's count.
 */
static void test_batched_rows(void)
{
	enum { N = 70 };
	struct process_stats *procs = calloc(N, sizeof(*procs));
	struct snapshot s = { .interval = 1.0, .wall = { .tv_sec = 1700000000 }, .procs = procs };
	struct store *st = open_store(0, 0);

	if (!st || !procs) {
		free(procs);
		CHECK(st != NULL && procs != NULL);
		return;
	}
	for (uint32_t i = 1; i <= N; i++) {
		add_proc(&s, i, 1000 + i, i);
		procs[i - 1].all.rx_bytes = 1000 * i;
		procs[i - 1].protocols = i % 3 ? 1 : 3;
		if (i % 2)
			procs[i - 1].ident.user = i % 4 == 1 ? "alice" : "bob";
	}
	CHECK_INT(store_tick(st, &s, NULL, 0), 0);
	s.wall.tv_sec++;
	s.nprocs = 0;
	for (uint32_t i = 1; i <= 33; i++)
		add_proc(&s, 100 + i, 1, 1);
	CHECK_INT(store_tick(st, &s, NULL, 0), 0);
	CHECK_INT(store_session_end(st, 1), 0);
	store_close(st);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE timestamp = '2023-11-14 22:13:20'"),
		  N);
	CHECK_INT(sql_int("SELECT count(DISTINCT pid) FROM traffic_log WHERE pid <= 70"), N);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE pid <= 70 AND"
			  " (upload_bytes != pid OR download_bytes != 1000 * pid OR uid != 1000 + pid"
			  " OR process_name != 'p' || pid)"), 0);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE user = 'alice'"), 18);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE user = 'bob'"), 17);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE pid <= 70 AND user IS NULL"), 35);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE pid <= 70 AND"
			  " protocols != (SELECT protocols FROM traffic_log WHERE pid = 1)"), 23);
	CHECK_INT(sql_int("SELECT count(*) FROM traffic_log WHERE timestamp = '2023-11-14 22:13:21'"),
		  33);
	CHECK_INT(sql_int("SELECT sum(upload_bytes) FROM traffic_log"), N * (N + 1) / 2 + 33);
	free(procs);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("test_store: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/h.db", dir);
	test_drops();
	test_caps();
	test_batched_rows();
	unlink(path);
	{
		char side[300];

		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	}
	rmdir(dir);
	return check_finish("test_store");
}
