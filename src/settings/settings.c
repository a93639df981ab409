// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Values of settings, whichever way they are given. Numbers are scanned here
 * rather than with strtod()/strtoull(): those take a locale's decimal comma,
 * hex, "inf", leading blanks and signs, none of which a setting should mean.
 */
#include <arpa/inet.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "settings/settings.h"
#include "core/text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define TWO_TO_THE_64 18446744073709551616.0

static const char *const report_format_names[] = {
	[REPORT_TEXT] = "text",
	[REPORT_JSON] = "json",
	[REPORT_CSV] = "csv",
};

void settings_defaults(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->interval = 1.0;
	opts->retention_days = 30;
	alert_config_defaults(&opts->alerts);
	opts->report_top = 10;
	opts->metrics_max_series = SETTINGS_METRICS_SERIES_DEFAULT;
	opts->history_rows_per_tick = SETTINGS_HISTORY_ROWS_DEFAULT;
	opts->history_names_per_hour = SETTINGS_HISTORY_NAMES_DEFAULT;
	opts->history_min_free = SETTINGS_HISTORY_MIN_FREE_DEFAULT;
	opts->snaplen = SETTINGS_SNAPLEN_MAX;
	opts->ring_size = SETTINGS_RING_DEFAULT;
	opts->capture_seconds = SETTINGS_CAPTURE_SECONDS_DEFAULT;
	opts->capture_max_bytes = SETTINGS_CAPTURE_MAX_BYTES_DEFAULT;
}

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

int settings_parse_rate(const char *s, double *bytes_per_second)
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
	if (!isfinite(v) || v > SETTINGS_RATE_MAX)
		return -1;
	*bytes_per_second = v;
	return 0;
}

int settings_parse_size(const char *s, uint64_t *bytes)
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

int settings_parse_seconds(const char *s, double min, double max, double *out)
{
	struct number n;
	const char *end = scan_number(s, &n);

	if (!end || *end || n.value < min || n.value > max)
		return -1;
	*out = n.value;
	return 0;
}


int settings_parse_whole(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	struct number n;
	const char *end = scan_number(s, &n);

	if (!end || *end || !n.exact || n.integer < min || n.integer > max)
		return -1;
	*out = n.integer;
	return 0;
}

const char *settings_quote(char *buf, size_t size, const char *value, size_t len)
{
	size_t done;

	if (size < 4) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	done = text_printable(buf, size - 3, value, len);
	if (done < len)
		strcat(buf, "...");
	return buf;
}

