// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * json.c: escaping of arbitrary bytes (process names are not UTF-8 by
 * contract) and the streaming writer. Whatever bytes come in, the output
 * must be valid JSON.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/json.h"

/* json_escape() of len bytes, as a malloc'd NUL-terminated string. */
static char *escape(const char *s, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f) {
		perror("open_memstream");
		exit(1);
	}
	json_escape(f, s, len);
	fclose(f);
	return buf;
}

/* Escape a string literal given with its length (so embedded NULs count). */
#define CHECK_ESCAPE(literal, expected)                                                            \
	do {                                                                                       \
		char *out_ = escape((literal), sizeof(literal) - 1);                               \
		CHECK_STR(out_, (expected));                                                       \
		free(out_);                                                                        \
	} while (0)

static void test_escape_ascii(void)
{
	CHECK_ESCAPE("", "");
	CHECK_ESCAPE("curl", "curl");
	CHECK_ESCAPE("kworker/0:1H", "kworker/0:1H");
	CHECK_ESCAPE("a\"b", "a\\\"b");
	CHECK_ESCAPE("a\\b", "a\\\\b");
	CHECK_ESCAPE("\"\\\"", "\\\"\\\\\\\"");
	CHECK_ESCAPE("\n\r\t", "\\n\\r\\t");
	CHECK_ESCAPE("\x01", "\\u0001");
	CHECK_ESCAPE("\x08\x0c", "\\u0008\\u000c");
	CHECK_ESCAPE("\x1f", "\\u001f");
	CHECK_ESCAPE("\x7f", "\\u007f");
	CHECK_ESCAPE(" ~", " ~");
	/* Embedded NUL: the length, not the terminator, bounds the input. */
	CHECK_ESCAPE("a\0b", "a\\u0000b");
	CHECK_ESCAPE("\0", "\\u0000");
	/* '/' may be escaped in JSON but need not be. */
	CHECK_ESCAPE("/", "/");
}

