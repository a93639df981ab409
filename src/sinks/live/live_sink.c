// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/exitcodes.h"
#include "core/timefmt.h"
#include "pipeline/pipeline.h"
#include "sinks/live/live_sink.h"
#include "sinks/live/tui.h"
#include "sinks/live/tui_model.h"

/*
 * While curses owns the screen, stderr (libbpf, our own warnings) goes to a
 * temporary file: a stray line would scribble over the view. It is shown
 * once the terminal is back.
 */
struct stderr_capture {
	FILE *file;
	int saved;
};

struct live_sink {
	struct live_config cfg;
	struct tui *ui;
	struct tui_model model;
	struct stderr_capture cap;
	bool running;
	bool quitting; /* q typed or the terminal gone: the last tick only logs */
	const char *hooks;
	char db_status[160];
};

static int capture_stderr(struct stderr_capture *c)
{
	c->saved = -1;
	c->file = tmpfile();
	if (!c->file)
		return -errno;
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	if (c->saved < 0 || dup2(fileno(c->file), STDERR_FILENO) < 0) {
		int err = -errno;

		if (c->saved >= 0)
			close(c->saved);
		fclose(c->file);
		c->file = NULL;
		return err;
	}
	return 0;
}

static void release_stderr(struct stderr_capture *c)
{
	char buf[4096];
	size_t n;

	if (!c->file)
		return;
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->file);
	while ((n = fread(buf, 1, sizeof(buf), c->file)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(c->file);
	c->file = NULL;
}

int live_sink_open(struct live_sink **out, const struct live_config *cfg, char *err,
		   size_t errlen)
{
	struct live_sink *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	l->cfg = *cfg;
	l->running = true;
	l->cap = (struct stderr_capture){ .file = NULL, .saved = -1 };
	setlocale(LC_ALL, ""); /* curses draws the sparkline's block characters in UTF-8 */
	tui_model_init(&l->model, monotonic_seconds());
	if (cfg->threshold > 0)
		tui_model_set_threshold(&l->model, cfg->threshold);
	*out = l;
	return 0;
}

/* The status bar's database field: where we log, or why we do not. */
static const char *db_status(struct live_sink *l)
{
	const struct store_sink *st = l->cfg.store;
	const char *path = store_sink_path(st);
	size_t waiting = store_sink_pending(st);

	if (!path)
		return "not logging";
	if (store_sink_other_writer(st))
		snprintf(l->db_status, sizeof(l->db_status), "not logging: pid %d logs to %s",
			 (int)store_sink_other_writer(st), path);
	else if (!l->running)
		snprintf(l->db_status, sizeof(l->db_status), "session ended: %s", path);
	else if (waiting > 1)
		snprintf(l->db_status, sizeof(l->db_status), "db %s (%zu s waiting)", path,
			 waiting);
	else
		snprintf(l->db_status, sizeof(l->db_status), "db %s", path);
	return l->db_status;
}

static void draw(struct live_sink *l)
{
	tui_draw(l->ui, &l->model, l->running, db_status(l));
}

static int live_start(void *ctx, struct pipeline *p, char *err, size_t errlen)
{
	struct live_sink *l = ctx;

	/* Taken only now, so the other sinks' start-up errors print on a plain terminal. */
	l->ui = tui_open();
	if (!l->ui) {
		snprintf(err, errlen,
			 "nethound: cannot use this terminal for the live view (TERM=%s); try --table",
			 getenv("TERM") ? getenv("TERM") : "");
		return NH_EXIT_FAILURE;
	}
	tui_set_web_url(l->ui, l->cfg.web_url);
	if (capture_stderr(&l->cap))
		l->cap.file = NULL; /* not fatal: messages may then show on the screen */
	l->running = pipeline_running(p);
	draw(l);
	return 0;
}

static int live_tick(void *ctx, const struct sink_tick *t)
{
	struct live_sink *l = ctx;
	int rc;

	/* The last tick after q only logs; the terminal is left alone (it may be gone). */
	if (l->quitting)
		return SINK_STOP;
	tui_set_names(l->ui, t->snap->names);
	/*
	 * The pipeline ticks while stopped too, so the first interval after a
	 * restart is not the whole pause; the model keeps those ticks out of view.
	 */
	if (t->running) {
		for (size_t i = 0; i < t->nevents; i++)
			if (!t->events[i].cleared)
				tui_model_add_alert(&l->model, &t->events[i]);
		rc = tui_model_update(&l->model, t->snap, t->now);
	} else {
		rc = tui_model_skip(&l->model, t->snap, t->now);
	}
	if (rc < 0)
		return -ENOMEM;
	draw(l);
	return SINK_CONTINUE;
}

static int live_fd(void *ctx)
{
	(void)ctx;
	return STDIN_FILENO;
}

/* Keys waiting: answer them all, then draw once. */
static int live_input(void *ctx, struct pipeline *p, bool hangup)
{
	struct live_sink *l = ctx;
	int key;

	if (hangup) {
		l->quitting = true; /* the terminal went away */
		return SINK_STOP;
	}
	while ((key = tui_read_key(l->ui)) != -1) {
		switch (tui_handle_key(l->ui, &l->model, key)) {
		case TUI_ACTION_QUIT:
			l->quitting = true;
			return SINK_STOP;
		case TUI_ACTION_TOGGLE_RUN:
			l->running = !l->running;
			pipeline_set_running(p, l->running);
			break;
		case TUI_ACTION_THRESHOLD:
			pipeline_set_process_threshold(p, tui_model_threshold(&l->model));
			break;
		case TUI_ACTION_NONE:
			break;
		}
	}
	draw(l);
	return SINK_CONTINUE;
}

/* The terminal back first, so what the other sinks say after is readable. */
static int live_finish(void *ctx)
{
	struct live_sink *l = ctx;

	tui_close(l->ui);
	l->ui = NULL;
	release_stderr(&l->cap);
	return NH_EXIT_OK;
}

void live_sink_free(struct live_sink *l)
{
	if (!l)
		return;
	if (l->ui)
		live_finish(l);
	tui_model_free(&l->model);
	free(l);
}

struct sink live_sink(struct live_sink *l)
{
	return (struct sink){
		.name = "live",
		.ctx = l,
		.start = live_start,
		.tick = live_tick,
		.fd = live_fd,
		.input = live_input,
		.finish = live_finish,
	};
}
