// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file. Deliberately small: "key = value" lines, comments
 * on lines of their own, no sections, no includes, no escapes.
 *
 * A '#' starts a comment only at the start of a line. Inside a value it is
 * part of the value ("alert_exec = notify #ops" runs "notify #ops"), so a
 * value cannot carry a trailing comment. A value wrapped in one pair of
 * double quotes loses them and keeps its inner whitespace; quotes anywhere
 * else are left alone, so alert_exec can quote its own arguments.
 */
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings/config.h"
#include "core/errmsg.h"
#include "core/exitcodes.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The same bounds as the command line's. */
#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 3600.0
#define WINDOW_MIN 0.1
#define WINDOW_MAX 3600.0
#define HOLD_MAX 86400.0
#define RETENTION_DAYS_MAX 36500

/* 1 EiB/s: far past any link, so bigger is a typo; and every value up to it fits a uint64_t. */
#define RATE_MAX 1152921504606846976.0
#define TWO_TO_THE_64 18446744073709551616.0

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

struct number {
	double value;
	uint64_t integer; /* the value, when exact */
	bool exact;       /* digits only (no fraction or exponent), and they fit 64 bits */
};

/*
 * A decimal number: digits, then an optional fraction and exponent. No sign,
 * no hex, no inf or nan, and no locale: once a German locale is set,
 * strtod() stops at the '.' of "0.5". Returns the end of the number, or NULL.
 */
static const char *scan_number(const char *s, struct number *n)
{
	double mantissa = 0, value;
	long exponent = 0;
	bool fits = true;
	const char *p = s;

	if (!is_digit(*p))
		return NULL;
	n->integer = 0;
	for (; is_digit(*p); p++) {
		unsigned digit = (unsigned)(*p - '0');

		mantissa = mantissa * 10 + digit;
		if (n->integer > (UINT64_MAX - digit) / 10)
			fits = false;
		else
			n->integer = n->integer * 10 + digit;
	}
	n->exact = fits;
	if (*p == '.') {
		if (!is_digit(*++p))
			return NULL;
		for (; is_digit(*p); p++) {
			/* Only while the mantissa stays an exact integer (below 2^53). */
			if (mantissa < 9e14) {
				mantissa = mantissa * 10 + (*p - '0');
				exponent--;
			}
		}
		n->exact = false;
	}
	/* An 'e' not followed by digits is left for the caller, which will refuse it. */
	if ((*p == 'e' || *p == 'E') &&
	    (is_digit(p[1]) || ((p[1] == '+' || p[1] == '-') && is_digit(p[2])))) {
		long e = 0, sign = 1;

		p++;
		if (*p == '+' || *p == '-')
			sign = *p++ == '-' ? -1 : 1;
		for (; is_digit(*p); p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		exponent += sign * e;
		n->exact = false;
	}

	/*
	 * An exact integer times or over an exact power of ten is one rounding,
	 * like a C literal, so "0.1" == 0.1 for any number with up to 15 digits.
	 */
	if (mantissa == 0)
		value = 0;
	else if (exponent < 0)
		value = mantissa / pow(10, (double)-exponent);
	else
		value = mantissa * pow(10, (double)exponent);
	if (!isfinite(value) || (mantissa != 0 && value == 0))
		return NULL;
	n->value = value;
	return p;
}

/* K, M, G, T in either case: the power of 1024 (bytes) or 1000 (bits); 0 if none. */
static int unit_power(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 1;
	case 'm':
	case 'M':
		return 2;
	case 'g':
	case 'G':
		return 3;
	case 't':
	case 'T':
		return 4;
	}
	return 0;
}

/*
 * After a number and a unit prefix: an optional 'i' (KiB), then an optional
 * 'B'. Only a capital B: to most readers "Mb" is megabits, so it is refused
 * rather than taken for bytes and off by a factor of eight.
 */
static const char *skip_byte_suffix(const char *p, int power)
{
	if (power && (*p == 'i' || *p == 'I'))
		p++;
	if (*p == 'B')
		p++;
	return p;
}

/*
 * A number, blanks, and an optional unit prefix (K, M, G, T): the number in
 * *n, the prefix's power in *power; returns what follows, NULL if no number.
 */
