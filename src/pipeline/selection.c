// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "pipeline/selection.h"

void selection_free(struct selection *sel)
{
	free(sel->out.procs);
	free(sel->out.conns);
	free(sel->out.flows);
	memset(sel, 0, sizeof(*sel));
}

/* Both lists are at most CLI_MAX_FILTERS long: this is constant work per row. */
static bool process_selected(const struct selection_config *cfg, uint32_t pid, const char *comm)
{
	bool pid_ok = cfg->npids == 0, comm_ok = cfg->ncomms == 0;

	for (size_t i = 0; i < cfg->npids && !pid_ok; i++)
		pid_ok = cfg->pids[i] == pid;
	for (size_t i = 0; i < cfg->ncomms && !comm_ok; i++)
		comm_ok = strncmp(cfg->comms[i], comm, NH_COMM_LEN) == 0;
	return pid_ok && comm_ok;
}

int selection_apply(const struct selection_config *cfg, const struct snapshot *in,
		    struct selection *sel)
{
	struct snapshot *out = &sel->out;
	struct process_stats *procs;
	struct connection_stats *conns;
	struct flow_stats *flows;
	bool filtering = cfg->npids || cfg->ncomms;

	/* Room for everything: the input's sizes are the only bound there is. */
	if (array_grow((void **)&out->procs, &sel->procs_cap, in->nprocs + 1, sizeof(*in->procs)) ||
	    array_grow((void **)&out->conns, &sel->conns_cap, in->nconns + 1, sizeof(*in->conns)) ||
	    array_grow((void **)&out->flows, &sel->flows_cap, in->nflows + 1, sizeof(*in->flows)))
		return -ENOMEM;
	procs = out->procs;
	conns = out->conns;
	flows = out->flows;
	*out = *in;
	out->procs = procs;
	out->conns = conns;
	out->flows = flows;
	out->nprocs = 0;
	out->nconns = 0;
	out->nflows = 0;
	for (size_t i = 0; i < in->nflows; i++)
		if (!filtering || (in->flows[i].owned &&
				   process_selected(cfg, in->flows[i].pid, in->flows[i].comm)))
			out->flows[out->nflows++] = in->flows[i];
	for (size_t i = 0; i < in->nprocs; i++)
		if (process_selected(cfg, in->procs[i].pid, in->procs[i].comm))
			out->procs[out->nprocs++] = in->procs[i];
	for (size_t i = 0; i < in->nconns; i++)
		if (process_selected(cfg, in->conns[i].pid, in->conns[i].comm))
			out->conns[out->nconns++] = in->conns[i];
	return 0;
}
