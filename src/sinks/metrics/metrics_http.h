/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The /metrics endpoint: libmicrohttpd on a thread of its own, serving the
 * latest frame the tick published. The tick only swaps a pointer under a
 * mutex, so no client, however slow, can delay it. Read-only: GET and HEAD
 * of /metrics; connections, request size and time are bounded, and
 * libmicrohttpd answers malformed requests with 400 itself.
 */
#ifndef NETHOUND_METRICS_HTTP_H
#define NETHOUND_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "sinks/metrics/metrics_model.h"

#define METRICS_HTTP_MAX_CONNECTIONS 64
#define METRICS_HTTP_MAX_PER_IP 16
#define METRICS_HTTP_TIMEOUT_S 5
#define METRICS_HTTP_REQUEST_MAX 8192 /* request line and headers, bytes */

struct metrics_http;

/* Bind and start serving; 0 or an NH_EXIT_* code with cause and remedy in err. */
int metrics_http_start(struct metrics_http **out, const struct sockaddr *addr, socklen_t addrlen,
		       char *err, size_t errlen);

/* Serve f from now on; takes ownership (frees it once no response uses it). */
void metrics_http_publish(struct metrics_http *h, struct metrics_frame *f);

/* Stop the thread, close every connection, free. */
void metrics_http_stop(struct metrics_http *h);

#endif
