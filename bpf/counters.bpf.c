// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-process and per-socket byte counters, fed by socket hooks.
 *
 * Three hook tiers offer the same accounting; userspace keeps exactly one
 * tier's programs (bpf_program__set_autoload) plus the common ones:
 *   fentry:     fexit on tcp/udp/ping sendmsg and recvmsg, fentry tcp_cleanup_rbuf
 *   tracepoint: tp_btf sock_send_length / sock_recv_length / tcp_rcv_space_adjust
 *   kprobe:     kprobe + kretprobe on the fentry tier's functions
 *   common:     tp_btf inet_sock_set_state, sched_process_exit
 *
 * Every entry point only decodes its arguments and calls one of the shared
 * bodies below: count_send(), count_recv(), count_tcp_consumed().
 *
 * TCP receive is counted from the progress of tp->copied_seq rather than from
 * return values: copied_seq advances exactly by the bytes a reader consumed,
 * whether through recvmsg, splice/read_sock or zerocopy receive, and does not
 * move for MSG_PEEK. Every path that advances it passes one of our hooks.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "counters.h"

#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define MSG_PEEK 2
#define EEXIST 17
#define RCV_SHUTDOWN 1
#define IPPROTO_ICMPV6 58 /* a #define in uapi, absent from BTF */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#include "owner_maps.bpf.h"

/*
 * Per TCP socket, in the socket itself: the copied_seq up to which every byte
 * is credited and no baseline is a guess. An event that finds copied_seq
 * still there has nothing to do and ends without a hash lookup (sock_recv_length
 * after tcp_rcv_space_adjust credited the same read, cleanup calls that
 * consumed nothing). Where the socket has an entry, the entry is the record;
 * where it has none (refused, or swept while idle) this is the baseline its
 * next read counts from. Set at ESTABLISHED, so it lives as long as the
 * socket, never in a map a user can fill. Tracing programs only: kprobes
 * have no socket storage and always look up.
 *
 * slot is where the socket's entry was last found, plus one (0: not known),
 * so that a read with bytes to credit skips the socks hash lookup. Only a
 * hint: sock_in_slot() checks the slot is live and still holds this socket's
 * key, and the hash map decides otherwise.
 */
struct rx_seen {
	__u32 seq;
	__u32 slot;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rx_seen);
} rx_seen SEC(".maps");

/* kprobe tier: what the entry probe saw, for the matching return probe. */
struct pending_call {
	struct sock *sk;
	int flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct pending_call);
} pending SEC(".maps");

/* What each uid holds of the maps above; see struct nh_uid_val. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NH_MAX_UIDS);
	__type(key, __u32);
	__type(value, struct nh_uid_val);
} uid_usage SEC(".maps");

/* Slots of sock_slots given back by userspace (owner_maps.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, NH_MAX_SOCKS);
	__type(value, __u32);
} free_sock_slots SEC(".maps");

/* Slots handed out before any came back: [0, sock_slots_used) have been used. */
__u64 sock_slots_used;

/* What userspace deleted of each uid's entries; the kernel only reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NH_MAX_UIDS);
	__type(key, __u32);
	__type(value, struct nh_uid_freed);
} uid_freed SEC(".maps");

/* Entries one uid may hold; the loader sets them from the maps' sizes. */
const volatile __u64 uid_proc_quota = NH_MAX_PROCS / NH_UID_SHARE;
const volatile __u64 uid_sock_quota = NH_MAX_SOCKS / NH_UID_SHARE;

/* Failed inserts, by enum nh_drop; read by userspace through the skeleton. */
__u64 drops[NH_DROP_MAX] = {};
/* Bytes of uids that have no nh_uid_val (uid map full), by enum nh_unattributed. */
__u64 unattributed[NH_UNATTR_MAX] = {};

static __always_inline int l4_class(__u16 protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return NH_L4_TCP;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return NH_L4_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return NH_L4_ICMP;
	default:
		return NH_L4_OTHER;
	}
}

/*
 * Reading kernel memory. tp_btf, fentry and iterator programs get BTF-typed
 * pointers they may load from directly: an inline load with a fault handler.
 * kprobes get plain numbers and must call bpf_probe_read_kernel per field,
 * several times the cost. btf says which kind the caller has; it is a
 * constant at every call site, so each program keeps one of the two paths.
 */
static __always_inline __u16 sk_family(struct sock *sk, bool btf)
{
	return btf ? sk->__sk_common.skc_family : BPF_CORE_READ(sk, __sk_common.skc_family);
}

static __always_inline __u16 sk_proto(struct sock *sk, bool btf)
{
	return btf ? sk->sk_protocol : BPF_CORE_READ(sk, sk_protocol);
}

static __always_inline __u16 sk_dport(struct sock *sk, bool btf)
{
	return btf ? sk->__sk_common.skc_dport : BPF_CORE_READ(sk, __sk_common.skc_dport);
}

