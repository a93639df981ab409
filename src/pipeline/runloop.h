/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the tick loop needs: SIGINT/SIGTERM/SIGHUP only set a flag (so the
 * loop ends cleanly and restores what it changed), and ticks are scheduled
 * on absolute CLOCK_MONOTONIC deadlines so they do not drift.
 */
#ifndef NETHOUND_RUNLOOP_H
#define NETHOUND_RUNLOOP_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

/* No SA_RESTART: a poll must end early when a signal asks us to stop. SIGPIPE is ignored. */
void runloop_install_stop_handlers(void);
bool runloop_stop_requested(void);
/* The signal mask to wait with (ppoll): the stop signals, blocked otherwise, let through. */
const sigset_t *runloop_wait_mask(void);

void runloop_add_seconds(struct timespec *ts, double seconds);

/*
 * Time from now (CLOCK_MONOTONIC) to deadline in *left, to the nanosecond
 * (ppoll's timeout: a tick is not late by poll's millisecond rounding).
 * Returns false, with *left zero, once the deadline has passed.
 */
bool runloop_time_until(const struct timespec *deadline, struct timespec *left);

#endif
