// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic labels. Everything here is a table lookup so a new port or
 * address range is one row, and the order of rows is the only logic.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/classify.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *classify_l3_name(uint8_t ip_version)
{
	switch (ip_version) {
	case 4:
		return "IPv4";
	case 6:
		return "IPv6";
	default:
		return "other";
	}
}

const char *classify_l4_name(uint8_t ip_version, uint8_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	/* ICMP and ICMPv6 are not interchangeable: the other version's number is bogus. */
	case IPPROTO_ICMP:
		return ip_version == 4 ? "ICMP" : "other";
	case IPPROTO_ICMPV6:
		return ip_version == 6 ? "ICMPv6" : "other";
	case IPPROTO_SCTP:
		return "SCTP";
	case IPPROTO_GRE:
		return "GRE";
	case IPPROTO_ESP:
		return "ESP";
	default:
		return "other";
	}
}

struct port_row {
	uint8_t protocol;
	uint16_t port;
	enum nh_app app;
};

/* Small enough that a linear scan beats keeping it sorted by hand. */
static const struct port_row port_table[] = {
	{ IPPROTO_TCP, 80, NH_APP_HTTP },
	{ IPPROTO_TCP, 8080, NH_APP_HTTP },
	{ IPPROTO_TCP, 8000, NH_APP_HTTP },
	{ IPPROTO_TCP, 8008, NH_APP_HTTP },
	{ IPPROTO_TCP, 443, NH_APP_HTTPS },
	{ IPPROTO_TCP, 8443, NH_APP_HTTPS },
	{ IPPROTO_UDP, 443, NH_APP_QUIC },
	{ IPPROTO_TCP, 53, NH_APP_DNS },
	{ IPPROTO_UDP, 53, NH_APP_DNS },
	{ IPPROTO_TCP, 853, NH_APP_DNS }, /* DNS over TLS */
	{ IPPROTO_TCP, 22, NH_APP_SSH },
	{ IPPROTO_UDP, 67, NH_APP_DHCP },
	{ IPPROTO_UDP, 68, NH_APP_DHCP },
	{ IPPROTO_UDP, 546, NH_APP_DHCP }, /* DHCPv6 client */
	{ IPPROTO_UDP, 547, NH_APP_DHCP }, /* DHCPv6 server */
	{ IPPROTO_UDP, 123, NH_APP_NTP },
	{ IPPROTO_UDP, 5353, NH_APP_MDNS },
	{ IPPROTO_TCP, 25, NH_APP_SMTP },
	{ IPPROTO_TCP, 465, NH_APP_SMTP },
	{ IPPROTO_TCP, 587, NH_APP_SMTP },
	{ IPPROTO_TCP, 143, NH_APP_IMAP },
	{ IPPROTO_TCP, 993, NH_APP_IMAP },
	{ IPPROTO_TCP, 110, NH_APP_POP3 },
	{ IPPROTO_TCP, 995, NH_APP_POP3 },
	{ IPPROTO_TCP, 20, NH_APP_FTP },
	{ IPPROTO_TCP, 21, NH_APP_FTP },
	{ IPPROTO_TCP, 445, NH_APP_SMB },
	{ IPPROTO_TCP, 139, NH_APP_SMB },
	{ IPPROTO_TCP, 389, NH_APP_LDAP },
	{ IPPROTO_TCP, 636, NH_APP_LDAP },
	{ IPPROTO_TCP, 3389, NH_APP_RDP },
	{ IPPROTO_UDP, 3389, NH_APP_RDP },
	{ IPPROTO_TCP, 3306, NH_APP_MYSQL },
	{ IPPROTO_TCP, 5432, NH_APP_POSTGRES },
	{ IPPROTO_TCP, 6379, NH_APP_REDIS },
	{ IPPROTO_TCP, 1883, NH_APP_MQTT },
	{ IPPROTO_TCP, 8883, NH_APP_MQTT },
	{ IPPROTO_UDP, 161, NH_APP_SNMP },
	{ IPPROTO_UDP, 162, NH_APP_SNMP },
	{ IPPROTO_UDP, 514, NH_APP_SYSLOG },
};

/* The highest port in the table: ephemeral ports, most of every tick's, skip the scan. */
static uint16_t port_table_max(void)
{
	static uint16_t max;

	if (!max)
		for (size_t i = 0; i < ARRAY_SIZE(port_table); i++)
			if (port_table[i].port > max)
				max = port_table[i].port;
	return max;
}

