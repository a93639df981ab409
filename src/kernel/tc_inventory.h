/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Everything attached to an interface's TC hooks, and by whom: TCX programs
 * (kernel 6.6+) and netlink filters on a clsact qdisc, each marked as a
 * nethound classifier or another tool's, with the process that holds its
 * program when one does. For 'nethound interfaces'; reading TCX and program
 * names needs root.
 */
#ifndef NETHOUND_TC_INVENTORY_H
#define NETHOUND_TC_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/bpf_holders.h"
#include "kernel/tiers.h"

struct tc_entry {
	bool ingress;          /* else egress */
	enum tc_mode mode;     /* TC_MODE_TCX or TC_MODE_NETLINK */
	bool nethound;         /* one of nethound's classifier programs */
	pid_t pid;             /* a process holding the program; 0 when none is seen */
	uint32_t prog_id;      /* 0 for a filter that is not eBPF (u32, classic BPF) */
	uint32_t priority;     /* netlink only */
	uint32_t handle;       /* netlink only */
	char kind[16];         /* netlink: the classifier ("bpf", "u32"); TCX: "tcx" */
	char program[64];      /* the program's name, when known */
};

/*
 * The entries of one interface into *out (malloc'd, the caller frees).
 * Returns their number or -errno. holders may be NULL (no pids then).
 */
int tc_inventory(int ifindex, const struct bpf_holders *holders, struct tc_entry **out);

#endif
