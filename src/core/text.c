// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "core/text.h"

size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	size_t need;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if ((need == 3 && c < 0x800) || (need == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return need;
}

size_t utf8_sequence_length(const unsigned char *s, size_t avail)
{
	uint32_t cp;

	return utf8_decode(s, avail, &cp);
}

/*
 * Code points that make a terminal do something rather than show a glyph:
 * controls, and the bidi controls that reorder what follows them (a name can
 * otherwise make the rest of a line read backwards).
 */
static int is_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t utf8_sequence_unsafe(const unsigned char *s, size_t avail, uint32_t *cp)
{
	size_t n = utf8_decode(s, avail, cp);

	if (n == 0 || !is_unsafe(*cp))
		*cp = UINT32_MAX;
	return n;
}

size_t text_printable(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, n = 0;

	if (!dstlen)
		return 0;
	while (i < srclen) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, srclen - i, &cp);
		int keep = len && !is_unsafe(cp);

		if (!len)
			len = 1; /* a byte that is not UTF-8: one '?' for it alone */
		if (n + (keep ? len : 1) > dstlen - 1)
			break;
		if (keep) {
			for (size_t k = 0; k < len; k++)
				dst[n++] = (char)s[i + k];
		} else {
			dst[n++] = '?';
		}
		i += len;
	}
	dst[n] = '\0';
	return i;
}
