/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which processes hold which BPF programs, from /proc/PID/fdinfo: a program
 * fd or a BPF link fd names its program's id there. A running nethound keeps
 * its classifier programs open for its whole run, so a nethound filter whose
 * program no process holds belongs to an instance that is gone (killed, or
 * crashed) and may be removed; one whose program is held belongs to a live
 * instance, whose pid this names.
 */
#ifndef NETHOUND_BPF_HOLDERS_H
#define NETHOUND_BPF_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_holder {
	uint32_t prog_id;
	pid_t pid; /* as this process's /proc numbers it */
};

struct bpf_holders {
	struct bpf_holder *list; /* by prog_id */
	size_t n, cap;
	/* Every process is visible: this process is in the initial PID namespace. */
	bool complete;
};

/* Scan /proc. 0, or -errno (then *h is empty and not complete). Needs root to see all. */
int bpf_holders_scan(struct bpf_holders *h);

/* A process holding prog_id, or 0 when none is visible. */
pid_t bpf_holders_find(const struct bpf_holders *h, uint32_t prog_id);

void bpf_holders_free(struct bpf_holders *h);

#endif
