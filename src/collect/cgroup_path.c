// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cgroup_path.c: systemd units, containers and pods from a cgroup path.
 *
 * Each component is matched on its own, outermost first; a later (inner)
 * container match replaces an earlier one, so the innermost container wins,
 * while the unit is the outermost service or scope, as systemd names it.
 */
#include <string.h>

#include "collect/cgroup_path.h"

struct part {
	const char *s;
	size_t len;
};

static bool has_prefix(struct part p, const char *prefix)
{
	size_t n = strlen(prefix);

	return p.len >= n && memcmp(p.s, prefix, n) == 0;
}

static bool has_suffix(struct part p, const char *suffix)
{
	size_t n = strlen(suffix);

	return p.len >= n && memcmp(p.s + p.len - n, suffix, n) == 0;
}

static bool equals(struct part p, const char *s)
{
	return p.len == strlen(s) && memcmp(p.s, s, p.len) == 0;
}

/* The middle of p between prefix and suffix, which the caller has checked. */
static struct part middle(struct part p, const char *prefix, const char *suffix)
{
	size_t a = strlen(prefix), b = strlen(suffix);

	return (struct part){p.s + a, p.len - a - b};
}

/* Container ids of Docker, Podman, containerd and CRI-O: 64 lowercase hex digits. */
static bool is_container_id(struct part p)
{
	if (p.len != 64)
		return false;
	for (size_t i = 0; i < p.len; i++)
		if (!((p.s[i] >= '0' && p.s[i] <= '9') || (p.s[i] >= 'a' && p.s[i] <= 'f')))
			return false;
	return true;
}

/* A pod UID as a path spells it: 8-4-4-4-12 hex digits, separated by sep. */
static bool is_pod_uid(struct part p, char sep)
{
	if (p.len != 36)
		return false;
	for (size_t i = 0; i < p.len; i++) {
		char c = p.s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != sep)
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}

static void copy_part(char *dst, size_t dstlen, struct part p)
{
	size_t n = p.len < dstlen - 1 ? p.len : dstlen - 1;

	memcpy(dst, p.s, n);
	dst[n] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void cgroup_unescape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t o = 0;

	if (dstlen == 0)
		return;
	for (size_t i = 0; i < srclen && o + 1 < dstlen; i++) {
		if (src[i] == '\\' && i + 3 < srclen && src[i + 1] == 'x') {
			int hi = hex_value(src[i + 2]), lo = hex_value(src[i + 3]);
			int c = hi < 0 || lo < 0 ? -1 : hi * 16 + lo;

			if (c > 0 && c != '/') {
				dst[o++] = (char)c;
				i += 3;
				continue;
			}
		}
		dst[o++] = src[i];
	}
	dst[o] = '\0';
}

static void set_container(struct cgroup_labels *out, const char *runtime, struct part id,
			  bool named)
{
	out->runtime = runtime;
	copy_part(out->container_id, sizeof(out->container_id), id);
	if (named)
		cgroup_unescape(out->container_name, sizeof(out->container_name), id.s, id.len);
	else
		out->container_name[0] = '\0';
}

/* Scopes the systemd cgroup driver names <prefix><64 hex>.scope. */
static const struct {
	const char *prefix;
	const char *runtime;
} scopes[] = {
    {"docker-", "docker"},
    {"libpod-", "podman"},
    {"crio-", "cri-o"},
    {"cri-containerd-", "containerd"},
};

/* kubepods-besteffort-pod<uid>.slice, kubepods-pod<uid>.slice (systemd driver). */
static bool pod_slice(struct part p, struct cgroup_labels *out)
{
	struct part uid;

	if (!has_prefix(p, "kubepods-") || !has_suffix(p, ".slice") || p.len < 36 + 9)
		return false;
	uid = (struct part){p.s + p.len - 6 - 36, 36};
	if (!is_pod_uid(uid, '_') || uid.s - p.s < 12 || memcmp(uid.s - 4, "-pod", 4) != 0)
		return false;
	copy_part(out->pod_uid, sizeof(out->pod_uid), uid);
	for (char *c = out->pod_uid; *c; c++)
		if (*c == '_')
			*c = '-';
	return true;
}

static void match_component(struct part prev, struct part c, bool *in_pod, bool kubepods,
			    struct cgroup_labels *out)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		struct part id;

		if (!has_prefix(c, scopes[i].prefix) || !has_suffix(c, ".scope"))
			continue;
		id = middle(c, scopes[i].prefix, ".scope");
		/* libpod-conmon-<id>.scope and crio-conmon-: the monitor, outside the container. */
		if (is_container_id(id))
			set_container(out, scopes[i].runtime, id, false);
		return;
	}
	if (pod_slice(c, out)) {
		*in_pod = true;
		return;
	}
	if (kubepods && has_prefix(c, "pod") && is_pod_uid(middle(c, "pod", ""), '-')) {
		copy_part(out->pod_uid, sizeof(out->pod_uid), middle(c, "pod", ""));
		*in_pod = true;
		return;
	}
	/* cgroupfs drivers */
	if (equals(prev, "docker") && is_container_id(c)) {
		set_container(out, "docker", c, false);
	} else if (equals(prev, "libpod_parent") && has_prefix(c, "libpod-") &&
		   is_container_id(middle(c, "libpod-", ""))) {
		set_container(out, "podman", middle(c, "libpod-", ""), false);
	} else if (*in_pod && has_prefix(c, "crio-") && is_container_id(middle(c, "crio-", ""))) {
		set_container(out, "cri-o", middle(c, "crio-", ""), false);
	} else if (*in_pod && is_container_id(c)) {
		set_container(out, "containerd", c, false);
	} else if (has_prefix(c, "lxc.payload.") && c.len > 12) {
		set_container(out, "lxc", middle(c, "lxc.payload.", ""), true);
	} else if ((equals(prev, "lxc") || equals(prev, "lxc.payload")) && c.len > 0) {
		set_container(out, "lxc", c, true);
	} else if (equals(prev, "machine.slice") && has_prefix(c, "machine-") &&
		   has_suffix(c, ".scope") && c.len > 14) {
		set_container(out, "systemd-nspawn", middle(c, "machine-", ".scope"), true);
	} else if (has_prefix(c, "systemd-nspawn@") && has_suffix(c, ".service") && c.len > 23) {
		set_container(out, "systemd-nspawn", middle(c, "systemd-nspawn@", ".service"),
			      true);
	}
}

bool cgroup_path_parse(const char *path, struct cgroup_labels *out)
{
	struct part prev = {"", 0}, slice = {"", 0};
	bool unit_found = false, in_pod = false, kubepods = false;
	const char *p = path ? path : "";

	memset(out, 0, sizeof(*out));
	out->runtime = "";
	while (*p) {
		struct part c;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		c.s = p;
		p = strchrnul(p, '/');
		c.len = (size_t)(p - c.s);
		if (equals(c, "kubepods") || equals(c, "kubepods.slice"))
			kubepods = true;
		if (!unit_found && (has_suffix(c, ".service") || has_suffix(c, ".scope"))) {
			copy_part(out->unit, sizeof(out->unit), c);
			unit_found = true;
		} else if (!unit_found && has_suffix(c, ".slice")) {
			slice = c;
		}
		match_component(prev, c, &in_pod, kubepods, out);
		prev = c;
	}
	if (!unit_found && slice.len)
		copy_part(out->unit, sizeof(out->unit), slice);
	return out->unit[0] || out->runtime[0] || out->pod_uid[0];
}
