// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* config.c: the value parsers shared with the command line, and the file. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "settings/config.h"
#include "core/exitcodes.h"

/* The file of the last load(), so expected messages can name it. */
static char conf_path[256];

/* Options as the caller hands them over: the defaults, before any flag. */
static void default_options(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->interval = 1.0;
	o->alerts.process_rate = ALERTS_DEFAULT_PROCESS_RATE;
	o->alerts.hold = ALERTS_DEFAULT_HOLD_S;
	o->alerts.window = ALERTS_DEFAULT_WINDOW_S;
}

/* A private file holding len bytes of text (text may hold NULs); its path is in conf_path. */
static void write_file(const char *text, size_t len, mode_t mode)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if ((size_t)snprintf(conf_path, sizeof(conf_path), "%s/nhconfXXXXXX",
			     dir && *dir ? dir : "/tmp") >= sizeof(conf_path)) {
		fprintf(stderr, "test_config: TMPDIR too long\n");
		exit(1);
	}
	fd = mkstemp(conf_path);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode)) {
		perror("test_config: temporary file");
		exit(1);
	}
	close(fd);
}

/* Load text as a config file (must_exist true) into o, which starts from the defaults. */
static int load_bytes(const char *text, size_t len, struct options *o, char *err, size_t errlen)
{
	int rc;

	default_options(o);
	write_file(text, len, 0600);
	rc = config_load(conf_path, true, o, err, errlen);
	unlink(conf_path);
	return rc;
}

static int load(const char *text, struct options *o, char *err, size_t errlen)
{
	return load_bytes(text, strlen(text), o, err, errlen);
}

/* "nethound: <conf_path>:<rest>": the start every per-line message has. */
static const char *at(const char *rest)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "nethound: %s:%s", conf_path, rest);
	return buf;
}

/* A config error: exit code 6, one line, "nethound: <file>:<line>: " then needle somewhere. */
#define CHECK_CONFIG_ERROR(text, line_and_needle)                                                  \
	do {                                                                                       \
		struct options o_;                                                                 \
		char err_[512];                                                                    \
		CHECK_INT(load((text), &o_, err_, sizeof(err_)), NH_EXIT_CONFIG);                  \
		CHECK(strchr(err_, '\n') == NULL);                                                 \
		CHECK_CONTAINS(err_, at(line_and_needle));                                         \
	} while (0)

static void test_parse_rate(void)
{
	static const struct {
		const char *text;
		double bytes_per_second;
	} good[] = {
		{ "0", 0 },
		{ "off", 0 },
		{ "OFF", 0 },
		{ "0K", 0 },
		{ "500000", 500000 },
		{ "1", 1 },
		{ "0.5", 0.5 },
		{ "1024K", 1024 * 1024 },
		{ "1k", 1024 },
		{ "1M", 1048576 },
		{ "1m", 1048576 },
		{ "1G", 1073741824.0 },
		{ "1T", 1099511627776.0 },
		{ "1.5K", 1536 },
		{ "2.5MiB/s", 2.5 * 1048576 },
		{ "1KiB", 1024 },
		{ "1kiB/s", 1024 },
		{ "1KIB", 1024 },
		{ "1KB", 1024 },
		{ "1MB/s", 1048576 },
		{ "1M/s", 1048576 },
		{ "1B/s", 1 },
		{ "10/s", 10 },
		{ "1 M", 1048576 },
		{ "2.5 MiB/s", 2.5 * 1048576 },
		{ "1e3", 1000 },
		{ "1e3K", 1024000 },
		{ "100Mbit/s", 100e6 / 8 },
		{ "100MBit/s", 100e6 / 8 },
		{ "100 Mbit/s", 100e6 / 8 },
		{ "1Gbit/s", 1e9 / 8 },
		{ "1kbit/s", 125 },
		{ "1Kbit/s", 125 },
		{ "8bit/s", 1 },
		{ "1Tbit/s", 1e12 / 8 },
		{ "2.5Gbit/s", 2.5e9 / 8 },
		{ "1048576T", 1152921504606846976.0 }, /* 1 EiB/s, the largest */
	};
	static const char *const bad[] = {
		"",
		" 1M", /* the file trims; the parser does not */
		"1M ",
		"-1",
		"+1",
		"-1M",
		"12X",
		"K",
		"M/s",
		".5",
		"1.",
		"1..2",
		"1,5M",
		"inf",
		"nan",
		"0x10",
		"1e",
		"1e400",
		"1e-400",
		"1048577T",
		"99999999999999999999T",
		"1P",
		"1E",
		"1Mb/s", /* megabits or megabytes? refused rather than guessed */
		"1Mb",
		"1kb/s",
		"1Kib",
		"1Mbit",
		"1Mbps",
		"1Mibit/s",
		"1M B",
		"1M/s/s",
		"1MB/S",
		"1Mbit/S",
		"1 /s ",
		"offf",
		"of",
		"1i",
		"1M\t#",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		double v = -1;

		if (!CHECK_INT(settings_parse_rate(good[i].text, &v), 0))
			fprintf(stderr, "  rate '%s'\n", good[i].text);
		CHECK_DOUBLE(v, good[i].bytes_per_second, good[i].bytes_per_second * 1e-12);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v = -1;

		if (!CHECK_INT(settings_parse_rate(bad[i], &v), -1))
			fprintf(stderr, "  rate '%s' gave %g\n", bad[i], v);
		CHECK_DOUBLE(v, -1, 0); /* untouched on error */
	}
	/* Decimal digits are read exactly as a C literal would be. */
	{
		double v;

		CHECK_INT(settings_parse_rate("0.1", &v), 0);
		CHECK(v == 0.1);
		CHECK_INT(settings_parse_rate("123456.789", &v), 0);
		CHECK(v == 123456.789);
	}
}

