// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --alert-exec word splitting: any command line gives -1 or words that lie
 * inside the buffer, are terminated, and number no more than asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "alerts/alert_exec.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	size_t buflen = fuzz_u8(&in) % 64 + (in.len ? in.len : 1);
	int max = fuzz_u8(&in) % (ALERT_EXEC_MAX_ARGS + 2);
	char *cmdline = fuzz_string(&in, 4096);
	char *buf = malloc(buflen);
	char **words = calloc((size_t)max + 1, sizeof(*words));
	int n;

	if (!buf || !words)
		abort();
	n = alert_exec_split(cmdline, buf, buflen, words, max);
	if (n < -1 || n > max)
		abort();
	for (int i = 0; i < n; i++) {
		if (words[i] < buf || words[i] >= buf + buflen)
			abort();
		if (!memchr(words[i], '\0', (size_t)(buf + buflen - words[i])))
			abort();
	}
	free(words);
	free(buf);
	free(cmdline);
	return 0;
}
