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

const char *hook_tier_name(enum hook_tier tier);
const char *tc_mode_name(enum tc_mode mode);

/* "auto", "fentry", ... and "auto", "tcx", ... into *out: 0, or -1 for an unknown name. */
int hook_tier_parse(const char *name, enum hook_tier *out);
int tc_mode_parse(const char *name, enum tc_mode *out);

#endif
