/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Socket address and protocol names for output. */
#ifndef NETHOUND_ADDR_H
#define NETHOUND_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/*
 * Text form of a socket address as the kernel stores it (IPv4 in the first
 * 4 bytes). An IPv4-mapped IPv6 address prints as plain IPv4, the way users
 * know the peer. Returns the text's length; 0, and an empty text, if len
 * was too small (ADDR_STRLEN never is).
 */
size_t format_address(char *buf, size_t len, uint16_t family, const uint8_t addr[16]);

/* "ipv4" or "ipv6"; the family of what format_address printed. */
const char *address_family_name(uint16_t family, const uint8_t addr[16]);

/* "TCP", "UDP", "ICMP", ... for an IPPROTO_* number; NULL if unnamed. */
const char *protocol_name(uint16_t protocol);

#endif
