// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* settings.c: bounds, units, names and the setters the command line and the file share. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "settings/cli.h"
#include "settings/settings.h"

/* setter(value) fails with exactly want in why, and leaves the option alone. */
#define CHECK_REFUSED(setter, value, want)                                                         \
	do {                                                                                       \
		struct options o_, before_;                                                        \
		char why_[256];                                                                    \
		settings_defaults(&o_);                                                            \
		before_ = o_;                                                                      \
		CHECK_INT(setter(&o_, (value), why_, sizeof(why_)), -1);                           \
		CHECK_STR(why_, (want));                                                           \
		CHECK(memcmp(&o_.alerts, &before_.alerts, sizeof(o_.alerts)) == 0);                \
		CHECK_DOUBLE(o_.interval, before_.interval, 0);                                    \
	} while (0)

static void test_defaults(void)
{
	struct options o;

	memset(&o, 0xa5, sizeof(o));
	settings_defaults(&o);
	CHECK_DOUBLE(o.interval, 1.0, 0);
	CHECK_UINT(o.retention_days, 30);
	CHECK_UINT(o.report_top, 10);
	CHECK_INT(o.hooks, HOOKS_AUTO);
	CHECK_INT(o.tc, TC_MODE_AUTO);
	CHECK(o.db_path == NULL);
	CHECK_DOUBLE(o.alerts.process_rate, ALERTS_DEFAULT_PROCESS_RATE, 0);
}

static void test_bounds(void)
{
	struct options o;
	char why[256];

	settings_defaults(&o);
	CHECK_INT(settings_set_interval(&o, "0.1", why, sizeof(why)), 0);
	CHECK_DOUBLE(o.interval, SETTINGS_INTERVAL_MIN, 0);
	CHECK_INT(settings_set_interval(&o, "3600", why, sizeof(why)), 0);
	CHECK_DOUBLE(o.interval, SETTINGS_INTERVAL_MAX, 0);
	CHECK_REFUSED(settings_set_interval, "0.09",
		      "'0.09' is not a number of seconds from 0.1 to 3600");
	CHECK_REFUSED(settings_set_interval, " 1", "' 1' is not a number of seconds from 0.1 to 3600");
	CHECK_REFUSED(settings_set_interval, "0x10",
		      "'0x10' is not a number of seconds from 0.1 to 3600");
	/* The window has the interval's bounds; the hold its own. */
	CHECK_REFUSED(settings_set_window, "3601", "'3601' is not a number of seconds from 0.1 to 3600");
	CHECK_INT(settings_set_alert_hold(&o, "0", why, sizeof(why)), 0);
	CHECK_DOUBLE(o.alerts.hold, 0, 0);
	CHECK_REFUSED(settings_set_alert_hold, "86401",
		      "'86401' is not a number of seconds from 0 to 86400");

	CHECK_INT(settings_set_retention(&o, "0", why, sizeof(why)), 0);
	CHECK_UINT(o.retention_days, 0);
	CHECK_INT(settings_set_retention(&o, "36500", why, sizeof(why)), 0);
	CHECK_UINT(o.retention_days, SETTINGS_RETENTION_DAYS_MAX);
	CHECK_REFUSED(settings_set_retention, "36501",
		      "'36501' is not a whole number of days from 0 to 36500 (0 keeps them for good)");
	CHECK_REFUSED(settings_set_retention, "1e2",
		      "'1e2' is not a whole number of days from 0 to 36500 (0 keeps them for good)");

	CHECK_INT(settings_set_count(&o, "4294967295", why, sizeof(why)), 0);
	CHECK_UINT(o.count, SETTINGS_COUNT_MAX);
	CHECK(o.count_set);
	CHECK_REFUSED(settings_set_count, "0", "'0' is not a whole number from 1 to 4294967295");
	CHECK_INT(settings_set_report_top(&o, "100000", why, sizeof(why)), 0);
	CHECK_UINT(o.report_top, SETTINGS_TOP_MAX);
	CHECK_REFUSED(settings_set_report_top, "100001",
		      "'100001' is not a whole number from 1 to 100000");
}

static void test_whole(void)
{
	uint64_t v = 7;

	CHECK_INT(settings_parse_whole("18446744073709551615", 0, UINT64_MAX, &v), 0);
	CHECK_UINT(v, UINT64_MAX);
	CHECK_INT(settings_parse_whole("18446744073709551616", 0, UINT64_MAX, &v), -1);
	CHECK_INT(settings_parse_whole("007", 0, 10, &v), 0);
	CHECK_UINT(v, 7);
	CHECK_INT(settings_parse_whole("", 0, 10, &v), -1);
	CHECK_INT(settings_parse_whole("+1", 0, 10, &v), -1);
	CHECK_INT(settings_parse_whole("-0", 0, 10, &v), -1);
	CHECK_INT(settings_parse_whole("1.0", 0, 10, &v), -1);
	CHECK_INT(settings_parse_whole("1 ", 0, 10, &v), -1);
}