static enum nh_app port_lookup(uint8_t protocol, uint16_t port)
{
	if (port > port_table_max())
		return NH_APP_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(port_table); i++) {
		if (port_table[i].protocol == protocol && port_table[i].port == port)
			return port_table[i].app;
	}
	return NH_APP_NONE;
}

enum nh_app classify_app_by_port(uint8_t protocol, uint16_t local_port, uint16_t remote_port)
{
	enum nh_app app;

	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
		return NH_APP_NONE;
	app = port_lookup(protocol, remote_port);
	if (app != NH_APP_NONE)
		return app;
	return port_lookup(protocol, local_port);
}

enum nh_app classify_app(uint8_t app_from_payload, uint8_t protocol, uint16_t local_port,
			 uint16_t remote_port)
{
	/* The byte comes from a BPF map: a newer classifier may know classes we do not. */
	if (app_from_payload != NH_APP_NONE && app_from_payload < NH_APP_MAX)
		return (enum nh_app)app_from_payload;
	return classify_app_by_port(protocol, local_port, remote_port);
}

static const char *const app_names[] = {
	[NH_APP_NONE] = NULL,
	[NH_APP_HTTP] = "HTTP",
	[NH_APP_HTTPS] = "HTTPS",
	[NH_APP_DNS] = "DNS",
	[NH_APP_QUIC] = "QUIC",
	[NH_APP_SSH] = "SSH",
	[NH_APP_DHCP] = "DHCP",
	[NH_APP_NTP] = "NTP",
	[NH_APP_MDNS] = "mDNS",
	[NH_APP_SMTP] = "SMTP",
	[NH_APP_IMAP] = "IMAP",
	[NH_APP_POP3] = "POP3",
	[NH_APP_FTP] = "FTP",
	[NH_APP_SMB] = "SMB",
	[NH_APP_LDAP] = "LDAP",
	[NH_APP_RDP] = "RDP",
	[NH_APP_MYSQL] = "MySQL",
	[NH_APP_POSTGRES] = "PostgreSQL",
	[NH_APP_REDIS] = "Redis",
	[NH_APP_MQTT] = "MQTT",
	[NH_APP_SNMP] = "SNMP",
	[NH_APP_SYSLOG] = "syslog",
};

/* A class appended to enum nh_app without a name here fails the build, not the output. */
_Static_assert(ARRAY_SIZE(app_names) == NH_APP_MAX, "app_names must name every enum nh_app");

const char *classify_app_name(enum nh_app app)
{
	if ((unsigned int)app >= NH_APP_MAX)
		return NULL;
	return app_names[app];
}

const char *classify_connection_name(uint8_t app, uint8_t ip_version, uint8_t protocol)
{
	const char *name = classify_app_name((enum nh_app)app);

	return name ? name : classify_l4_name(ip_version, protocol);
}

/* Do the first `bits` bits of addr equal those of prefix? */
static bool prefix_match(const uint8_t *addr, const uint8_t *prefix, unsigned int bits)
{
	unsigned int bytes = bits / 8;
	unsigned int rest = bits % 8;
	uint8_t mask;

	if (memcmp(addr, prefix, bytes) != 0)
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (addr[bytes] & mask) == (prefix[bytes] & mask);
}

struct v4_range {
	uint8_t prefix[4];
	uint8_t bits;
	enum addr_class cls;
};

/* First match wins, so a host route must come before the block that contains it. */
static const struct v4_range v4_ranges[] = {
	{ { 255, 255, 255, 255 }, 32, ADDR_CLASS_BROADCAST },     /* inside 240/4 */
	{ { 127, 0, 0, 0 }, 8, ADDR_CLASS_LOOPBACK },
	{ { 10, 0, 0, 0 }, 8, ADDR_CLASS_PRIVATE },
	{ { 172, 16, 0, 0 }, 12, ADDR_CLASS_PRIVATE },
	{ { 192, 168, 0, 0 }, 16, ADDR_CLASS_PRIVATE },
	/* CGNAT shared space (RFC 6598): behind the carrier, not reachable from outside. */
	{ { 100, 64, 0, 0 }, 10, ADDR_CLASS_PRIVATE },
	{ { 169, 254, 0, 0 }, 16, ADDR_CLASS_LINK_LOCAL },
	{ { 224, 0, 0, 0 }, 4, ADDR_CLASS_MULTICAST },
	{ { 0, 0, 0, 0 }, 8, ADDR_CLASS_RESERVED },               /* "this network" */
	{ { 192, 0, 0, 0 }, 24, ADDR_CLASS_RESERVED },            /* IETF protocol assignments */
	{ { 192, 0, 2, 0 }, 24, ADDR_CLASS_RESERVED },            /* TEST-NET-1 */
	{ { 198, 18, 0, 0 }, 15, ADDR_CLASS_RESERVED },           /* benchmarking */
	{ { 198, 51, 100, 0 }, 24, ADDR_CLASS_RESERVED },         /* TEST-NET-2 */
	{ { 203, 0, 113, 0 }, 24, ADDR_CLASS_RESERVED },          /* TEST-NET-3 */
	{ { 240, 0, 0, 0 }, 4, ADDR_CLASS_RESERVED },             /* future use */
};

