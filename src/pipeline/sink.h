/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a sink is: something the pipeline hands every tick to (the live view,
 * the JSON stream, the database, later metrics and capture files). A sink
 * reads the snapshot and the tick's alert events; it never reads BPF maps.
 * Every callback but tick may be NULL.
 */
#ifndef NETHOUND_SINK_H
#define NETHOUND_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include "alerts/alerts.h"
#include "core/snapshot.h"

struct pipeline;

/* What a sink's tick and input callbacks return besides a negative errno. */
enum sink_status {
	SINK_CONTINUE = 0,
	SINK_STOP = 1, /* this sink is done (dump printed its count, q in the live view) */
};

/* One event of a stream (a captured packet, for instance), valid during the call. */
struct stream_event {
	const char *stream; /* the stream's name */
	const void *data;
	size_t len;
};

struct sink_tick {
	const struct snapshot *snap; /* the selected processes, with active alerts */
	const struct alert_event *events; /* raised and cleared in this tick */
	size_t nevents;
	bool running; /* false while monitoring is stopped (S in the live view) */
	double now;   /* CLOCK_MONOTONIC seconds of the tick */
};

struct sink {
	const char *name;
	void *ctx;
	/*
	 * After the programs are attached, before the first tick. Returns 0 or
	 * an NH_EXIT_* code with a one-line cause and remedy in err.
	 */
	int (*start)(void *ctx, struct pipeline *p, char *err, size_t errlen);
	/* SINK_CONTINUE, SINK_STOP, or a negative errno that ends the run as a failure. */
	int (*tick)(void *ctx, const struct sink_tick *t);
	/*
	 * A descriptor the loop waits on between ticks (-1: none), and what to
	 * do when it is ready, hung up (the terminal went away), or when a
	 * signal interrupted the wait (a resize). Same returns as tick.
	 */
	int (*fd)(void *ctx);
	int (*input)(void *ctx, struct pipeline *p, bool hangup);
	/* Each event of the pipeline's streams, as it arrives between ticks. Same returns as tick. */
	int (*event)(void *ctx, const struct stream_event *ev);
	/* Flush and end; returns an NH_EXIT_* code (0 when everything was kept). */
	int (*finish)(void *ctx);
};

#endif