/* A BTF pointer to struct sock may not be read as a tcp_sock without the checked cast. */
static __always_inline __u32 tcp_copied_seq(struct sock *sk, bool btf)
{
	struct tcp_sock *tp;

	if (!btf)
		return BPF_CORE_READ((struct tcp_sock *)sk, copied_seq);
	tp = bpf_skc_to_tcp_sock(sk);
	return tp ? tp->copied_seq : 0;
}

static __always_inline bool is_inet(struct sock *sk, bool btf)
{
	__u16 family;

	if (!sk)
		return false;
	family = sk_family(sk, btf);
	return family == AF_INET || family == AF_INET6;
}

static __always_inline void current_proc_key(struct nh_proc_key *key, bool btf)
{
	key->tgid = bpf_get_current_pid_tgid() >> 32;
	key->pad = 0;
	if (btf)
		key->start_ns = bpf_get_current_task_btf()->group_leader->start_time;
	else
		key->start_ns = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(),
					      group_leader, start_time);
}

/*
 * The uid's usage record, created on its first entry. Only inserts come here,
 * never the hot path of an existing entry. NULL: the uid map is full, and the
 * uid gets no entries (counted in drops[NH_DROP_UID]).
 */
static __always_inline struct nh_uid_val *uid_entry(__u32 uid)
{
	struct nh_uid_val *usage = bpf_map_lookup_elem(&uid_usage, &uid), zero = {};

	if (usage)
		return usage;
	bpf_map_update_elem(&uid_usage, &uid, &zero, BPF_NOEXIST);
	usage = bpf_map_lookup_elem(&uid_usage, &uid);
	if (!usage)
		__sync_fetch_and_add(&drops[NH_DROP_UID], 1);
	return usage;
}

/*
 * Whether the uid may take one more entry: what it inserted, minus what the
 * kernel and userspace deleted, under its share. Signed: userspace may count
 * a deletion before the insert's own count lands. Two CPUs can both pass the
 * check at once; the share is exceeded by at most the number of CPUs.
 */
static __always_inline bool uid_admits(const struct nh_uid_val *usage, __u32 uid, bool sock)
{
	const struct nh_uid_freed *freed = bpf_map_lookup_elem(&uid_freed, &uid);
	__s64 in_use;

	if (sock)
		in_use = usage->socks - usage->socks_unlinked - (freed ? freed->socks : 0);
	else
		in_use = usage->procs - (freed ? freed->procs : 0);
	return in_use < (__s64)(sock ? uid_sock_quota : uid_proc_quota);
}

/*
 * Create the entry of task's process (key) if its uid's share and the map
 * allow; NULL when refused, as for current_proc(). is_current: task is the
 * running task, whose cgroup a helper gives; else (seeding) it is read.
 */
static __always_inline struct nh_proc_val *proc_create(const struct nh_proc_key *key, __u32 uid,
						       struct task_struct *task, bool is_current,
						       struct nh_uid_val **usage)
{
	struct nh_proc_val *val, init = {};
	long err;

	init.uid = uid;
	*usage = uid_entry(init.uid);
	if (!*usage)
		return NULL;
	if (!uid_admits(*usage, init.uid, false)) {
		__sync_fetch_and_add(&(*usage)->proc_drops, 1);
		__sync_fetch_and_add(&drops[NH_DROP_PROC], 1);
		return NULL;
	}
	/* The leader's name: a thread may rename itself, the process is what we show. */
	BPF_CORE_READ_STR_INTO(&init.comm, task, group_leader, comm);
	init.cgroup_id = is_current ? bpf_get_current_cgroup_id()
				    : BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	err = bpf_map_update_elem(&procs, key, &init, BPF_NOEXIST);
	if (!err)
		__sync_fetch_and_add(&(*usage)->procs, 1);
	val = bpf_map_lookup_elem(&procs, key);
	/*
	 * Only a missing entry is a drop. A failed insert can still find one:
	 * another thread of the process may have inserted it meanwhile (an
	 * update can fail with -EBUSY while the bucket is busy, not only EEXIST).
	 */
	if (!val && err) {
		__sync_fetch_and_add(&(*usage)->proc_drops, 1);
		__sync_fetch_and_add(&drops[NH_DROP_PROC], 1);
	}
	return val;
}

/*
 * The current process's entry, created on first use if its uid's share and
 * the map allow. NULL when refused; *usage is then the uid's record (or NULL
 * if the uid has none), where the caller puts the bytes instead.
 */
static __always_inline struct nh_proc_val *current_proc(const struct nh_proc_key *key,
							struct nh_uid_val **usage)
{
	struct nh_proc_val *val = bpf_map_lookup_elem(&procs, key);

	if (val)
		return val;
	return proc_create(key, (__u32)bpf_get_current_uid_gid(),
			   (struct task_struct *)bpf_get_current_task(), true, usage);
}

static __always_inline void fill_tuple(struct nh_sock_val *val, struct sock *sk)
{
	val->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	val->protocol = BPF_CORE_READ(sk, sk_protocol);
	val->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	val->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (val->family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)val->local_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)val->remote_addr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&val->local_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&val->remote_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* A free slot's index, or -1 when all NH_MAX_SOCKS are taken. */
