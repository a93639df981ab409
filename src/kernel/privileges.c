// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/privileges.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static bool has_cap(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

static int capget2(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	memset(data, 0, 2 * sizeof(*data));
	return (int)syscall(SYS_capget, &hdr, data);
}

bool privileges_sufficient(bool attach_tc)
{
	struct __user_cap_data_struct data[2];

	/* No libcap: two words of capget() are all this needs. */
	if (capget2(data))
		return geteuid() == 0;
	/*
	 * TCX links and netlink filters alike need CAP_NET_ADMIN: without it the
	 * load would succeed and the attach fail later, with a message that does
	 * not name the cause.
	 */
	if (attach_tc && !has_cap(data, CAP_NET_ADMIN))
		return false;
	if (has_cap(data, CAP_SYS_ADMIN))
		return true;
	return has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON);
}

/* The highest capability this kernel knows. */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

uint64_t privileges_kept(enum privileges_keep keep)
{
	if (keep == PRIVILEGES_KEEP_READING)
		return 1ull << CAP_DAC_READ_SEARCH;
	/* A kernel before 5.8 has no CAP_BPF: there CAP_SYS_ADMIN is what bpf() asks for. */
	if (last_cap() < CAP_BPF)
		return 1ull << CAP_SYS_ADMIN | 1ull << CAP_NET_ADMIN;
	return 1ull << CAP_BPF | 1ull << CAP_NET_ADMIN;
}

int privileges_drop(enum privileges_keep keep, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	uint64_t kept = privileges_kept(keep), permitted;
	int last = last_cap();

	if (capget2(data)) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -errno;
	}
	permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	if (!permitted)
		return 0;
	/*
	 * While CAP_SETPCAP is still ours: root's children gain nothing by
	 * being root, and the bounding set shrinks for this process and them.
	 */
	if (permitted & (1ull << CAP_SETPCAP)) {
		if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
						     SECBIT_NO_CAP_AMBIENT_RAISE |
						     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)) {
			snprintf(err, errlen, "prctl(PR_SET_SECUREBITS): %s", strerror(errno));
			return -errno;
		}
		for (int cap = 0; cap <= last; cap++) {
			if (kept & (1ull << cap))
				continue;
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
				snprintf(err, errlen, "dropping capability %d from the bounding set: %s",
					 cap, strerror(errno));
				return -errno;
			}
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* Nor through a set-user-ID program (--alert-exec running sudo, say). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -errno;
	}
	kept &= permitted;
	for (int i = 0; i < 2; i++) {
		data[i].effective = data[i].permitted = (uint32_t)(kept >> (32 * i));
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data)) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return -errno;
	}
	return 0;
}
