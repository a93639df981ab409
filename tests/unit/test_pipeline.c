// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pipeline over a fake source and fake sinks: what each sink is handed
 * (selection, window rates, alert events, running), the order of start,
 * tick and finish, and how SINK_STOP, a failing start and alert commands
 * behave. No kernel, no privileges.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "core/exitcodes.h"
#include "pipeline/pipeline.h"
#include "pipeline/window.h"

#define KIB 1024.0

/* A source that reports two processes: pid 1 moves tx bytes a tick, pid 2 moves 100. */
struct fake_source {
	struct snapshot snap;
	struct process_stats procs[2];
	uint64_t tx_per_tick;
	int ticks, maintained;
	bool closed;
};

static int fake_maintain(void *ctx)
{
	((struct fake_source *)ctx)->maintained++;
	return 0;
}

static const struct snapshot *fake_collect(void *ctx)
{
	struct fake_source *f = ctx;

	f->ticks++;
	memset(f->procs, 0, sizeof(f->procs));
	f->procs[0].pid = 1;
	strcpy(f->procs[0].comm, "hog");
	f->procs[0].all.tx_bytes = f->tx_per_tick;
	f->procs[0].all.tx_total = f->tx_per_tick * (uint64_t)f->ticks;
	f->procs[1].pid = 2;
	strcpy(f->procs[1].comm, "quiet");
	f->procs[1].all.tx_bytes = 100;
	f->procs[1].all.tx_total = 100 * (uint64_t)f->ticks;
	f->snap.interval = 1.0;
	f->snap.wall.tv_sec = 1700000000 + f->ticks;
	f->snap.totals.tx_bytes = f->tx_per_tick + 100;
	f->snap.procs = f->procs;
	f->snap.nprocs = 2;
	return &f->snap;
}

static void fake_close(void *ctx)
{
	((struct fake_source *)ctx)->closed = true;
}

/* A sink that remembers what it saw and in which order it was called. */
struct fake_sink {
	const char *name;
	char *log; /* shared between sinks: "start:a tick:a ..." */
	int ticks, stop_after, start_rc;
	size_t nprocs_seen, events_seen;
	bool last_running;
	double last_window_tx;
	uint32_t first_pid;
};

static void log_call(struct fake_sink *s, const char *what)
{
	size_t len = strlen(s->log);

	snprintf(s->log + len, 512 - len, "%s:%s ", what, s->name);
}

static int sink_start(void *ctx, struct pipeline *p, char *err, size_t errlen)
{
	struct fake_sink *s = ctx;

	(void)p;
	log_call(s, "start");
	if (s->start_rc)
		snprintf(err, errlen, "%s refuses to start", s->name);
	return s->start_rc;
}

static int sink_tick(void *ctx, const struct sink_tick *t)
{
	struct fake_sink *s = ctx;

	log_call(s, "tick");
	s->ticks++;
	s->nprocs_seen = t->snap->nprocs;
	s->first_pid = t->snap->nprocs ? t->snap->procs[0].pid : 0;
	s->last_window_tx = t->snap->nprocs ? t->snap->procs[0].window.tx : -1;
	s->events_seen += t->nevents;
	s->last_running = t->running;
	return s->stop_after && s->ticks >= s->stop_after ? SINK_STOP : SINK_CONTINUE;
}

static int sink_finish(void *ctx)
{
	log_call(ctx, "finish");
	return NH_EXIT_OK;
}

static struct sink fake_sink(struct fake_sink *s)
{
	return (struct sink){ .name = s->name, .ctx = s, .start = sink_start, .tick = sink_tick,
			      .finish = sink_finish };
}

static struct pipeline_config config(double interval)
{
	struct pipeline_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.interval = interval;
	cfg.window = 3 * interval;
	alert_config_defaults(&cfg.alerts);
	cfg.alerts.process_rate = 1000;
	return cfg;
}

static struct pipeline *open_fake(const struct pipeline_config *cfg, struct fake_source *src)
{
	struct pipeline_source ps = { .ctx = src, .maintain = fake_maintain,
				      .collect = fake_collect, .close = fake_close,
				      .hooks = "fake", .tc = "off" };
	struct pipeline *p = NULL;
	char err[256];

