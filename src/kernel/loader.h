/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Probe the hook tiers, load and attach the counters, tear down. */
#ifndef NETHOUND_LOADER_H
#define NETHOUND_LOADER_H

#include <stddef.h>

#include <linux/types.h>

#include <stdbool.h>

#include "kernel/tiers.h"

struct counters_bpf;
struct wire_bpf;
struct tc_attach;

/* What to load and where to attach it. */
struct loader_config {
	enum hook_tier hooks;
	enum tc_mode tc;
	const char *btf_path; /* NULL: /sys/kernel/btf/vmlinux */
	const char *const *ifaces; /* -i: only these; none = every interface that is up */
	size_t nifaces;
	bool verbose; /* libbpf's log and the reasons tiers were passed over */
	/*
	 * Bytes of the capture ring buffer (a power of two, at least a page);
	 * 0: no capture will be asked for, the ring and its scratch stay minimal.
	 */
	size_t capture_ring_bytes;
};

struct loader {
	struct counters_bpf *skel;
	enum hook_tier tier; /* the tier in use, never HOOKS_AUTO once started */
	struct wire_bpf *wire; /* NULL when wire accounting is off */
	struct tc_attach *tc;
	enum tc_mode tc_mode; /* TC_MODE_TCX, TC_MODE_NETLINK or TC_MODE_OFF */
	bool capture; /* the capture ring is sized for use */
};

/*
 * Check privileges and BTF, then load and attach the requested tier (or, for
 * auto, the first of fentry, tracepoint, kprobe that this kernel accepts).
 * Returns 0 or an NH_EXIT_* code with a one-line cause and remedy in err.
 */
int loader_start(struct loader *ld, const struct loader_config *cfg, char *err, size_t errlen);

/* Detach and free everything; safe on a loader that never started. */
void loader_stop(struct loader *ld);

int loader_procs_fd(const struct loader *ld);
int loader_socks_fd(const struct loader *ld);
/* Where sockets live (struct nh_sock_slot, mmap-able), the free ones, how many were ever used. */
int loader_sock_slots_fd(const struct loader *ld);
int loader_free_sock_slots_fd(const struct loader *ld);
const volatile __u64 *loader_sock_slots_used(const struct loader *ld);
/* Cumulative failed inserts, indexed by enum nh_drop. */
const volatile __u64 *loader_drops(const struct loader *ld);
/* Per uid: what the kernel counted (struct nh_uid_val), what userspace deleted (nh_uid_freed). */
int loader_uid_usage_fd(const struct loader *ld);
int loader_uid_freed_fd(const struct loader *ld);
/* Bytes of uids without a usage record, indexed by enum nh_unattributed. */
const volatile __u64 *loader_unattributed(const struct loader *ld);

/* Wire maps; -1 when wire accounting is off. */
int loader_ifaces_fd(const struct loader *ld);
int loader_flows_fd(const struct loader *ld);
/* Where flows live (struct nh_flow_slot, mmap-able), the free ones, how many were ever used. */
int loader_flow_slots_fd(const struct loader *ld);
int loader_free_flow_slots_fd(const struct loader *ld);
const volatile __u64 *loader_flow_slots_used(const struct loader *ld);
/* The shares of unowned flows, userspace's side (wire.h); -1 and NULL when off. */
int loader_remote_retired_fd(const struct loader *ld);
volatile __u64 *loader_unowned_retired(const struct loader *ld);
/* Cumulative failed inserts, indexed by enum nh_wire_drop; NULL when off. */
const volatile __u64 *loader_wire_drops(const struct loader *ld);

/* True when the wire classifier runs with a ring sized for capture (capture_ring_bytes). */
bool loader_can_capture(const struct loader *ld);

#endif
