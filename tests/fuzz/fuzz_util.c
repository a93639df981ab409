// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Shared by the fuzz targets. The JSON validator is written from RFC 8259's
 * grammar and shares nothing with src/core/json.c, so one cannot hide the
 * other's mistake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

uint8_t fuzz_u8(struct fuzz_input *in)
{
	if (!in->len)
		return 0;
	in->len--;
	return *in->data++;
}

uint32_t fuzz_u32(struct fuzz_input *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | fuzz_u8(in);
	return v;
}

uint64_t fuzz_u64(struct fuzz_input *in)
{
	uint64_t hi = fuzz_u32(in); /* the operands of | are unsequenced */

	return hi << 32 | fuzz_u32(in);
}

char *fuzz_string(struct fuzz_input *in, size_t max)
{
	size_t n = 0;
	char *s;

	while (n < in->len && n < max && in->data[n])
		n++;
	s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, in->data, n);
	s[n] = '\0';
	in->data += n;
	in->len -= n;
	if (in->len && n < max) { /* the terminating NUL */
		in->data++;
		in->len--;
	}
	return s;
}

void fuzz_fail(const char *what, const char *why, const char *out, size_t len)
{
	fprintf(stderr, "%s: %s\noutput (%zu bytes):\n", what, why, len);
	fwrite(out, 1, len, stderr);
	fputc('\n', stderr);
	abort();
}

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7), 0 if none. */
static size_t utf8_length(const unsigned char *s, size_t avail)
{
	static const struct {
		unsigned char lo, hi, second_lo, second_hi;
		size_t len;
	} rows[] = {
	    {0xc2, 0xdf, 0x80, 0xbf, 2}, {0xe0, 0xe0, 0xa0, 0xbf, 3}, {0xe1, 0xec, 0x80, 0xbf, 3},
	    {0xed, 0xed, 0x80, 0x9f, 3}, {0xee, 0xef, 0x80, 0xbf, 3}, {0xf0, 0xf0, 0x90, 0xbf, 4},
	    {0xf1, 0xf3, 0x80, 0xbf, 4}, {0xf4, 0xf4, 0x80, 0x8f, 4},
	};

	if (!avail)
		return 0;
	if (s[0] < 0x80)
		return 1;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		if (s[0] < rows[r].lo || s[0] > rows[r].hi)
			continue;
		if (avail < rows[r].len || s[1] < rows[r].second_lo || s[1] > rows[r].second_hi)
			return 0;
		for (size_t i = 2; i < rows[r].len; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return rows[r].len;
	}
	return 0;
}

static uint32_t utf8_decode(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t cp = s[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/* What a terminal acts on instead of showing. */
static bool code_point_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

const char *fuzz_check_terminal_safe(const char *str, size_t len, const char *allowed, bool utf8)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_length(s + i, len - i);
		if (!n) {
			if (utf8)
				return "not well-formed UTF-8";
			n = 1;
			continue;
		}
		if (n == 1 && s[i] < 0x20 && s[i] && strchr(allowed, s[i]))
			continue;
		if (code_point_unsafe(utf8_decode(s + i, n)))
			return "a control or bidi character";
	}
	return NULL;
}

struct json_parser {
	const unsigned char *s;
	size_t len, pos;
	const char *why;
};

#define JSON_CHECK_DEPTH 64

static bool json_fail(struct json_parser *p, const char *why)
{
	if (!p->why)
		p->why = why;
	return false;
}

static void json_space(struct json_parser *p)
{
	while (p->pos < p->len && strchr(" \t\r", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

static bool json_literal(struct json_parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return json_fail(p, "bad literal");
	p->pos += n;
	return true;
}

static int hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool json_string(struct json_parser *p)
{
	p->pos++; /* the opening quote */
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];
		size_t n;

		if (c == '"') {
			p->pos++;
			return true;
		}
		if (c == '\\') {
			if (p->pos + 1 >= p->len)
				return json_fail(p, "escape at the end");
			c = p->s[p->pos + 1];
			if (c == 'u') {
				if (p->len - p->pos < 6)
					return json_fail(p, "short \\u escape");
				for (int i = 2; i < 6; i++)
					if (hex(p->s[p->pos + i]) < 0)
						return json_fail(p, "bad \\u escape");
				p->pos += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", c) || !c)
				return json_fail(p, "bad escape");
			p->pos += 2;
			continue;
		}
		if (c < 0x20)
			return json_fail(p, "raw control byte in a string");
		n = utf8_length(p->s + p->pos, p->len - p->pos);
		if (!n)
			return json_fail(p, "string not well-formed UTF-8");
		if (code_point_unsafe(utf8_decode(p->s + p->pos, n)))
			return json_fail(p, "raw C1 control or bidi character in a string");
		p->pos += n;
	}
	return json_fail(p, "unterminated string");
}

static bool json_digits(struct json_parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos > start || json_fail(p, "digit expected");
}

static bool json_number(struct json_parser *p)
{
	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (!json_digits(p))
		return false;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!json_digits(p))
			return false;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!json_digits(p))
			return false;
	}
	return true;
}

static bool json_value(struct json_parser *p, int depth);

static bool json_container(struct json_parser *p, int depth, char close, bool object)
{
	p->pos++;
	json_space(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		if (object) {
			json_space(p);
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return json_fail(p, "key expected");
			if (!json_string(p))
				return false;
			json_space(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return json_fail(p, "':' expected");
			p->pos++;
		}
		if (!json_value(p, depth + 1))
			return false;
		json_space(p);
		if (p->pos >= p->len)
			return json_fail(p, "unterminated object or array");
		if (p->s[p->pos] == close) {
			p->pos++;
			return true;
		}
		if (p->s[p->pos] != ',')
			return json_fail(p, "',' expected");
		p->pos++;
	}
}

static bool json_value(struct json_parser *p, int depth)
{
	if (depth > JSON_CHECK_DEPTH)
		return json_fail(p, "nested too deep");
	json_space(p);
	if (p->pos >= p->len)
		return json_fail(p, "value expected");
	switch (p->s[p->pos]) {
	case '{':
		return json_container(p, depth, '}', true);
	case '[':
		return json_container(p, depth, ']', false);
	case '"':
		return json_string(p);
	case 't':
		return json_literal(p, "true");
	case 'f':
		return json_literal(p, "false");
	case 'n':
		return json_literal(p, "null");
	default:
		if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
			return json_number(p);
		return json_fail(p, "unexpected character");
	}
}

const char *fuzz_check_json_lines(const char *s, size_t len)
{
	struct json_parser p = {.s = (const unsigned char *)s, .len = len};

	while (p.pos < p.len) {
		if (!json_value(&p, 0))
			return p.why;
		json_space(&p);
		if (p.pos >= p.len || p.s[p.pos] != '\n')
			return "a newline expected after a document";
		p.pos++;
	}
	return NULL;
}
