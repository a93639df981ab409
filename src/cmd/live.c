// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>

#include "cmd/commands.h"
#include "core/exitcodes.h"
#include "sinks/live/live_sink.h"
#include "sinks/metrics/metrics_sink.h"
#include "sinks/store/store.h"
#include "sinks/store/store_sink.h"

int cmd_live(const struct options *opts)
{
	struct store_sink_config scfg = {
		.path = opts->db_path ? opts->db_path : STORE_DEFAULT_PATH,
		.retention_days = opts->retention_days,
		.trust_owner = opts->db_trust_owner,
		.rows_per_tick = opts->history_rows_per_tick,
		.names_per_hour = opts->history_names_per_hour,
		.min_free = opts->history_min_free,
		.mode = "top",
		.seed_quota = opts->alerts.daily_quota != 0,
	};
	struct live_config lcfg = { .threshold = opts->alerts.process_rate };
	struct pipeline_config cfg;
	struct pipeline *p = NULL;
	struct store_sink *store = NULL;
	struct live_sink *live = NULL;
	struct metrics_sink *metrics = NULL;
	struct web *web = NULL;
	char err[1024], web_url[256];
	struct sink sink;
	int rc, closed;

	rc = cmd_metrics_open(opts, &metrics, &web);
	if (rc)
		return rc;
	if (web) {
		cmd_web_url(opts, web, web_url, sizeof(web_url));
		lcfg.web_url = web_url;
	}
	cmd_pipeline_config(opts, &cfg);
	/* Errors while loading are ordinary one-line errors, before the screen is taken. */
	rc = pipeline_open(&p, &cfg, err, sizeof(err));
	if (!rc && !opts->no_db)
		rc = store_sink_open(&store, &scfg, err, sizeof(err));
	lcfg.store = store;
	if (!rc)
		rc = live_sink_open(&live, &lcfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		pipeline_close(p);
		store_sink_free(store);
		cmd_metrics_free(metrics, web);
		return rc;
	}
	/* Finished in reverse: the terminal is back before the database says anything. */
	if (store) {
		sink = store_sink(store);
		pipeline_add_sink(p, &sink);
	}
	cmd_metrics_add(p, metrics, web, store);
	sink = live_sink(live);
	pipeline_add_sink(p, &sink);
	rc = cmd_drop_privileges(false);
	if (!rc)
		rc = pipeline_run(p);
	closed = pipeline_close(p);
	live_sink_free(live);
	cmd_metrics_free(metrics, web);
	store_sink_free(store);
	return rc ? rc : closed;
}
