/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a cgroup path says about the processes in it: the systemd unit, the
 * container (Docker, Podman, containerd, CRI-O, LXC, systemd-nspawn; systemd
 * and cgroupfs drivers) and the Kubernetes pod. A pure function of the path,
 * so every layout is unit-tested without a runtime. The README's "Identity"
 * section lists the layouts recognised.
 */
#ifndef NETHOUND_CGROUP_PATH_H
#define NETHOUND_CGROUP_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds: a path component is at most NAME_MAX bytes, so each field fits one. */
#define CGROUP_LABEL_LEN 256
#define CGROUP_ID_LEN 80
#define CGROUP_POD_UID_LEN 40

struct cgroup_labels {
	/*
	 * The system unit: the outermost .service or .scope on the path (what
	 * systemd reports as a process's unit: user@1000.service, not a unit of
	 * that user's manager), else the innermost .slice. "" for the root and
	 * for cgroupfs paths.
	 */
	char unit[CGROUP_LABEL_LEN];
	/* "docker", "podman", "containerd", "cri-o", "lxc", "systemd-nspawn"; "" if none. */
	const char *runtime;
	char container_id[CGROUP_LABEL_LEN];
	/* Where the path itself names the container (LXC, nspawn); else "". */
	char container_name[CGROUP_LABEL_LEN];
	char pod_uid[CGROUP_POD_UID_LEN]; /* Kubernetes pod UID with dashes; "" if none */
};

/*
 * Labels for path, a cgroup path relative to its hierarchy's root ("/" or
 * "" is the root; a leading '/' is optional). Works on cgroup v2 paths and
 * on the v1 paths of /proc/PID/cgroup. Names keep their bytes (systemd's
 * \xNN escapes undone, except for NUL and '/'); the caller escapes them for
 * its output. Returns true if anything was recognised.
 */
bool cgroup_path_parse(const char *path, struct cgroup_labels *out);

/* systemd's unit name escaping undone ("a\x2db" -> "a-b") into dst; NUL and '/' stay escaped. */
void cgroup_unescape(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
