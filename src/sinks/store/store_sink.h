/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The database as a sink: a session per run of monitoring (stopping the
 * live view with S ends it, starting again begins a new one), every tick's
 * traffic and alert events written through the store, and daily quotas
 * carried over a restart.
 */
#ifndef NETHOUND_STORE_SINK_H
#define NETHOUND_STORE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pipeline/sink.h"

struct store_sink_config {
	const char *path;        /* the database file */
	unsigned retention_days; /* per-second rows kept this long; 0 = for good */
	bool trust_owner;        /* db_trust_owner: see struct store_config */
	unsigned rows_per_tick;  /* history_rows_per_tick; 0 = no cap */
	unsigned names_per_hour; /* history_names_per_hour; 0 = no cap */
	uint64_t min_free;       /* history_min_free, bytes; 0 = off */
	const char *mode;        /* the sessions table's mode: "record", "top" */
	/*
	 * Another nethound already logs to the database: true refuses to start
	 * (record, exit code 6); false goes on without logging (the live view).
	 */
	bool refuse_if_busy;
	bool seed_quota; /* a daily quota goes on from today's rows */
	bool announce;   /* say on stderr where the session logs once it began */
};

struct store_sink;

/* Open the database. Returns 0 or an NH_EXIT_* code with a one-line message in err. */
int store_sink_open(struct store_sink **out, const struct store_sink_config *cfg, char *err,
		    size_t errlen);
void store_sink_free(struct store_sink *s);
struct sink store_sink(struct store_sink *s);

/* The live view's status bar: where we log, or why we do not. */
const char *store_sink_path(const struct store_sink *s);
pid_t store_sink_other_writer(const struct store_sink *s); /* 0: none */
size_t store_sink_pending(const struct store_sink *s);     /* ticks waiting for the disk */

#endif