static void test_escape_valid_utf8(void)
{
	CHECK_ESCAPE("\xc2\xa0", "\xc2\xa0");		      /* U+00A0, after the C1 controls */
	CHECK_ESCAPE("\xc2\x80", "\\u0080");		      /* U+0080, a C1 control */
	CHECK_ESCAPE("\xc2\x9b[2J", "\\u009b[2J");	      /* 8-bit CSI */
	CHECK_ESCAPE("a\xe2\x80\xae" "b", "a\\u202e" "b");	      /* right-to-left override */
	CHECK_ESCAPE("\xe2\x81\xa9", "\\u2069");		      /* pop directional isolate */
	CHECK_ESCAPE("\xe2\x80\xa9", "\xe2\x80\xa9");	      /* U+2029: not a bidi control */
	CHECK_ESCAPE("caf\xc3\xa9", "caf\xc3\xa9");	      /* U+00E9 */
	CHECK_ESCAPE("\xdf\xbf", "\xdf\xbf");		      /* U+07FF */
	CHECK_ESCAPE("\xe0\xa0\x80", "\xe0\xa0\x80");	      /* U+0800, smallest 3-byte */
	CHECK_ESCAPE("\xe2\x82\xac", "\xe2\x82\xac");	      /* U+20AC euro */
	CHECK_ESCAPE("\xed\x9f\xbf", "\xed\x9f\xbf");	      /* U+D7FF, just below surrogates */
	CHECK_ESCAPE("\xee\x80\x80", "\xee\x80\x80");	      /* U+E000, just above */
	CHECK_ESCAPE("\xef\xbf\xbd", "\xef\xbf\xbd");	      /* U+FFFD itself */
	CHECK_ESCAPE("\xef\xbf\xbf", "\xef\xbf\xbf");	      /* U+FFFF */
	CHECK_ESCAPE("\xf0\x90\x80\x80", "\xf0\x90\x80\x80"); /* U+10000, smallest 4-byte */
	CHECK_ESCAPE("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"); /* U+1F600 */
	CHECK_ESCAPE("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF, the last one */
	CHECK_ESCAPE("\xe6\x97\xa5\xe6\x9c\xac\"x", "\xe6\x97\xa5\xe6\x9c\xac\\\"x");
	/* A full 15-byte comm: 5 three-byte characters. */
	CHECK_ESCAPE("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
		     "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
}

static void test_escape_invalid_utf8(void)
{
	/* Stray continuation bytes. */
	CHECK_ESCAPE("\x80", "\\ufffd");
	CHECK_ESCAPE("a\xbf"
		     "b",
		     "a\\ufffdb");
	CHECK_ESCAPE("\x80\x80", "\\ufffd\\ufffd");
	/* Bytes that never appear in UTF-8. */
	CHECK_ESCAPE("\xff", "\\ufffd");
	CHECK_ESCAPE("\xfe", "\\ufffd");
	CHECK_ESCAPE("\xf5\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	/* Overlong encodings: '/' as C0 AF, NUL as C0 80, and 3- and 4-byte overlongs. */
	CHECK_ESCAPE("\xc0\xaf", "\\ufffd\\ufffd");
	CHECK_ESCAPE("\xc0\x80", "\\ufffd\\ufffd");
	CHECK_ESCAPE("\xc1\xbf", "\\ufffd\\ufffd");
	CHECK_ESCAPE("\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd");
	CHECK_ESCAPE("\xe0\x9f\xbf", "\\ufffd\\ufffd\\ufffd");
	CHECK_ESCAPE("\xf0\x80\x80\xaf", "\\ufffd\\ufffd\\ufffd\\ufffd");
	CHECK_ESCAPE("\xf0\x8f\xbf\xbf", "\\ufffd\\ufffd\\ufffd\\ufffd");
	/* UTF-16 surrogates encoded directly (CESU-8 style). */
	CHECK_ESCAPE("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");
	CHECK_ESCAPE("\xed\xbf\xbf", "\\ufffd\\ufffd\\ufffd");
	CHECK_ESCAPE("\xed\xa0\xbd\xed\xb8\x80", "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
	/* Past U+10FFFF. */
	CHECK_ESCAPE("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	CHECK_ESCAPE("\xf7\xbf\xbf\xbf", "\\ufffd\\ufffd\\ufffd\\ufffd");
	/* Truncated sequences: at the end, and cut short by a non-continuation byte. */
	CHECK_ESCAPE("\xc3", "\\ufffd");
	CHECK_ESCAPE("ab\xe2\x82", "ab\\ufffd\\ufffd");
	CHECK_ESCAPE("\xf0\x9f\x98", "\\ufffd\\ufffd\\ufffd");
	CHECK_ESCAPE("\xe2\x82"
		     "A",
		     "\\ufffd\\ufffdA");
	CHECK_ESCAPE("\xc3\"", "\\ufffd\\\"");
	CHECK_ESCAPE("\xe2\n", "\\ufffd\\n");
	CHECK_ESCAPE("\xc3\xc3\xa9", "\\ufffd\xc3\xa9");
	CHECK_ESCAPE("\xf0\x9f\x98\xe2\x82\xac", "\\ufffd\\ufffd\\ufffd\xe2\x82\xac");
	/* A NUL cannot hide as the tail of a sequence. */
	CHECK_ESCAPE("\xc3\0", "\\ufffd\\u0000");
	/* Valid text around invalid bytes survives. */
	CHECK_ESCAPE("caf\xe9 \xc3\xa9", "caf\\ufffd \xc3\xa9");
}

/* The length argument bounds reading: bytes past it are neither read nor written. */
static void test_escape_length(void)
{
	char *out;

	out = escape("abcdef", 3);
	CHECK_STR(out, "abc");
	free(out);
	/* A 2-byte character cut by the length is invalid, not read past. */
	out = escape("\xc3\xa9", 1);
	CHECK_STR(out, "\\ufffd");
	free(out);
	out = escape("\xf0\x9f\x98\x80", 3);
	CHECK_STR(out, "\\ufffd\\ufffd\\ufffd");
	free(out);
	out = escape("xyz", 0);
	CHECK_STR(out, "");
	free(out);
}

/* Run fn against a fresh writer on a memory stream; return the document. */
static char *write_doc(void (*fn)(struct json_writer *))
{
	struct json_writer w;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f) {
		perror("open_memstream");
		exit(1);
	}
	json_init(&w, f);
	fn(&w);
	fclose(f);
	return buf;
}

static void doc_nested(struct json_writer *w)
{
	json_object_begin(w);
	json_key(w, "version");
	json_string(w, "0.1.0");
	json_key(w, "count");
	json_u64(w, 3);
	json_key(w, "list");
	json_array_begin(w);
	json_u64(w, 1);
	json_i64(w, -2);
	json_string(w, "x");
	json_bool(w, true);
	json_bool(w, false);
	json_null(w);
	json_array_begin(w);
	json_array_end(w);
	json_object_begin(w);
	json_object_end(w);
	json_array_begin(w);
	json_u64(w, 7);
	json_array_begin(w);
	json_u64(w, 8);
	json_u64(w, 9);
	json_array_end(w);
	json_array_end(w);
	json_array_end(w);
	json_key(w, "obj");
	json_object_begin(w);
	json_key(w, "k\"ey");
	json_bytes(w, "a\xff", 2);
	json_key(w, "inner");
	json_object_begin(w);
	json_key(w, "deep");
	json_array_begin(w);
	json_object_begin(w);
	json_key(w, "x");
	json_null(w);
	json_object_end(w);
	json_object_begin(w);
	json_object_end(w);
	json_array_end(w);
	json_object_end(w);
	json_key(w, "after");
	json_double(w, 1.5);
	json_object_end(w);
	json_key(w, "empty");
	json_string(w, "");
	json_object_end(w);
}

static void doc_numbers(struct json_writer *w)
{
	json_array_begin(w);
	json_u64(w, 0);
	json_u64(w, UINT64_MAX);
	json_i64(w, INT64_MIN);
	json_i64(w, INT64_MAX);
	json_double(w, 0.0);
	json_double(w, 1.5);
	json_double(w, -2.25);
	json_double(w, 0.0004);
	json_double(w, 1234567.89);
	json_double(w, 2.0 / 3.0);
	json_double(w, NAN);
	json_double(w, -NAN);
	json_double(w, INFINITY);
	json_double(w, -INFINITY);
	json_array_end(w);
}

/* Values after a key must not get a comma; members after them must. */
static void doc_keys(struct json_writer *w)
{
	json_object_begin(w);
	json_key(w, "a");
	json_double(w, NAN);
	json_key(w, "b");
	json_array_begin(w);
	json_array_end(w);
	json_key(w, "c");
	json_object_begin(w);
	json_key(w, "d");
	json_double(w, INFINITY);
	json_object_end(w);
	json_key(w, "\x01\n");
	json_bytes(w, "\0\xc0\xaf", 3);
	json_object_end(w);
}

/* Scalars at the top level, and a document with a nesting level per JSON_MAX_DEPTH - 1. */
static void doc_scalar(struct json_writer *w)
{
	json_string(w, "just a string");
}

static void doc_deep(struct json_writer *w)
{
	for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
		json_array_begin(w);
	json_u64(w, 1);
	json_u64(w, 2);
	for (int i = 0; i < JSON_MAX_DEPTH - 1; i++) {
		json_array_end(w);
		if (i == 0)
			json_u64(w, 3);
	}
}

/* Deeper than JSON_MAX_DEPTH: the writer stops tracking levels but must keep the commas right. */
static void doc_deeper(struct json_writer *w)
{
	for (int i = 0; i < JSON_MAX_DEPTH + 4; i++) {
		json_array_begin(w);
		json_u64(w, (uint64_t)i);
	}
	for (int i = 0; i < JSON_MAX_DEPTH + 4; i++) {
		json_array_end(w);
		if (i < JSON_MAX_DEPTH + 3)
			json_u64(w, 100 + (uint64_t)i);
	}
}

static void test_writer(void)
{
	char *doc;

	doc = write_doc(doc_nested);
	CHECK_STR(doc, "{\"version\":\"0.1.0\",\"count\":3,"
		       "\"list\":[1,-2,\"x\",true,false,null,[],{},[7,[8,9]]],"
		       "\"obj\":{\"k\\\"ey\":\"a\\ufffd\",\"inner\":{\"deep\":[{\"x\":null},{}]},"
		       "\"after\":1.500},\"empty\":\"\"}");
	free(doc);

	doc = write_doc(doc_numbers);
	CHECK_STR(doc, "[0,18446744073709551615,-9223372036854775808,9223372036854775807,"
		       "0.000,1.500,-2.250,0.000,1234567.890,0.667,null,null,null,null]");
	free(doc);

	doc = write_doc(doc_keys);
	CHECK_STR(doc, "{\"a\":null,\"b\":[],\"c\":{\"d\":null},"
		       "\"\\u0001\\n\":\"\\u0000\\ufffd\\ufffd\"}");
	free(doc);

	doc = write_doc(doc_scalar);
	CHECK_STR(doc, "\"just a string\"");
	free(doc);

	doc = write_doc(doc_deep);
	CHECK_STR(doc, "[[[[[[[[[[[[[[[1,2],3]]]]]]]]]]]]]]");
	free(doc);

	CHECK_INT(JSON_MAX_DEPTH, 16); /* the expected string below assumes 20 levels */
	doc = write_doc(doc_deeper);
	CHECK_STR(doc, "[0,[1,[2,[3,[4,[5,[6,[7,[8,[9,[10,[11,[12,[13,[14,[15,[16,[17,[18,[19],"
		       "100],101],102],103],104],105],106],107],108],109],110],111],112],113],114],"
		       "115],116],117],118]");
	free(doc);
}

/* Two documents in a row through one writer (JSON lines) after json_init each time. */
static void test_writer_reuse(void)
{
	struct json_writer w;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f) {
		perror("open_memstream");
		exit(1);
	}
	for (int i = 0; i < 2; i++) {
		json_init(&w, f);
		json_object_begin(&w);
		json_key(&w, "n");
		json_u64(&w, (uint64_t)i);
		json_key(&w, "m");
		json_u64(&w, 10);
		json_object_end(&w);
		fputc('\n', f);
	}
	fclose(f);
	CHECK_STR(buf, "{\"n\":0,\"m\":10}\n{\"n\":1,\"m\":10}\n");
	free(buf);
}

/* ------------------------------------------------------------------------- */
/* Property: arbitrary bytes always escape to valid JSON string content.      */

/*
 * Length of the well-formed UTF-8 sequence at s, 0 if there is none. Written
 * from the table of well-formed byte sequences in the Unicode standard
 * (ch. 3, table 3-7) rather than by decoding, so it shares nothing with json.c.
 */
static size_t wellformed_length(const unsigned char *s, size_t avail)
{
	static const struct {
		unsigned char lead_lo, lead_hi, second_lo, second_hi;
		size_t len;
	} rows[] = {
	    {0xc2, 0xdf, 0x80, 0xbf, 2}, {0xe0, 0xe0, 0xa0, 0xbf, 3}, {0xe1, 0xec, 0x80, 0xbf, 3},
	    {0xed, 0xed, 0x80, 0x9f, 3}, {0xee, 0xef, 0x80, 0xbf, 3}, {0xf0, 0xf0, 0x90, 0xbf, 4},
	    {0xf1, 0xf3, 0x80, 0xbf, 4}, {0xf4, 0xf4, 0x80, 0x8f, 4},
	};

	if (avail == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		if (s[0] < rows[r].lead_lo || s[0] > rows[r].lead_hi)
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

static bool is_wellformed(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = wellformed_length(s + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t put_utf8(unsigned char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (unsigned char)(0xe0 | (cp >> 12));
	out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp & 0x3f));
	return 3;
}

/*
 * Validate s as the inside of a JSON string (RFC 8259 section 7) and decode it
 * into out (at least len bytes). Stricter than the grammar in one way: \u
 * escapes of surrogates are refused, since json_escape never needs them and a
 * lone one is not a character. Returns the decoded length, or -1 with *why set.
 */
static long json_string_decode(const unsigned char *s, size_t len, unsigned char *out,
			       const char **why)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x20) {
			*why = "raw control character";
			return -1;
		}
		if (c == '"') {
			*why = "unescaped quote";
			return -1;
		}
		if (c != '\\') {
			n = wellformed_length(s + i, len - i);
			if (n == 0) {
				*why = "output is not well-formed UTF-8";
				return -1;
			}
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		if (i + 1 >= len) {
			*why = "backslash at the end";
			return -1;
		}
		c = s[i + 1];
		i += 2;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			out[o++] = c;
			continue;
		case 'b':
			out[o++] = '\b';
			continue;
		case 'f':
			out[o++] = '\f';
			continue;
		case 'n':
			out[o++] = '\n';
			continue;
		case 'r':
			out[o++] = '\r';
			continue;
		case 't':
			out[o++] = '\t';
			continue;
		case 'u':
			break;
		default:
			*why = "unknown escape";
			return -1;
		}
		uint32_t cp = 0;

		if (i + 4 > len) {
			*why = "short \\u escape";
			return -1;
		}
		for (int k = 0; k < 4; k++) {
			int h = hex_value(s[i + (size_t)k]);

			if (h < 0) {
				*why = "bad hex digit in \\u escape";
				return -1;
			}
			cp = cp << 4 | (uint32_t)h;
		}
		i += 4;
		if (cp >= 0xd800 && cp <= 0xdfff) {
			*why = "\\u escape of a surrogate";
			return -1;
		}
		o += put_utf8(out + o, cp);
	}
	return (long)o;
}

/* Oracle for the replacement policy: each byte that starts no well-formed sequence -> U+FFFD. */
static size_t reference_escape(const unsigned char *s, size_t len, char *out)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
			i++;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)sprintf(out + o, "\\u%04x", c);
			i++;
		} else if ((n = wellformed_length(s + i, len - i)) == 0) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
		} else if (n == 2 && c == 0xc2 && s[i + 1] <= 0x9f) {
			/* C1 controls, U+0080 to U+009F: escaped, inert on a terminal. */
			o += (size_t)sprintf(out + o, "\\u%04x", s[i + 1]);
			i += 2;
		} else if (n == 3 && c == 0xe2 &&
			   ((s[i + 1] == 0x80 && s[i + 2] >= 0xaa && s[i + 2] <= 0xae) ||
			    (s[i + 1] == 0x81 && s[i + 2] >= 0xa6 && s[i + 2] <= 0xa9))) {
			/* Bidi overrides U+202A..U+202E and isolates U+2066..U+2069. */
			o += (size_t)sprintf(out + o, "\\u%04x",
					     0x2000 | (s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f));
			i += 3;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return o;
}

