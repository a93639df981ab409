// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "settings/cli.h"
#include "core/errmsg.h"
#include "core/exitcodes.h"

enum long_only {
	OPT_HOOKS = 256,
	OPT_BTF,
	OPT_JSON,
	OPT_TABLE,
	OPT_COUNT,
	OPT_PID,
	OPT_COMM,
	OPT_USER,
	OPT_UNIT,
	OPT_CONTAINER,
	OPT_TC,
	OPT_CONFIG,
	OPT_DB,
	OPT_NO_DB,
	OPT_RETENTION,
	OPT_THRESHOLD,
	OPT_TOTAL_THRESHOLD,
	OPT_INTERFACE_THRESHOLD,
	OPT_UNIT_THRESHOLD,
	OPT_CONTAINER_THRESHOLD,
	OPT_DAILY_QUOTA,
	OPT_WINDOW,
	OPT_ALERT_HOLD,
	OPT_ALERT_EXEC,
	OPT_ALERT_EXEC_USER,
	OPT_ALERT_EXEC_TIMEOUT,
	OPT_DATE,
	OPT_FROM,
	OPT_TO,
	OPT_FORMAT,
	OPT_BY,
	OPT_TOP,
	OPT_LISTEN,
	OPT_METRICS_MAX_SERIES,
	OPT_WEB_READ_ONLY,
	OPT_WEB_AUTH,
	OPT_TEXT,
	OPT_SNAPLEN,
	OPT_DURATION,
	OPT_PROTO,
	OPT_PORT,
	OPT_RING_SIZE,
	OPT_CAPTURE_ON_ALERT,
	OPT_CAPTURE_SECONDS,
	OPT_CAPTURE_MAX_BYTES,
	OPT_LAST, /* keep last: sizes the table of flags given */
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
	{ "user", required_argument, NULL, OPT_USER },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "interface", required_argument, NULL, 'i' },
	{ "tc", required_argument, NULL, OPT_TC },
	{ "numeric", no_argument, NULL, 'n' },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "db", required_argument, NULL, OPT_DB },
	{ "no-db", no_argument, NULL, OPT_NO_DB },
	{ "retention", required_argument, NULL, OPT_RETENTION },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "total-threshold", required_argument, NULL, OPT_TOTAL_THRESHOLD },
	{ "interface-threshold", required_argument, NULL, OPT_INTERFACE_THRESHOLD },
	{ "threshold-unit", required_argument, NULL, OPT_UNIT_THRESHOLD },
	{ "threshold-container", required_argument, NULL, OPT_CONTAINER_THRESHOLD },
	{ "daily-quota", required_argument, NULL, OPT_DAILY_QUOTA },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "alert-hold", required_argument, NULL, OPT_ALERT_HOLD },
	{ "alert-exec", required_argument, NULL, OPT_ALERT_EXEC },
	{ "alert-exec-user", required_argument, NULL, OPT_ALERT_EXEC_USER },
	{ "alert-exec-timeout", required_argument, NULL, OPT_ALERT_EXEC_TIMEOUT },
	{ "date", required_argument, NULL, OPT_DATE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "metrics-max-series", required_argument, NULL, OPT_METRICS_MAX_SERIES },
	{ "by", required_argument, NULL, OPT_BY },
	{ "web-read-only", no_argument, NULL, OPT_WEB_READ_ONLY },
	{ "web-auth", required_argument, NULL, OPT_WEB_AUTH },
	{ "write", required_argument, NULL, 'w' },
	{ "text", required_argument, NULL, OPT_TEXT },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
	{ "capture-on-alert", required_argument, NULL, OPT_CAPTURE_ON_ALERT },
	{ "capture-seconds", required_argument, NULL, OPT_CAPTURE_SECONDS },
	{ "capture-max-bytes", required_argument, NULL, OPT_CAPTURE_MAX_BYTES },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

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
	      "  record               log to the history database and raise alerts until\n"
	      "                       SIGINT/SIGTERM (a service)\n"
	      "  report               summarise the history: totals, top processes, protocols,\n"
	      "                       hours, alerts and sessions (no root needed)\n"
	      "  interfaces           list the interfaces nethound can watch: state, addresses\n"
	      "                       and what is attached to their TC hooks (--json)\n"
	      "  capture              write packets to pcapng (-w) or a text log (--text),\n"
	      "                       each with the process that sent or received it\n"
	      "  help                 show this help\n"
	      "\n"
	      "Options:\n"
	      "  -d, --interval SECS  sampling interval, 0.1 to 3600 (default 1)\n"
	      "      --count N        dump: print N snapshots, one per interval (JSON lines);\n"
	      "                       capture: stop after N packets\n"
	      "      --json           dump, interfaces: JSON output (dump: default when stdout\n"
	      "                       is not a terminal)\n"
	      "      --table          dump: table output (default on a terminal)\n"
	      "      --pid PID        only this process (repeatable)\n"
	      "      --comm NAME      only processes with this name (repeatable)\n"
	      "      --user USER      only processes of this user name or uid (repeatable)\n"
	      "      --unit UNIT      only processes of this systemd unit (repeatable)\n"
	      "      --container C    only processes of this container, by name or id\n"
	      "                       (12 or more digits; repeatable)\n"
	      "  -i, --interface IF   count wire bytes on IF only (repeatable; default: every\n"
	      "                       interface that is up, and those that come up later)\n"
	      "      --tc MODE        attach the wire classifier with auto, tcx, netlink or off\n"
	      "  -n, --numeric        show addresses; never look up host names\n"
	      "      --hooks TIER     auto, fentry, tracepoint or kprobe (default auto)\n"
	      "      --btf FILE       kernel BTF to use instead of /sys/kernel/btf/vmlinux\n"
	      "  -v, --verbose        show libbpf's messages\n"
	      "\n"
	      "History and alerts (record and the live view):\n"
	      "      --config FILE    settings file (default /etc/nethound.conf if it exists);\n"
	      "                       flags override it\n"
	      "      --db FILE        history database (default " "/var/lib/nethound/nethound.db)\n"
	      "      --no-db          live view: log nothing\n"
	      "      --retention DAYS keep per-second rows this long, 0 for good (default 30);\n"
	      "                       hourly and daily rollups are kept for good\n"
	      "      --threshold RATE alert when a process sends or receives faster (default\n"
	      "                       1024K; units K, M, G per second, or 100Mbit/s; off)\n"
	      "      --total-threshold RATE      ... all processes together (default off)\n"
	      "      --interface-threshold RATE  ... any one interface (default off)\n"
	      "      --threshold-unit RATE       ... all processes of one systemd unit (off)\n"
	      "      --threshold-container RATE  ... all processes of one container (off)\n"
	      "      --daily-quota SIZE          ... a process name moves more today (off)\n"
	      "      --window SECS    rates over a sliding window, for alerts, the live view's\n"
	      "                       w key and JSON *_rate_window fields (default 1)\n"
	      "      --alert-hold SECS  an alert clears after this long under (default 10)\n"
	      "      --alert-exec CMD run CMD (no shell) for each alert, details in NETHOUND_*\n"
	      "                       environment variables\n"
	      "      --alert-exec-user USER  runs CMD, never root (default nobody)\n"
	      "      --alert-exec-timeout SECS  CMD is killed with its process group after\n"
	      "                       this long (default 10)\n"
	      "      --capture-on-alert DIR  record: when a process alert is raised, capture\n"
	      "                       its packets into DIR/<time>-<name>-<pid>.pcapng\n"
	      "      --capture-seconds SECS   ... for this long (default 10)\n"
	      "      --capture-max-bytes SIZE ... each file at most this big (default 10M)\n"
	      "\n"
	      "Metrics (record and the live view):\n"
	      "      --listen ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	      "                       and the web dashboard at http://ADDR:PORT/;\n"
	      "                       a port alone listens on 127.0.0.1, an address alone on\n"
	      "                       port 9077; [::1]:PORT for IPv6 (default off)\n"
	      "      --web-read-only  the dashboard has no controls (start, stop, reset, threshold)\n"
	      "      --web-auth FILE  the dashboard asks for the user and password whose hash\n"
	      "                       FILE holds (one line USER:HASH, openssl passwd -6)\n"
	      "      --metrics-max-series N  process (and interface) series kept, the rest\n"
	      "                       summed in one 'other' series (default 1000)\n"
	      "\n"
	      "Capture (--pid, --comm, --user and -i choose too; filtered in the kernel):\n"
	      "  -w, --write FILE     pcapng file, - for stdout\n"
	      "      --text FILE      the packet log: one line per packet, - for stdout\n"
	      "                       (-w FILE --format text writes only the log, to FILE)\n"
	      "      --proto P        only tcp, udp, icmp, icmpv6, udplite or protocol number P\n"
	      "      --port N         only TCP or UDP packets from or to port N\n"
	      "      --snaplen BYTES  keep at most BYTES of each packet (default and most 131072)\n"
	      "      --duration SECS  stop after SECS seconds (also: --count, SIGINT, SIGTERM)\n"
	      "      --ring-size SIZE the kernel's capture buffer, a power of two from 4K to 1G\n"
	      "                       (default 16M); packets that find it full are counted\n"
	      "\n"
	      "Report:\n"
	      "      --date YYYY-MM-DD          one day (default today, local time)\n"
	      "      --from TIME --to TIME      a range: YYYY-MM-DD or 'YYYY-MM-DD HH:MM'\n"
	      "      --format text|json|csv     (default text)\n"
	      "      --top N          processes listed (default 10)\n"
	      "      --by WHAT        list the top processes, users, units or containers:\n"
	      "                       process (default), user, unit or container\n"
	      "  -V, --version        print the version\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "Exit codes: 0 ok, 1 runtime failure, 2 bad usage, 3 missing privileges,\n"
	      "4 kernel lacks BTF, a usable hook tier or TC support, 5 unusable history\n"
	      "database, 6 bad configuration file.\n",
	      out);
}

