// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cgroup_path.c: every layout the README lists, as each runtime and systemd spell it. */
#include <string.h>

#include "check.h"
#include "collect/cgroup_path.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD "4c1b9f3e-7a2d-4e5f-9a0b-1c2d3e4f5a6b"
#define POD_ "4c1b9f3e_7a2d_4e5f_9a0b_1c2d3e4f5a6b"

/* path gives unit, runtime, container id, container name and pod UID ("" for none). */
#define CHECK_PATH(path_, unit_, runtime_, id_, name_, pod_)                                       \
	do {                                                                                       \
		struct cgroup_labels l_;                                                           \
		bool any_ = cgroup_path_parse((path_), &l_);                                       \
		CHECK_STR(l_.unit, (unit_));                                                       \
		CHECK_STR(l_.runtime, (runtime_));                                                 \
		CHECK_STR(l_.container_id, (id_));                                                 \
		CHECK_STR(l_.container_name, (name_));                                             \
		CHECK_STR(l_.pod_uid, (pod_));                                                     \
		CHECK(any_ == (*(unit_) || *(runtime_) || *(pod_)));                               \
	} while (0)

static void test_systemd_units(void)
{
	CHECK_PATH("/", "", "", "", "", "");
	CHECK_PATH("", "", "", "", "", "");
	CHECK_PATH(NULL, "", "", "", "", "");
	CHECK_PATH("/system.slice/nginx.service", "nginx.service", "", "", "", "");
	CHECK_PATH("system.slice/nginx.service", "nginx.service", "", "", "", "");
	CHECK_PATH("/system.slice/nginx.service/workers", "nginx.service", "", "", "", "");
	CHECK_PATH("/system.slice", "system.slice", "", "", "", "");
	CHECK_PATH("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service", "",
		   "", "", "");
	CHECK_PATH("/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "", "", "",
		   "");
	/* The system unit, not the user manager's own. */
	CHECK_PATH("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
		   "user@1000.service", "", "", "", "");
	CHECK_PATH("/user.slice/user-1000.slice", "user-1000.slice", "", "", "", "");
	CHECK_PATH("/init.scope", "init.scope", "", "", "", "");
	CHECK_PATH("//system.slice//cron.service/", "cron.service", "", "", "", "");
}

static void test_docker(void)
{
	CHECK_PATH("/system.slice/docker-" ID ".scope", "docker-" ID ".scope", "docker", ID, "",
		   "");
	/* A container running systemd: its own units are inside, the host's unit stays. */
	CHECK_PATH("/system.slice/docker-" ID ".scope/system.slice/nginx.service",
		   "docker-" ID ".scope", "docker", ID, "", "");
	CHECK_PATH("/docker/" ID, "", "docker", ID, "", ""); /* cgroupfs driver */
	CHECK_PATH("/docker/" ID "/sub", "", "docker", ID, "", "");
	/* Rootless Docker under the user's manager. */
	CHECK_PATH("/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID ".scope",
		   "user@1000.service", "docker", ID, "", "");
	/* Not an id: too short, upper case, or no id at all. */
	CHECK_PATH("/system.slice/docker-0123.scope", "docker-0123.scope", "", "", "", "");
	CHECK_PATH("/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "",
		   "", "", "", "");
	CHECK_PATH("/system.slice/docker.service", "docker.service", "", "", "", "");
}

static void test_podman(void)
{
	CHECK_PATH("/machine.slice/libpod-" ID ".scope", "libpod-" ID ".scope", "podman", ID, "",
		   "");
	CHECK_PATH("/machine.slice/libpod-" ID ".scope/container", "libpod-" ID ".scope", "podman",
		   ID, "", "");
	/* conmon watches the container from outside it. */
	CHECK_PATH("/machine.slice/libpod-conmon-" ID ".scope", "libpod-conmon-" ID ".scope", "",
		   "", "", "");
	CHECK_PATH("/libpod_parent/libpod-" ID, "", "podman", ID, "", ""); /* cgroupfs */
	CHECK_PATH("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope",
		   "user@1000.service", "podman", ID, "", "");
}