static const char *scan_magnitude(const char *s, struct number *n, int *power)
{
	const char *p = scan_number(s, n);

	if (!p)
		return NULL;
	p = skip_blanks(p);
	*power = unit_power(*p);
	return *power ? p + 1 : p;
}

int config_parse_rate(const char *s, double *bytes_per_second)
{
	struct number n;
	const char *p;
	double v;
	int power;

	if (strcasecmp(s, "off") == 0) {
		*bytes_per_second = 0;
		return 0;
	}
	p = scan_magnitude(s, &n, &power);
	if (!p)
		return -1;
	if (strncasecmp(p, "bit", 3) == 0) {
		/* Link speeds are written in decimal bits: 100Mbit/s is 12.5 MB/s. */
		if (strcmp(p + 3, "/s") != 0)
			return -1;
		v = n.value * pow(1000, power) / 8;
	} else {
		p = skip_byte_suffix(p, power);
		if (strcmp(p, "/s") == 0)
			p += 2;
		if (*p)
			return -1;
		v = n.value * pow(1024, power);
	}
	if (!isfinite(v) || v > RATE_MAX)
		return -1;
	*bytes_per_second = v;
	return 0;
}

int config_parse_size(const char *s, uint64_t *bytes)
{
	struct number n;
	const char *p;
	int power;

	if (strcasecmp(s, "off") == 0) {
		*bytes = 0;
		return 0;
	}
	p = scan_magnitude(s, &n, &power);
	if (!p)
		return -1;
	p = skip_byte_suffix(p, power);
	if (*p)
		return -1;

	if (n.exact) {
		/* Integer arithmetic, so the largest sizes are not rounded by a double. */
		uint64_t v = n.integer;

		for (int i = 0; i < power; i++)
			if (__builtin_mul_overflow(v, 1024, &v))
				return -1;
		*bytes = v;
	} else {
		double v = floor(n.value * pow(1024, power) + 0.5);

		if (v >= TWO_TO_THE_64)
			return -1;
		*bytes = (uint64_t)v;
	}
	return 0;
}

int config_parse_seconds(const char *s, double min, double max, double *out)
{
	struct number n;
	const char *end = scan_number(s, &n);

	if (!end || *end || n.value < min || n.value > max)
		return -1;
	*out = n.value;
	return 0;
}

/*
 * Every string stored in a struct options, newest first. One list rather
 * than a free per field, so a failed load can drop exactly what it added.
 */
struct owned_string {
	struct owned_string *next;
	char text[];
};

static struct owned_string *owned_strings;

static const char *own_string(const char *s, size_t len)
{
	struct owned_string *o = malloc(sizeof(*o) + len + 1);

	if (!o)
		return NULL;
	memcpy(o->text, s, len);
	o->text[len] = '\0';
	o->next = owned_strings;
	owned_strings = o;
	return o->text;
}

static void release_to(struct owned_string *mark)
{
	while (owned_strings != mark) {
		struct owned_string *next = owned_strings->next;

		free(owned_strings);
		owned_strings = next;
	}
}

void config_release(void)
{
	release_to(NULL);
}

/* The file being read. Values land in a copy of the options, handed back only if all is well. */
struct config_file {
	const char *path;
	unsigned line;
	struct options opts;
	char why[256];  /* what is wrong with the value at hand */
	char shown[80]; /* that value, as the message quotes it */
};

/*
 * A value as an error message quotes it: control bytes would break the
 * one-line message (or drive the terminal), and 4 KiB would drown it.
 */
