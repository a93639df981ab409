// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* text.c: what a terminal may be shown of names and values from outside. */
#include <string.h>

#include "check.h"
#include "core/text.h"

/* src (NUL-terminated, or len given) made printable equals want, and all of src was taken. */
#define CHECK_PRINTABLE(src, want)                                                                 \
	do {                                                                                       \
		char out_[128];                                                                    \
		CHECK_UINT(text_printable(out_, sizeof(out_), (src), strlen(src)), strlen(src));   \
		CHECK_STR(out_, (want));                                                           \
	} while (0)

static void test_passes_through(void)
{
	CHECK_PRINTABLE("", "");
	CHECK_PRINTABLE("curl", "curl");
	CHECK_PRINTABLE("a b~!", "a b~!");
	CHECK_PRINTABLE("caf\xc3\xa9", "caf\xc3\xa9");               /* Latin-1 letters as UTF-8 */
	CHECK_PRINTABLE("\xc2\xa0\xc3\xbf", "\xc2\xa0\xc3\xbf");     /* U+00A0, U+00FF: after C1 */
	CHECK_PRINTABLE("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
	CHECK_PRINTABLE("\xf0\x9f\x98\x80x", "\xf0\x9f\x98\x80x");    /* U+1F600, an emoji */
	CHECK_PRINTABLE("\xe2\x80\x8f", "\xe2\x80\x8f");             /* U+200F is not an override */
	CHECK_PRINTABLE("\xe2\x80\xaf\xe2\x81\xa5", "\xe2\x80\xaf\xe2\x81\xa5"); /* U+202F, U+2065 */
}

static void test_controls(void)
{
	/* An escape sequence loses its ESC and cannot drive the terminal. */
	CHECK_PRINTABLE("a\x1b[31mred", "a?[31mred");
	CHECK_PRINTABLE("\x1b]0;title\x07", "?]0;title?");
	CHECK_PRINTABLE("\t\n\r", "???");
	CHECK_PRINTABLE("x\x7fy", "x?y");
	/* 8-bit CSI as a raw byte (not UTF-8), and as the code point U+009B. */
	CHECK_PRINTABLE("\x9b" "31m", "?31m");
	CHECK_PRINTABLE("\xc2\x9b" "31m", "?31m");
	CHECK_PRINTABLE("\xc2\x80\xc2\x9f", "??"); /* one '?' per code point, not per byte */
	/* A NUL inside the length counts as a control. */
	{
		char out[8];

		CHECK_UINT(text_printable(out, sizeof(out), "a\0b", 3), 3);
		CHECK_STR(out, "a?b");
	}
}

static void test_bidi(void)
{
	CHECK_PRINTABLE("\xe2\x80\xaexe.txt", "?xe.txt"); /* U+202E RIGHT-TO-LEFT OVERRIDE */
	CHECK_PRINTABLE("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "????");
	CHECK_PRINTABLE("\xe2\x81\xa6" "a" "\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "?a???");
}

static void test_invalid_utf8(void)
{
	CHECK_PRINTABLE("\xff", "?");
	CHECK_PRINTABLE("\xe9t\xe9", "?t?"); /* Latin-1 bytes, not UTF-8 */
	CHECK_PRINTABLE("\xc0\xaf", "??");   /* overlong '/' */
	CHECK_PRINTABLE("\xed\xa0\x80", "???"); /* a UTF-16 surrogate */
	CHECK_PRINTABLE("\xf4\x90\x80\x80", "????"); /* past U+10FFFF */
	/* Truncated sequences, as a 15-byte comm cut by the kernel leaves them. */
	CHECK_PRINTABLE("ab\xe2\x82", "ab??");
	CHECK_PRINTABLE("ab\xf0\x9f\x98", "ab???");
	CHECK_PRINTABLE("\xe2\x82x", "??x");
	CHECK_PRINTABLE("\x80\x80", "??");
}

/* A small buffer: always terminated, never a cut character; the return says how far it got. */
static void test_small_buffer(void)
{
	char out[8];

	memset(out, 'X', sizeof(out));
	CHECK_UINT(text_printable(out, 5, "abcdef", 6), 4);
	CHECK_STR(out, "abcd");
	CHECK_UINT(text_printable(out, 5, "ab\xe2\x82\xac", 5), 2);
	CHECK_STR(out, "ab");
	CHECK_UINT(text_printable(out, 6, "ab\xe2\x82\xac", 5), 5);
	CHECK_STR(out, "ab\xe2\x82\xac");
	CHECK_UINT(text_printable(out, 1, "ab", 2), 0);
	CHECK_STR(out, "");
	out[0] = 'X';
	CHECK_UINT(text_printable(out, 0, "ab", 2), 0);
	CHECK(out[0] == 'X');
}

static void test_utf8_sequence_length(void)
{
	CHECK_UINT(utf8_sequence_length((const unsigned char *)"a", 1), 1);
	CHECK_UINT(utf8_sequence_length((const unsigned char *)"\xc3\xa9", 2), 2);
	CHECK_UINT(utf8_sequence_length((const unsigned char *)"\xc3\xa9", 1), 0);
	CHECK_UINT(utf8_sequence_length((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	CHECK_UINT(utf8_sequence_length((const unsigned char *)"\xc2\x9b", 2), 2); /* valid, unsafe */
	CHECK_UINT(utf8_sequence_length((const unsigned char *)"\x9b", 1), 0);
}

int main(void)
{
	test_passes_through();
	test_controls();
	test_bidi();
	test_invalid_utf8();
	test_small_buffer();
	test_utf8_sequence_length();
	return check_finish("test_text");
}