static __always_inline long sock_slot_take(void)
{
	__u32 index;
	__u64 fresh;

	if (!bpf_map_pop_elem(&free_sock_slots, &index))
		return index;
	fresh = __sync_fetch_and_add(&sock_slots_used, 1);
	return fresh < NH_MAX_SOCKS ? (long)fresh : -1;
}

/*
 * Find or create the socket entry. rx_seq is the copied_seq from which TCP
 * receive bytes count; it only matters for TCP.
 */
static __always_inline struct nh_sock_val *sock_entry_flags(struct sock *sk, __u64 skey,
							   __u32 rx_seq, __u32 flags, __u32 *at)
{
	struct nh_sock_val *val, init = {};
	struct nh_sock_slot *slot;
	struct nh_uid_val *usage;
	__u32 taken;
	long err;

	val = sock_find_at(skey, at);
	if (val)
		return val;

	/* The socket's owner uid, inherited by accepted sockets from their listener. */
	init.uid = BPF_CORE_READ(sk, sk_uid.val);
	usage = uid_entry(init.uid);
	if (!usage)
		return NULL;
	if (!uid_admits(usage, init.uid, true)) {
		__sync_fetch_and_add(&usage->sock_drops, 1);
		__sync_fetch_and_add(&drops[NH_DROP_SOCK], 1);
		return NULL;
	}
	fill_tuple(&init, sk);
	init.rx_seq = rx_seq;
	init.guess_seq = rx_seq;
	init.flags = flags;
	err = sock_slot_take();
	taken = (__u32)err;
	slot = err < 0 ? NULL : bpf_map_lookup_elem(&sock_slots, &taken);
	if (!slot) {
		__sync_fetch_and_add(&usage->sock_drops, 1);
		__sync_fetch_and_add(&drops[NH_DROP_SOCK], 1);
		return NULL;
	}
	/* Written before the key is published: nothing counts into the slot yet. */
	slot->val = init;
	slot->key = skey;
	err = bpf_map_update_elem(&socks, &skey, &taken, BPF_NOEXIST);
	if (err) {
		/* The slot goes back unused: another CPU created the entry first, or the map is full. */
		bpf_map_push_elem(&free_sock_slots, &taken, 0);
		if (err == -EEXIST)
			return sock_find_at(skey, at);
		__sync_fetch_and_add(&usage->sock_drops, 1);
		__sync_fetch_and_add(&drops[NH_DROP_SOCK], 1);
		return NULL;
	}
	/* A locked add: userspace sees live only after the writes above. */
	__sync_fetch_and_add(&slot->live, 1);
	__sync_fetch_and_add(&usage->socks, 1);
	*at = taken;
	return &slot->val;
}

static __always_inline struct nh_sock_val *sock_entry(struct sock *sk, __u64 skey, __u32 rx_seq)
{
	__u32 at;

	return sock_entry_flags(sk, skey, rx_seq, 0, &at);
}

/*
 * The entry in the slot a socket's rx_seen remembers, if that slot is still
 * this socket's: live (not retired by userspace after deleting the key) and
 * holding its key (not handed to another socket since). live is read first:
 * a slot taken again has its new key written before live turns 1
 * (sock_entry_flags). That order holds because x86, the one architecture
 * nethound builds for, never lets a load pass an earlier load; a weakly
 * ordered CPU would need an acquire load of live. NULL: look the socket up
 * in the hash map.
 */
static __always_inline struct nh_sock_val *sock_in_slot(__u32 cached, __u64 skey)
{
	__u32 index = cached - 1;
	struct nh_sock_slot *slot;

	if (!cached)
		return NULL;
	slot = bpf_map_lookup_elem(&sock_slots, &index);
	if (!slot || *(volatile __u32 *)&slot->live != 1 || *(volatile __u64 *)&slot->key != skey)
		return NULL;
	return &slot->val;
}

/* Record the current process as the socket's owner; cheap when unchanged. */
static __always_inline void sock_set_owner(struct nh_sock_val *val, struct sock *sk,
					   const struct nh_proc_key *key, bool btf)
{
	if (val->owner.tgid != key->tgid || val->owner.start_ns != key->start_ns)
		val->owner = *key;
	/* A UDP socket may connect after its first datagram; pick up the peer then. */
	if (!val->remote_port && val->family != AF_PACKET && sk_dport(sk, btf))
		fill_tuple(val, sk);
}

/*
 * Add bytes to the current process: to its entry, else to its uid's
 * overflow, else (no uid record either) to the unattributed count. Nothing
 * the hooks saw is lost. key is filled in: the socket's owner.
 */