/* splitmix64: small, fixed-seed, identical on every platform. */
static uint64_t rng_state = 0x6e657468686f756eULL; /* "nethoun" */

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct fuzz_stats {
	unsigned long strings;
	unsigned long invalid_output; /* escape output that is not valid JSON string content */
	unsigned long roundtrip;      /* valid input that did not decode back to itself */
	unsigned long oracle;	      /* output differing from reference_escape() */
	unsigned long writer;	      /* json_key/json_bytes differing from json_escape */
	unsigned long wellformed_inputs;
	bool reported;
};

static void report_bytes(const char *label, const unsigned char *s, size_t len)
{
	fprintf(stderr, "  %s (%zu bytes):", label, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, " %02x", s[i]);
	fputc('\n', stderr);
}

/*
 * The writer's key and string: the same escape as json_escape (escaped, n
 * bytes) between quotes, whichever of its paths (short, plain, long) they take.
 */
static bool writer_same_as_escape(const unsigned char *in, size_t len, const char *escaped,
				  size_t n)
{
	static char doc[2048], expected[2048];
	static FILE *f;
	struct json_writer w;
	long doc_len;

	if (!f && !(f = fmemopen(doc, sizeof(doc), "w"))) {
		perror("fmemopen");
		exit(1);
	}
	rewind(f);
	json_init(&w, f);
	json_object_begin(&w);
	json_key_len(&w, (const char *)in, len);
	json_bytes(&w, (const char *)in, len);
	json_object_end(&w);
	fflush(f);
	doc_len = ftell(f);
	snprintf(expected, sizeof(expected), "{\"%.*s\":\"%.*s\"}", (int)n, escaped, (int)n,
		 escaped);
	return doc_len >= 0 && (size_t)doc_len == strlen(expected) &&
	       memcmp(doc, expected, (size_t)doc_len) == 0;
}

