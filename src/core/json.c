// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <inttypes.h>
#include <string.h>

#include "core/json.h"

void json_init(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
	w->len = 0;
}

static void json_flush(struct json_writer *w)
{
	if (w->len)
		fwrite(w->buf, 1, w->len, w->out);
	w->len = 0;
}

/* A complete top-level value goes to the FILE at once. */
static void json_done(struct json_writer *w)
{
	if (w->depth == 0)
		json_flush(w);
}

static void json_put(struct json_writer *w, const char *s, size_t n)
{
	if (w->len + n > sizeof(w->buf)) {
		json_flush(w);
		if (n > sizeof(w->buf)) {
			fwrite(s, 1, n, w->out);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void json_putc(struct json_writer *w, char c)
{
	if (w->len == sizeof(w->buf))
		json_flush(w);
	w->buf[w->len++] = c;
}

/* json_escape into the writer's buffer: runs that need no escape are copied whole. */
static void json_put_escaped(struct json_writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	while (i < len) {
		unsigned char c = s[i];
		char esc[16];
		uint32_t cp;
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		json_put(w, str + run, i - run);
		if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
			json_put(w, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			json_put(w, esc, 6);
			i++;
		} else if ((n = utf8_sequence_unsafe(s + i, len - i, &cp)) == 0) {
			json_put(w, "\\ufffd", 6);
			i++;
		} else if (cp != UINT32_MAX) {
			/* C1 and bidi controls: the same text, but inert on a terminal. */
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			json_put(w, esc, 6);
			i += n;
		} else {
			json_put(w, str + i, n);
			i += n;
		}
		run = i;
	}
	json_put(w, str + run, len - run);
}

/* Comma before every member of an object or array except the first. */
static void json_separate(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		json_putc(w, ',');
	w->first[w->depth] = false;
}

static void json_open(struct json_writer *w, char c)
{
	json_separate(w);
	json_putc(w, c);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void json_close(struct json_writer *w, char c)
{
	json_putc(w, c);
	if (w->depth > 0)
		w->depth--;
	json_done(w);
}

void json_object_begin(struct json_writer *w)
{
	json_open(w, '{');
}

void json_object_end(struct json_writer *w)
{
	json_close(w, '}');
}

void json_array_begin(struct json_writer *w)
{
	json_open(w, '[');
}

void json_array_end(struct json_writer *w)
{
	json_close(w, ']');
}

void json_escape(FILE *out, const char *s, size_t len)
{
	struct json_writer w;

	json_init(&w, out);
	json_put_escaped(&w, s, len);
	json_flush(&w);
}

void json_key(struct json_writer *w, const char *key)
{
	json_separate(w);
	json_putc(w, '"');
	json_put_escaped(w, key, strlen(key));
	json_put(w, "\":", 2);
	w->after_key = true;
}

void json_bytes(struct json_writer *w, const char *s, size_t len)
{
	json_separate(w);
	json_putc(w, '"');
	json_put_escaped(w, s, len);
	json_putc(w, '"');
	json_done(w);
}

void json_string(struct json_writer *w, const char *s)
{
	json_bytes(w, s, strlen(s));
}

void json_bytes_or_null(struct json_writer *w, const char *s, size_t len)
{
	if (s && len)
		json_bytes(w, s, len);
	else
		json_null(w);
}

void json_string_or_null(struct json_writer *w, const char *s)
{
	json_bytes_or_null(w, s, s ? strlen(s) : 0);
}

/* Digits of v, last first: printf's generality costs more than the whole document. */
static void json_put_u64(struct json_writer *w, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	json_put(w, digits + sizeof(digits) - n, n);
}

void json_u64(struct json_writer *w, uint64_t v)
{
	json_separate(w);
	json_put_u64(w, v);
	json_done(w);
}

void json_i64(struct json_writer *w, int64_t v)
{
	json_separate(w);
	if (v < 0) {
		json_putc(w, '-');
		json_put_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		json_put_u64(w, (uint64_t)v);
	}
	json_done(w);
}

void json_double(struct json_writer *w, double v)
{
	char text[352]; /* %.3f of the largest double: 309 digits, a point, 3 decimals */
	int n;

	json_separate(w);
	/* JSON has no NaN or infinity. */
	if (!isfinite(v)) {
		json_put(w, "null", 4);
	} else {
		n = snprintf(text, sizeof(text), "%.3f", v);
		json_put(w, text, n > 0 && (size_t)n < sizeof(text) ? (size_t)n : 0);
	}
	json_done(w);
}

void json_bool(struct json_writer *w, bool v)
{
	json_separate(w);
	if (v)
		json_put(w, "true", 4);
	else
		json_put(w, "false", 5);
	json_done(w);
}

void json_null(struct json_writer *w)
{
	json_separate(w);
	json_put(w, "null", 4);
	json_done(w);
}
