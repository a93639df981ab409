/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What happens to each snapshot after collection in record and the live
 * view: alerts are judged, written with the traffic to the database, run
 * through --alert-exec and, for the service, printed on stderr.
 */
#ifndef NETHOUND_HISTORY_H
#define NETHOUND_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "alerts/alerts.h"
#include "settings/cli.h"
#include "core/snapshot.h"

struct history;

/*
 * Open the database (unless opts->no_db), the alert engine and the alert
 * command. Returns 0 or an NH_EXIT_* code with a one-line message in err.
 */
int history_open(struct history **out, const struct options *opts, bool alerts_to_stderr,
		 char *err, size_t errlen);

/*
 * Begin a session. If another nethound already logs to the database,
 * returns -EBUSY with its pid in *other (the caller decides: the live view
 * goes on without logging, record refuses). Returns 0 or a negative errno
 * with a message in err.
 */
int history_begin(struct history *h, const char *mode, const char *hooks, const char *tc,
		  pid_t *other, char *err, size_t errlen);

/*
 * Judge and log one snapshot; sets s->alerts/s->nalerts to the active
 * alerts. Returns the events of this tick (count in *nevents). Errors are
 * only -ENOMEM: database trouble waits in memory.
 */
const struct alert_event *history_tick(struct history *h, struct snapshot *s, size_t *nevents,
				       int *rc);

/* End the session (S in the live view, or quitting): 0, or 1 if ticks were lost. */
int history_end(struct history *h);

bool history_logging(const struct history *h);
const char *history_db_path(const struct history *h);
size_t history_pending(const struct history *h);
void history_set_process_threshold(struct history *h, double bytes_per_second);

/* Ends a running session and frees everything; returns history_end's result. */
int history_close(struct history *h);

#endif
