/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the store checks before each write about the file it writes, beside
 * SQLite's own errors: that the path still names the file opened (not
 * renamed away, removed or replaced), and that the file system keeps
 * min_free bytes free. Each change is said once on stderr with its remedy.
 */
#ifndef NETHOUND_DISK_WATCH_H
#define NETHOUND_DISK_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct disk_watch {
	const char *path; /* the database, owned by the caller */
	char *dir;        /* where free space is measured */
	dev_t dev;        /* the file opened; ino 0: unknown, never judged replaced */
	ino_t ino;
	bool replaced;    /* for good: the file at the path was never checked */
	uint64_t min_free; /* bytes; 0: no watermark */
	bool low;         /* under min_free since low_since, with low_free bytes free then */
	time_t low_since;
	uint64_t low_free;
};

/* Right after opening path: remember its file. 0 or -ENOMEM. */
int disk_watch_open(struct disk_watch *w, const char *path, uint64_t min_free);

/*
 * May the store write now? false when the file was replaced (for good) or
 * while free space is under min_free (w->low; the caller clears it once it
 * wrote and said so).
 */
bool disk_watch_writable(struct disk_watch *w);

void disk_watch_free(struct disk_watch *w);

#endif
