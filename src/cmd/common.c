// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "cmd/commands.h"

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
