// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The history benchmark's load: writes through nethound's own store, the
 * same code record runs, with synthetic snapshots.
 *
 *   history_load fill DB DAYS PROCS_PER_TICK
 *       DAYS of per-second ticks ending now, PROCS_PER_TICK active processes
 *       each (names from a pool of 300), one transaction per tick as record
 *       writes them.
 *   history_load tick DB PROCS TICKS
 *       TICKS ticks with PROCS active processes each; prints the write time
 *       per tick (median, 90th percentile, max) in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinks/store/store.h"

#define NAME_POOL 300

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A snapshot of nprocs processes, each moving a few KiB this second. */
static void fill_snapshot(struct snapshot *s, struct process_stats *procs, size_t nprocs,
			  unsigned *seed, time_t when)
{
	memset(s, 0, sizeof(*s));
	s->wall.tv_sec = when;
	s->interval = 1.0;
	s->hooks = "tracepoint";
	s->tc = "off";
	s->procs = procs;
	s->nprocs = nprocs;
	for (size_t i = 0; i < nprocs; i++) {
		struct process_stats *p = &procs[i];
		unsigned name = (unsigned)rand_r(seed) % NAME_POOL;

		memset(p, 0, sizeof(*p));
		p->pid = 1000 + name;
		p->start_ns = name;
		snprintf(p->comm, sizeof(p->comm), "proc-%u", name);
		p->all.tx_bytes = 1 + (unsigned)rand_r(seed) % 65536;
		p->all.rx_bytes = 1 + (unsigned)rand_r(seed) % 262144;
		p->l4[NH_L4_TCP] = p->all;
		p->protocols = 1;
	}
}

static int begin(struct store **st, const char *db)
{
	struct store_session_info info = {.mode = "record", .hooks = "tracepoint", .tc = "off"};
	char err[512];
	pid_t other;

	/* No caps or watermark: the bench measures writing every row it is given. */
	struct store_config cfg = { .path = db };

	if (store_open(st, &cfg, err, sizeof(err)) ||
	    store_session_begin(*st, &info, &other, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int fill(const char *db, long days, size_t per_tick)
{
	struct process_stats *procs = calloc(per_tick, sizeof(*procs));
	time_t end = time(NULL), t;
	unsigned seed = 42;
	struct store *st;
	struct snapshot s;
	double started = now_s();

	if (!procs || begin(&st, db))
		return 1;
	for (t = end - days * 86400; t < end; t++) {
		fill_snapshot(&s, procs, per_tick, &seed, t);
		if (store_tick(st, &s, NULL, 0)) {
			fprintf(stderr, "history_load: a tick was not written\n");
			return 1;
		}
		if ((t - end) % 86400 == 0)
			fprintf(stderr, "history_load: %ld of %ld days, %.0f s\n",
				(long)((t - (end - days * 86400)) / 86400), days, now_s() - started);
	}
	store_session_end(st, 10);
	store_close(st);
	printf("filled %ld days, %zu processes per tick, in %.0f s\n", days, per_tick,
	       now_s() - started);
	free(procs);
	return 0;
}

static int tick(const char *db, size_t nprocs, int ticks)
{
	struct process_stats *procs = calloc(nprocs, sizeof(*procs));
	double *ms = calloc((size_t)ticks, sizeof(*ms));
	time_t t = time(NULL);
	unsigned seed = 7;
	struct store *st;
	struct snapshot s;

	if (!procs || !ms || begin(&st, db))
		return 1;
	for (int i = 0; i < ticks; i++) {
		double t0;

		fill_snapshot(&s, procs, nprocs, &seed, t + i);
		/* Distinct processes: the pool repeats names, pids must not. */
		for (size_t j = 0; j < nprocs; j++)
			procs[j].pid = (uint32_t)(100000 + j);
		t0 = now_s();
		if (store_tick(st, &s, NULL, 0)) {
			fprintf(stderr, "history_load: a tick was not written\n");
			return 1;
		}
		ms[i] = (now_s() - t0) * 1e3;
	}
	store_session_end(st, 10);
	store_close(st);
	qsort(ms, (size_t)ticks, sizeof(*ms), cmp_double);
	printf("RESULT tick_write processes=%zu ticks=%d median_ms=%.2f p90_ms=%.2f max_ms=%.2f\n",
	       nprocs, ticks, ms[ticks / 2], ms[ticks * 9 / 10], ms[ticks - 1]);
	free(procs);
	free(ms);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], atol(argv[3]), (size_t)atol(argv[4]));
	if (argc == 5 && strcmp(argv[1], "tick") == 0)
		return tick(argv[2], (size_t)atol(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: history_load fill DB DAYS PROCS_PER_TICK | tick DB PROCS TICKS\n");
	return 2;
}
