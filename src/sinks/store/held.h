/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bytes of processes whose identity is still being looked up (a tick or
 * two, README "Identity"), held back from the rollups so that they are
 * summed under the process's user, unit and container once known, not
 * under none. Kept sorted by process: a tick is n log n.
 */
#ifndef NETHOUND_HELD_H
#define NETHOUND_HELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

/* Bytes are held at most this long; then they go in under what is known. */
#define HELD_MAX_S 10

struct held_bytes {
	uint32_t pid;
	uint64_t start_ns;
	char comm[NH_COMM_LEN];
	int64_t hour;  /* the rollup hour of the first bytes held */
	time_t since;  /* when the first bytes were held */
	uint64_t v[4]; /* payload up, down, wire up, wire down */
	bool taken;
};

struct held {
	struct held_bytes *cur, *next; /* last tick's (sorted), this tick's */
	size_t ncur, nnext, cur_cap, next_cap;
};

/* Take out what is held for a process into *out (zeroed if nothing). true if anything was. */
bool held_take(struct held *h, uint32_t pid, uint64_t start_ns, struct held_bytes *out);

/* Hold b (a process's bytes, merged with what held_take gave) until the next tick. 0 or -ENOMEM. */
int held_keep(struct held *h, const struct held_bytes *b);

/*
 * End of a tick: what was held and neither taken nor kept (a process gone
 * from the snapshot) is handed to release, then this tick's become the
 * held. release returns 0 or -ENOMEM.
 */
int held_end_tick(struct held *h, int (*release)(void *ctx, const struct held_bytes *b), void *ctx);

void held_free(struct held *h);

#endif
