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
struct MHD_Connection;

/*
 * More pages on the same server (the web dashboard, src/sinks/web). handle
 * sees each request once, with its headers, before /metrics does: it returns
 * MHD_YES or MHD_NO once it queued (or suspended) a response, or -1 to leave
 * the request to the metrics routes. The server allows suspending
 * connections; stop runs before the server stops, to resume them.
 */
struct metrics_http_route {
	void *ctx;
	int (*handle)(void *ctx, struct MHD_Connection *c, const char *url, const char *method);
	void (*stop)(void *ctx);
};

/* Bind and start serving; 0 or an NH_EXIT_* code with cause and remedy in err. */
int metrics_http_start(struct metrics_http **out, const struct sockaddr *addr, socklen_t addrlen,
		       char *err, size_t errlen);
/* The same, with route (NULL: none; must outlive the server) asked first. */
int metrics_http_start_routed(struct metrics_http **out, const struct sockaddr *addr,
			      socklen_t addrlen, const struct metrics_http_route *route, char *err,
			      size_t errlen);

/* Serve f from now on; takes ownership (frees it once no response uses it). */
void metrics_http_publish(struct metrics_http *h, struct metrics_frame *f);

/* Stop the thread, close every connection, free. */
void metrics_http_stop(struct metrics_http *h);

#endif
