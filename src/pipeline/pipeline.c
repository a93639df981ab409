// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "alerts/alert_exec.h"
#include "core/text.h"
#include "collect/collector.h"
#include "collect/identity.h"
#include "collect/rdns.h"
#include "core/array.h"
#include "core/exitcodes.h"
#include "core/timefmt.h"
#include "kernel/capture_ring.h"
#include "kernel/tc_attach.h"
#include "pipeline/pipeline.h"
#include "pipeline/runloop.h"
#include "pipeline/window.h"
#include "capture.h" /* before wire.skel.h, which uses its types */
#include "counters.skel.h"
#include "wire.skel.h"

struct pipeline {
	struct pipeline_config cfg;
	struct pipeline_source src;
	struct selection selection;
	struct window_rates *window;
	struct alerts *alerts;
	struct alert_exec *exec;
	struct rdns *names;
	struct identity *identity;
	struct timespec opened; /* the source's first interval starts here */
	struct sink sinks[PIPELINE_MAX_SINKS];
	bool started[PIPELINE_MAX_SINKS];
	size_t nsinks;
	struct pipeline_stream streams[PIPELINE_MAX_STREAMS];
	size_t nstreams;
	const char *draining; /* the stream being drained, for emit */
	int emit_status;      /* SINK_STOP once a sink asked to stop while draining */
	bool running;
	double last_tick_s; /* < 0 until a tick completed */
	struct loader *ld; /* the kernel source's loader; NULL for a test's source */
	struct capture_ring *capture; /* the capture stream's, once pipeline_capture ran */
	void (*on_events)(void *ctx, struct alert_event *events, size_t n);
	void *on_events_ctx;
	struct alert_event *events; /* the tick's events, copied for on_events */
	size_t events_cap;
};

/* The real source: BPF programs on this kernel and the collector over their maps. */
struct kernel_source {
	struct loader ld;
	struct collector *col;
};

static int kernel_maintain(void *ctx)
{
	struct kernel_source *k = ctx;

	/* Interfaces that appeared since the last tick get the classifier now. */
	return k->ld.tc ? tc_attach_refresh(k->ld.tc) : 0;
}

static const struct snapshot *kernel_collect(void *ctx)
{
	struct kernel_source *k = ctx;
	const struct watched_iface *ifaces = NULL;
	size_t n = k->ld.tc ? tc_attach_ifaces(k->ld.tc, &ifaces) : 0;

	return collector_tick(k->col, ifaces, n);
}

static size_t object_programs(struct bpf_object *obj, struct pipeline_program *out, size_t n,
			      size_t max)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		/* Programs the tier probe left out are not loaded. */
		if (fd < 0)
			continue;
		/* Past max they are only counted, so the caller learns how many there are. */
		if (n < max) {
			memset(&info, 0, sizeof(info));
			if (bpf_obj_get_info_by_fd(fd, &info, &len))
				memset(&info, 0, sizeof(info));
			snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(prog));
			out[n].run_time_ns = info.run_time_ns;
			out[n].run_cnt = info.run_cnt;
		}
		n++;
	}
	return n;
}

static size_t kernel_programs(void *ctx, struct pipeline_program *out, size_t max)
{
	struct kernel_source *k = ctx;
	size_t n = 0;

	if (k->ld.skel)
		n = object_programs(k->ld.skel->obj, out, n, max);
	if (k->ld.wire)
		n = object_programs(k->ld.wire->obj, out, n, max);
	return n;
}

static void kernel_close(void *ctx)
{
	struct kernel_source *k = ctx;

	collector_free(k->col);
	loader_stop(&k->ld);
	free(k);
}

static int kernel_source_open(struct pipeline_source *src, const struct loader_config *cfg,
			      char *err, size_t errlen)
{
	struct kernel_source *k = calloc(1, sizeof(*k));
	int rc;

	if (!k) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	rc = loader_start(&k->ld, cfg, err, errlen);
	if (rc) {
		free(k);
		return rc;
	}
	k->col = collector_new(&k->ld);
	if (!k->col) {
		snprintf(err, errlen, "nethound: cannot set up the collector (%s)",
			 strerror(errno ? errno : ENOMEM));
		loader_stop(&k->ld);
		free(k);
		return NH_EXIT_FAILURE;
	}
	*src = (struct pipeline_source){
		.ctx = k,
		.maintain = kernel_maintain,
		.collect = kernel_collect,
		.close = kernel_close,
		.programs = kernel_programs,
		.hooks = hook_tier_name(k->ld.tier),
		.tc = tc_mode_name(k->ld.tc_mode),
	};
	return 0;
}

