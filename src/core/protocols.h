/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The set of protocols a process has spoken, as one 64-bit word: a bit per
 * application (enum nh_app values) and a bit per L4 class. The collector
 * fills it; sinks turn it into names.
 */
#ifndef NETHOUND_PROTOCOLS_H
#define NETHOUND_PROTOCOLS_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Protocol set bits: enum nh_app values first, then the L4 classes. */
enum {
	PROTO_BIT_TCP = 40,
	PROTO_BIT_UDP,
	PROTO_BIT_ICMP,
	PROTO_BIT_ICMPV6,
	PROTO_BIT_OTHER,
};

_Static_assert((int)NH_APP_MAX <= (int)PROTO_BIT_TCP, "application bits run into the L4 bits");

/* The bit of an L4 protocol (IPPROTO_*) on an IP version (4 or 6). */
uint64_t protocol_set_l4(uint8_t ip_version, uint8_t protocol);

/* The bit of an application; 0 for NH_APP_NONE or a value out of range. */
uint64_t protocol_set_app(enum nh_app app);

/* Names of the protocols in a set, L4 classes first, in a fixed order; returns the count. */
size_t protocol_set_names(uint64_t set, const char **names, size_t max);

#endif