/* Escape one input through the FILE stream f (writing into buf) and check it every way. */
static void fuzz_one(FILE *f, const char *buf, const unsigned char *in, size_t len,
		     struct fuzz_stats *st)
{
	unsigned char decoded[512];
	char expected[512];
	const char *why = NULL;
	const char *fail = NULL;
	long out_len, dlen;

	rewind(f);
	json_escape(f, (const char *)in, len);
	fflush(f);
	out_len = ftell(f);
	st->strings++;

	/* Every input byte yields at most 6 output bytes (\u00XX, \ufffd). */
	if (out_len < 0 || (size_t)out_len > 6 * len) {
		st->invalid_output++;
		fail = "output longer than 6 bytes per input byte";
	} else if ((dlen = json_string_decode((const unsigned char *)buf, (size_t)out_len, decoded,
					      &why)) < 0) {
		st->invalid_output++;
		fail = why;
	} else if (is_wellformed(in, len) &&
		   ((size_t)dlen != len || memcmp(decoded, in, len) != 0)) {
		st->roundtrip++;
		fail = "well-formed input did not decode back to itself";
	} else if (reference_escape(in, len, expected) != (size_t)out_len ||
		   memcmp(expected, buf, (size_t)out_len) != 0) {
		st->oracle++;
		fail = "differs from the reference escaper";
	} else if (!writer_same_as_escape(in, len, buf, (size_t)out_len)) {
		st->writer++;
		fail = "json_key_len or json_bytes differs from json_escape";
	}
	if (is_wellformed(in, len))
		st->wellformed_inputs++;
	if (fail && !st->reported) {
		st->reported = true;
		fprintf(stderr, "fuzz: first failure: %s\n", fail);
		report_bytes("input ", in, len);
		report_bytes("output", (const unsigned char *)buf,
			     out_len > 0 ? (size_t)out_len : 0);
	}
}

