/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The live view as a sink: it owns the terminal, answers keys between ticks,
 * and draws the model after each tick. Stopping (S) and the threshold (T)
 * go to the pipeline, so the database and the alerts follow them.
 */
#ifndef NETHOUND_LIVE_SINK_H
#define NETHOUND_LIVE_SINK_H

#include "pipeline/sink.h"
#include "sinks/store/store_sink.h"

struct live_config {
	double threshold;         /* the process alert threshold shown; 0 = the model's default */
	struct store_sink *store; /* for the status bar; NULL: not logging */
	const char *web_url;	  /* the dashboard's address for the help; NULL: none */
};

struct live_sink;

/*
 * The terminal is taken when the pipeline starts the sink. Returns 0 or an
 * NH_EXIT_* code with a one-line message in err.
 */
int live_sink_open(struct live_sink **out, const struct live_config *cfg, char *err,
		   size_t errlen);
/* Gives the terminal back (if finish has not) and frees. */
void live_sink_free(struct live_sink *l);
struct sink live_sink(struct live_sink *l);

#endif
