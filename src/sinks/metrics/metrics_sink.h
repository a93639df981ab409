/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The metrics sink: each tick adds the snapshot's bytes to counters that
 * only grow, copies them into a frame and hands the frame to the HTTP
 * server's thread (metrics_http). See the README's Metrics section.
 */
#ifndef NETHOUND_METRICS_SINK_H
#define NETHOUND_METRICS_SINK_H

#include <stddef.h>
#include <sys/socket.h>

#include "pipeline/sink.h"
#include "sinks/metrics/metrics_http.h"

struct metrics_sink_config {
	const struct sockaddr *addr;
	socklen_t addrlen;
	size_t max_series; /* process series (and interface series) kept each */
	const struct metrics_http_route *route; /* more pages on the server; NULL: none */
};

/* Ticks waiting for the database (the store sink's backlog). */
typedef size_t metrics_backlog_fn(const void *ctx);

struct metrics_sink;

/*
 * Bind the listener and start its thread (serving 503 until the first
 * tick). Call before loading: a taken port fails fast, and binding needs no
 * privilege kept afterwards. 0 or an NH_EXIT_* code with cause and remedy in err.
 */
int metrics_sink_open(struct metrics_sink **out, const struct metrics_sink_config *cfg, char *err,
		      size_t errlen);
/* Report the database's backlog through fn(ctx) from the next tick on. */
void metrics_sink_set_backlog(struct metrics_sink *m, metrics_backlog_fn *fn, const void *ctx);
/* Stop the server and free; NULL is fine. */
void metrics_sink_free(struct metrics_sink *m);
struct sink metrics_sink(struct metrics_sink *m);

#endif
