/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one model every sink reads: what the collector made of the BPF maps at
 * one tick. Sinks never read maps; the collector knows nothing of sinks.
 */
#ifndef NETHOUND_SNAPSHOT_H
#define NETHOUND_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "counters.h"

struct traffic {
	uint64_t tx_bytes; /* this interval */
	uint64_t rx_bytes;
	uint64_t tx_total; /* since nethound started */
	uint64_t rx_total;
};

struct process_stats {
	uint32_t pid;
	uint64_t start_ns; /* with pid, identifies the process */
	char comm[NH_COMM_LEN];
	uint32_t uid;
	uint64_t cgroup_id;
	bool exited; /* reported once with its final bytes, then forgotten */
	struct traffic all;
	struct traffic l4[NH_L4_MAX];
};

struct connection_stats {
	uint64_t cookie;
	uint32_t pid;
	uint64_t start_ns;
	char comm[NH_COMM_LEN];
	uint16_t family;
	uint16_t protocol;
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t local_addr[16];
	uint8_t remote_addr[16];
	bool closed;
	struct traffic bytes;
};

struct snapshot {
	struct timespec wall;   /* CLOCK_REALTIME at the read */
	double interval;        /* seconds covered by the *_bytes fields */
	const char *hooks;      /* hook tier in use */
	struct traffic totals;
	uint64_t drops[NH_DROP_MAX]; /* cumulative failed map inserts */
	size_t nprocs;
	struct process_stats *procs;
	size_t nconns;
	struct connection_stats *conns;
};

static inline double traffic_rate(uint64_t bytes, double interval)
{
	return interval > 0 ? (double)bytes / interval : 0.0;
}

#endif
