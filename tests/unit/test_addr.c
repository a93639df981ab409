// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* addr.c: socket addresses as the kernel stores them, and protocol names. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "check.h"

#define CHECK_ADDR(family, bytes, expected_text, expected_family)                                  \
	do {                                                                                       \
		const uint8_t addr_[16] = bytes;                                                   \
		char buf_[ADDR_STRLEN];                                                            \
		memset(buf_, 'X', sizeof(buf_));                                                   \
		format_address(buf_, sizeof(buf_), (family), addr_);                               \
		CHECK_STR(buf_, (expected_text));                                                  \
		CHECK_STR(address_family_name((family), addr_), (expected_family));                \
	} while (0)

/* Brace lists contain commas, so pass them through one macro argument. */
#define B(...)                                                                                     \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

static void test_ipv4(void)
{
	CHECK_ADDR(AF_INET, B(192, 0, 2, 1), "192.0.2.1", "ipv4");
	CHECK_ADDR(AF_INET, B(0, 0, 0, 0), "0.0.0.0", "ipv4");
	CHECK_ADDR(AF_INET, B(127, 0, 0, 1), "127.0.0.1", "ipv4");
	CHECK_ADDR(AF_INET, B(255, 255, 255, 255), "255.255.255.255", "ipv4");
	CHECK_ADDR(AF_INET, B(10, 0, 0, 255), "10.0.0.255", "ipv4");
	/* Only the first 4 bytes count for IPv4; the rest is whatever the kernel left. */
	CHECK_ADDR(AF_INET, B(198, 51, 100, 7, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8),
		   "198.51.100.7", "ipv4");
	/* Bytes that look like an IPv4-mapped prefix mean nothing for AF_INET. */
	CHECK_ADDR(AF_INET, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4), "0.0.0.0",
		   "ipv4");
}

static void test_ipv6(void)
{
	CHECK_ADDR(AF_INET6, B(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
		   "2001:db8::1", "ipv6");
	CHECK_ADDR(AF_INET6, B(0), "::", "ipv6");
	CHECK_ADDR(AF_INET6, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), "::1", "ipv6");
	CHECK_ADDR(AF_INET6,
		   B(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55),
		   "fe80::211:22ff:fe33:4455", "ipv6");
	/* Longest text form, 39 characters: fits ADDR_STRLEN. */
	CHECK_ADDR(AF_INET6,
		   B(0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0x08, 0xd3, 0x13, 0x19, 0x8a, 0x2e, 0x03,
		     0x70, 0x73, 0x48),
		   "2001:db8:85a3:8d3:1319:8a2e:370:7348", "ipv6");
	CHECK_ADDR(AF_INET6,
		   B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		     0xff, 0xff, 0xff),
		   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ipv6");
	CHECK_ADDR(AF_INET6, B(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1),
		   "2001:db8::1:0:0:1", "ipv6");
	/* Almost mapped: ffff in the wrong place, or a nonzero byte in the prefix. */
	CHECK_ADDR(AF_INET6, B(0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 10, 1, 2, 3),
		   "::ffff:0:a01:203", "ipv6");
	CHECK_ADDR(AF_INET6, B(0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3),
		   "1::ffff:a01:203", "ipv6");
	CHECK_ADDR(AF_INET6, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 10, 1, 2, 3),
		   "::fffe:a01:203", "ipv6");
}

/* A dual-stack socket talking to an IPv4 peer stores ::ffff:a.b.c.d; print a.b.c.d. */
static void test_v4_mapped(void)
{
	CHECK_ADDR(AF_INET6, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1), "192.0.2.1",
		   "ipv4");
	CHECK_ADDR(AF_INET6, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1), "127.0.0.1",
		   "ipv4");
	CHECK_ADDR(AF_INET6, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0), "0.0.0.0",
		   "ipv4");
	CHECK_ADDR(AF_INET6, B(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255, 255),
		   "255.255.255.255", "ipv4");
}

/*
 * format_address writes IPv4 itself (inet_ntop's sprintf was a tenth of dump
 * --json's time): the same text as inet_ntop for every value of every byte,
 * and for a million addresses more, plain and IPv4-mapped; the length it
 * returns is the text's.
 */
