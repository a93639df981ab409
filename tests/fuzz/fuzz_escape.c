// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Escaping of arbitrary bytes (process names are not UTF-8 by contract):
 * json_bytes() must give a valid JSON document with no raw control, C1 or
 * bidi character; text_printable() text a terminal shows inert, never longer
 * than promised, never cut inside a character.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/text.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_json(const char *s, size_t len)
{
	struct json_writer *w = malloc(sizeof(*w));
	char *buf = NULL;
	size_t buflen = 0;
	const char *why;
	FILE *out = open_memstream(&buf, &buflen);

	if (!w || !out)
		abort();
	json_init(w, out);
	json_object_begin(w);
	json_key(w, "comm");
	json_bytes(w, s, len);
	json_key(w, "or_null");
	json_bytes_or_null(w, s, len);
	json_key(w, "list");
	json_array_begin(w);
	json_bytes(w, s, len / 2);
	json_bytes(w, s + len / 2, len - len / 2);
	json_array_end(w);
	json_object_end(w);
	fputc('\n', out);
	fclose(out);
	why = fuzz_check_json_lines(buf, buflen);
	if (why)
		fuzz_fail("json_bytes", why, buf, buflen);
	free(buf);
	free(w);
}

static void check_printable(const char *s, size_t len, size_t dstlen)
{
	char *dst = malloc(dstlen ? dstlen : 1);
	size_t copied, outlen;
	const char *why;

	if (!dst)
		abort();
	copied = text_printable(dst, dstlen, s, len);
	if (copied > len)
		fuzz_fail("text_printable", "copied more than the input", s, len);
	if (!dstlen) {
		free(dst);
		return;
	}
	outlen = strnlen(dst, dstlen);
	if (outlen == dstlen)
		fuzz_fail("text_printable", "output not terminated", dst, dstlen);
	if (dstlen > len && copied != len)
		fuzz_fail("text_printable", "a big enough buffer did not take all", dst, outlen);
	why = fuzz_check_terminal_safe(dst, outlen, "", true);
	if (why)
		fuzz_fail("text_printable", why, dst, outlen);
	free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the length. */
	char *s = malloc(size ? size : 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	check_json(s, size);
	check_printable(s, size, size + 1);
	check_printable(s, size, size / 2);
	check_printable(s, size, 1);
	check_printable(s, size, 0);
	free(s);
	return 0;
}
