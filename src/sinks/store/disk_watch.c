// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "core/rates.h"
#include "sinks/store/disk_watch.h"

/* The directory of path, for statvfs: "." for a bare name. */
static char *directory_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

int disk_watch_open(struct disk_watch *w, const char *path, uint64_t min_free)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->path = path;
	w->min_free = min_free;
	w->dir = directory_of(path);
	if (!w->dir)
		return -ENOMEM;
	/* Just opened, after the owner checks: the path names the file opened. */
	if (stat(path, &st) == 0) {
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
	return 0;
}

/*
 * Writing on would fill a file nobody finds, and the file now at the path
 * was never checked: from now on nothing is written (the store's run ends
 * with exit code 5).
 */
static bool replaced(struct disk_watch *w)
{
	struct stat st;

	if (w->replaced)
		return true;
	if (!w->ino || (stat(w->path, &st) == 0 && st.st_dev == w->dev && st.st_ino == w->ino))
		return false;
	w->replaced = true;
	fprintf(stderr,
		"nethound: %s was renamed, removed or replaced while recording; history is no "
		"longer written, counting goes on: restart record to log to the file now at "
		"that path\n",
		w->path);
	return true;
}

/* Writing would eat the last of a disk other programs (and the system) need. */
static bool under_watermark(struct disk_watch *w)
{
	char have[32], want[32];
	struct statvfs v;
	uint64_t free_bytes;

	if (!w->min_free || statvfs(w->dir, &v))
		return false;
	free_bytes = (uint64_t)v.f_bavail * v.f_frsize;
	if (free_bytes >= w->min_free)
		return false;
	if (w->low)
		return true;
	w->low = true;
	w->low_since = time(NULL);
	w->low_free = free_bytes;
	format_bytes(have, sizeof(have), (double)free_bytes);
	format_bytes(want, sizeof(want), (double)w->min_free);
	fprintf(stderr,
		"nethound: only %s free for %s, under history_min_free (%s): history writes "
		"pause, counting goes on in memory until there is room; free space or lower "
		"history_min_free\n",
		have, w->path, want);
	return true;
}

bool disk_watch_writable(struct disk_watch *w)
{
	return !replaced(w) && !under_watermark(w);
}

void disk_watch_free(struct disk_watch *w)
{
	free(w->dir);
	w->dir = NULL;
}
