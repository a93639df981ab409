// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "pipeline/selection.h"

struct selected_key {
	uint32_t pid;
	uint64_t start_ns;
};

void selection_free(struct selection *sel)
{
	free(sel->kept);
	free(sel->procs);
	free(sel->conns);
	free(sel->flows);
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
	bool filtering = cfg->npids || cfg->ncomms;

	/* Room for everything: the input's sizes are the only bound there is. */
	if (array_grow((void **)&sel->procs, &sel->procs_cap, in->nprocs + 1, sizeof(*in->procs)))
		return -ENOMEM;
	*out = *in;
	out->procs = sel->procs;
	out->nprocs = 0;
	/*
	 * Nothing to narrow: the tens of thousands of connections and flows are
	 * shown as collected, without a copy (nothing after this writes to them).
	 * Processes are copied still: the pipeline fills in their identity.
	 */
	if (!filtering && !selection_by_identity(cfg)) {
		if (in->nprocs)
			memcpy(out->procs, in->procs, in->nprocs * sizeof(*in->procs));
		out->nprocs = in->nprocs;
		return 0;
	}
	if (array_grow((void **)&sel->conns, &sel->conns_cap, in->nconns + 1, sizeof(*in->conns)) ||
	    array_grow((void **)&sel->flows, &sel->flows_cap, in->nflows + 1, sizeof(*in->flows)))
		return -ENOMEM;
	out->conns = sel->conns;
	out->flows = sel->flows;
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
	snapshot_sum_protocols(out);
	return 0;
}

bool selection_by_identity(const struct selection_config *cfg)
{
	return cfg->nusers || cfg->nunits || cfg->ncontainers;
}

static bool user_matches(const char *want, const struct process_stats *p)
{
	char *end;
	unsigned long uid;

	if (p->ident.user && strcmp(p->ident.user, want) == 0)
		return true;
	if (*want < '0' || *want > '9')
		return false;
	errno = 0;
	uid = strtoul(want, &end, 10);
	return !*end && !errno && uid == p->uid;
}

static bool container_matches(const char *want, const struct process_identity *id)
{
	size_t len = strlen(want);

	if (!id->container_runtime)
		return false;
	if (id->container_name && strcmp(id->container_name, want) == 0)
		return true;
	/* docker ps shows 12 digits of an id: a prefix that long is as good as the id. */
	return id->container_id && len >= 12 && strncmp(id->container_id, want, len) == 0;
}

/* Each list is at most CLI_MAX_FILTERS long: constant work per process. */
static bool identity_selected(const struct selection_config *cfg, const struct process_stats *p)
{
	bool user_ok = cfg->nusers == 0, unit_ok = cfg->nunits == 0;
	bool container_ok = cfg->ncontainers == 0;

	for (size_t i = 0; i < cfg->nusers && !user_ok; i++)
		user_ok = user_matches(cfg->users[i], p);
	for (size_t i = 0; i < cfg->nunits && !unit_ok; i++)
		unit_ok = p->ident.unit && strcmp(cfg->units[i], p->ident.unit) == 0;
	for (size_t i = 0; i < cfg->ncontainers && !container_ok; i++)
		container_ok = container_matches(cfg->containers[i], &p->ident);
	return user_ok && unit_ok && container_ok;
}

static int key_cmp(const void *a, const void *b)
{
	const struct selected_key *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static bool kept(const struct selection *sel, size_t n, uint32_t pid, uint64_t start_ns)
{
	struct selected_key k = {pid, start_ns};

	return array_find(&k, sel->kept, n, sizeof(k), key_cmp) != NULL;
}

int selection_apply_identity(const struct selection_config *cfg, struct selection *sel)
{
	struct snapshot *out = &sel->out;
	size_t n = 0, nkept;

	if (!selection_by_identity(cfg))
		return 0;
	if (array_grow((void **)&sel->kept, &sel->kept_cap, out->nprocs + 1, sizeof(*sel->kept)))
		return -ENOMEM;
	for (size_t i = 0; i < out->nprocs; i++) {
		if (!identity_selected(cfg, &out->procs[i]))
			continue;
		sel->kept[n] = (struct selected_key){out->procs[i].pid, out->procs[i].start_ns};
		out->procs[n++] = out->procs[i];
	}
	out->nprocs = n;
	nkept = n;
	qsort(sel->kept, nkept, sizeof(*sel->kept), key_cmp);
	n = 0;
	for (size_t i = 0; i < out->nconns; i++)
		if (kept(sel, nkept, out->conns[i].pid, out->conns[i].start_ns))
			out->conns[n++] = out->conns[i];
	out->nconns = n;
	snapshot_sum_protocols(out);
	n = 0;
	for (size_t i = 0; i < out->nflows; i++)
		if (out->flows[i].owned &&
		    kept(sel, nkept, out->flows[i].pid, out->flows[i].start_ns))
			out->flows[n++] = out->flows[i];
	out->nflows = n;
	return 0;
}