static void test_ipv4_same_as_inet_ntop(void)
{
	uint64_t state = 0x61646472; /* "addr" */
	unsigned long differ = 0, wrong_length = 0;
	uint8_t addr[16] = { 0 }, mapped[16] = { [10] = 0xff, [11] = 0xff };
	char ours[ADDR_STRLEN], theirs[ADDR_STRLEN], ours_mapped[ADDR_STRLEN];
	size_t n, n_mapped;

	for (unsigned long i = 0; i < 1024 + 1000000; i++) {
		if (i < 1024) {
			memset(addr, 0, 4);
			addr[i / 256] = (uint8_t)i; /* every byte value in each position */
		} else {
			state = state * 6364136223846793005ULL + 1442695040888963407ULL;
			memcpy(addr, (const char *)&state + 4, 4);
		}
		memcpy(mapped + 12, addr, 4);
		n = format_address(ours, sizeof(ours), AF_INET, addr);
		n_mapped = format_address(ours_mapped, sizeof(ours_mapped), AF_INET6, mapped);
		inet_ntop(AF_INET, addr, theirs, sizeof(theirs));
		differ += strcmp(ours, theirs) != 0 || strcmp(ours_mapped, theirs) != 0;
		wrong_length += n != strlen(theirs) || n_mapped != strlen(theirs);
		if (differ == 1 && (strcmp(ours, theirs) || strcmp(ours_mapped, theirs))) {
			CHECK_STR(ours, theirs);
			CHECK_STR(ours_mapped, theirs);
		}
	}
	CHECK_UINT(differ, 0);
	CHECK_UINT(wrong_length, 0);
}

/* The length returned, for IPv6 too; a buffer too small gives 0 and an empty text. */
static void test_address_length(void)
{
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, v4[16] = { 192, 0, 2, 1 };
	char buf[ADDR_STRLEN];

	CHECK_UINT(format_address(buf, sizeof(buf), AF_INET6, v6), strlen("2001:db8::1"));
	CHECK_STR(buf, "2001:db8::1");
	CHECK_UINT(format_address(buf, 4, AF_INET6, v6), 0);
	CHECK_STR(buf, "");
	CHECK_UINT(format_address(buf, 4, AF_INET, v4), 0);
	CHECK_STR(buf, "");
	/* Under INET_ADDRSTRLEN but large enough: inet_ntop's answer, as before. */
	CHECK_UINT(format_address(buf, 10, AF_INET, v4), strlen("192.0.2.1"));
	CHECK_STR(buf, "192.0.2.1");
	CHECK_UINT(format_address(buf, 9, AF_INET, v4), 0);
	CHECK_STR(buf, "");
}

static void test_protocol_name(void)
{
	CHECK_STR(protocol_name(IPPROTO_TCP), "TCP");
	CHECK_STR(protocol_name(6), "TCP");
	CHECK_STR(protocol_name(IPPROTO_UDP), "UDP");
	CHECK_STR(protocol_name(17), "UDP");
	CHECK_STR(protocol_name(136), "UDPLite");
	CHECK_STR(protocol_name(1), "ICMP");
	CHECK_STR(protocol_name(58), "ICMPv6");
	CHECK_STR(protocol_name(132), "SCTP");
	CHECK_STR(protocol_name(255), "RAW");
	CHECK_STR(protocol_name(262), "MPTCP");
	/* Unnamed numbers: NULL, so the caller prints "proto-N". */
	CHECK(protocol_name(0) == NULL);
	CHECK(protocol_name(47) == NULL);
	CHECK(protocol_name(256) == NULL);
	CHECK(protocol_name(6 + 256) != NULL); /* 262 is MPTCP, not TCP wrapped */
	CHECK(protocol_name(UINT16_MAX) == NULL);
}

int main(void)
{
	test_ipv4();
	test_ipv6();
	test_v4_mapped();
	test_ipv4_same_as_inet_ntop();
	test_address_length();
	test_protocol_name();
	return check_finish("test_addr");
}
