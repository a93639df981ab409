// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The dashboard's request checks; see web_check.h and web_routes.c's "who may do what". */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sinks/web/web.h"
#include "sinks/web/web_check.h"

bool web_host_is_literal(const char *host)
{
	char name[64];
	const char *end;
	size_t len;
	unsigned char addr[16];

	if (!host)
		return false;
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end || (end[1] && end[1] != ':'))
			return false;
		len = (size_t)(end - host - 1);
		if (len >= sizeof(name))
			return false;
		memcpy(name, host + 1, len);
		name[len] = '\0';
		return inet_pton(AF_INET6, name, addr) == 1;
	}
	end = strchr(host, ':');
	len = end ? (size_t)(end - host) : strlen(host);
	if (len >= sizeof(name))
		return false;
	memcpy(name, host, len);
	name[len] = '\0';
	return strcasecmp(name, "localhost") == 0 || inet_pton(AF_INET, name, addr) == 1;
}

bool web_secret_equal(const char *secret, const char *given)
{
	unsigned char diff = 0;

	if (!given || strlen(given) != strlen(secret))
		return false;
	for (size_t i = 0; secret[i]; i++)
		diff |= (unsigned char)(secret[i] ^ given[i]);
	return diff == 0;
}

bool web_same_origin(const char *origin, const char *sec_fetch_site, const char *host)
{
	if (sec_fetch_site && strcmp(sec_fetch_site, "same-origin") != 0)
		return false;
	if (!origin)
		return true;
	return host && strncmp(origin, "http://", 7) == 0 && strcasecmp(origin + 7, host) == 0;
}

bool web_plausible_time(const char *s)
{
	if (!s)
		return true;
	if (strlen(s) > 16)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == ':' || *s == ' '))
			return false;
	return true;
}

bool web_parse_threshold(const char *value, double *out)
{
	char *end;
	double v;

	/* strtod takes "inf", "nan", hex and leading blanks: a threshold is none of those. */
	if (!value || !*value || strspn(value, "0123456789.eE+") != strlen(value))
		return false;
	v = strtod(value, &end);
	if (*end || !(v >= 0 && v <= WEB_THRESHOLD_MAX))
		return false;
	*out = v;
	return true;
}
