/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who moved the bytes: user names, executables, cgroup paths and what they
 * say (systemd unit, container, pod), resolved like reverse DNS. A lookup
 * never waits: the first ask queues the work for a worker thread, later
 * ticks get the answer. Cached per uid, per cgroup id and per process; a
 * cgroup that vanished keeps its last name, and a name already known stays
 * while a refresh is under way.
 */
#ifndef NETHOUND_IDENTITY_H
#define NETHOUND_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/snapshot.h"

/* Keys remembered (uids, cgroups and processes together); unused ones are swept. */
#define IDENTITY_CACHE_CAPACITY 16384
/* Keys waiting for the worker; more are asked for again next tick. */
#define IDENTITY_QUEUE_CAPACITY 1024

struct identity_config {
	/* The cgroup v2 mount; NULL: the first cgroup2 entry of /proc/self/mountinfo. */
	const char *cgroup_root;
	/*
	 * Prefix of the runtimes' state directories (/var/lib/docker,
	 * /var/lib/containers/storage, /run/containerd, /var/lib/kubelet);
	 * NULL or "": the real ones. Tests point it at a tree of their own.
	 */
	const char *state_root;
};

struct identity;

/* Starts the worker thread. NULL with errno set on failure. */
struct identity *identity_new(const struct identity_config *cfg);

/* Never waits for the worker; it finishes a resolution under way and frees what is left. */
void identity_free(struct identity *id);

/*
 * Once per tick, before the lookups: take in what the worker resolved since
 * the last call. Names handed out by identity_fill stay valid until the next
 * call. now is CLOCK_MONOTONIC seconds.
 */
void identity_tick(struct identity *id, double now);

/*
 * Set p->ident from the cache, queuing what is not known yet: constant work
 * per process. Must be called on the thread that calls identity_tick.
 */
void identity_fill(struct identity *id, struct process_stats *p);

#endif
