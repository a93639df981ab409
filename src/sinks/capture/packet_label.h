/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who a captured packet belongs to, as one line of words a Wireshark display
 * filter can match (frame.comment contains "pid=1234"):
 *   pid=1234 comm=curl uid=1000 cgroup=5678[ user=alice exe=/usr/bin/curl
 *   unit=session-3.scope container=web]
 * and "pid=0 unattributed" for a packet no local process owns. Values are
 * escaped: every byte outside printable ASCII, and space, '\', '"' and '=',
 * becomes \xNN, so a value never forges another word and the text is ASCII.
 */
#ifndef NETHOUND_PACKET_LABEL_H
#define NETHOUND_PACKET_LABEL_H

#include <stddef.h>

#include "core/packet.h"
#include "core/snapshot.h"

/* Room for the longest label: four escaped names of NAME_MAX and a path of PATH_MAX. */
#define PACKET_LABEL_MAX 20480

/* Append src (srclen bytes) to dst escaped; dst stays terminated. Returns dst's length. */
size_t packet_label_escape(char *dst, size_t dstlen, size_t used, const char *src, size_t srclen);

/* " user=... exe=... unit=... container=..." for what identity knows; "" if nothing. */
void packet_label_identity(char *dst, size_t dstlen, const struct process_identity *id);

/* The label of pkt, with the identity suffix of its process (NULL: none known). */
void packet_label(char *dst, size_t dstlen, const struct captured_packet *pkt,
		  const char *identity);

#endif
