/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keeps the wire classifier attached to the interfaces it should watch:
 * every interface that is up, or the ones named with -i. TCX links where the
 * kernel has them (the kernel detaches them when we die, even by SIGKILL);
 * otherwise a clsact qdisc and netlink filters with our own handle and
 * priority, so a restart finds and replaces what a killed run left behind.
 */
#ifndef NETHOUND_TC_ATTACH_H
#define NETHOUND_TC_ATTACH_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"
#include "kernel/tiers.h"

/* Handle and priority that mark a netlink filter as nethound's. */
#define TC_NETHOUND_HANDLE 0x4e48 /* "NH" */
#define TC_NETHOUND_PRIORITY 0xc0de


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
 * vanished. Cheap enough to call every tick. Returns 0 or -errno.
 */
int tc_attach_refresh(struct tc_attach *t);

/* Detach everything we attached; removes a clsact qdisc only if we added it. */
void tc_attach_free(struct tc_attach *t);

/* The mode in use: TC_MODE_TCX or TC_MODE_NETLINK. */
enum tc_mode tc_attach_mode(const struct tc_attach *t);

/* Interfaces attached now, plus those that vanished since the last refresh. */
size_t tc_attach_ifaces(const struct tc_attach *t, const struct watched_iface **ifaces);

/*
 * Remove nethound filters (our handle and priority, our program names) from
 * every interface of this network namespace. Returns how many were removed.
 */
int tc_attach_remove_stale(void);

#endif