static __always_inline void credit_proc(struct nh_proc_key *key, int l4, __u64 bytes, bool is_tx,
					bool btf)
{
	struct nh_uid_val *usage = NULL;
	struct nh_proc_val *proc;

	current_proc_key(key, btf);
	proc = current_proc(key, &usage);
	if (proc) {
		if (is_tx)
			__sync_fetch_and_add(&proc->tx[l4 & (NH_L4_MAX - 1)], bytes);
		else
			__sync_fetch_and_add(&proc->rx[l4 & (NH_L4_MAX - 1)], bytes);
	} else if (usage) {
		/* No entry for the process: its uid's overflow keeps the bytes. */
		__sync_fetch_and_add(is_tx ? &usage->overflow_tx : &usage->overflow_rx, bytes);
	} else {
		__sync_fetch_and_add(&unattributed[is_tx ? NH_UNATTR_TX : NH_UNATTR_RX], bytes);
	}
}

/*
 * Add bytes to the current process and to the socket's entry. sock is the
 * entry when the caller already holds it, else NULL to look it up here.
 */
static __always_inline void credit(struct sock *sk, __u64 skey, struct nh_sock_val *sock, int l4,
				   __u64 bytes, bool is_tx, bool btf)
{
	struct nh_proc_key key;

	credit_proc(&key, l4, bytes, is_tx, btf);
	if (!sock)
		sock = sock_entry(sk, skey, l4 == NH_L4_TCP ? tcp_copied_seq(sk, btf) : 0);
	if (!sock)
		return;
	sock_set_owner(sock, sk, &key, btf);
	if (is_tx)
		__sync_fetch_and_add(&sock->tx, bytes);
	else
		__sync_fetch_and_add(&sock->rx, bytes);
}

/*
 * Sends on inet sockets, and on packet sockets: a frame handed to an AF_PACKET
 * socket leaves the host as the process's traffic. Packet sockets' receives
 * are copies of traffic another socket is credited with (a capture), so they
 * are never counted.
 */
static __always_inline void count_send(struct sock *sk, __u64 skey, long bytes, bool btf,
				       bool tcp_slot_cache)
{
	struct nh_sock_val *sock = NULL;
	struct rx_seen *seen;
	__u16 family;
	int l4;

	if (bytes <= 0 || !sk)
		return;
	family = sk_family(sk, btf);
	if (family == AF_INET || family == AF_INET6) {
		l4 = l4_class(sk_proto(sk, btf));
		/*
		 * A TCP socket's slot as its reads last found it (rx_seen), instead
		 * of the hash lookup. Only where the program may use socket storage:
		 * never on a module's function (SCTP), which Debian's 6.1 verifier
		 * cannot check (README, "Performance").
		 */
		if (tcp_slot_cache && l4 == NH_L4_TCP) {
			seen = bpf_sk_storage_get(&rx_seen, sk, 0, 0);
			if (seen)
				sock = sock_in_slot(seen->slot, skey);
		}
		credit(sk, skey, sock, l4, bytes, true, btf);
	} else if (family == AF_PACKET) {
		credit(sk, skey, NULL, NH_L4_OTHER, bytes, true, btf);
	}
}

/* Datagram and raw sockets: the return value is the payload delivered. */
static __always_inline void count_recv(struct sock *sk, __u64 skey, long bytes, int flags,
				       bool btf)
{
	if (bytes > 0 && !(flags & MSG_PEEK) && is_inet(sk, btf))
		credit(sk, skey, NULL, l4_class(sk_proto(sk, btf)), bytes, false, btf);
}

/*
 * Whether the peer's FIN lies in the sequence range [from, to). Once a FIN
 * arrived (RCV_SHUTDOWN), rcv_nxt stays one past it, and a reader that
 * consumes the FIN advances copied_seq over it.
 */
static __always_inline bool fin_in_range(struct sock *sk, __u32 from, __u32 to)
{
	__u32 fin;

	if (!(BPF_CORE_READ_BITFIELD_PROBED(sk, sk_shutdown) & RCV_SHUTDOWN))
		return false;
	fin = BPF_CORE_READ((struct tcp_sock *)sk, rcv_nxt) - 1;
	return (__s32)(fin - from) >= 0 && (__s32)(to - 1 - fin) >= 0;
}

/*
 * kprobe tier, a socket without a cookie yet (a Fast Open server reading in
 * SYN_RECV): keyed by its address, which a closed socket's entry may still
 * hold until userspace removes it. Other ports: that entry is not this socket's.
 */
