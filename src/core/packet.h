/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A captured packet as the capture stream hands it to sinks (an event of the
 * pipeline's "capture" stream), and the loss reports that travel with them.
 * Sinks read this, never the ring buffer's records.
 */
#ifndef NETHOUND_PACKET_H
#define NETHOUND_PACKET_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"

#define PACKET_STREAM "capture"

enum packet_event_kind {
	PACKET_EVENT_PACKET = 0,
	/* Packets of one interface lost to a full ring so far (cumulative, in lost). */
	PACKET_EVENT_LOST,
};

/* How the frame begins: pcapng's LINKTYPE_* values. */
enum packet_link {
	PACKET_LINK_ETHERNET = 1,
	PACKET_LINK_RAW = 101, /* bare IPv4 or IPv6: tun, WireGuard */
};

struct captured_packet {
	enum packet_event_kind kind;
	uint32_t ifindex;
	char ifname[IF_NAMESIZE]; /* as the kernel names it; bytes as found */
	enum packet_link link;
	uint64_t lost; /* PACKET_EVENT_LOST */
	/* PACKET_EVENT_PACKET: */
	uint64_t ts_ns;	   /* CLOCK_REALTIME, ns since the epoch */
	uint32_t len;	   /* frame length on the wire */
	uint32_t caplen;   /* bytes at data */
	bool outbound;	   /* sent by this host (egress), else received */
	uint32_t pid;	   /* 0: no local process owns the packet */
	uint64_t start_ns; /* with pid, the process */
	uint32_t uid;
	uint64_t cgroup_id;
	char comm[NH_COMM_LEN]; /* bytes as the process set them, NUL-padded */
	const uint8_t *data;
};

#endif
