/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The history's bounds on what one user can add (README, "History and
 * alerts"): which processes of a tick keep a traffic_log row of their own
 * (the busiest, up to a cap), and which rollup keys an hour lets in (the
 * first, up to a cap). What does not fit is summed by the store as
 * "(other)" per user, so no byte is lost.
 */
#ifndef NETHOUND_CAPS_H
#define NETHOUND_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/snapshot.h"
#include "sinks/store/rollup.h"

/* A process moved bytes in its tick (payload or wire). */
bool caps_moved_bytes(const struct process_stats *p);

/*
 * Which processes of s keep a row: all (*keep NULL) unless more than cap
 * (0: no cap) moved bytes; then (*keep)[i] is true for the cap busiest,
 * ties broken by snapshot order. *moved gets how many moved. n log n.
 * Free *keep. 0 or -ENOMEM.
 */
int caps_choose_rows(const struct snapshot *s, unsigned cap, bool **keep, size_t *moved);

/* The rollup keys an hour has let in so far. */
struct name_cap {
	unsigned cap; /* keys an hour; 0: no cap */
	struct rollup_table admitted;
	int64_t hour;
};

/*
 * May (hour, name, who) have a key of its own? Yes if seen this hour, or
 * while fewer than cap keys were; bytes of an earlier hour (held over a
 * few seconds) always. An hour later than the last starts the count again.
 * 1: yes, 0: no (sum it as "(other)"), -ENOMEM.
 */
int name_cap_admit(struct name_cap *c, int64_t hour, const char *name,
		   const struct rollup_who *who);

void name_cap_free(struct name_cap *c);

#endif