/* Fragments that make structured inputs: edges of every UTF-8 length and every kind of error. */
static const char *const fragments[] = {
    "a",
    "Z",
    " ",
    "\"",
    "\\",
    "/",
    "\n",
    "\t",
    "\x01",
    "\x1f",
    "\x7f",
    "\0",
    "\xc2\x80",
    "\xdf\xbf",
    "\xc3\xa9",
    "\xe0\xa0\x80",
    "\xed\x9f\xbf",
    "\xee\x80\x80",
    "\xef\xbf\xbf",
    "\xef\xbf\xbd",
    "\xf0\x90\x80\x80",
    "\xf4\x8f\xbf\xbf",
    "\xf0\x9f\x98\x80",
    "\x80",
    "\xbf",
    "\xc0\xaf",
    "\xc1\xbf",
    "\xe0\x80\xaf",
    "\xe0\x9f\xbf",
    "\xed\xa0\x80",
    "\xed\xbf\xbf",
    "\xf0\x8f\xbf\xbf",
    "\xf4\x90\x80\x80",
    "\xf5\x80\x80\x80",
    "\xff",
    "\xfe",
    "\xc3",
    "\xe2\x82",
    "\xf0\x9f\x98",
};
static const size_t fragment_lengths[] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3,
    4, 4, 4, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 1, 1, 1, 2, 3,
};

/* Bytes at every boundary the decoder distinguishes. */
static const unsigned char edge_bytes[] = {
    0x00, 0x0a, 0x1f, 0x20, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
    0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
};

