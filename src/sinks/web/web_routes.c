// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The server's side of the dashboard, on the metrics server's thread: the
 * page, the JSON endpoints, the event streams and the controls.
 *
 * Who may do what: anyone who reaches the port may read (as with /metrics);
 * a control needs the secret printed at start, sent as a header or as the
 * cookie that visiting /?token=... sets (SameSite=Strict, so another site's
 * page cannot send it), an Origin, when the browser sends one, that is this
 * server, and no Sec-Fetch-Site other than same-origin. Every web route
 * also wants a Host that is an address or localhost: a page on a name that
 * an attacker re-points at 127.0.0.1 (DNS rebinding) gets nothing.
 */
#include <errno.h>
#include <crypt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/exitcodes.h"
#include "core/json.h"
#include "sinks/web/web_check.h"
#include "sinks/web/web_internal.h"

#define STREAM_BLOCK 32768
#define COOKIE_PREFIX "nethound_token_"
#define TOKEN_HEADER "X-Nethound-Token"
#define CSP                                                                                        \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct web_stream {
	struct web *w;
	struct MHD_Connection *c;
	struct web_blob *cur;
	uint64_t generation; /* of cur */
	size_t off, total, headlen;
	char head[256];
	bool suspended;
	struct web_stream *next, **pprev;
};

static enum MHD_Result send_response(struct MHD_Connection *c, unsigned status,
				     struct MHD_Response *r, const char *type)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return send_response(
	    c, status,
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT),
	    "text/plain; charset=utf-8");
}

/* buf (malloc'd, len bytes) as the response; freed whatever happens. */
static enum MHD_Result send_owned(struct MHD_Connection *c, unsigned status, char *buf, size_t len,
				  const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);

	if (!r)
		free(buf);
	return send_response(c, status, r, type);
}

/* {"error": msg} with status. */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return MHD_NO;
	fputs("{\"error\":\"", f);
	json_escape(f, msg, strlen(msg));
	fputs("\"}\n", f);
	if (fclose(f)) {
		free(buf);
		return MHD_NO;
	}
	return send_owned(c, status, buf, len, "application/json");
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static bool token_equal(const struct web *w, const char *given)
{
	return web_secret_equal(w->token, given);
}

int web_auth_load(struct web *w, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char line[512], *colon, *end;
	struct stat st;
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "nethound: --web-auth: cannot open %s (%s)", path,
			 strerror(errno));
		return NH_EXIT_USAGE;
	}
	if (fstat(fd, &st) || (st.st_mode & 077)) {
		snprintf(err, errlen,
			 "nethound: --web-auth: %s is readable by others; chmod 600 it", path);
		close(fd);
		return NH_EXIT_USAGE;
	}
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	line[n > 0 ? n : 0] = '\0';
	end = strpbrk(line, "\r\n");
	if (end)
		*end = '\0';
	colon = strchr(line, ':');
	if (!colon || colon == line || colon[1] != '$' || strlen(colon + 1) < 20) {
		snprintf(err, errlen,
			 "nethound: --web-auth: %s is not one line USER:HASH with a crypt(3) hash; "
			 "make one with: printf '%%s:%%s\\n' USER \"$(openssl passwd -6)\" > FILE",
			 path);
		return NH_EXIT_USAGE;
	}
	w->auth_user = strdup(line);
	w->crypt = calloc(1, sizeof(*w->crypt));
	if (!w->auth_user || !w->crypt) {
		snprintf(err, errlen, "nethound: out of memory");
		return NH_EXIT_FAILURE;
	}
	w->auth_user[colon - line] = '\0';
	w->auth_hash = w->auth_user + (colon - line) + 1;
	return 0;
}

/*
 * --web-auth: basic auth against the file's hash. A hash costs milliseconds
 * by design, so the last Authorization header that passed is remembered and
 * the next identical one is not hashed again.
 */
static bool authenticated(struct web *w, struct MHD_Connection *c)
{
	const char *given = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	char *user, *pass = NULL;
	const char *hash;
	bool ok = false;

	if (!w->auth_user)
		return true;
	if (!given)
		return false;
	if (w->auth_passed && web_secret_equal(w->auth_passed, given))
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	if (user && pass && strcmp(user, w->auth_user) == 0) {
		hash = crypt_r(pass, w->auth_hash, w->crypt);
		ok = hash && hash[0] != '*' && web_secret_equal(w->auth_hash, hash);
	}
	if (ok) {
		free(w->auth_passed);
		w->auth_passed = strdup(given);
	}
	if (pass)
		MHD_free(pass);
	if (user)
		MHD_free(user);
	return ok;
}

