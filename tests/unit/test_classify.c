// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* classify.c: L3/L4 names, application by port or payload, address classes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "core/classify.h"

/* Brace lists contain commas, so pass them through one macro argument. */
#define B(...)                                                                                     \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

/* Neither in the port table for any protocol: what a client's ephemeral port looks like. */
#define EPHEMERAL 50000
#define EPHEMERAL2 40000

static void test_l3_name(void)
{
	CHECK_STR(classify_l3_name(4), "IPv4");
	CHECK_STR(classify_l3_name(6), "IPv6");
	CHECK_STR(classify_l3_name(0), "other");
	CHECK_STR(classify_l3_name(5), "other");
	CHECK_STR(classify_l3_name(AF_INET6), "other"); /* a family, not a version */
	CHECK_STR(classify_l3_name(255), "other");
}

static void test_l4_name(void)
{
	static const uint8_t versions[] = { 4, 6 };

	for (size_t i = 0; i < sizeof(versions); i++) {
		uint8_t v = versions[i];

		CHECK_STR(classify_l4_name(v, IPPROTO_TCP), "TCP");
		CHECK_STR(classify_l4_name(v, 6), "TCP");
		CHECK_STR(classify_l4_name(v, 17), "UDP");
		CHECK_STR(classify_l4_name(v, 132), "SCTP");
		CHECK_STR(classify_l4_name(v, 47), "GRE");
		CHECK_STR(classify_l4_name(v, 50), "ESP");
		CHECK_STR(classify_l4_name(v, 0), "other");
		CHECK_STR(classify_l4_name(v, 2), "other");   /* IGMP */
		CHECK_STR(classify_l4_name(v, 51), "other");  /* AH */
		CHECK_STR(classify_l4_name(v, 136), "other"); /* UDP-Lite */
		CHECK_STR(classify_l4_name(v, 255), "other");
	}
	CHECK_STR(classify_l4_name(4, 1), "ICMP");
	CHECK_STR(classify_l4_name(6, 58), "ICMPv6");
	/* Each ICMP only on its own IP version. */
	CHECK_STR(classify_l4_name(6, 1), "other");
	CHECK_STR(classify_l4_name(4, 58), "other");
	CHECK_STR(classify_l4_name(0, 1), "other");
	CHECK_STR(classify_l4_name(0, 58), "other");
}

