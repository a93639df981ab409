/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keeps the wire classifier attached to the interfaces it should watch:
 * every interface that is up, or the ones named with -i. TCX links where the
 * kernel has them (the kernel detaches them when we die, even by SIGKILL);
 * otherwise a clsact qdisc and netlink filters. On the netlink path each
 * instance owns its filters: nethound's priority, a handle of its own (its
 * pid, or one the kernel picks when that is taken), and the program ids it
 * attached; it removes only filters with both its handle and its program.
 * Filters of another instance are left alone while that instance runs; a
 * killed instance's are removed at start-up once no process holds their
 * programs (bpf_holders.h).
 */
#ifndef NETHOUND_TC_ATTACH_H
#define NETHOUND_TC_ATTACH_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"
#include "kernel/tc_filters.h"
#include "kernel/tiers.h"


struct tc_attach;

/*
 * Attach to the wanted interfaces. mode TC_MODE_AUTO tries TCX first.
 * Returns NULL with an NH_EXIT_* code in *exit_code and a one-line cause and
 * remedy in err.
 */
struct tc_attach *tc_attach_new(int ingress_fd, int egress_fd, enum tc_mode mode,
				const char *const *names, size_t nnames, char *err, size_t errlen,
				int *exit_code);

/*
 * Rescan: attach interfaces that appeared (or came up), forget those that
 * vanished. Call every tick: it lists the interfaces only when the kernel
 * announced a link change since the last call (or an attach is to retry).
 * Returns 0 or -errno.
 */
int tc_attach_refresh(struct tc_attach *t);

/*
 * Detach everything we attached. A clsact qdisc goes too when nothing else is
 * left on it and nethound put it there: this instance created it, or found
 * only other nethound instances' filters on it (whichever instance leaves
 * last removes it).
 */
void tc_attach_free(struct tc_attach *t);

/* The mode in use: TC_MODE_TCX or TC_MODE_NETLINK. */
enum tc_mode tc_attach_mode(const struct tc_attach *t);

/* Interfaces attached now, plus those that vanished since the last refresh. */
size_t tc_attach_ifaces(const struct tc_attach *t, const struct watched_iface **ifaces);

/*
 * Remove the filters of nethound instances that are gone from every interface
 * of this network namespace: our priority and program names, and a program
 * no process holds. Does nothing when this process cannot see every process
 * (a child PID namespace, or /proc unreadable): a live instance could look
 * dead. Returns how many were removed.
 */
int tc_attach_remove_stale(void);

#endif
