/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The process and socket maps: written by the counters object's socket
 * hooks, read by the wire object's capture to name a packet's process. One
 * definition for both objects, so the loader can hand the counters object's
 * descriptors to the wire object (bpf_map__reuse_fd checks they match).
 */
#ifndef NETHOUND_OWNER_MAPS_BPF_H
#define NETHOUND_OWNER_MAPS_BPF_H

#include "counters.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NH_MAX_PROCS);
	__type(key, struct nh_proc_key);
	__type(value, struct nh_proc_val);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NH_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct nh_sock_val);
} socks SEC(".maps");

#endif
