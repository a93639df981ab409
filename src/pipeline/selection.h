/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* --pid/--comm: a snapshot restricted to the chosen processes, for every sink. */
#ifndef NETHOUND_SELECTION_H
#define NETHOUND_SELECTION_H

#include "settings/cli.h"
#include "core/snapshot.h"

/* Room in out for the largest snapshot the maps can give; 0 or -ENOMEM. */
int selection_alloc(struct snapshot *out);
void selection_free(struct snapshot *out);

/* in restricted to --pid/--comm into out; totals stay those of the whole host. */
void selection_apply(const struct options *opts, const struct snapshot *in, struct snapshot *out);

#endif
