/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rates over a sliding window (--window SECS), once per tick for every sink:
 * the second seed's "detailed mode" (-w 5.0). Each process and interface
 * keeps the bytes of its last WINDOW_SLOTS_MAX slots; a window of up to that
 * many ticks is exact, a longer one is counted in slots of window/slots.
 */
#ifndef NETHOUND_WINDOW_H
#define NETHOUND_WINDOW_H

#include "core/snapshot.h"

#define WINDOW_SLOTS_MAX 30

struct window_rates;

/* window and interval in seconds; NULL with errno set on failure. */
struct window_rates *window_new(double window, double interval, double now);
void window_free(struct window_rates *w);

/*
 * Fill s->window, s->totals_window and each process's and interface's window
 * rates from this tick's interval bytes; now is the monotonic time of the
 * tick. Rows absent from s are forgotten. 0 or -ENOMEM.
 */
int window_update(struct window_rates *w, struct snapshot *s, double now);

#endif
