// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <time.h>

#include "settings/cli.h"
#include "settings/config.h"
#include "cmd/dump.h"
#include "core/exitcodes.h"
#include "cmd/record.h"
#include "report/report.h"
#include "cmd/top.h"

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

static int run(const struct options *opts)
{
	char err[1024];
	int rc;

	switch (opts->command) {
	case CMD_HELP:
		cli_print_usage(stdout);
		return NH_EXIT_OK;
	case CMD_VERSION:
		printf("nethound %s\n", NETHOUND_VERSION);
		return NH_EXIT_OK;
	case CMD_TOP:
		if (top_wanted(opts))
			return top_run(opts);
		return dump_run(opts);
	case CMD_DUMP:
		return dump_run(opts);
	case CMD_RECORD:
		return record_run(opts);
	case CMD_REPORT:
		rc = report_run(opts, time(NULL), stdout, err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s\n", err);
		return rc;
	}
	return NH_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct options opts;
	char err[1024];
	int rc;

	rc = load_settings(argc, argv, &opts, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	else
		rc = run(&opts);
	config_release();
	return rc;
}