static __always_inline bool stale_by_address(const struct nh_sock_val *val, struct sock *sk)
{
	return val->local_port != BPF_CORE_READ(sk, __sk_common.skc_num) ||
	       val->remote_port != bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/*
 * A connection first met by a hook that could not say what its read took
 * (tcp_rcv_space_adjust runs inside recvmsg, per buffer, before
 * sock_recv_length tells the call's total): its baseline was a guess. The
 * first hook that knows the call's total settles it. If the guess was made in
 * this very call, the call consumed more than was credited since: credit the
 * difference. If it was made before (a splice reader), the difference is not
 * positive and nothing is added.
 */
static __always_inline void settle_guess(struct sock *sk, __u64 skey, struct nh_sock_val *sock,
					 __u32 seq, long known_bytes, bool btf)
{
	__u32 since = seq - sock->guess_seq;
	__s32 missing;

	if (!(__sync_fetch_and_and(&sock->flags, ~NH_SOCK_SEQ_GUESSED) & NH_SOCK_SEQ_GUESSED))
		return;
	/* A FIN read since the guess moved copied_seq by one without being data. */
	if (since && fin_in_range(sk, sock->guess_seq, seq))
		since--;
	missing = (__s32)((__u32)(known_bytes > 0 ? known_bytes : 0) - since);
	if (missing > 0)
		credit(sk, skey, sock, NH_L4_TCP, missing, false, btf);
}

/*
 * Claim the sequence range [*slot, seq) for this reader: two readers of one
 * socket may race, the cmpxchg gives each byte to one of them. Returns the
 * bytes claimed; *from is where the claimed range starts.
 */
static __always_inline __u32 claim_range(__u32 *slot, __u32 seq, __u32 *from)
{
	__u32 old = *slot, prev;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		if ((__s32)(seq - old) <= 0)
			break;
		prev = __sync_val_compare_and_swap(slot, old, seq);
		if (prev == old) {
			*from = old;
			return seq - old;
		}
		old = prev;
	}
	return 0;
}

/*
 * TCP receive on a socket that has no entry (its uid's share is used, or the
 * map is full): the process is still credited. The socket's cache knows up
 * to where it was credited (from ESTABLISHED on, or since its entry was
 * swept): then the progress since is exact. Without one (kprobe tier, a
 * connection older than nethound) what this call says it consumed.
 */
static __always_inline void credit_without_entry(struct sock *sk, struct rx_seen *seen, __u32 seq,
						 long known_bytes, bool exact, bool btf)
{
	struct nh_proc_key key;
	__u32 bytes, from = 0;

	if (seen) {
		bytes = claim_range(&seen->seq, seq, &from);
		if (bytes && fin_in_range(sk, from, seq))
			bytes--;
		if (bytes)
			credit_proc(&key, NH_L4_TCP, bytes, false, btf);
		return;
	}
	if (known_bytes > 0)
		credit_proc(&key, NH_L4_TCP, known_bytes, false, btf);
	/* From here on the cache has an exact baseline: nothing before seq is owed. */
	if (btf && exact) {
		seen = bpf_sk_storage_get(&rx_seen, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (seen)
			seen->seq = seq;
	}
}

/*
 * kprobe tier: an entry of a closed socket met again by address; its share
 * is given back, and its slot marked unlinked (live 2) for userspace to retire.
 * The slot marked is the one looked up just before the delete. Should
 * userspace remove the key and another hook re-create it in a new slot in
 * between, the delete takes the new mapping and the mark lands on a slot
 * already retired: that connection's row loses its bytes (process totals,
 * from procs, stay exact). The hash-map design before had the same window.
 */
static __always_inline void unlink_stale(__u64 skey, struct nh_sock_val *sock)
{
	struct nh_sock_slot *slot = (struct nh_sock_slot *)sock; /* val is its first member */
	__u32 uid = sock->uid;
	struct nh_uid_val *usage;

	if (bpf_map_delete_elem(&socks, &skey))
		return;
	__sync_fetch_and_add(&slot->live, 1);
	usage = bpf_map_lookup_elem(&uid_usage, &uid);
	if (usage)
		__sync_fetch_and_add(&usage->socks_unlinked, 1);
}

/*
 * TCP receive: credit the copied_seq progress since the last event.
 * exact says the hook knows what this call consumed: known_bytes (0 for a
 * peek). It sets the baseline of a connection first seen here, one that was
 * established before nethound started and not seeded.
 */
static __always_inline void count_tcp_consumed(struct sock *sk, __u64 skey, long known_bytes,
					       bool exact, bool btf)
{
	struct nh_sock_val *sock = NULL;
	struct rx_seen *seen = NULL;
	__u32 seq, old = 0, baseline, at = 0;
	__u64 bytes = 0;

	if (!is_inet(sk, btf) || sk_proto(sk, btf) != IPPROTO_TCP)
		return;
	seq = tcp_copied_seq(sk, btf);
	if (btf) {
		seen = bpf_sk_storage_get(&rx_seen, sk, 0, 0);
		if (seen && seen->seq == seq)
			return;
		if (seen) {
			sock = sock_in_slot(seen->slot, skey);
			at = seen->slot - 1;
		}
	}
	/*
	 * kprobe tier, a Fast Open server reading in SYN_RECV before the socket
	 * has a cookie: an entry by address now would be a second one beside the
	 * cookie's from ESTABLISHED, whose baseline (the stream's start) counts
	 * this read anyway. Wait for it.
	 */
	if (!btf && skey == (__u64)sk &&
	    BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_SYN_RECV)
		return;
	if (!sock) {
		sock = sock_find_at(skey, &at);
		if (sock && !btf && skey == (__u64)sk && stale_by_address(sock, sk)) {
			unlink_stale(skey, sock);
			sock = NULL;
		}
	}
	if (!sock) {
		/* The cache's baseline is exact; without it, what this call says it took. */
		baseline = seen ? seen->seq : seq - (known_bytes > 0 ? (__u32)known_bytes : 0);
		sock = sock_entry_flags(sk, skey, baseline,
					exact || seen ? 0 : NH_SOCK_SEQ_GUESSED, &at);
		if (!sock) {
			credit_without_entry(sk, seen, seq, known_bytes, exact, btf);
			return;
		}
	} else if (exact && (sock->flags & NH_SOCK_SEQ_GUESSED)) {
		settle_guess(sk, skey, sock, seq, known_bytes, btf);
	}

	bytes = claim_range(&sock->rx_seq, seq, &old);
	if (bytes && fin_in_range(sk, old, seq))
		bytes--; /* the peer's FIN takes one sequence number but is no payload */
	if (bytes)
		credit(sk, skey, sock, NH_L4_TCP, bytes, false, btf);
	/* Everything up to seq is credited now; a guess must wait for its settling hook. */
	if (btf && !(sock->flags & NH_SOCK_SEQ_GUESSED)) {
		if (!seen)
			seen = bpf_sk_storage_get(&rx_seen, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (seen) {
			seen->seq = seq;
			seen->slot = at + 1;
		}
	}
}

/* ------------------------------------------------------------- seeding */

/*
 * Sockets that predate nethound. Run once by userspace after the hooks are
 * attached: each established TCP socket gets its entry with copied_seq as the
 * baseline, so its first read after start counts in full (a hook meeting an
 * unknown socket can only guess what that read consumed). Inserts never
 * replace an entry a hook made meanwhile: the hook saw the newer state.
 */
static __always_inline bool tcp_state_seedable(int state)
{
	/* Before ESTABLISHED copied_seq is not set yet; after CLOSE nothing is read. */
	return state == TCP_ESTABLISHED || state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 ||
	       state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK || state == TCP_CLOSING;
}

static __always_inline void seed_tcp_sock(struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;

	if (!tcp_state_seedable(sk->__sk_common.skc_state))
		return;
	sock_entry(sk, bpf_get_socket_cookie(sk), tp->copied_seq);
}

/*
 * nethound's own namespace: every TCP socket, those still in a listener's
 * accept queue too. (Sockets held by processes in every namespace are seeded
 * from userspace; an iterator over task files would meet them as untrusted
 * pointers, which the cookie helper refuses.)
 */
SEC("iter/tcp")
int seed_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp)
		seed_tcp_sock(tp);
	return 0;
}