static enum MHD_Result ask_auth(struct MHD_Connection *c)
{
	static const char text[] = "this dashboard needs a user and password (--web-auth)\n";
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(sizeof(text) - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	ret = MHD_queue_basic_auth_fail_response(c, "nethound", r);
	MHD_destroy_response(r);
	return ret;
}

static bool has_token(const struct web *w, struct MHD_Connection *c)
{
	char name[32];

	/* One cookie per port: two nethounds on one host keep their own. */
	snprintf(name, sizeof(name), COOKIE_PREFIX "%u", w->cfg.port);
	return token_equal(w, header(c, TOKEN_HEADER)) ||
	       token_equal(w, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, name));
}

/* No Origin (a script with curl) or this very server; a browser on another page is refused. */
static bool same_origin(struct MHD_Connection *c)
{
	return web_same_origin(header(c, "Origin"), header(c, "Sec-Fetch-Site"),
			       header(c, MHD_HTTP_HEADER_HOST));
}

static enum MHD_Result send_status(struct web *w, struct MHD_Connection *c, unsigned status)
{
	char *buf;
	bool running;
	double threshold;
	unsigned resets;
	int n;

	pthread_mutex_lock(&w->lock);
	running = w->running;
	threshold = w->threshold;
	resets = w->resets;
	pthread_mutex_unlock(&w->lock);
	n = asprintf(&buf,
		     "{\"running\":%s,\"threshold\":%.17g,\"resets\":%u,\"controls\":%s,"
		     "\"authorized\":%s}\n",
		     running ? "true" : "false", threshold, resets,
		     w->cfg.read_only ? "false" : "true",
		     !w->cfg.read_only && has_token(w, c) ? "true" : "false");
	if (n < 0)
		return MHD_NO;
	return send_owned(c, status, buf, (size_t)n, "application/json");
}

/*
 * Reset statistics, with the live view's R meaning: totals count from now;
 * rates, history, alerts and the database stay. The counters are cumulative
 * everywhere (and /api/snapshot stays dump --json's document), so a reset
 * keeps the latest snapshot as the baseline every page subtracts: one reset
 * for every viewer, as the seed's window had one table.
 */
static void reset_totals(struct web *w)
{
	pthread_mutex_lock(&w->lock);
	if (w->baseline && --w->baseline->refs == 0)
		free(w->baseline);
	w->baseline = web_latest_locked(w);
	w->resets++;
	pthread_mutex_unlock(&w->lock);
}

static enum MHD_Result control(struct web *w, struct MHD_Connection *c, const char *what)
{
	const char *length = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	double threshold;

	if (header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING) || (length && strcmp(length, "0") != 0))
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				  "controls take no body; the threshold is ?bytes_per_second=N");
	if (!same_origin(c))
		return send_error(c, MHD_HTTP_FORBIDDEN, "the request comes from another site");
	if (!has_token(w, c))
		return send_error(c, MHD_HTTP_FORBIDDEN,
				  "a control needs the token nethound printed at start: open "
				  "/?token=... once, or send the " TOKEN_HEADER " header");
	if (strcmp(what, "start") == 0) {
		web_queue_control(w, WEB_CONTROL_START, 0);
	} else if (strcmp(what, "stop") == 0) {
		web_queue_control(w, WEB_CONTROL_STOP, 0);
	} else if (strcmp(what, "threshold") == 0) {
		if (!web_parse_threshold(
			MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "bytes_per_second"),
			&threshold))
			return send_error(c, MHD_HTTP_BAD_REQUEST,
					  "bytes_per_second must be a number from 0 to 1e15");
		web_queue_control(w, WEB_CONTROL_THRESHOLD, threshold);
	} else if (strcmp(what, "reset") == 0) {
		reset_totals(w);
	} else {
		return send_error(c, MHD_HTTP_NOT_FOUND,
				  "controls are start, stop, reset and threshold");
	}
	return send_status(w, c, MHD_HTTP_OK);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct web_stream *s = cls;
	struct web *w = s->w;
	struct web_blob *b;
	size_t n = 0;
	ssize_t ret;

	(void)pos;
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		ret = MHD_CONTENT_READER_END_OF_STREAM;
		goto out;
	}
	if (!s->cur || s->off >= s->total) {
		b = w->latest;
		if (!b || b->generation == s->generation) {
			/* Until the next tick resumes it: no thread, no busy loop. */
			s->suspended = true;
			MHD_suspend_connection(s->c);
			ret = 0;
			goto out;
		}
		/* It took this client that many ticks to take one snapshot: drop it. */
		if (s->generation && b->generation - s->generation > WEB_SSE_MAX_LAG) {
			ret = MHD_CONTENT_READER_END_WITH_ERROR;
			goto out;
		}
		if (s->cur && --s->cur->refs == 0)
			free(s->cur);
		b->refs++;
		s->cur = b;
		s->generation = b->generation;
		s->off = 0;
		s->headlen =
		    (size_t)snprintf(s->head, sizeof(s->head),
				     "event: status\ndata: {\"running\":%s,\"threshold\":%.17g,"
				     "\"resets\":%u}\n\nevent: snapshot\ndata: ",
				     w->running ? "true" : "false", w->threshold, w->resets);
		/* The document without its newline, then the event's blank line. */
		s->total = s->headlen + b->len - (b->len && b->data[b->len - 1] == '\n') + 2;
	}
	while (n < max && s->off < s->total) {
		size_t body = s->total - 2 - s->headlen, chunk;
		const char *from;

		if (s->off < s->headlen) {
			from = s->head + s->off;
			chunk = s->headlen - s->off;
		} else if (s->off < s->headlen + body) {
			from = s->cur->data + (s->off - s->headlen);
			chunk = s->headlen + body - s->off;
		} else {
			from = &"\n\n"[s->off - s->headlen - body];
			chunk = s->total - s->off;
		}
		if (chunk > max - n)
			chunk = max - n;
		memcpy(buf + n, from, chunk);
		n += chunk;
		s->off += chunk;
	}
	ret = (ssize_t)n;
