// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/array.h"
#include "kernel/bpf_holders.h"

/*
 * In a child PID namespace /proc shows only that namespace's processes: an
 * instance outside it would look dead. NSpid lists one pid per namespace level.
 */
static bool in_initial_pid_namespace(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	bool initial = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6) == 0) {
			char *p = line + 6;
			int fields = 0;

			while (*p) {
				while (*p == ' ' || *p == '\t')
					p++;
				if (!isdigit((unsigned char)*p))
					break;
				fields++;
				while (isdigit((unsigned char)*p))
					p++;
			}
			initial = fields == 1;
			break;
		}
	}
	fclose(f);
	return initial;
}

/* The prog_id line of one fd's fdinfo, or 0. */
static uint32_t fdinfo_prog_id(int dirfd, const char *fd)
{
	char buf[1024];
	ssize_t n;
	int f = openat(dirfd, fd, O_RDONLY | O_CLOEXEC);
	const char *p;

	if (f < 0)
		return 0;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nprog_id:");
	return p ? (uint32_t)strtoul(p + 9, NULL, 10) : 0;
}

static int add(struct bpf_holders *h, uint32_t prog_id, pid_t pid)
{
	if (array_grow((void **)&h->list, &h->cap, h->n + 1, sizeof(*h->list)))
		return -ENOMEM;
	h->list[h->n].prog_id = prog_id;
	h->list[h->n].pid = pid;
	h->n++;
	return 0;
}

static int scan_process(struct bpf_holders *h, pid_t pid, bool *blind)
{
	char path[64], target[64];
	DIR *fds;
	int info, err = 0;
	struct dirent *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	fds = opendir(path);
	if (!fds) {
		/* Gone is fine; unreadable (no root, no CAP_SYS_PTRACE) hides what it holds. */
		if (errno != ENOENT && errno != ESRCH)
			*blind = true;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	info = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (info >= 0 && !err && (d = readdir(fds))) {
		ssize_t n;
		uint32_t id;

		if (d->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(fds), d->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		/* Sockets and files are most fds: only BPF programs and links name a program. */
		if (strcmp(target, "anon_inode:bpf-prog") != 0 &&
		    strcmp(target, "anon_inode:bpf_link") != 0)
			continue;
		id = fdinfo_prog_id(info, d->d_name);
		if (id)
			err = add(h, id, pid);
	}
	if (info >= 0)
		close(info);
	closedir(fds);
	return err;
}

static int by_prog_id(const void *a, const void *b)
{
	uint32_t x = ((const struct bpf_holder *)a)->prog_id;
	uint32_t y = ((const struct bpf_holder *)b)->prog_id;

	return x < y ? -1 : x > y;
}

int bpf_holders_scan(struct bpf_holders *h)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	bool blind = false;
	int err = 0;

	memset(h, 0, sizeof(*h));
	if (!proc)
		return -errno;
	while (!err && (d = readdir(proc))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		err = scan_process(h, (pid_t)pid, &blind);
	}
	closedir(proc);
	if (err) {
		bpf_holders_free(h);
		return err;
	}
	qsort(h->list, h->n, sizeof(*h->list), by_prog_id);
	h->complete = !blind && in_initial_pid_namespace();
	return 0;
}

pid_t bpf_holders_find(const struct bpf_holders *h, uint32_t prog_id)
{
	size_t lo = 0, hi = h->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->list[mid].prog_id == prog_id)
			return h->list[mid].pid;
		if (h->list[mid].prog_id < prog_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void bpf_holders_free(struct bpf_holders *h)
{
	free(h->list);
	memset(h, 0, sizeof(*h));
}
