/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The history database (SQLite): opening it safely, sessions, and one
 * transaction per tick with what the snapshot counted. When the database is
 * locked or the disk is full, ticks wait in memory and are written, in order,
 * once writing works again; nothing counted is dropped from the rollups or
 * the session totals.
 */
#ifndef NETHOUND_STORE_H
#define NETHOUND_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "alerts/alerts.h"
#include "core/snapshot.h"

#define STORE_DEFAULT_PATH "/var/lib/nethound/nethound.db"
#define STORE_DEFAULT_RETENTION_DAYS 30
/*
 * Per-second rows waiting in memory while the database cannot be written.
 * Past this many, new seconds go to the rollups and session totals only.
 */
#define STORE_PENDING_ROWS_MAX 200000

/*
 * What one user can add to the history is bounded (README, "History and
 * alerts"): processes that move bytes in one tick past the busiest
 * STORE_DEFAULT_ROWS_PER_TICK are folded into one "(other)" row per uid, and
 * rollup keys (name, user, unit, container) of an hour past
 * STORE_DEFAULT_NAMES_PER_HOUR into one "(other)" key per user. Below
 * STORE_DEFAULT_MIN_FREE bytes free on the database's file system, writing
 * pauses; counting goes on in memory.
 */
#define STORE_DEFAULT_ROWS_PER_TICK 1000
#define STORE_DEFAULT_NAMES_PER_HOUR 2000
#define STORE_DEFAULT_MIN_FREE (64ULL << 20)
/* The process name of folded rows and rollup keys; their pid is 0. */
#define STORE_OTHER_NAME "(other)"

struct store_config {
	const char *path;
	unsigned retention_days; /* per-second rows kept this long; 0 = for good */
	/* Root only: use a file or directory of another user, or writable by others. */
	bool trust_owner;
	unsigned rows_per_tick;  /* traffic_log rows per tick; 0 = no cap */
	unsigned names_per_hour; /* rollup keys per hour; 0 = no cap */
	uint64_t min_free;       /* bytes free below which writing pauses; 0 = off */
};

struct store;

/*
 * Open (creating, mode 0600, never through a symlink) the database at
 * cfg->path for writing and bring its schema up to date. Refuses files that
 * are not nethound databases, databases from a newer nethound, read-only
 * files, and (as root, unless cfg->trust_owner) files and directories that
 * another user owns or others may write to. Returns 0 or an NH_EXIT_* code
 * with a one-line cause and remedy in err.
 */
int store_open(struct store **out, const struct store_config *cfg, char *err, size_t errlen);

/*
 * Open the database at path for reading only (reports): never creates or
 * changes anything, works while another process writes. Returns 0 or an
 * NH_EXIT_* code with a message in err; *out is a plain SQLite handle.
 */
int store_open_reader(sqlite3 **out, const char *path, char *err, size_t errlen);

struct store_session_info {
	const char *mode;  /* "record" or "top" */
	const char *hooks; /* hook tier in use */
	const char *tc;
};

/*
 * Sessions of nethound processes that no longer run are closed with their
 * last flushed totals and marked crashed. If another nethound process holds
 * this database's writer lock (writer_lock.h), returns -EBUSY and its pid in
 * *other_pid (-1 if not known yet): two writers would count every byte
 * twice. Returns 0 or a negative errno with a message in err.
 */
int store_session_begin(struct store *st, const struct store_session_info *info,
			pid_t *other_pid, char *err, size_t errlen);

/*
 * Add one tick: a traffic_log row per process that moved bytes (within the
 * caps), interface rows, rollups, kernel map drops when they grew, alert
 * events and the session totals, in one transaction. Returns 0 when
 * everything is on disk, 1 when it waits in memory (locked, disk full or
 * under the free-space watermark: a one-line message is printed once per
 * outage), or -ENOMEM.
 */
int store_tick(struct store *st, const struct snapshot *s, const struct alert_event *events,
	       size_t nevents);

/* Try to write what waits in memory; same returns as store_tick. */
int store_flush(struct store *st);

/*
 * Flush (retrying for up to wait_s seconds) and close the session with its
 * totals and end time. Returns 0, or 1 if some ticks could not be written.
 */
int store_session_end(struct store *st, double wait_s);

/*
 * What each process name moved today (the UTC day of now: upload + download
 * payload from the daily rollup) and whether today's daily_quota alert is on
 * record for it. fn is called once per name; a nonzero return stops the walk
 * and is returned. Lets a restarted nethound go on counting the day's quota.
 * Returns 0, fn's return, or a positive SQLite result code.
 */
int store_day_usage(struct store *st, time_t now,
		    int (*fn)(void *ctx, const char *comm, uint64_t bytes, bool quota_raised),
		    void *ctx);

/* The path was found to name another file than the one opened: nothing is written since. */
bool store_replaced(const struct store *st);

/* Seconds of ticks waiting in memory. */
size_t store_pending_ticks(const struct store *st);
const char *store_path(const struct store *st);

void store_close(struct store *st);

/* 'YYYY-MM-DD HH:MM:SS' UTC, the database's time format; buf needs 20 bytes. */
void store_format_time(time_t t, char *buf, size_t len);

#endif