__attribute__((format(printf, 3, 4))) static int why_not(char *why, size_t whylen,
							  const char *fmt, ...)
{
	va_list ap;

	if (whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "'<value>' <rest>": every message about a bad value quotes it the same way. */
__attribute__((format(printf, 4, 5))) static int bad_value(char *why, size_t whylen,
							    const char *value, const char *fmt, ...)
{
	char quoted[SETTINGS_QUOTED_MAX];
	va_list ap;
	size_t n;

	if (!whylen)
		return -1;
	n = (size_t)snprintf(why, whylen, "'%s' ",
			     settings_quote(quoted, sizeof(quoted), value, strlen(value)));
	if (n < whylen) {
		va_start(ap, fmt);
		vsnprintf(why + n, whylen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "a, b or c" from a table of names, so a message lists exactly what is accepted. */
static const char *name_list(char *buf, size_t size, const char *const *names, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
	return buf;
}

/* The index of value in names, or -1 with "unknown <what> '<value>'; use a, b or c" in why. */
static int name_index(const char *const *names, size_t n, const char *what, const char *value,
		      char *why, size_t whylen)
{
	char list[128];

	char quoted[SETTINGS_QUOTED_MAX];

	for (size_t i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return (int)i;
	return why_not(why, whylen, "unknown %s '%s'; use %s", what,
		       settings_quote(quoted, sizeof(quoted), value, strlen(value)),
		       name_list(list, sizeof(list), names, n));
}

int settings_set_hooks(struct options *opts, const char *value, char *why, size_t whylen)
{
	int i = name_index(hook_tier_names, HOOKS_MAX, "tier", value, why, whylen);

	if (i < 0)
		return -1;
	opts->hooks = (enum hook_tier)i;
	return 0;
}

int settings_set_tc(struct options *opts, const char *value, char *why, size_t whylen)
{
	int i = name_index(tc_mode_names, TC_MODE_MAX, "mode", value, why, whylen);

	if (i < 0)
		return -1;
	opts->tc = (enum tc_mode)i;
	return 0;
}

int settings_set_report_by(struct options *opts, const char *value, char *why, size_t whylen)
{
	static const char *const names[] = { "process", "user", "unit", "container" };
	int i = name_index(names, ARRAY_SIZE(names), "grouping", value, why, whylen);

	if (i < 0)
		return -1;
	opts->report_by = (enum report_by)i;
	return 0;
}

int settings_set_report_format(struct options *opts, const char *value, char *why, size_t whylen)
{
	int i = name_index(report_format_names, ARRAY_SIZE(report_format_names), "format", value,
			   why, whylen);

	if (i < 0)
		return -1;
	opts->report_format = (enum report_format)i;
	return 0;
}

static int set_seconds(const char *value, double min, double max, double *dst, char *why,
		       size_t whylen)
{
	if (settings_parse_seconds(value, min, max, dst))
		return bad_value(why, whylen, value, "is not a number of seconds from %g to %g", min,
				 max);
	return 0;
}

int settings_set_interval(struct options *opts, const char *value, char *why, size_t whylen)
{
	return set_seconds(value, SETTINGS_INTERVAL_MIN, SETTINGS_INTERVAL_MAX, &opts->interval,
			   why, whylen);
}

int settings_set_window(struct options *opts, const char *value, char *why, size_t whylen)
{
	return set_seconds(value, SETTINGS_INTERVAL_MIN, SETTINGS_INTERVAL_MAX,
			   &opts->alerts.window, why, whylen);
}

int settings_set_alert_hold(struct options *opts, const char *value, char *why, size_t whylen)
{
	return set_seconds(value, 0, SETTINGS_HOLD_MAX, &opts->alerts.hold, why, whylen);
}

int settings_set_alert_exec_timeout(struct options *opts, const char *value, char *why,
				    size_t whylen)
{
	return set_seconds(value, SETTINGS_EXEC_TIMEOUT_MIN, SETTINGS_EXEC_TIMEOUT_MAX,
			   &opts->alert_exec_timeout, why, whylen);
}

static int set_rate(const char *value, double *dst, char *why, size_t whylen)
{
	if (settings_parse_rate(value, dst))
		return bad_value(why, whylen, value, "is not a rate (e.g. 1024K, 1M, 100Mbit/s, off)");
	return 0;
}

int settings_set_threshold(struct options *opts, const char *value, char *why, size_t whylen)
{
	return set_rate(value, &opts->alerts.process_rate, why, whylen);
}

int settings_set_total_threshold(struct options *opts, const char *value, char *why,
				 size_t whylen)
{
	return set_rate(value, &opts->alerts.total_rate, why, whylen);
}

int settings_set_interface_threshold(struct options *opts, const char *value, char *why,
				     size_t whylen)
{
	return set_rate(value, &opts->alerts.interface_rate, why, whylen);
}

int settings_set_unit_threshold(struct options *opts, const char *value, char *why, size_t whylen)
{
	return set_rate(value, &opts->alerts.unit_rate, why, whylen);
}

int settings_set_container_threshold(struct options *opts, const char *value, char *why,
				     size_t whylen)
{
	return set_rate(value, &opts->alerts.container_rate, why, whylen);
}

int settings_set_daily_quota(struct options *opts, const char *value, char *why, size_t whylen)
{
	if (settings_parse_size(value, &opts->alerts.daily_quota))
		return bad_value(why, whylen, value, "is not a size (e.g. 500M, 2G, 1TiB, off)");
	return 0;
}

int settings_set_retention(struct options *opts, const char *value, char *why, size_t whylen)
{
	uint64_t v;

	if (settings_parse_whole(value, 0, SETTINGS_RETENTION_DAYS_MAX, &v))
		return bad_value(why, whylen, value,
				 "is not a whole number of days from 0 to %d (0 keeps them for good)",
				 SETTINGS_RETENTION_DAYS_MAX);
	opts->retention_days = (unsigned)v;
	return 0;
}

static int set_history_cap(const char *value, unsigned *out, char *why, size_t whylen)
{
	uint64_t v;

	if (strcmp(value, "off") == 0) {
		*out = 0;
		return 0;
	}
	if (settings_parse_whole(value, 1, SETTINGS_HISTORY_CAP_MAX, &v))
		return bad_value(why, whylen, value, "is not a whole number from 1 to %d, or off",
				 SETTINGS_HISTORY_CAP_MAX);
	*out = (unsigned)v;
	return 0;
}

int settings_set_history_rows_per_tick(struct options *opts, const char *value, char *why,
				       size_t whylen)
{
	return set_history_cap(value, &opts->history_rows_per_tick, why, whylen);
}

int settings_set_history_names_per_hour(struct options *opts, const char *value, char *why,
					size_t whylen)
{
	return set_history_cap(value, &opts->history_names_per_hour, why, whylen);
}

int settings_set_history_min_free(struct options *opts, const char *value, char *why,
				  size_t whylen)
{
	if (settings_parse_size(value, &opts->history_min_free))
		return bad_value(why, whylen, value, "is not a size (e.g. 64M, 1G, off)");
	return 0;
}

int settings_set_count(struct options *opts, const char *value, char *why, size_t whylen)
{
	opts->count_set = true;
	if (settings_parse_whole(value, 1, SETTINGS_COUNT_MAX, &opts->count))
		return bad_value(why, whylen, value, "is not a whole number from 1 to %u",
				 SETTINGS_COUNT_MAX);
	return 0;
}

int settings_set_report_top(struct options *opts, const char *value, char *why, size_t whylen)
{
	uint64_t v;

	if (settings_parse_whole(value, 1, SETTINGS_TOP_MAX, &v))
		return bad_value(why, whylen, value, "is not a whole number from 1 to %d",
				 SETTINGS_TOP_MAX);
	opts->report_top = (unsigned)v;
	return 0;
}

int settings_add_pid(struct options *opts, const char *value, char *why, size_t whylen)
{
	uint64_t v;

	if (settings_parse_whole(value, 1, SETTINGS_PID_MAX, &v))
		return bad_value(why, whylen, value, "is not a process id");
	if (opts->npids == CLI_MAX_FILTERS)
		return why_not(why, whylen, "at most %d may be given", CLI_MAX_FILTERS);
	opts->pids[opts->npids++] = (uint32_t)v;
	return 0;
}

int settings_add_comm(struct options *opts, const char *value, char *why, size_t whylen)
{
	size_t len = strlen(value);

	if (len == 0 || len > SETTINGS_COMM_MAX)
		return bad_value(why, whylen, value, "is not a process name (1 to %d bytes)",
				 SETTINGS_COMM_MAX);
	if (opts->ncomms == CLI_MAX_FILTERS)
		return why_not(why, whylen, "at most %d may be given", CLI_MAX_FILTERS);
	opts->comms[opts->ncomms++] = value;
	return 0;
}

/* A user, unit or container name: bytes as found, so only length and NUL-free are checked. */
static int add_name(const char **list, size_t *n, const char *value, const char *what, char *why,
		    size_t whylen)
{
	size_t len = strlen(value);

	if (len == 0 || len > SETTINGS_NAME_MAX)
		return bad_value(why, whylen, value, "is not a %s (1 to %d bytes)", what,
				 SETTINGS_NAME_MAX);
	if (*n == CLI_MAX_FILTERS)
		return why_not(why, whylen, "at most %d may be given", CLI_MAX_FILTERS);
	list[(*n)++] = value;
	return 0;
}

int settings_add_user(struct options *opts, const char *value, char *why, size_t whylen)
{
	return add_name(opts->users, &opts->nusers, value, "user name or uid", why, whylen);
}

int settings_add_unit(struct options *opts, const char *value, char *why, size_t whylen)
{
	return add_name(opts->units, &opts->nunits, value, "unit name", why, whylen);
}

int settings_add_container(struct options *opts, const char *value, char *why, size_t whylen)
{
	return add_name(opts->containers, &opts->ncontainers, value, "container name or id", why,
			whylen);
}

int settings_add_interface(struct options *opts, const char *value, char *why, size_t whylen)
{
	size_t len = strlen(value);

	if (len == 0 || len >= IFNAMSIZ || strchr(value, '/'))
		return bad_value(why, whylen, value, "is not an interface name (1 to %d bytes)",
				 IFNAMSIZ - 1);
	if (opts->nifaces == CLI_MAX_FILTERS)
		return why_not(why, whylen, "at most %d may be given", CLI_MAX_FILTERS);
	opts->ifaces[opts->nifaces++] = value;
	return 0;
}

static void listen_v4(struct options *opts, struct in_addr a, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&opts->listen_addr;

	memset(&opts->listen_addr, 0, sizeof(opts->listen_addr));
	sin->sin_family = AF_INET;
	sin->sin_addr = a;
	sin->sin_port = htons(port);
	opts->listen_addrlen = sizeof(*sin);
	opts->listen_set = true;
}

static void listen_v6(struct options *opts, const struct in6_addr *a, uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&opts->listen_addr;

	memset(&opts->listen_addr, 0, sizeof(opts->listen_addr));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = *a;
	sin6->sin6_port = htons(port);
	opts->listen_addrlen = sizeof(*sin6);
	opts->listen_set = true;
}

/*
 * Numeric addresses only (and localhost): a name that resolves differently
 * tomorrow should not move a listener. A bare port means loopback, so
 * metrics are never exposed to the network by accident.
 */
int settings_set_listen(struct options *opts, const char *value, char *why, size_t whylen)
{
	const char *colon = strrchr(value, ':'), *port_text = NULL;
	struct in_addr loopback = { .s_addr = htonl(INADDR_LOOPBACK) };
	char host[INET6_ADDRSTRLEN + 2];
	uint16_t port = SETTINGS_METRICS_PORT;
	struct in6_addr a6;
	struct in_addr a4;
	uint64_t v;
	size_t hostlen;

	if (!value[0])
		goto bad;
	if (strcmp(value, "off") == 0) {
		opts->listen_set = false;
		return 0;
	}
	if (strcmp(value, "on") == 0) {
		listen_v4(opts, loopback, port);
		return 0;
	}
	if (value[0] == '[') {
		const char *close = strchr(value, ']');

		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		hostlen = (size_t)(close - value - 1);
		if (hostlen >= sizeof(host))
			goto bad;
		memcpy(host, value + 1, hostlen);
		host[hostlen] = '\0';
		if (close[1] == ':')
			port_text = close + 2;
	} else if (colon && strchr(value, ':') != colon) {
		goto bad; /* an IPv6 address needs brackets: [::1]:9077 */
	} else if (colon) {
		hostlen = (size_t)(colon - value);
		if (hostlen >= sizeof(host))
			goto bad;
		memcpy(host, value, hostlen);
		host[hostlen] = '\0';
		port_text = colon + 1;
	} else if (settings_parse_whole(value, 0, UINT64_MAX, &v) == 0) {
		host[0] = '\0';
		port_text = value;
	} else {
		if (strlen(value) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%s", value);
	}
	if (port_text) {
		if (settings_parse_whole(port_text, 1, 65535, &v))
			return bad_value(why, whylen, value,
					 "has no port from 1 to 65535 (e.g. 9077, 127.0.0.1:9077, "
					 "[::1]:9077)");
		port = (uint16_t)v;
	}
	if (!host[0] || strcmp(host, "localhost") == 0)
		listen_v4(opts, loopback, port);
	else if (inet_pton(AF_INET, host, &a4) == 1)
		listen_v4(opts, a4, port);
	else if (inet_pton(AF_INET6, host, &a6) == 1)
		listen_v6(opts, &a6, port);
	else
		goto bad;
	return 0;
bad:
	return bad_value(why, whylen, value,
			 "is not PORT, ADDRESS:PORT, [IPv6]:PORT, ADDRESS, on or off (numeric "
			 "addresses; a port alone listens on 127.0.0.1)");
}

int settings_set_metrics_max_series(struct options *opts, const char *value, char *why,
				    size_t whylen)
{
	if (settings_parse_whole(value, 1, SETTINGS_METRICS_SERIES_MAX, &opts->metrics_max_series))
		return bad_value(why, whylen, value, "is not a whole number from 1 to %d",
				 SETTINGS_METRICS_SERIES_MAX);
	return 0;
}

int settings_set_snaplen(struct options *opts, const char *value, char *why, size_t whylen)
{
	uint64_t v;

	if (settings_parse_whole(value, 1, SETTINGS_SNAPLEN_MAX, &v))
		return bad_value(why, whylen, value, "is not a whole number of bytes from 1 to %d",
				 SETTINGS_SNAPLEN_MAX);
	opts->snaplen = (uint32_t)v;
	return 0;
}

int settings_set_capture_duration(struct options *opts, const char *value, char *why,
				  size_t whylen)
{
	if (settings_parse_seconds(value, SETTINGS_INTERVAL_MIN, SETTINGS_CAPTURE_SECONDS_MAX,
				   &opts->capture_duration))
		return bad_value(why, whylen, value, "is not a number of seconds from %g to %g",
				 SETTINGS_INTERVAL_MIN, SETTINGS_CAPTURE_SECONDS_MAX);
	return 0;
}

int settings_set_capture_proto(struct options *opts, const char *value, char *why, size_t whylen)
{
	static const struct {
		const char *name;
		uint8_t number;
	} names[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP },
		      { "icmpv6", IPPROTO_ICMPV6 }, { "udplite", IPPROTO_UDPLITE } };
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcasecmp(value, names[i].name) == 0) {
			opts->capture_proto = names[i].number;
			return 0;
		}
	}
	if (settings_parse_whole(value, 1, 255, &v))
		return bad_value(why, whylen, value,
				 "is not tcp, udp, icmp, icmpv6, udplite or a protocol number "
				 "from 1 to 255");
	opts->capture_proto = (uint8_t)v;
	return 0;
}

int settings_set_capture_port(struct options *opts, const char *value, char *why, size_t whylen)
{
	uint64_t v;

	if (settings_parse_whole(value, 1, 65535, &v))
		return bad_value(why, whylen, value, "is not a port from 1 to 65535");
	opts->capture_port = (uint16_t)v;
	return 0;
}

int settings_set_ring_size(struct options *opts, const char *value, char *why, size_t whylen)
{
	uint64_t v;

	if (settings_parse_size(value, &v) || v < SETTINGS_RING_MIN || v > SETTINGS_RING_MAX ||
	    (v & (v - 1)))
		return bad_value(why, whylen, value,
				 "is not a power of two from 4K to 1G (e.g. 64K, 16M)");
	opts->ring_size = v;
	return 0;
}

int settings_set_capture_seconds(struct options *opts, const char *value, char *why, size_t whylen)
{
	if (settings_parse_seconds(value, 1, SETTINGS_CAPTURE_ON_ALERT_SECONDS_MAX,
				   &opts->capture_seconds))
		return bad_value(why, whylen, value, "is not a number of seconds from 1 to %g",
				 SETTINGS_CAPTURE_ON_ALERT_SECONDS_MAX);
	return 0;
}

int settings_set_capture_max_bytes(struct options *opts, const char *value, char *why,
				   size_t whylen)
{
	uint64_t v;

	if (settings_parse_size(value, &v) || v < 4096 || v > (1ull << 40))
		return bad_value(why, whylen, value, "is not a size from 4K to 1T (e.g. 10M)");
	opts->capture_max_bytes = v;
	return 0;
}
