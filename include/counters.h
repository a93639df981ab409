/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by the BPF programs (bpf/counters.bpf.c) and userspace.
 * Plain __u32/__u64/char[] only: no vmlinux types, so both sides can include it.
 */
#ifndef NETHOUND_COUNTERS_H
#define NETHOUND_COUNTERS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NH_COMM_LEN 16

/* Default map sizes; userspace may resize between open and load. */
#define NH_MAX_PROCS 16384
#define NH_MAX_SOCKS 65536

/*
 * No one uid may hold more than 1/NH_UID_SHARE of the process or the socket
 * map (README, "Security"): past that share its new entries are refused and
 * counted as its drops, its bytes still counted (see struct nh_uid_val).
 * Half: whatever one uid does, the other half stays for everyone else, and
 * one busy service (20,000 connections in bench/scale) still fits.
 */
#define NH_UID_SHARE 2
/* uids with entries in the maps at one time; past it, new uids get no entries. */
#define NH_MAX_UIDS 4096

/* Layer-4 classes the socket hooks count separately. */
enum nh_l4 {
	NH_L4_TCP = 0,
	NH_L4_UDP,
	NH_L4_ICMP, /* ping sockets and raw ICMP/ICMPv6 sockets */
	NH_L4_OTHER,
	NH_L4_MAX,
};

/* Where a count could not be stored: reported to the user, never silent. */
enum nh_drop {
	NH_DROP_PROC = 0, /* process map full */
	NH_DROP_SOCK,     /* socket map full or the uid's share used */
	NH_DROP_PENDING,  /* kprobe tier: a call's entry probe found no room to save it */
	NH_DROP_UID,      /* uid map full: the uid got no entries, its bytes are unattributed */
	NH_DROP_MAX,
};

/*
 * A process is its thread-group id plus the group leader's start time, so a
 * reused PID never inherits the bytes of an earlier process.
 */
struct nh_proc_key {
	__u32 tgid;
	__u32 pad;
	__u64 start_ns; /* group_leader->start_time, CLOCK_MONOTONIC ns */
};

#define NH_PROC_EXITED 1u

/* Cumulative since the entry was created; userspace computes deltas. */
struct nh_proc_val {
	__u64 tx[NH_L4_MAX];
	__u64 rx[NH_L4_MAX];
	__u64 cgroup_id;
	__u32 uid;
	__u32 flags; /* NH_PROC_EXITED once the last thread has exited */
	char comm[NH_COMM_LEN];
};

#define NH_SOCK_CLOSED 1u      /* TCP reached TCP_CLOSE */
#define NH_SOCK_SEQ_GUESSED 2u /* rx_seq set by a hook that did not know what the read took */

/* Keyed by socket cookie (by address where the tier has no cookie helper). */
struct nh_sock_val {
	struct nh_proc_key owner; /* process that moved bytes last */
	__u64 tx;
	__u64 rx;
	__u32 rx_seq; /* TCP: copied_seq already credited */
	__u32 flags;
	__u32 guess_seq; /* TCP: rx_seq as first set, while NH_SOCK_SEQ_GUESSED */
	__u32 uid; /* the socket's sk_uid: whose share the entry takes */
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 protocol; /* IPPROTO_* */
	__u16 local_port; /* host byte order */
	__u16 remote_port; /* host byte order */
	__u8 local_addr[16]; /* IPv4 in the first 4 bytes */
	__u8 remote_addr[16];
};

/*
 * A socket's place in the sock_slots array, which userspace maps and reads
 * in place each tick; the socks hash map only finds a key's slot. live: 0
 * free or retired, 1 in use (set atomically after val and key are written,
 * once the key is in socks), 2 or more when a program deleted the key itself
 * (kprobe tier, an address reused); userspace then retires the slot.
 */
struct nh_sock_slot {
	struct nh_sock_val val; /* first: a slot's address is its value's */
	__u64 key;		/* the socket's cookie, or its address (kprobe tier) */
	__u32 live;
	__u32 pad;
};

/*
 * Per uid, written by the kernel only (atomic adds): entries inserted and
 * refused, and the bytes of its processes that found no process entry, so
 * that a refused entry loses no byte.
 */
struct nh_uid_val {
	__u64 procs;	     /* process entries inserted */
	__u64 socks;	     /* socket entries inserted */
	__u64 socks_unlinked; /* socket entries the kernel itself deleted */
	__u64 proc_drops;    /* process inserts refused: share used or map full */
	__u64 sock_drops;    /* socket inserts refused */
	__u64 overflow_tx;   /* payload bytes of processes without an entry */
	__u64 overflow_rx;
};

/*
 * Per uid, written by userspace only: entries it deleted. In use is inserted
 * minus deleted; two writers never share a counter, so no update is lost.
 */
struct nh_uid_freed {
	__u64 procs;
	__u64 socks;
};

/* Payload bytes whose uid had no entry either (uid map full): never a process's. */
enum nh_unattributed {
	NH_UNATTR_TX = 0,
	NH_UNATTR_RX,
	NH_UNATTR_MAX,
};

#endif /* NETHOUND_COUNTERS_H */
