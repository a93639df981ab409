// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/addr.h"

static int is_v4_mapped(const uint8_t addr[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(addr, prefix, sizeof(prefix)) == 0;
}

void format_address(char *buf, size_t len, uint16_t family, const uint8_t addr[16])
{
	if (family == AF_INET6 && is_v4_mapped(addr))
		inet_ntop(AF_INET, addr + 12, buf, len);
	else if (family == AF_INET6)
		inet_ntop(AF_INET6, addr, buf, len);
	else
		inet_ntop(AF_INET, addr, buf, len);
}

const char *address_family_name(uint16_t family, const uint8_t addr[16])
{
	return family == AF_INET6 && !is_v4_mapped(addr) ? "ipv6" : "ipv4";
}

const char *protocol_name(uint16_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_UDPLITE:
		return "UDPLite";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "ICMPv6";
	case IPPROTO_SCTP:
		return "SCTP";
	case IPPROTO_RAW:
		return "RAW";
	case 262: /* IPPROTO_MPTCP, newer than some libc headers */
		return "MPTCP";
	default:
		return NULL;
	}
}