static const char *shown(struct config_file *f, const char *value, size_t len)
{
	size_t n = 0, max = sizeof(f->shown) - 4;
	size_t i;

	for (i = 0; i < len && n < max; i++) {
		unsigned char c = (unsigned char)value[i];

		f->shown[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (i < len) {
		/* Do not cut a UTF-8 character in half. */
		if (((unsigned char)value[i] & 0xc0) == 0x80) {
			while (n > 0 && ((unsigned char)f->shown[n - 1] & 0xc0) == 0x80)
				n--;
			if (n > 0)
				n--;
		}
		memcpy(f->shown + n, "...", 3);
		n += 3;
	}
	f->shown[n] = '\0';
	return f->shown;
}

static const char *shown_str(struct config_file *f, const char *value)
{
	return shown(f, value, strlen(value));
}

__attribute__((format(printf, 2, 3))) static int bad_value(struct config_file *f,
							   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int keep_string(struct config_file *f, const char *s, size_t len, const char **dst)
{
	const char *copy = own_string(s, len);

	if (!copy)
		return bad_value(f, "out of memory");
	*dst = copy;
	return 0;
}

static int set_seconds(struct config_file *f, const char *value, double min, double max,
		       double *dst)
{
	if (config_parse_seconds(value, min, max, dst))
		return bad_value(f, "'%s' is not a number of seconds from %g to %g",
				 shown_str(f, value), min, max);
	return 0;
}

static int set_interval(struct config_file *f, const char *value)
{
	return set_seconds(f, value, INTERVAL_MIN, INTERVAL_MAX, &f->opts.interval);
}

static int set_window(struct config_file *f, const char *value)
{
	return set_seconds(f, value, WINDOW_MIN, WINDOW_MAX, &f->opts.alerts.window);
}

static int set_alert_hold(struct config_file *f, const char *value)
{
	return set_seconds(f, value, 0, HOLD_MAX, &f->opts.alerts.hold);
}

static int set_rate(struct config_file *f, const char *value, double *dst)
{
	if (config_parse_rate(value, dst))
		return bad_value(f, "'%s' is not a rate (e.g. 1024K, 1M, 100Mbit/s, off)",
				 shown_str(f, value));
	return 0;
}

static int set_threshold(struct config_file *f, const char *value)
{
	return set_rate(f, value, &f->opts.alerts.process_rate);
}

static int set_total_threshold(struct config_file *f, const char *value)
{
	return set_rate(f, value, &f->opts.alerts.total_rate);
}

static int set_interface_threshold(struct config_file *f, const char *value)
{
	return set_rate(f, value, &f->opts.alerts.interface_rate);
}

static int set_daily_quota(struct config_file *f, const char *value)
{
	if (config_parse_size(value, &f->opts.alerts.daily_quota))
		return bad_value(f, "'%s' is not a size (e.g. 500M, 2G, 1TiB, off)",
				 shown_str(f, value));
	return 0;
}

static int set_db(struct config_file *f, const char *value)
{
	if (strcasecmp(value, "off") == 0) { /* as for rates: a path starts with '/' anyway */
		f->opts.no_db = true;
		return 0;
	}
	/* A service's working directory is not the user's: a relative path would surprise. */
	if (value[0] != '/')
		return bad_value(f, "'%s' is not an absolute path or off", shown_str(f, value));
	return keep_string(f, value, strlen(value), &f->opts.db_path);
}

static int set_retention(struct config_file *f, const char *value)
{
	struct number n;
	const char *end = scan_number(value, &n);

	if (!end || *end || !n.exact || n.integer > RETENTION_DAYS_MAX)
		return bad_value(f, "'%s' is not a whole number of days from 0 to %d",
				 shown_str(f, value), RETENTION_DAYS_MAX);
	f->opts.retention_days = (unsigned)n.integer;
	return 0;
}

/* "eth0" or "eth0, wlan0"; each name is checked as -i checks it. */
static int add_interfaces(struct config_file *f, const char *value)
{
	const char *p = value;

	for (;;) {
		const char *comma = strchrnul(p, ',');
		const char *start = skip_blanks(p), *end = comma;
		size_t len;

		while (end > start && is_blank(end[-1]))
			end--;
		len = (size_t)(end - start);
		if (len == 0)
			return bad_value(f, "empty name in '%s'", shown_str(f, value));
		if (len >= IFNAMSIZ || memchr(start, '/', len))
			return bad_value(f, "'%s' is not an interface name (1 to %d bytes)",
					 shown(f, start, len), IFNAMSIZ - 1);
		if (f->opts.nifaces == CLI_MAX_FILTERS)
			return bad_value(f, "at most %d may be given", CLI_MAX_FILTERS);
		if (keep_string(f, start, len, &f->opts.ifaces[f->opts.nifaces]))
			return -1;
		f->opts.nifaces++;
		if (!*comma)
			return 0;
		p = comma + 1;
	}
}

static int set_hooks(struct config_file *f, const char *value)
{
	if (cli_parse_hooks(value, &f->opts.hooks) == 0)
		return 0;
	return bad_value(f, "unknown tier '%s'; use auto, fentry, tracepoint or kprobe",
			 shown_str(f, value));
}

static int set_tc(struct config_file *f, const char *value)
{
	if (cli_parse_tc_mode(value, &f->opts.tc) == 0)
		return 0;
	return bad_value(f, "unknown mode '%s'; use auto, tcx, netlink or off",
			 shown_str(f, value));
}

static int set_numeric(struct config_file *f, const char *value)
{
	if (strcmp(value, "yes") == 0)
		f->opts.no_rdns = true;
	else if (strcmp(value, "no") == 0)
		f->opts.no_rdns = false;
	else
		return bad_value(f, "'%s' is neither yes nor no", shown_str(f, value));
	return 0;
}

/* Kept as written: the caller splits it into argv and runs it without a shell. */
static int set_alert_exec(struct config_file *f, const char *value)
{
	return keep_string(f, value, strlen(value), &f->opts.alert_exec);
}

static const struct config_key {
	const char *name;
	int (*apply)(struct config_file *f, const char *value);
	bool repeatable;
} config_keys[] = {
	{ "interval", set_interval, false },
	{ "hooks", set_hooks, false },
	{ "tc", set_tc, false },
	{ "interface", add_interfaces, true },
	{ "numeric", set_numeric, false },
	{ "db", set_db, false },
	{ "retention", set_retention, false },
	{ "threshold", set_threshold, false },
	{ "total_threshold", set_total_threshold, false },
	{ "interface_threshold", set_interface_threshold, false },
	{ "daily_quota", set_daily_quota, false },
	{ "window", set_window, false },
	{ "alert_hold", set_alert_hold, false },
	{ "alert_exec", set_alert_exec, false },
};

/* Levenshtein distance to a known key (at most 31 bytes), for "did you mean". */
static size_t edit_distance(const char *typed, const char *key)
{
	size_t row[32], key_len = strlen(key);

	for (size_t j = 0; j <= key_len; j++)
		row[j] = j;
	for (size_t i = 1; typed[i - 1]; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (size_t j = 1; j <= key_len; j++) {
			size_t above = row[j];
			size_t best = diagonal + (typed[i - 1] != key[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = above;
		}
	}
	return row[key_len];
}

/* The known key a typo most likely meant, or NULL when none is close. */
static const char *closest_key(const char *typed)
{
	const char *best = NULL;
	size_t best_distance = 3; /* at most two edits */

	if (strlen(typed) > 40)
		return NULL;
	for (size_t k = 0; k < ARRAY_SIZE(config_keys); k++) {
		const char *name = config_keys[k].name;
		size_t d = edit_distance(typed, name);

		/* Short keys are close to everything short: "tc" is no hint for "xy". */
		if (d < best_distance && d * 3 <= strlen(name)) {
			best = name;
			best_distance = d;
		}
	}
	return best;
}

#define config_error(err, errlen, ...) nh_error(err, errlen, NH_EXIT_CONFIG, __VA_ARGS__)

/* Blanks off both ends, in place. */
static char *trim(char *s)
{
	char *end;

	s = (char *)skip_blanks(s);
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* "value" -> value, only when the quotes are a single pair around all of it. */
static char *unquote(char *value)
{
	size_t len = strlen(value);

	if (len < 2 || value[0] != '"' || value[len - 1] != '"' ||
	    memchr(value + 1, '"', len - 2))
		return value;
	value[len - 1] = '\0';
	return value + 1;
}

static int apply_line(struct config_file *f, char *line, unsigned *first_line, char *err,
		      size_t errlen)
{
	const struct config_key *key;
	char *name = trim(line), *eq, *value;
	const char *hint;
	size_t k;

	if (*name == '\0' || *name == '#')
		return 0;
	eq = strchr(name, '=');
	if (!eq)
		return config_error(err, errlen, "%s:%u: expected 'key = value', not '%s'",
				    f->path, f->line, shown_str(f, name));
	*eq = '\0';
	name = trim(name);
	value = trim(eq + 1);
	if (*name == '\0')
		return config_error(err, errlen, "%s:%u: no key before '='", f->path, f->line);

	for (k = 0; k < ARRAY_SIZE(config_keys); k++)
		if (strcmp(name, config_keys[k].name) == 0)
			break;
	if (k == ARRAY_SIZE(config_keys)) {
		hint = closest_key(name);
		if (hint)
			return config_error(err, errlen,
					    "%s:%u: unknown key '%s'; did you mean '%s'?", f->path,
					    f->line, shown_str(f, name), hint);
		return config_error(err, errlen, "%s:%u: unknown key '%s'", f->path, f->line,
				    shown_str(f, name));
	}
	key = &config_keys[k];

	if (first_line[k] && !key->repeatable)
		return config_error(err, errlen, "%s:%u: duplicate key '%s' (first set on line %u)",
				    f->path, f->line, key->name, first_line[k]);
	if (!first_line[k])
		first_line[k] = f->line;

	value = unquote(value);
	if (*value == '\0')
		return config_error(err, errlen, "%s:%u: %s: empty value", f->path, f->line,
				    key->name);
	if (key->apply(f, value))
		return config_error(err, errlen, "%s:%u: %s: %s", f->path, f->line, key->name,
				    f->why);
	return 0;
}

enum read_status {
	READ_LINE,
	READ_EOF,
	READ_TOO_LONG,
	READ_NUL,
	READ_ERROR,
};

/*
 * One line without its newline; a last line without one counts. Bounded, so
 * a binary file given by mistake is refused without reading all of it.
 */
static enum read_status read_line(FILE *file, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	while ((c = getc(file)) != EOF && c != '\n') {
		if (c == '\0')
			return READ_NUL;
		if (n == size - 1)
			return READ_TOO_LONG;
		buf[n++] = (char)c;
	}
	if (c == EOF && ferror(file))
		return READ_ERROR;
	if (c == EOF && n == 0)
		return READ_EOF;
	buf[n] = '\0';
	return READ_LINE;
}

/*
 * The file can set alert_exec, a command nethound runs as root: if others may
 * write to it, they may run anything as root. The checks of sshd's StrictModes.
 */
static int check_owner_and_mode(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (!S_ISREG(st->st_mode))
		return 0; /* --config <(...) is a pipe of the user's own making */
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return config_error(err, errlen,
				    "%s belongs to uid %u and can name a command to run; "
				    "chown root %s",
				    path, (unsigned)st->st_uid, path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return config_error(err, errlen,
				    "%s is writable by others and can name a command to run; "
				    "chmod go-w %s",
				    path, path);
	return 0;
}

int config_load(const char *path, bool must_exist, struct options *opts, char *err,
		size_t errlen)
{
	struct owned_string *mark = owned_strings;
	unsigned first_line[ARRAY_SIZE(config_keys)] = { 0 };
	char line[CONFIG_LINE_MAX + 1];
	struct config_file f = { .path = path };
	enum read_status status;
	struct stat st;
	FILE *file;
	int rc = 0;

	if (errlen)
		err[0] = '\0';
	file = fopen(path, "re");
	if (!file) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return config_error(err, errlen, "cannot read %s (%s)", path, strerror(errno));
	}
	if (fstat(fileno(file), &st)) {
		rc = config_error(err, errlen, "cannot read %s (%s)", path, strerror(errno));
		goto cleanup;
	}
	rc = check_owner_and_mode(path, &st, err, errlen);
	if (rc)
		goto cleanup;

	f.opts = *opts;
	while ((status = read_line(file, line, sizeof(line))) != READ_EOF) {
		char *text = line;

		f.line++;
		if (status == READ_ERROR) {
			/* A directory opens fine and fails here, with EISDIR. */
			rc = config_error(err, errlen, "cannot read %s (%s)", path,
					  strerror(errno));
			break;
		}
		if (status == READ_TOO_LONG) {
			rc = config_error(err, errlen, "%s:%u: line longer than %d bytes", path,
					  f.line, CONFIG_LINE_MAX);
			break;
		}
		if (status == READ_NUL) {
			rc = config_error(err, errlen, "%s:%u: NUL byte; is this a text file?",
					  path, f.line);
			break;
		}
		/* Some editors start UTF-8 files with a byte order mark. */
		if (f.line == 1 && strncmp(text, "\xef\xbb\xbf", 3) == 0)
			text += 3;
		rc = apply_line(&f, text, first_line, err, errlen);
		if (rc)
			break;
	}

cleanup:
	fclose(file);
	if (rc) {
		release_to(mark);
		return rc;
	}
	*opts = f.opts;
	return 0;
}
