// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file: any bytes as /etc/nethound.conf give 0 or
 * NH_EXIT_CONFIG with a one-line message, and leave the options unchanged
 * on error. config_load() reads a path, so the input goes to a private file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/exitcodes.h"
#include "fuzz_util.h"
#include "settings/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options opts, before;
	char err[512];
	FILE *f;
	int rc;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/nethound-fuzz-config.%d", (int)getpid());
		atexit(remove_file);
	}
	f = fopen(path, "we");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	settings_defaults(&opts);
	before = opts;
	rc = config_load(path, true, &opts, err, sizeof(err));
	if (rc != 0 && rc != NH_EXIT_CONFIG)
		abort();
	if (rc && (memcmp(&opts, &before, sizeof(opts)) || !err[0] || strchr(err, '\n')))
		abort();
	config_release();
	return 0;
}
