/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Labels for traffic: L3/L4 names, the application a flow most likely
 * carries, and what kind of address a peer has. Pure functions, so output
 * code and tests can call them freely.
 */
#ifndef NETHOUND_CLASSIFY_H
#define NETHOUND_CLASSIFY_H

#include <stdint.h>

#include "wire.h"

enum addr_class {
	ADDR_CLASS_LOOPBACK = 0,
	ADDR_CLASS_PRIVATE, /* RFC 1918, CGNAT, IPv6 ULA: not routed on the Internet */
	ADDR_CLASS_LINK_LOCAL,
	ADDR_CLASS_MULTICAST,
	ADDR_CLASS_BROADCAST, /* IPv4 limited broadcast only */
	ADDR_CLASS_RESERVED,  /* unspecified, documentation, benchmarking, future use */
	ADDR_CLASS_PUBLIC,
	ADDR_CLASS_MAX,
};

/* "IPv4", "IPv6" or "other". */
const char *classify_l3_name(uint8_t ip_version);

/* "TCP", "UDP", "ICMP", "ICMPv6", ... or "other"; ICMP names only on their own IP version. */
const char *classify_l4_name(uint8_t ip_version, uint8_t protocol);

/*
 * Application guessed from well-known ports (host byte order), TCP and UDP
 * only. The remote port decides first: we are usually the client, and a
 * client's local port is ephemeral and may collide with a service port.
 */
enum nh_app classify_app_by_port(uint8_t protocol, uint16_t local_port, uint16_t remote_port);

/* What the payload classifier said if it said anything valid, else the port guess. */
enum nh_app classify_app(uint8_t app_from_payload, uint8_t protocol, uint16_t local_port,
			 uint16_t remote_port);

/* "HTTP", "DNS", ...; NULL for NH_APP_NONE or a value out of range. */
const char *classify_app_name(enum nh_app app);

/*
 * The name a connection's bytes are summed under: its application's, else
 * its L4 protocol's ("TCP", "ICMPv6", "other"). Always one of a fixed set
 * of static strings.
 */
const char *classify_connection_name(uint8_t app, uint8_t ip_version, uint8_t protocol);

/*
 * Class of an address as the kernel stores it (IPv4 in the first 4 bytes).
 * An IPv4-mapped IPv6 address is classified as the IPv4 address it carries.
 * An ip_version other than 4 or 6 gives ADDR_CLASS_RESERVED.
 */
enum addr_class classify_address(uint8_t ip_version, const uint8_t addr[16]);

/* "loopback", "private", ...; NULL for a value out of range. */
const char *classify_address_name(enum addr_class cls);

#endif