#define usage_error(err, errlen, ...) nh_error(err, errlen, NH_EXIT_USAGE, __VA_ARGS__)

/* Flags whose value a setter of settings.c validates and stores. */
static const struct {
	int opt;
	const char *flag;
	settings_setter *set;
} value_flags[] = {
	{ 'd', "--interval", settings_set_interval },
	{ OPT_HOOKS, "--hooks", settings_set_hooks },
	{ OPT_COUNT, "--count", settings_set_count },
	{ OPT_PID, "--pid", settings_add_pid },
	{ OPT_COMM, "--comm", settings_add_comm },
	{ OPT_USER, "--user", settings_add_user },
	{ OPT_UNIT, "--unit", settings_add_unit },
	{ OPT_CONTAINER, "--container", settings_add_container },
	{ OPT_TC, "--tc", settings_set_tc },
	{ OPT_RETENTION, "--retention", settings_set_retention },
	{ OPT_THRESHOLD, "--threshold", settings_set_threshold },
	{ OPT_TOTAL_THRESHOLD, "--total-threshold", settings_set_total_threshold },
	{ OPT_INTERFACE_THRESHOLD, "--interface-threshold", settings_set_interface_threshold },
	{ OPT_UNIT_THRESHOLD, "--threshold-unit", settings_set_unit_threshold },
	{ OPT_CONTAINER_THRESHOLD, "--threshold-container", settings_set_container_threshold },
	{ OPT_DAILY_QUOTA, "--daily-quota", settings_set_daily_quota },
	{ OPT_WINDOW, "--window", settings_set_window },
	{ OPT_ALERT_HOLD, "--alert-hold", settings_set_alert_hold },
	{ OPT_ALERT_EXEC_TIMEOUT, "--alert-exec-timeout", settings_set_alert_exec_timeout },
	{ OPT_FORMAT, "--format", settings_set_report_format },
	{ OPT_TOP, "--top", settings_set_report_top },
	{ OPT_LISTEN, "--listen", settings_set_listen },
	{ OPT_METRICS_MAX_SERIES, "--metrics-max-series", settings_set_metrics_max_series },
	{ OPT_BY, "--by", settings_set_report_by },
	{ OPT_SNAPLEN, "--snaplen", settings_set_snaplen },
	{ OPT_DURATION, "--duration", settings_set_capture_duration },
	{ OPT_PROTO, "--proto", settings_set_capture_proto },
	{ OPT_PORT, "--port", settings_set_capture_port },
	{ OPT_RING_SIZE, "--ring-size", settings_set_ring_size },
	{ OPT_CAPTURE_SECONDS, "--capture-seconds", settings_set_capture_seconds },
	{ OPT_CAPTURE_MAX_BYTES, "--capture-max-bytes", settings_set_capture_max_bytes },
};

