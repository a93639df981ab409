// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/hook_floor's programs: the same event (tp_btf/sock_send_length), each
 * doing one shape of the work nethound's socket hooks do, so that bpf_stats
 * gives what each step costs on this kernel, beside nethound's own programs
 * when one runs. Never part of nethound.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "counters.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Maps of nethound's sizes and value types, so lookups cost what nethound's cost. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NH_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct nh_sock_val);
} floor_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NH_MAX_PROCS);
	__type(key, struct nh_proc_key);
	__type(value, struct nh_proc_val);
} floor_procs SEC(".maps");

/* What a socket would keep in its own storage: its slot in an array. */
struct floor_slot {
	__u32 slot;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct floor_slot);
} sk_slot_of SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NH_MAX_SOCKS);
	__type(key, __u32);
	__type(value, struct nh_sock_val);
} floor_slots SEC(".maps");

/* What a process would keep in its leader's task storage: its slot in an array. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct floor_slot);
} task_slot_of SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NH_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct nh_proc_val);
} floor_proc_slots SEC(".maps");

/* Slots are handed out in order; the bench's few sockets and processes never wrap. */
__u32 next_slot, next_proc_slot;

/* Nothing: the cost of running a program at all, bpf_stats' own clock reads included. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_empty, struct sock *sk, int ret, int flags)
{
	return 0;
}

/* One atomic add into an array element: an array lookup is inlined to an address. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_array, struct sock *sk, int ret, int flags)
{
	__u32 slot = 0;
	struct nh_sock_val *v = bpf_map_lookup_elem(&floor_slots, &slot);

	if (v && ret > 0)
		__sync_fetch_and_add(&v->rx, ret);
	return 0;
}

/* The socket's cookie, its entry in a hash map (made on the first event), one atomic add. */
static __always_inline void sock_hash_add(struct sock *sk, int ret)
{
	__u64 cookie = bpf_get_socket_cookie(sk);
	struct nh_sock_val *v = bpf_map_lookup_elem(&floor_socks, &cookie), init = {};

	if (!v)
		bpf_map_update_elem(&floor_socks, &cookie, &init, BPF_NOEXIST);
	else if (ret > 0)
		__sync_fetch_and_add(&v->tx, ret);
}

/* Half of today's hot path: the socket's entry. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_sock_hash, struct sock *sk, int ret, int flags)
{
	sock_hash_add(sk, ret);
	return 0;
}

/* Both lookups of today's hot path: the process's entry (16-byte key), then the socket's. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_two_hash, struct sock *sk, int ret, int flags)
{
	struct nh_proc_key key = {};
	struct nh_proc_val *p, init = {};

	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.start_ns = bpf_get_current_task_btf()->group_leader->start_time;
	p = bpf_map_lookup_elem(&floor_procs, &key);
	if (!p)
		bpf_map_update_elem(&floor_procs, &key, &init, BPF_NOEXIST);
	else if (ret > 0)
		__sync_fetch_and_add(&p->tx[0], ret);
	sock_hash_add(sk, ret);
	return 0;
}

/* The socket's slot from its own storage, then an atomic add in the array: no hash. */
static __always_inline void sk_slot_add(struct sock *sk, int ret)
{
	struct floor_slot *s = bpf_sk_storage_get(&sk_slot_of, sk, 0,
						  BPF_SK_STORAGE_GET_F_CREATE);
	struct nh_sock_val *v;
	__u32 slot;

	if (!s)
		return;
	if (!s->slot)
		s->slot = __sync_add_and_fetch(&next_slot, 1);
	slot = s->slot;
	v = bpf_map_lookup_elem(&floor_slots, &slot);
	if (v && ret > 0)
		__sync_fetch_and_add(&v->tx, ret);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_sk_slot, struct sock *sk, int ret, int flags)
{
	sk_slot_add(sk, ret);
	return 0;
}

/* The process's slot from its leader's task storage, then an atomic add in an array. */
static __always_inline void proc_slot_add(int ret)
{
	struct task_struct *leader = bpf_get_current_task_btf()->group_leader;
	struct floor_slot *s = bpf_task_storage_get(&task_slot_of, leader, 0,
						    BPF_LOCAL_STORAGE_GET_F_CREATE);
	struct nh_proc_val *v;
	__u32 slot;

	if (!s)
		return;
	if (!s->slot)
		s->slot = __sync_add_and_fetch(&next_proc_slot, 1) % NH_MAX_PROCS;
	slot = s->slot;
	v = bpf_map_lookup_elem(&floor_proc_slots, &slot);
	if (v && ret > 0)
		__sync_fetch_and_add(&v->tx[0], ret);
}

/* The process's half of a hot path without hash maps. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_task_slot, struct sock *sk, int ret, int flags)
{
	proc_slot_add(ret);
	return 0;
}

/*
 * A whole hot path without hash maps: the process's slot from task storage and
 * the socket's from socket storage, an atomic add in each array.
 */
SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_two_slots, struct sock *sk, int ret, int flags)
{
	proc_slot_add(ret);
	sk_slot_add(sk, ret);
	return 0;
}