static void test_parse_size(void)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} good[] = {
		{ "0", 0 },
		{ "off", 0 },
		{ "Off", 0 },
		{ "4096", 4096 },
		{ "1K", 1024 },
		{ "1k", 1024 },
		{ "1KB", 1024 },
		{ "1KiB", 1024 },
		{ "500M", 500ULL << 20 },
		{ "500 MiB", 500ULL << 20 },
		{ "2G", 2ULL << 30 },
		{ "2g", 2ULL << 30 },
		{ "1T", 1ULL << 40 },
		{ "1TiB", 1ULL << 40 },
		{ "1.5G", 3ULL << 29 },
		{ "0.5K", 512 },
		{ "1.0001K", 1024 }, /* 1024.1024 rounds to the byte */
		{ "1e3", 1000 },
		{ "1B", 1 },
		{ "16777215T", 16777215ULL << 40 },
		{ "18446744073709551615", UINT64_MAX },
		{ "18014398509481983K", 18014398509481983ULL << 10 },
	};
	static const char *const bad[] = {
		"",
		"-1",
		"+1",
		"abc",
		"1X",
		"1P",
		"1Kb",
		"1kbit",
		"1M/s",
		"1K ",
		" 1K",
		"16777216T",            /* 2^64 */
		"18446744073709551616", /* 2^64 */
		"18014398509481984K",   /* 2^64 */
		"99999999999999999999999",
		"1e20",
		"17179869184G",
		"inf",
		"1.",
		"off1",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t v = 7;

		if (!CHECK_INT(settings_parse_size(good[i].text, &v), 0))
			fprintf(stderr, "  size '%s'\n", good[i].text);
		CHECK_UINT(v, good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;

		if (!CHECK_INT(settings_parse_size(bad[i], &v), -1))
			fprintf(stderr, "  size '%s' gave %" PRIu64 "\n", bad[i], v);
		CHECK_UINT(v, 7);
	}
}

