/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet capture for the TC classifier (included by wire.bpf.c): packets the
 * filter asks for are copied, at most snaplen bytes each, with the process
 * that owns them, into a ring buffer that userspace writes to pcapng.
 *
 * The process comes from the counters object's socket and process maps,
 * which this object shares (the loader reuses their descriptors): a packet's
 * socket cookie names the socket entry, whose owner is the process that moved
 * its bytes last. A socket that has moved none yet (the SYN, the first
 * segment of the first write, sent before the send hook returns) is sent by
 * the process holding its lock: the task running the program.
 *
 * While nothing is captured, a packet costs one load: capture_cfg.on.
 */
#ifndef NETHOUND_CAPTURE_BPF_H
#define NETHOUND_CAPTURE_BPF_H

#include "capture.h"
#include "counters.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NH_CAPTURE_RING_IDLE); /* userspace sizes it before load */
} capture_ring SEC(".maps");

/*
 * Where a record is assembled before it goes to the ring in one copy: the
 * ring only reserves sizes known at verification, a packet's is not. One
 * entry per CPU (a per-CPU map's values are limited to 32 KiB); a TC
 * program does not nest on its CPU.
 */
struct capture_scratch {
	struct nh_capture_rec rec;
	__u8 data[NH_CAPTURE_SNAP_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* userspace: the number of possible CPUs while capturing */
	__type(key, __u32);
	__type(value, struct capture_scratch);
} capture_scratch SEC(".maps");

/* enum nh_capture_stat, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NH_CAPTURE_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} capture_stats SEC(".maps");

/* Packets lost to a full ring, by interface: only touched when one is lost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NH_MAX_IFACES);
	__type(key, __u32);
	__type(value, __u64);
} capture_lost SEC(".maps");

/* The counters object's maps; the loader passes their descriptors. */
#include "owner_maps.bpf.h"

/*
 * Who sent a socket's first packets, learned on egress while its entry in
 * socks has no owner yet (the owner is recorded when the send returns): the
 * loopback copy of those packets, seen on ingress, and the answers that
 * arrive before the first send returns find it here. Only while capturing.
 */
struct first_owner {
	__u32 tgid;
	__u32 uid;
	__u64 start_ns;
	__u64 cgroup_id;
	char comm[NH_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* socket cookie */
	__type(value, struct first_owner);
} capture_first_owner SEC(".maps");

struct nh_capture_cfg capture_cfg;

/* Set before load: false where the kernel refuses bpf_get_current_task() to TC programs. */
const volatile bool capture_lock_owner = true;

/* The socket of an egress packet, when it is a full one (not a request or timewait socket). */
static __always_inline __u64 egress_cookie(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk || !bpf_sk_fullsock(sk))
		return 0;
	return bpf_get_socket_cookie(skb);
}

static __always_inline void capture_count(__u32 stat)
{
	__u64 *n = bpf_map_lookup_elem(&capture_stats, &stat);

	if (n)
		*n += 1;
}

static __always_inline void capture_count_lost(__u32 ifindex)
{
	__u64 *n = bpf_map_lookup_elem(&capture_lost, &ifindex), one = 1;

	if (n)
		*n += 1;
	else
		bpf_map_update_elem(&capture_lost, &ifindex, &one, BPF_NOEXIST);
	capture_count(NH_CAPTURE_LOST);
}

/* The protocol and port asked for; a port needs TCP or UDP. */
static __always_inline bool capture_wants_packet(const struct packet *p, int parsed)
{
	__u8 proto = parsed == 0 ? p->key.protocol : 0;
	__u16 port = capture_cfg.port;

	if (capture_cfg.protocol && capture_cfg.protocol != proto)
		return false;
	if (!port)
		return true;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return false;
	return p->key.local_port == port || p->key.remote_port == port;
}

static __always_inline void owner_from_proc(struct nh_capture_rec *r, const struct nh_proc_key *key)
{
	struct nh_proc_val *proc = bpf_map_lookup_elem(&procs, key);

	if (!proc)
		return;
	r->uid = proc->uid;
	r->cgroup_id = proc->cgroup_id;
	__builtin_memcpy(r->comm, proc->comm, NH_COMM_LEN);
}

static __always_inline void owner_from_cookie(struct nh_capture_rec *r, __u64 cookie)
{
	struct nh_sock_val *sock;
	struct nh_proc_key key = {};

	if (!cookie)
		return;
	sock = sock_find(cookie);
	if (!sock || !sock->owner.tgid) {
		struct first_owner *first = bpf_map_lookup_elem(&capture_first_owner, &cookie);

		if (!first)
			return;
		r->tgid = first->tgid;
		r->uid = first->uid;
		r->start_ns = first->start_ns;
		r->cgroup_id = first->cgroup_id;
		__builtin_memcpy(r->comm, first->comm, NH_COMM_LEN);
		return;
	}
	key.tgid = sock->owner.tgid;
	key.start_ns = sock->owner.start_ns;
	r->tgid = key.tgid;
	r->start_ns = key.start_ns;
	owner_from_proc(r, &key);
}

/*
 * An egress packet of a socket whose lock a process holds is being sent by
 * that process, in its own system call (connect, the first write): softirq
 * work on an owned socket is deferred to the owner. So the running task is
 * the sender.
 */
static __always_inline void owner_from_lock(struct __sk_buff *skb, struct nh_capture_rec *r)
{
	struct bpf_sock *sk = skb->sk, *slot;
	struct task_struct *task;
	struct nh_proc_key key = {};
	__u64 ptr = 0;
	int owned = 0;

	if (!capture_lock_owner || !sk)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return;
	/* As in looked_up_cookie(): the pointer's value, copied out as a number. */
	slot = sk;
	if (bpf_probe_read_kernel(&ptr, sizeof(ptr), &slot))
		return;
	ptr += bpf_core_field_offset(struct sock, sk_lock.owned);
	if (bpf_probe_read_kernel(&owned, sizeof(owned), (void *)ptr) || !owned)
		return;
	task = (struct task_struct *)bpf_get_current_task();
	key.tgid = BPF_CORE_READ(task, tgid);
	key.start_ns = BPF_CORE_READ(task, group_leader, start_time);
	r->tgid = key.tgid;
	r->start_ns = key.start_ns;
	owner_from_proc(r, &key);
	if (!r->comm[0]) {
		BPF_CORE_READ_STR_INTO(&r->comm, task, group_leader, comm);
		r->uid = BPF_CORE_READ(task, cred, uid.val);
		r->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	}
}

/* Remember the owner the lock named, for the packets that see the socket only by cookie. */
static __always_inline void remember_first_owner(__u64 cookie, const struct nh_capture_rec *r)
{
	struct first_owner first = {
	    .tgid = r->tgid, .uid = r->uid, .start_ns = r->start_ns, .cgroup_id = r->cgroup_id};

	if (!cookie || !r->tgid)
		return;
	__builtin_memcpy(first.comm, r->comm, NH_COMM_LEN);
	bpf_map_update_elem(&capture_first_owner, &cookie, &first, BPF_ANY);
}

/*
 * Loopback egress captures nothing (ingress does), but it is where the
 * sending socket and its process are at hand: learn a first owner there.
 */
static __always_inline void capture_loopback_egress(struct __sk_buff *skb)
{
	struct nh_capture_rec *r;
	struct capture_scratch *s;
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 cookie = egress_cookie(skb);
	struct nh_sock_val *sock;

	if (!cookie)
		return;
	sock = sock_find(cookie);
	if (sock && sock->owner.tgid)
		return;
	s = bpf_map_lookup_elem(&capture_scratch, &cpu);
	if (!s)
		return;
	r = &s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	owner_from_lock(skb, r);
	remember_first_owner(cookie, r);
}

/*
 * Loopback: both ends are local and the packet has left its socket by the
 * time ingress sees it. Its sender is the socket bound to its source: look
 * it up with the tuple reversed.
 */
static __always_inline __u64 loopback_sender(struct __sk_buff *skb, const struct packet *p)
{
	struct bpf_sock_tuple tuple = {};
	struct bpf_sock *sk;
	__u32 size;
	__u64 cookie;

	if (p->key.family == 4) {
		tuple.ipv4.saddr = p->dst4;
		tuple.ipv4.daddr = p->src4;
		tuple.ipv4.sport = p->dport;
		tuple.ipv4.dport = p->sport;
		size = sizeof(tuple.ipv4);
	} else {
		/* Ingress: local is the destination, remote the source. */
		__builtin_memcpy(tuple.ipv6.saddr, p->key.local_addr, 16);
		__builtin_memcpy(tuple.ipv6.daddr, p->key.remote_addr, 16);
		tuple.ipv6.sport = p->dport;
		tuple.ipv6.dport = p->sport;
		size = sizeof(tuple.ipv6);
	}
	if (p->key.protocol == IPPROTO_TCP)
		sk = bpf_sk_lookup_tcp(skb, &tuple, size, BPF_F_CURRENT_NETNS, 0);
	else if (p->key.protocol == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, &tuple, size, BPF_F_CURRENT_NETNS, 0);
	else
		return 0;
	if (!sk)
		return 0;
	cookie = looked_up_cookie(sk);
	bpf_sk_release(sk);
	return cookie;
}

/* Whether v is among the first n entries of a filter list (bounded loop for the verifier). */
static __always_inline bool capture_listed(const __u32 *list, __u32 n, __u32 v)
{
	bool found = false;

	for (__u32 i = 0; i < NH_CAPTURE_MATCH_MAX; i++)
		if (i < n && list[i] == v)
			found = true;
	return found;
}

static __always_inline bool capture_wants_owner(const struct nh_capture_rec *r)
{
	bool found;

	if (capture_cfg.npids &&
	    (!r->tgid || !capture_listed(capture_cfg.pids, capture_cfg.npids, r->tgid)))
		return false;
	if (capture_cfg.nuids &&
	    (!r->tgid || !capture_listed(capture_cfg.uids, capture_cfg.nuids, r->uid)))
		return false;
	if (capture_cfg.ncomms) {
		const __u64 *want, *have = (const __u64 *)r->comm;

		found = false;
		for (__u32 i = 0; i < NH_CAPTURE_MATCH_MAX; i++) {
			want = (const __u64 *)capture_cfg.comms[i];
			if (i < capture_cfg.ncomms && want[0] == have[0] && want[1] == have[1])
				found = true;
		}
		if (!found || !r->tgid)
			return false;
	}
	return true;
}

/*
 * Copy one packet if the filter wants it. flow is the packet's flow (NULL if
 * none), whose cookie names the socket of an ingress packet.
 */
static __always_inline void capture(struct __sk_buff *skb, const struct packet *p, int parsed,
				    const struct nh_flow_val *flow, bool egress, bool loopback)
{
	struct capture_scratch *s;
	struct nh_capture_rec *r;
	__u32 cpu = bpf_get_smp_processor_id(), caplen, last;
	__u64 cookie = 0;

	if (!capture_wants_packet(p, parsed))
		return;
	s = bpf_map_lookup_elem(&capture_scratch, &cpu);
	if (!s)
		return;
	r = &s->rec;
	__builtin_memset(r, 0, sizeof(*r));
	if (loopback)
		cookie = parsed == 0 ? loopback_sender(skb, p) : 0;
	else if (egress)
		cookie = egress_cookie(skb);
	else if (flow)
		cookie = flow->cookie;
	owner_from_cookie(r, cookie);
	if (!r->tgid && egress) {
		owner_from_lock(skb, r);
		remember_first_owner(cookie, r);
	}
	if (!capture_wants_owner(r))
		return;

	caplen = skb->len;
	if (caplen > capture_cfg.snaplen)
		caplen = capture_cfg.snaplen;
	if (caplen > NH_CAPTURE_SNAP_MAX)
		caplen = NH_CAPTURE_SNAP_MAX;
	/*
	 * bpf_skb_load_bytes() takes no zero length, and older verifiers (6.1)
	 * learn no lower bound from "caplen != 0": bound caplen - 1 to
	 * [0, SNAP_MAX) instead (0 wraps and leaves), and add the 1 back in a
	 * register the compiler cannot swap for caplen's own.
	 */
	last = caplen - 1;
	if (last >= NH_CAPTURE_SNAP_MAX)
		return;
	asm volatile("" : "+r"(last));
	caplen = last + 1;
	if (bpf_skb_load_bytes(skb, 0, s->data, caplen))
		return;
	r->ts_ns = bpf_ktime_get_ns();
	r->ifindex = skb->ifindex;
	r->len = skb->len;
	r->caplen = caplen;
	r->dir = egress ? NH_DIR_TX : NH_DIR_RX;
	if (bpf_ringbuf_output(&capture_ring, s, sizeof(*r) + caplen, 0))
		capture_count_lost(skb->ifindex);
	else
		capture_count(NH_CAPTURE_COPIED);
}

#endif /* NETHOUND_CAPTURE_BPF_H */
