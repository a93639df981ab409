/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What /metrics shows, without HTTP: counters summed from every tick's
 * snapshot (on the tick's thread), a frame that copies them for the server's
 * thread, and the rendering of a frame in the Prometheus text format or in
 * OpenMetrics. Pure enough to be unit-tested with made-up snapshots.
 */
#ifndef NETHOUND_METRICS_MODEL_H
#define NETHOUND_METRICS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/if.h>

#include "alerts/alerts.h"
#include "core/snapshot.h"
#include "pipeline/pipeline.h"
#include "sinks/metrics/metrics_table.h"

/*
 * The labels of a process series, zero-padded so they compare as bytes.
 * Identity labels (unit, container) are added here and in
 * metrics_process_labels() of metrics_model.c.
 */
#define METRICS_LABEL_LEN 96

struct metrics_process_key {
	char name[NH_COMM_LEN]; /* printable UTF-8 (text_printable) */
	uint32_t uid;
	char unit[METRICS_LABEL_LEN];	   /* "" when none; printable */
	char container[METRICS_LABEL_LEN]; /* the container's name, else its id; "" when none */
};

/*
 * Bytes of a process whose identity is still being looked up (it will be
 * within a tick or two), held so its first bytes land in the series of its
 * unit and container, not in one without them.
 */
struct metrics_held {
	uint32_t pid;
	uint64_t start_ns;
	struct metrics_process_key key; /* name and user: the series if it never resolves */
	uint64_t v[4];
	unsigned ticks; /* how long it has been held */
	bool released;	/* counted in this tick */
};

/* Processes held at most this many ticks, and at most this many at once; then counted as they are. */
#define METRICS_HOLD_TICKS 10
#define METRICS_HOLD_MAX 4096

/* Values of a process series, in this order. */
enum { MP_TX, MP_RX, MP_WIRE_TX, MP_WIRE_RX };
/* Values of an interface series. */
enum { MI_TX, MI_RX, MI_TX_PACKETS, MI_RX_PACKETS, MI_UNATTR_TX, MI_UNATTR_RX };

/* What the tick side knows besides the snapshot (pipeline and other sinks). */
struct metrics_extra {
	double tick_seconds; /* the last tick's duration; < 0: not known yet */
	bool has_backlog;
	uint64_t backlog; /* ticks waiting for the database */
	size_t nprograms;
	const struct pipeline_program *programs;
};

struct metrics_state {
	struct metrics_table procs, ifaces, protocols;
	uint64_t drops[NH_DROP_MAX];
	uint64_t wire_drops[NH_WIRE_DROP_MAX];
	uint64_t alerts_active[ALERT_KIND_MAX];
	uint64_t ticks;
	struct metrics_extra extra; /* extra.programs points to programs */
	struct pipeline_program *programs;
	size_t programs_cap;
	struct metrics_held *held; /* sorted by (pid, start_ns) */
	size_t nheld, held_cap;
};

/* An immutable copy of the state, handed to the server's thread. */
struct metrics_frame {
	uint64_t generation;
	unsigned refs; /* changed only under the owner's lock */
	struct metrics_table procs, ifaces, protocols;
	uint64_t drops[NH_DROP_MAX];
	uint64_t wire_drops[NH_WIRE_DROP_MAX];
	uint64_t alerts_active[ALERT_KIND_MAX];
	uint64_t ticks;
	size_t max_series;
	struct metrics_extra extra;
	struct pipeline_program *programs; /* extra.nprograms of them */
	double start_time;		   /* Unix seconds nethound started counting */
	char hooks[32], tc[16];
};

/* max_series bounds the process and the interface series each. Returns 0 or -ENOMEM. */
int metrics_state_init(struct metrics_state *s, size_t max_series);
void metrics_state_free(struct metrics_state *s);

/* Add one tick's bytes. running false (monitoring stopped): nothing counts. 0 or -ENOMEM. */
int metrics_state_update(struct metrics_state *s, const struct snapshot *snap, bool running,
			 const struct metrics_extra *extra);

/* A frame of the state now, with refs 1; NULL when out of memory. */
struct metrics_frame *metrics_frame_new(const struct metrics_state *s, uint64_t generation,
					const char *hooks, const char *tc, double start_time);
void metrics_frame_free(struct metrics_frame *f);

enum metrics_format {
	METRICS_FORMAT_PROMETHEUS = 0, /* text/plain; version=0.0.4 */
	METRICS_FORMAT_OPENMETRICS,    /* application/openmetrics-text; version=1.0.0 */
};

const char *metrics_content_type(enum metrics_format fmt);

/* The user name of a uid, or NULL if it has none; called from the rendering thread. */
typedef const char *metrics_user_name_fn(void *ctx, uint32_t uid);

struct metrics_text {
	char *buf;
	size_t len, cap;
};

/*
 * The exposition of f in fmt. bpf_stats_enabled: -1 unknown, else 0 or 1.
 * Returns 0 or -ENOMEM; out->buf is the caller's to free.
 */
int metrics_render(const struct metrics_frame *f, enum metrics_format fmt,
		   metrics_user_name_fn *user_name, void *user_ctx, int bpf_stats_enabled,
		   struct metrics_text *out);

/* "a\"b" for label values: backslash, double quote and newline escaped. */
void metrics_escape_label(struct metrics_text *t, const char *s);

#endif
