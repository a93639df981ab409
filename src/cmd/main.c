// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "core/exitcodes.h"
#include "settings/cli.h"
#include "settings/config.h"

#define DEFAULT_CONFIG "/etc/nethound.conf"

/*
 * Settings come from three layers: built-in defaults, the configuration
 * file, then the command line. The first parse only finds the command and
 * --config; the second applies the flags over the file.
 */
static int load_settings(int argc, char **argv, struct options *opts, char *err, size_t errlen)
{
	struct options first;
	int rc;

	rc = cli_parse(argc, argv, &first, err, errlen);
	if (rc || first.command == CMD_HELP || first.command == CMD_VERSION) {
		*opts = first;
		return rc;
	}
	cli_defaults(opts);
	rc = config_load(first.config_path ? first.config_path : DEFAULT_CONFIG,
			 first.config_path != NULL, opts, err, errlen);
	if (rc)
		return rc;
	return cli_apply(argc, argv, opts, err, errlen);
}

static int cmd_help(const struct options *opts)
{
	(void)opts;
	cli_print_usage(stdout);
	return NH_EXIT_OK;
}

static int cmd_version(const struct options *opts)
{
	(void)opts;
	printf("nethound %s\n", NETHOUND_VERSION);
	return NH_EXIT_OK;
}

/* No command: the live view on a terminal, else the refreshing table or JSON lines. */
static int cmd_top(const struct options *opts)
{
	if (opts->format == OUTPUT_AUTO && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return cmd_live(opts);
	return cmd_dump(opts);
}

static int (*const commands[])(const struct options *opts) = {
	[CMD_TOP] = cmd_top,
	[CMD_DUMP] = cmd_dump,
	[CMD_HELP] = cmd_help,
	[CMD_VERSION] = cmd_version,
	[CMD_RECORD] = cmd_record,
	[CMD_REPORT] = cmd_report,
	[CMD_INTERFACES] = cmd_interfaces,
	[CMD_CAPTURE] = cmd_capture,
};

int main(int argc, char **argv)
{
	struct options opts;
	char err[1024];
	int rc;

	rc = load_settings(argc, argv, &opts, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	else
		rc = commands[opts.command](&opts);
	config_release();
	return rc;
}
