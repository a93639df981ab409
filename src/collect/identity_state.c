// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/identity_state.h"
#include "collect/json_scan.h"

/* The whole of a regular file up to the bound, NUL-terminated; NULL if absent or too big. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size > IDENTITY_STATE_MAX_BYTES)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

static bool string_at(struct json_span doc, const char *const *keys, size_t nkeys, char *out,
		      size_t outlen)
{
	struct json_span v;

	return json_scan_find(doc, keys, nkeys, &v) && json_scan_string(v, out, outlen) && out[0];
}

static void docker_names(const char *root, const char *id, struct state_names *out)
{
	static const char *const name_key[] = {"Name"};
	char path[512], name[CGROUP_LABEL_LEN];
	size_t len;
	char *doc;

	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s/config.v2.json", root, id);
	doc = read_file(path, &len);
	if (!doc)
		return;
	if (string_at((struct json_span){doc, len}, name_key, 1, name, sizeof(name)))
		snprintf(out->container, sizeof(out->container), "%s",
			 name[0] == '/' ? name + 1 : name);
	free(doc);
}

/* containers/storage's list: [{"id": "...", "names": ["web"], ...}, ...] */
static void storage_names(const char *root, const char *id, struct state_names *out)
{
	static const char *const drivers[] = {"overlay", "vfs", "btrfs", "zfs"};

	for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]) && !out->container[0]; d++) {
		static const char *const id_key[] = {"id"}, *const names_key[] = {"names"};
		struct json_span all, elem;
		char path[512], found[CGROUP_ID_LEN];
		size_t len;
		char *doc;

		snprintf(path, sizeof(path),
			 "%s/var/lib/containers/storage/%s-containers/containers.json", root,
			 drivers[d]);
		doc = read_file(path, &len);
		if (!doc)
			continue;
		all = (struct json_span){doc, len};
		while (json_scan_next(&all, &elem)) {
			struct json_span names, first;

			if (!string_at(elem, id_key, 1, found, sizeof(found)) || strcmp(found, id))
				continue;
			if (json_scan_find(elem, names_key, 1, &names) &&
			    json_scan_next(&names, &first))
				json_scan_string(first, out->container, sizeof(out->container));
			break;
		}
		free(doc);
	}
}

/* An OCI bundle's config.json: the CRI annotations name container and pod. */
static void bundle_names(const char *path, const char *container_key, const char *pod_key,
			 const char *ns_key, struct state_names *out)
{
	const char *keys[2] = {"annotations", NULL};
	struct json_span doc;
	size_t len;
	char *buf = read_file(path, &len);

	if (!buf)
		return;
	doc = (struct json_span){buf, len};
	keys[1] = container_key;
	if (!out->container[0])
		string_at(doc, keys, 2, out->container, sizeof(out->container));
	keys[1] = pod_key;
	string_at(doc, keys, 2, out->pod_name, sizeof(out->pod_name));
	keys[1] = ns_key;
	string_at(doc, keys, 2, out->pod_namespace, sizeof(out->pod_namespace));
	free(buf);
}

/* The service account volume the kubelet projects into a pod holds its namespace. */
static void kubelet_namespace(const char *root, const char *uid, struct state_names *out)
{
	char dir[512];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/var/lib/kubelet/pods/%s/volumes/kubernetes.io~projected",
		 root, uid);
	d = opendir(dir);
	if (!d)
		return;
	while (!out->pod_namespace[0] && (e = readdir(d))) {
		char path[1024];
		size_t len;
		char *text;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/namespace", dir, e->d_name);
		text = read_file(path, &len);
		if (!text)
			continue;
		text[strcspn(text, "\n")] = '\0';
		snprintf(out->pod_namespace, sizeof(out->pod_namespace), "%s", text);
		free(text);
	}
	closedir(d);
}

void identity_state_names(const char *root, const struct cgroup_labels *l, struct state_names *out)
{
	const char *rt = l->runtime ? l->runtime : "";
	char path[512];

	memset(out, 0, sizeof(*out));
	if (!root)
		root = "";
	if (l->container_name[0])
		snprintf(out->container, sizeof(out->container), "%s", l->container_name);
	if (!strcmp(rt, "docker")) {
		docker_names(root, l->container_id, out);
	} else if (!strcmp(rt, "podman")) {
		storage_names(root, l->container_id, out);
	} else if (!strcmp(rt, "cri-o")) {
		snprintf(path, sizeof(path),
			 "%s/var/lib/containers/storage/overlay-containers/%s/userdata/config.json",
			 root, l->container_id);
		bundle_names(path, "io.kubernetes.container.name", "io.kubernetes.pod.name",
			     "io.kubernetes.pod.namespace", out);
	} else if (!strcmp(rt, "containerd")) {
		snprintf(path, sizeof(path),
			 "%s/run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json",
			 root, l->container_id);
		bundle_names(path, "io.kubernetes.cri.container-name",
			     "io.kubernetes.cri.sandbox-name",
			     "io.kubernetes.cri.sandbox-namespace", out);
	}
	if (l->pod_uid[0] && !out->pod_namespace[0])
		kubelet_namespace(root, l->pod_uid, out);
}
