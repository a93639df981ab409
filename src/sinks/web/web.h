/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The web dashboard: a page, its script and styles (embedded at build time),
 * and JSON endpoints, served by the metrics sink's libmicrohttpd server
 * through its route hook, so --listen gives one server. The tick renders
 * the snapshot's JSON (the same as dump --json) and hands it over under a
 * mutex; event streams are fed from it on the server's thread. Controls
 * arrive on the server's thread and are applied on the tick's thread
 * through an eventfd the pipeline's loop waits on. See the README's "Web
 * dashboard" section.
 */
#ifndef NETHOUND_WEB_H
#define NETHOUND_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pipeline/sink.h"
#include "sinks/metrics/metrics_http.h"

#define WEB_TOKEN_BYTES 32
#define WEB_SSE_MAX_CLIENTS 16
#define WEB_SSE_MAX_LAG 8      /* ticks a stream may fall behind before it is dropped */
#define WEB_THRESHOLD_MAX 1e15 /* bytes/s */

/* Write the report of [date] or [from, to) as JSON to out; 0 or an NH_EXIT_* code and err. */
typedef int web_report_fn(void *ctx, const char *date, const char *from, const char *to, FILE *out,
			  char *err, size_t errlen);

struct web_config {
	double threshold;      /* the process rate threshold at start, bytes/s */
	bool read_only;	       /* no control endpoint at all */
	unsigned port;	       /* the listener's: names the cookie, as cookies ignore ports */
	const char *auth_path; /* USER:HASH (crypt(3)) for basic auth; NULL: none */
	web_report_fn *report; /* NULL: /api/report answers 404 */
	void *report_ctx;
};

struct web;

/* Reads auth_path now (before privileges go). 0 or an NH_EXIT_* code, cause and remedy in err. */
int web_open(struct web **out, const struct web_config *cfg, char *err, size_t errlen);
/* The routes to give the metrics server; valid until web_free. */
const struct metrics_http_route *web_route(struct web *w);
/* The controls' secret (hex), new at every start; NULL when read-only. */
const char *web_token(const struct web *w);
struct sink web_sink(struct web *w);
/* After the server has stopped; NULL is fine. */
void web_free(struct web *w);

#endif