/* The value of a flag in value_flags: 1 if opt is not one, else 0 or NH_EXIT_USAGE. */
static int apply_value_flag(int opt, const char *value, struct options *opts, char *err,
			    size_t errlen)
{
	char why[256];

	for (size_t i = 0; i < sizeof(value_flags) / sizeof(value_flags[0]); i++) {
		if (value_flags[i].opt != opt)
			continue;
		if (value_flags[i].set(opts, value, why, sizeof(why)))
			return usage_error(err, errlen, "%s: %s", value_flags[i].flag, why);
		return 0;
	}
	return 1;
}

static int parse_command(const char *word, enum command *out)
{
	if (strcmp(word, "dump") == 0)
		*out = CMD_DUMP;
	else if (strcmp(word, "help") == 0)
		*out = CMD_HELP;
	else if (strcmp(word, "interfaces") == 0)
		*out = CMD_INTERFACES;
	else if (strcmp(word, "record") == 0)
		*out = CMD_RECORD;
	else if (strcmp(word, "report") == 0)
		*out = CMD_REPORT;
	else if (strcmp(word, "capture") == 0)
		*out = CMD_CAPTURE;
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

void cli_defaults(struct options *opts)
{
	settings_defaults(opts);
}

int cli_parse(int argc, char **argv, struct options *opts, char *err, size_t errlen)
{
	cli_defaults(opts);
	return cli_apply(argc, argv, opts, err, errlen);
}

/* Options that make sense only with some commands: a typo'd command line should not pass. */
static int check_command_options(const struct options *o, const bool *given, char *err,
				 size_t errlen)
{
	/* The commands that count (and so judge alerts), and those with a database. */
	const unsigned counting = 1u << CMD_TOP | 1u << CMD_DUMP | 1u << CMD_RECORD;
	const unsigned logging = 1u << CMD_TOP | 1u << CMD_RECORD;
	/* Those that load the programs and choose processes (capture: in the kernel). */
	const unsigned loading = counting | 1u << CMD_CAPTURE;
	const unsigned capture = 1u << CMD_CAPTURE;
	const struct {
		int opt;
		const char *name;
		unsigned commands; /* bit per enum command */
	} only[] = {
		{OPT_DATE, "--date", 1u << CMD_REPORT},
		{OPT_FROM, "--from", 1u << CMD_REPORT},
		{OPT_TO, "--to", 1u << CMD_REPORT},
		{OPT_FORMAT, "--format", 1u << CMD_REPORT | capture},
		{OPT_TOP, "--top", 1u << CMD_REPORT},
		{OPT_BY, "--by", 1u << CMD_REPORT},
		{OPT_NO_DB, "--no-db", 1u << CMD_TOP},
		{OPT_DB, "--db", logging | 1u << CMD_REPORT},
		{OPT_RETENTION, "--retention", logging},
		{OPT_COUNT, "--count", 1u << CMD_DUMP | capture},
		{'w', "--write", capture},
		{OPT_TEXT, "--text", capture},
		{OPT_SNAPLEN, "--snaplen", capture},
		{OPT_DURATION, "--duration", capture},
		{OPT_PROTO, "--proto", capture},
		{OPT_PORT, "--port", capture},
		{OPT_RING_SIZE, "--ring-size", capture | 1u << CMD_RECORD},
		{OPT_CAPTURE_ON_ALERT, "--capture-on-alert", 1u << CMD_RECORD},
		{OPT_CAPTURE_SECONDS, "--capture-seconds", 1u << CMD_RECORD},
		{OPT_CAPTURE_MAX_BYTES, "--capture-max-bytes", 1u << CMD_RECORD},
		{OPT_JSON, "--json", 1u << CMD_TOP | 1u << CMD_DUMP | 1u << CMD_INTERFACES},
		{OPT_TABLE, "--table", 1u << CMD_TOP | 1u << CMD_DUMP},
		{OPT_ALERT_EXEC, "--alert-exec", counting},
		{OPT_ALERT_EXEC_USER, "--alert-exec-user", counting},
		{OPT_ALERT_EXEC_TIMEOUT, "--alert-exec-timeout", counting},
		{OPT_THRESHOLD, "--threshold", counting},
		{OPT_TOTAL_THRESHOLD, "--total-threshold", counting},
		{OPT_INTERFACE_THRESHOLD, "--interface-threshold", counting},
		{OPT_UNIT_THRESHOLD, "--threshold-unit", counting},
		{OPT_CONTAINER_THRESHOLD, "--threshold-container", counting},
		{OPT_DAILY_QUOTA, "--daily-quota", counting},
		{OPT_WINDOW, "--window", counting},
		{OPT_ALERT_HOLD, "--alert-hold", counting},
		{OPT_HOOKS, "--hooks", loading},
		{OPT_BTF, "--btf", loading},
		{OPT_TC, "--tc", loading},
		{OPT_PID, "--pid", loading},
		{OPT_COMM, "--comm", loading},
		{OPT_USER, "--user", loading},
		{OPT_UNIT, "--unit", counting},
		{OPT_CONTAINER, "--container", counting},
		{'d', "--interval", loading},
		{'i', "--interface", loading},
		{'n', "--numeric", loading},
		{OPT_LISTEN, "--listen", logging},
		{OPT_METRICS_MAX_SERIES, "--metrics-max-series", logging},
		{OPT_WEB_READ_ONLY, "--web-read-only", logging},
		{OPT_WEB_AUTH, "--web-auth", logging},
	};

	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
		if (given[only[i].opt] && !(only[i].commands & (1u << o->command)))
			return usage_error(err, errlen, "%s does not apply to this command; see "
					   "'nethound --help'", only[i].name);
	return 0;
}

int cli_apply(int argc, char **argv, struct options *opts, char *err, size_t errlen)
{
	bool given[OPT_LAST] = {false}, ifaces_from_flags = false;
	char **args, shortopt[3], why[256];
	int c, rc = 0;

	if (errlen)
		err[0] = '\0';

	/* getopt_long permutes argv; work on a copy so the caller's stays intact. */
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return usage_error(err, errlen, "out of memory");
	memcpy(args, argv, (size_t)argc * sizeof(*args));

	optind = 0; /* glibc: full re-initialisation, so parsing can run more than once */
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, args, ":d:i:nvhVw:", long_options, NULL)) != -1) {
		if (c >= 0 && c < OPT_LAST)
			given[c] = true;
		rc = apply_value_flag(c, optarg, opts, err, errlen);
		if (rc != 1)
			continue;
		rc = 0;
		switch (c) {
		case OPT_BTF:
			opts->btf_path = optarg;
			break;
		case OPT_JSON:
			opts->format = OUTPUT_JSON;
			break;
		case OPT_TABLE:
			opts->format = OUTPUT_TABLE;
			break;
		case 'i':
			/* -i replaces the configuration file's interfaces. */
			if (!ifaces_from_flags)
				opts->nifaces = 0;
			ifaces_from_flags = true;
			if (settings_add_interface(opts, optarg, why, sizeof(why)))
				rc = usage_error(err, errlen, "--interface: %s", why);
			break;
		case 'n':
			opts->no_rdns = true;
			break;
		case OPT_CONFIG:
			opts->config_path = optarg;
			break;
		case OPT_DB:
			if (!*optarg)
				rc = usage_error(err, errlen, "--db: needs a file name");
			opts->db_path = optarg;
			opts->no_db = false;
			break;
		case OPT_NO_DB:
			opts->no_db = true;
			break;
		case OPT_WEB_READ_ONLY:
			opts->web_read_only = true;
			break;
		case OPT_WEB_AUTH:
			if (!*optarg)
				rc = usage_error(err, errlen, "--web-auth: needs a file name");
			opts->web_auth_path = optarg;
			break;
		case OPT_ALERT_EXEC:
			if (!*optarg)
				rc = usage_error(err, errlen, "--alert-exec: needs a command");
			opts->alert_exec = optarg;
			break;
		case OPT_ALERT_EXEC_USER:
			if (!*optarg)
				rc = usage_error(err, errlen, "--alert-exec-user: needs a user name");
			opts->alert_exec_user = optarg;
			break;
		case 'w':
			if (!*optarg)
				rc = usage_error(err, errlen, "--write: needs a file name, or - for stdout");
			opts->capture_file = optarg;
			break;
		case OPT_TEXT:
			if (!*optarg)
				rc = usage_error(err, errlen, "--text: needs a file name, or - for stdout");
			opts->capture_text = optarg;
			break;
		case OPT_CAPTURE_ON_ALERT:
			if (!*optarg)
				rc = usage_error(err, errlen, "--capture-on-alert: needs a directory");
			opts->capture_on_alert = optarg;
			break;
		case OPT_DATE:
			opts->report_date = optarg;
			break;
		case OPT_FROM:
			opts->report_from = optarg;
			break;
		case OPT_TO:
			opts->report_to = optarg;
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
	if (rc == 0 && opts->count_set && opts->command != CMD_DUMP && opts->command != CMD_CAPTURE)
		rc = usage_error(err, errlen, "--count only applies to 'nethound dump' and 'capture'");
	if (rc == 0)
		rc = check_command_options(opts, given, err, errlen);
	/* capture -w FILE --format text: the file is the packet log, not pcapng. */
	if (rc == 0 && opts->command == CMD_CAPTURE && given[OPT_FORMAT]) {
		if (opts->report_format != REPORT_TEXT || !opts->capture_file || opts->capture_text)
			rc = usage_error(err, errlen, "capture --format: only 'text', with -w FILE "
					 "(or use --text FILE); the default is pcapng");
		opts->capture_text = opts->capture_file;
		opts->capture_file = NULL;
	}
	if (rc == 0 && opts->alerts.window / opts->interval > ALERTS_WINDOW_SAMPLES_MAX)
		rc = usage_error(err, errlen,
				 "--window: %g s is more than %d intervals of %g s; shorten it or "
				 "lengthen --interval",
				 opts->alerts.window, ALERTS_WINDOW_SAMPLES_MAX, opts->interval);

	free(args);
	return rc;
}