/*
 * The owners of the sockets just seeded, so that a connection shows its
 * process before it moves a byte (the hooks only learn the owner from a send
 * or a read). Run once after seed_tcp and the peeks: every file of every task
 * (one task per files table: the iterator skips threads sharing their
 * leader's) that is a TCP socket with an entry and no owner yet gets the
 * task's process as owner, and that process its entry, as current_proc()
 * would make it at its first byte. The sockets reached here are untrusted
 * pointers that the cookie helper refuses: the cookie is read, and where
 * none was assigned the entry is keyed by address, as sock_key_by_read().
 * A socket several processes hold goes to the first one met, until one of
 * them moves bytes through it (sock_set_owner). A process whose entry is
 * refused (its uid's share) leaves the socket without owner: an owner with
 * no entry would have the socket's entry swept as orphaned.
 */
static __always_inline void seed_sock_owner(struct task_struct *task, struct sock *sk)
{
	struct nh_uid_val *usage = NULL;
	struct nh_sock_val *sock;
	struct nh_proc_key key;
	__u64 skey;

	if (!is_inet(sk, false) || sk_proto(sk, false) != IPPROTO_TCP)
		return;
	skey = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (!skey)
		skey = (__u64)sk;
	sock = sock_find(skey);
	if (!sock || sock->owner.tgid)
		return;
	key.tgid = BPF_CORE_READ(task, tgid);
	key.pad = 0;
	key.start_ns = BPF_CORE_READ(task, group_leader, start_time);
	if (!bpf_map_lookup_elem(&procs, &key) &&
	    !proc_create(&key, BPF_CORE_READ(task, cred, uid.val), task, false, &usage))
		return;
	/* The start time first: a reader never sees a pid with another process's start. */
	sock->owner.start_ns = key.start_ns;
	sock->owner.tgid = key.tgid;
}

SEC("iter/task_file")
int seed_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct socket *sock;
	struct sock *sk;

	if (!task || !file)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = BPF_CORE_READ(sock, sk);
	if (sk)
		seed_sock_owner(task, sk);
	return 0;
}