static bool rdns_name(void *ctx, int family, const unsigned char addr[16], char *host,
		      size_t hostlen)
{
	return rdns_lookup(ctx, family, addr, host, hostlen);
}

/* What needs no privileges is set up first, so its errors come before the kernel's. */
static int pipeline_prepare(struct pipeline **out, const struct pipeline_config *cfg, char *err,
			    size_t errlen)
{
	struct pipeline *p = calloc(1, sizeof(*p));

	*out = NULL;
	/*
	 * Before anything is loaded or attached: a stop signal during start-up
	 * (a service stopped at once, a closed terminal) is held until the first
	 * wait and ends the run there, through the same clean-up as any stop,
	 * instead of killing nethound with its filters and session half made.
	 */
	runloop_install_stop_handlers();
	if (!p) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	p->cfg = *cfg;
	p->running = true;
	p->last_tick_s = -1;
	if (cfg->alert_exec) {
		struct alert_exec_config xc = { .cmdline = cfg->alert_exec,
						.user = cfg->alert_exec_user,
						.timeout = cfg->alert_exec_timeout };

		p->exec = alert_exec_new(&xc, err, errlen);
		if (!p->exec) {
			free(p);
			return NH_EXIT_USAGE;
		}
	}
	p->alerts = alerts_new(&cfg->alerts, cfg->interval);
	if (cfg->rdns)
		p->names = rdns_new();
	p->identity = identity_new(NULL);
	if (!p->alerts || (cfg->rdns && !p->names) || !p->identity) {
		snprintf(err, errlen, "nethound: cannot set up the pipeline (%s)",
			 strerror(errno ? errno : ENOMEM));
		pipeline_close(p);
		return NH_EXIT_FAILURE;
	}
	*out = p;
	return 0;
}

/* The source is open: the first interval, and the window, start now. */
static int pipeline_attach_source(struct pipeline *p, const struct pipeline_source *src,
				  char *err, size_t errlen)
{
	p->src = *src;
	clock_gettime(CLOCK_MONOTONIC, &p->opened);
	p->window = window_new(p->cfg.window, p->cfg.interval,
			       (double)p->opened.tv_sec + (double)p->opened.tv_nsec / 1e9);
	if (!p->window) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	return 0;
}

int pipeline_open_source(struct pipeline **out, const struct pipeline_config *cfg,
			 const struct pipeline_source *src, char *err, size_t errlen)
{
	int rc = pipeline_prepare(out, cfg, err, errlen);

	if (rc) {
		if (src->close)
			src->close(src->ctx);
		return rc;
	}
	rc = pipeline_attach_source(*out, src, err, errlen);
	if (rc) {
		pipeline_close(*out);
		*out = NULL;
	}
	return rc;
}

int pipeline_open(struct pipeline **out, const struct pipeline_config *cfg, char *err,
		  size_t errlen)
{
	struct pipeline_source src;
	int rc = pipeline_prepare(out, cfg, err, errlen);

	if (rc)
		return rc;
	rc = kernel_source_open(&src, &cfg->loader, err, errlen);
	if (rc) {
		pipeline_close(*out);
		*out = NULL;
		return rc;
	}
	rc = pipeline_attach_source(*out, &src, err, errlen);
	if (rc) {
		pipeline_close(*out);
		*out = NULL;
		return rc;
	}
	(*out)->ld = &((struct kernel_source *)src.ctx)->ld;
	return 0;
}

int pipeline_add_sink(struct pipeline *p, const struct sink *sink)
{
	if (p->nsinks == PIPELINE_MAX_SINKS)
		return -ENOSPC;
	p->sinks[p->nsinks++] = *sink;
	return 0;
}

