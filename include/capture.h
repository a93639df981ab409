/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet capture: what the TC classifier (bpf/capture.bpf.h) copies into its
 * ring buffer and the filter userspace sets for it. Plain types only.
 */
#ifndef NETHOUND_CAPTURE_H
#define NETHOUND_CAPTURE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "counters.h"

/* The most bytes of one packet copied: a GSO super-packet of 64 KiB plus its headers. */
#define NH_CAPTURE_SNAP_MAX 131072
/* Entries per list of the filter (pids, names, uids). */
#define NH_CAPTURE_MATCH_MAX 8
/* The ring when no capture is asked for: one page, the smallest the kernel takes. */
#define NH_CAPTURE_RING_IDLE 4096

/*
 * The filter, in the wire object's .bss: userspace writes it through the
 * mmap'd section, so a capture starts and stops without reloading. on == 0
 * is the only thing a packet checks while nothing is captured.
 */
struct nh_capture_cfg {
	__u32 on;
	__u32 snaplen; /* bytes of each packet copied, 1 to NH_CAPTURE_SNAP_MAX */
	__u32 npids;   /* 0: any process (and none) */
	__u32 ncomms;
	__u32 nuids;
	__u32 pids[NH_CAPTURE_MATCH_MAX];
	__u32 uids[NH_CAPTURE_MATCH_MAX];
	char comms[NH_CAPTURE_MATCH_MAX][NH_COMM_LEN];
	__u8 protocol; /* IPPROTO_*; 0: any (a non-IP frame matches only 0) */
	__u8 pad;
	__u16 port; /* either end, host byte order; 0: any */
};

enum nh_capture_stat {
	NH_CAPTURE_COPIED = 0, /* packets written to the ring */
	NH_CAPTURE_LOST,       /* packets that matched but found the ring full */
	NH_CAPTURE_STAT_MAX,
};

/* One record of the ring: this header, then caplen bytes of the frame. */
struct nh_capture_rec {
	__u64 ts_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 start_ns; /* with tgid, the process (nh_proc_key); 0 when unknown */
	__u64 cgroup_id;
	__u32 ifindex;
	__u32 len;    /* frame length as TC sees it */
	__u32 caplen; /* bytes that follow */
	__u32 tgid;   /* 0: no local process owns the packet */
	__u32 uid;
	__u8 dir; /* enum nh_dir */
	__u8 pad[3];
	char comm[NH_COMM_LEN];
};

#endif /* NETHOUND_CAPTURE_H */
