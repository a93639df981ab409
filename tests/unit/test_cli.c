// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cli.c: option parsing, defaults, and one-line usage errors with exit code 2. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "settings/cli.h"
#include "core/exitcodes.h"

#define MAX_ARGS 160
#define ARG_LEN 64

/* The argv handed to cli_parse, and copies to prove it was left alone. */
static char arg_text[MAX_ARGS][ARG_LEN];
static char arg_copy[MAX_ARGS][ARG_LEN];
static char *argv_buf[MAX_ARGS + 1];
static char *argv_copy[MAX_ARGS + 1];

/*
 * Parse "nethound" followed by the NULL-terminated args. The strings stay
 * valid until the next call, as opts->comms and btf_path point into them.
 */
static int parse_list(struct options *opts, char *err, size_t errlen, const char *const *args)
{
	int argc = 0, rc;
	bool intact = true;

	snprintf(arg_text[argc++], ARG_LEN, "%s", "nethound");
	for (; *args; args++) {
		if (argc == MAX_ARGS || strlen(*args) >= ARG_LEN) {
			fprintf(stderr, "test_cli: argument list too long\n");
			return -1;
		}
		snprintf(arg_text[argc++], ARG_LEN, "%s", *args);
	}
	for (int i = 0; i < argc; i++) {
		argv_buf[i] = arg_text[i];
		argv_copy[i] = arg_text[i];
		memcpy(arg_copy[i], arg_text[i], ARG_LEN);
	}
	argv_buf[argc] = NULL;
	argv_copy[argc] = NULL;

	rc = cli_parse(argc, argv_buf, opts, err, errlen);

	/* argv is not modified: neither permuted (getopt_long does that) nor written into. */
	for (int i = 0; i <= argc; i++) {
		if (argv_buf[i] != argv_copy[i] ||
		    (i < argc && memcmp(arg_text[i], arg_copy[i], ARG_LEN) != 0))
			intact = false;
	}
	CHECK(intact);
	return rc;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_ARGS ((const char *const[]){NULL})

/* A usage error: exit code 2 and a single line starting "nethound: " that mentions needle. */
#define CHECK_USAGE_ERROR(needle, ...)                                                             \
	do {                                                                                       \
		struct options o_;                                                                 \
		char err_[256];                                                                    \
		CHECK_INT(parse_list(&o_, err_, sizeof(err_), ARGS(__VA_ARGS__)), NH_EXIT_USAGE);  \
		CHECK(strncmp(err_, "nethound: ", 10) == 0);                                       \
		CHECK(strchr(err_, '\n') == NULL);                                                 \
		CHECK_CONTAINS(err_, (needle));                                                    \
	} while (0)

static void test_defaults(void)
{
	struct options o;
	char err[256];

	memset(err, 'X', sizeof(err));
	CHECK_INT(parse_list(&o, err, sizeof(err), NO_ARGS), NH_EXIT_OK);
	CHECK_STR(err, "");
	CHECK_INT(o.command, CMD_TOP);
	CHECK_INT(o.hooks, HOOKS_AUTO);
	CHECK_INT(o.format, OUTPUT_AUTO);
	CHECK_DOUBLE(o.interval, 1.0, 0);
	CHECK_UINT(o.count, 0);
	CHECK(!o.count_set);
	CHECK(!o.verbose);
	CHECK(o.btf_path == NULL);
	CHECK_INT(o.npids, 0);
	CHECK_INT(o.ncomms, 0);
}

/* Stale values in opts must not leak into a parse: it starts from the defaults. */
static void test_opts_reset(void)
{
	struct options o;
	char err[256];

	memset(&o, 0xa5, sizeof(o));
	CHECK_INT(parse_list(&o, err, sizeof(err), NO_ARGS), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_TOP);
	CHECK_INT(o.npids, 0);
	CHECK_INT(o.ncomms, 0);
	CHECK(!o.count_set);
	CHECK(o.btf_path == NULL);
}

static void test_dump(void)
{
	struct options o;
	char err[256];

	CHECK_INT(parse_list(&o, err, sizeof(err),
			     ARGS("dump", "--json", "--interval", "2", "--count", "3", "--pid",
				  "42", "--comm", "curl")),
		  NH_EXIT_OK);
	CHECK_STR(err, "");
	CHECK_INT(o.command, CMD_DUMP);
	CHECK_INT(o.format, OUTPUT_JSON);
	CHECK_DOUBLE(o.interval, 2.0, 0);
	CHECK_UINT(o.count, 3);
	CHECK(o.count_set);
	CHECK_INT(o.npids, 1);
	CHECK_UINT(o.pids[0], 42);
	CHECK_INT(o.ncomms, 1);
	CHECK_STR(o.comms[0], "curl");
	CHECK_INT(o.hooks, HOOKS_AUTO);

	/* Options before the command, short and "=" forms. */
	CHECK_INT(parse_list(&o, err, sizeof(err),
			     ARGS("-d", "0.5", "--count=7", "--table", "-v", "--btf",
				  "/tmp/vmlinux", "dump")),
		  NH_EXIT_OK);
	CHECK_INT(o.command, CMD_DUMP);
	CHECK_INT(o.format, OUTPUT_TABLE);
	CHECK_DOUBLE(o.interval, 0.5, 0);
	CHECK_UINT(o.count, 7);
	CHECK(o.verbose);
	CHECK_STR(o.btf_path, "/tmp/vmlinux");

	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("dump", "--interval=0.25", "-d2.5")),
		  NH_EXIT_OK);
	CHECK_DOUBLE(o.interval, 2.5, 0); /* the last one wins */
	CHECK(!o.count_set);

	/* The last of --json / --table wins. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("dump", "--table", "--json")), NH_EXIT_OK);
	CHECK_INT(o.format, OUTPUT_JSON);

	/* "--" ends the options; what follows is still the command. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--json", "--", "dump")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_DUMP);
}

static void test_interval_bounds(void)
{
	struct options o;
	char err[256];

	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--interval", "0.1")), NH_EXIT_OK);
	CHECK_DOUBLE(o.interval, 0.1, 0);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--interval", "3600")), NH_EXIT_OK);
	CHECK_DOUBLE(o.interval, 3600.0, 0);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--interval", "1e1")), NH_EXIT_OK);
	CHECK_DOUBLE(o.interval, 10.0, 0);
}

static void test_filters(void)
{
	struct options o;
	char err[256];

	CHECK_INT(parse_list(&o, err, sizeof(err),
			     ARGS("--pid", "1", "--comm", "sshd", "--pid=4194304", "--comm",
				  "123456789012345", "--comm=\xe2\x82\xac")),
		  NH_EXIT_OK);
	CHECK_INT(o.npids, 2);
	CHECK_UINT(o.pids[0], 1);
	CHECK_UINT(o.pids[1], 4194304);
	CHECK_INT(o.ncomms, 3);
	CHECK_STR(o.comms[0], "sshd");
	CHECK_STR(o.comms[1], "123456789012345"); /* 15 bytes: the longest comm */
	CHECK_STR(o.comms[2], "\xe2\x82\xac");

	/* Up to CLI_MAX_FILTERS of each, and not one more. */
	{
		const char *args[2 * (CLI_MAX_FILTERS + 1) + 1];
		char pids[CLI_MAX_FILTERS + 1][12];
		int n = 0;

		for (int i = 0; i < CLI_MAX_FILTERS; i++) {
			snprintf(pids[i], sizeof(pids[i]), "%d", 100 + i);
			args[n++] = "--pid";
			args[n++] = pids[i];
		}
		args[n] = NULL;
		CHECK_INT(parse_list(&o, err, sizeof(err), args), NH_EXIT_OK);
		CHECK_INT(o.npids, CLI_MAX_FILTERS);
		CHECK_UINT(o.pids[CLI_MAX_FILTERS - 1], 100 + CLI_MAX_FILTERS - 1);

		args[n++] = "--pid";
		args[n++] = "7";
		args[n] = NULL;
		CHECK_INT(parse_list(&o, err, sizeof(err), args), NH_EXIT_USAGE);
		CHECK_STR(err, "nethound: --pid: at most 64 may be given");

		n = 0;
		for (int i = 0; i <= CLI_MAX_FILTERS; i++) {
			args[n++] = "--comm";
			args[n++] = "x";
		}
		args[n] = NULL;
		CHECK_INT(parse_list(&o, err, sizeof(err), args), NH_EXIT_USAGE);
		CHECK_STR(err, "nethound: --comm: at most 64 may be given");
	}
}

