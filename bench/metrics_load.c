// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cost of /metrics at P processes (default 1,000): on the tick's thread
 * (adding a snapshot, copying the frame), rendering on the server's thread,
 * and whole HTTP GETs over loopback against nethound's own server.
 * Usage: metrics_load [PROCESSES] [TICKS]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/timefmt.h"
#include "sinks/metrics/metrics_http.h"
#include "sinks/metrics/metrics_model.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%-34s median %8.3f ms  p90 %8.3f ms  max %8.3f ms\n", what, v[n / 2] * 1e3,
	       v[n * 9 / 10] * 1e3, v[n - 1] * 1e3);
}

static const char *user_name(void *ctx, uint32_t uid)
{
	(void)ctx;
	return uid ? "alice" : "root";
}

/* One GET; returns the bytes of the response, or -1. */
static long get(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char buf[65536];
	long total = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return total;
}

int main(int argc, char **argv)
{
	size_t nprocs = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	size_t ticks = argc > 2 ? strtoul(argv[2], NULL, 10) : 300;
	struct process_stats *procs = calloc(nprocs, sizeof(*procs));
	struct interface_stats ifaces[4] = { 0 };
	struct snapshot snap = { .procs = procs, .nprocs = nprocs, .ifaces = ifaces, .nifaces = 4 };
	double *tick_s = calloc(ticks, sizeof(double)), *render_s = calloc(ticks, sizeof(double));
	double *get_s = calloc(ticks, sizeof(double));
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct metrics_text text = { 0 };
	struct metrics_state st;
	struct metrics_http *http;
	char err[256];
	long bytes = 0;

	for (size_t i = 0; i < nprocs; i++) {
		procs[i].pid = (uint32_t)(1000 + i);
		procs[i].uid = i % 2 ? 1000 : 0;
		snprintf(procs[i].comm, sizeof(procs[i].comm), "proc-%05u", (unsigned)(i % 100000));
	}
	for (size_t i = 0; i < 4; i++)
		snprintf(ifaces[i].name, sizeof(ifaces[i].name), "eth%zu", i);
	metrics_state_init(&st, nprocs);
	/* An ephemeral port of our own on loopback. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int try = 0;; try++) {
		sin.sin_port = htons((uint16_t)(40000 + (getpid() + try * 7919) % 20000));
		if (!metrics_http_start(&http, (struct sockaddr *)&sin, sizeof(sin), err, sizeof(err)))
			break;
		if (try == 20) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
	}
	for (size_t t = 0; t < ticks; t++) {
		struct metrics_frame *f, *g;
		double t0;

		for (size_t i = 0; i < nprocs; i++) {
			procs[i].all.tx_bytes = 1000 + t + i;
			procs[i].all.rx_bytes = 2000 + t;
			procs[i].wire.tx_bytes = 1100 + t;
			procs[i].wire.rx_bytes = 2100 + i;
		}
		t0 = monotonic_seconds();
		metrics_state_update(&st, &snap, true, NULL);
		f = metrics_frame_new(&st, t + 1, "tracepoint", "tcx", 0);
		g = metrics_frame_new(&st, t + 1, "tracepoint", "tcx", 0);
		tick_s[t] = monotonic_seconds() - t0;
		metrics_http_publish(http, f);
		t0 = monotonic_seconds();
		metrics_render(g, METRICS_FORMAT_PROMETHEUS, user_name, NULL, 0, &text);
		render_s[t] = monotonic_seconds() - t0;
		metrics_frame_free(g);
		t0 = monotonic_seconds();
		bytes = get(ntohs(sin.sin_port));
		get_s[t] = monotonic_seconds() - t0;
	}
	printf("%zu processes, %zu ticks; response %ld bytes (%zu bytes of exposition)\n", nprocs,
	       ticks, bytes, text.len);
	report("tick thread: add snapshot + frame", tick_s, ticks);
	report("render (server thread)", render_s, ticks);
	report("GET /metrics over loopback", get_s, ticks);
	metrics_http_stop(http);
	metrics_state_free(&st);
	free(text.buf);
	free(procs);
	free(tick_s);
	free(render_s);
	free(get_s);
	return 0;
}