/* Every row of the port table, with what the other transport must (not) say. */
static const struct {
	uint16_t port;
	enum nh_app tcp;
	enum nh_app udp;
} port_cases[] = {
	{ 80, NH_APP_HTTP, NH_APP_NONE },
	{ 8080, NH_APP_HTTP, NH_APP_NONE },
	{ 8000, NH_APP_HTTP, NH_APP_NONE },
	{ 8008, NH_APP_HTTP, NH_APP_NONE },
	{ 443, NH_APP_HTTPS, NH_APP_QUIC },
	{ 8443, NH_APP_HTTPS, NH_APP_NONE },
	{ 53, NH_APP_DNS, NH_APP_DNS },
	{ 853, NH_APP_DNS, NH_APP_NONE },
	{ 22, NH_APP_SSH, NH_APP_NONE },
	{ 67, NH_APP_NONE, NH_APP_DHCP },
	{ 68, NH_APP_NONE, NH_APP_DHCP },
	{ 546, NH_APP_NONE, NH_APP_DHCP },
	{ 547, NH_APP_NONE, NH_APP_DHCP },
	{ 123, NH_APP_NONE, NH_APP_NTP },
	{ 5353, NH_APP_NONE, NH_APP_MDNS },
	{ 25, NH_APP_SMTP, NH_APP_NONE },
	{ 465, NH_APP_SMTP, NH_APP_NONE },
	{ 587, NH_APP_SMTP, NH_APP_NONE },
	{ 143, NH_APP_IMAP, NH_APP_NONE },
	{ 993, NH_APP_IMAP, NH_APP_NONE },
	{ 110, NH_APP_POP3, NH_APP_NONE },
	{ 995, NH_APP_POP3, NH_APP_NONE },
	{ 20, NH_APP_FTP, NH_APP_NONE },
	{ 21, NH_APP_FTP, NH_APP_NONE },
	{ 445, NH_APP_SMB, NH_APP_NONE },
	{ 139, NH_APP_SMB, NH_APP_NONE },
	{ 389, NH_APP_LDAP, NH_APP_NONE },
	{ 636, NH_APP_LDAP, NH_APP_NONE },
	{ 3389, NH_APP_RDP, NH_APP_RDP },
	{ 3306, NH_APP_MYSQL, NH_APP_NONE },
	{ 5432, NH_APP_POSTGRES, NH_APP_NONE },
	{ 6379, NH_APP_REDIS, NH_APP_NONE },
	{ 1883, NH_APP_MQTT, NH_APP_NONE },
	{ 8883, NH_APP_MQTT, NH_APP_NONE },
	{ 161, NH_APP_NONE, NH_APP_SNMP },
	{ 162, NH_APP_NONE, NH_APP_SNMP },
	{ 514, NH_APP_NONE, NH_APP_SYSLOG },
	/* Near misses: nothing. */
	{ 0, NH_APP_NONE, NH_APP_NONE },
	{ 79, NH_APP_NONE, NH_APP_NONE },
	{ 81, NH_APP_NONE, NH_APP_NONE },
	{ 442, NH_APP_NONE, NH_APP_NONE },
	{ 444, NH_APP_NONE, NH_APP_NONE },
	{ 5354, NH_APP_NONE, NH_APP_NONE },
	{ EPHEMERAL, NH_APP_NONE, NH_APP_NONE },
	{ UINT16_MAX, NH_APP_NONE, NH_APP_NONE },
};

/* Compare by name so a failure reads "DNS" vs "QUIC", not 3 vs 4; (null) is NONE. */
static void check_app(enum nh_app actual, enum nh_app expected, const char *what, unsigned int port,
		      int line)
{
	char expr[80];

	snprintf(expr, sizeof(expr), "%s port %u", what, port);
	check_str(classify_app_name(actual), classify_app_name(expected), expr, __FILE__, line);
}

static void test_port_table(void)
{
	for (size_t i = 0; i < sizeof(port_cases) / sizeof(port_cases[0]); i++) {
		uint16_t port = port_cases[i].port;

		/* We are the client: the service is remote. */
		check_app(classify_app_by_port(IPPROTO_TCP, EPHEMERAL2, port), port_cases[i].tcp,
			  "TCP remote", port, __LINE__);
		check_app(classify_app_by_port(IPPROTO_UDP, EPHEMERAL2, port), port_cases[i].udp,
			  "UDP remote", port, __LINE__);
		/* We are the server: the service is local. */
		check_app(classify_app_by_port(IPPROTO_TCP, port, EPHEMERAL2), port_cases[i].tcp,
			  "TCP local", port, __LINE__);
		check_app(classify_app_by_port(IPPROTO_UDP, port, EPHEMERAL2), port_cases[i].udp,
			  "UDP local", port, __LINE__);
	}
}

