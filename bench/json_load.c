// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cost of `dump --json`'s formatting alone, without a kernel: a synthetic
 * snapshot shaped like bench/scale's load (P processes x C loopback TCP
 * connections, both ends of each, one flow per end on lo), written DOCS times
 * by the stream sink's output_json to FILE. The snapshot is the same on every
 * run, so two builds' documents can be compared byte for byte (cmp), and the
 * instructions they take counted under valgrind --tool=callgrind where the
 * machine has no hardware counters.
 * Usage: json_load [PROCESSES] [CONNECTIONS] [DOCS] [FILE]   (1000 10 20 /dev/null)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/snapshot.h"
#include "sinks/stream/output.h"

/* splitmix64: a fixed sequence, so every run builds the same snapshot. */
static uint64_t rng_state = 0x6a736f6e6c6f6164ULL; /* "jsonload" */

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Mostly bench/scale's 1,000 B/s, sometimes anything: rates then have every kind of fraction. */
static void fill_traffic(struct traffic *t, unsigned tick)
{
	uint64_t r = rng_next();

	t->tx_bytes = r % 8 ? 1000 : r >> 40;
	t->rx_bytes = r % 5 ? 1000 + (r >> 60) : (r >> 20) % 100000;
	t->tx_total = 1000ULL * tick + (r >> 50);
	t->rx_total = t->rx_total + t->rx_bytes;
}

/* Process names as hostile users choose them, beside ordinary ones. */
static const char *const comms[] = {
	"scale_load", "curl", "a\"b\\c", "tab\there", "\x1b[2J", "caf\xc3\xa9", "\xff\xfe bytes",
	("\xe2\x80\xae" "evil"), "kworker/0:1H",
};

static bool some_names(void *ctx, int family, const unsigned char addr[16], char *host,
		       size_t hostlen)
{
	(void)ctx;
	if (family != AF_INET || addr[3] % 4)
		return false;
	snprintf(host, hostlen, "host-%u.example", addr[3]);
	return true;
}

int main(int argc, char **argv)
{
	size_t nprocs = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	size_t per_proc = argc > 2 ? strtoul(argv[2], NULL, 10) : 10;
	unsigned docs = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 20;
	const char *path = argc > 4 ? argv[4] : "/dev/null";
	size_t nconns = 2 * nprocs * per_proc, ncomms = sizeof(comms) / sizeof(comms[0]);
	struct process_stats *procs = calloc(nprocs + 1, sizeof(*procs));
	struct connection_stats *conns = calloc(nconns, sizeof(*conns));
	struct flow_stats *flows = calloc(nconns, sizeof(*flows));
	struct interface_stats lo = { .ifindex = 1, .name = "lo", .present = true };
	struct snapshot s = {
		.wall = { .tv_sec = 1764547200, .tv_nsec = 123456789 },
		.interval = 1.000347,
		.hooks = "tracepoint",
		.window = 5.0,
		.procs = procs,
		.nprocs = nprocs + 1,
		.conns = conns,
		.nconns = nconns,
		.tc = "tcx",
		.ifaces = &lo,
		.nifaces = 1,
		.flows = flows,
		.nflows = nconns,
		.names = { .lookup = some_names },
	};
	struct timespec t0, t1;
	double total_ms = 0, min_ms = 0;
	FILE *out = fopen(path, "w");

	if (!procs || !conns || !flows || !out || !docs) {
		fprintf(stderr, "json_load: cannot set up (%s)\n", path);
		return 1;
	}
	for (size_t i = 0; i <= nprocs; i++) {
		struct process_stats *p = &procs[i];

		p->pid = (uint32_t)(2000 + i);
		p->start_ns = 1000000000ULL * (100 + i) + rng_next() % 1000000000ULL;
		snprintf(p->comm, sizeof(p->comm), "%s", comms[i % ncomms]);
		p->uid = i % 3 ? 1000 : 0;
		p->cgroup_id = 4242;
		p->ident.user = p->uid ? "alice" : "root";
		p->ident.cgroup_path = "/user.slice/user-1000.slice/session-3.scope";
		p->ident.unit = "session-3.scope";
	}
	for (size_t i = 0; i < nconns; i++) {
		struct connection_stats *c = &conns[i];
		struct flow_stats *f = &flows[i];
		uint16_t server = 9000, client = (uint16_t)(20000 + i / 2);

		c->cookie = 4096 + i;
		c->pid = procs[i % 2 ? nprocs : (i / 2) / per_proc].pid;
		c->start_ns = procs[i % 2 ? nprocs : (i / 2) / per_proc].start_ns;
		memcpy(c->comm, procs[i % 2 ? nprocs : (i / 2) / per_proc].comm, NH_COMM_LEN);
		c->family = i % 50 == 7 ? AF_INET6 : AF_INET;
		c->protocol = IPPROTO_TCP;
		c->local_port = i % 2 ? server : client;
		c->remote_port = i % 2 ? client : server;
		if (c->family == AF_INET6) {
			c->local_addr[15] = 1;
			c->remote_addr[0] = 0xfd;
			c->remote_addr[15] = (uint8_t)i;
		} else {
			c->local_addr[0] = 127;
			c->local_addr[3] = 1;
			c->remote_addr[0] = 127;
			c->remote_addr[1] = (uint8_t)(i >> 16);
			c->remote_addr[2] = (uint8_t)(i >> 8);
			c->remote_addr[3] = (uint8_t)i;
		}
		f->ifindex = 1;
		f->ip_version = c->family == AF_INET6 ? 6 : 4;
		f->protocol = IPPROTO_TCP;
		f->local_port = c->local_port;
		f->remote_port = c->remote_port;
		memcpy(f->local_addr, c->local_addr, 16);
		memcpy(f->remote_addr, c->remote_addr, 16);
		f->cookie = c->cookie;
		f->owned = i % 97 != 0;
		f->pid = c->pid;
		f->start_ns = c->start_ns;
		memcpy(f->comm, c->comm, NH_COMM_LEN);
	}
	for (unsigned d = 1; d <= docs; d++) {
		double ms;

		s.wall.tv_sec++;
		fill_traffic(&s.totals, d);
		s.totals_window.tx = (double)(rng_next() >> 30) / 7.0;
		s.totals_window.rx = -0.0;
		fill_traffic(&lo.bytes, d);
		fill_traffic(&lo.packets, d);
		for (size_t i = 0; i <= nprocs; i++) {
			fill_traffic(&procs[i].all, d);
			fill_traffic(&procs[i].wire, d);
			procs[i].l4[0] = procs[i].all;
			procs[i].window.tx = (double)(rng_next() % 100000000) / 1000.0;
			procs[i].window.rx = (double)(rng_next() % 20000) / 16.0;
		}
		for (size_t i = 0; i < nconns; i++) {
			fill_traffic(&conns[i].bytes, d);
			fill_traffic(&flows[i].bytes, d);
			fill_traffic(&flows[i].packets, d);
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		output_json(out, &s);
		fflush(out);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		total_ms += ms;
		if (d == 1 || ms < min_ms)
			min_ms = ms;
	}
	printf("%zu processes x %zu connections, %zu sockets and flows: %u documents to %s, "
	       "%.2f ms each (fastest %.2f ms)\n",
	       nprocs, per_proc, nconns, docs, path, total_ms / docs, min_ms);
	fclose(out);
	free(procs);
	free(conns);
	free(flows);
	return 0;
}
