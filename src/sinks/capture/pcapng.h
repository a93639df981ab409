/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A pcapng writer (draft-ietf-opsawg-pcapng): one section, in this host's
 * byte order, with nanosecond timestamps. Knows blocks and options, nothing
 * of where packets come from.
 */
#ifndef NETHOUND_PCAPNG_H
#define NETHOUND_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

/* epb_flags: the direction bits. */
#define PCAPNG_INBOUND 1u
#define PCAPNG_OUTBOUND 2u

struct pcapng;

/* Write the Section Header Block naming the application (shb_userappl). NULL on ENOMEM. */
struct pcapng *pcapng_open(FILE *out, const char *userappl, const char *os);

/* An Interface Description Block; returns its interface id (0, 1, ...), or -errno. */
int pcapng_add_interface(struct pcapng *w, uint16_t linktype, uint32_t snaplen, const char *name);

struct pcapng_packet {
	uint32_t ifid;
	uint64_t ts_ns; /* since the epoch */
	const uint8_t *data;
	uint32_t caplen;
	uint32_t len;
	uint32_t flags;	     /* epb_flags; 0: none written */
	const char *comment; /* opt_comment (UTF-8); NULL: none */
	uint32_t pid;	     /* epb_processid_threadid; 0: none written */
};

/* An Enhanced Packet Block. 0 or -errno. */
int pcapng_write_packet(struct pcapng *w, const struct pcapng_packet *p);

struct pcapng_stats {
	uint32_t ifid;
	uint64_t ts_ns, start_ns, end_ns; /* isb_starttime, isb_endtime */
	uint64_t received;		  /* isb_ifrecv */
	uint64_t dropped;		  /* isb_ifdrop */
	const char *comment;		  /* NULL: none */
};

/* An Interface Statistics Block. 0 or -errno. */
int pcapng_write_stats(struct pcapng *w, const struct pcapng_stats *s);

/* Flush; 0, or the first write error (-errno) seen since open. */
int pcapng_flush(struct pcapng *w);

/* Flush and free (the FILE stays the caller's). Returns as pcapng_flush. */
int pcapng_close(struct pcapng *w);

#endif
