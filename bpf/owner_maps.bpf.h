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

/*
 * Sockets live in the slots of an mmap-able array that userspace reads in
 * place each tick; socks finds a socket's slot by its key. Slots are handed
 * out by the counters object (counters.bpf.c: free_sock_slots) and given
 * back by userspace one tick after the key is deleted (kernel/slot_array.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NH_MAX_SOCKS);
	__type(key, __u64);
	__type(value, __u32); /* index in sock_slots */
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NH_MAX_SOCKS);
	__type(key, __u32);
	__type(value, struct nh_sock_slot);
} sock_slots SEC(".maps");

/* The socket's entry and its slot's index (*at), or NULL. */
static __always_inline struct nh_sock_val *sock_find_at(__u64 skey, __u32 *at)
{
	__u32 *index = bpf_map_lookup_elem(&socks, &skey);

	if (!index)
		return NULL;
	*at = *index;
	/* val is the slot's first member: the slot's address is the entry's. */
	return bpf_map_lookup_elem(&sock_slots, at);
}

/* The socket's entry, or NULL. */
static __always_inline struct nh_sock_val *sock_find(__u64 skey)
{
	__u32 at;

	return sock_find_at(skey, &at);
}

#endif
