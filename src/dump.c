// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "dump.h"
#include "exitcodes.h"
#include "loader.h"
#include "output.h"
#include "rdns.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* No SA_RESTART: the sleep must end early when a signal asks us to stop. */
static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void add_seconds(struct timespec *ts, double seconds)
{
	double whole = floor(seconds);

	ts->tv_sec += (time_t)whole;
	ts->tv_nsec += (long)((seconds - whole) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Sleep until an absolute CLOCK_MONOTONIC time or until a stop signal. */
static void sleep_until(const struct timespec *deadline)
{
	while (!stop_requested &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL) == EINTR)
		;
}

static bool process_selected(const struct options *opts, uint32_t pid, const char *comm)
{
	bool pid_ok = opts->npids == 0, comm_ok = opts->ncomms == 0;

	for (int i = 0; i < opts->npids && !pid_ok; i++)
		pid_ok = opts->pids[i] == pid;
	for (int i = 0; i < opts->ncomms && !comm_ok; i++)
		comm_ok = strncmp(opts->comms[i], comm, NH_COMM_LEN) == 0;
	return pid_ok && comm_ok;
}

/* The snapshot restricted to --pid/--comm; totals stay those of the whole host. */
static void filter_snapshot(const struct options *opts, const struct snapshot *in,
			    struct snapshot *out)
{
	struct process_stats *procs = out->procs;
	struct connection_stats *conns = out->conns;
	struct flow_stats *flows = out->flows;
	bool filtering = opts->npids || opts->ncomms;

	*out = *in;
	out->procs = procs;
	out->conns = conns;
	out->flows = flows;
	out->nprocs = 0;
	out->nconns = 0;
	out->nflows = 0;
	for (size_t i = 0; i < in->nflows; i++)
		if (!filtering ||
		    (in->flows[i].owned && process_selected(opts, in->flows[i].pid, in->flows[i].comm)))
			out->flows[out->nflows++] = in->flows[i];
	for (size_t i = 0; i < in->nprocs; i++)
		if (process_selected(opts, in->procs[i].pid, in->procs[i].comm))
			out->procs[out->nprocs++] = in->procs[i];
	for (size_t i = 0; i < in->nconns; i++)
		if (process_selected(opts, in->conns[i].pid, in->conns[i].comm))
			out->conns[out->nconns++] = in->conns[i];
}

int dump_run(const struct options *opts)
{
	struct loader ld;
	struct collector *col = NULL;
	struct snapshot filtered = { 0 };
	struct rdns *names = NULL;
	struct timespec next;
	char err[1024];
	bool json, clear_screen;
	uint64_t wanted, printed = 0;
	int rc;

	json = opts->format == OUTPUT_JSON || (opts->format == OUTPUT_AUTO && !isatty(STDOUT_FILENO));
	if (opts->command == CMD_TOP) {
		json = opts->format == OUTPUT_JSON;
		wanted = 0; /* until interrupted */
	} else {
		wanted = opts->count_set ? opts->count : 1;
	}
	clear_screen = opts->command == CMD_TOP && !json && isatty(STDOUT_FILENO);

	install_signal_handlers();
	rc = loader_start(&ld, opts, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	col = collector_new(&ld);
	filtered.procs = col ? calloc(NH_MAX_PROCS + 256, sizeof(*filtered.procs)) : NULL;
	filtered.conns = col ? calloc(NH_MAX_SOCKS + 256, sizeof(*filtered.conns)) : NULL;
	filtered.flows = col ? calloc(NH_MAX_FLOWS + 256, sizeof(*filtered.flows)) : NULL;
	if (!opts->no_rdns)
		names = rdns_new();
	if (!col || !filtered.procs || !filtered.conns || !filtered.flows ||
	    (!opts->no_rdns && !names)) {
		fprintf(stderr, "nethound: cannot set up the collector (%s)\n", strerror(errno));
		rc = NH_EXIT_FAILURE;
		goto cleanup;
	}

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (wanted == 0 || printed < wanted) {
		const struct snapshot *snap;

		add_seconds(&next, opts->interval);
		sleep_until(&next);
		snap = collector_tick(col);
		if (!snap) {
			fprintf(stderr, "nethound: reading the BPF maps failed (%s)\n", strerror(errno));
			rc = NH_EXIT_FAILURE;
			break;
		}
		filter_snapshot(opts, snap, &filtered);
		if (clear_screen)
			fputs("\033[H\033[2J", stdout);
		if (json)
			output_json(stdout, &filtered, names);
		else
			output_table(stdout, &filtered);
		fflush(stdout);
		printed++;
		/* A stop signal ends the run after printing what the partial interval counted. */
		if (stop_requested)
			break;
	}

cleanup:
	free(filtered.procs);
	free(filtered.conns);
	free(filtered.flows);
	rdns_free(names);
	collector_free(col);
	loader_stop(&ld);
	return rc;
}
