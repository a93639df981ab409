/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What is on an interface's clsact hooks, read with an rtnetlink dump
 * (RTM_GETTFILTER, the request 'tc filter show' makes): every filter, ours or
 * another tool's. libbpf's bpf_tc_query can only look up one filter whose
 * handle and priority are already known; deciding what we may remove needs
 * the whole list. Reading needs no privilege.
 */
#ifndef NETHOUND_TC_FILTERS_H
#define NETHOUND_TC_FILTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Priority of every nethound filter; each instance has its own handle (tc_attach.c). */
#define TC_NETHOUND_PRIORITY 0xc0de

struct tc_filter {
	bool ingress;      /* else egress */
	uint16_t priority;
	uint16_t protocol; /* ETH_P_*, host order */
	uint32_t handle;   /* 0: the classifier instance that holds filters of one priority */
	uint32_t prog_id;  /* eBPF program of a cls_bpf filter; 0 otherwise */
	char kind[16];     /* "bpf", "u32", ... */
	char name[64];     /* cls_bpf's TCA_BPF_NAME (libbpf: "prog_name:[id]"); may be empty */
};

/*
 * The filters on both clsact hooks of ifindex, in the kernel's order, into
 * *out (malloc'd, the caller frees). Returns their number, or -errno;
 * an interface without a clsact qdisc has none (0).
 */
int tc_filters_list(int ifindex, struct tc_filter **out);

/*
 * Does the filter look like a nethound classifier (our priority, a cls_bpf
 * filter named after one of our programs)? A name says nothing about who
 * attached it or whether they still run: see bpf_holders.h.
 */
bool tc_filter_is_nethound(const struct tc_filter *f);

/* Is this program name one of nethound's classifiers (bpf/wire.bpf.c)? */
bool tc_program_is_nethound(const char *name);

/* The program name a cls_bpf filter carries ("wire_ingress" of "wire_ingress:[42]"). */
void tc_filter_program(const struct tc_filter *f, char *buf, size_t len);

#endif