static enum addr_class classify_v4(const uint8_t addr[4])
{
	for (size_t i = 0; i < ARRAY_SIZE(v4_ranges); i++) {
		if (prefix_match(addr, v4_ranges[i].prefix, v4_ranges[i].bits))
			return v4_ranges[i].cls;
	}
	return ADDR_CLASS_PUBLIC;
}

struct v6_range {
	uint8_t prefix[16];
	uint8_t bits;
	enum addr_class cls;
};

/*
 * First match wins. Rows outside 2000::/3 would fall to "reserved" anyway;
 * they are listed so the table reads like the IANA registry and a reader
 * does not have to work out which case covers them.
 */
static const struct v6_range v6_ranges[] = {
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, ADDR_CLASS_LOOPBACK },
	{ { 0 }, 128, ADDR_CLASS_RESERVED },                      /* unspecified */
	{ { 0xfc }, 7, ADDR_CLASS_PRIVATE },                      /* unique local */
	{ { 0xfe, 0x80 }, 10, ADDR_CLASS_LINK_LOCAL },
	{ { 0xfe, 0xc0 }, 10, ADDR_CLASS_RESERVED },              /* site-local, deprecated */
	{ { 0xff }, 8, ADDR_CLASS_MULTICAST },
	{ { 0x01, 0x00 }, 64, ADDR_CLASS_RESERVED },              /* discard-only */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, ADDR_CLASS_RESERVED },  /* documentation */
	{ { 0x20, 0x01 }, 23, ADDR_CLASS_RESERVED },              /* IETF protocol assignments */
	{ { 0x3f, 0xff }, 20, ADDR_CLASS_RESERVED },              /* documentation (RFC 9637) */
	{ { 0x20 }, 3, ADDR_CLASS_PUBLIC },                       /* global unicast */
};

static bool is_v4_mapped(const uint8_t addr[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(addr, prefix, sizeof(prefix)) == 0;
}

static enum addr_class classify_v6(const uint8_t addr[16])
{
	/* A dual-stack socket with an IPv4 peer: the peer is what the user cares about. */
	if (is_v4_mapped(addr))
		return classify_v4(addr + 12);
	for (size_t i = 0; i < ARRAY_SIZE(v6_ranges); i++) {
		if (prefix_match(addr, v6_ranges[i].prefix, v6_ranges[i].bits))
			return v6_ranges[i].cls;
	}
	/*
	 * Outside 2000::/3 IANA assigns no global unicast. The special blocks
	 * there (NAT64 64:ff9b::/96, IPv4-compatible ::a.b.c.d) are deliberately
	 * lumped in too: they are translation artefacts, not a peer's own address.
	 */
	return ADDR_CLASS_RESERVED;
}

enum addr_class classify_address(uint8_t ip_version, const uint8_t addr[16])
{
	switch (ip_version) {
	case 4:
		return classify_v4(addr);
	case 6:
		return classify_v6(addr);
	default:
		return ADDR_CLASS_RESERVED;
	}
}

static const char *const addr_class_names[] = {
	[ADDR_CLASS_LOOPBACK] = "loopback",
	[ADDR_CLASS_PRIVATE] = "private",
	[ADDR_CLASS_LINK_LOCAL] = "link-local",
	[ADDR_CLASS_MULTICAST] = "multicast",
	[ADDR_CLASS_BROADCAST] = "broadcast",
	[ADDR_CLASS_RESERVED] = "reserved",
	[ADDR_CLASS_PUBLIC] = "public",
};

_Static_assert(ARRAY_SIZE(addr_class_names) == ADDR_CLASS_MAX,
	       "addr_class_names must name every enum addr_class");

const char *classify_address_name(enum addr_class cls)
{
	if ((unsigned int)cls >= ADDR_CLASS_MAX)
		return NULL;
	return addr_class_names[cls];
}