static void test_hooks(void)
{
	static const struct {
		const char *name;
		enum hook_tier tier;
	} tiers[] = {
	    {"tracepoint", HOOKS_TRACEPOINT},
	    {"fentry", HOOKS_FENTRY},
	    {"kprobe", HOOKS_KPROBE},
	    {"auto", HOOKS_AUTO},
	};
	struct options o;
	char err[256];

	for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--hooks", tiers[i].name)),
			  NH_EXIT_OK);
		CHECK_INT(o.hooks, tiers[i].tier);
		CHECK_STR(hook_tier_name(tiers[i].tier), tiers[i].name);
	}
	/* The last --hooks wins, "=" form too. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--hooks", "kprobe", "--hooks=fentry")),
		  NH_EXIT_OK);
	CHECK_INT(o.hooks, HOOKS_FENTRY);
}

/* -i, --tc and -n: the wire classifier's options. */
static void test_wire_options(void)
{
	static const struct {
		const char *name;
		enum tc_mode mode;
	} modes[] = {
	    {"auto", TC_MODE_AUTO},
	    {"tcx", TC_MODE_TCX},
	    {"netlink", TC_MODE_NETLINK},
	    {"off", TC_MODE_OFF},
	};
	struct options o;
	char err[256];

	CHECK_INT(parse_list(&o, err, sizeof(err), NO_ARGS), NH_EXIT_OK);
	CHECK_INT(o.tc, TC_MODE_AUTO);
	CHECK_INT((int)o.nifaces, 0);
	CHECK(!o.no_rdns);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("dump", "--tc", modes[i].name)),
			  NH_EXIT_OK);
		CHECK_INT(o.tc, modes[i].mode);
		CHECK_STR(tc_mode_name(modes[i].mode), modes[i].name);
	}
	CHECK_INT(parse_list(&o, err, sizeof(err),
			     ARGS("dump", "-i", "eth0", "--interface", "wlp2s0", "--interface=lo", "-n")),
		  NH_EXIT_OK);
	CHECK_INT((int)o.nifaces, 3);
	CHECK_STR(o.ifaces[0], "eth0");
	CHECK_STR(o.ifaces[1], "wlp2s0");
	CHECK_STR(o.ifaces[2], "lo");
	CHECK(o.no_rdns);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--numeric", "-ieth1")), NH_EXIT_OK);
	CHECK(o.no_rdns);
	CHECK_INT((int)o.nifaces, 1);
	CHECK_STR(o.ifaces[0], "eth1");
	/* 15 bytes is the longest interface name the kernel takes. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("-i", "abcdefghijklmno")), NH_EXIT_OK);

	CHECK_USAGE_ERROR("--tc: unknown mode 'sometimes'", "--tc", "sometimes");
	CHECK_USAGE_ERROR("--tc: unknown mode ''", "--tc", "");
	CHECK_USAGE_ERROR("needs a value", "--tc");
	CHECK_USAGE_ERROR("needs a value", "-i");
	CHECK_USAGE_ERROR("is not an interface name", "-i", "abcdefghijklmnop");
	CHECK_USAGE_ERROR("is not an interface name", "-i", "");
	CHECK_USAGE_ERROR("is not an interface name", "-i", "a/b");
	CHECK_USAGE_ERROR("drop --tc off", "-i", "eth0", "--tc", "off");
	{
		const char *many[2 * CLI_MAX_FILTERS + 3];
		size_t n = 0;

		for (int i = 0; i <= CLI_MAX_FILTERS; i++) {
			many[n++] = "-i";
			many[n++] = "eth0";
		}
		many[n] = NULL;
		CHECK_INT(parse_list(&o, err, sizeof(err), many), NH_EXIT_USAGE);
		CHECK_CONTAINS(err, "at most 64");
	}
}

static void test_commands(void)
{
	struct options o;
	char err[256];

	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("help")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_HELP);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("-h")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_HELP);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--help")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_HELP);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("-V")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_VERSION);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--version")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_VERSION);
	/* --help wins over a command given with it. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("dump", "--help")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_HELP);
	/* Who runs --alert-exec, and for how long. */
	CHECK_INT(parse_list(&o, err, sizeof(err),
			     ARGS("record", "--alert-exec", "/bin/true", "--alert-exec-user", "alerts",
				  "--alert-exec-timeout", "0.5")),
		  NH_EXIT_OK);
	CHECK_STR(o.alert_exec_user, "alerts");
	CHECK_DOUBLE(o.alert_exec_timeout, 0.5, 0);
	CHECK_USAGE_ERROR("--alert-exec-timeout", "--alert-exec-timeout", "0");
	CHECK_USAGE_ERROR("--alert-exec-user", "--alert-exec-user", "");
	CHECK_USAGE_ERROR("--alert-exec-user", "report", "--alert-exec-user", "nobody");
}

