// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * json_scan.c on runtime state as found and as broken, and identity_state.c
 * naming containers and pods from a state tree laid out as each runtime does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "collect/identity_state.h"
#include "collect/json_scan.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static bool find_string(const char *doc, const char *const *keys, size_t n, char *out, size_t len)
{
	struct json_span v;

	out[0] = '\0';
	return json_scan_find((struct json_span){doc, strlen(doc)}, keys, n, &v) &&
	       json_scan_string(v, out, len);
}

static void test_json_scan(void)
{
	static const char *const name[] = {"Name"}, *const ann[] = {"annotations", "a.b"};
	char out[64];

	/* The top-level key, not one nested before it. */
	CHECK(find_string(
	    "{\"State\":{\"Name\":\"no\",\"x\":[1,{\"Name\":\"no\"}]},\"Name\":\"/web\"}", name, 1,
	    out, sizeof(out)));
	CHECK_STR(out, "/web");
	CHECK(find_string(" { \"annotations\" : { \"a.b\" : \"v\\u00e9\\n\\\"q\\\"\" } } ", ann, 2,
			  out, sizeof(out)));
	CHECK_STR(out, "v\xc3\xa9\n\"q\"");
	/* Surrogate pairs join; a lone one and NUL become U+FFFD. */
	CHECK(
	    find_string("{\"Name\":\"\\ud83d\\ude00\\ud800x\\u0000\"}", name, 1, out, sizeof(out)));
	CHECK_STR(out, "\xf0\x9f\x98\x80\xef\xbf\xbdx\xef\xbf\xbd");
	/* Cut to the buffer, terminated. */
	CHECK(find_string("{\"Name\":\"abcdefghij\"}", name, 1, out, 5));
	CHECK_STR(out, "abcd");
	/* Not found, not a string, or broken: false, never a read past the end. */
	CHECK(!find_string("{\"Other\":\"x\"}", name, 1, out, sizeof(out)));
	CHECK(!find_string("{\"Name\":42}", name, 1, out, sizeof(out)));
	CHECK(!find_string("{\"Name\":\"unterminated", name, 1, out, sizeof(out)));
	CHECK(!find_string("{\"State\":{\"x\":[1,2}, \"Name\":\"y\"}", name, 1, out, sizeof(out)));
	CHECK(!find_string("[\"Name\"]", name, 1, out, sizeof(out)));
	CHECK(!find_string("", name, 1, out, sizeof(out)));
	{
		char deep[400];

		memset(deep, '[', sizeof(deep) - 1);
		deep[sizeof(deep) - 1] = '\0';
		CHECK(!find_string(deep, name, 1, out, sizeof(out)));
	}
	/* Arrays: each element in turn. */
	{
		const char *doc = "[{\"id\":\"a\"}, {\"id\":\"b\",\"names\":[\"n1\",\"n2\"]} ]";
		struct json_span all = {doc, strlen(doc)}, e;
		int count = 0;

		while (json_scan_next(&all, &e))
			count++;
		CHECK_INT(count, 2);
		all = (struct json_span){"[]", 2};
		CHECK(!json_scan_next(&all, &e));
	}
}

static void write_file(const char *root, const char *rel, const char *text)
{
	char path[1024], dir[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = strchr(path + strlen(root) + 1, '/'); p; p = strchr(p + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		mkdir(dir, 0755);
	}
	f = fopen(path, "w");
	if (CHECK(f != NULL)) {
		fputs(text, f);
		fclose(f);
	}
}

static void names(const char *root, const char *path, struct state_names *out)
{
	struct cgroup_labels l;

	cgroup_path_parse(path, &l);
	identity_state_names(root, &l, out);
}

static void test_state_tree(void)
{
	char root[] = "/tmp/test_identity_state.XXXXXX";
	struct state_names n;
	char cmd[128];

	if (!CHECK(mkdtemp(root) != NULL))
		return;
	write_file(root, "var/lib/docker/containers/" ID "/config.v2.json",
		   "{\"Config\":{\"Labels\":{\"Name\":\"no\"}},\"Name\":\"/web\"}");
	write_file(root, "var/lib/containers/storage/overlay-containers/containers.json",
		   "[{\"id\":\"1111\",\"names\":[\"other\"]},{\"id\":\"" ID
		   "\",\"names\":[\"db\",\"x\"]}]");
	write_file(root, "run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID "/config.json",
		   "{\"annotations\":{\"io.kubernetes.cri.container-name\":\"app\","
		   "\"io.kubernetes.cri.sandbox-name\":\"web-7f\","
		   "\"io.kubernetes.cri.sandbox-namespace\":\"shop\"}}");
	write_file(root,
		   "var/lib/kubelet/pods/4c1b9f3e-7a2d-4e5f-9a0b-1c2d3e4f5a6b/volumes/"
		   "kubernetes.io~projected/kube-api-access-abcde/namespace",
		   "ops\n");

	names(root, "/system.slice/docker-" ID ".scope", &n);
	CHECK_STR(n.container, "web");
	names(root, "/machine.slice/libpod-" ID ".scope", &n);
	CHECK_STR(n.container, "db");
	names(root,
	      "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	      "4c1b9f3e_7a2d_4e5f_9a0b_1c2d3e4f5a6b.slice/cri-containerd-" ID ".scope",
	      &n);
	CHECK_STR(n.container, "app");
	CHECK_STR(n.pod_name, "web-7f");
	CHECK_STR(n.pod_namespace, "shop");
	/* CRI-O without its state: the namespace from the kubelet's pod directory. */
	names(root, "/kubepods/besteffort/pod4c1b9f3e-7a2d-4e5f-9a0b-1c2d3e4f5a6b/crio-" ID, &n);
	CHECK_STR(n.container, "");
	CHECK_STR(n.pod_name, "");
	CHECK_STR(n.pod_namespace, "ops");
	/* LXC: the path names it; no state needed. A runtime without state: no name. */
	names(root, "/lxc.payload.box", &n);
	CHECK_STR(n.container, "box");
	names(root, "/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", &n);
	CHECK_STR(n.container, "");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	test_json_scan();
	test_state_tree();
	return check_finish("test_identity_state");
}
