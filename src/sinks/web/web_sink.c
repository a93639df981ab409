// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tick's side of the dashboard: render the snapshot once per tick, hand
 * it to the server's thread, wake the event streams, and apply the controls
 * the server's thread queued. The tick only takes the lock for a pointer
 * swap and a few resumes; it never waits for a client.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/exitcodes.h"
#include "pipeline/pipeline.h"
#include "sinks/stream/output.h"
#include "sinks/web/web_internal.h"

void web_blob_release(struct web *w, struct web_blob *b)
{
	bool last;

	if (!b)
		return;
	pthread_mutex_lock(&w->lock);
	last = --b->refs == 0;
	pthread_mutex_unlock(&w->lock);
	if (last)
		free(b);
}

/* Under w->lock: the latest snapshot with a reference for the caller, or NULL. */
struct web_blob *web_latest_locked(struct web *w)
{
	if (w->latest)
		w->latest->refs++;
	return w->latest;
}

int web_open(struct web **out, const struct web_config *cfg, char *err, size_t errlen)
{
	unsigned char raw[WEB_TOKEN_BYTES];
	struct web *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	w->cfg = *cfg;
	w->threshold = cfg->threshold;
	w->running = true;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		snprintf(err, errlen, "nethound: no random bytes for the web token (%s)",
			 strerror(errno));
		free(w);
		return NH_EXIT_FAILURE;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(w->token + 2 * i, 3, "%02x", raw[i]);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		snprintf(err, errlen, "nethound: eventfd for the web controls: %s",
			 strerror(errno));
		free(w);
		return NH_EXIT_FAILURE;
	}
	pthread_mutex_init(&w->lock, NULL);
	web_routes_init(w);
	if (cfg->auth_path) {
		int rc = web_auth_load(w, cfg->auth_path, err, errlen);

		if (rc) {
			web_free(w);
			return rc;
		}
	}
	*out = w;
	return 0;
}

const char *web_token(const struct web *w)
{
	return w->cfg.read_only ? NULL : w->token;
}

const struct metrics_http_route *web_route(struct web *w)
{
	return &w->route;
}

void web_free(struct web *w)
{
	if (!w)
		return;
	/* The server has stopped: every stream's response, and its reference, is gone. */
	if (w->latest && --w->latest->refs == 0)
		free(w->latest);
	if (w->baseline && --w->baseline->refs == 0)
		free(w->baseline);
	close(w->efd);
	pthread_mutex_destroy(&w->lock);
	free(w->auth_user); /* the hash lives in the same allocation */
	free(w->crypt);
	free(w->auth_passed);
	free(w);
}

/* Called by the server's thread: remember what to do, wake the tick's thread. */
void web_queue_control(struct web *w, enum web_control what, double threshold)
{
	uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	if (what == WEB_CONTROL_THRESHOLD) {
		w->want_threshold = threshold;
		w->want_threshold_set = true;
		w->threshold = threshold;
	} else {
		w->want_running = what == WEB_CONTROL_START;
		w->want_running_set = true;
		w->running = w->want_running;
	}
	pthread_mutex_unlock(&w->lock);
	/* A full counter still wakes the loop; nothing to do on EAGAIN. */
	if (write(w->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		fprintf(stderr, "nethound: waking the tick for a web control: %s\n",
			strerror(errno));
}

static int web_sink_fd(void *ctx)
{
	struct web *w = ctx;

	return w->efd;
}

static int web_sink_input(void *ctx, struct pipeline *p, bool hangup)
{
	struct web *w = ctx;
	bool set_running, set_threshold, running;
	double threshold;
	uint64_t n;

	(void)hangup;
	if (read(w->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -errno;
	pthread_mutex_lock(&w->lock);
	set_running = w->want_running_set;
	running = w->want_running;
	set_threshold = w->want_threshold_set;
	threshold = w->want_threshold;
	w->want_running_set = w->want_threshold_set = false;
	pthread_mutex_unlock(&w->lock);
	/* The store sink ends or begins its session on the next tick, as with S in the live view.
	 */
	if (set_running && running != pipeline_running(p)) {
		pipeline_set_running(p, running);
		fprintf(stderr, "nethound: monitoring %s from the web dashboard\n",
			running ? "started" : "stopped");
	}
	if (set_threshold)
		pipeline_set_process_threshold(p, threshold);
	return SINK_CONTINUE;
}

static int web_sink_tick(void *ctx, const struct sink_tick *t)
{
	struct web *w = ctx;
	struct web_blob *b, *old;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	output_json(f, t->snap);
	if (fclose(f) || !buf) {
		free(buf);
		return -ENOMEM;
	}
	b = malloc(sizeof(*b) + len);
	if (!b) {
		free(buf);
		return -ENOMEM;
	}
	b->refs = 1; /* latest's */
	b->len = len;
	memcpy(b->data, buf, len);
	free(buf);

	pthread_mutex_lock(&w->lock);
	old = w->latest;
	b->generation = ++w->generation;
	w->latest = b;
	w->tick_running = t->running;
	web_streams_wake_locked(w);
	pthread_mutex_unlock(&w->lock);
	web_blob_release(w, old);
	return SINK_CONTINUE;
}

struct sink web_sink(struct web *w)
{
	return (struct sink){
	    .name = "web",
	    .ctx = w,
	    .tick = web_sink_tick,
	    .fd = web_sink_fd,
	    .input = web_sink_input,
	};
}
