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

struct store;

/*
 * Open (creating, mode 0600, never through a symlink) the database at path
 * for writing and bring its schema up to date. Refuses files that are not
 * nethound databases, databases from a newer nethound, and read-only files.
 * Returns 0 or an NH_EXIT_* code with a one-line cause and remedy in err.
 */
int store_open(struct store **out, const char *path, unsigned retention_days, char *err,
	       size_t errlen);

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
 * Add one tick: a traffic_log row per process that moved bytes, interface
 * rows, rollups, alert events and the session totals, in one transaction.
 * Returns 0 when everything is on disk, 1 when it waits in memory (locked,
 * disk full: a one-line message is printed once per outage), or -ENOMEM.
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

/* Seconds of ticks waiting in memory. */
size_t store_pending_ticks(const struct store *st);
const char *store_path(const struct store *st);

void store_close(struct store *st);

/* 'YYYY-MM-DD HH:MM:SS' UTC, the database's time format; buf needs 20 bytes. */
void store_format_time(time_t t, char *buf, size_t len);

#endif
