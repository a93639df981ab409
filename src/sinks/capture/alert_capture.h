/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * record --capture-on-alert DIR: when a process alert is raised, that
 * process's packets for a few seconds, into DIR/<time>-<name>-<pid>.pcapng.
 * Bounded: ALERT_CAPTURE_ACTIVE_MAX captures at once, max_bytes per file,
 * ALERT_CAPTURE_FILES_MAX files per run. The file's path goes into the alert
 * event (capture_file), so the store records it in the alerts table.
 */
#ifndef NETHOUND_ALERT_CAPTURE_H
#define NETHOUND_ALERT_CAPTURE_H

#include <stdint.h>

#include "pipeline/sink.h"

#define ALERT_CAPTURE_ACTIVE_MAX 8 /* the kernel filter's PID list */
#define ALERT_CAPTURE_FILES_MAX 1000

struct alert_capture_config {
	const char *dir;
	double seconds;     /* each capture's length */
	uint64_t max_bytes; /* each file's size, at most */
	uint32_t snaplen;
};

struct alert_capture;

struct alert_capture *alert_capture_new(const struct alert_capture_config *cfg);
struct sink alert_capture_sink(struct alert_capture *a);
void alert_capture_free(struct alert_capture *a);

#endif
