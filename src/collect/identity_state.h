/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Container and pod names from the runtimes' own state on disk, read-only:
 * no runtime API is called (it would run as root on behalf of whoever owns
 * the container). Called from the identity worker only.
 */
#ifndef NETHOUND_IDENTITY_STATE_H
#define NETHOUND_IDENTITY_STATE_H

#include <stddef.h>

#include "collect/cgroup_path.h"

/* State files larger than this are not read (a runtime's are kilobytes to a few MiB). */
#define IDENTITY_STATE_MAX_BYTES (16u << 20)

struct state_names {
	char container[CGROUP_LABEL_LEN];
	char pod_namespace[CGROUP_LABEL_LEN];
	char pod_name[CGROUP_LABEL_LEN];
};

/*
 * Names for the container and pod in l, looked up under root ("" for the
 * real state directories): Docker's containers/<id>/config.v2.json, the
 * containers/storage containers.json (Podman), CRI-O's userdata/config.json
 * and containerd's k8s.io task bundles (annotations), and the kubelet's pod
 * directory for a namespace. Fields not found are "".
 */
void identity_state_names(const char *root, const struct cgroup_labels *l, struct state_names *out);

#endif
