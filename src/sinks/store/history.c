// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts/alert_exec.h"
#include "core/exitcodes.h"
#include "sinks/store/history.h"
#include "sinks/store/store.h"

/* On the way out, a locked or full database gets this long to take the last ticks. */
#define FINAL_FLUSH_WAIT_S 10.0

struct history {
	struct store *store; /* NULL: --no-db */
	bool in_session;
	struct alerts *alerts;
	struct alert_exec *exec;
	bool alerts_to_stderr;
	bool quota_to_seed; /* a daily quota, not yet told what today's earlier runs moved */
};

int history_open(struct history **out, const struct options *opts, bool alerts_to_stderr,
		 char *err, size_t errlen)
{
	struct history *h = calloc(1, sizeof(*h));
	int rc;

	*out = NULL;
	if (!h) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	h->alerts_to_stderr = alerts_to_stderr;
	h->quota_to_seed = opts->alerts.daily_quota != 0;
	h->alerts = alerts_new(&opts->alerts, opts->interval);
	if (!h->alerts) {
		snprintf(err, errlen, "nethound: out of memory");
		history_close(h);
		return NH_EXIT_FAILURE;
	}
	if (opts->alert_exec) {
		h->exec = alert_exec_new(opts->alert_exec, err, errlen);
		if (!h->exec) {
			history_close(h);
			return NH_EXIT_USAGE;
		}
	}
	if (!opts->no_db) {
		rc = store_open(&h->store, opts->db_path ? opts->db_path : STORE_DEFAULT_PATH,
				opts->retention_days, err, errlen);
		if (rc) {
			history_close(h);
			return rc;
		}
	}
	*out = h;
	return 0;
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
static void seed_quota(struct history *h)
{
	struct quota_seed seed = {.alerts = h->alerts, .now = time(NULL)};
	int rc;

	if (!h->quota_to_seed)
		return;
	h->quota_to_seed = false;
	rc = store_day_usage(h->store, seed.now, seed_one, &seed);
	if (rc)
		fprintf(stderr,
			"nethound: cannot read today's traffic from %s (%s); daily quotas count "
			"from now\n",
			store_path(h->store), rc < 0 ? strerror(-rc) : sqlite3_errstr(rc));
}

int history_begin(struct history *h, const char *mode, const char *hooks, const char *tc,
		  pid_t *other, char *err, size_t errlen)
{
	struct store_session_info info = {.mode = mode, .hooks = hooks, .tc = tc};
	int rc;

	*other = 0;
	if (!h->store || h->in_session)
		return 0;
	rc = store_session_begin(h->store, &info, other, err, errlen);
	if (rc == 0) {
		h->in_session = true;
		seed_quota(h);
	}
	return rc;
}

static void print_events(const struct alert_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char line[256], when[32];
		struct tm tm;

		alert_event_format(&events[i], line, sizeof(line));
		localtime_r(&events[i].when, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s alert %s\n", when, line);
	}
}

const struct alert_event *history_tick(struct history *h, struct snapshot *s, size_t *nevents,
				       int *rc)
{
	const struct alert_event *events = alerts_update(h->alerts, s, nevents);

	*rc = 0;
	if (!events && errno == ENOMEM) {
		*rc = -ENOMEM;
		return NULL;
	}
	s->alerts = alerts_active(h->alerts, &s->nalerts);
	if (h->alerts_to_stderr)
		print_events(events, *nevents);
	alert_exec_run(h->exec, events, *nevents);
	if (h->in_session && store_tick(h->store, s, events, *nevents) < 0)
		*rc = -ENOMEM;
	return events;
}

int history_end(struct history *h)
{
	int rc;

	if (!h || !h->in_session)
		return 0;
	rc = store_session_end(h->store, FINAL_FLUSH_WAIT_S);
	h->in_session = false;
	return rc;
}

bool history_logging(const struct history *h)
{
	return h && h->in_session;
}

const char *history_db_path(const struct history *h)
{
	return h ? store_path(h->store) : NULL;
}

size_t history_pending(const struct history *h)
{
	return h ? store_pending_ticks(h->store) : 0;
}

void history_set_process_threshold(struct history *h, double bytes_per_second)
{
	alerts_set_process_rate(h->alerts, bytes_per_second);
}

int history_close(struct history *h)
{
	int rc;

	if (!h)
		return 0;
	rc = history_end(h);
	store_close(h->store);
	alert_exec_free(h->exec);
	alerts_free(h->alerts);
	free(h);
	return rc;
}
