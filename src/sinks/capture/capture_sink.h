/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nethound capture: the packets of the pipeline's capture stream written to
 * a pcapng file (pcapng.h), a text log (text_log.h), or both, each packet
 * labelled with its process (packet_label.h). Stops after count packets or
 * duration seconds; at the end, what the ring lost goes into the file (an
 * Interface Statistics Block per interface) and onto stderr.
 */
#ifndef NETHOUND_CAPTURE_SINK_H
#define NETHOUND_CAPTURE_SINK_H

#include <stdint.h>
#include <stdio.h>

#include "pipeline/sink.h"

struct capture_config {
	FILE *pcapng;		 /* NULL: no pcapng output */
	const char *pcapng_name; /* for messages */
	FILE *text;		 /* NULL: no text log */
	const char *text_name;
	uint32_t snaplen; /* written in each Interface Description Block */
	uint64_t count;	  /* packets, then stop; 0: no limit */
	double duration;  /* seconds, then stop; 0: no limit */
	FILE *report;	  /* the summary at the end (stderr) */
};

struct capture_sink;

struct capture_sink *capture_sink_new(const struct capture_config *cfg);
struct sink capture_sink(struct capture_sink *s);
/* Packets written so far. */
uint64_t capture_sink_packets(const struct capture_sink *s);
void capture_sink_free(struct capture_sink *s);

#endif