static void test_kubernetes(void)
{
	const char *qos[] = {"burstable", "besteffort"};

	for (size_t i = 0; i < 2; i++) {
		char path[512], slice[128];

		snprintf(slice, sizeof(slice), "kubepods-%s-pod" POD_ ".slice", qos[i]);
		snprintf(path, sizeof(path),
			 "/kubepods.slice/kubepods-%s.slice/%s/cri-containerd-" ID ".scope", qos[i],
			 slice);
		CHECK_PATH(path, "cri-containerd-" ID ".scope", "containerd", ID, "", POD);
		snprintf(path, sizeof(path),
			 "/kubepods.slice/kubepods-%s.slice/%s/crio-" ID ".scope", qos[i], slice);
		CHECK_PATH(path, "crio-" ID ".scope", "cri-o", ID, "", POD);
		snprintf(path, sizeof(path),
			 "/kubepods.slice/kubepods-%s.slice/%s/docker-" ID ".scope", qos[i], slice);
		CHECK_PATH(path, "docker-" ID ".scope", "docker", ID, "", POD);
		/* The pod's own slice: a pod, no container. */
		snprintf(path, sizeof(path), "/kubepods.slice/kubepods-%s.slice/%s", qos[i], slice);
		CHECK_PATH(path, slice, "", "", "", POD);
		/* cgroupfs driver */
		snprintf(path, sizeof(path), "/kubepods/%s/pod" POD "/" ID, qos[i]);
		CHECK_PATH(path, "", "containerd", ID, "", POD);
		snprintf(path, sizeof(path), "/kubepods/%s/pod" POD "/crio-" ID, qos[i]);
		CHECK_PATH(path, "", "cri-o", ID, "", POD);
	}
	/* Guaranteed QoS has no class of its own. */
	CHECK_PATH("/kubepods.slice/kubepods-pod" POD_ ".slice/cri-containerd-" ID ".scope",
		   "cri-containerd-" ID ".scope", "containerd", ID, "", POD);
	CHECK_PATH("/kubepods/pod" POD "/" ID, "", "containerd", ID, "", POD);
	/* kubelet under a service (cgroupfs driver, systemd host). */
	CHECK_PATH("/system.slice/containerd.service/kubepods/burstable/pod" POD "/" ID,
		   "containerd.service", "containerd", ID, "", POD);
	/* Ids outside a pod are not guessed at; "pod..." outside kubepods is no pod. */
	CHECK_PATH("/" ID, "", "", "", "", "");
	CHECK_PATH("/pod" POD, "", "", "", "", "");
	CHECK_PATH("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podzz.slice",
		   "kubepods-burstable-podzz.slice", "", "", "", "");
}

static void test_lxc_and_nspawn(void)
{
	CHECK_PATH("/lxc.payload.web1", "", "lxc", "web1", "web1", "");
	CHECK_PATH("/lxc.payload.web1/init.scope", "init.scope", "lxc", "web1", "web1", "");
	CHECK_PATH("/lxc.monitor.web1", "", "", "", "", "");
	CHECK_PATH("/lxc/web1", "", "lxc", "web1", "web1", ""); /* LXC 3, cgroup v1 */
	CHECK_PATH("/lxc.payload/web1", "", "lxc", "web1", "web1", "");
	CHECK_PATH("/machine.slice/machine-debian.scope", "machine-debian.scope", "systemd-nspawn",
		   "debian", "debian", "");
	CHECK_PATH("/machine.slice/machine-my\\x2dbox.scope/payload", "machine-my\\x2dbox.scope",
		   "systemd-nspawn", "my\\x2dbox", "my-box", "");
	CHECK_PATH("/machine.slice/systemd-nspawn@deb12.service", "systemd-nspawn@deb12.service",
		   "systemd-nspawn", "deb12", "deb12", "");
	/* Escapes that would make NUL or '/' stay escaped; bytes pass as they are. */
	CHECK_PATH("/machine.slice/machine-a\\x00b\\x2fc\\xffd.scope",
		   "machine-a\\x00b\\x2fc\\xffd.scope", "systemd-nspawn", "a\\x00b\\x2fc\\xffd",
		   "a\\x00b\\x2fc\xff"
		   "d",
		   "");
	CHECK_PATH("/lxc.payload.\x1b[31mred", "", "lxc", "\x1b[31mred", "\x1b[31mred", "");
}

static void test_long_components(void)
{
	char path[1024], name[300];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(path, sizeof(path), "/lxc.payload.%s", name);
	{
		struct cgroup_labels l;

		CHECK(cgroup_path_parse(path, &l));
		CHECK_UINT(strlen(l.container_name), CGROUP_LABEL_LEN - 1);
	}
	snprintf(path, sizeof(path), "/system.slice/%s.service", name);
	{
		struct cgroup_labels l;

		CHECK(cgroup_path_parse(path, &l));
		CHECK_UINT(strlen(l.unit), CGROUP_LABEL_LEN - 1);
	}
}

int main(void)
{
	test_systemd_units();
	test_docker();
	test_podman();
	test_kubernetes();
	test_lxc_and_nspawn();
	test_long_components();
	return check_finish("test_cgroup_path");
}
