/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dashboard's judgements of a request, as pure functions of its header
 * and argument strings (no server, no state), so they are unit-tested
 * without a listener: who may press a control, which Host is answered, what
 * a report range or a threshold may look like.
 */
#ifndef NETHOUND_WEB_CHECK_H
#define NETHOUND_WEB_CHECK_H

#include <stdbool.h>

/* Host (as the request has it) is an IP address or localhost, with or without a port. */
bool web_host_is_literal(const char *host);
/* given equals secret, in a time that does not depend on where they differ; NULL: false. */
bool web_secret_equal(const char *secret, const char *given);
/*
 * A control may come from here: no Sec-Fetch-Site or "same-origin", and no
 * Origin (a script with curl) or http:// plus this very Host.
 */
bool web_same_origin(const char *origin, const char *sec_fetch_site, const char *host);
/* A date or time as report --date/--from/--to take it (digits, '-', ':', ' '); NULL is fine. */
bool web_plausible_time(const char *s);
/* ?bytes_per_second=N: a plain number from 0 to WEB_THRESHOLD_MAX. */
bool web_parse_threshold(const char *value, double *out);

#endif
