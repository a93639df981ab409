/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The wire side of a tick: per-interface and per-flow traffic from the TC
 * classifier's maps, flows joined to processes through their socket cookie,
 * unattributed bytes per interface, and the set of protocols each process
 * has spoken (core/protocols.h). Flows are read in place from the
 * classifier's mmap-able slot array. An idle flow is retired: its key is
 * deleted, and its slot given back one tick later, when what raced into it
 * meanwhile is credited too; what it counted stays in the totals.
 */
#ifndef NETHOUND_FLOWS_H
#define NETHOUND_FLOWS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/snapshot.h"


/* Who owns a socket cookie: the collector answers from its socket table. */
typedef bool (*flows_owner_fn)(void *ctx, uint64_t cookie, struct nh_proc_key *owner,
			       char comm[NH_COMM_LEN]);

struct flows;

/* The classifier's flow maps (bpf/wire.bpf.c). */
struct flow_maps {
	int flows_fd; /* key -> slot index; -1 when wire accounting is off */
	int slots_fd; /* BPF_F_MMAPABLE array of struct nh_flow_slot: sizes every flow buffer */
	int free_fd;  /* BPF_MAP_TYPE_STACK of free slot indexes */
	const volatile __u64 *slots_used; /* slots handed out before any came back */
};

/*
 * ifaces_fd and maps->flows_fd are -1 when wire accounting is off: protocols
 * still work. iface_rows: how many rows a read of the interface map can
 * return (its max_entries plus a batch read's slack).
 */
struct flows *flows_new(int ifaces_fd, size_t iface_rows, const struct flow_maps *maps);
void flows_free(struct flows *f);

/*
 * Where retired unowned flows give their place in the shares back (wire.h):
 * the classifier's per-remote map and its overall counter. Without it (tests,
 * wire accounting off) nothing is given back.
 */
void flows_set_shares(struct flows *f, int remote_retired_fd, volatile __u64 *unowned_retired);

/*
 * Fill s->ifaces, s->flows, and each process's wire traffic and protocols.
 * s->procs must be sorted by (pid, start_ns), each with the protocols its
 * sockets speak this tick (protocol_set_l4), and s->conns filled.
 * Returns 0 or -errno if a map cannot be read.
 */
int flows_collect(struct flows *f, struct snapshot *s, const struct watched_iface *ifaces,
		  size_t nifaces, flows_owner_fn owner, void *ctx);

/* A flow's application, by its socket's cookie: what classifies connections. */
struct flow_app {
	uint64_t cookie;
	uint8_t app;
};

/*
 * The flows of the last flows_collect that have a socket cookie and an
 * application (sniffed or by port), in the order of s->flows; n of them.
 * Gathered while the flows were filled, so nobody scans s->flows for them.
 */
const struct flow_app *flows_apps(const struct flows *f, size_t *n);

#endif
