// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/tiers.h"

const char *const hook_tier_names[HOOKS_MAX] = {
	[HOOKS_AUTO] = "auto",
	[HOOKS_FENTRY] = "fentry",
	[HOOKS_TRACEPOINT] = "tracepoint",
	[HOOKS_KPROBE] = "kprobe",
};

const char *const tc_mode_names[TC_MODE_MAX] = {
	[TC_MODE_AUTO] = "auto",
	[TC_MODE_TCX] = "tcx",
	[TC_MODE_NETLINK] = "netlink",
	[TC_MODE_OFF] = "off",
};

const char *hook_tier_name(enum hook_tier tier)
{
	return tier >= 0 && tier < HOOKS_MAX ? hook_tier_names[tier] : "?";
}

const char *tc_mode_name(enum tc_mode mode)
{
	return mode >= 0 && mode < TC_MODE_MAX ? tc_mode_names[mode] : "?";
}