static void test_escape_property(void)
{
	static char buf[4096];
	struct fuzz_stats st = {0};
	const size_t nfrag = sizeof(fragments) / sizeof(fragments[0]);
	const size_t nedge = sizeof(edge_bytes);
	unsigned char in[80];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	if (!f) {
		perror("fmemopen");
		exit(1);
	}
	CHECK_UINT(nfrag, sizeof(fragment_lengths) / sizeof(fragment_lengths[0]));

	/* 1. 200000 uniformly random 16-byte strings. */
	for (int n = 0; n < 200000; n++) {
		for (size_t i = 0; i < 16; i += 8) {
			uint64_t r = rng_next();

			memcpy(in + i, &r, 8);
		}
		fuzz_one(f, buf, in, 16, &st);
	}
	CHECK_UINT(st.strings, 200000);

	/* 2. 100000 strings of up to 16 bytes glued from fragments (many are valid UTF-8). */
	for (int n = 0; n < 100000; n++) {
		size_t len = 0, target = rng_next() % 17;

		while (len < target) {
			size_t k = rng_next() % nfrag;

			memcpy(in + len, fragments[k], fragment_lengths[k]);
			len += fragment_lengths[k];
		}
		if (len > 16)
			len = 16; /* may cut a sequence short: one more error case */
		fuzz_one(f, buf, in, len, &st);
	}

	/* 3. Every string of length 0 to 2, and every 3- and 4-byte string of edge bytes. */
	fuzz_one(f, buf, in, 0, &st);
	for (unsigned a = 0; a < 256; a++) {
		in[0] = (unsigned char)a;
		fuzz_one(f, buf, in, 1, &st);
		for (unsigned b = 0; b < 256; b++) {
			in[1] = (unsigned char)b;
			fuzz_one(f, buf, in, 2, &st);
		}
	}
	for (size_t a = 0; a < nedge; a++)
		for (size_t b = 0; b < nedge; b++)
			for (size_t c = 0; c < nedge; c++) {
				in[0] = edge_bytes[a];
				in[1] = edge_bytes[b];
				in[2] = edge_bytes[c];
				fuzz_one(f, buf, in, 3, &st);
				for (size_t d = 0; d < nedge; d++) {
					in[3] = edge_bytes[d];
					fuzz_one(f, buf, in, 4, &st);
				}
			}

	/*
	 * 4. 100000 strings of 17 to 64 bytes, mostly plain, with a fragment
	 * here and there: what needs an escape lands at every offset of the
	 * 8-byte words the escaper judges at once.
	 */
	for (int n = 0; n < 100000; n++) {
		size_t len = 0, target = 17 + rng_next() % 48;

		while (len < target) {
			uint64_t r = rng_next();
			size_t k = r % nfrag;

			if (r >> 60) {
				in[len++] = (unsigned char)(' ' + (r >> 8) % 95); /* printable ASCII */
				continue;
			}
			memcpy(in + len, fragments[k], fragment_lengths[k]);
			len += fragment_lengths[k];
		}
		fuzz_one(f, buf, in, len > 64 ? 64 : len, &st);
	}
	fclose(f);

	CHECK_UINT(st.invalid_output, 0);
	CHECK_UINT(st.roundtrip, 0);
	CHECK_UINT(st.oracle, 0);
	CHECK_UINT(st.writer, 0);
	/* The generators really did produce both kinds of input. */
	CHECK(st.wellformed_inputs > 10000);
	CHECK(st.strings - st.wellformed_inputs > 200000);
}

