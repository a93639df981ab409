// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <netinet/in.h>

#include "core/classify.h"
#include "core/protocols.h"

uint64_t protocol_set_l4(uint8_t ip_version, uint8_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return 1ull << PROTO_BIT_TCP;
	case IPPROTO_UDP:
		return 1ull << PROTO_BIT_UDP;
	case IPPROTO_ICMP:
		return ip_version == 4 ? 1ull << PROTO_BIT_ICMP : 1ull << PROTO_BIT_OTHER;
	case IPPROTO_ICMPV6:
		return ip_version == 6 ? 1ull << PROTO_BIT_ICMPV6 : 1ull << PROTO_BIT_OTHER;
	default:
		return 1ull << PROTO_BIT_OTHER;
	}
}

uint64_t protocol_set_app(enum nh_app app)
{
	if ((int)app <= NH_APP_NONE || app >= NH_APP_MAX)
		return 0;
	return 1ull << app;
}

size_t protocol_set_names(uint64_t set, const char **names, size_t max)
{
	static const struct {
		int bit;
		const char *name;
	} l4[] = {
		{ PROTO_BIT_TCP, "TCP" },	{ PROTO_BIT_UDP, "UDP" },
		{ PROTO_BIT_ICMP, "ICMP" },	{ PROTO_BIT_ICMPV6, "ICMPv6" },
		{ PROTO_BIT_OTHER, "other" },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(l4) / sizeof(l4[0]) && n < max; i++)
		if (set & (1ull << l4[i].bit))
			names[n++] = l4[i].name;
	for (int app = NH_APP_NONE + 1; app < NH_APP_MAX && n < max; app++)
		if (set & (1ull << app))
			names[n++] = classify_app_name((enum nh_app)app);
	return n;
}