static void test_errors(void)
{
	struct options o;
	char err[256];

	/* Exact wording for the common ones: users see these. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--bogus")), NH_EXIT_USAGE);
	CHECK_STR(err, "nethound: unknown option '--bogus'; see 'nethound --help'");
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--interval")), NH_EXIT_USAGE);
	CHECK_STR(err, "nethound: option '--interval' needs a value; see 'nethound --help'");
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--interval", "abc")), NH_EXIT_USAGE);
	CHECK_STR(err, "nethound: --interval: 'abc' is not a number of seconds from 0.1 to 3600");
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("frobnicate")), NH_EXIT_USAGE);
	CHECK_STR(err, "nethound: unknown command 'frobnicate'; see 'nethound --help'");
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--count", "3")), NH_EXIT_USAGE);
	CHECK_STR(err, "nethound: --count only applies to 'nethound dump' and 'capture'");

	/* Unknown options. */
	CHECK_USAGE_ERROR("unknown option '--bogus'", "dump", "--bogus");
	CHECK_USAGE_ERROR("unknown option '-x'", "-x");
	/* Inside a group of short options the letter is named, not the whole word. */
	CHECK_USAGE_ERROR("unknown option '-x'", "-xv");
	CHECK_USAGE_ERROR("unknown option '-x'", "-vx");
	CHECK_USAGE_ERROR("unknown option '--json=yes'", "--json=yes");

	/* Missing values. */
	CHECK_USAGE_ERROR("option '--interval' needs a value", "dump", "--interval");
	CHECK_USAGE_ERROR("option '-d' needs a value", "-d");
	CHECK_USAGE_ERROR("option '--count' needs a value", "dump", "--count");
	CHECK_USAGE_ERROR("option '--pid' needs a value", "--pid");
	CHECK_USAGE_ERROR("option '--comm' needs a value", "--comm");
	CHECK_USAGE_ERROR("option '--hooks' needs a value", "--hooks");
	CHECK_USAGE_ERROR("option '--btf' needs a value", "--btf");

	/* Bad intervals: not numbers, out of range, not finite. */
	CHECK_USAGE_ERROR("--interval: 'abc'", "--interval", "abc");
	CHECK_USAGE_ERROR("--interval: '0'", "--interval", "0");
	CHECK_USAGE_ERROR("--interval: '-1'", "--interval", "-1");
	CHECK_USAGE_ERROR("--interval: '1e9'", "--interval", "1e9");
	CHECK_USAGE_ERROR("--interval: 'nan'", "--interval", "nan");
	CHECK_USAGE_ERROR("--interval: 'inf'", "--interval", "inf");
	CHECK_USAGE_ERROR("--interval: ''", "--interval", "");
	CHECK_USAGE_ERROR("--interval: '1s'", "--interval", "1s");
	CHECK_USAGE_ERROR("--interval: '0.09'", "-d", "0.09");
	CHECK_USAGE_ERROR("--interval: '3600.5'", "-d", "3600.5");
	CHECK_USAGE_ERROR("from 0.1 to 3600", "-d", "1e-400");

	/* Bad counts. */
	CHECK_USAGE_ERROR("--count: '0' is not a whole number from 1 to 4294967295", "dump",
			  "--count", "0");
	CHECK_USAGE_ERROR("--count: '-3'", "dump", "--count", "-3");
	CHECK_USAGE_ERROR("--count: 'x'", "dump", "--count", "x");
	CHECK_USAGE_ERROR("--count: ''", "dump", "--count", "");
	CHECK_USAGE_ERROR("--count: '+3'", "dump", "--count", "+3");
	CHECK_USAGE_ERROR("--count: '2.5'", "dump", "--count", "2.5");
	CHECK_USAGE_ERROR("--count: '4294967296'", "dump", "--count", "4294967296");
	CHECK_USAGE_ERROR("--count: '99999999999999999999999'", "dump", "--count",
			  "99999999999999999999999");

	/* Bad pids. */
	CHECK_USAGE_ERROR("--pid: 'abc' is not a process id", "--pid", "abc");
	CHECK_USAGE_ERROR("--pid: '0'", "--pid", "0");
	CHECK_USAGE_ERROR("--pid: '-1'", "--pid", "-1");
	CHECK_USAGE_ERROR("--pid: '4194305'", "--pid", "4194305");
	CHECK_USAGE_ERROR("--pid: '12abc'", "--pid", "12abc");

	/* Comm: 1 to 15 bytes, as the kernel's TASK_COMM_LEN allows. */
	CHECK_USAGE_ERROR("--comm: '1234567890123456' is not a process name (1 to 15 bytes)",
			  "--comm", "1234567890123456");
	CHECK_USAGE_ERROR("--comm: ''", "--comm", "");
	/* The limit is in bytes: 8 two-byte characters are 16 bytes, too long. */
	CHECK_USAGE_ERROR("--comm:", "--comm",
			  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");

	/* Commands and extra arguments. */
	CHECK_USAGE_ERROR("unknown command 'frobnicate'", "frobnicate");
	CHECK_USAGE_ERROR("unknown command 'Dump'", "Dump");
	CHECK_USAGE_ERROR("unknown command 'top'", "top");
	CHECK_USAGE_ERROR("unexpected argument 'extra'", "dump", "extra");
	CHECK_USAGE_ERROR("unexpected argument 'dump'", "dump", "dump");
	CHECK_USAGE_ERROR("unexpected argument 'b'", "help", "b");

	/* --count needs dump. */
	CHECK_USAGE_ERROR("--count only applies to 'nethound dump'", "--count", "3");
	CHECK_USAGE_ERROR("--count only applies to 'nethound dump'", "help", "--count", "3");

	/* Unknown hook tiers. */
	CHECK_USAGE_ERROR("--hooks: unknown tier 'bogus'; use auto, fentry, tracepoint or kprobe",
			  "--hooks", "bogus");
	CHECK_USAGE_ERROR("--hooks: unknown tier 'KPROBE'", "--hooks", "KPROBE");
	CHECK_USAGE_ERROR("--hooks: unknown tier ''", "--hooks", "");
}

/* The message is cut to the buffer but always terminated; errlen 0 is tolerated. */
static void test_error_buffer(void)
{
	struct options o;
	char err[16];

	memset(err, 'X', sizeof(err));
	CHECK_INT(parse_list(&o, err, 11, ARGS("--bogus")), NH_EXIT_USAGE);
	CHECK_STR(err, "nethound: ");
	CHECK(err[11] == 'X');

	memset(err, 'X', sizeof(err));
	CHECK_INT(parse_list(&o, err, 5, ARGS("--bogus")), NH_EXIT_USAGE);
	CHECK_STR(err, "neth");

	memset(err, 'X', sizeof(err));
	CHECK_INT(parse_list(&o, err, 0, ARGS("--bogus")), NH_EXIT_USAGE);
	CHECK(err[0] == 'X');
	CHECK_INT(parse_list(&o, err, 0, NO_ARGS), NH_EXIT_OK);
	CHECK(err[0] == 'X');
}

/* getopt keeps global state; each parse must start afresh, also after a failed one. */
static void test_reparse(void)
{
	struct options o;
	char err[256];

	for (int round = 0; round < 3; round++) {
		CHECK_INT(parse_list(&o, err, sizeof(err),
				     ARGS("dump", "--count", "2", "--pid", "42", "--comm", "curl")),
			  NH_EXIT_OK);
		CHECK_INT(o.command, CMD_DUMP);
		CHECK_UINT(o.count, 2);
		CHECK_INT(o.npids, 1);
		CHECK_INT(o.ncomms, 1);
	}

	/* Fail in the middle of a cluster of short options, then parse again. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("-vx", "dump")), NH_EXIT_USAGE);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("-V")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_VERSION);
	CHECK(!o.verbose);

	/* A failure on the last argument, then a shorter argv. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("dump", "--json", "--pid")), NH_EXIT_USAGE);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("-v")), NH_EXIT_OK);
	CHECK_INT(o.command, CMD_TOP);
	CHECK(o.verbose);
	CHECK_INT(o.npids, 0);

	/* Same arguments twice give the same result. */
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--hooks", "kprobe", "dump", "-d", "3")),
		  NH_EXIT_OK);
	CHECK_INT(o.hooks, HOOKS_KPROBE);
	CHECK_DOUBLE(o.interval, 3.0, 0);
	CHECK_INT(parse_list(&o, err, sizeof(err), ARGS("--hooks", "kprobe", "dump", "-d", "3")),
		  NH_EXIT_OK);
	CHECK_INT(o.hooks, HOOKS_KPROBE);
	CHECK_DOUBLE(o.interval, 3.0, 0);
	CHECK_INT(o.command, CMD_DUMP);
}

static void test_usage_text(void)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!CHECK(f != NULL))
		return;
	cli_print_usage(f);
	fclose(f);
	CHECK(strncmp(buf, "Usage: nethound", 15) == 0);
	CHECK_CONTAINS(buf, "--interval");
	CHECK_CONTAINS(buf, "--hooks TIER");
	CHECK(size > 0 && buf[size - 1] == '\n');
	free(buf);
}

int main(void)
{
	test_defaults();
	test_opts_reset();
	test_dump();
	test_interval_bounds();
	test_filters();
	test_hooks();
	test_wire_options();
	test_commands();
	test_errors();
	test_error_buffer();
	test_reparse();
	test_usage_text();
	return check_finish("test_cli");
}
