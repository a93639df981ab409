// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "collect/collector.h"
#include "core/exitcodes.h"
#include "sinks/store/history.h"
#include "kernel/loader.h"
#include "cmd/record.h"
#include "pipeline/runloop.h"
#include "pipeline/selection.h"

int record_run(const struct options *opts)
{
	struct snapshot selected = {0};
	struct collector *col = NULL;
	struct history *hist = NULL;
	struct timespec next;
	struct loader ld;
	char err[1024];
	pid_t other;
	int rc;

	runloop_install_stop_handlers();
	if (opts->no_db) {
		fprintf(stderr, "nethound: record keeps history in a database; remove 'db = off' "
				"from the configuration or pass --db FILE\n");
		return NH_EXIT_USAGE;
	}
	rc = loader_start(&ld, opts, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	rc = history_open(&hist, opts, true, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		goto cleanup;
	}
	col = collector_new(&ld);
	if (!col || selection_alloc(&selected)) {
		fprintf(stderr, "nethound: cannot set up the collector (%s)\n",
			strerror(errno ? errno : ENOMEM));
		rc = NH_EXIT_FAILURE;
		goto cleanup;
	}
	rc = history_begin(hist, "record", hook_tier_name(ld.tier), tc_mode_name(ld.tc_mode),
			   &other, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		rc = rc == -EBUSY ? NH_EXIT_DATABASE : NH_EXIT_FAILURE;
		goto cleanup;
	}
	fprintf(stderr, "nethound: recording to %s (hooks %s, tc %s) until SIGINT or SIGTERM\n",
		history_db_path(hist), hook_tier_name(ld.tier), tc_mode_name(ld.tc_mode));

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		const struct snapshot *snap;
		size_t nevents;
		int trc;

		runloop_add_seconds(&next, opts->interval);
		runloop_sleep_until(&next);
		/* A stop signal still takes the partial interval: nothing counted is lost. */
		snap = collector_tick(col);
		if (!snap) {
			fprintf(stderr, "nethound: reading the BPF maps failed (%s)\n",
				strerror(errno));
			rc = NH_EXIT_FAILURE;
			break;
		}
		selection_apply(opts, snap, &selected);
		history_tick(hist, &selected, &nevents, &trc);
		if (trc) {
			fprintf(stderr, "nethound: out of memory while logging\n");
			rc = NH_EXIT_FAILURE;
			break;
		}
		if (runloop_stop_requested())
			break;
		/* After a suspend do not catch up with a burst of ticks. */
		if (runloop_ms_until(&next) == 0)
			clock_gettime(CLOCK_MONOTONIC, &next);
	}

cleanup:
	if (history_close(hist) && rc == 0)
		rc = NH_EXIT_FAILURE;
	selection_free(&selected);
	collector_free(col);
	loader_stop(&ld);
	return rc;
}
