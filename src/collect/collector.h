/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Turns the cumulative BPF counters into snapshots: batch map reads, deltas
 * against the previous tick, rates, and mark-and-sweep of exited processes
 * and closed sockets.
 */
#ifndef NETHOUND_COLLECTOR_H
#define NETHOUND_COLLECTOR_H

#include "kernel/loader.h"
#include "core/snapshot.h"

struct collector;

/* Call right after loader_start(): the first interval starts here. */
struct collector *collector_new(const struct loader *ld);
void collector_free(struct collector *c);

/*
 * Read the maps and return the snapshot of the interval since the previous
 * tick (or since collector_new), with one interface_stats per watched
 * interface in ifaces: the list attachment keeps, handed over as data (the
 * collector knows nothing of TC). The snapshot stays valid until the next call.
 * Returns NULL with errno set if the maps cannot be read.
 */
const struct snapshot *collector_tick(struct collector *c, const struct watched_iface *ifaces,
				      size_t nifaces);

#endif
