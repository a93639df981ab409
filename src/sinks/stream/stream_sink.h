/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* dump and the non-interactive live mode: each tick printed as JSON or a table. */
#ifndef NETHOUND_STREAM_SINK_H
#define NETHOUND_STREAM_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/sink.h"

struct stream_config {
	FILE *out;
	bool json;         /* else the readable table */
	bool clear_screen; /* the table repainted in place on a terminal */
	uint64_t count;    /* documents to print, then stop; 0 = until stopped */
};

struct stream_sink;

struct stream_sink *stream_sink_new(const struct stream_config *cfg);
void stream_sink_free(struct stream_sink *s);
struct sink stream_sink(struct stream_sink *s);

#endif
