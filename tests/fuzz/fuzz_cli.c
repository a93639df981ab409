// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The command line: the input split at NUL bytes is argv. Any argv gives 0
 * or NH_EXIT_USAGE with a one-line message, and argv itself is not changed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/exitcodes.h"
#include "fuzz_util.h"
#include "settings/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	char *argv[FUZZ_ARGS_MAX + 1], *copy[FUZZ_ARGS_MAX + 1];
	struct options opts;
	char err[512];
	int argc = 1, rc;

	argv[0] = strdup("nethound");
	while (in.len && argc < FUZZ_ARGS_MAX)
		argv[argc++] = fuzz_string(&in, 1024);
	argv[argc] = NULL;
	memcpy(copy, argv, sizeof(argv));
	rc = cli_parse(argc, argv, &opts, err, sizeof(err));
	if (rc != 0 && rc != NH_EXIT_USAGE)
		abort();
	if (rc && (!err[0] || strchr(err, '\n')))
		abort();
	if (memcmp(copy, argv, sizeof(argv)))
		abort();
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