/* ---------------------------------------------------------------- common */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_inet_sock_set_state, struct sock *sk, int oldstate, int newstate)
{
	struct nh_sock_val *sock;
	__u64 skey;

	if (sk->sk_protocol != IPPROTO_TCP ||
	    (newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE))
		return 0;
	skey = bpf_get_socket_cookie(sk);
	if (newstate == TCP_ESTABLISHED) {
		struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);
		struct rx_seen *seen;
		__u32 start, at;

		if (!tp)
			return 0;
		/*
		 * The baseline is where the byte stream starts, not copied_seq: a
		 * Fast Open server may have read the SYN's data already (in
		 * SYN_RECV; the final ACK can be processed from the backlog in the
		 * middle of that very read, before its hook runs). bytes_received
		 * counts every payload byte received, rcv_nxt is one past them and
		 * past a FIN.
		 */
		start = tp->rcv_nxt - (__u32)tp->bytes_received;
		if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_shutdown) & RCV_SHUTDOWN)
			start--;
		/*
		 * The same baseline in the socket itself, freed with it: a read
		 * stays exact when the entry is refused (the uid's share is used)
		 * or swept while idle (README, "How it counts"). One that exists
		 * already (a Fast Open read in SYN_RECV) is further on: keep it.
		 */
		seen = bpf_sk_storage_get(&rx_seen, sk, 0, 0);
		if (!seen) {
			seen = bpf_sk_storage_get(&rx_seen, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
			if (seen)
				seen->seq = start;
		}
		if (sock_entry_flags(sk, skey, start, 0, &at) && seen)
			seen->slot = at + 1;
	} else if (newstate == TCP_CLOSE) {
		sock = sock_find(skey);
		if (sock)
			__sync_fetch_and_or(&sock->flags, NH_SOCK_CLOSED);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit, struct task_struct *task)
{
	struct nh_proc_key key = {};
	struct nh_proc_val *proc;

	/* signal->live drops to zero before this tracepoint for the last thread. */
	if (task->signal->live.counter != 0)
		return 0;
	key.tgid = task->tgid;
	key.start_ns = task->group_leader->start_time;
	proc = bpf_map_lookup_elem(&procs, &key);
	if (!proc)
		return 0;
	/* Report the name the process had at the end (it may have exec'd). */
	BPF_CORE_READ_STR_INTO(&proc->comm, task, group_leader, comm);
	__sync_fetch_and_or(&proc->flags, NH_PROC_EXITED);
	return 0;
}

/* ------------------------------------------------------------ tracepoint */

