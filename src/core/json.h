/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A small streaming JSON writer that always produces valid JSON. */
#ifndef NETHOUND_JSON_H
#define NETHOUND_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h" /* utf8_sequence_length */

#define JSON_MAX_DEPTH 16

/*
 * Bytes gathered before they go to the FILE. A document starts in the
 * writer's own small buffer; one that outgrows it (dump --json at scale: 12 MB)
 * continues in a heap buffer of JSON_BUFFER_SIZE, so it leaves in a few large
 * writes instead of one per 16 KiB, each of which cost the kernel a partly
 * written block at either end.
 */
#define JSON_SMALL_BUFFER_SIZE 4096
#define JSON_BUFFER_SIZE (1024 * 1024)

/*
 * Output is buffered in the writer and handed to out in large writes, and
 * whenever a top-level value is complete, so a caller may write or flush
 * out between documents. The heap buffer is freed then too, so a writer
 * needs no clean-up after its last complete value. buf may point into the
 * struct itself: a writer is not copied.
 */
struct json_writer {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
	bool after_key;
	char *buf;   /* small, or the heap buffer */
	size_t len;  /* bytes in buf */
	size_t size; /* of buf */
	char small[JSON_SMALL_BUFFER_SIZE];
};

void json_init(struct json_writer *w, FILE *out);
void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* A member's name of len bytes, escaped as json_bytes escapes. */
void json_key_len(struct json_writer *w, const char *key, size_t len);
/* Arbitrary bytes (not NUL-terminated): valid UTF-8 is kept, the rest escaped. */
void json_bytes(struct json_writer *w, const char *s, size_t len);
/* A value that may be missing: NULL or empty is written as null. */
void json_bytes_or_null(struct json_writer *w, const char *s, size_t len);
void json_string_or_null(struct json_writer *w, const char *s);
void json_u64(struct json_writer *w, uint64_t v);
void json_i64(struct json_writer *w, int64_t v);
/* As printf's "%.3f"; null for NaN and infinities, which JSON has not. */
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/*
 * Inline, so that the compiler counts a literal's length (nearly every key is
 * one) instead of strlen doing it for each of a document's million members.
 */
static inline void json_key(struct json_writer *w, const char *key)
{
	json_key_len(w, key, strlen(key));
}

static inline void json_string(struct json_writer *w, const char *s)
{
	json_bytes(w, s, strlen(s));
}

/*
 * Escape len bytes of s as the inside of a JSON string into out.
 * Valid UTF-8 passes through; control characters (C0, DEL, C1) and the bidi
 * overrides and isolates become \uXXXX, so the same text shows inert on a
 * terminal; bytes that are not valid UTF-8 become U+FFFD so the document
 * stays valid.
 */
void json_escape(FILE *out, const char *s, size_t len);

#endif
