// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file: any bytes as /etc/nethound.conf give 0 or
 * NH_EXIT_CONFIG with a one-line message, and leave the options unchanged
 * on error. config_load() reads a path, so the input goes to a private file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/exitcodes.h"
#include "fuzz_util.h"
#include "settings/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

static void remove_file(void)
{
	unlink(path);
	rmdir(dir);
}

/* A 0600 file in a 0700 directory of our own, as the owner and mode checks want. */
static void write_file(const uint8_t *data, size_t size)
{
	int fd;

	if (!path[0]) {
		snprintf(dir, sizeof(dir), "/tmp/nethound-fuzz-config.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/nethound.conf", dir);
		atexit(remove_file);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	while (size) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options opts, before;
	char err[512];
	int rc;

	write_file(data, size);
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