static void test_port_preference(void)
{
	/* Remote port decides when both ports are known. */
	CHECK_INT(classify_app_by_port(IPPROTO_TCP, 80, 443), NH_APP_HTTPS);
	CHECK_INT(classify_app_by_port(IPPROTO_TCP, 443, 80), NH_APP_HTTP);
	CHECK_INT(classify_app_by_port(IPPROTO_TCP, 22, 5432), NH_APP_POSTGRES);
	CHECK_INT(classify_app_by_port(IPPROTO_UDP, 53, 5353), NH_APP_MDNS);
	CHECK_INT(classify_app_by_port(IPPROTO_UDP, 5353, 53), NH_APP_DNS);
	/* An ephemeral local port that happens to be a service port must not win. */
	CHECK_INT(classify_app_by_port(IPPROTO_TCP, 8080, 443), NH_APP_HTTPS);
	CHECK_INT(classify_app_by_port(IPPROTO_TCP, 8000, 3306), NH_APP_MYSQL);
	/* DHCP: client 68 talks to server 67, both DHCP either way round. */
	CHECK_INT(classify_app_by_port(IPPROTO_UDP, 68, 67), NH_APP_DHCP);
	CHECK_INT(classify_app_by_port(IPPROTO_UDP, 546, 547), NH_APP_DHCP);
	/* Remote port unknown for this protocol: fall back to local. */
	CHECK_INT(classify_app_by_port(IPPROTO_TCP, 22, 123), NH_APP_SSH);
	CHECK_INT(classify_app_by_port(IPPROTO_UDP, 123, 80), NH_APP_NTP);
	CHECK_INT(classify_app_by_port(IPPROTO_TCP, EPHEMERAL, EPHEMERAL2), NH_APP_NONE);
	CHECK_INT(classify_app_by_port(IPPROTO_TCP, 0, 0), NH_APP_NONE);
}

static void test_port_other_protocols(void)
{
	static const uint8_t protocols[] = { 0, 1, 2, 47, 50, 58, 132, 136, 255 };

	for (size_t i = 0; i < sizeof(protocols); i++) {
		uint8_t p = protocols[i];

		check_app(classify_app_by_port(p, EPHEMERAL, 80), NH_APP_NONE, "non-TCP/UDP remote",
			  80, __LINE__);
		check_app(classify_app_by_port(p, 53, EPHEMERAL), NH_APP_NONE, "non-TCP/UDP local",
			  53, __LINE__);
		check_app(classify_app_by_port(p, 443, 443), NH_APP_NONE, "non-TCP/UDP both", 443,
			  __LINE__);
	}
}

static void test_app(void)
{
	/* Payload wins over the port, even against a port that says something else. */
	CHECK_INT(classify_app(NH_APP_HTTP, IPPROTO_TCP, EPHEMERAL, 443), NH_APP_HTTP);
	CHECK_INT(classify_app(NH_APP_HTTPS, IPPROTO_TCP, EPHEMERAL, 80), NH_APP_HTTPS);
	CHECK_INT(classify_app(NH_APP_SSH, IPPROTO_TCP, EPHEMERAL, 443), NH_APP_SSH);
	CHECK_INT(classify_app(NH_APP_DNS, IPPROTO_UDP, EPHEMERAL, 5353), NH_APP_DNS);
	CHECK_INT(classify_app(NH_APP_QUIC, IPPROTO_UDP, EPHEMERAL, EPHEMERAL2), NH_APP_QUIC);
	/* ... and where the port table would say nothing at all. */
	CHECK_INT(classify_app(NH_APP_HTTP, IPPROTO_SCTP, 1, 2), NH_APP_HTTP);
	CHECK_INT(classify_app(NH_APP_SYSLOG, IPPROTO_TCP, EPHEMERAL, EPHEMERAL2), NH_APP_SYSLOG);
	CHECK_INT(classify_app(NH_APP_MAX - 1, IPPROTO_TCP, EPHEMERAL, 22), NH_APP_MAX - 1);

	/* No payload verdict: the port table. */
	CHECK_INT(classify_app(NH_APP_NONE, IPPROTO_TCP, EPHEMERAL, 443), NH_APP_HTTPS);
	CHECK_INT(classify_app(NH_APP_NONE, IPPROTO_UDP, EPHEMERAL, 443), NH_APP_QUIC);
	CHECK_INT(classify_app(NH_APP_NONE, IPPROTO_UDP, 123, EPHEMERAL), NH_APP_NTP);
	CHECK_INT(classify_app(NH_APP_NONE, IPPROTO_TCP, EPHEMERAL, EPHEMERAL2), NH_APP_NONE);
	CHECK_INT(classify_app(NH_APP_NONE, IPPROTO_ICMP, EPHEMERAL, 443), NH_APP_NONE);

	/* A payload value we do not know (newer BPF object, garbage): ignored. */
	CHECK_INT(classify_app(NH_APP_MAX, IPPROTO_TCP, EPHEMERAL, 22), NH_APP_SSH);
	CHECK_INT(classify_app(NH_APP_MAX + 1, IPPROTO_UDP, EPHEMERAL, 53), NH_APP_DNS);
	CHECK_INT(classify_app(255, IPPROTO_TCP, EPHEMERAL, 443), NH_APP_HTTPS);
	CHECK_INT(classify_app(255, IPPROTO_TCP, EPHEMERAL, EPHEMERAL2), NH_APP_NONE);
	CHECK_INT(classify_app(NH_APP_MAX, 47, EPHEMERAL, 443), NH_APP_NONE);
}