/* Names come from one table each, and the messages list exactly those. */
static void test_names(void)
{
	struct options o;
	char why[256];

	settings_defaults(&o);
	CHECK_INT(settings_set_hooks(&o, "tracepoint", why, sizeof(why)), 0);
	CHECK_INT(o.hooks, HOOKS_TRACEPOINT);
	CHECK_STR(hook_tier_name(o.hooks), "tracepoint");
	CHECK_REFUSED(settings_set_hooks, "fexit",
		      "unknown tier 'fexit'; use auto, fentry, tracepoint or kprobe");
	CHECK_INT(settings_set_tc(&o, "netlink", why, sizeof(why)), 0);
	CHECK_INT(o.tc, TC_MODE_NETLINK);
	CHECK_STR(tc_mode_name(o.tc), "netlink");
	CHECK_REFUSED(settings_set_tc, "xdp", "unknown mode 'xdp'; use auto, tcx, netlink or off");
	CHECK_INT(settings_set_report_format(&o, "csv", why, sizeof(why)), 0);
	CHECK_INT(o.report_format, REPORT_CSV);
	CHECK_REFUSED(settings_set_report_format, "xml",
		      "unknown format 'xml'; use text, json or csv");
}

static void test_units(void)
{
	struct options o;
	char why[256];

	settings_defaults(&o);
	CHECK_INT(settings_set_threshold(&o, "100Mbit/s", why, sizeof(why)), 0);
	CHECK_DOUBLE(o.alerts.process_rate, 12.5e6, 0);
	CHECK_INT(settings_set_total_threshold(&o, "2M", why, sizeof(why)), 0);
	CHECK_DOUBLE(o.alerts.total_rate, 2 * 1048576.0, 0);
	CHECK_INT(settings_set_interface_threshold(&o, "off", why, sizeof(why)), 0);
	CHECK_DOUBLE(o.alerts.interface_rate, 0, 0);
	CHECK_REFUSED(settings_set_threshold, "1Mb/s",
		      "'1Mb/s' is not a rate (e.g. 1024K, 1M, 100Mbit/s, off)");
	CHECK_INT(settings_set_daily_quota(&o, "1TiB", why, sizeof(why)), 0);
	CHECK_UINT(o.alerts.daily_quota, 1ull << 40);
	CHECK_REFUSED(settings_set_daily_quota, "1M/s",
		      "'1M/s' is not a size (e.g. 500M, 2G, 1TiB, off)");
}

static void test_lists(void)
{
	struct options o;
	char why[256], names[CLI_MAX_FILTERS + 1][8];

	settings_defaults(&o);
	for (int i = 0; i <= CLI_MAX_FILTERS; i++)
		snprintf(names[i], sizeof(names[i]), "if%d", i);
	for (int i = 0; i < CLI_MAX_FILTERS; i++)
		CHECK_INT(settings_add_interface(&o, names[i], why, sizeof(why)), 0);
	CHECK_UINT(o.nifaces, CLI_MAX_FILTERS);
	CHECK(o.ifaces[3] == names[3]); /* stored as given */
	CHECK_INT(settings_add_interface(&o, names[CLI_MAX_FILTERS], why, sizeof(why)), -1);
	CHECK_STR(why, "at most 64 may be given");
	CHECK_REFUSED(settings_add_interface, "", "'' is not an interface name (1 to 15 bytes)");
	CHECK_REFUSED(settings_add_interface, "a/b", "'a/b' is not an interface name (1 to 15 bytes)");
	CHECK_REFUSED(settings_add_pid, "4194305", "'4194305' is not a process id");
	CHECK_REFUSED(settings_add_comm, "0123456789abcdef",
		      "'0123456789abcdef' is not a process name (1 to 15 bytes)");
}

/* A bad value is quoted so it cannot drive the terminal, and cut when long. */
static void test_quote(void)
{
	char buf[SETTINGS_QUOTED_MAX], value[200];

	CHECK_STR(settings_quote(buf, sizeof(buf), "a\x1b[2Jb", 6), "a?[2Jb");
	CHECK_STR(settings_quote(buf, sizeof(buf), "\xe2\x80\xae" "x", 4), "?x");
	memset(value, 'v', sizeof(value));
	settings_quote(buf, sizeof(buf), value, sizeof(value));
	CHECK_UINT(strlen(buf), SETTINGS_QUOTED_MAX - 1);
	CHECK(strcmp(buf + SETTINGS_QUOTED_MAX - 4, "...") == 0);
	CHECK_REFUSED(settings_set_threshold, "\x9b" "2J",
		      "'?2J' is not a rate (e.g. 1024K, 1M, 100Mbit/s, off)");
}

/* A flag and a setter give the same message, after the flag's name. */
static void test_same_message_from_flags(void)
{
	char arg0[] = "nethound", arg1[] = "--retention", arg2[] = "x\x1b";
	char *argv[] = { arg0, arg1, arg2, NULL };
	struct options o;
	char err[256], why[256];

	CHECK_INT(cli_parse(3, argv, &o, err, sizeof(err)), 2);
	settings_defaults(&o);
	settings_set_retention(&o, arg2, why, sizeof(why));
	{
		char want[300];

		snprintf(want, sizeof(want), "nethound: --retention: %s", why);
		CHECK_STR(err, want);
	}
	CHECK_CONTAINS(why, "'x?'");
}

int main(void)
{
	test_defaults();
	test_bounds();
	test_whole();
	test_names();
	test_units();
	test_lists();
	test_quote();
	test_same_message_from_flags();
	return check_finish("test_settings");
}