/* The validator itself must reject what it is meant to catch, or the property proves nothing. */
static void test_validator(void)
{
	unsigned char out[64];
	const char *why = NULL;

	CHECK(json_string_decode((const unsigned char *)"ok \\u00e9\\n", 11, out, &why) == 6);
	CHECK(json_string_decode((const unsigned char *)"a\"b", 3, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"a\nb", 3, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"a\\", 2, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"\\x41", 4, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"\\u12", 4, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"\\ud800", 6, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"\xc0\xaf", 2, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"\xed\xa0\x80", 3, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"\xe2\x82", 2, out, &why) < 0);
	CHECK(json_string_decode((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, out, &why) == 4);
}

/* ------------------------------------------------------------------------- */
/* Numbers: the writer formats them itself; the text must be printf's.        */

/* One value through a writer into buf (a FILE on it), NUL-terminated. */
struct value_sink {
	FILE *f;
	char buf[512];
};

static void value_sink_open(struct value_sink *vs)
{
	vs->f = fmemopen(vs->buf, sizeof(vs->buf), "w");
	if (!vs->f) {
		perror("fmemopen");
		exit(1);
	}
}

static const char *value_sink_text(struct value_sink *vs)
{
	long n;

	fflush(vs->f);
	n = ftell(vs->f);
	vs->buf[n >= 0 && (size_t)n < sizeof(vs->buf) ? n : 0] = '\0';
	rewind(vs->f);
	return vs->buf;
}

struct double_stats {
	struct value_sink vs;
	unsigned long values;
	unsigned long differ;
};

/* json_double(v) against snprintf("%.3f"), and null where JSON has no number. */
static void double_one(struct double_stats *st, double v)
{
	struct json_writer w;
	char expected[352];
	const char *got;

	if (isfinite(v))
		snprintf(expected, sizeof(expected), "%.3f", v);
	else
		strcpy(expected, "null");
	json_init(&w, st->vs.f);
	json_double(&w, v);
	got = value_sink_text(&st->vs);
	st->values++;
	if (strcmp(got, expected) != 0 && st->differ++ < 5)
		fprintf(stderr, "json_double(%a): \"%s\", printf says \"%s\"\n", v, got, expected);
}

/* v and the doubles up to k steps away on either side. */
static void double_around(struct double_stats *st, double v, int k)
{
	double up = v, down = v;

	double_one(st, v);
	for (int i = 0; i < k; i++) {
		up = nextafter(up, INFINITY);
		down = nextafter(down, -INFINITY);
		double_one(st, up);
		double_one(st, down);
	}
}

static void test_double_same_as_printf(void)
{
	static const double edges[] = {
		0.0, 5e-324, DBL_MIN, 0x1p-64, 0x1p-12, 0x1p-11, 0x1p-10, 0.0004, 0.0005, 0.0015,
		0.05, 0.95, 0.0625, 0.9995, 0.999, 1.0, 1.5, 999.9995, 1e15, 1e15 + 0.5, 1e16,
		0x1p52, 0x1p52 + 1, 0x1p53, 0x1p53 + 2, 0x1p62, 0x1p63, 0x1p64, 1e19, 1e300, DBL_MAX,
		1234567.89, 2.0 / 3.0, 0.1, 0.2, 0.3, 0.7, 2806342.199, 95080.0074,
	};
	struct double_stats st = {0};

	value_sink_open(&st.vs);
	/* 1. Edges and their neighbours, both signs; -0.0 keeps its sign as in printf. */
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		double_around(&st, edges[i], 4);
		double_around(&st, -edges[i], 4);
	}
	double_one(&st, NAN);
	double_one(&st, -NAN);
	double_one(&st, INFINITY);
	double_one(&st, -INFINITY);

	/*
	 * 2. Every exact tie: x * 1000 ends in exactly .5 only where the
	 * fraction is an odd number of sixteenths (0.0625, 0.1875, ...), the
	 * cases printf rounds to even. Whole parts small, large and past 2^32.
	 */
	for (uint64_t whole = 0; whole < 20000; whole += whole < 100 ? 1 : 997)
		for (int k = 1; k < 16; k += 2) {
			double x = (double)whole + k / 16.0;

			double_around(&st, x, 1);
			double_around(&st, -x, 1);
			double_one(&st, x + (double)(UINT64_C(1) << 40));
		}

	/* 3. Next to every rounding boundary of the third decimal, at random whole parts. */
	for (int i = 0; i < 100000; i++) {
		uint64_t r = rng_next();
		double whole = (double)(r >> (20 + r % 40));
		double boundary = whole + (double)(2 * (r % 1000) + 1) / 2000.0;

		double_around(&st, boundary, 2);
	}

	/* 4. Rates as the sinks compute them: bytes over an interval near a second. */
	for (int i = 0; i < 200000; i++) {
		uint64_t r = rng_next();
		double interval = 0.5 + (double)(rng_next() % 1500000) / 1e6;

		double_one(&st, (double)(r >> (r % 64)) / interval);
	}

	/* 5. Any bit pattern at all: every exponent, subnormals, NaNs, the snprintf fallback. */
	for (int i = 0; i < 300000; i++) {
		uint64_t r = rng_next();
		double v;

		memcpy(&v, &r, sizeof(v));
		double_one(&st, v);
	}
	/* 6. Magnitudes 2^-20 to 2^70 evenly, so the fast path's every shift is met. */
	for (int i = 0; i < 300000; i++) {
		uint64_t r = rng_next();

		double_one(&st, ldexp((double)(r >> 11) / 0x1p53, (int)(r % 91) - 20) *
					(r & 1024 ? -1 : 1));
	}
	fclose(st.vs.f);
	CHECK(st.values > 1300000);
	CHECK_UINT(st.differ, 0);
}

/* json_u64 and json_i64 against printf, at every power of ten and beside it, and at random. */
static void test_integers_same_as_printf(void)
{
	struct value_sink vs;
	struct json_writer w;
	char expected[32];
	unsigned long differ = 0, values = 0;
	const char *got;
	uint64_t p = 1;

	value_sink_open(&vs);
	for (int i = 0; i < 300000; i++) {
		uint64_t u;

		if (i < 20 * 3) {
			u = p + (uint64_t)(i % 3) - 1; /* 10^k - 1, 10^k, 10^k + 1 */
			if (i % 3 == 2)
				p *= 10;
		} else if (i < 20 * 3 + 8) {
			u = UINT64_MAX - (uint64_t)(i - 60);
		} else {
			u = rng_next() >> (rng_next() % 64);
		}
		snprintf(expected, sizeof(expected), "%" PRIu64, u);
		json_init(&w, vs.f);
		json_u64(&w, u);
		values++;
		got = value_sink_text(&vs);
		if (strcmp(got, expected) != 0 && differ++ < 5)
			fprintf(stderr, "json_u64: \"%s\", printf says \"%s\"\n", got, expected);
		snprintf(expected, sizeof(expected), "%" PRId64, (int64_t)u);
		json_init(&w, vs.f);
		json_i64(&w, (int64_t)u);
		got = value_sink_text(&vs);
		if (strcmp(got, expected) != 0 && differ++ < 5)
			fprintf(stderr, "json_i64: \"%s\", printf says \"%s\"\n", got, expected);
	}
	fclose(vs.f);
	CHECK_UINT(values, 300000);
	CHECK_UINT(differ, 0);
}

