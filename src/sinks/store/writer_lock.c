// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sinks/store/writer_lock.h"

static pid_t read_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && pid < (1l << 30) ? (pid_t)pid : 0;
}

int writer_lock_take(const char *db_path, pid_t *holder, char *err, size_t errlen)
{
	char path[4096], pid[32];
	struct stat st;
	int fd, n;

	*holder = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s-writer", db_path) >= sizeof(path)) {
		snprintf(err, errlen, "nethound: %s: path too long; use a shorter --db", db_path);
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen,
			 "nethound: cannot open the writer lock %s (%s); the database's directory "
			 "must be writable by nethound",
			 path, strerror(e));
		return -e;
	}
	/*
	 * A file another user planted (a directory others may write to) could be
	 * held by them to keep every writer out, or carry a pid of their choice.
	 */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		snprintf(err, errlen,
			 "nethound: the writer lock %s is not a regular file of this user that "
			 "only it may write; remove it",
			 path);
		close(fd);
		return -EPERM;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		if (e == EWOULDBLOCK) {
			*holder = read_holder(fd);
			close(fd);
			return -EBUSY;
		}
		snprintf(err, errlen, "nethound: cannot lock %s (%s)", path, strerror(e));
		close(fd);
		return -e;
	}
	/*
	 * The pid only names us in a second writer's message (which falls back
	 * to the sessions table): a full disk must not keep counting from starting.
	 */
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n) {
		/* Half a pid would name another process: none then. */
		int ignored = ftruncate(fd, 0);

		(void)ignored;
	}
	return fd;
}
