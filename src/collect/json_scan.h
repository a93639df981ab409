/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Just enough of a JSON reader to take a few strings out of a container
 * runtime's state files (Docker's config.v2.json, containers/storage's
 * containers.json, OCI bundles' config.json). Bounded, no allocation, never
 * reads past the end; malformed input gives "not found".
 */
#ifndef NETHOUND_JSON_SCAN_H
#define NETHOUND_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

struct json_span {
	const char *s;
	size_t len;
};

/* The value at the object keys keys[0].keys[1]... of doc; true if found. */
bool json_scan_find(struct json_span doc, const char *const *keys, size_t nkeys,
		    struct json_span *value);

/*
 * The next element of an array: *cursor starts as the array's span, each call
 * returns its next element in elem. false at the end or on malformed input.
 */
bool json_scan_next(struct json_span *cursor, struct json_span *elem);

/*
 * A JSON string value decoded into out (NUL-terminated, cut at outlen - 1
 * bytes; the caller escapes what it shows). \u0000 becomes U+FFFD, so
 * the result has no NUL. false if value is not a string.
 */
bool json_scan_string(struct json_span value, char *out, size_t outlen);

#endif
