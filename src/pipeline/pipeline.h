/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one tick loop every command runs: load and attach (the loader), keep
 * attachment up to date between ticks, collect a snapshot, select the
 * processes asked for, compute window rates, judge alerts and run their
 * actions, then hand snapshot and events to each sink. dump, record and the
 * live view differ only in their sinks.
 */
#ifndef NETHOUND_PIPELINE_H
#define NETHOUND_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts/alerts.h"
#include "kernel/loader.h"
#include "pipeline/selection.h"
#include "pipeline/sink.h"

#define PIPELINE_MAX_SINKS 8
#define PIPELINE_MAX_STREAMS 4

/*
 * A stream of events beside the snapshots (a BPF ring buffer of captured
 * packets): the loop waits on its descriptor with the sinks' and, when it is
 * ready (and once more before the end, and before the sinks finish), drains
 * it; each event goes to every sink with an event callback. Events are not
 * held for the tick. A drain never blocks: it may find nothing ready.
 */
struct pipeline_stream {
	const char *name;
	void *ctx;
	int (*fd)(void *ctx);
	/* Hand every ready event to emit (which returns SINK_*); returns events drained or -errno. */
	int (*drain)(void *ctx, int (*emit)(void *pctx, const void *data, size_t len), void *pctx);
	void (*close)(void *ctx); /* called by pipeline_close */
};

struct pipeline_config {
	struct loader_config loader;
	struct selection_config selection;
	double interval;   /* seconds between ticks */
	double window;     /* seconds the window rates cover */
	struct alert_config alerts;
	const char *alert_exec; /* command run for each alert event; NULL: none */
	const char *alert_exec_user; /* runs it; NULL: ALERT_EXEC_DEFAULT_USER */
	double alert_exec_timeout;   /* seconds; 0: ALERT_EXEC_DEFAULT_TIMEOUT_S */
	bool alerts_to_stderr;  /* print each event on stderr (the service) */
	bool rdns;              /* look up host names of peers */
};

/*
 * Where snapshots come from: the loader and collector on a real kernel, or a
 * test's own generator. maintain runs before each tick (interface rescans,
 * TC re-attachment); collect returns the interval's snapshot, valid until the
 * next call, or NULL with errno set.
 */
struct pipeline_program {
	char name[64];
	uint64_t run_time_ns; /* cumulative; grow only while kernel.bpf_stats_enabled is on */
	uint64_t run_cnt;
};

struct pipeline_source {
	void *ctx;
	int (*maintain)(void *ctx);
	const struct snapshot *(*collect)(void *ctx);
	void (*close)(void *ctx);
	/*
	 * The loaded programs' run statistics, at most max of them; NULL: none
	 * (fake sources). Returns how many are loaded (more than max: call again).
	 */
	size_t (*programs)(void *ctx, struct pipeline_program *out, size_t max);
	const char *hooks; /* tier in use */
	const char *tc;    /* "tcx", "netlink" or "off" */
};

struct pipeline;

/* A pipeline over any source (the tests' fake one); takes ownership of src. */
int pipeline_open_source(struct pipeline **out, const struct pipeline_config *cfg,
			 const struct pipeline_source *src, char *err, size_t errlen);

/*
 * Check the settings, start what needs no privileges, then load and attach.
 * Returns 0 or an NH_EXIT_* code with a one-line cause and remedy in err.
 */
int pipeline_open(struct pipeline **out, const struct pipeline_config *cfg, char *err,
		  size_t errlen);

/* Sinks are started in the order added and ticked in that order. 0 or -ENOSPC. */
int pipeline_add_sink(struct pipeline *p, const struct sink *sink);

/* A stream of events; the pipeline owns it from here (closed by pipeline_close). 0 or -ENOSPC. */
int pipeline_add_stream(struct pipeline *p, const struct pipeline_stream *stream);

struct capture_filter;
/*
 * Capture the packets the filter asks for: a stream named PACKET_STREAM
 * (core/packet.h) of struct captured_packet events. Needs pipeline_open with
 * loader.capture_ring_bytes set. Returns 0 or an NH_EXIT_* code with a
 * one-line cause and remedy in err.
 */
int pipeline_capture(struct pipeline *p, const struct capture_filter *f, char *err, size_t errlen);
/* Change the running capture's filter. 0, -ENOENT (no capture) or -EINVAL. */
int pipeline_capture_set(struct pipeline *p, const struct capture_filter *f);

/*
 * An alert action of a sink's (capture on alert): called with each tick's
 * events before any sink sees them, and may fill their capture_file.
 */
void pipeline_on_alert_events(struct pipeline *p,
			      void (*fn)(void *ctx, struct alert_event *events, size_t n),
			      void *ctx);

/*
 * Start the sinks, then tick every interval until a stop signal (after a
 * last tick for the partial interval, so nothing counted is lost), until a
 * sink says SINK_STOP, or on failure. Returns an NH_EXIT_* code.
 */
int pipeline_run(struct pipeline *p);

/* One tick now, for tests and for run; SINK_CONTINUE, SINK_STOP or -errno. */
int pipeline_tick(struct pipeline *p);

/* Finish every started sink, then detach and free. Returns the worst NH_EXIT_* of the sinks. */
int pipeline_close(struct pipeline *p);

/* Controls a sink may use (the live view's keys, later the web dashboard). */
void pipeline_set_running(struct pipeline *p, bool running);
bool pipeline_running(const struct pipeline *p);
void pipeline_set_process_threshold(struct pipeline *p, double bytes_per_second);

const char *pipeline_hooks(const struct pipeline *p);
const char *pipeline_tc(const struct pipeline *p);
/* Seconds the last complete tick took (collect, alerts, every sink); < 0 before one. */
double pipeline_last_tick_seconds(const struct pipeline *p);
/* Run statistics of the loaded BPF programs (at most max); returns how many are loaded. */
size_t pipeline_programs(struct pipeline *p, struct pipeline_program *out, size_t max);
/* For a sink that restores alert state (the store seeds daily quotas). */
struct alerts *pipeline_alerts(struct pipeline *p);

#endif