out:
	pthread_mutex_unlock(&w->lock);
	return ret;
}

static void stream_free(void *cls)
{
	struct web_stream *s = cls;
	struct web *w = s->w;

	pthread_mutex_lock(&w->lock);
	*s->pprev = s->next;
	if (s->next)
		s->next->pprev = s->pprev;
	w->nstreams--;
	if (s->cur && --s->cur->refs == 0)
		free(s->cur);
	pthread_mutex_unlock(&w->lock);
	free(s);
}

void web_streams_wake_locked(struct web *w)
{
	for (struct web_stream *s = w->streams; s; s = s->next) {
		if (s->suspended) {
			s->suspended = false;
			MHD_resume_connection(s->c);
		}
	}
}

static enum MHD_Result events(struct web *w, struct MHD_Connection *c)
{
	struct web_stream *s;
	struct MHD_Response *r;

	pthread_mutex_lock(&w->lock);
	if (w->nstreams >= WEB_SSE_MAX_CLIENTS || w->stopping) {
		pthread_mutex_unlock(&w->lock);
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many event streams");
	}
	pthread_mutex_unlock(&w->lock);
	s = calloc(1, sizeof(*s));
	if (!s)
		return MHD_NO;
	s->w = w;
	s->c = c;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, s,
					      stream_free);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	pthread_mutex_lock(&w->lock);
	s->next = w->streams;
	if (s->next)
		s->next->pprev = &s->next;
	s->pprev = &w->streams;
	w->streams = s;
	w->nstreams++;
	pthread_mutex_unlock(&w->lock);
	return send_response(c, MHD_HTTP_OK, r, "text/event-stream");
}

/* A copy of b as the response (b's reference is released), or 503/404 with why. */
static enum MHD_Result send_blob(struct web *w, struct MHD_Connection *c, struct web_blob *b,
				 unsigned status_none, const char *none)
{
	char *copy;
	size_t len;

	if (!b)
		return send_error(c, status_none, none);
	len = b->len;
	copy = malloc(len);
	if (copy)
		memcpy(copy, b->data, len);
	web_blob_release(w, b);
	if (!copy)
		return MHD_NO;
	return send_owned(c, MHD_HTTP_OK, copy, len, "application/json");
}

static enum MHD_Result snapshot(struct web *w, struct MHD_Connection *c)
{
	struct web_blob *b;

	pthread_mutex_lock(&w->lock);
	b = web_latest_locked(w);
	pthread_mutex_unlock(&w->lock);
	return send_blob(w, c, b, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot yet");
}

/* The snapshot the last reset kept; 404 when there was none (totals count from start). */
static enum MHD_Result baseline(struct web *w, struct MHD_Connection *c)
{
	struct web_blob *b;

