/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* --pid/--comm/--user/--unit/--container: a snapshot restricted to the chosen processes. */
#ifndef NETHOUND_SELECTION_H
#define NETHOUND_SELECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

/* Processes to keep; an empty list keeps all. A process must match every list given. */
struct selection_config {
	size_t npids;
	const uint32_t *pids;
	size_t ncomms;
	const char *const *comms;
	/* By identity, once it is known (README, "Identity"): a process not yet resolved is left
	 * out. */
	size_t nusers;
	const char *const *users; /* a user name, or a uid in decimal */
	size_t nunits;
	const char *const *units; /* a systemd unit, e.g. nginx.service */
	size_t ncontainers;
	const char *const *containers; /* a name, an id, or an id's first 12 or more digits */
};

/* The arrays a selected snapshot points into; grown to each tick's input. */
struct selection {
	struct snapshot out; /* its procs are procs; conns and flows these or the input's */
	struct process_stats *procs;
	struct connection_stats *conns;
	struct flow_stats *flows;
	size_t procs_cap, conns_cap, flows_cap;
	struct selected_key *kept; /* processes kept by identity, sorted, to select their sockets */
	size_t kept_cap;
};

void selection_free(struct selection *sel);

/*
 * in restricted to the configured processes; totals stay those of the whole
 * host. The result lives in sel->out until the next call. 0 or -ENOMEM.
 */
int selection_apply(const struct selection_config *cfg, const struct snapshot *in,
		    struct selection *sel);

/* True if the configuration has identity filters (selection_apply_identity has work). */
bool selection_by_identity(const struct selection_config *cfg);

/*
 * After the processes' identity is filled in: narrow sel->out to those
 * matching --user/--unit/--container, with their connections and flows.
 * n log n in processes, sockets and flows. 0 or -ENOMEM.
 */
int selection_apply_identity(const struct selection_config *cfg, struct selection *sel);

#endif