static void test_app_name(void)
{
	CHECK_STR(classify_app_name(NH_APP_HTTP), "HTTP");
	CHECK_STR(classify_app_name(NH_APP_HTTPS), "HTTPS");
	CHECK_STR(classify_app_name(NH_APP_DNS), "DNS");
	CHECK_STR(classify_app_name(NH_APP_QUIC), "QUIC");
	CHECK_STR(classify_app_name(NH_APP_SSH), "SSH");
	CHECK_STR(classify_app_name(NH_APP_DHCP), "DHCP");
	CHECK_STR(classify_app_name(NH_APP_NTP), "NTP");
	CHECK_STR(classify_app_name(NH_APP_MDNS), "mDNS");
	CHECK_STR(classify_app_name(NH_APP_SMTP), "SMTP");
	CHECK_STR(classify_app_name(NH_APP_IMAP), "IMAP");
	CHECK_STR(classify_app_name(NH_APP_POP3), "POP3");
	CHECK_STR(classify_app_name(NH_APP_FTP), "FTP");
	CHECK_STR(classify_app_name(NH_APP_SMB), "SMB");
	CHECK_STR(classify_app_name(NH_APP_LDAP), "LDAP");
	CHECK_STR(classify_app_name(NH_APP_RDP), "RDP");
	CHECK_STR(classify_app_name(NH_APP_MYSQL), "MySQL");
	CHECK_STR(classify_app_name(NH_APP_POSTGRES), "PostgreSQL");
	CHECK_STR(classify_app_name(NH_APP_REDIS), "Redis");
	CHECK_STR(classify_app_name(NH_APP_MQTT), "MQTT");
	CHECK_STR(classify_app_name(NH_APP_SNMP), "SNMP");
	CHECK_STR(classify_app_name(NH_APP_SYSLOG), "syslog");

	CHECK(classify_app_name(NH_APP_NONE) == NULL);
	CHECK(classify_app_name(NH_APP_MAX) == NULL);
	CHECK(classify_app_name((enum nh_app)(NH_APP_MAX + 1)) == NULL);
	CHECK(classify_app_name((enum nh_app)255) == NULL);
	CHECK(classify_app_name((enum nh_app)-1) == NULL);

	/* No hole in the middle of the table, and no two classes print alike. */
	for (int a = NH_APP_NONE + 1; a < NH_APP_MAX; a++) {
		const char *name = classify_app_name((enum nh_app)a);

		if (!CHECK(name != NULL && *name != '\0'))
			continue;
		for (int b = a + 1; b < NH_APP_MAX; b++) {
			const char *other = classify_app_name((enum nh_app)b);

			if (other && strcmp(name, other) == 0)
				CHECK(!"two applications share a name");
		}
	}
}

static void test_address_name(void)
{
	CHECK_STR(classify_address_name(ADDR_CLASS_LOOPBACK), "loopback");
	CHECK_STR(classify_address_name(ADDR_CLASS_PRIVATE), "private");
	CHECK_STR(classify_address_name(ADDR_CLASS_LINK_LOCAL), "link-local");
	CHECK_STR(classify_address_name(ADDR_CLASS_MULTICAST), "multicast");
	CHECK_STR(classify_address_name(ADDR_CLASS_BROADCAST), "broadcast");
	CHECK_STR(classify_address_name(ADDR_CLASS_RESERVED), "reserved");
	CHECK_STR(classify_address_name(ADDR_CLASS_PUBLIC), "public");
	CHECK(classify_address_name(ADDR_CLASS_MAX) == NULL);
	CHECK(classify_address_name((enum addr_class)100) == NULL);
	CHECK(classify_address_name((enum addr_class)-1) == NULL);
}

