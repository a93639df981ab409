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
#include <fcntl.h>
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
	char shown[SETTINGS_QUOTED_MAX]; /* that value, as the message quotes it */
};

static const char *shown(struct config_file *f, const char *value, size_t len)
{
	return settings_quote(f->shown, sizeof(f->shown), value, len);
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
		const char *name = NULL;

		if (len == 0)
			return bad_value(f, "empty name in '%s'", shown_str(f, value));
		if (keep_string(f, start, len, &name))
			return -1;
		if (settings_add_interface(&f->opts, name, f->why, sizeof(f->why)))
			return -1;
		if (!*comma)
			return 0;
		p = comma + 1;
	}
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

static int set_web_read_only(struct config_file *f, const char *value)
{
	if (strcmp(value, "yes") == 0)
		f->opts.web_read_only = true;
	else if (strcmp(value, "no") == 0)
		f->opts.web_read_only = false;
	else
		return bad_value(f, "'%s' is neither yes nor no", shown_str(f, value));
	return 0;
}

/* As for db: a service's working directory is not the user's. The file is read at start. */
static int set_web_auth(struct config_file *f, const char *value)
{
	if (strcasecmp(value, "off") == 0) {
		f->opts.web_auth_path = NULL;
		return 0;
	}
	if (value[0] != '/')
		return bad_value(f, "'%s' is not an absolute path or off", shown_str(f, value));
	return keep_string(f, value, strlen(value), &f->opts.web_auth_path);
}

/* Kept as written: the caller splits it into argv and runs it without a shell. */
static int set_db_trust_owner(struct config_file *f, const char *value)
{
	if (strcmp(value, "yes") == 0)
		f->opts.db_trust_owner = true;
	else if (strcmp(value, "no") == 0)
		f->opts.db_trust_owner = false;
	else
		return bad_value(f, "'%s' is neither yes nor no", shown_str(f, value));
	return 0;
}

static int set_alert_exec(struct config_file *f, const char *value)
{
	return keep_string(f, value, strlen(value), &f->opts.alert_exec);
}

static int set_alert_exec_user(struct config_file *f, const char *value)
{
	return keep_string(f, value, strlen(value), &f->opts.alert_exec_user);
}

/* A key's value goes through the setter of settings.c the flag uses, or one of the file's own. */
static const struct config_key {
	const char *name;
	settings_setter *set;
	int (*apply)(struct config_file *f, const char *value);
	bool repeatable;
} config_keys[] = {
	{ "interval", settings_set_interval, NULL, false },
	{ "hooks", settings_set_hooks, NULL, false },
	{ "tc", settings_set_tc, NULL, false },
	{ "interface", NULL, add_interfaces, true },
	{ "numeric", NULL, set_numeric, false },
	{ "db", NULL, set_db, false },
	{ "retention", settings_set_retention, NULL, false },
	{ "db_trust_owner", NULL, set_db_trust_owner, false },
	{ "history_rows_per_tick", settings_set_history_rows_per_tick, NULL, false },
	{ "history_names_per_hour", settings_set_history_names_per_hour, NULL, false },
	{ "history_min_free", settings_set_history_min_free, NULL, false },
	{ "threshold", settings_set_threshold, NULL, false },
	{ "total_threshold", settings_set_total_threshold, NULL, false },
	{ "interface_threshold", settings_set_interface_threshold, NULL, false },
	{ "threshold_unit", settings_set_unit_threshold, NULL, false },
	{ "threshold_container", settings_set_container_threshold, NULL, false },
	{ "daily_quota", settings_set_daily_quota, NULL, false },
	{ "window", settings_set_window, NULL, false },
	{ "alert_hold", settings_set_alert_hold, NULL, false },
	{ "alert_exec", NULL, set_alert_exec, false },
	{ "alert_exec_user", NULL, set_alert_exec_user, false },
	{ "alert_exec_timeout", settings_set_alert_exec_timeout, NULL, false },
	{ "listen", settings_set_listen, NULL, false },
	{ "metrics_max_series", settings_set_metrics_max_series, NULL, false },
	{ "web_read_only", NULL, set_web_read_only, false },
	{ "web_auth", NULL, set_web_auth, false },
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
	if (key->set ? key->set(&f->opts, value, f->why, sizeof(f->why)) : key->apply(f, value))
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
 * The file can set alert_exec and alert_exec_user, a command nethound runs and
 * the user it runs as: if others may write to it, they may run anything as
 * any user but root. The checks of sshd's StrictModes. Only a regular file
 * can be checked: a FIFO or a device has no content an owner vouches for
 * (anyone who can open its other end supplies the lines).
 */
static int check_owner_and_mode(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (S_ISDIR(st->st_mode))
		return config_error(err, errlen, "cannot read %s (%s)", path, strerror(EISDIR));
	if (!S_ISREG(st->st_mode))
		return config_error(err, errlen,
				    "%s is not a regular file and can name a command to run; "
				    "write the settings to a file",
				    path);
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

/*
 * Whoever may write to a directory on the way to the file may swap the file
 * (or a directory under it) for their own: every directory from the file's
 * up to / must belong to root or the caller and be writable by no one else.
 * A sticky directory of root's (/tmp) is fine: others cannot rename or
 * remove what is not theirs there, and a file they planted is theirs, which
 * the file's own check refuses.
 */
static int check_directories(const char *path, char *err, size_t errlen)
{
	char *real = realpath(path, NULL), *slash;
	int rc = 0;

	if (!real)
		return config_error(err, errlen, "cannot read %s (%s)", path, strerror(errno));
	while ((slash = strrchr(real, '/')) != NULL) {
		struct stat st;

		slash[slash == real] = '\0'; /* "/etc/x" -> "/etc", "/etc" -> "/" */
		if (stat(real, &st)) {
			rc = config_error(err, errlen, "cannot read %s (%s: %s)", path, real,
					  strerror(errno));
			break;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			rc = config_error(err, errlen,
					  "%s is in %s, which belongs to uid %u and could swap the "
					  "file; chown root %s",
					  path, real, (unsigned)st.st_uid, real);
			break;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
		    !(st.st_uid == 0 && (st.st_mode & S_ISVTX))) {
			rc = config_error(err, errlen,
					  "%s is in %s, which others can write to and so swap the "
					  "file; chmod go-w %s",
					  path, real, real);
			break;
		}
		if (slash == real)
			break;
	}
	free(real);
	return rc;
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
	int fd, rc = 0;

	if (errlen)
		err[0] = '\0';
	/* Non-blocking: opening a FIFO nobody writes to must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return config_error(err, errlen, "cannot read %s (%s)", path, strerror(errno));
	}
	if (fstat(fd, &st)) {
		rc = config_error(err, errlen, "cannot read %s (%s)", path, strerror(errno));
		close(fd);
		return rc;
	}
	rc = check_owner_and_mode(path, &st, err, errlen);
	if (rc == 0)
		rc = check_directories(path, err, errlen);
	if (rc == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		rc = config_error(err, errlen, "cannot read %s (%s)", path, strerror(errno));
	file = rc ? NULL : fdopen(fd, "r");
	if (!file) {
		if (rc == 0)
			rc = config_error(err, errlen, "cannot read %s (%s)", path,
					  strerror(errno));
		close(fd);
		return rc;
	}

	f.opts = *opts;
	while ((status = read_line(file, line, sizeof(line))) != READ_EOF) {
		char *text = line;

		f.line++;
		if (status == READ_ERROR) {
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

	fclose(file);
	if (rc) {
		release_to(mark);
		return rc;
	}
	*opts = f.opts;
	return 0;
}
