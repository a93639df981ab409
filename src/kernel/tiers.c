// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "kernel/tiers.h"

static const char *const tier_names[HOOKS_MAX] = {
	[HOOKS_AUTO] = "auto",
	[HOOKS_FENTRY] = "fentry",
	[HOOKS_TRACEPOINT] = "tracepoint",
	[HOOKS_KPROBE] = "kprobe",
};

static const char *const tc_mode_names[TC_MODE_MAX] = {
	[TC_MODE_AUTO] = "auto",
	[TC_MODE_TCX] = "tcx",
	[TC_MODE_NETLINK] = "netlink",
	[TC_MODE_OFF] = "off",
};

static int name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *hook_tier_name(enum hook_tier tier)
{
	return tier >= 0 && tier < HOOKS_MAX ? tier_names[tier] : "?";
}

const char *tc_mode_name(enum tc_mode mode)
{
	return mode >= 0 && mode < TC_MODE_MAX ? tc_mode_names[mode] : "?";
}

int hook_tier_parse(const char *name, enum hook_tier *out)
{
	int i = name_index(tier_names, HOOKS_MAX, name);

	if (i >= 0)
		*out = (enum hook_tier)i;
	return i < 0 ? -1 : 0;
}

int tc_mode_parse(const char *name, enum tc_mode *out)
{
	int i = name_index(tc_mode_names, TC_MODE_MAX, name);

	if (i >= 0)
		*out = (enum tc_mode)i;
	return i < 0 ? -1 : 0;
}
