/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the fuzz targets share: a reader that takes typed values off the
 * front of the input (running dry gives zeros, never a read past the end),
 * and the checks every output a terminal may show must pass.
 */
#ifndef NETHOUND_FUZZ_UTIL_H
#define NETHOUND_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_input {
	const uint8_t *data;
	size_t len;
};

uint8_t fuzz_u8(struct fuzz_input *in);
uint32_t fuzz_u32(struct fuzz_input *in);
uint64_t fuzz_u64(struct fuzz_input *in);
/* Up to max bytes, ended by a NUL in the input; a malloc'd C string. */
char *fuzz_string(struct fuzz_input *in, size_t max);

/*
 * s[0..len) is one JSON text per line (RFC 8259, strict: UTF-8, no raw
 * control bytes in strings, depth bounded), and no string in it holds an
 * unescaped C1 control or bidi override/isolate. Returns NULL or why not.
 */
const char *fuzz_check_json_lines(const char *s, size_t len);

/*
 * s has no byte below 0x20 but those in allowed (e.g. "\n"), no DEL, no C1
 * control and no bidi override or isolate, and is well-formed UTF-8 when
 * utf8 is set. Returns NULL or why not.
 */
const char *fuzz_check_terminal_safe(const char *s, size_t len, const char *allowed, bool utf8);

/* Print why, the output and abort: libFuzzer saves the input that did it. */
void fuzz_fail(const char *what, const char *why, const char *out, size_t len)
    __attribute__((noreturn));

#endif
