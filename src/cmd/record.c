// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>

#include "cmd/commands.h"
#include "core/exitcodes.h"
#include "sinks/capture/alert_capture.h"
#include "sinks/metrics/metrics_sink.h"
#include "sinks/store/store.h"
#include "sinks/store/store_sink.h"

int cmd_record(const struct options *opts)
{
	struct store_sink_config scfg = {
		.path = opts->db_path ? opts->db_path : STORE_DEFAULT_PATH,
		.retention_days = opts->retention_days,
		.trust_owner = opts->db_trust_owner,
		.rows_per_tick = opts->history_rows_per_tick,
		.names_per_hour = opts->history_names_per_hour,
		.min_free = opts->history_min_free,
		.mode = "record",
		.refuse_if_busy = true,
		.seed_quota = opts->alerts.daily_quota != 0,
		.announce = true,
	};
	struct pipeline_config cfg;
	struct pipeline *p = NULL;
	struct store_sink *store = NULL;
	struct alert_capture *acap = NULL;
	struct metrics_sink *metrics = NULL;
	struct web *web = NULL;
	char err[1024];
	struct sink sink;
	int rc, closed;

	if (opts->no_db) {
		fprintf(stderr, "nethound: record keeps history in a database; remove 'db = off' "
				"from the configuration or pass --db FILE\n");
		return NH_EXIT_USAGE;
	}
	rc = cmd_metrics_open(opts, &metrics, &web);
	if (rc)
		return rc;
	cmd_pipeline_config(opts, &cfg);
	cfg.alerts_to_stderr = true; /* a service's alerts belong in its log */
	cfg.rdns = false; /* nothing it writes names peers */
	if (opts->capture_on_alert) {
		struct alert_capture_config acfg = {.dir = opts->capture_on_alert,
						    .seconds = opts->capture_seconds,
						    .max_bytes = opts->capture_max_bytes,
						    .snaplen = opts->snaplen};

		cfg.loader.capture_ring_bytes = opts->ring_size;
		acap = alert_capture_new(&acfg);
		if (!acap) {
			fprintf(stderr, "nethound: out of memory\n");
			cmd_metrics_free(metrics, web);
			return NH_EXIT_FAILURE;
		}
	}
	rc = pipeline_open(&p, &cfg, err, sizeof(err));
	if (!rc)
		rc = store_sink_open(&store, &scfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		pipeline_close(p);
		cmd_metrics_free(metrics, web);
		alert_capture_free(acap);
		return rc;
	}
	/* Its start makes it an alert action: the store records the files it starts. */
	if (acap) {
		sink = alert_capture_sink(acap);
		pipeline_add_sink(p, &sink);
	}
	sink = store_sink(store);
	pipeline_add_sink(p, &sink);
	/* After the store, so the backlog it reports includes this tick. */
	cmd_metrics_add(p, metrics, web, store);
	rc = cmd_drop_privileges(false);
	if (!rc)
		rc = pipeline_run(p);
	closed = pipeline_close(p);
	cmd_metrics_free(metrics, web);
	store_sink_free(store);
	alert_capture_free(acap);
	return rc ? rc : closed;
}
