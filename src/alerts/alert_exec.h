/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --alert-exec: run a command for each alert event, without a shell, with
 * the alert in NETHOUND_* environment variables. It never blocks the tick:
 * children are started with posix_spawn and reaped without waiting, at most
 * a few run at once and a few start per minute; the rest are counted and
 * reported, not queued (a flood of alerts must not become a fork bomb).
 */
#ifndef NETHOUND_ALERT_EXEC_H
#define NETHOUND_ALERT_EXEC_H

#include <stddef.h>

#include "alerts/alerts.h"

#define ALERT_EXEC_MAX_RUNNING 4
#define ALERT_EXEC_MAX_PER_MINUTE 10
#define ALERT_EXEC_MAX_ARGS 32

struct alert_exec;

/*
 * Split cmdline into words (whitespace separates, single or double quotes
 * group, no other shell syntax). Returns NULL with a one-line message in err.
 */
struct alert_exec *alert_exec_new(const char *cmdline, char *err, size_t errlen);
void alert_exec_free(struct alert_exec *x);

/* Start the command for each event (as the limits allow) and reap finished ones. */
void alert_exec_run(struct alert_exec *x, const struct alert_event *events, size_t n);

/* Split into at most max words in buf; returns the count or -1. Exposed for tests. */
int alert_exec_split(const char *cmdline, char *buf, size_t buflen, char **words, int max);

#endif
