/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The capture's kernel side from userspace: set the TC classifier's filter,
 * read its ring buffer, turn records into struct captured_packet, and report
 * what the ring lost, interface by interface.
 */
#ifndef NETHOUND_CAPTURE_RING_H
#define NETHOUND_CAPTURE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/packet.h"
#include "kernel/loader.h"

#define CAPTURE_MATCH_MAX 8

struct capture_filter {
	uint32_t snaplen;	     /* 1 to NH_CAPTURE_SNAP_MAX */
	size_t npids, ncomms, nuids; /* each at most CAPTURE_MATCH_MAX */
	uint32_t pids[CAPTURE_MATCH_MAX];
	const char *comms[CAPTURE_MATCH_MAX];
	uint32_t uids[CAPTURE_MATCH_MAX];
	uint8_t protocol; /* IPPROTO_*; 0: any */
	uint16_t port;	  /* 0: any */
	bool idle; /* copy nothing (yet): capture on alert between alerts */
};

struct capture_ring;

/* Start capturing with the loader's classifier. NULL with errno and a one-line err. */
struct capture_ring *capture_ring_open(struct loader *ld, const struct capture_filter *f, char *err,
				       size_t errlen);
int capture_ring_fd(struct capture_ring *c);
/*
 * Hand each ready packet, then any new loss, to emit (which returns the
 * pipeline's SINK_* status; non-zero stops the drain). Returns how many
 * events were emitted or -errno.
 */
int capture_ring_drain(struct capture_ring *c,
		       int (*emit)(void *pctx, const void *data, size_t len), void *pctx);
/* Change the filter of a running capture. 0 or -EINVAL (out of bounds). */
int capture_ring_set_filter(struct capture_ring *c, const struct capture_filter *f);
/* Stop capturing (the classifier copies nothing more) and free. */
void capture_ring_close(struct capture_ring *c);

#endif
