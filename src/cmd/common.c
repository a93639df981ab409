// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "core/exitcodes.h"

#include "cmd/commands.h"
#include "kernel/privileges.h"
#include "sinks/metrics/metrics_sink.h"
#include "sinks/store/store_sink.h"

void cmd_pipeline_config(const struct options *opts, struct pipeline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->loader = (struct loader_config){
		.hooks = opts->hooks,
		.tc = opts->tc,
		.btf_path = opts->btf_path,
		.ifaces = opts->ifaces,
		.nifaces = opts->nifaces,
		.verbose = opts->verbose,
	};
	cfg->selection = (struct selection_config){
		.npids = (size_t)opts->npids,
		.pids = opts->pids,
		.ncomms = (size_t)opts->ncomms,
		.comms = opts->comms,
		.nusers = opts->nusers,
		.users = opts->users,
		.nunits = opts->nunits,
		.units = opts->units,
		.ncontainers = opts->ncontainers,
		.containers = opts->containers,
	};
	cfg->interval = opts->interval;
	cfg->window = opts->alerts.window;
	cfg->alerts = opts->alerts;
	cfg->alert_exec = opts->alert_exec;
	cfg->rdns = !opts->no_rdns;
}

int cmd_metrics_open(const struct options *opts, struct metrics_sink **out)
{
	struct metrics_sink_config cfg = {
		.addr = (const struct sockaddr *)&opts->listen_addr,
		.addrlen = opts->listen_addrlen,
		.max_series = (size_t)opts->metrics_max_series,
	};
	char err[512];
	int rc;

	*out = NULL;
	if (!opts->listen_set)
		return 0;
	rc = metrics_sink_open(out, &cfg, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	return rc;
}

static size_t store_backlog(const void *ctx)
{
	return store_sink_pending(ctx);
}

void cmd_metrics_add(struct pipeline *p, struct metrics_sink *m, const struct store_sink *store)
{
	struct sink sink;

	if (!m)
		return;
	if (store)
		metrics_sink_set_backlog(m, store_backlog, store);
	sink = metrics_sink(m);
	pipeline_add_sink(p, &sink);
}

int cmd_drop_privileges(bool reading)
{
	char err[256];

	if (privileges_drop(reading ? PRIVILEGES_KEEP_READING : PRIVILEGES_KEEP_COUNTING, err,
			    sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "nethound: cannot drop the capabilities it no longer needs (%s)\n", err);
	return NH_EXIT_FAILURE;
}