	CHECK_INT(pipeline_open_source(&p, cfg, &ps, err, sizeof(err)), 0);
	return p;
}

static void test_every_sink_gets_every_tick_in_order(void)
{
	struct pipeline_config cfg = config(1.0);
	struct fake_source src = { .tx_per_tick = 10 };
	char log[512] = "";
	struct fake_sink a = { .name = "a", .log = log }, b = { .name = "b", .log = log };
	struct sink sa = fake_sink(&a), sb = fake_sink(&b);
	struct pipeline *p = open_fake(&cfg, &src);

	CHECK_INT(pipeline_add_sink(p, &sa), 0);
	CHECK_INT(pipeline_add_sink(p, &sb), 0);
	CHECK_STR(pipeline_hooks(p), "fake");
	CHECK_INT(pipeline_tick(p), SINK_CONTINUE);
	CHECK_INT(pipeline_tick(p), SINK_CONTINUE);
	CHECK_INT(src.maintained, 2); /* attachment kept up to date before each tick */
	CHECK_INT(a.ticks, 2);
	CHECK_INT(b.ticks, 2);
	CHECK_UINT(a.nprocs_seen, 2);
	CHECK_INT(pipeline_close(p), NH_EXIT_OK);
	CHECK(src.closed);
	/* Ticked in the order added; never started, so never finished. */
	CHECK_STR(log, "tick:a tick:b tick:a tick:b ");
}

static void test_selection_reaches_sinks(void)
{
	struct pipeline_config cfg = config(1.0);
	static const uint32_t pids[] = { 2 };
	struct fake_source src = { .tx_per_tick = 10 };
	char log[512] = "";
	struct fake_sink a = { .name = "a", .log = log };
	struct sink sa = fake_sink(&a);
	struct pipeline *p;

	cfg.selection.npids = 1;
	cfg.selection.pids = pids;
	p = open_fake(&cfg, &src);
	pipeline_add_sink(p, &sa);
	CHECK_INT(pipeline_tick(p), SINK_CONTINUE);
	CHECK_UINT(a.nprocs_seen, 1);
	CHECK_UINT(a.first_pid, 2);
	pipeline_close(p);
}

static void test_alerts_judged_only_while_running(void)
{
	struct pipeline_config cfg = config(1.0);
	struct fake_source src = { .tx_per_tick = 4000 }; /* over the 1000 B/s threshold */
	char log[512] = "";
	struct fake_sink a = { .name = "a", .log = log };
	struct sink sa = fake_sink(&a);
	struct pipeline *p = open_fake(&cfg, &src);

	pipeline_add_sink(p, &sa);
	pipeline_set_running(p, false);
	CHECK_INT(pipeline_tick(p), SINK_CONTINUE);
	CHECK(!a.last_running);
	CHECK_UINT(a.events_seen, 0);
	pipeline_set_running(p, true);
	CHECK_INT(pipeline_tick(p), SINK_CONTINUE);
	CHECK(a.last_running);
	CHECK_UINT(a.events_seen, 1); /* raised once */
	CHECK_INT(pipeline_tick(p), SINK_CONTINUE);
	CHECK_UINT(a.events_seen, 1); /* and not again while it lasts */
	/* The threshold follows the live view's T key. */
	pipeline_set_process_threshold(p, 1e9);
	pipeline_close(p);
}

static void test_run_ends_when_a_sink_stops(void)
{
	struct pipeline_config cfg = config(0.01);
	struct fake_source src = { .tx_per_tick = 10 };
	char log[512] = "";
	struct fake_sink a = { .name = "a", .log = log, .stop_after = 3 };
	struct fake_sink b = { .name = "b", .log = log };
	struct sink sa = fake_sink(&a), sb = fake_sink(&b);
	struct pipeline *p = open_fake(&cfg, &src);

	pipeline_add_sink(p, &sa);
	pipeline_add_sink(p, &sb);
	CHECK_INT(pipeline_run(p), NH_EXIT_OK);
	CHECK_INT(a.ticks, 3);
	CHECK_INT(b.ticks, 3); /* the tick that stopped still reached every sink */
	CHECK_INT(pipeline_close(p), NH_EXIT_OK);
	/* Started in order, finished in reverse. */
	CHECK_STR(log, "start:a start:b tick:a tick:b tick:a tick:b tick:a tick:b finish:b "
		       "finish:a ");
}

