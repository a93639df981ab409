/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Text from outside (process names, interface names, values a user typed) made safe to show. */
#ifndef NETHOUND_TEXT_H
#define NETHOUND_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length of the valid UTF-8 sequence at s (1 to 4), or 0 if it is not valid
 * (overlong forms, UTF-16 surrogates and code points past U+10FFFF are not).
 * JSON and CSV output use the same rule.
 */
size_t utf8_sequence_length(const unsigned char *s, size_t avail);

/* As utf8_sequence_length, with the code point in *cp when the sequence is valid. */
size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);

/*
 * As utf8_sequence_length, and *cp is set to the code point when it is one
 * that a terminal acts on instead of showing (C0, DEL, C1, bidi overrides
 * and isolates; see text_printable), else to UINT32_MAX. Outputs with an
 * escape of their own (JSON's \uXXXX) use it to escape exactly those.
 */
size_t utf8_sequence_unsafe(const unsigned char *s, size_t avail, uint32_t *cp);

/*
 * Copy srclen bytes of src into dst as text a terminal may show: C0 controls
 * (NUL too), DEL, C1 controls (U+0080 to U+009F), bidi overrides and isolates
 * (U+202A to U+202E, U+2066 to U+2069) become one '?' per code point, and
 * each byte that is not part of valid UTF-8 one '?'. Valid printable UTF-8
 * passes through, so dst needs at most srclen + 1 bytes.
 *
 * dst is always terminated (if dstlen > 0) and never ends in a cut character.
 * Returns how many bytes of src were copied: less than srclen only when dst
 * was too small.
 */
size_t text_printable(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
