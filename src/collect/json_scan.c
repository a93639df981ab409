// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "collect/json_scan.h"

/* Nesting deeper than this is malformed for our purposes (and bounds the recursion). */
#define MAX_DEPTH 64

static void skip_ws(struct json_span *c)
{
	while (c->len && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r')) {
		c->s++;
		c->len--;
	}
}

static bool take(struct json_span *c, char ch)
{
	skip_ws(c);
	if (!c->len || *c->s != ch)
		return false;
	c->s++;
	c->len--;
	return true;
}

static bool skip_string(struct json_span *c)
{
	if (!c->len || *c->s != '"')
		return false;
	for (size_t i = 1; i < c->len; i++) {
		if (c->s[i] == '\\') {
			i++;
		} else if (c->s[i] == '"') {
			c->s += i + 1;
			c->len -= i + 1;
			return true;
		}
	}
	return false;
}

static bool skip_value(struct json_span *c, int depth)
{
	skip_ws(c);
	if (!c->len || depth > MAX_DEPTH)
		return false;
	if (*c->s == '"')
		return skip_string(c);
	if (*c->s == '{' || *c->s == '[') {
		char close = *c->s == '{' ? '}' : ']';
		bool object = close == '}';

		c->s++;
		c->len--;
		if (take(c, close))
			return true;
		for (;;) {
			if (object && (skip_ws(c), !skip_string(c) || !take(c, ':')))
				return false;
			if (!skip_value(c, depth + 1))
				return false;
			if (take(c, close))
				return true;
			if (!take(c, ','))
				return false;
		}
	}
	/* numbers, true, false, null */
	while (c->len && *c->s != ',' && *c->s != '}' && *c->s != ']' && *c->s != ' ' &&
	       *c->s != '\n' && *c->s != '\r' && *c->s != '\t') {
		c->s++;
		c->len--;
	}
	return true;
}

static bool key_is(struct json_span key, const char *want)
{
	size_t n = strlen(want);

	/* Keys we look for have no escapes; an escaped key never matches. */
	return key.len == n + 2 && memcmp(key.s + 1, want, n) == 0;
}

static bool find_member(struct json_span obj, const char *key, struct json_span *value)
{
	struct json_span c = obj;

	if (!take(&c, '{'))
		return false;
	if (take(&c, '}'))
		return false;
	for (;;) {
		struct json_span k, v;

		skip_ws(&c);
		k = c;
		if (!skip_string(&c))
			return false;
		k.len = (size_t)(c.s - k.s);
		if (!take(&c, ':'))
			return false;
		skip_ws(&c);
		v = c;
		if (!skip_value(&c, 1))
			return false;
		v.len = (size_t)(c.s - v.s);
		if (key_is(k, key)) {
			*value = v;
			return true;
		}
		if (!take(&c, ','))
			return false;
	}
}

bool json_scan_find(struct json_span doc, const char *const *keys, size_t nkeys,
		    struct json_span *value)
{
	struct json_span v = doc;

	for (size_t i = 0; i < nkeys; i++)
		if (!find_member(v, keys[i], &v))
			return false;
	*value = v;
	return true;
}

bool json_scan_next(struct json_span *cursor, struct json_span *elem)
{
	struct json_span c = *cursor;

	skip_ws(&c);
	if (c.len && *c.s == '[') {
		c.s++;
		c.len--;
	} else if (!take(&c, ',')) {
		return false;
	}
	skip_ws(&c);
	if (c.len && *c.s == ']')
		return false;
	*elem = c;
	if (!skip_value(&c, 1))
		return false;
	elem->len = (size_t)(c.s - elem->s);
	*cursor = c;
	return true;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = s[i];
		int d = ch >= '0' && ch <= '9'	 ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
						 : -1;

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t put_utf8(char *buf, unsigned cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

bool json_scan_string(struct json_span value, char *out, size_t outlen)
{
	size_t o = 0, i = 1;
	const char *s = value.s;

	if (!outlen || value.len < 2 || s[0] != '"' || s[value.len - 1] != '"')
		return false;
	while (i < value.len - 1) {
		char buf[8];
		size_t n = 1;

		if (s[i] != '\\') {
			buf[0] = s[i++];
		} else if (i + 1 < value.len - 1) {
			char e = s[i + 1];

			i += 2;
			switch (e) {
			case 'b':
				buf[0] = '\b';
				break;
			case 'f':
				buf[0] = '\f';
				break;
			case 'n':
				buf[0] = '\n';
				break;
			case 'r':
				buf[0] = '\r';
				break;
			case 't':
				buf[0] = '\t';
				break;
			case 'u': {
				int cp = i + 4 <= value.len - 1 ? hex4(s + i) : -1;

				if (cp < 0)
					return false;
				i += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= value.len - 1 &&
				    s[i] == '\\' && s[i + 1] == 'u') {
					int lo = hex4(s + i + 2);

					if (lo >= 0xdc00 && lo < 0xe000) {
						cp =
						    0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
						i += 6;
					}
				}
				if (cp == 0 || (cp >= 0xd800 && cp < 0xe000))
					cp = 0xfffd;
				n = put_utf8(buf, (unsigned)cp);
				break;
			}
			default:
				buf[0] = e;
				break;
			}
		} else {
			return false;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, buf, n);
		o += n;
	}
	out[o] = '\0';
	return true;
}