static void test_failed_start_finishes_only_started_sinks(void)
{
	struct pipeline_config cfg = config(0.01);
	struct fake_source src = { .tx_per_tick = 10 };
	char log[512] = "";
	struct fake_sink a = { .name = "a", .log = log };
	struct fake_sink b = { .name = "b", .log = log, .start_rc = NH_EXIT_DATABASE };
	struct sink sa = fake_sink(&a), sb = fake_sink(&b);
	struct pipeline *p = open_fake(&cfg, &src);
	FILE *saved = stderr;

	pipeline_add_sink(p, &sa);
	pipeline_add_sink(p, &sb);
	stderr = fopen("/dev/null", "w"); /* the refusal is printed; not here */
	CHECK_INT(pipeline_run(p), NH_EXIT_DATABASE);
	fclose(stderr);
	stderr = saved;
	CHECK_INT(a.ticks, 0);
	pipeline_close(p);
	CHECK_STR(log, "start:a start:b finish:a ");
}

static void test_window_rates(void)
{
	struct pipeline_config cfg = config(1.0);
	struct fake_source src = { .tx_per_tick = 300 };
	char log[512] = "";
	struct fake_sink a = { .name = "a", .log = log };
	struct sink sa = fake_sink(&a);
	struct pipeline *p = open_fake(&cfg, &src);

	pipeline_add_sink(p, &sa);
	CHECK_INT(pipeline_tick(p), SINK_CONTINUE);
	/* Before a whole window has passed, the rate is over the time there was. */
	CHECK(a.last_window_tx > 0);
	pipeline_close(p);
}

/* The window on its own, with a clock the test controls. */
static void test_window_exact_over_ticks(void)
{
	struct process_stats procs[1];
	struct snapshot s;
	struct window_rates *w = window_new(3.0, 1.0, 100.0);
	uint64_t bytes[] = { 300, 600, 900, 0, 0, 0 };

	memset(&s, 0, sizeof(s));
	s.procs = procs;
	s.nprocs = 1;
	for (int i = 0; i < 6; i++) {
		memset(procs, 0, sizeof(procs));
		procs[0].pid = 7;
		procs[0].start_ns = 1;
		procs[0].all.tx_bytes = bytes[i];
		procs[0].all.rx_bytes = bytes[i] / 3;
		s.totals.tx_bytes = bytes[i];
		CHECK_INT(window_update(w, &s, 100.0 + i + 1), 0);
		switch (i) {
		case 0: /* one second of data: 300 B/s */
			CHECK_DOUBLE(procs[0].window.tx, 300, 1e-9);
			CHECK_DOUBLE(s.window, 1.0, 1e-9);
			break;
		case 2: /* (300 + 600 + 900) / 3 */
			CHECK_DOUBLE(procs[0].window.tx, 600, 1e-9);
			CHECK_DOUBLE(procs[0].window.rx, 200, 1e-9);
			CHECK_DOUBLE(s.totals_window.tx, 600, 1e-9);
			CHECK_DOUBLE(s.window, 3.0, 1e-9);
			break;
		case 3: /* 300 left the window */
			CHECK_DOUBLE(procs[0].window.tx, 500, 1e-9);
			break;
		case 5: /* all of it left */
			CHECK_DOUBLE(procs[0].window.tx, 0, 1e-9);
			break;
		}
	}
	/* A pause longer than the window empties it, and a new process starts empty. */
	procs[0].all.tx_bytes = 30;
	procs[0].start_ns = 2; /* same pid, another process */
	CHECK_INT(window_update(w, &s, 120.0), 0);
	CHECK_DOUBLE(procs[0].window.tx, 10, 1e-9);
	window_free(w);
}

