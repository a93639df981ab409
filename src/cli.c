// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcodes.h"

#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 3600.0

enum long_only {
	OPT_HOOKS = 256,
	OPT_BTF,
	OPT_JSON,
	OPT_TABLE,
	OPT_COUNT,
	OPT_PID,
	OPT_COMM,
	OPT_TC,
};

static const struct option long_options[] = {
	{ "hooks", required_argument, NULL, OPT_HOOKS },
	{ "btf", required_argument, NULL, OPT_BTF },
	{ "interval", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "table", no_argument, NULL, OPT_TABLE },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "interface", required_argument, NULL, 'i' },
	{ "tc", required_argument, NULL, OPT_TC },
	{ "numeric", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

static const char *const tier_names[] = {
	[HOOKS_AUTO] = "auto",
	[HOOKS_FENTRY] = "fentry",
	[HOOKS_TRACEPOINT] = "tracepoint",
	[HOOKS_KPROBE] = "kprobe",
};

const char *hook_tier_name(enum hook_tier tier)
{
	return tier_names[tier];
}

static const char *const tc_mode_names[] = {
	[TC_MODE_AUTO] = "auto",
	[TC_MODE_TCX] = "tcx",
	[TC_MODE_NETLINK] = "netlink",
	[TC_MODE_OFF] = "off",
};

const char *tc_mode_name(enum tc_mode mode)
{
	return tc_mode_names[mode];
}

void cli_print_usage(FILE *out)
{
	fputs("Usage: nethound [COMMAND] [OPTIONS]\n"
	      "\n"
	      "Per-process network bandwidth, counted in the kernel with eBPF.\n"
	      "\n"
	      "Commands:\n"
	      "  (none)               the live view on a terminal (H lists its keys); otherwise,\n"
	      "                       or with --table/--json, a snapshot every interval until Ctrl-C\n"
	      "  dump                 sample for one interval and print a snapshot\n"
	      "  help                 show this help\n"
	      "\n"
	      "Options:\n"
	      "  -d, --interval SECS  sampling interval, 0.1 to 3600 (default 1)\n"
	      "      --count N        dump: print N snapshots, one per interval (JSON lines)\n"
	      "      --json           dump: JSON output (default when stdout is not a terminal)\n"
	      "      --table          dump: table output (default on a terminal)\n"
	      "      --pid PID        only this process (repeatable)\n"
	      "      --comm NAME      only processes with this name (repeatable)\n"
	      "  -i, --interface IF   count wire bytes on IF only (repeatable; default: every\n"
	      "                       interface that is up, and those that come up later)\n"
	      "      --tc MODE        attach the wire classifier with auto, tcx, netlink or off\n"
	      "  -n, --numeric        show addresses; never look up host names\n"
	      "      --hooks TIER     auto, fentry, tracepoint or kprobe (default auto)\n"
	      "      --btf FILE       kernel BTF to use instead of /sys/kernel/btf/vmlinux\n"
	      "  -v, --verbose        show libbpf's messages\n"
	      "  -V, --version        print the version\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "Exit codes: 0 ok, 1 runtime failure, 2 bad usage, 3 missing privileges,\n"
	      "4 kernel lacks BTF, a usable hook tier or TC support.\n",
	      out);
}

__attribute__((format(printf, 3, 4))) static int usage_error(char *err, size_t errlen,
							     const char *fmt, ...)
{
	va_list ap;
	size_t n;

	n = (size_t)snprintf(err, errlen, "nethound: ");
	va_start(ap, fmt);
	if (n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return NH_EXIT_USAGE;
}

static int parse_interval(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < INTERVAL_MIN || v > INTERVAL_MAX)
		return -1;
	*out = v;
	return 0;
}

static int parse_u64(const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*arg == '-' || *arg == '+' || *arg == '\0')
		return -1;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The index of arg in a table of names, or -1: how --hooks and --tc values parse. */
static int name_index(const char *const *names, size_t n, const char *arg)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return (int)i;
	return -1;
}

static int parse_hooks(const char *arg, enum hook_tier *out)
{
	int i = name_index(tier_names, sizeof(tier_names) / sizeof(tier_names[0]), arg);

	if (i >= 0)
		*out = (enum hook_tier)i;
	return i < 0 ? -1 : 0;
}

static int parse_tc_mode(const char *arg, enum tc_mode *out)
{
	int i = name_index(tc_mode_names, sizeof(tc_mode_names) / sizeof(tc_mode_names[0]), arg);

	if (i >= 0)
		*out = (enum tc_mode)i;
	return i < 0 ? -1 : 0;
}

static int parse_command(const char *word, enum command *out)
{
	if (strcmp(word, "dump") == 0)
		*out = CMD_DUMP;
	else if (strcmp(word, "help") == 0)
		*out = CMD_HELP;
	else
		return -1;
	return 0;
}

/*
 * The option a getopt error is about. Inside a group of short options
 * ("-xv") glibc has not moved optind past the word, so name the letter.
 */
