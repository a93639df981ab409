// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/collector.h"
#include "core/exitcodes.h"
#include "sinks/store/history.h"
#include "kernel/loader.h"
#include "collect/rdns.h"
#include "pipeline/runloop.h"
#include "pipeline/selection.h"
#include "cmd/top.h"
#include "sinks/live/tui.h"
#include "sinks/live/tui_model.h"

bool top_wanted(const struct options *opts)
{
	return opts->command == CMD_TOP && opts->format == OUTPUT_AUTO && isatty(STDIN_FILENO) &&
	       isatty(STDOUT_FILENO);
}

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * While curses owns the screen, stderr (libbpf, our own warnings) goes to a
 * temporary file: a stray line would scribble over the view. It is shown
 * once the terminal is back.
 */
struct stderr_capture {
	FILE *file;
	int saved;
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

/* What the live view runs with besides the terminal. */
struct live {
	const struct options *opts;
	struct collector *col;
	struct history *hist;
	const char *hooks, *tc;
	pid_t other_writer; /* another nethound logs to our database: we do not */
	char db_status[160];
};

/* The status bar's database field: where we log, or why we do not. */
static const char *db_status(struct live *lv, bool running)
{
	const char *path = history_db_path(lv->hist);
	size_t waiting = history_pending(lv->hist);

	if (!path)
		return "not logging";
	if (lv->other_writer)
		snprintf(lv->db_status, sizeof(lv->db_status), "not logging: pid %d logs to %s",
			 (int)lv->other_writer, path);
	else if (!running)
		snprintf(lv->db_status, sizeof(lv->db_status), "session ended: %s", path);
	else if (waiting > 1)
		snprintf(lv->db_status, sizeof(lv->db_status), "db %s (%zu s waiting)", path,
			 waiting);
	else
		snprintf(lv->db_status, sizeof(lv->db_status), "db %s", path);
	return lv->db_status;
}

/* S: stopping ends the database session, starting begins a new one. */
static void toggle_session(struct live *lv, bool running)
{
	char err[512];

	if (!running) {
		history_end(lv->hist);
		return;
	}
	if (history_begin(lv->hist, "top", lv->hooks, lv->tc, &lv->other_writer, err,
			  sizeof(err)) &&
	    !lv->other_writer)
		fprintf(stderr, "%s\n", err); /* shown when the terminal is back */
}

/* Keys waiting: answer them all, then draw once. Returns false to quit. */
static bool handle_keys(struct live *lv, struct tui *ui, struct tui_model *m, bool *running)
{
	int key;

	while ((key = tui_read_key(ui)) != -1) {
		switch (tui_handle_key(ui, m, key)) {
		case TUI_ACTION_QUIT:
			return false;
		case TUI_ACTION_TOGGLE_RUN:
			*running = !*running;
			toggle_session(lv, *running);
			break;
		case TUI_ACTION_THRESHOLD:
			history_set_process_threshold(lv->hist, tui_model_threshold(m));
			break;
		case TUI_ACTION_NONE:
			break;
		}
	}
	return true;
}

/* Judge alerts and log the tick; raised alerts go to the panel. */
static int log_tick(struct live *lv, struct tui_model *m, struct snapshot *selected)
{
	const struct alert_event *events;
	size_t n;
	int rc;

	events = history_tick(lv->hist, selected, &n, &rc);
	for (size_t i = 0; i < n; i++)
		if (!events[i].cleared)
			tui_model_add_alert(m, &events[i]);
	return rc;
}

static int run_loop(struct live *lv, struct tui *ui, struct tui_model *m,
		    struct snapshot *selected)
{
	const struct options *opts = lv->opts;
	struct collector *col = lv->col;
	struct timespec next;
	bool running = true;

	clock_gettime(CLOCK_MONOTONIC, &next);
	runloop_add_seconds(&next, opts->interval);
	tui_draw(ui, m, running, db_status(lv, running));
	while (!runloop_stop_requested()) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		const struct snapshot *snap;
		int ready = poll(&pfd, 1, runloop_ms_until(&next));

