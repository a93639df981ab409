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

/*
 * inet_ntop's dotted quad, written directly: inet_ntop goes through sprintf,
 * which was a tenth of dump --json's time at 40,000 addresses a document.
 */
static size_t format_ipv4(char *buf, const uint8_t a[4])
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		if (a[i] >= 100)
			buf[n++] = (char)('0' + a[i] / 100);
		if (a[i] >= 10)
			buf[n++] = (char)('0' + a[i] / 10 % 10);
		buf[n++] = (char)('0' + a[i] % 10);
		buf[n++] = i < 3 ? '.' : '\0';
	}
	return n - 1;
}

size_t format_address(char *buf, size_t len, uint16_t family, const uint8_t addr[16])
{
	const uint8_t *v4 = family != AF_INET6 ? addr : is_v4_mapped(addr) ? addr + 12 : NULL;

	if (v4 && len >= INET_ADDRSTRLEN)
		return format_ipv4(buf, v4);
	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? v4 : addr, buf, (socklen_t)len)) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return strlen(buf);
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