SEC("tp_btf/sock_send_length")
int BPF_PROG(tp_sock_send_length, struct sock *sk, int ret, int flags)
{
	if (sk)
		count_send(sk, bpf_get_socket_cookie(sk), ret, true, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tp_sock_recv_length, struct sock *sk, int ret, int flags)
{
	if (!sk)
		return 0;
	if (sk->sk_protocol == IPPROTO_TCP)
		count_tcp_consumed(sk, bpf_get_socket_cookie(sk), (flags & MSG_PEEK) ? 0 : ret,
				   true, true);
	else
		count_recv(sk, bpf_get_socket_cookie(sk), ret, flags, true);
	return 0;
}

/* Fires after copied_seq moved on the paths that bypass recvmsg (splice, read_sock). */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(tp_tcp_rcv_space_adjust, struct sock *sk)
{
	count_tcp_consumed(sk, bpf_get_socket_cookie(sk), 0, false, true);
	return 0;
}

/* ---------------------------------------------------------------- fentry */

SEC("fexit/tcp_sendmsg")
int BPF_PROG(fexit_tcp_sendmsg, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	count_send(sk, bpf_get_socket_cookie(sk), ret, true, true);
	return 0;
}

/* Kernels before 6.5 send sendfile()/splice data through sendpage, not sendmsg. */
SEC("fexit/tcp_sendpage")
int BPF_PROG(fexit_tcp_sendpage, struct sock *sk, struct page *page, int offset, size_t size,
	     int flags, int ret)
{
	count_send(sk, bpf_get_socket_cookie(sk), ret, true, true);
	return 0;
}

/*
 * copied is what the call has consumed so far (copied_seq moved by as much),
 * except under MSG_PEEK, which this hook cannot tell: a peek as the very first
 * read of an unseeded connection is credited once though nothing was consumed.
 */
SEC("fentry/tcp_cleanup_rbuf")
int BPF_PROG(fentry_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	count_tcp_consumed(sk, bpf_get_socket_cookie(sk), copied, true, true);
	return 0;
}

#define FEXIT_SEND(func)                                                                           \
	SEC("fexit/" #func)                                                                        \
	int BPF_PROG(fexit_##func, struct sock *sk, struct msghdr *msg, size_t len, int ret)      \
	{                                                                                          \
		count_send(sk, bpf_get_socket_cookie(sk), ret, true, false);                       \
		return 0;                                                                          \
	}

#define FEXIT_RECV(func)                                                                           \
	SEC("fexit/" #func)                                                                        \
	int BPF_PROG(fexit_##func, struct sock *sk, struct msghdr *msg, size_t len, int flags,    \
		     int *addr_len, int ret)                                                       \
	{                                                                                          \
		count_recv(sk, bpf_get_socket_cookie(sk), ret, flags, true);                       \
		return 0;                                                                          \
	}

FEXIT_SEND(udp_sendmsg)
FEXIT_SEND(udpv6_sendmsg)
FEXIT_SEND(ping_v4_sendmsg)
FEXIT_SEND(ping_v6_sendmsg)
FEXIT_SEND(raw_sendmsg)
FEXIT_SEND(rawv6_sendmsg)
FEXIT_RECV(udp_recvmsg)
FEXIT_RECV(udpv6_recvmsg)
FEXIT_RECV(ping_recvmsg)
FEXIT_RECV(raw_recvmsg)
FEXIT_RECV(rawv6_recvmsg)
/* SCTP is a module on most kernels: attached when sctp.ko is loaded at start. */
FEXIT_SEND(sctp_sendmsg)
FEXIT_RECV(sctp_recvmsg)

/* AF_PACKET's sendmsg takes the socket, not the sock: one function for SOCK_RAW and DGRAM. */
SEC("fexit/packet_sendmsg")
int BPF_PROG(fexit_packet_sendmsg, struct socket *sock, struct msghdr *msg, size_t len, int ret)
{
	struct sock *sk = sock->sk;

	if (sk)
		count_send(sk, bpf_get_socket_cookie(sk), ret, true, false);
	return 0;
}

/* ---------------------------------------------------------------- kprobe */

/*
 * kprobe programs cannot call bpf_get_socket_cookie(): use the cookie if one
 * was assigned, else the socket's address (kernel addresses never collide
 * with the small cookie numbers).
 */
static __always_inline __u64 sock_key_by_read(struct sock *sk)
{
	__u64 cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);

	return cookie ? cookie : (__u64)sk;
}

static __always_inline int save_call(struct sock *sk, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call call = { .sk = sk, .flags = flags };

	/* No room: the return probe will find nothing, and the call's bytes are lost. */
	if (bpf_map_update_elem(&pending, &id, &call, BPF_ANY))
		__sync_fetch_and_add(&drops[NH_DROP_PENDING], 1);
	return 0;
}

static __always_inline struct pending_call *take_call(struct pending_call *out)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call *call = bpf_map_lookup_elem(&pending, &id);

	if (!call)
		return NULL;
	*out = *call;
	bpf_map_delete_elem(&pending, &id);
	return out;
}

/* The return half of every kprobe pair: what the entry half saved, and the result. */
static __always_inline int finish_call(int ret, bool recv)
{
	struct pending_call call;

	if (!take_call(&call))
		return 0;
	if (recv)
		count_recv(call.sk, sock_key_by_read(call.sk), ret, call.flags, false);
	else
		count_send(call.sk, sock_key_by_read(call.sk), ret, false, false);
	return 0;
}

/*
 * One pair per function, both halves from one macro, so send and receive
 * cannot drift apart: the entry saves the socket (and the receive flags), the
 * return counts what the call returned, as fexit does.
 */
#define KPROBE_PAIR(func, recv, flags, ...)                                                        \
	SEC("kprobe/" #func)                                                                       \
	int BPF_KPROBE(kprobe_##func, __VA_ARGS__)                                                 \
	{                                                                                          \
		return save_call(sk, flags);                                                       \
	}                                                                                          \
	SEC("kretprobe/" #func)                                                                    \
	int BPF_KRETPROBE(kretprobe_##func, int ret)                                               \
	{                                                                                          \
		return finish_call(ret, recv);                                                     \
	}

#define KPROBE_SEND(func) KPROBE_PAIR(func, false, 0, struct sock *sk)
#define KPROBE_RECV(func)                                                                          \
	KPROBE_PAIR(func, true, flags, struct sock *sk, struct msghdr *msg, size_t len, int flags)

KPROBE_SEND(tcp_sendmsg)
KPROBE_SEND(tcp_sendpage)
KPROBE_SEND(udp_sendmsg)
KPROBE_SEND(udpv6_sendmsg)
KPROBE_SEND(ping_v4_sendmsg)
KPROBE_SEND(ping_v6_sendmsg)
KPROBE_SEND(raw_sendmsg)
KPROBE_SEND(rawv6_sendmsg)
KPROBE_RECV(udp_recvmsg)
KPROBE_RECV(udpv6_recvmsg)
KPROBE_RECV(ping_recvmsg)
KPROBE_RECV(raw_recvmsg)
KPROBE_RECV(rawv6_recvmsg)
KPROBE_SEND(sctp_sendmsg)
KPROBE_RECV(sctp_recvmsg)

SEC("kprobe/packet_sendmsg")
int BPF_KPROBE(kprobe_packet_sendmsg, struct socket *sock)
{
	return save_call(BPF_CORE_READ(sock, sk), 0);
}

SEC("kretprobe/packet_sendmsg")
int BPF_KRETPROBE(kretprobe_packet_sendmsg, int ret)
{
	return finish_call(ret, false);
}

SEC("kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(kprobe_tcp_cleanup_rbuf, struct sock *sk, int copied)
{
	count_tcp_consumed(sk, sock_key_by_read(sk), copied, true, false);
	return 0;
}
