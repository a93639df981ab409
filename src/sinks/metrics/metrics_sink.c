// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/exitcodes.h"
#include "pipeline/pipeline.h"
#include "sinks/metrics/metrics_http.h"
#include "sinks/metrics/metrics_model.h"
#include "sinks/metrics/metrics_sink.h"

struct metrics_sink {
	struct metrics_sink_config cfg;
	struct metrics_state state;
	struct metrics_http *http;
	struct pipeline *pipeline;
	uint64_t generation;
	double start_time;
	metrics_backlog_fn *backlog;
	const void *backlog_ctx;
};

void metrics_sink_set_backlog(struct metrics_sink *m, metrics_backlog_fn *fn, const void *ctx)
{
	m->backlog = fn;
	m->backlog_ctx = ctx;
}

int metrics_sink_open(struct metrics_sink **out, const struct metrics_sink_config *cfg, char *err,
		      size_t errlen)
{
	struct metrics_sink *m = calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (!m) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	m->cfg = *cfg;
	m->cfg.addr = NULL; /* the caller's; only needed to bind */
	metrics_state_init(&m->state, cfg->max_series);
	rc = metrics_http_start(&m->http, cfg->addr, cfg->addrlen, err, errlen);
	if (rc) {
		metrics_state_free(&m->state);
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void metrics_sink_free(struct metrics_sink *m)
{
	if (!m)
		return;
	metrics_http_stop(m->http);
	metrics_state_free(&m->state);
	free(m);
}

static int publish(struct metrics_sink *m)
{
	struct metrics_frame *f =
	    metrics_frame_new(&m->state, ++m->generation, pipeline_hooks(m->pipeline),
			      pipeline_tc(m->pipeline), m->start_time);

	if (!f)
		return -ENOMEM;
	metrics_http_publish(m->http, f);
	return 0;
}

static int metrics_sink_start(void *ctx, struct pipeline *p, char *err, size_t errlen)
{
	struct metrics_sink *m = ctx;
	struct timespec now;

	m->pipeline = p;
	clock_gettime(CLOCK_REALTIME, &now);
	m->start_time = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	if (publish(m)) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	return 0;
}

static int metrics_sink_tick(void *ctx, const struct sink_tick *t)
{
	struct metrics_sink *m = ctx;
	struct pipeline_program progs[METRICS_PROGRAMS_MAX];
	struct metrics_program out[METRICS_PROGRAMS_MAX];
	struct metrics_extra extra = {
	    .tick_seconds = pipeline_last_tick_seconds(m->pipeline),
	    .has_backlog = m->backlog != NULL,
	    .backlog = m->backlog ? m->backlog(m->backlog_ctx) : 0,
	    .programs = out,
	};

	/* A handful of bpf(BPF_OBJ_GET_INFO_BY_FD) calls: one per loaded program. */
	extra.nprograms = pipeline_programs(m->pipeline, progs, METRICS_PROGRAMS_MAX);
	for (size_t i = 0; i < extra.nprograms; i++) {
		_Static_assert(sizeof(out[i].name) == sizeof(progs[i].name),
			       "program names differ");
		memcpy(out[i].name, progs[i].name, sizeof(out[i].name));
		out[i].name[sizeof(out[i].name) - 1] = '\0';
		out[i].run_time_ns = progs[i].run_time_ns;
		out[i].run_cnt = progs[i].run_cnt;
	}
	if (metrics_state_update(&m->state, t->snap, t->running, &extra) || publish(m))
		return -ENOMEM;
	return SINK_CONTINUE;
}

struct sink metrics_sink(struct metrics_sink *m)
{
	return (struct sink){
	    .name = "metrics",
	    .ctx = m,
	    .start = metrics_sink_start,
	    .tick = metrics_sink_tick,
	};
}
