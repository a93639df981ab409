/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The hook tiers and TC attach modes, and their names on the command line and in output. */
#ifndef NETHOUND_TIERS_H
#define NETHOUND_TIERS_H

enum hook_tier {
	HOOKS_AUTO = 0,
	HOOKS_FENTRY,
	HOOKS_TRACEPOINT,
	HOOKS_KPROBE,
	HOOKS_MAX,
};

/* How the wire classifier is attached; auto picks TCX where the kernel has it. */
enum tc_mode {
	TC_MODE_AUTO = 0,
	TC_MODE_TCX,
	TC_MODE_NETLINK,
	TC_MODE_OFF,
	TC_MODE_MAX,
};

/* The names the command line, the configuration file and every output use. */
extern const char *const hook_tier_names[HOOKS_MAX];
extern const char *const tc_mode_names[TC_MODE_MAX];

/* TCX attach types: Debian 12's uapi header predates TCX (kernel 6.6); the values are ABI. */
#define ATTACH_TCX_INGRESS 46
#define ATTACH_TCX_EGRESS 47

const char *hook_tier_name(enum hook_tier tier);
const char *tc_mode_name(enum tc_mode mode);

#endif
