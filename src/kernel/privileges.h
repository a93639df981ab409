/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef NETHOUND_PRIVILEGES_H
#define NETHOUND_PRIVILEGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether this process may load and attach its programs: CAP_BPF+CAP_PERFMON
 * (or CAP_SYS_ADMIN), and CAP_NET_ADMIN when it attaches the TC classifier.
 */
bool privileges_sufficient(bool attach_tc);

/* Which capabilities a command keeps once it runs (see privileges_drop). */
enum privileges_keep {
	/*
	 * The counting commands after load and attach: CAP_BPF (map reads,
	 * batch reads and deletes of exited entries, program statistics) and
	 * CAP_NET_ADMIN (TC attachment of interfaces that appear later, removal
	 * of netlink filters at exit). CAP_SYS_ADMIN stands in for CAP_BPF on a
	 * kernel that predates it.
	 */
	PRIVILEGES_KEEP_COUNTING,
	/* report: CAP_DAC_READ_SEARCH, so root still reads a database another user owns. */
	PRIVILEGES_KEEP_READING,
};

/*
 * Drop every capability but those kept from the effective, permitted,
 * inheritable, ambient and bounding sets, lock the securebits so that
 * programs this process runs (--alert-exec) get none by being root, and set
 * no_new_privs so that they get none from a set-user-ID file either.
 * A process without capabilities has nothing to drop: returns 0.
 * Returns 0 or -errno with what failed in err.
 */
int privileges_drop(enum privileges_keep keep, char *err, size_t errlen);

/* The capabilities kept for keep on this kernel, as a bit mask (for tests and messages). */
uint64_t privileges_kept(enum privileges_keep keep);

#endif
