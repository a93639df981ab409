// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "sinks/capture/text_log.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

/* What the line says of a frame's headers. */
struct summary {
	char src[64], dst[64];
	char proto[16];
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void mac(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static const char *l4_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 1:
		return "ICMP";
	case 58:
		return "ICMPv6";
	case 136:
		return "UDPLite";
	default:
		snprintf(buf, len, "IP/%u", proto);
		return buf;
	}
}

/* Address, with :port when the protocol has ports and the header was captured. */
static void endpoint(char *buf, size_t len, int family, const uint8_t *addr, bool has_port,
		     uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, a, sizeof(a));
	if (!has_port)
		snprintf(buf, len, "%s", a);
	else if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

static void summarise_ip(struct summary *s, const uint8_t *p, size_t n)
{
	const uint8_t *src, *dst, *l4;
	char other[16];
	uint8_t proto;
	size_t hlen;
	int family;
	bool ports, first_fragment = true;

	if (n >= 20 && p[0] >> 4 == 4) {
		hlen = (size_t)(p[0] & 0xf) * 4;
		family = AF_INET;
		proto = p[9];
		src = p + 12;
		dst = p + 16;
		first_fragment = (be16(p + 6) & 0x1fff) == 0;
	} else if (n >= 40 && p[0] >> 4 == 6) {
		hlen = 40;
		family = AF_INET6;
		proto = p[6];
		src = p + 8;
		dst = p + 24;
	} else {
		snprintf(s->proto, sizeof(s->proto), "IP?");
		return;
	}
	l4 = p + hlen;
	ports = first_fragment && (proto == 6 || proto == 17 || proto == 136) && n >= hlen + 4;
	endpoint(s->src, sizeof(s->src), family, src, ports, ports ? be16(l4) : 0);
	endpoint(s->dst, sizeof(s->dst), family, dst, ports, ports ? be16(l4 + 2) : 0);
	snprintf(s->proto, sizeof(s->proto), "%s", l4_name(proto, other, sizeof(other)));
}

static void summarise(struct summary *s, const struct captured_packet *pkt)
{
	const uint8_t *p = pkt->data;
	size_t n = pkt->caplen, off = ETH_HLEN;
	uint16_t type;

	strcpy(s->src, "-");
	strcpy(s->dst, "-");
	strcpy(s->proto, "?");
	if (pkt->link == PACKET_LINK_RAW) {
		summarise_ip(s, p, n);
		return;
	}
	if (n < ETH_HLEN)
		return;
	type = be16(p + 12);
	while ((type == ETH_P_8021Q || type == ETH_P_8021AD) && n >= off + 4) {
		type = be16(p + off + 2);
		off += 4;
	}
	if (type == ETH_P_IP || type == ETH_P_IPV6) {
		summarise_ip(s, p + off, n - off);
		return;
	}
	mac(s->src, sizeof(s->src), p + 6);
	mac(s->dst, sizeof(s->dst), p);
	if (type == ETH_P_ARP)
		strcpy(s->proto, "ARP");
	else
		snprintf(s->proto, sizeof(s->proto), "0x%04x", type);
}

void text_log_header(FILE *out)
{
	fputs("# frame time source destination protocol length process\n", out);
}

int text_log_line(FILE *out, uint64_t frame, const struct captured_packet *pkt, const char *process)
{
	struct summary s;
	char when[32];
	struct tm tm;
	time_t sec = (time_t)(pkt->ts_ns / 1000000000u);

	summarise(&s, pkt);
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	return fprintf(out, "%" PRIu64 " %s.%09" PRIu64 "Z %s %s %s %" PRIu32 " %s\n", frame, when,
		       pkt->ts_ns % 1000000000u, s.src, s.dst, s.proto, pkt->len, process);
}