int pipeline_add_stream(struct pipeline *p, const struct pipeline_stream *stream)
{
	if (p->nstreams == PIPELINE_MAX_STREAMS) {
		if (stream->close)
			stream->close(stream->ctx);
		return -ENOSPC;
	}
	p->streams[p->nstreams++] = *stream;
	return 0;
}

static int capture_fd(void *ctx)
{
	return capture_ring_fd(ctx);
}

static int capture_drain(void *ctx, int (*emit)(void *pctx, const void *data, size_t len),
			 void *pctx)
{
	return capture_ring_drain(ctx, emit, pctx);
}

static void capture_close(void *ctx)
{
	capture_ring_close(ctx);
}

int pipeline_capture(struct pipeline *p, const struct capture_filter *f, char *err, size_t errlen)
{
	struct pipeline_stream stream = { .name = PACKET_STREAM, .fd = capture_fd,
					  .drain = capture_drain, .close = capture_close };

	if (!p->ld || p->capture) {
		/* One filter in the classifier: one capture per run. */
		snprintf(err, errlen, "nethound: %s",
			 p->ld ? "one capture per run" : "capture needs the kernel's programs");
		return NH_EXIT_FAILURE;
	}
	stream.ctx = capture_ring_open(p->ld, f, err, errlen);
	if (!stream.ctx)
		return errno == ENOTSUP ? NH_EXIT_KERNEL : NH_EXIT_FAILURE;
	if (pipeline_add_stream(p, &stream)) {
		snprintf(err, errlen, "nethound: too many event streams");
		return NH_EXIT_FAILURE;
	}
	p->capture = stream.ctx;
	return 0;
}

int pipeline_capture_set(struct pipeline *p, const struct capture_filter *f)
{
	return p->capture ? capture_ring_set_filter(p->capture, f) : -ENOENT;
}

void pipeline_on_alert_events(struct pipeline *p,
			      void (*fn)(void *ctx, struct alert_event *events, size_t n),
			      void *ctx)
{
	p->on_events = fn;
	p->on_events_ctx = ctx;
}

/* One event of the stream being drained, to every sink that takes events. */
static int emit_event(void *ctx, const void *data, size_t len)
{
	struct pipeline *p = ctx;
	struct stream_event ev = { .stream = p->draining, .data = data, .len = len };

	for (size_t i = 0; i < p->nsinks; i++) {
		int rc;

		if (!p->sinks[i].event || !p->started[i])
			continue;
		rc = p->sinks[i].event(p->sinks[i].ctx, &ev);
		if (rc < 0)
			return rc;
		if (rc == SINK_STOP)
			p->emit_status = SINK_STOP;
	}
	return p->emit_status;
}

/* Everything stream i has ready, to the sinks. SINK_CONTINUE, SINK_STOP or -errno. */
static int drain_stream(struct pipeline *p, size_t i)
{
	struct pipeline_stream *st = &p->streams[i];
	int rc;

	p->draining = st->name;
	p->emit_status = SINK_CONTINUE;
	rc = st->drain(st->ctx, emit_event, p);
	if (rc < 0)
		return rc;
	return p->emit_status;
}

static int drain_streams(struct pipeline *p)
{
	int status = SINK_CONTINUE;

	for (size_t i = 0; i < p->nstreams; i++) {
		int rc = drain_stream(p, i);

		if (rc < 0)
			return rc;
		if (rc == SINK_STOP)
			status = SINK_STOP;
	}
	return status;
}

/* One line per event; process, unit and container names are anyone's bytes: made printable. */
static void print_events(const struct alert_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char line[256], shown[256], when[32];
		struct tm tm;

		alert_event_format(&events[i], line, sizeof(line));
		text_printable(shown, sizeof(shown), line, strlen(line));
		localtime_r(&events[i].when, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s alert %s\n", when, shown);
	}
}

