/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal assertions for the unit tests: every CHECK counts, a failing one
 * prints file:line with the expected and actual values, and check_finish()
 * turns the tally into the exit status. No test framework needed.
 */
#ifndef NETHOUND_TEST_CHECK_H
#define NETHOUND_TEST_CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct check_state {
	unsigned long checks;
	unsigned long failures;
};

/* One per test program: the header is included by exactly one .c file. */
static struct check_state check_state;

/* Print s in C-literal style so invisible and non-ASCII bytes show up in diffs. */
static inline void check_print_quoted(FILE *out, const char *s)
{
	if (!s) {
		fputs("(null)", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static inline bool check_true(bool ok, const char *expr, const char *file, int line)
{
	check_state.checks++;
	if (!ok) {
		check_state.failures++;
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", file, line, expr);
	}
	return ok;
}

static inline bool check_str(const char *actual, const char *expected, const char *expr,
			     const char *file, int line)
{
	bool ok = (actual == expected) || (actual && expected && strcmp(actual, expected) == 0);

	check_state.checks++;
	if (!ok) {
		check_state.failures++;
		fprintf(stderr, "%s:%d: CHECK_STR(%s) failed\n  expected: ", file, line, expr);
		check_print_quoted(stderr, expected);
		fputs("\n  actual:   ", stderr);
		check_print_quoted(stderr, actual);
		fputc('\n', stderr);
	}
	return ok;
}

/* Does haystack contain needle? For error messages whose wording may be polished. */
static inline bool check_contains(const char *haystack, const char *needle, const char *expr,
				  const char *file, int line)
{
	bool ok = haystack && needle && strstr(haystack, needle);

	check_state.checks++;
	if (!ok) {
		check_state.failures++;
		fprintf(stderr, "%s:%d: CHECK_CONTAINS(%s) failed\n  wanted substring: ", file,
			line, expr);
		check_print_quoted(stderr, needle);
		fputs("\n  in:               ", stderr);
		check_print_quoted(stderr, haystack);
		fputc('\n', stderr);
	}
	return ok;
}

static inline bool check_int(intmax_t actual, intmax_t expected, const char *expr, const char *file,
			     int line)
{
	check_state.checks++;
	if (actual != expected) {
		check_state.failures++;
		fprintf(stderr, "%s:%d: CHECK_INT(%s) failed\n  expected: %jd\n  actual:   %jd\n",
			file, line, expr, expected, actual);
		return false;
	}
	return true;
}

static inline bool check_uint(uintmax_t actual, uintmax_t expected, const char *expr,
			      const char *file, int line)
{
	check_state.checks++;
	if (actual != expected) {
		check_state.failures++;
		fprintf(stderr, "%s:%d: CHECK_UINT(%s) failed\n  expected: %ju\n  actual:   %ju\n",
			file, line, expr, expected, actual);
		return false;
	}
	return true;
}

static inline bool check_double(double actual, double expected, double tolerance, const char *expr,
				const char *file, int line)
{
	bool ok = fabs(actual - expected) <= tolerance;

	check_state.checks++;
	if (!ok) {
		check_state.failures++;
		fprintf(stderr,
			"%s:%d: CHECK_DOUBLE(%s) failed\n  expected: %.17g (+-%g)\n"
			"  actual:   %.17g\n",
			file, line, expr, expected, tolerance, actual);
	}
	return ok;
}

#define CHECK(cond) check_true((cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(actual, expected)                                                                \
	check_str((actual), (expected), #actual " == " #expected, __FILE__, __LINE__)
#define CHECK_CONTAINS(haystack, needle)                                                           \
	check_contains((haystack), (needle), #haystack " contains " #needle, __FILE__, __LINE__)
#define CHECK_INT(actual, expected)                                                                \
	check_int((intmax_t)(actual), (intmax_t)(expected), #actual " == " #expected, __FILE__,    \
		  __LINE__)
#define CHECK_UINT(actual, expected)                                                               \
	check_uint((uintmax_t)(actual), (uintmax_t)(expected), #actual " == " #expected, __FILE__, \
		   __LINE__)
#define CHECK_DOUBLE(actual, expected, tolerance)                                                  \
	check_double((actual), (expected), (tolerance), #actual " == " #expected, __FILE__,        \
		     __LINE__)

/* Print the summary line; the return value is main()'s exit status. */
static inline int check_finish(const char *program)
{
	if (check_state.failures) {
		printf("%s: %lu of %lu checks FAILED\n", program, check_state.failures,
		       check_state.checks);
		return 1;
	}
	printf("%s: %lu checks passed\n", program, check_state.checks);
	return 0;
}

#endif
