// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/exitcodes.h"
#include "pipeline/pipeline.h"
#include "sinks/store/store.h"
#include "sinks/store/store_sink.h"

/* On the way out, a locked or full database gets this long to take the last ticks. */
#define FINAL_FLUSH_WAIT_S 10.0

struct store_sink {
	struct store_sink_config cfg;
	struct store *store;
	struct pipeline *pipeline;
	bool in_session;
	bool quota_to_seed; /* not yet told what today's earlier runs moved */
	pid_t other_writer;
	int result; /* NH_EXIT_FAILURE once ticks were lost; NH_EXIT_DATABASE if the file was replaced */
};

int store_sink_open(struct store_sink **out, const struct store_sink_config *cfg, char *err,
		    size_t errlen)
{
	struct store_sink *s = calloc(1, sizeof(*s));
	struct store_config store_cfg = {
		.path = cfg->path,
		.retention_days = cfg->retention_days,
		.trust_owner = cfg->trust_owner,
		.rows_per_tick = cfg->rows_per_tick,
		.names_per_hour = cfg->names_per_hour,
		.min_free = cfg->min_free,
	};
	int rc;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	s->cfg = *cfg;
	s->quota_to_seed = cfg->seed_quota;
	rc = store_open(&s->store, &store_cfg, err, errlen);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void store_sink_free(struct store_sink *s)
{
	if (!s)
		return;
	store_close(s->store);
	free(s);
}

struct quota_seed {
	struct alerts *alerts;
	time_t now; /* the day read and the day seeded must be the same */
};

static int seed_one(void *ctx, const char *comm, uint64_t bytes, bool quota_raised)
{
	const struct quota_seed *seed = ctx;

	return alerts_seed_quota(seed->alerts, seed->now, comm, bytes, quota_raised);
}

/*
 * Once per run, as the first session begins: the daily quota goes on from
 * what the database holds for today, so restarting nethound (or the
 * service) does not hand every process a fresh quota or repeat its alert.
 */
static void seed_quota(struct store_sink *s)
{
	struct quota_seed seed = { .alerts = pipeline_alerts(s->pipeline), .now = time(NULL) };
	int rc;

	if (!s->quota_to_seed)
		return;
	s->quota_to_seed = false;
	rc = store_day_usage(s->store, seed.now, seed_one, &seed);
	if (rc)
		fprintf(stderr,
			"nethound: cannot read today's traffic from %s (%s); daily quotas count "
			"from now\n",
			store_path(s->store), rc < 0 ? strerror(-rc) : sqlite3_errstr(rc));
}

static int session_begin(struct store_sink *s, char *err, size_t errlen)
{
	struct store_session_info info = {
		.mode = s->cfg.mode,
		.hooks = pipeline_hooks(s->pipeline),
		.tc = pipeline_tc(s->pipeline),
	};
	int rc = store_session_begin(s->store, &info, &s->other_writer, err, errlen);

	if (rc == 0) {
		s->in_session = true;
		seed_quota(s);
	}
	return rc;
}

static void session_end(struct store_sink *s)
{
	if (s->in_session && store_session_end(s->store, FINAL_FLUSH_WAIT_S))
		s->result = store_replaced(s->store) ? NH_EXIT_DATABASE : NH_EXIT_FAILURE;
	s->in_session = false;
}

static int store_sink_start(void *ctx, struct pipeline *p, char *err, size_t errlen)
{
	struct store_sink *s = ctx;
	int rc;

	s->pipeline = p;
	rc = session_begin(s, err, errlen);
	if (rc == 0) {
		if (s->cfg.announce)
			fprintf(stderr,
				"nethound: recording to %s (hooks %s, tc %s) until SIGINT or SIGTERM\n",
				store_path(s->store), pipeline_hooks(p), pipeline_tc(p));
		return 0;
	}
	if (rc == -EBUSY && !s->cfg.refuse_if_busy)
		return 0; /* the live view goes on, not logging; its status bar says why */
	return rc == -ENOMEM ? NH_EXIT_FAILURE : NH_EXIT_DATABASE;
}

static int store_sink_tick(void *ctx, const struct sink_tick *t)
{
	struct store_sink *s = ctx;
	char err[512];

	/* Stopping monitoring ends the session; starting again begins a new one. */
	if (!t->running) {
		session_end(s);
		return SINK_CONTINUE;
	}
	if (!s->in_session && !s->other_writer) {
		if (session_begin(s, err, sizeof(err)) && !s->other_writer)
			fprintf(stderr, "%s\n", err);
	}
	if (s->in_session && store_tick(s->store, t->snap, t->events, t->nevents) < 0)
		return -ENOMEM;
	return SINK_CONTINUE;
}

static int store_sink_finish(void *ctx)
{
	struct store_sink *s = ctx;

	session_end(s);
	return s->result;
}

struct sink store_sink(struct store_sink *s)
{
	return (struct sink){
		.name = "store",
		.ctx = s,
		.start = store_sink_start,
		.tick = store_sink_tick,
		.finish = store_sink_finish,
	};
}

const char *store_sink_path(const struct store_sink *s)
{
	return s ? store_path(s->store) : NULL;
}

pid_t store_sink_other_writer(const struct store_sink *s)
{
	return s ? s->other_writer : 0;
}

size_t store_sink_pending(const struct store_sink *s)
{
	return s ? store_pending_ticks(s->store) : 0;
}
