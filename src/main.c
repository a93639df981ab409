// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>

#include "cli.h"
#include "dump.h"
#include "exitcodes.h"
#include "top.h"

int main(int argc, char **argv)
{
	struct options opts;
	char err[512];
	int rc;

	rc = cli_parse(argc, argv, &opts, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	switch (opts.command) {
	case CMD_HELP:
		cli_print_usage(stdout);
		return NH_EXIT_OK;
	case CMD_VERSION:
		printf("nethound %s\n", NETHOUND_VERSION);
		return NH_EXIT_OK;
	case CMD_TOP:
		if (top_wanted(&opts))
			return top_run(&opts);
		return dump_run(&opts);
	case CMD_DUMP:
		return dump_run(&opts);
	}
	return NH_EXIT_FAILURE;
}