	pthread_mutex_lock(&w->lock);
	b = w->baseline;
	if (b)
		b->refs++;
	pthread_mutex_unlock(&w->lock);
	return send_blob(w, c, b, MHD_HTTP_NOT_FOUND, "no reset: totals count from start");
}

static enum MHD_Result report(struct web *w, struct MHD_Connection *c)
{
	const char *date = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "date");
	const char *from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	const char *to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
	char err[512] = "", *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!w->cfg.report)
		return send_error(c, MHD_HTTP_NOT_FOUND, "no database: reports need one");
	if (!web_plausible_time(date) || !web_plausible_time(from) || !web_plausible_time(to))
		return send_error(c, MHD_HTTP_BAD_REQUEST,
				  "date, from and to are YYYY-MM-DD or 'YYYY-MM-DD HH:MM'");
	f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	rc = w->cfg.report(w->cfg.report_ctx, date, from, to, f, err, sizeof(err));
	if (fclose(f))
		rc = rc ? rc : NH_EXIT_FAILURE;
	if (rc) {
		free(buf);
		return send_error(
		    c, rc == NH_EXIT_USAGE ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR,
		    err[0] ? err : "the report failed");
	}
	return send_owned(c, MHD_HTTP_OK, buf, len, "application/json");
}

/* GET /?token=...: the cookie, then the page without the secret in its address. */
static enum MHD_Result login(struct web *w, struct MHD_Connection *c, const char *token)
{
	struct MHD_Response *r;
	char cookie[160];

	if (w->cfg.read_only || !token_equal(w, token))
		return send_text(c, MHD_HTTP_FORBIDDEN, "wrong token\n");
	r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	snprintf(cookie, sizeof(cookie), COOKIE_PREFIX "%u=%s; Path=/; HttpOnly; SameSite=Strict",
		 w->cfg.port, w->token);
	MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, "/");
	return send_response(c, MHD_HTTP_SEE_OTHER, r, NULL);
}

static const struct web_asset *asset(const char *url)
{
	for (size_t i = 0; i < web_nassets; i++)
		if (strcmp(url, web_assets[i].path) == 0)
			return &web_assets[i];
	return NULL;
}

static bool is_web_path(const char *url)
{
	return strcmp(url, "/") == 0 || asset(url) || strncmp(url, "/api/", 5) == 0;
}

static int handle(void *ctx, struct MHD_Connection *c, const char *url, const char *method)
{
	struct web *w = ctx;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	const struct web_asset *a;
	const char *token;

	if (!is_web_path(url))
		return -1; /* /metrics, and its 404s */
	/* With a password, a page on a rebound name has no credentials: any Host will do. */
	if (w->auth_user && !authenticated(w, c))
		return ask_auth(c);
	if (!w->auth_user && !web_host_is_literal(header(c, MHD_HTTP_HEADER_HOST)))
		return send_text(
		    c, MHD_HTTP_FORBIDDEN,
		    "the dashboard answers only at an address (http://127.0.0.1:PORT/)\n");
	if (strncmp(url, "/api/control/", 13) == 0) {
		if (w->cfg.read_only)
			return send_error(c, MHD_HTTP_NOT_FOUND, "read-only: no controls");
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "controls are POST");
		return control(w, c, url + 13);
	}
	if (!get && !head)
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (header(c, MHD_HTTP_HEADER_CONTENT_LENGTH) ||
	    header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return send_text(c, MHD_HTTP_BAD_REQUEST, "a GET carries no body\n");
	if (strcmp(url, "/") == 0) {
		token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
		if (token)
			return login(w, c, token);
		url = "/index.html";
	}
	a = asset(url);
	if (a)
		return send_response(c, MHD_HTTP_OK,
				     MHD_create_response_from_buffer(a->len, (void *)a->data,
								     MHD_RESPMEM_PERSISTENT),
				     a->type);
	if (strcmp(url, "/api/snapshot") == 0)
		return snapshot(w, c);
	if (strcmp(url, "/api/status") == 0)
		return send_status(w, c, MHD_HTTP_OK);
	if (strcmp(url, "/api/baseline") == 0)
		return baseline(w, c);
	if (strcmp(url, "/api/report") == 0)
		return report(w, c);
	if (strcmp(url, "/api/events") == 0 && get)
		return events(w, c);
	return send_error(
	    c, MHD_HTTP_NOT_FOUND,
	    "endpoints: /api/snapshot, /api/events, /api/status, /api/baseline, /api/report");
}

static void stop(void *ctx)
{
	struct web *w = ctx;

	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	web_streams_wake_locked(w);
	pthread_mutex_unlock(&w->lock);
}

void web_routes_init(struct web *w)
{
	w->route = (struct metrics_http_route){.ctx = w, .handle = handle, .stop = stop};
}
