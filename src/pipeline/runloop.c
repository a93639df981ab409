// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>

#include "pipeline/runloop.h"

static volatile sig_atomic_t stop_requested;
static sigset_t wait_mask; /* the mask while waiting: stop signals let through */

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void runloop_install_stop_handlers(void)
{
	struct sigaction sa;
	sigset_t stop;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed terminal ends the run as cleanly as Ctrl-C: the last tick is kept. */
	sigaction(SIGHUP, &sa, NULL);
	/* 'nethound dump | head': a write fails with EPIPE and the sink ends the run. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Stop signals are blocked except inside the wait (ppoll with
	 * wait_mask), so one that comes between the check of the flag and the
	 * wait interrupts the wait at once instead of being noticed an interval
	 * later (up to an hour with -d 3600).
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGHUP);
}

const sigset_t *runloop_wait_mask(void)
{
	return &wait_mask;
}

bool runloop_stop_requested(void)
{
	return stop_requested;
}

void runloop_add_seconds(struct timespec *ts, double seconds)
{
	double whole = floor(seconds);

	ts->tv_sec += (time_t)whole;
	ts->tv_nsec += (long)((seconds - whole) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

bool runloop_time_until(const struct timespec *deadline, struct timespec *left)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left->tv_sec = deadline->tv_sec - now.tv_sec;
	left->tv_nsec = deadline->tv_nsec - now.tv_nsec;
	if (left->tv_nsec < 0) {
		left->tv_sec--;
		left->tv_nsec += 1000000000L;
	}
	if (left->tv_sec < 0 || (left->tv_sec == 0 && left->tv_nsec == 0)) {
		left->tv_sec = 0;
		left->tv_nsec = 0;
		return false;
	}
	return true;
}
