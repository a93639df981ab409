/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bandwidth alerts from snapshots: per-process, total and per-interface rate
 * thresholds over a sliding window, per systemd unit and per container (the
 * sums of their processes), and a daily byte quota per process name.
 * An alert is raised once when a threshold is crossed and cleared when the
 * rate has stayed at or below it for the hold time, so a steady hog is one
 * alert, not one per tick. Drops of the kernel's maps raise an alert too.
 * Pure: no I/O, unit-tested.
 */
#ifndef NETHOUND_ALERTS_H
#define NETHOUND_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <net/if.h>

#include "core/snapshot.h"

#define ALERTS_DEFAULT_PROCESS_RATE (1024.0 * 1024.0) /* 1024 KiB/s, either direction */
#define ALERTS_DEFAULT_HOLD_S 10.0
#define ALERTS_DEFAULT_WINDOW_S 1.0
/* Samples a window may span: window / interval at most this. */
#define ALERTS_WINDOW_SAMPLES_MAX 3600
/* Buckets of samples kept per process, interface, unit or container, whatever the window. */
#define ALERTS_RING_BUCKETS 64
/* Bytes of a unit's or container's name an alert keeps (longer ones are cut). */
#define ALERT_GROUP_LEN 128

struct alert_config {
	double process_rate;   /* bytes/s, upload or download; 0 = off */
	double total_rate;     /* bytes/s for the whole host; 0 = off */
	double interface_rate; /* bytes/s on any one interface; 0 = off */
	uint64_t daily_quota;  /* bytes up + down per process name per UTC day; 0 = off */
	double unit_rate;      /* bytes/s of all processes of one systemd unit; 0 = off */
	double container_rate; /* bytes/s of all processes of one container; 0 = off */
	double hold;           /* seconds at or below the threshold before clearing */
	double window;         /* seconds the rates are averaged over */
};

void alert_config_defaults(struct alert_config *c);

enum alert_kind {
	ALERT_PROCESS_RATE = 0,
	ALERT_TOTAL_RATE,
	ALERT_INTERFACE_RATE,
	ALERT_DAILY_QUOTA,
	ALERT_UNIT_RATE,      /* group: the unit */
	ALERT_CONTAINER_RATE, /* group: the container's name, else its id */
	/*
	 * A kernel map was full and updates were not counted (value: how many
	 * in the tick that raised it; group: the maps, "processes,sockets").
	 * Always on; cleared after the hold time without new drops.
	 */
	ALERT_MAP_DROPS,
	ALERT_KIND_MAX,
};

enum alert_direction {
	ALERT_DIR_NONE = 0, /* quota: up + down */
	ALERT_DIR_UPLOAD,
	ALERT_DIR_DOWNLOAD,
};

#define ALERT_CAPTURE_LEN 512

struct alert_event {
	time_t when; /* wall clock of the tick */
	enum alert_kind kind;
	bool cleared; /* false: raised */
	enum alert_direction direction;
	uint32_t pid; /* process alerts */
	uint64_t start_ns;
	char comm[NH_COMM_LEN];       /* process and quota alerts */
	char interface[IF_NAMESIZE];  /* interface alerts */
	double value;                 /* bytes/s; bytes for the quota */
	double threshold;
	char group[ALERT_GROUP_LEN];  /* unit and container alerts: bytes as found */
	/* record --capture-on-alert: the file started for this event; "" if none. */
	char capture_file[ALERT_CAPTURE_LEN];
};

const char *alert_kind_name(enum alert_kind kind);           /* "process_rate", ... */
const char *alert_direction_name(enum alert_direction dir);  /* "upload", "download", NULL */

/* "process_rate raised: iperf3 (pid 42) upload 12.0 MiB/s over 1.0 MiB/s" */
void alert_event_format(const struct alert_event *e, char *buf, size_t len);

struct alerts;

/* interval: seconds between ticks (the window is measured in ticks of it). */
struct alerts *alerts_new(const struct alert_config *cfg, double interval);
void alerts_free(struct alerts *a);

/* The live view's T key changes the process threshold while running. */
void alerts_set_process_rate(struct alerts *a, double bytes_per_second);

/*
 * Start today's quota count for a process name at bytes it moved earlier
 * today (read from the database after a restart), so a restart does not hand
 * out a fresh quota. already_raised: today's quota alert for this name is on
 * record, so it is not raised again. No-op when there is no daily quota.
 * Returns 0 or -ENOMEM.
 */
int alerts_seed_quota(struct alerts *a, time_t now, const char *comm, uint64_t bytes,
		      bool already_raised);

/*
 * Judge one snapshot. Returns the events of this tick (valid until the next
 * call) and their count in *n; NULL with *n == 0 when none (or out of
 * memory: then errno is ENOMEM).
 */
const struct alert_event *alerts_update(struct alerts *a, const struct snapshot *s, size_t *n);

/* Alerts raised and not yet cleared, oldest first; valid until the next update. */
const struct alert_event *alerts_active(const struct alerts *a, size_t *n);

#endif
