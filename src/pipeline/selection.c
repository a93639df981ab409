// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/selection.h"

int selection_alloc(struct snapshot *out)
{
	memset(out, 0, sizeof(*out));
	out->procs = calloc(NH_MAX_PROCS + 256, sizeof(*out->procs));
	out->conns = calloc(NH_MAX_SOCKS + 256, sizeof(*out->conns));
	out->flows = calloc(NH_MAX_FLOWS + 256, sizeof(*out->flows));
	if (!out->procs || !out->conns || !out->flows) {
		selection_free(out);
		return -ENOMEM;
	}
	return 0;
}

void selection_free(struct snapshot *out)
{
	free(out->procs);
	free(out->conns);
	free(out->flows);
	memset(out, 0, sizeof(*out));
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

void selection_apply(const struct options *opts, const struct snapshot *in, struct snapshot *out)
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
		if (!filtering || (in->flows[i].owned &&
				   process_selected(opts, in->flows[i].pid, in->flows[i].comm)))
			out->flows[out->nflows++] = in->flows[i];
	for (size_t i = 0; i < in->nprocs; i++)
		if (process_selected(opts, in->procs[i].pid, in->procs[i].comm))
			out->procs[out->nprocs++] = in->procs[i];
	for (size_t i = 0; i < in->nconns; i++)
		if (process_selected(opts, in->conns[i].pid, in->conns[i].comm))
			out->conns[out->nconns++] = in->conns[i];
}