static void test_parse_seconds(void)
{
	double v;

	CHECK_INT(settings_parse_seconds("0.1", 0.1, 3600, &v), 0);
	CHECK(v == 0.1);
	CHECK_INT(settings_parse_seconds("3600", 0.1, 3600, &v), 0);
	CHECK_DOUBLE(v, 3600, 0);
	CHECK_INT(settings_parse_seconds("1e1", 0.1, 3600, &v), 0); /* as --interval takes it */
	CHECK_DOUBLE(v, 10, 0);
	CHECK_INT(settings_parse_seconds("0", 0, 86400, &v), 0);
	CHECK_DOUBLE(v, 0, 0);
	CHECK_INT(settings_parse_seconds("2.25", 0, 86400, &v), 0);
	CHECK_DOUBLE(v, 2.25, 0);

	v = -1;
	CHECK_INT(settings_parse_seconds("0.09", 0.1, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds("3600.5", 0.1, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds("1e9", 0.1, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds("1s", 0.1, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds("-1", 0, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds("", 0, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds("nan", 0, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds("inf", 0, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds(" 1", 0, 3600, &v), -1);
	CHECK_INT(settings_parse_seconds("abc", 0, 3600, &v), -1);
	CHECK_DOUBLE(v, -1, 0);
}

/* Every key at once, amid comments, blank lines, odd whitespace and quotes. */
static void test_every_key(void)
{
	static const char text[] = "# nethound configuration\n"
				   "\n"
				   "   # an indented comment\n"
				   "interval = 2.5\n"
				   "\thooks\t=\ttracepoint  \n"
				   "tc=netlink\n"
				   "interface = eth0\n"
				   "numeric = yes\n"
				   "db = /var/lib/nethound/history.db\n"
				   "retention = 30\n"
				   "threshold = 2.5MiB/s\n"
				   "total_threshold = 100Mbit/s\n"
				   "interface_threshold = \"1G\"\n"
				   "daily_quota = 10G\n"
				   "window = 5\n"
				   "alert_hold = 0\n"
				   "alert_exec = /usr/local/bin/page --team \"net ops\" #1\n"
				   "web_read_only = yes\n"
				   "web_auth = /etc/nethound.web-auth\n"
				   "alert_exec_user = netalert\n"
				   "alert_exec_timeout = 2.5\n"
				   "\n";
	struct options o;
	char err[256];

	memset(err, 'X', sizeof(err));
	CHECK_INT(load(text, &o, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_DOUBLE(o.interval, 2.5, 0);
	CHECK_INT(o.hooks, HOOKS_TRACEPOINT);
	CHECK_INT(o.tc, TC_MODE_NETLINK);
	CHECK_UINT(o.nifaces, 1);
	CHECK_STR(o.ifaces[0], "eth0");
	CHECK(o.no_rdns);
	CHECK_STR(o.db_path, "/var/lib/nethound/history.db");
	CHECK(!o.no_db);
	CHECK_UINT(o.retention_days, 30);
	CHECK_DOUBLE(o.alerts.process_rate, 2.5 * 1048576, 0);
	CHECK_DOUBLE(o.alerts.total_rate, 12.5e6, 0);
	CHECK_DOUBLE(o.alerts.interface_rate, 1073741824.0, 0);
	CHECK_UINT(o.alerts.daily_quota, 10ULL << 30);
	CHECK_DOUBLE(o.alerts.window, 5, 0);
	CHECK_DOUBLE(o.alerts.hold, 0, 0);
	/* '#' is part of a value; quotes inside one are the caller's to split on. */
	CHECK_STR(o.alert_exec, "/usr/local/bin/page --team \"net ops\" #1");
	CHECK(o.web_read_only);
	CHECK_STR(o.web_auth_path, "/etc/nethound.web-auth");
	CHECK_STR(o.alert_exec_user, "netalert");
	CHECK_DOUBLE(o.alert_exec_timeout, 2.5, 0);
	/* Untouched by the file. */
	CHECK_INT(o.command, CMD_TOP);
	CHECK(o.config_path == NULL);
}

/* What the file leaves out keeps the caller's default; an empty file changes nothing. */
static void test_defaults_kept(void)
{
	struct options o, want;
	char err[256];

	default_options(&want);
	CHECK_INT(load("", &o, err, sizeof(err)), 0);
	CHECK(memcmp(&o, &want, sizeof(o)) == 0);
	CHECK_INT(load("# only a comment\n\n   \n\t\n", &o, err, sizeof(err)), 0);
	CHECK(memcmp(&o, &want, sizeof(o)) == 0);

	CHECK_INT(load("window = 3\n", &o, err, sizeof(err)), 0);
	CHECK_DOUBLE(o.alerts.window, 3, 0);
	CHECK_DOUBLE(o.alerts.process_rate, ALERTS_DEFAULT_PROCESS_RATE, 0);
	CHECK_DOUBLE(o.alerts.hold, ALERTS_DEFAULT_HOLD_S, 0);
	CHECK_DOUBLE(o.interval, 1.0, 0);
	CHECK(o.db_path == NULL);
	CHECK(o.alert_exec == NULL);
	CHECK(o.alert_exec_user == NULL);
	CHECK_DOUBLE(o.alert_exec_timeout, 0, 0);
	/* A timeout out of its bounds is the file's error. */
	CHECK_INT(load("alert_exec_timeout = 0\n", &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_INT(load("alert_exec_timeout = 3601\n", &o, err, sizeof(err)), NH_EXIT_CONFIG);
}

static void test_values(void)
{
	struct options o;
	char err[256];

	/* The other spellings of each key. */
	CHECK_INT(load("hooks = fentry\ntc = tcx\nnumeric = no\n", &o, err, sizeof(err)), 0);
	CHECK_INT(o.hooks, HOOKS_FENTRY);
	CHECK_INT(o.tc, TC_MODE_TCX);
	CHECK(!o.no_rdns);
	CHECK_INT(load("hooks = kprobe\ntc = off\n", &o, err, sizeof(err)), 0);
	CHECK_INT(o.hooks, HOOKS_KPROBE);
	CHECK_INT(o.tc, TC_MODE_OFF);
	CHECK_INT(load("hooks = auto\ntc = auto\n", &o, err, sizeof(err)), 0);
	CHECK_INT(o.hooks, HOOKS_AUTO);
	CHECK_INT(o.tc, TC_MODE_AUTO);

	/* Bounds. */
	CHECK_INT(load("interval = 0.1\nwindow = 3600\nalert_hold = 86400\nretention = 36500\n",
		       &o, err, sizeof(err)),
		  0);
	CHECK(o.interval == 0.1);
	CHECK_DOUBLE(o.alerts.window, 3600, 0);
	CHECK_DOUBLE(o.alerts.hold, 86400, 0);
	CHECK_UINT(o.retention_days, 36500);
	CHECK_INT(load("interval = 3600\nwindow = 0.1\nretention = 0\n", &o, err, sizeof(err)), 0);
	CHECK_DOUBLE(o.interval, 3600, 0);
	CHECK(o.alerts.window == 0.1);
	CHECK_UINT(o.retention_days, 0);

	/* off and 0 turn alerts off. */
	CHECK_INT(load("threshold = off\ntotal_threshold = 0\ninterface_threshold = OFF\n"
		       "daily_quota = off\n",
		       &o, err, sizeof(err)),
		  0);
	CHECK_DOUBLE(o.alerts.process_rate, 0, 0);
	CHECK_DOUBLE(o.alerts.total_rate, 0, 0);
	CHECK_DOUBLE(o.alerts.interface_rate, 0, 0);
	CHECK_UINT(o.alerts.daily_quota, 0);
	CHECK_INT(load("threshold = 500000\ndaily_quota = 4096\n", &o, err, sizeof(err)), 0);
	CHECK_DOUBLE(o.alerts.process_rate, 500000, 0);
	CHECK_UINT(o.alerts.daily_quota, 4096);

	/* db: off, or an absolute path. */
	CHECK_INT(load("db = off\n", &o, err, sizeof(err)), 0);
	CHECK(o.no_db);
	CHECK(o.db_path == NULL);
	CHECK_INT(load("db = OFF\n", &o, err, sizeof(err)), 0);
	CHECK(o.no_db);
	CHECK_INT(load("db = \"/srv/net hound/h.db\"\n", &o, err, sizeof(err)), 0);
	CHECK_STR(o.db_path, "/srv/net hound/h.db");
	CHECK(!o.no_db);
	CHECK_INT(load("db = /x#y.db\n", &o, err, sizeof(err)), 0);
	CHECK_STR(o.db_path, "/x#y.db");

	/* alert_exec keeps '=' and whitespace inside; quotes keep it at the ends. */
	CHECK_INT(load("alert_exec = logger -t nethound --id=1   x\n", &o, err, sizeof(err)), 0);
	CHECK_STR(o.alert_exec, "logger -t nethound --id=1   x");
	CHECK_INT(load("alert_exec = \"  /bin/echo #  \"\n", &o, err, sizeof(err)), 0);
	CHECK_STR(o.alert_exec, "  /bin/echo #  ");
	CHECK_INT(load("alert_exec = \"/bin/a\" \"b c\"\n", &o, err, sizeof(err)), 0);
	CHECK_STR(o.alert_exec, "\"/bin/a\" \"b c\"");
	CHECK_INT(load("alert_exec = \"unbalanced\n", &o, err, sizeof(err)), 0);
	CHECK_STR(o.alert_exec, "\"unbalanced");
	CHECK_INT(load("alert_exec = \xe2\x82\xac \"\"\n", &o, err, sizeof(err)), 0);
	CHECK_STR(o.alert_exec, "\xe2\x82\xac \"\"");
	/* Quotes are plain delimiters: "off" is off. */
	CHECK_INT(load("threshold = \"off\"\nnumeric = \"yes\"\n", &o, err, sizeof(err)), 0);
	CHECK_DOUBLE(o.alerts.process_rate, 0, 0);
	CHECK(o.no_rdns);
}

/* A bad value for every key, each naming the file, the line and the key. */
static void test_bad_values(void)
{
	static const struct {
		const char *text;
		const char *message; /* after "nethound: <file>:" */
	} cases[] = {
		{ "interval = 0.05\n",
		  "1: interval: '0.05' is not a number of seconds from 0.1 to 3600" },
		{ "interval = 3601\n", "1: interval: '3601'" },
		{ "interval = 1s\n", "1: interval: '1s'" },
		{ "interval = -1\n", "1: interval: '-1'" },
		{ "window = 0\n", "1: window: '0' is not a number of seconds from 0.1 to 3600" },
		{ "window = 4000\n", "1: window: '4000'" },
		{ "alert_hold = 86401\n",
		  "1: alert_hold: '86401' is not a number of seconds from 0 to 86400" },
		{ "alert_hold = -0.5\n", "1: alert_hold: '-0.5'" },
		{ "\n\nthreshold = 12X\n",
		  "3: threshold: '12X' is not a rate (e.g. 1024K, 1M, 100Mbit/s, off)" },
		{ "threshold = 1Mb/s\n", "1: threshold: '1Mb/s' is not a rate" },
		{ "total_threshold = -5M\n", "1: total_threshold: '-5M' is not a rate" },
		{ "interface_threshold = fast\n", "1: interface_threshold: 'fast' is not a rate" },
		{ "daily_quota = 1P\n",
		  "1: daily_quota: '1P' is not a size (e.g. 500M, 2G, 1TiB, off)" },
		{ "daily_quota = 1M/s\n", "1: daily_quota: '1M/s' is not a size" },
		{ "db = history.db\n", "1: db: 'history.db' is not an absolute path or off" },
		{ "db = ~/history.db\n", "1: db: '~/history.db' is not an absolute path or off" },
		{ "db = .\n", "1: db: '.' is not an absolute path" },
		{ "retention = 36501\n",
		  "1: retention: '36501' is not a whole number of days from 0 to 36500" },
		{ "retention = 1.5\n", "1: retention: '1.5' is not a whole number" },
		{ "retention = -1\n", "1: retention: '-1'" },
		{ "retention = 99999999999999999999999\n",
		  "1: retention: '99999999999999999999999'" },
		{ "interface = eth0/1\n",
		  "1: interface: 'eth0/1' is not an interface name (1 to 15 bytes)" },
		{ "interface = 0123456789abcdef\n",
		  "1: interface: '0123456789abcdef' is not an interface name" },
		{ "interface = eth0,,lo\n", "1: interface: empty name in 'eth0,,lo'" },
		{ "interface = eth0,\n", "1: interface: empty name in 'eth0,'" },
		{ "interface = , eth0\n", "1: interface: empty name" },
		{ "hooks = fexit\n",
		  "1: hooks: unknown tier 'fexit'; use auto, fentry, tracepoint or kprobe" },
		{ "hooks = Fentry\n", "1: hooks: unknown tier 'Fentry'" },
		{ "tc = xdp\n", "1: tc: unknown mode 'xdp'; use auto, tcx, netlink or off" },
		{ "numeric = true\n", "1: numeric: 'true' is neither yes nor no" },
		{ "numeric = 1\n", "1: numeric: '1' is neither yes nor no" },
		{ "web_read_only = on\n", "1: web_read_only: 'on' is neither yes nor no" },
		{ "web_auth = web-auth\n", "1: web_auth: 'web-auth' is not an absolute path or off" },
		/* Empty values, bare or quoted. */
		{ "threshold =\n", "1: threshold: empty value" },
		{ "alert_exec =   \n", "1: alert_exec: empty value" },
		{ "db = \"\"\n", "1: db: empty value" },
		{ "interface =\n", "1: interface: empty value" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options o, want;
		char err[512];

		CHECK_INT(load(cases[i].text, &o, err, sizeof(err)), NH_EXIT_CONFIG);
		if (!CHECK_CONTAINS(err, at(cases[i].message)))
			fprintf(stderr, "  for file text: %s", cases[i].text);
		CHECK(strchr(err, '\n') == NULL);
		/* A bad file leaves the options as they were. */
		default_options(&want);
		CHECK(memcmp(&o, &want, sizeof(o)) == 0);
	}
}

static void test_syntax_errors(void)
{
	char long_value[200];
	struct options o, want;
	char err[512];

	/* The exact message for an unknown key, counting comment and blank lines. */
	CHECK_INT(load("# comment\n\ninterval = 2\n\n# more\n\n\n\n\n\n\nthresold = 1M\n", &o, err,
		       sizeof(err)),
		  NH_EXIT_CONFIG);
	CHECK_STR(err, at("12: unknown key 'thresold'; did you mean 'threshold'?"));
	/* Nothing was applied, not even line 3. */
	default_options(&want);
	CHECK(memcmp(&o, &want, sizeof(o)) == 0);

	CHECK_CONFIG_ERROR("intreval = 1\n", "1: unknown key 'intreval'; did you mean 'interval'?");
	CHECK_CONFIG_ERROR("Interval = 1\n", "1: unknown key 'Interval'; did you mean 'interval'?");
	CHECK_CONFIG_ERROR("interfaces = eth0\n",
			   "1: unknown key 'interfaces'; did you mean 'interface'?");
	CHECK_INT(load("colour = red\n", &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_STR(err, at("1: unknown key 'colour'"));
	CHECK_INT(load("xy = 1\n", &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_STR(err, at("1: unknown key 'xy'")); /* no hint: "tc" and "db" are as close */
	CHECK_CONFIG_ERROR("thres hold = 1M\n", "1: unknown key 'thres hold'");
	CHECK_CONFIG_ERROR("[alerts]\n", "1: expected 'key = value', not '[alerts]'");
	CHECK_CONFIG_ERROR("interval 2\n", "1: expected 'key = value', not 'interval 2'");
	CHECK_CONFIG_ERROR("interval: 2\n", "1: expected 'key = value'");
	CHECK_CONFIG_ERROR("  = 2\n", "1: no key before '='");
	/* A comment only at the start of a line: after a value it is part of it. */
	CHECK_CONFIG_ERROR("interval = 2 # seconds\n", "1: interval: '2 # seconds'");
	CHECK_CONFIG_ERROR("threshold = 1M # per process\n", "1: threshold: '1M # per process'");

	/* Duplicates, with both lines named. */
	CHECK_INT(load("threshold = 1M\n# again:\nthreshold = 2M\n", &o, err, sizeof(err)),
		  NH_EXIT_CONFIG);
	CHECK_STR(err, at("3: duplicate key 'threshold' (first set on line 1)"));
	CHECK_CONFIG_ERROR("db = off\ndb = /x.db\n", "2: duplicate key 'db' (first set on line 1)");
	CHECK_CONFIG_ERROR("numeric = yes\nnumeric = yes\n", "2: duplicate key 'numeric'");
	CHECK_CONFIG_ERROR("alert_exec = a\nalert_exec = b\n", "2: duplicate key 'alert_exec'");

	/* A value that would garble the message is cleaned and cut. */
	CHECK_CONFIG_ERROR("threshold = 1\x1b[31m\n", "1: threshold: '1?[31m' is not a rate");
	memset(long_value, 'x', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	{
		char text[300], want_msg[200];

		snprintf(text, sizeof(text), "threshold = %s\n", long_value);
		snprintf(want_msg, sizeof(want_msg), "1: threshold: '%.76s...' is not a rate",
			 long_value);
		CHECK_CONFIG_ERROR(text, want_msg);
	}
	/* ... and not in the middle of a UTF-8 character. */
	{
		char text[300], want_msg[200];

		snprintf(text, sizeof(text), "threshold = x%s\n",
			 "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			 "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			 "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			 "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			 "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			 "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
		/* 1 + 25 * 3 = 76 bytes fit; the 26th euro would straddle the cut. */
		snprintf(want_msg, sizeof(want_msg), "1: threshold: '%.76s...'", text + 12);
		CHECK_CONFIG_ERROR(text, want_msg);
	}
}

/* interface repeats and takes lists; the rest once each. */
static void test_interfaces(void)
{
	struct options o;
	char err[512];

	CHECK_INT(load("interface = eth0\ninterface = wlan0, lo ,br-lan\ninterface=\"wg0\"\n", &o,
		       err, sizeof(err)),
		  0);
	CHECK_UINT(o.nifaces, 5);
	CHECK_STR(o.ifaces[0], "eth0");
	CHECK_STR(o.ifaces[1], "wlan0");
	CHECK_STR(o.ifaces[2], "lo");
	CHECK_STR(o.ifaces[3], "br-lan");
	CHECK_STR(o.ifaces[4], "wg0");
	CHECK_INT(load("interface = 0123456789abcde\n", &o, err, sizeof(err)), 0);
	CHECK_UINT(o.nifaces, 1);
	CHECK_STR(o.ifaces[0], "0123456789abcde"); /* 15 bytes: the longest name */

	/* Appended after what the caller already has. */
	{
		char text[] = "interface = eth1\n";

		default_options(&o);
		o.ifaces[0] = "caller0";
		o.nifaces = 1;
		write_file(text, strlen(text), 0600);
		CHECK_INT(config_load(conf_path, true, &o, err, sizeof(err)), 0);
		unlink(conf_path);
		CHECK_UINT(o.nifaces, 2);
		CHECK_STR(o.ifaces[0], "caller0");
		CHECK_STR(o.ifaces[1], "eth1");
	}

	/* At most CLI_MAX_FILTERS, over lines and lists alike. */
	{
		char text[2048];
		size_t n = 0;

		/* Eight lines of eight: "interface = if0,if1,...". */
		for (int i = 0; i < CLI_MAX_FILTERS; i++) {
			const char *sep = i == 0 ? "interface = " : i % 8 ? "," : "\ninterface = ";

			n += (size_t)snprintf(text + n, sizeof(text) - n, "%sif%d", sep, i);
		}
		snprintf(text + n, sizeof(text) - n, "\n");
		CHECK_INT(load(text, &o, err, sizeof(err)), 0);
		CHECK_UINT(o.nifaces, CLI_MAX_FILTERS);
		CHECK_STR(o.ifaces[0], "if0");
		CHECK_STR(o.ifaces[CLI_MAX_FILTERS - 1], "if63");

		snprintf(text + n, sizeof(text) - n, ",one_more\n");
		CHECK_INT(load(text, &o, err, sizeof(err)), NH_EXIT_CONFIG);
		CHECK_STR(err, at("8: interface: at most 64 may be given"));
	}
}

static void test_line_format(void)
{
	static char text[CONFIG_LINE_MAX + 64];
	struct options o;
	char err[512];
	size_t n;

	/* CRLF line ends, a byte order mark, no newline at the end. */
	CHECK_INT(load("\xef\xbb\xbfinterval = 2\r\nnumeric = yes\r\nwindow = 4", &o, err,
		       sizeof(err)),
		  0);
	CHECK_DOUBLE(o.interval, 2, 0);
	CHECK(o.no_rdns);
	CHECK_DOUBLE(o.alerts.window, 4, 0);
	/* A byte order mark only counts at the very start. */
	CHECK_CONFIG_ERROR("\n\xef\xbb\xbfinterval = 2\n", "2: unknown key '\xef\xbb\xbfinterval'");

	/* A line of 4096 bytes is fine; one more is not. */
	n = (size_t)snprintf(text, sizeof(text), "alert_exec = ");
	memset(text + n, 'a', CONFIG_LINE_MAX - n);
	text[CONFIG_LINE_MAX] = '\n';
	text[CONFIG_LINE_MAX + 1] = '\0';
	CHECK_INT(load(text, &o, err, sizeof(err)), 0);
	CHECK_UINT(strlen(o.alert_exec), CONFIG_LINE_MAX - n);
	/* Shift it down a line and make it 4097 bytes. */
	memmove(text + 1, text, CONFIG_LINE_MAX);
	text[0] = '\n';
	strcpy(text + 1 + CONFIG_LINE_MAX, "a\n");
	CHECK_INT(load(text, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_STR(err, at("2: line longer than 4096 bytes"));
	/* Even as the last line, without a newline. */
	text[CONFIG_LINE_MAX + 2] = '\0';
	CHECK_INT(load(text + 1, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_STR(err, at("1: line longer than 4096 bytes"));

	/* A NUL byte: not a text file. */
	CHECK_INT(load_bytes("interval = 2\nnumeric\0 = yes\n", 26, &o, err, sizeof(err)),
		  NH_EXIT_CONFIG);
	CHECK_STR(err, at("2: NUL byte; is this a text file?"));
}

static void test_file_errors(void)
{
	char dir[] = "/tmp/nhconfdirXXXXXX", path[512], err[512];
	struct options o, want;

	default_options(&want);

	/* The default path may be missing; a path given with --config may not. */
	default_options(&o);
	memset(err, 'X', sizeof(err));
	CHECK_INT(config_load("/nonexistent/nethound.conf", false, &o, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK(memcmp(&o, &want, sizeof(o)) == 0);
	CHECK_INT(config_load("/nonexistent/nethound.conf", true, &o, err, sizeof(err)),
		  NH_EXIT_CONFIG);
	CHECK_STR(err,
		  "nethound: cannot read /nonexistent/nethound.conf (No such file or directory)");
	CHECK(memcmp(&o, &want, sizeof(o)) == 0);

	/* A directory cannot be read, even as root; it exists, so must_exist does not matter. */
	if (!mkdtemp(dir)) {
		perror("test_config: mkdtemp");
		exit(1);
	}
	CHECK_INT(config_load(dir, false, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	snprintf(path, sizeof(path), "nethound: cannot read %s (Is a directory)", dir);
	CHECK_STR(err, path);
	CHECK_INT(config_load(dir, true, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_STR(err, path);
	/* A path through a file: not a missing file, an error. */
	write_file("", 0, 0600);
	snprintf(path, sizeof(path), "%s/x.conf", conf_path);
	CHECK_INT(config_load(path, false, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_CONTAINS(err, "(Not a directory)");
	unlink(conf_path);
	CHECK(memcmp(&o, &want, sizeof(o)) == 0);

	/* Unreadable for lack of permission: only testable when not root. */
	if (geteuid() != 0) {
		write_file("interval = 2\n", 13, 0200);
		CHECK_INT(config_load(conf_path, false, &o, err, sizeof(err)), NH_EXIT_CONFIG);
		snprintf(path, sizeof(path), "nethound: cannot read %s (Permission denied)",
			 conf_path);
		CHECK_STR(err, path);
		unlink(conf_path);
	}

	/* The file may name a command to run as root: others must not be able to write it. */
	write_file("interval = 2\n", 13, 0666);
	CHECK_INT(config_load(conf_path, true, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_CONTAINS(err, "is writable by others");
	CHECK_CONTAINS(err, "chmod go-w");
	CHECK(strchr(err, '\n') == NULL);
	CHECK(memcmp(&o, &want, sizeof(o)) == 0);
	chmod(conf_path, 0620);
	CHECK_INT(config_load(conf_path, true, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_CONTAINS(err, "is writable by others");
	chmod(conf_path, 0644);
	CHECK_INT(config_load(conf_path, true, &o, err, sizeof(err)), 0);
	CHECK_DOUBLE(o.interval, 2, 0);
	if (geteuid() == 0 && chown(conf_path, 65534, 65534) == 0) {
		default_options(&o);
		CHECK_INT(config_load(conf_path, true, &o, err, sizeof(err)), NH_EXIT_CONFIG);
		CHECK_CONTAINS(err, "belongs to uid 65534");
		CHECK_CONTAINS(err, "chown root");
		CHECK(memcmp(&o, &want, sizeof(o)) == 0);
	}
	unlink(conf_path);

	/* A FIFO (or any non-regular file) is refused without waiting for a writer. */
	snprintf(path, sizeof(path), "%s/fifo.conf", dir);
	CHECK_INT(mkfifo(path, 0600), 0);
	default_options(&o);
	CHECK_INT(config_load(path, true, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_CONTAINS(err, "is not a regular file");
	CHECK_CONTAINS(err, "write the settings to a file");
	CHECK(memcmp(&o, &want, sizeof(o)) == 0);
	unlink(path);

	/* A directory others may write to could swap the file: refused, unless sticky and root's. */
	snprintf(path, sizeof(path), "%s/nethound.conf", dir);
	{
		FILE *f = fopen(path, "w");

		CHECK(f != NULL);
		if (f) {
			fputs("alert_exec = /bin/true\n", f);
			fclose(f);
		}
	}
	chmod(path, 0600);
	chmod(dir, 0777);
	CHECK_INT(config_load(path, true, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	CHECK_CONTAINS(err, "which others can write to");
	CHECK_CONTAINS(err, "chmod go-w");
	CHECK(strchr(err, '\n') == NULL);
	CHECK(o.alert_exec == NULL);
	chmod(dir, 0770);
	CHECK_INT(config_load(path, true, &o, err, sizeof(err)), NH_EXIT_CONFIG);
	chmod(dir, 0755);
	CHECK_INT(config_load(path, true, &o, err, sizeof(err)), 0);
	CHECK_STR(o.alert_exec, "/bin/true");
	if (geteuid() == 0) {
		chmod(dir, 01777); /* like /tmp: root's and sticky */
		default_options(&o);
		CHECK_INT(config_load(path, true, &o, err, sizeof(err)), 0);
		chmod(dir, 0755);
		CHECK_INT(chown(dir, 65534, 65534), 0);
		default_options(&o);
		CHECK_INT(config_load(path, true, &o, err, sizeof(err)), NH_EXIT_CONFIG);
		CHECK_CONTAINS(err, "which belongs to uid 65534");
		CHECK(o.alert_exec == NULL);
		CHECK_INT(chown(dir, 0, 0), 0);
	}
	unlink(path);
	rmdir(dir);

	/* A short error buffer still ends in a NUL; none at all is fine too. */
	{
		char small[16];

		CHECK_INT(load("bogus = 1\n", &o, small, sizeof(small)), NH_EXIT_CONFIG);
		snprintf(path, sizeof(path), "nethound: %s", conf_path);
		path[sizeof(small) - 1] = '\0';
		CHECK_STR(small, path);
		CHECK_INT(load("bogus = 1\n", &o, NULL, 0), NH_EXIT_CONFIG);
	}
}

/* Strings outlive the load that made them, and each load adds its own. */
static void test_string_lifetime(void)
{
	struct options first, second;
	char err[256];

	CHECK_INT(load("db = /a.db\nalert_exec = one\ninterface = eth0\n", &first, err,
		       sizeof(err)),
		  0);
	CHECK_INT(load("db = /b.db\nalert_exec = two\n", &second, err, sizeof(err)), 0);
	CHECK_STR(first.db_path, "/a.db");
	CHECK_STR(first.alert_exec, "one");
	CHECK_STR(first.ifaces[0], "eth0");
	CHECK_STR(second.db_path, "/b.db");
	CHECK_STR(second.alert_exec, "two");
	/* A failed load frees what it stored before the bad line (valgrind sees the rest). */
	CHECK_INT(load("db = /c.db\ninterface = eth1\nalert_exec = three\nnope = 1\n", &second, err,
		       sizeof(err)),
		  NH_EXIT_CONFIG);
	CHECK_STR(second.db_path, NULL);
	CHECK_STR(first.db_path, "/a.db");
}

int main(void)
{
	test_parse_rate();
	test_parse_size();
	test_parse_seconds();
	test_every_key();
	test_defaults_kept();
	test_values();
	test_bad_values();
	test_syntax_errors();
	test_interfaces();
	test_line_format();
	test_file_errors();
	test_string_lifetime();
	config_release();
	return check_finish("test_config");
}