/* Documents far larger than the writer's buffer, with values that span its edge. */
static void doc_large(struct json_writer *w)
{
	char text[3001];

	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = i % 97 == 0 ? '"' : i % 89 == 0 ? '\n' : (char)('a' + i % 26);
	text[sizeof(text) - 1] = '\0';
	json_array_begin(w);
	for (int i = 0; i < 2000; i++) {
		json_double(w, i % 2 ? 1.7976931348623157e308 : -0.0005);
		json_string(w, text);
		json_u64(w, UINT64_MAX - (uint64_t)i);
		json_i64(w, INT64_MIN + i);
	}
	json_array_end(w);
}

static void test_writer_large(void)
{
	char *doc = write_doc(doc_large);
	char max_u64[32], min_i64[32];

	snprintf(max_u64, sizeof(max_u64), "%" PRIu64, UINT64_MAX);
	snprintf(min_i64, sizeof(min_i64), "%" PRId64, INT64_MIN);
	CHECK(doc && is_wellformed((const unsigned char *)doc, strlen(doc)));
	CHECK(doc && strlen(doc) > 2000 * 3000);
	CHECK(doc && strstr(doc, "179769313486231570814527423731704356798070567525844996598917476803"
				 "157260780028538760589558632766878171540458953514382464234321326889"
				 "464182768467546703537516986049910576551282076245490090389328944075"
				 "868508455133942304583236903222948165808559332123348274797826204144"
				 "723168738177180919299881250404026184124858368.000"));
	CHECK(doc && strncmp(doc, "[-0.00", 6) == 0);
	CHECK_CONTAINS(doc, max_u64);
	CHECK_CONTAINS(doc, min_i64);
	free(doc);
}

/* A growing string for expected documents. */
struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		if (!t->s) {
			perror("realloc");
			exit(1);
		}
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

/*
 * Every size of token across the small buffer's end, the move to the heap
 * buffer, its end, and strings longer than all of it (written past it), in
 * two documents (the heap buffer is freed after the first and taken again):
 * the exact bytes, against a document built here.
 */
static void test_writer_buffers(void)
{
	size_t huge_len = JSON_BUFFER_SIZE * 3 + 17;
	char *huge = malloc(huge_len), item[64];
	struct text expected = {0};
	struct json_writer w;
	char *doc = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&doc, &size);

	if (!huge || !f) {
		perror("test_writer_buffers");
		exit(1);
	}
	for (size_t i = 0; i < huge_len; i++)
		huge[i] = (char)('a' + i % 26);
	huge[huge_len / 2] = '\n';
	for (int d = 0; d < 2; d++) {
		json_init(&w, f);
		json_array_begin(&w);
		text_add(&expected, "[", 1);
		for (int i = 0; i < 200000; i++) {
			int n = 0;

			if (i)
				text_add(&expected, ",", 1);
			switch (i % 5) {
			case 0:
				json_u64(&w, (uint64_t)i * 7919);
				n = snprintf(item, sizeof(item), "%" PRIu64, (uint64_t)i * 7919);
				break;
			case 1:
				json_double(&w, i / 7.0);
				n = snprintf(item, sizeof(item), "%.3f", i / 7.0);
				break;
			case 2: /* plain, 0 to 40 bytes */
				json_bytes(&w, huge, (size_t)(i % 41));
				n = snprintf(item, sizeof(item), "\"%.*s\"", i % 41, huge);
				break;
			case 3:
				json_string(&w, "tab\there");
				n = snprintf(item, sizeof(item), "\"tab\\there\"");
				break;
			case 4:
				json_object_begin(&w);
				json_key(&w, "k");
				json_null(&w);
				json_object_end(&w);
				n = snprintf(item, sizeof(item), "{\"k\":null}");
				break;
			}
			text_add(&expected, item, (size_t)n);
			if (i == 150000) {
				json_bytes(&w, huge, huge_len);
				text_add(&expected, ",\"", 2);
				text_add(&expected, huge, huge_len / 2);
				text_add(&expected, "\\n", 2);
				text_add(&expected, huge + huge_len / 2 + 1, huge_len - huge_len / 2 - 1);
				text_add(&expected, "\"", 1);
			}
		}
		json_array_end(&w);
		text_add(&expected, "]", 1);
		/* A complete document is in the FILE, not held back in the writer. */
		fflush(f);
		CHECK_UINT(size, expected.len);
	}
	fclose(f);
	CHECK(doc && expected.s && size == expected.len && memcmp(doc, expected.s, size) == 0);
	free(doc);
	free(expected.s);
	free(huge);
}

int main(void)
{
	test_escape_ascii();
	test_escape_valid_utf8();
	test_escape_invalid_utf8();
	test_escape_length();
	test_writer();
	test_writer_reuse();
	test_writer_large();
	test_writer_buffers();
	test_validator();
	test_escape_property();
	test_double_same_as_printf();
	test_integers_same_as_printf();
	return check_finish("test_json");
}