int pipeline_tick(struct pipeline *p)
{
	struct sink_tick t = { .running = p->running, .now = monotonic_seconds() };
	const struct snapshot *raw;
	struct snapshot *snap;
	int status = SINK_CONTINUE;

	raw = p->src.collect(p->src.ctx);
	if (!raw)
		return errno ? -errno : -EIO;
	/*
	 * Attachment is kept up to date right after the read, for the next
	 * interval: done before it, its netlink round trips would lengthen the
	 * interval the read reports.
	 */
	if (p->src.maintain && p->src.maintain(p->src.ctx) < 0 && p->cfg.loader.verbose)
		fprintf(stderr, "nethound: rescanning interfaces failed (%s)\n", strerror(errno));
	if (selection_apply(&p->cfg.selection, raw, &p->selection))
		return -ENOMEM;
	snap = &p->selection.out;
	/* Names the worker found since the last tick, then one cache lookup per process. */
	identity_tick(p->identity, t.now);
	for (size_t i = 0; i < snap->nprocs; i++)
		identity_fill(p->identity, &snap->procs[i]);
	if (selection_apply_identity(&p->cfg.selection, &p->selection))
		return -ENOMEM;
	if (window_update(p->window, snap, t.now))
		return -ENOMEM;
	if (p->names)
		snap->names = (struct name_source){ .lookup = rdns_name, .ctx = p->names };
	/* Alerts judge what is shown (--pid/--comm/--user/... narrow them too), and only while running. */
	if (p->running) {
		t.events = alerts_update(p->alerts, snap, &t.nevents);
		if (!t.events && errno == ENOMEM)
			return -ENOMEM;
		if (p->on_events && t.nevents) {
			if (array_grow((void **)&p->events, &p->events_cap, t.nevents,
				       sizeof(*p->events)))
				return -ENOMEM;
			memcpy(p->events, t.events, t.nevents * sizeof(*p->events));
			p->on_events(p->on_events_ctx, p->events, t.nevents);
			t.events = p->events;
		}
		if (p->cfg.alerts_to_stderr)
			print_events(t.events, t.nevents);
		alert_exec_run(p->exec, t.events, t.nevents);
	}
	snap->alerts = alerts_active(p->alerts, &snap->nalerts);
	t.snap = snap;
	for (size_t i = 0; i < p->nsinks; i++) {
		int rc = p->sinks[i].tick(p->sinks[i].ctx, &t);

		if (rc < 0)
			return rc;
		if (rc == SINK_STOP)
			status = SINK_STOP;
	}
	p->last_tick_s = monotonic_seconds() - t.now;
	return status;
}

static int start_sinks(struct pipeline *p)
{
	char err[1024];

	for (size_t i = 0; i < p->nsinks; i++) {
		int rc = p->sinks[i].start ? p->sinks[i].start(p->sinks[i].ctx, p, err, sizeof(err))
					   : 0;

		if (rc) {
			fprintf(stderr, "%s\n", err);
			return rc;
		}
		p->started[i] = true;
	}
	return 0;
}

/* Wait for the deadline, answering the sinks' descriptors meanwhile. */
/*
 * Wait for the deadline, answering the sinks' descriptors and draining the
 * streams meanwhile. fds[0..nsink_fds) are sinks', the rest streams'.
 */
static int wait_for_tick(struct pipeline *p, const struct timespec *deadline)
{
	struct pollfd fds[PIPELINE_MAX_SINKS + PIPELINE_MAX_STREAMS];
	size_t owner[PIPELINE_MAX_SINKS + PIPELINE_MAX_STREAMS], nfds = 0, nsink_fds;

	for (size_t i = 0; i < p->nsinks; i++) {
		int fd = p->sinks[i].fd ? p->sinks[i].fd(p->sinks[i].ctx) : -1;

		if (fd < 0)
			continue;
		fds[nfds] = (struct pollfd){ .fd = fd, .events = POLLIN };
		owner[nfds++] = i;
	}
	nsink_fds = nfds;
	for (size_t i = 0; i < p->nstreams; i++) {
		int fd = p->streams[i].fd(p->streams[i].ctx);

		if (fd < 0)
			continue;
		fds[nfds] = (struct pollfd){ .fd = fd, .events = POLLIN };
		owner[nfds++] = i;
	}
	while (!runloop_stop_requested()) {
		struct timespec left;
		int ready;

		if (!runloop_time_until(deadline, &left))
			return SINK_CONTINUE;
		ready = ppoll(fds, nfds, &left, runloop_wait_mask());
		if (ready < 0 && errno != EINTR) {
			fprintf(stderr, "nethound: waiting for the next tick failed (%s)\n",
				strerror(errno));
			return -errno;
		}
		for (size_t j = nsink_fds; ready > 0 && j < nfds; j++) {
			int rc;

			if (!fds[j].revents)
				continue;
			rc = drain_stream(p, owner[j]);
			if (rc != SINK_CONTINUE)
				return rc;
		}
		/* EINTR may be SIGWINCH: curses then has a KEY_RESIZE waiting. */
		for (size_t j = 0; ready != 0 && j < nsink_fds; j++) {
			struct sink *s = &p->sinks[owner[j]];
			bool hangup = ready > 0 && (fds[j].revents & (POLLHUP | POLLERR | POLLNVAL));
			int rc;

			if (ready > 0 && !fds[j].revents)
				continue;
			rc = s->input(s->ctx, p, hangup);
			if (rc != SINK_CONTINUE)
				return rc;
		}
	}
	return SINK_CONTINUE;
}

