// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

void json_init(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
	w->buf = w->small;
	w->len = 0;
	w->size = sizeof(w->small);
}

static void json_flush(struct json_writer *w)
{
	if (w->len)
		fwrite(w->buf, 1, w->len, w->out);
	w->len = 0;
}

/* A complete top-level value goes to the FILE at once, and the heap buffer back to malloc. */
static void json_done(struct json_writer *w)
{
	if (w->depth != 0)
		return;
	json_flush(w);
	if (w->buf != w->small) {
		free(w->buf);
		w->buf = w->small;
		w->size = sizeof(w->small);
	}
}

/*
 * Room for n more bytes: the small buffer moves to the heap buffer the first
 * time it is full; when that is full (or could not be had), it goes out.
 * Afterwards there is room unless n is larger than the whole buffer.
 */
static void json_make_room(struct json_writer *w, size_t n)
{
	char *big;

	if (w->size - w->len >= n)
		return;
	if (w->buf == w->small && (big = malloc(JSON_BUFFER_SIZE))) {
		memcpy(big, w->buf, w->len);
		w->buf = big;
		w->size = JSON_BUFFER_SIZE;
		if (w->size - w->len >= n)
			return;
	}
	json_flush(w);
}

/* Longer tokens, and any near the buffer's end: a value larger than the whole buffer goes alone. */
static void json_put_long(struct json_writer *w, const char *s, size_t n)
{
	json_make_room(w, n);
	if (n > w->size - w->len) {
		fwrite(s, 1, n, w->out);
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/*
 * A token of up to 32 bytes (nearly every one: names, numbers, addresses) is
 * two overlapping fixed-size moves, not a call into libc's memcpy, which cost
 * more than the copying at a million tokens a document.
 */
static inline void json_copy_short(char *d, const char *s, size_t n)
{
	if (n >= 16) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

static inline void json_put(struct json_writer *w, const char *s, size_t n)
{
	if (n > 32 || w->size - w->len < 32) {
		json_put_long(w, s, n);
		return;
	}
	json_copy_short(w->buf + w->len, s, n);
	w->len += n;
}

/* Where n more bytes go, n at most JSON_SMALL_BUFFER_SIZE. */
static inline char *json_room(struct json_writer *w, size_t n)
{
	if (w->size - w->len < n)
		json_make_room(w, n);
	return w->buf + w->len;
}

static inline void json_putc(struct json_writer *w, char c)
{
	*json_room(w, 1) = c;
	w->len++;
}

/*
 * How each byte goes into a JSON string: 0 as it is; 'n', 'r', 't', '"' and
 * '\\' after a backslash; 'u' as \u00XX; 'U' starts a multi-byte sequence
 * (or is not UTF-8), which utf8_sequence_unsafe judges.
 */
static const char json_escape_of[256] = {
	[0x00 ... 0x08] = 'u', ['\t'] = 't', ['\n'] = 'n', [0x0b ... 0x0c] = 'u', ['\r'] = 'r',
	[0x0e ... 0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\', [0x7f] = 'u', [0x80 ... 0xff] = 'U',
};

/* \uXXXX of a code point below U+10000, in lower-case hex as printf's %04x. */
static void json_put_u_escape(struct json_writer *w, uint32_t cp)
{
	static const char hex[16] = "0123456789abcdef";
	char *d = json_room(w, 6);

	d[0] = '\\';
	d[1] = 'u';
	d[2] = hex[cp >> 12 & 0xf];
	d[3] = hex[cp >> 8 & 0xf];
	d[4] = hex[cp >> 4 & 0xf];
	d[5] = hex[cp & 0xf];
	w->len += 6;
}

/*
 * Whether none of 8 bytes needs a look: no C0 control, '"', '\\', DEL, nor
 * byte of 0x80 and above. Each test is exact for the word as a whole (a
 * borrow or carry that crosses into another byte starts at a byte that
 * matches), which is all that is asked.
 */
static inline bool json_plain8(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones << 7;
	uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');

	return !((((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) |
		  ((backslash - ones) & ~backslash) | (x + ones) | x) &
		 highs);
}

static inline uint64_t json_load8(const char *s)
{
	uint64_t x;

	memcpy(&x, s, sizeof(x));
	return x;
}

/*
 * Whether s, at most 16 bytes (a key, a name, an address), needs no escape:
 * judged a word at a time, the words overlapping where len is not a multiple.
 */
static inline bool json_plain_short(const char *s, size_t len)
{
	uint32_t lo, hi;

	if (len >= 8)
		return len <= 16 && json_plain8(json_load8(s)) &&
		       json_plain8(json_load8(s + len - 8));
	if (len >= 4) {
		memcpy(&lo, s, sizeof(lo));
		memcpy(&hi, s + len - 4, sizeof(hi));
		return json_plain8(lo | (uint64_t)hi << 32);
	}
	for (size_t i = 0; i < len; i++)
		if (json_escape_of[(unsigned char)s[i]])
			return false;
	return true;
}

/*
 * json_escape into the writer's buffer. Bytes are judged a word, then a byte
 * at a time by a table, and runs that need no escape (valid, harmless UTF-8
 * included) are copied whole.
 */
static void json_put_escaped(struct json_writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	while (i < len) {
		uint32_t cp;
		size_t n;
		char esc;

		if (len - i >= 8 && json_plain8(json_load8(str + i))) {
			i += 8;
			continue;
		}
		esc = json_escape_of[s[i]];
		if (!esc) {
			i++;
			continue;
		}
		if (esc == 'U') {
			n = utf8_sequence_unsafe(s + i, len - i, &cp);
			if (n && cp == UINT32_MAX) {
				i += n; /* valid and harmless: part of the run */
				continue;
			}
		}
		json_put(w, str + run, i - run);
		if (esc == 'u') {
			json_put_u_escape(w, s[i]);
			i++;
		} else if (esc != 'U') {
			char *d = json_room(w, 2);

			d[0] = '\\';
			d[1] = esc;
			w->len += 2;
			i++;
		} else if (n == 0) {
			json_put(w, "\\ufffd", 6);
			i++;
		} else {
			/* C1 and bidi controls: the same text, but inert on a terminal. */
			json_put_u_escape(w, cp);
			i += n;
		}
		run = i;
	}
	json_put(w, str + run, len - run);
}

/* Comma before every member of an object or array except the first. */
static inline void json_separate(struct json_writer *w)
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
	json_done(&w);
}

/*
 * A string of at most 16 bytes that needs no escape, between quotes and
 * followed by tail (":" after a key): one reservation, one copy. False, with
 * nothing written, for any other.
 */
static inline bool json_put_plain_short(struct json_writer *w, const char *s, size_t len,
					char tail)
{
	char *d;

	if (!json_plain_short(s, len))
		return false;
	d = json_room(w, 16 + 3);
	d[0] = '"';
	json_copy_short(d + 1, s, len);
	d[len + 1] = '"';
	d[len + 2] = tail;
	w->len += len + (tail ? 3 : 2);
	return true;
}

void json_key_len(struct json_writer *w, const char *key, size_t len)
{
	json_separate(w);
	if (!json_put_plain_short(w, key, len, ':')) {
		json_putc(w, '"');
		json_put_escaped(w, key, len);
		json_put(w, "\":", 2);
	}
	w->after_key = true;
}

void json_bytes(struct json_writer *w, const char *s, size_t len)
{
	json_separate(w);
	if (!json_put_plain_short(w, s, len, '\0')) {
		json_putc(w, '"');
		json_put_escaped(w, s, len);
		json_putc(w, '"');
	}
	json_done(w);
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

/* "00" to "99": two digits per division, half the divisions of one at a time. */
static const char json_digit_pairs[200] = {
	'0', '0', '0', '1', '0', '2', '0', '3', '0', '4', '0', '5', '0', '6', '0', '7', '0', '8',
	'0', '9', '1', '0', '1', '1', '1', '2', '1', '3', '1', '4', '1', '5', '1', '6', '1', '7',
	'1', '8', '1', '9', '2', '0', '2', '1', '2', '2', '2', '3', '2', '4', '2', '5', '2', '6',
	'2', '7', '2', '8', '2', '9', '3', '0', '3', '1', '3', '2', '3', '3', '3', '4', '3', '5',
	'3', '6', '3', '7', '3', '8', '3', '9', '4', '0', '4', '1', '4', '2', '4', '3', '4', '4',
	'4', '5', '4', '6', '4', '7', '4', '8', '4', '9', '5', '0', '5', '1', '5', '2', '5', '3',
	'5', '4', '5', '5', '5', '6', '5', '7', '5', '8', '5', '9', '6', '0', '6', '1', '6', '2',
	'6', '3', '6', '4', '6', '5', '6', '6', '6', '7', '6', '8', '6', '9', '7', '0', '7', '1',
	'7', '2', '7', '3', '7', '4', '7', '5', '7', '6', '7', '7', '7', '8', '7', '9', '8', '0',
	'8', '1', '8', '2', '8', '3', '8', '4', '8', '5', '8', '6', '8', '7', '8', '8', '8', '9',
	'9', '0', '9', '1', '9', '2', '9', '3', '9', '4', '9', '5', '9', '6', '9', '7', '9', '8',
	'9', '9',
};

/* Decimal digits of v at out (room for 20): printf's generality costs more than the document. */
static inline size_t json_format_u64(char *out, uint64_t v)
{
	static const uint64_t powers[] = {
		UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000), UINT64_C(100000),
		UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
		UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
		UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
		UINT64_C(10000000000000000), UINT64_C(100000000000000000),
		UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
	};
	size_t n = 1, i;

	while (n < 20 && v >= powers[n - 1])
		n++;
	for (i = n; v >= 100; v /= 100) {
		unsigned pair = (unsigned)(v % 100) * 2;

		out[--i] = json_digit_pairs[pair + 1];
		out[--i] = json_digit_pairs[pair];
	}
	if (v >= 10) {
		out[0] = json_digit_pairs[v * 2]; /* i == 2 */
		out[1] = json_digit_pairs[v * 2 + 1];
	} else {
		out[0] = (char)('0' + v);
	}
	return n;
}

void json_u64(struct json_writer *w, uint64_t v)
{
	json_separate(w);
	w->len += json_format_u64(json_room(w, 20), v);
	json_done(w);
}

void json_i64(struct json_writer *w, int64_t v)
{
	char *d;

	json_separate(w);
	d = json_room(w, 21);
	if (v < 0) {
		*d = '-';
		w->len += 1 + json_format_u64(d + 1, (uint64_t)0 - (uint64_t)v);
	} else {
		w->len += json_format_u64(d, (uint64_t)v);
	}
	json_done(w);
}

/*
 * printf's "%.3f" of a finite v with |v| < 2^63, at out (room for 24:
 * a sign, 19 digits, a point and 3 decimals); returns the length, or 0 for a
 * larger |v|, which the caller leaves to snprintf.
 *
 * printf rounds the exact binary value, ties to even (the rounding mode is
 * never changed here). So does this: v is m * 2^e with an integer m < 2^53;
 * its fraction f / 2^-e is exact in 64 bits, and so is f * 1000 (< 2^63), so
 * the three decimals, the remainder and the comparison with one half are
 * integer arithmetic with nothing rounded on the way. tests/unit/test_json.c
 * compares it with snprintf over millions of values and every tie.
 */
static size_t json_format_fixed3(char *out, double v)
{
	uint64_t bits, m, ip, thousandths = 0;
	unsigned biased;
	size_t n = 0;
	int e;

	memcpy(&bits, &v, sizeof(bits));
	biased = (unsigned)(bits >> 52) & 0x7ff;
	m = bits & ((UINT64_C(1) << 52) - 1);
	if (biased) {
		m |= UINT64_C(1) << 52;
		e = (int)biased - 1075;
	} else {
		e = -1074; /* subnormal */
	}
	if (e > 10) {
		return 0; /* |v| >= 2^63 */
	} else if (e >= 0) {
		ip = m << e;
	} else if (e <= -64) {
		ip = 0; /* |v| < 2^53 * 2^-64, below 0.0005: rounds to 0.000 */
	} else {
		unsigned shift = (unsigned)-e;
		uint64_t mask = (UINT64_C(1) << shift) - 1;
		uint64_t scaled = (m & mask) * 1000, rest, half = UINT64_C(1) << (shift - 1);

		ip = m >> shift;
		thousandths = scaled >> shift;
		rest = scaled & mask;
		if (rest > half || (rest == half && (thousandths & 1)))
			thousandths++;
		if (thousandths == 1000) {
			thousandths = 0;
			ip++;
		}
	}
	if (bits >> 63)
		out[n++] = '-'; /* printf keeps the sign of -0.0 and of what rounds to it */
	n += json_format_u64(out + n, ip);
	out[n++] = '.';
	out[n++] = (char)('0' + thousandths / 100);
	out[n++] = json_digit_pairs[thousandths % 100 * 2];
	out[n++] = json_digit_pairs[thousandths % 100 * 2 + 1];
	return n;
}

void json_double(struct json_writer *w, double v)
{
	char text[352]; /* %.3f of the largest double: 309 digits, a point, 3 decimals */
	size_t len;
	int n;

	json_separate(w);
	/* JSON has no NaN or infinity. */
	if (!isfinite(v)) {
		json_put(w, "null", 4);
	} else if ((len = json_format_fixed3(json_room(w, 24), v))) {
		w->len += len;
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
