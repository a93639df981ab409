// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libmicrohttpd rather than a server of our own: it is in Debian, kept up
 * to date there, parses HTTP/1.1 strictly (400 for malformed requests),
 * bounds connections, per-connection memory and idle time, and runs its
 * own polling thread, which keeps every client off the tick's thread. The
 * web dashboard can add its pages to the same daemon.
 */
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/exitcodes.h"
#include "sinks/metrics/metrics_http.h"

#define USER_CACHE_SIZE 1024 /* a power of two; a full cache starts over */

struct blob {
	unsigned refs; /* touched only on the server's thread */
	size_t len;
	char data[];
};

struct user_entry {
	uint32_t uid;
	bool used;
	bool found;
	char name[64];
};

struct metrics_http {
	struct MHD_Daemon *daemon;
	const struct metrics_http_route *route; /* set before the daemon starts */
	pthread_mutex_t lock;			/* guards latest and every frame's refs */
	struct metrics_frame *latest;
	/* Below: the server's thread only. */
	struct {
		uint64_t generation;
		struct blob *blob;
	} cache[2];
	struct user_entry users[USER_CACHE_SIZE];
	size_t nusers;
};

static void blob_release(void *cls)
{
	struct blob *b = cls;

	if (b && --b->refs == 0)
		free(b);
}

static void frame_release(struct metrics_http *h, struct metrics_frame *f)
{
	bool last;

	if (!f)
		return;
	pthread_mutex_lock(&h->lock);
	last = --f->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (last)
		metrics_frame_free(f);
}

/*
 * getpwuid_r may ask NSS (LDAP, sssd): it runs here, on the server's
 * thread, never on the tick's, and each uid is asked once.
 */
static const char *user_name(void *ctx, uint32_t uid)
{
	struct metrics_http *h = ctx;
	size_t slot = (uid * 2654435761u) & (USER_CACHE_SIZE - 1);
	struct user_entry *e;
	struct passwd pw, *res = NULL;
	char buf[4096];

	while (h->users[slot].used) {
		if (h->users[slot].uid == uid)
			return h->users[slot].found ? h->users[slot].name : NULL;
		slot = (slot + 1) & (USER_CACHE_SIZE - 1);
	}
	if (h->nusers >= USER_CACHE_SIZE / 2) {
		memset(h->users, 0, sizeof(h->users));
		h->nusers = 0;
		slot = (uid * 2654435761u) & (USER_CACHE_SIZE - 1);
	}
	e = &h->users[slot];
	e->used = true;
	e->uid = uid;
	h->nusers++;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res &&
	    strlen(pw.pw_name) < sizeof(e->name)) {
		snprintf(e->name, sizeof(e->name), "%s", pw.pw_name);
		e->found = true;
	}
	return e->found ? e->name : NULL;
}

static int bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v < 0 ? -1 : v != 0;
}

/* The rendered text of the latest frame in fmt, with a reference for the response. */
static struct blob *current_text(struct metrics_http *h, enum metrics_format fmt)
{
	struct metrics_text text = {0};
	struct metrics_frame *f;
	struct blob *b = NULL;

	pthread_mutex_lock(&h->lock);
	f = h->latest;
	if (f)
		f->refs++;
	pthread_mutex_unlock(&h->lock);
	if (!f)
		return NULL;
	if (h->cache[fmt].blob && h->cache[fmt].generation == f->generation) {
		b = h->cache[fmt].blob;
		goto out;
	}
	if (metrics_render(f, fmt, user_name, h, bpf_stats_enabled(), &text) == 0) {
		b = malloc(sizeof(*b) + text.len);
		if (b) {
			b->refs = 1; /* the cache's */
			b->len = text.len;
			memcpy(b->data, text.buf, text.len);
			blob_release(h->cache[fmt].blob);
			h->cache[fmt].blob = b;
			h->cache[fmt].generation = f->generation;
		}
	}
	free(text.buf);
out:
	if (b)
		b->refs++;
	frame_release(h, f);
	return b;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum metrics_format wanted_format(struct MHD_Connection *c)
{
	const char *accept =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	return accept && strstr(accept, "application/openmetrics-text") ? METRICS_FORMAT_OPENMETRICS
									: METRICS_FORMAT_PROMETHEUS;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct metrics_http *h = cls;
	enum metrics_format fmt;
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct blob *b;

	(void)version;
	(void)upload_data;
	/* Answered on the first call, once the headers are in: a body is never read. */
	if (*con_cls)
		return *upload_data_size ? MHD_NO : MHD_YES;
	*con_cls = h;
	if (h->route) {
		int routed = h->route->handle(h->route->ctx, c, url, method);

		if (routed >= 0)
			return (enum MHD_Result)routed;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH) ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return reply(c, MHD_HTTP_BAD_REQUEST, "a GET carries no body\n");
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, "nethound: metrics at /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "not found; metrics are at /metrics\n");
	fmt = wanted_format(c);
	b = current_text(h, fmt);
	if (!b)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot yet\n");
	r = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data, blob_release,
								   b);
	if (!r) {
		blob_release(b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, metrics_content_type(fmt));
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int metrics_http_start(struct metrics_http **out, const struct sockaddr *addr, socklen_t addrlen,
		       char *err, size_t errlen)
{
	return metrics_http_start_routed(out, addr, addrlen, NULL, err, errlen);
}

int metrics_http_start_routed(struct metrics_http **out, const struct sockaddr *addr,
			      socklen_t addrlen, const struct metrics_http_route *route, char *err,
			      size_t errlen)
{
	/* Suspending lets the dashboard's event streams wait for a tick without a thread each. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	struct metrics_http *h = calloc(1, sizeof(*h));
	sigset_t all, old;
	int saved;

	(void)addrlen;
	*out = NULL;
	if (!h) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->route = route;
	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * The server's thread inherits a mask blocking every signal, so
	 * SIGINT/SIGTERM always reach the tick's thread and end its wait.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = 0;
	h->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_MAX_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_MAX_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_HTTP_REQUEST_MAX * 2,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)METRICS_HTTP_MAX_CONNECTIONS,
	    /* HTTP/1.1 without Host, blanks in header names and the like get 400. */
	    MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->daemon) {
		snprintf(err, errlen,
			 "nethound: --listen: cannot serve metrics on that address (%s); is the "
			 "port taken or the address not local? choose another with --listen",
			 saved ? strerror(saved) : "libmicrohttpd refused");
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NH_EXIT_USAGE;
	}
	*out = h;
	return 0;
}

void metrics_http_publish(struct metrics_http *h, struct metrics_frame *f)
{
	struct metrics_frame *old;

	pthread_mutex_lock(&h->lock);
	old = h->latest;
	h->latest = f;
	pthread_mutex_unlock(&h->lock);
	frame_release(h, old);
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->route && h->route->stop)
		h->route->stop(h->route->ctx);
	MHD_stop_daemon(h->daemon);
	frame_release(h, h->latest);
	for (size_t i = 0; i < 2; i++)
		blob_release(h->cache[i].blob);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