static const char *option_word(char **args, int ind, int opt, char *buf)
{
	const char *word = args[ind - 1];

	if (opt > 0 && opt < 256 && strncmp(word, "--", 2) != 0) {
		buf[0] = '-';
		buf[1] = (char)opt;
		buf[2] = '\0';
		return buf;
	}
	return word;
}

int cli_parse(int argc, char **argv, struct options *opts, char *err, size_t errlen)
{
	char **args, shortopt[3];
	uint64_t v;
	int c, rc = 0;

	memset(opts, 0, sizeof(*opts));
	opts->interval = 1.0;
	if (errlen)
		err[0] = '\0';

	/* getopt_long permutes argv; work on a copy so the caller's stays intact. */
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return usage_error(err, errlen, "out of memory");
	memcpy(args, argv, (size_t)argc * sizeof(*args));

	optind = 0; /* glibc: full re-initialisation, so parsing can run more than once */
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, args, ":d:i:nvhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_interval(optarg, &opts->interval))
				rc = usage_error(err, errlen,
						 "--interval: '%s' is not a number of seconds from %.1f to %.0f",
						 optarg, INTERVAL_MIN, INTERVAL_MAX);
			break;
		case OPT_HOOKS:
			if (parse_hooks(optarg, &opts->hooks))
				rc = usage_error(err, errlen,
						 "--hooks: unknown tier '%s'; use auto, fentry, tracepoint or kprobe",
						 optarg);
			break;
		case OPT_BTF:
			opts->btf_path = optarg;
			break;
		case OPT_JSON:
			opts->format = OUTPUT_JSON;
			break;
		case OPT_TABLE:
			opts->format = OUTPUT_TABLE;
			break;
		case OPT_COUNT:
			if (parse_u64(optarg, 1, UINT32_MAX, &opts->count))
				rc = usage_error(err, errlen,
						 "--count: '%s' is not a whole number from 1 to %u", optarg,
						 UINT32_MAX);
			opts->count_set = true;
			break;
		case OPT_PID:
			if (parse_u64(optarg, 1, 4194304, &v))
				rc = usage_error(err, errlen, "--pid: '%s' is not a process id", optarg);
			else if (opts->npids == CLI_MAX_FILTERS)
				rc = usage_error(err, errlen, "--pid: at most %d may be given",
						 CLI_MAX_FILTERS);
			else
				opts->pids[opts->npids++] = (uint32_t)v;
			break;
		case OPT_COMM:
			if (strlen(optarg) == 0 || strlen(optarg) > 15)
				rc = usage_error(err, errlen,
						 "--comm: '%s' is not a process name (1 to 15 bytes)",
						 optarg);
			else if (opts->ncomms == CLI_MAX_FILTERS)
				rc = usage_error(err, errlen, "--comm: at most %d may be given",
						 CLI_MAX_FILTERS);
			else
				opts->comms[opts->ncomms++] = optarg;
			break;
		case 'i':
			if (strlen(optarg) == 0 || strlen(optarg) >= IFNAMSIZ || strchr(optarg, '/'))
				rc = usage_error(err, errlen,
						 "--interface: '%s' is not an interface name (1 to %d bytes)",
						 optarg, IFNAMSIZ - 1);
			else if (opts->nifaces == CLI_MAX_FILTERS)
				rc = usage_error(err, errlen, "--interface: at most %d may be given",
						 CLI_MAX_FILTERS);
			else
				opts->ifaces[opts->nifaces++] = optarg;
			break;
		case OPT_TC:
			if (parse_tc_mode(optarg, &opts->tc))
				rc = usage_error(err, errlen,
						 "--tc: unknown mode '%s'; use auto, tcx, netlink or off",
						 optarg);
			break;
		case 'n':
			opts->no_rdns = true;
			break;
		case 'v':
			opts->verbose = true;
			break;
		case 'h':
			opts->command = CMD_HELP;
			break;
		case 'V':
			opts->command = CMD_VERSION;
			break;
		case ':':
			rc = usage_error(err, errlen, "option '%s' needs a value; see 'nethound --help'",
					 option_word(args, optind, optopt, shortopt));
			break;
		default:
			rc = usage_error(err, errlen, "unknown option '%s'; see 'nethound --help'",
					 option_word(args, optind, optopt, shortopt));
			break;
		}
	}

	if (rc == 0 && optind < argc && opts->command != CMD_HELP && opts->command != CMD_VERSION) {
		if (parse_command(args[optind], &opts->command))
			rc = usage_error(err, errlen, "unknown command '%s'; see 'nethound --help'",
					 args[optind]);
		else if (optind + 1 < argc)
			rc = usage_error(err, errlen, "unexpected argument '%s'; see 'nethound --help'",
					 args[optind + 1]);
	}
	if (rc == 0 && opts->nifaces && opts->tc == TC_MODE_OFF)
		rc = usage_error(err, errlen, "--interface needs the wire classifier; drop --tc off");
	if (rc == 0 && opts->count_set && opts->command != CMD_DUMP)
		rc = usage_error(err, errlen, "--count only applies to 'nethound dump'");

	free(args);
	return rc;
}
