/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The order of process keys, for sorted arrays and bsearch. A process is
 * (tgid, start time): a PID alone is reused, so both decide.
 */
#ifndef NETHOUND_PROC_KEY_H
#define NETHOUND_PROC_KEY_H

#include "counters.h"

static inline int proc_key_cmp(const struct nh_proc_key *a, const struct nh_proc_key *b)
{
	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return 0;
}

#endif
