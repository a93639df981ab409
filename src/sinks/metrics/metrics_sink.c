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
	struct pipeline_program *programs; /* sized by the pipeline's count */
	size_t programs_cap;
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
	rc = metrics_http_start_routed(&m->http, cfg->addr, cfg->addrlen, cfg->route, err, errlen);
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
	free(m->programs);
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

/* Run statistics of every loaded program: a handful of bpf(BPF_OBJ_GET_INFO_BY_FD) calls. */
static int read_programs(struct metrics_sink *m, size_t *n)
{
	*n = pipeline_programs(m->pipeline, m->programs, m->programs_cap);
	if (*n > m->programs_cap) {
		struct pipeline_program *p = realloc(m->programs, *n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		m->programs = p;
		m->programs_cap = *n;
		*n = pipeline_programs(m->pipeline, m->programs, m->programs_cap);
		if (*n > m->programs_cap)
			*n = m->programs_cap;
	}
	return 0;
}

static int metrics_sink_tick(void *ctx, const struct sink_tick *t)
{
	struct metrics_sink *m = ctx;
	struct metrics_extra extra = {
	    .tick_seconds = pipeline_last_tick_seconds(m->pipeline),
	    .has_backlog = m->backlog != NULL,
	    .backlog = m->backlog ? m->backlog(m->backlog_ctx) : 0,
	};

	if (read_programs(m, &extra.nprograms))
		return -ENOMEM;
	extra.programs = m->programs;
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
