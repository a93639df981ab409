/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One writer per history database. A session holds an exclusive flock(2) on
 * PATH-writer, a file beside the database that only the writer's uid may
 * open (mode 0600, never through a symlink), and writes its pid there. The
 * kernel releases the lock when the writer exits, even by SIGKILL, so a
 * stale session row cannot block a start, and no other process can fake a
 * live writer: a pid and a name in the sessions table prove nothing (any
 * user can run a program called "nethound" under a recycled pid).
 */
#ifndef NETHOUND_WRITER_LOCK_H
#define NETHOUND_WRITER_LOCK_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Take the lock of the database at db_path. Returns a descriptor that holds
 * it (close it to release); -EBUSY when another process holds it (its pid in
 * *holder, 0 if it has not written it yet); another -errno with a one-line
 * cause and remedy in err.
 */
int writer_lock_take(const char *db_path, pid_t *holder, char *err, size_t errlen);

#endif