int pipeline_run(struct pipeline *p)
{
	struct timespec next, left;
	int rc;

	rc = start_sinks(p);
	if (rc)
		return rc;
	/* The first interval began when the programs were attached, not now. */
	next = p->opened;
	for (;;) {
		bool quitting;

		runloop_add_seconds(&next, p->cfg.interval);
		rc = wait_for_tick(p, &next);
		if (rc < 0)
			return NH_EXIT_FAILURE;
		/*
		 * However the run ends (a stop signal, q in the live view, a capture's
		 * count reached), the partial interval and what the streams hold are
		 * still taken: bytes counted until the end reach the history.
		 */
		quitting = rc == SINK_STOP;
		if (drain_streams(p) < 0)
			return NH_EXIT_FAILURE;
		rc = pipeline_tick(p);
		if (rc < 0) {
			fprintf(stderr, "nethound: %s (%s)\n",
				rc == -ENOMEM ? "out of memory" : "reading the BPF maps failed",
				strerror(-rc));
			return NH_EXIT_FAILURE;
		}
		if (quitting || rc == SINK_STOP || runloop_stop_requested())
			return NH_EXIT_OK;
		/* After a suspend (or Ctrl-Z) do not catch up with a burst of ticks. */
		if (!runloop_time_until(&next, &left))
			clock_gettime(CLOCK_MONOTONIC, &next);
	}
}

int pipeline_close(struct pipeline *p)
{
	int worst = NH_EXIT_OK;

	if (!p)
		return NH_EXIT_OK;
	/*
	 * What the streams still hold (and their last loss reports) reaches the
	 * sinks before they finish, however the run ended.
	 */
	for (size_t i = 0; i < p->nstreams; i++)
		if (p->nsinks && p->started[0])
			drain_stream(p, i);
	for (size_t i = p->nsinks; i-- > 0;) {
		if (p->started[i] && p->sinks[i].finish) {
			int rc = p->sinks[i].finish(p->sinks[i].ctx);

			if (rc && !worst)
				worst = rc;
		}
	}
	for (size_t i = 0; i < p->nstreams; i++)
		if (p->streams[i].close)
			p->streams[i].close(p->streams[i].ctx);
	if (p->src.close)
		p->src.close(p->src.ctx);
	selection_free(&p->selection);
	window_free(p->window);
	rdns_free(p->names);
	identity_free(p->identity);
	alert_exec_free(p->exec);
	alerts_free(p->alerts);
	free(p->events);
	free(p);
	return worst;
}

void pipeline_set_running(struct pipeline *p, bool running)
{
	p->running = running;
}

bool pipeline_running(const struct pipeline *p)
{
	return p->running;
}

void pipeline_set_process_threshold(struct pipeline *p, double bytes_per_second)
{
	alerts_set_process_rate(p->alerts, bytes_per_second);
}

const char *pipeline_hooks(const struct pipeline *p)
{
	return p->src.hooks;
}

const char *pipeline_tc(const struct pipeline *p)
{
	return p->src.tc;
}

struct alerts *pipeline_alerts(struct pipeline *p)
{
	return p->alerts;
}

double pipeline_last_tick_seconds(const struct pipeline *p)
{
	return p->last_tick_s;
}

size_t pipeline_programs(struct pipeline *p, struct pipeline_program *out, size_t max)
{
	return p->src.programs ? p->src.programs(p->src.ctx, out, max) : 0;
}