		if (ready < 0 && errno != EINTR) {
			fprintf(stderr, "nethound: waiting for keys failed (%s)\n",
				strerror(errno));
			return NH_EXIT_FAILURE;
		}
		if (ready > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
			return NH_EXIT_OK; /* the terminal went away */
		/* EINTR may be SIGWINCH: curses then has a KEY_RESIZE waiting. */
		if (ready != 0) {
			if (!handle_keys(lv, ui, m, &running))
				return NH_EXIT_OK;
			tui_draw(ui, m, running, db_status(lv, running));
		}
		if (runloop_ms_until(&next) > 0)
			continue;

		/*
		 * Tick while stopped too, so the first interval after a restart is
		 * not the whole pause; the model keeps those ticks out of view.
		 */
		snap = collector_tick(col);
		if (!snap) {
			fprintf(stderr, "nethound: reading the BPF maps failed (%s)\n",
				strerror(errno));
			return NH_EXIT_FAILURE;
		}
		selection_apply(opts, snap, selected);
		if ((running && log_tick(lv, m, selected) < 0) ||
		    (running ? tui_model_update(m, selected, monotonic_now())
			     : tui_model_skip(m, selected, monotonic_now())) < 0) {
			fprintf(stderr, "nethound: out of memory for the live view\n");
			return NH_EXIT_FAILURE;
		}
		runloop_add_seconds(&next, opts->interval);
		/* After a suspend (Ctrl-Z) do not catch up with a burst of ticks. */
		if (runloop_ms_until(&next) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &next);
			runloop_add_seconds(&next, opts->interval);
		}
		tui_draw(ui, m, running, db_status(lv, running));
	}
	return NH_EXIT_OK;
}

int top_run(const struct options *opts)
{
	struct stderr_capture cap = {.file = NULL, .saved = -1};
	struct snapshot selected = {0};
	struct collector *col = NULL;
	struct rdns *names = NULL;
	struct tui *ui = NULL;
	struct tui_model model;
	struct live lv = {.opts = opts};
	struct loader ld;
	char err[1024];
	int rc;

	setlocale(LC_ALL, ""); /* curses draws the sparkline's block characters in UTF-8 */
	runloop_install_stop_handlers(); /* before curses, which then leaves them alone */
	/* Errors while loading are ordinary one-line errors, before the screen is taken. */
	rc = loader_start(&ld, opts, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	rc = history_open(&lv.hist, opts, false, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		loader_stop(&ld);
		return rc;
	}
	lv.hooks = hook_tier_name(ld.tier);
	lv.tc = tc_mode_name(ld.tc_mode);
	if (history_begin(lv.hist, "top", lv.hooks, lv.tc, &lv.other_writer, err, sizeof(err)) &&
	    !lv.other_writer) {
		fprintf(stderr, "%s\n", err);
		history_close(lv.hist);
		loader_stop(&ld);
		return NH_EXIT_DATABASE;
	}
	tui_model_init(&model, monotonic_now());
	if (opts->alerts.process_rate > 0)
		tui_model_set_threshold(&model, opts->alerts.process_rate);
	col = collector_new(&ld);
	lv.col = col;
	if (!opts->no_rdns)
		names = rdns_new();
	if (!col || selection_alloc(&selected) || (!opts->no_rdns && !names)) {
		fprintf(stderr, "nethound: cannot set up the collector (%s)\n",
			strerror(errno ? errno : ENOMEM));
		rc = NH_EXIT_FAILURE;
		goto cleanup;
	}
	ui = tui_open(names);
	if (!ui) {
		fprintf(
		    stderr,
		    "nethound: cannot use this terminal for the live view (TERM=%s); try --table\n",
		    getenv("TERM") ? getenv("TERM") : "");
		rc = NH_EXIT_FAILURE;
		goto cleanup;
	}
	if (capture_stderr(&cap))
		cap.file = NULL; /* not fatal: messages may then show on the screen */
	rc = run_loop(&lv, ui, &model, &selected);

cleanup:
	tui_close(ui);
	release_stderr(&cap);
	/* After the terminal is back, so a database complaint is readable. */
	if (history_close(lv.hist) && rc == NH_EXIT_OK)
		rc = NH_EXIT_FAILURE;
	tui_model_free(&model);
	selection_free(&selected);
	rdns_free(names);
	collector_free(col);
	loader_stop(&ld);
	return rc;
}
