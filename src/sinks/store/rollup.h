/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Byte sums keyed by (hour, name, user, unit, container) in an open-addressing
 * hash table (protocols leave the last three NULL): the
 * history store adds every tick's bytes per process and per protocol here,
 * and writes one upsert per key, not one per tick and process.
 */
#ifndef NETHOUND_ROLLUP_H
#define NETHOUND_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

/* One key's sums: the hourly and daily rollups, the protocol split. */
struct rollup {
	int64_t hour; /* epoch seconds of the hour's start; 0 = empty slot */
	char name[NH_COMM_LEN];
	/*
	 * Who (README, "Identity"), owned by the table; NULL where unknown. So a
	 * process that calls itself sshd does not add to the real sshd's sums.
	 */
	char *user, *unit, *container;
	uint64_t v[4];
};

/* The identity part of a key; any field may be NULL. */
struct rollup_who {
	const char *user, *unit, *container;
};

struct rollup_table {
	struct rollup *slots;
	size_t cap, used;
};

/* Add v to the sums of (hour, name, who); hour must not be 0; who may be NULL. 0 or -ENOMEM. */
int rollup_add(struct rollup_table *t, int64_t hour, const char *name, const struct rollup_who *who,
	       const uint64_t v[4]);

/* Whether (hour, name, who) has a slot; who may be NULL. */
bool rollup_has(const struct rollup_table *t, int64_t hour, const char *name,
		const struct rollup_who *who);

/* Empty the table, keeping its memory. */
void rollup_clear(struct rollup_table *t);

/* Free the table's memory. */
void rollup_free(struct rollup_table *t);

#endif