/*
 * The address tests below compare names: test_address_name() has shown they
 * are distinct, and a failure then reads "private" vs "public".
 */
static void check_text(int family, const char *text, enum addr_class expected, int line)
{
	uint8_t addr[16];

	/* Junk after an IPv4 address: only the first 4 bytes may count. */
	memset(addr, 0xa5, sizeof(addr));
	if (inet_pton(family, text, addr) != 1) {
		check_true(false, text, __FILE__, line);
		return;
	}
	check_str(classify_address_name(classify_address(family == AF_INET ? 4 : 6, addr)),
		  classify_address_name(expected), text, __FILE__, line);
}

#define CHECK_V4(text, cls) check_text(AF_INET, (text), ADDR_CLASS_##cls, __LINE__)
#define CHECK_V6(text, cls) check_text(AF_INET6, (text), ADDR_CLASS_##cls, __LINE__)

#define CHECK_BYTES(version, bytes, cls)                                                           \
	do {                                                                                       \
		const uint8_t addr_[16] = bytes;                                                   \
		CHECK_STR(classify_address_name(classify_address((version), addr_)),               \
			  classify_address_name(ADDR_CLASS_##cls));                                \
	} while (0)

/* Each range with its first and last address, and the neighbours on both sides. */
static void test_ipv4_ranges(void)
{
	CHECK_V4("0.0.0.0", RESERVED);
	CHECK_V4("0.255.255.255", RESERVED);
	CHECK_V4("1.0.0.0", PUBLIC);
	CHECK_V4("1.1.1.1", PUBLIC);
	CHECK_V4("8.8.8.8", PUBLIC);

	CHECK_V4("9.255.255.255", PUBLIC);
	CHECK_V4("10.0.0.0", PRIVATE);
	CHECK_V4("10.1.2.3", PRIVATE);
	CHECK_V4("10.255.255.255", PRIVATE);
	CHECK_V4("11.0.0.0", PUBLIC);

	CHECK_V4("100.63.255.255", PUBLIC);
	CHECK_V4("100.64.0.0", PRIVATE);
	CHECK_V4("100.100.100.100", PRIVATE);
	CHECK_V4("100.127.255.255", PRIVATE);
	CHECK_V4("100.128.0.0", PUBLIC);

	CHECK_V4("126.255.255.255", PUBLIC);
	CHECK_V4("127.0.0.0", LOOPBACK);
	CHECK_V4("127.0.0.1", LOOPBACK);
	CHECK_V4("127.0.0.53", LOOPBACK);
	CHECK_V4("127.255.255.255", LOOPBACK);
	CHECK_V4("128.0.0.0", PUBLIC);

	CHECK_V4("169.253.255.255", PUBLIC);
	CHECK_V4("169.254.0.0", LINK_LOCAL);
	CHECK_V4("169.254.169.254", LINK_LOCAL);
	CHECK_V4("169.254.255.255", LINK_LOCAL);
	CHECK_V4("169.255.0.0", PUBLIC);

	CHECK_V4("172.15.255.255", PUBLIC);
	CHECK_V4("172.16.0.0", PRIVATE);
	CHECK_V4("172.20.1.1", PRIVATE);
	CHECK_V4("172.31.255.255", PRIVATE);
	CHECK_V4("172.32.0.0", PUBLIC);

	CHECK_V4("191.255.255.255", PUBLIC);
	CHECK_V4("192.0.0.0", RESERVED);
	CHECK_V4("192.0.0.255", RESERVED);
	CHECK_V4("192.0.1.0", PUBLIC);
	CHECK_V4("192.0.1.255", PUBLIC);
	CHECK_V4("192.0.2.0", RESERVED);
	CHECK_V4("192.0.2.255", RESERVED);
	CHECK_V4("192.0.3.0", PUBLIC);

	CHECK_V4("192.167.255.255", PUBLIC);
	CHECK_V4("192.168.0.0", PRIVATE);
	CHECK_V4("192.168.1.1", PRIVATE);
	CHECK_V4("192.168.255.255", PRIVATE);
	CHECK_V4("192.169.0.0", PUBLIC);

	CHECK_V4("198.17.255.255", PUBLIC);
	CHECK_V4("198.18.0.0", RESERVED);
	CHECK_V4("198.19.255.255", RESERVED);
	CHECK_V4("198.20.0.0", PUBLIC);

	CHECK_V4("198.51.99.255", PUBLIC);
	CHECK_V4("198.51.100.0", RESERVED);
	CHECK_V4("198.51.100.255", RESERVED);
	CHECK_V4("198.51.101.0", PUBLIC);

	CHECK_V4("203.0.112.255", PUBLIC);
	CHECK_V4("203.0.113.0", RESERVED);
	CHECK_V4("203.0.113.255", RESERVED);
	CHECK_V4("203.0.114.0", PUBLIC);

	CHECK_V4("223.255.255.255", PUBLIC);
	CHECK_V4("224.0.0.0", MULTICAST);
	CHECK_V4("224.0.0.251", MULTICAST);
	CHECK_V4("239.255.255.255", MULTICAST);
	CHECK_V4("240.0.0.0", RESERVED);
	CHECK_V4("254.255.255.255", RESERVED);
	CHECK_V4("255.255.255.254", RESERVED);
	CHECK_V4("255.255.255.255", BROADCAST);
	/* Not special: a subnet's directed broadcast looks like any other host. */
	CHECK_V4("192.168.1.255", PRIVATE);
	CHECK_V4("8.8.8.255", PUBLIC);
}

/* Only the first 4 bytes are IPv4; the rest is whatever the kernel left there. */
static void test_ipv4_bytes(void)
{
	CHECK_BYTES(4, B(10, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), PRIVATE);
	CHECK_BYTES(4, B(8, 8, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), PUBLIC);
	CHECK_BYTES(4, B(127, 0, 0, 1), LOOPBACK);
	/* A mapped-looking buffer means nothing for version 4: 0.0.0.0. */
	CHECK_BYTES(4, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 8, 8, 8, 8), RESERVED);
}

static void test_ipv6_ranges(void)
{
	CHECK_V6("::", RESERVED);
	CHECK_V6("::1", LOOPBACK);
	CHECK_V6("::2", RESERVED);
	CHECK_V6("::1:0", RESERVED);
	CHECK_V6("1::1", RESERVED);
	CHECK_V6("::8.8.8.8", RESERVED); /* IPv4-compatible: deprecated, not mapped */

	/* 100::/64 discard-only. */
	CHECK_V6("ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED);
	CHECK_V6("100::", RESERVED);
	CHECK_V6("100::ffff:ffff:ffff:ffff", RESERVED);
	CHECK_V6("100:0:0:1::", RESERVED);

	/* NAT64 well-known prefix lies outside 2000::/3: reserved by the rule. */
	CHECK_V6("64:ff9b::8.8.8.8", RESERVED);

	/* 2000::/3 global unicast. */
	CHECK_V6("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED);
	CHECK_V6("2000::", PUBLIC);
	CHECK_V6("2000::1", PUBLIC);
	CHECK_V6("2606:4700:4700::1111", PUBLIC);
	CHECK_V6("2a00:1450:4001:80b::200e", PUBLIC);
	CHECK_V6("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUBLIC);
	CHECK_V6("4000::", RESERVED);

	/* 2001::/23 IETF protocol assignments (Teredo, ORCHID, ...). */
	CHECK_V6("2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUBLIC);
	CHECK_V6("2001::", RESERVED);
	CHECK_V6("2001:0:4136:e378:8000:63bf:3fff:fdd2", RESERVED);
	CHECK_V6("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED);
	CHECK_V6("2001:200::", PUBLIC);

	/* 2001:db8::/32 documentation. */
	CHECK_V6("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", PUBLIC);
	CHECK_V6("2001:db8::", RESERVED);
	CHECK_V6("2001:db8::1", RESERVED);
	CHECK_V6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED);
	CHECK_V6("2001:db9::", PUBLIC);

	/* 3fff::/20 documentation: only 3fff:0000 to 3fff:0fff, the rest of 3fff is public. */
	CHECK_V6("3ffe:ffff::", PUBLIC);
	CHECK_V6("3fff::", RESERVED);
	CHECK_V6("3fff:abc::1", RESERVED);
	CHECK_V6("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED);
	CHECK_V6("3fff:1000::", PUBLIC);
	CHECK_V6("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUBLIC);

	/* fc00::/7 unique local. */
	CHECK_V6("e000::", RESERVED);
	CHECK_V6("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED);
	CHECK_V6("fc00::", PRIVATE);
	CHECK_V6("fd12:3456:789a::1", PRIVATE);
	CHECK_V6("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PRIVATE);
	CHECK_V6("fe00::", RESERVED);
	CHECK_V6("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED);

	/* fe80::/10 link-local, then fec0::/10 site-local. */
	CHECK_V6("fe80::", LINK_LOCAL);
	CHECK_V6("fe80::211:22ff:fe33:4455", LINK_LOCAL);
	CHECK_V6("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LINK_LOCAL);
	CHECK_V6("fec0::", RESERVED);
	CHECK_V6("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED);

	/* ff00::/8 multicast. */
	CHECK_V6("ff00::", MULTICAST);
	CHECK_V6("ff02::1", MULTICAST);
	CHECK_V6("ff02::fb", MULTICAST);
	CHECK_V6("ff05::1:3", MULTICAST);
	CHECK_V6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", MULTICAST);
}

/* A dual-stack socket with an IPv4 peer: the embedded IPv4 address decides. */
static void test_ipv6_mapped(void)
{
	CHECK_V6("::ffff:10.1.2.3", PRIVATE);
	CHECK_V6("::ffff:8.8.8.8", PUBLIC);
	CHECK_V6("::ffff:127.0.0.1", LOOPBACK);
	CHECK_V6("::ffff:169.254.1.1", LINK_LOCAL);
	CHECK_V6("::ffff:224.0.0.251", MULTICAST);
	CHECK_V6("::ffff:255.255.255.255", BROADCAST);
	CHECK_V6("::ffff:0.0.0.0", RESERVED);
	CHECK_V6("::ffff:192.0.2.1", RESERVED);
	CHECK_V6("::ffff:100.64.0.1", PRIVATE);
	CHECK_V6("::ffff:100.128.0.1", PUBLIC);
	/* Almost mapped: ffff in the wrong place or a nonzero prefix byte. */
	CHECK_V6("::ffff:0:808:808", RESERVED);
	CHECK_V6("::fffe:808:808", RESERVED);
	CHECK_V6("1::ffff:808:808", RESERVED);
	CHECK_BYTES(6, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 172, 16, 0, 1), PRIVATE);
	CHECK_BYTES(6, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 172, 16, 0, 1), RESERVED);
}

static void test_unknown_version(void)
{
	static const uint8_t versions[] = { 0, 5, AF_INET6, 255 };

	for (size_t i = 0; i < sizeof(versions); i++) {
		CHECK_BYTES(versions[i], B(8, 8, 8, 8), RESERVED);
		CHECK_BYTES(versions[i], B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
			    RESERVED);
		CHECK_BYTES(versions[i], B(0x20, 0x01, 0x48, 0x60), RESERVED);
	}
}

int main(void)
{
	test_l3_name();
	test_l4_name();
	test_port_table();
	test_port_preference();
	test_port_other_protocols();
	test_app();
	test_app_name();
	test_address_name();
	test_ipv4_ranges();
	test_ipv4_bytes();
	test_ipv6_ranges();
	test_ipv6_mapped();
	test_unknown_version();
	return check_finish("test_classify");
}
