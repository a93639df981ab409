// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sinks/capture/packet_label.h"

size_t packet_label_escape(char *dst, size_t dstlen, size_t used, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < srclen && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];
		bool plain = c > 0x20 && c < 0x7f && c != '\\' && c != '"' && c != '=';
		size_t need = plain ? 1 : 4;

		if (used + need >= dstlen)
			break;
		if (plain) {
			dst[used++] = (char)c;
		} else {
			dst[used++] = '\\';
			dst[used++] = 'x';
			dst[used++] = hex[c >> 4];
			dst[used++] = hex[c & 0xf];
		}
	}
	if (dstlen)
		dst[used < dstlen ? used : dstlen - 1] = '\0';
	return used;
}

static size_t word(char *dst, size_t dstlen, size_t used, const char *key, const char *value)
{
	int n;

	if (!value)
		return used;
	n = snprintf(dst + used, dstlen - used, " %s=", key);
	if (n < 0 || (size_t)n >= dstlen - used)
		return used;
	return packet_label_escape(dst, dstlen, used + (size_t)n, value, strlen(value));
}

void packet_label_identity(char *dst, size_t dstlen, const struct process_identity *id)
{
	size_t used = 0;

	if (!dstlen)
		return;
	dst[0] = '\0';
	used = word(dst, dstlen, used, "user", id->user);
	used = word(dst, dstlen, used, "exe", id->exe);
	used = word(dst, dstlen, used, "unit", id->unit);
	word(dst, dstlen, used, "container", process_container_label(id));
}

void packet_label(char *dst, size_t dstlen, const struct captured_packet *pkt, const char *identity)
{
	size_t used;
	int n;

	if (!pkt->pid) {
		snprintf(dst, dstlen, "pid=0 unattributed");
		return;
	}
	n = snprintf(dst, dstlen, "pid=%" PRIu32 " comm=", pkt->pid);
	if (n < 0 || (size_t)n >= dstlen)
		return;
	used = packet_label_escape(dst, dstlen, (size_t)n, pkt->comm,
				   strnlen(pkt->comm, sizeof(pkt->comm)));
	/* The rest whole or not at all: a cut word would read as another value. */
	n = snprintf(NULL, 0, " uid=%" PRIu32 " cgroup=%" PRIu64 "%s", pkt->uid, pkt->cgroup_id,
		     identity ? identity : "");
	if (n > 0 && (size_t)n < dstlen - used)
		snprintf(dst + used, dstlen - used, " uid=%" PRIu32 " cgroup=%" PRIu64 "%s",
			 pkt->uid, pkt->cgroup_id, identity ? identity : "");
}
