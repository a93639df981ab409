/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The packet log of the second seed's tools: one line per packet,
 *   FRAME TIME SOURCE DESTINATION PROTOCOL LENGTH PROCESS
 * FRAME counts from 1 as Wireshark's frame numbers do; TIME is RFC 3339 UTC
 * with nanoseconds; SOURCE and DESTINATION are ADDR:PORT ([ADDR]:PORT for
 * IPv6, ADDR without a port, MAC addresses for non-IP frames); LENGTH is the
 * frame's length on the wire; PROCESS, the rest of the line, is the label
 * the pcapng comment carries (packet_label.h).
 */
#ifndef NETHOUND_TEXT_LOG_H
#define NETHOUND_TEXT_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "core/packet.h"

/* The header line naming the columns, written once at the top. */
void text_log_header(FILE *out);

/* One packet's line. Returns what fprintf returns. */
int text_log_line(FILE *out, uint64_t frame, const struct captured_packet *pkt,
		  const char *process);

#endif
