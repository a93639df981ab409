/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every sampling loop shares: SIGINT/SIGTERM only set a flag (so the
 * loop ends cleanly and restores what it changed), and ticks are scheduled
 * on absolute CLOCK_MONOTONIC deadlines so they do not drift.
 */
#ifndef NETHOUND_RUNLOOP_H
#define NETHOUND_RUNLOOP_H

#include <stdbool.h>
#include <time.h>

/* No SA_RESTART: a sleep or poll must end early when a signal asks us to stop. */
void runloop_install_stop_handlers(void);
bool runloop_stop_requested(void);

void runloop_add_seconds(struct timespec *ts, double seconds);

/* Sleep until an absolute CLOCK_MONOTONIC time or until a stop signal. */
void runloop_sleep_until(const struct timespec *deadline);

/* Milliseconds from now (CLOCK_MONOTONIC) to deadline, 0 if it has passed. */
int runloop_ms_until(const struct timespec *deadline);

#endif