/* --alert-exec works wherever alerts are judged: the command runs for a raised alert. */
static void test_alert_exec_runs(void)
{
	struct pipeline_config cfg = config(1.0);
	struct fake_source src = { .tx_per_tick = 4000 };
	char dir[] = "/tmp/nh-pipeline-XXXXXX", cmd[320], path[256];
	struct pipeline *p;
	struct stat st;
	int waited = 0;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(chmod(dir, 0777), 0); /* the command runs as another user */
	snprintf(path, sizeof(path), "%s/ran", dir);
	snprintf(cmd, sizeof(cmd), "/usr/bin/touch %s", path);
	cfg.alert_exec = cmd;
	/* Root hands it to nobody; anyone else can only run it as themselves. */
	cfg.alert_exec_user = geteuid() == 0 ? "nobody" : getpwuid(geteuid())->pw_name;
	p = open_fake(&cfg, &src);
	CHECK_INT(pipeline_tick(p), SINK_CONTINUE);
	while (stat(path, &st) != 0 && waited++ < 500)
		usleep(10000);
	CHECK(stat(path, &st) == 0);
	pipeline_close(p);
	unlink(path);
	rmdir(dir);
}

/* A stream over a pipe: each byte written is one event. */
struct pipe_stream {
	int fds[2];
	bool closed;
};

static int pipe_fd(void *ctx)
{
	return ((struct pipe_stream *)ctx)->fds[0];
}

static int pipe_drain(void *ctx, int (*emit)(void *pctx, const void *data, size_t len),
		      void *pctx)
{
	struct pipe_stream *ps = ctx;
	char buf[64];
	ssize_t n = read(ps->fds[0], buf, sizeof(buf));
	int count = 0;

	for (ssize_t i = 0; i < n; i++, count++)
		if (emit(pctx, &buf[i], 1) < 0)
			return -EIO;
	return count;
}

static void pipe_close(void *ctx)
{
	struct pipe_stream *ps = ctx;

	close(ps->fds[0]);
	close(ps->fds[1]);
	ps->closed = true;
}

struct event_sink {
	int events, ticks;
	char seen[64];
	const char *stream;
};

static int event_sink_event(void *ctx, const struct stream_event *ev)
{
	struct event_sink *es = ctx;

	if (es->events < (int)sizeof(es->seen) - 1)
		es->seen[es->events] = *(const char *)ev->data;
	es->events++;
	es->stream = ev->stream;
	/* The third event is the last this sink wants (a capture's --count). */
	return es->events >= 3 ? SINK_STOP : SINK_CONTINUE;
}

static int event_sink_tick(void *ctx, const struct sink_tick *t)
{
	(void)t;
	((struct event_sink *)ctx)->ticks++;
	return SINK_CONTINUE;
}

/* Events reach the sinks between ticks, in order, and a sink can end the run on one. */
static void test_event_stream(void)
{
	struct pipeline_config cfg = config(10.0); /* no tick comes in this test's time */
	struct fake_source src = { .tx_per_tick = 1 };
	struct pipe_stream ps = { .fds = { -1, -1 } };
	struct event_sink es = { 0 };
	struct sink sink = { .name = "events", .ctx = &es, .tick = event_sink_tick,
			     .event = event_sink_event };
	struct pipeline_stream stream = { .name = "packets", .ctx = &ps, .fd = pipe_fd,
					  .drain = pipe_drain, .close = pipe_close };
	struct pipeline *p = open_fake(&cfg, &src);

	/* A drain never blocks: it is also called when nothing is ready (at the end). */
	CHECK_INT(pipe2(ps.fds, O_NONBLOCK), 0);
	CHECK_INT(pipeline_add_sink(p, &sink), 0);
	CHECK_INT(pipeline_add_stream(p, &stream), 0);
	CHECK_INT(write(ps.fds[1], "abc", 3), 3);
	CHECK_INT(pipeline_run(p), NH_EXIT_OK);
	CHECK_INT(es.events, 3);
	/* Ended by the event long before the first tick: only the partial interval's. */
	CHECK_INT(es.ticks, 1);
	CHECK(memcmp(es.seen, "abc", 3) == 0);
	CHECK_STR(es.stream, "packets");
	pipeline_close(p);
	CHECK(ps.closed);
}

int main(void)
{
	test_every_sink_gets_every_tick_in_order();
	test_selection_reaches_sinks();
	test_alerts_judged_only_while_running();
	test_run_ends_when_a_sink_stops();
	test_failed_start_finishes_only_started_sinks();
	test_window_rates();
	test_window_exact_over_ticks();
	test_alert_exec_runs();
	test_event_stream();
	return check_finish("test_pipeline");
}
