// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerts/alerts.h"
#include "collect/collector.h"
#include "cmd/dump.h"
#include "core/exitcodes.h"
#include "kernel/loader.h"
#include "sinks/stream/output.h"
#include "collect/rdns.h"
#include "pipeline/runloop.h"
#include "pipeline/selection.h"

int dump_run(const struct options *opts)
{
	struct loader ld;
	struct collector *col = NULL;
	struct snapshot filtered = { 0 };
	struct rdns *names = NULL;
	struct alerts *alerts = NULL;
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

	runloop_install_stop_handlers();
	rc = loader_start(&ld, opts, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	col = collector_new(&ld);
	alerts = alerts_new(&opts->alerts, opts->interval);
	if (!opts->no_rdns)
		names = rdns_new();
	if (!col || !alerts || selection_alloc(&filtered) || (!opts->no_rdns && !names)) {
		if (!errno)
			errno = ENOMEM;
		fprintf(stderr, "nethound: cannot set up the collector (%s)\n", strerror(errno));
		rc = NH_EXIT_FAILURE;
		goto cleanup;
	}

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (wanted == 0 || printed < wanted) {
		const struct snapshot *snap;
		size_t nevents;

		runloop_add_seconds(&next, opts->interval);
		runloop_sleep_until(&next);
		snap = collector_tick(col);
		if (!snap) {
			fprintf(stderr, "nethound: reading the BPF maps failed (%s)\n", strerror(errno));
			rc = NH_EXIT_FAILURE;
			break;
		}
		selection_apply(opts, snap, &filtered);
		/* Alerts judge what is shown: --pid/--comm narrow them too. */
		if (!alerts_update(alerts, &filtered, &nevents) && errno == ENOMEM) {
			fprintf(stderr, "nethound: out of memory judging alerts\n");
			rc = NH_EXIT_FAILURE;
			break;
		}
		filtered.alerts = alerts_active(alerts, &filtered.nalerts);
		if (clear_screen)
			fputs("\033[H\033[2J", stdout);
		if (json)
			output_json(stdout, &filtered, names);
		else
			output_table(stdout, &filtered);
		fflush(stdout);
		printed++;
		/* A stop signal ends the run after printing what the partial interval counted. */
		if (runloop_stop_requested())
			break;
	}

cleanup:
	selection_free(&filtered);
	alerts_free(alerts);
	rdns_free(names);
	collector_free(col);
	loader_stop(&ld);
	return rc;
}
