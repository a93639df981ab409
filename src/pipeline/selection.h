/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* --pid/--comm: a snapshot restricted to the chosen processes, for every sink. */
#ifndef NETHOUND_SELECTION_H
#define NETHOUND_SELECTION_H

#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

/* Processes to keep; an empty list keeps all. A process must match both lists. */
struct selection_config {
	size_t npids;
	const uint32_t *pids;
	size_t ncomms;
	const char *const *comms;
};

/* The arrays a selected snapshot points into; grown to each tick's input. */
struct selection {
	struct snapshot out;
	size_t procs_cap, conns_cap, flows_cap;
};

void selection_free(struct selection *sel);

/*
 * in restricted to the configured processes; totals stay those of the whole
 * host. The result lives in sel->out until the next call. 0 or -ENOMEM.
 */
int selection_apply(const struct selection_config *cfg, const struct snapshot *in,
		    struct selection *sel);

#endif
