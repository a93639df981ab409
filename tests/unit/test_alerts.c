// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * alerts.c: raise once per crossing, clear after the hold, the sliding
 * window, either direction, exits, total and interface thresholds, the
 * daily quota and its count carried over a restart, memory bounded under a long
 * window; alert_exec.c's command splitting.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alert_exec.h"
#include "alerts/alerts.h"
#include "check.h"

#define KIB 1024.0

struct fake {
	struct snapshot s;
	struct process_stats procs[4];
	struct interface_stats ifaces[2];
};

static void fake_init(struct fake *f, double interval)
{
	memset(f, 0, sizeof(*f));
	f->s.interval = interval;
	f->s.procs = f->procs;
	f->s.ifaces = f->ifaces;
	f->s.wall.tv_sec = 86400 * 100 + 3600; /* 01:00 UTC */
}

/* One tick in which pid moved tx/rx bytes (pid 0: nobody). */
static const struct alert_event *tick(struct alerts *a, struct fake *f, uint32_t pid,
				      uint64_t tx, uint64_t rx, size_t *n)
{
	f->s.wall.tv_sec += (time_t)f->s.interval;
	f->s.nprocs = 0;
	f->s.totals.tx_bytes = tx;
	f->s.totals.rx_bytes = rx;
	if (pid) {
		struct process_stats *p = &f->procs[f->s.nprocs++];

		memset(p, 0, sizeof(*p));
		p->pid = pid;
		p->start_ns = 77;
		strcpy(p->comm, "hog");
		p->all.tx_bytes = tx;
		p->all.rx_bytes = rx;
	}
	return alerts_update(a, &f->s, n);
}

static void test_raise_once_and_clear_after_hold(void)
{
	struct alert_config cfg;
	const struct alert_event *e;
	struct alerts *a;
	struct fake f;
	size_t n, active;

	alert_config_defaults(&cfg);
	CHECK_DOUBLE(cfg.process_rate, 1024 * KIB, 0);
	cfg.hold = 3;
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);

	e = tick(a, &f, 9, 100, 100, &n);
	CHECK_UINT(n, 0);
	CHECK(e == NULL);
	/* Download over: raised once, with the direction and the rate. */
	e = tick(a, &f, 9, 10, 2048 * 1024, &n);
	CHECK_UINT(n, 1);
	CHECK(e && e->kind == ALERT_PROCESS_RATE && !e->cleared && e->pid == 9 &&
	      e->direction == ALERT_DIR_DOWNLOAD && strcmp(e->comm, "hog") == 0);
	CHECK_DOUBLE(e->value, 2048 * KIB, 0);
	CHECK_DOUBLE(e->threshold, 1024 * KIB, 0);
	alerts_active(a, &active);
	CHECK_UINT(active, 1);
	/* Staying over: nothing new. */
	for (int i = 0; i < 5; i++) {
		tick(a, &f, 9, 0, 3000 * 1024, &n);
		CHECK_UINT(n, 0);
	}
	/* Under for less than the hold, then over again: still the same alert. */
	tick(a, &f, 9, 0, 0, &n);
	CHECK_UINT(n, 0);
	tick(a, &f, 9, 0, 0, &n);
	CHECK_UINT(n, 0);
	tick(a, &f, 9, 2000 * 1024, 0, &n);
	CHECK_UINT(n, 0);
	/* Under for the whole hold: cleared, once. */
	tick(a, &f, 9, 0, 0, &n);
	tick(a, &f, 9, 0, 0, &n);
	CHECK_UINT(n, 0);
	e = tick(a, &f, 9, 0, 0, &n);
	CHECK_UINT(n, 1);
	CHECK(e && e->cleared && e->pid == 9);
	alerts_active(a, &active);
	CHECK_UINT(active, 0);
	tick(a, &f, 9, 0, 0, &n);
	CHECK_UINT(n, 0);
	/* A new crossing is a new alert. */
	e = tick(a, &f, 9, 1100 * 1024, 0, &n);
	CHECK_UINT(n, 1);
	CHECK(e && !e->cleared && e->direction == ALERT_DIR_UPLOAD);
	/* Exactly at the threshold is not over it. */
	alerts_free(a);
	a = alerts_new(&cfg, 1.0);
	tick(a, &f, 9, 1024 * 1024, 1024 * 1024, &n);
	CHECK_UINT(n, 0);
	/* The process exits while raised: the alert clears. */
	tick(a, &f, 9, 1025 * 1024, 0, &n);
	CHECK_UINT(n, 1);
	e = tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 1);
	CHECK(e && e->cleared && e->pid == 9);
	/*
	 * A process that moves its bytes in the tick it exits in is judged on
	 * them: raised then, cleared by the next tick, which no longer has it.
	 */
	alerts_free(a);
	a = alerts_new(&cfg, 1.0);
	tick(a, &f, 12, 100, 0, &n);
	CHECK_UINT(n, 0);
	f.s.wall.tv_sec += 1;
	f.procs[0].all.tx_bytes = 3000 * 1024;
	f.procs[0].exited = true;
	e = alerts_update(a, &f.s, &n);
	CHECK_UINT(n, 1);
	CHECK(e && !e->cleared && e->pid == 12 && e->direction == ALERT_DIR_UPLOAD);
	e = tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 1);
	CHECK(e && e->cleared && e->pid == 12);
	alerts_free(a);
}

static void test_window_and_threshold_change(void)
{
	struct alert_config cfg;
	const struct alert_event *e;
	struct alerts *a;
	struct fake f;
	size_t n;

	alert_config_defaults(&cfg);
	cfg.window = 4; /* four ticks of 1 s */
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);
	/* One 3 MiB second averages to 768 KiB/s over the window: not over. */
	tick(a, &f, 5, 0, 0, &n);
	tick(a, &f, 5, 0, 0, &n);
	tick(a, &f, 5, 0, 0, &n);
	tick(a, &f, 5, 3 * 1024 * 1024, 0, &n);
	CHECK_UINT(n, 0);
	/* A second such second makes 1.5 MiB/s over four: over. */
	e = tick(a, &f, 5, 3 * 1024 * 1024, 0, &n);
	CHECK_UINT(n, 1);
	CHECK_DOUBLE(e->value, 1.5 * 1024 * 1024, 1e-6);
	alerts_free(a);

	/* A half-second interval: the window is two ticks. */
	cfg.window = 1;
	a = alerts_new(&cfg, 0.5);
	fake_init(&f, 0.5);
	tick(a, &f, 5, 1024 * 1024, 0, &n); /* 1 MiB in 0.5 s: 2 MiB/s */
	CHECK_UINT(n, 1);
	alerts_free(a);

	/* The live view's T key raises the bar while running. */
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);
	alerts_set_process_rate(a, 10 * 1024 * 1024);
	tick(a, &f, 5, 5 * 1024 * 1024, 0, &n);
	CHECK_UINT(n, 0);
	alerts_free(a);
}

static void test_total_interface_quota(void)
{
	struct alert_config cfg;
	const struct alert_event *e;
	struct alerts *a;
	struct fake f;
	size_t n;

	alert_config_defaults(&cfg);
	cfg.process_rate = 0; /* off */
	cfg.total_rate = 100 * KIB;
	cfg.interface_rate = 200 * KIB;
	cfg.daily_quota = 1000000;
	cfg.hold = 0;
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);
	f.s.nifaces = 1;
	strcpy(f.ifaces[0].name, "eth0");
	f.ifaces[0].bytes.rx_bytes = 300 * 1024;

	e = tick(a, &f, 3, 0, 150 * 1024, &n);
	CHECK_UINT(n, 2);
	CHECK(e[0].kind == ALERT_INTERFACE_RATE && strcmp(e[0].interface, "eth0") == 0 &&
	      !e[0].cleared);
	CHECK(e[1].kind == ALERT_TOTAL_RATE && e[1].direction == ALERT_DIR_DOWNLOAD);
	/* Quota: 150 KiB + 900 KB passes 1,000,000 bytes today. */
	f.ifaces[0].bytes.rx_bytes = 0;
	e = tick(a, &f, 3, 0, 900000, &n);
	CHECK_UINT(n, 2); /* the interface clears (hold 0), the quota is raised */
	CHECK(e[0].kind == ALERT_INTERFACE_RATE && e[0].cleared);
	CHECK(e[1].kind == ALERT_DAILY_QUOTA && strcmp(e[1].comm, "hog") == 0 &&
	      e[1].value == 150 * 1024 + 900000.0 && e[1].threshold == 1000000.0);
	/* Once a day. */
	e = tick(a, &f, 3, 0, 1, &n);
	CHECK(n == 1 && e[0].kind == ALERT_TOTAL_RATE && e[0].cleared);
	tick(a, &f, 3, 0, 2000000, &n);
	CHECK(n == 1); /* total raised again; no second quota alert */
	/* The next UTC day counts afresh. */
	f.s.wall.tv_sec += 86400;
	e = tick(a, &f, 3, 0, 1000001, &n);
	CHECK(n == 1 && e[0].kind == ALERT_DAILY_QUOTA);
	alerts_free(a);
}

/* After a restart, today's bytes from the database count toward the quota. */
static void test_quota_seeded_from_today(void)
{
	struct alert_config cfg;
	const struct alert_event *e;
	struct alerts *a;
	struct fake f;
	size_t n;

	alert_config_defaults(&cfg);
	cfg.process_rate = 0;
	cfg.daily_quota = 1000000;
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);
	CHECK_INT(alerts_seed_quota(a, f.s.wall.tv_sec, "hog", 999000, false), 0);
	CHECK_INT(alerts_seed_quota(a, f.s.wall.tv_sec, "done", 5000000, true), 0);
	e = tick(a, &f, 3, 1000, 0, &n);
	CHECK_UINT(n, 0); /* 999,000 + 1,000 is not over */
	e = tick(a, &f, 3, 1, 0, &n);
	CHECK(n == 1 && e[0].kind == ALERT_DAILY_QUOTA && e[0].value == 1000001.0);
	alerts_free(a);

	/* A name whose alert is on record today is not alerted again. */
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);
	CHECK_INT(alerts_seed_quota(a, f.s.wall.tv_sec, "hog", 2000000, true), 0);
	tick(a, &f, 3, 5000, 0, &n);
	CHECK_UINT(n, 0);
	/* Yesterday's seed is dropped when the first tick is on a new UTC day. */
	f.s.wall.tv_sec += 86400;
	e = tick(a, &f, 3, 1000001, 0, &n);
	CHECK(n == 1 && e[0].kind == ALERT_DAILY_QUOTA && e[0].value == 1000001.0);
	alerts_free(a);

	/* Without a quota, seeding keeps nothing. */
	cfg.daily_quota = 0;
	a = alerts_new(&cfg, 1.0);
	CHECK_INT(alerts_seed_quota(a, 0, "hog", 1, false), 0);
	alerts_free(a);
}

static void test_format(void)
{
	struct alert_event e = {.kind = ALERT_PROCESS_RATE, .pid = 42, .direction = ALERT_DIR_UPLOAD,
				.value = 12.0 * 1024 * 1024, .threshold = 1024 * 1024};
	char buf[256];

	strcpy(e.comm, "iperf3");
	alert_event_format(&e, buf, sizeof(buf));
	CHECK_STR(buf, "process_rate raised: iperf3 (pid 42) upload 12.0 MiB/s over 1.0 MiB/s");
	e.cleared = true;
	e.kind = ALERT_INTERFACE_RATE;
	strcpy(e.interface, "eth0");
	e.value = 10;
	alert_event_format(&e, buf, sizeof(buf));
	CHECK_STR(buf, "interface_rate cleared: interface eth0 upload 10 B/s back under 1.0 MiB/s");
	e.kind = ALERT_DAILY_QUOTA;
	e.cleared = false;
	e.direction = ALERT_DIR_NONE;
	e.value = 2048;
	e.threshold = 1024;
	alert_event_format(&e, buf, sizeof(buf));
	CHECK_STR(buf, "daily_quota raised: iperf3 today 2.0 KiB over 1.0 KiB");
}

static void test_exec_split(void)
{
	char buf[128], *w[8];

	CHECK_INT(alert_exec_split("/bin/notify  -u critical", buf, sizeof(buf), w, 7), 3);
	CHECK_STR(w[0], "/bin/notify");
	CHECK_STR(w[2], "critical");
	CHECK(w[3] == NULL);
	CHECK_INT(alert_exec_split("/x 'two words' \"and three\" a'b'c", buf, sizeof(buf), w, 7), 4);
	CHECK_STR(w[1], "two words");
	CHECK_STR(w[2], "and three");
	CHECK_STR(w[3], "abc");
	CHECK_INT(alert_exec_split("/x 'open", buf, sizeof(buf), w, 7), -1);
	/* The words fit in as many bytes as the line has, plus its NUL. */
	CHECK_INT(alert_exec_split("/bin/a hi", buf, 10, w, 7), 2);
	CHECK_STR(w[1], "hi");
	CHECK_INT(alert_exec_split("/bin/a hi", buf, 9, w, 7), -1);
	CHECK_INT(alert_exec_split("   ", buf, sizeof(buf), w, 7), 0);
	CHECK_INT(alert_exec_split("a b c d e f g h", buf, sizeof(buf), w, 7), -1);
	CHECK_INT(alert_exec_split("/x $(rm -rf /) ;|", buf, sizeof(buf), w, 7), 5);
	CHECK_STR(w[1], "$(rm"); /* no shell: just words */
}

/*
 * Many processes and interfaces new in one tick, names shared for the quota,
 * and an interface that goes away while over: each judged once, in n log n.
 */
static void test_many_at_once(void)
{
	enum { N = 3000, IFACES = 1200 };
	struct process_stats *procs = calloc(N, sizeof(*procs));
	struct interface_stats *ifaces = calloc(IFACES, sizeof(*ifaces));
	struct alert_config cfg;
	const struct alert_event *e;
	struct snapshot s;
	struct alerts *a;
	size_t n, raised_procs = 0, raised_ifaces = 0, quotas = 0, cleared_ifaces = 0;

	alert_config_defaults(&cfg);
	cfg.process_rate = 100;
	cfg.interface_rate = 100;
	cfg.daily_quota = 1000;
	cfg.hold = 1;
	a = alerts_new(&cfg, 1.0);
	CHECK(a != NULL);
	/* Yesterday's runs, read back from the database: two rows for one name merge. */
	CHECK_INT(alerts_seed_quota(a, 86400 * 100 + 3600, "name7", 400, false), 0);
	CHECK_INT(alerts_seed_quota(a, 86400 * 100 + 3600, "name7", 400, false), 0);
	memset(&s, 0, sizeof(s));
	s.interval = 1.0;
	s.wall.tv_sec = 86400 * 100 + 3601;
	s.procs = procs;
	s.ifaces = ifaces;
	s.nprocs = N;
	s.nifaces = IFACES;
	for (size_t i = 0; i < N; i++) {
		procs[i].pid = (uint32_t)(N - i); /* in reverse: each new one would go first */
		procs[i].start_ns = 1;
		snprintf(procs[i].comm, sizeof(procs[i].comm), "name%zu", i % 10);
		procs[i].all.tx_bytes = 150; /* over the rate; ten names each over the quota */
	}
	for (size_t i = 0; i < IFACES; i++) {
		snprintf(ifaces[i].name, sizeof(ifaces[i].name), "veth%zu", IFACES - i);
		ifaces[i].bytes.rx_bytes = 500;
	}
	e = alerts_update(a, &s, &n);
	for (size_t i = 0; i < n; i++) {
		raised_procs += e[i].kind == ALERT_PROCESS_RATE && !e[i].cleared;
		raised_ifaces += e[i].kind == ALERT_INTERFACE_RATE && !e[i].cleared;
		quotas += e[i].kind == ALERT_DAILY_QUOTA;
	}
	CHECK_UINT(raised_procs, N);
	CHECK_UINT(raised_ifaces, IFACES);
	CHECK_UINT(quotas, 10);
	/* Half the interfaces are gone: their alerts clear at once, the rest hold. */
	s.wall.tv_sec++;
	s.nifaces = IFACES / 2;
	e = alerts_update(a, &s, &n);
	for (size_t i = 0; i < n; i++)
		cleared_ifaces += e[i].kind == ALERT_INTERFACE_RATE && e[i].cleared;
	CHECK_UINT(cleared_ifaces, IFACES / 2);
	alerts_free(a);
	free(procs);
	free(ifaces);
}

/* Three processes: two of nginx.service (one of them in container web), one of ssh.service. */
static const struct alert_event *group_tick(struct alerts *a, struct fake *f, uint64_t nginx1,
					    uint64_t nginx2, uint64_t ssh, size_t *n)
{
	static const struct process_identity who[3] = {
		{ .unit = "nginx.service" },
		{ .unit = "nginx.service", .container_runtime = "docker", .container_id = "ab12",
		  .container_name = "web" },
		{ .unit = "ssh.service" },
	};
	uint64_t bytes[3] = { nginx1, nginx2, ssh };

	f->s.wall.tv_sec += (time_t)f->s.interval;
	f->s.nprocs = 3;
	for (int i = 0; i < 3; i++) {
		struct process_stats *p = &f->procs[i];

		memset(p, 0, sizeof(*p));
		p->pid = 100 + (uint32_t)i;
		p->start_ns = 5;
		strcpy(p->comm, "srv");
		p->all.tx_bytes = bytes[i];
		p->ident = who[i];
	}
	return alerts_update(a, &f->s, n);
}

/* A unit's processes are summed: each under the threshold, together over it. */
static void test_unit_and_container_rates(void)
{
	struct alert_config cfg;
	const struct alert_event *e;
	struct alerts *a;
	struct fake f;
	char line[256];
	size_t n, active;

	alert_config_defaults(&cfg);
	cfg.process_rate = 0;
	cfg.unit_rate = 1000 * KIB;
	cfg.container_rate = 700 * KIB;
	cfg.hold = 2;
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);

	e = group_tick(a, &f, 400 * 1024, 400 * 1024, 900 * 1024, &n);
	CHECK_UINT(n, 0);
	/* nginx.service: 600 + 500 KiB/s over 1000; its container web (500) is not. */
	e = group_tick(a, &f, 600 * 1024, 500 * 1024, 10, &n);
	CHECK_UINT(n, 1);
	CHECK(e && e->kind == ALERT_UNIT_RATE && !e->cleared &&
	      strcmp(e->group, "nginx.service") == 0 && e->direction == ALERT_DIR_UPLOAD);
	CHECK_DOUBLE(e->value, 1100 * KIB, 0);
	alert_event_format(e, line, sizeof(line));
	CHECK_STR(line, "unit_rate raised: unit nginx.service upload 1.1 MiB/s over 1000.0 KiB/s");
	/* The container over its own threshold: an alert of its own, by name. */
	e = group_tick(a, &f, 600 * 1024, 800 * 1024, 0, &n);
	CHECK_UINT(n, 1);
	CHECK(e && e->kind == ALERT_CONTAINER_RATE && strcmp(e->group, "web") == 0);
	alerts_active(a, &active);
	CHECK_UINT(active, 2);
	/* Both go quiet; cleared after the hold, each once. */
	group_tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 0);
	e = group_tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 2);
	CHECK(e && e[0].cleared && e[1].cleared && e[0].kind == ALERT_UNIT_RATE &&
	      e[1].kind == ALERT_CONTAINER_RATE);
	alerts_active(a, &active);
	CHECK_UINT(active, 0);
	/* Processes without a unit or container count for none. */
	f.s.nprocs = 0;
	for (int i = 0; i < 3; i++)
		tick(a, &f, 9, 100 * 1024 * 1024, 0, &n);
	CHECK_UINT(n, 0);
	alerts_free(a);

	/* Off (the default): nothing is judged. */
	alert_config_defaults(&cfg);
	CHECK_DOUBLE(cfg.unit_rate, 0, 0);
	CHECK_DOUBLE(cfg.container_rate, 0, 0);
	cfg.process_rate = 0;
	a = alerts_new(&cfg, 1.0);
	group_tick(a, &f, 1 << 30, 1 << 30, 1 << 30, &n);
	CHECK_UINT(n, 0);
	alerts_free(a);
}

/* Kernel maps that drop updates: one alert while they keep dropping, cleared after the hold. */
static void test_map_drops(void)
{
	struct alert_config cfg;
	const struct alert_event *e;
	struct alerts *a;
	struct fake f;
	char text[256];
	size_t n, active;

	alert_config_defaults(&cfg);
	cfg.process_rate = 0;
	cfg.hold = 2;
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);
	e = tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 0);
	f.s.drops[NH_DROP_SOCK] = 5;
	f.s.wire_drops[NH_WIRE_DROP_FLOW] = 7;
	e = tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 1);
	CHECK(e[0].kind == ALERT_MAP_DROPS && !e[0].cleared && e[0].value == 12.0);
	CHECK_STR(e[0].group, "sockets,flows");
	CHECK_STR(alert_kind_name(e[0].kind), "map_drops");
	alert_event_format(&e[0], text, sizeof(text));
	CHECK_STR(text, "map_drops raised: kernel maps (sockets,flows) full, 12 updates not counted");
	alerts_active(a, &active);
	CHECK_UINT(active, 1);
	/* Still growing: no second alert. */
	f.s.drops[NH_DROP_PROC] = 1;
	tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 0);
	/* Quiet for the hold (2 s): cleared, and the active list is empty again. */
	tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 0);
	e = tick(a, &f, 0, 0, 0, &n);
	CHECK_UINT(n, 1);
	CHECK(e[0].kind == ALERT_MAP_DROPS && e[0].cleared);
	CHECK_STR(e[0].group, "sockets,flows");
	alerts_active(a, &active);
	CHECK_UINT(active, 0);
	/* Growing again raises again, naming what dropped now. */
	f.s.drops[NH_DROP_PROC] = 3;
	e = tick(a, &f, 0, 0, 0, &n);
	CHECK(n == 1 && !e[0].cleared && e[0].value == 2.0);
	CHECK_STR(e[0].group, "processes");
	alerts_free(a);
}

/*
 * An hour's window over 10,000 processes: the samples kept per process are
 * bounded (64 buckets, 1.5 KiB), not one per tick of the window (84 KiB
 * each, 840 MB here), and the rate still averages over about the window.
 */
static void test_long_window_memory_bounded(void)
{
	enum { N = 10000 };
	struct process_stats *procs = calloc(N, sizeof(*procs));
	struct alert_config cfg;
	struct mallinfo2 before, after;
	struct snapshot s;
	struct alerts *a;
	struct fake f;
	size_t n, grown;

	alert_config_defaults(&cfg);
	cfg.process_rate = 1000;
	cfg.window = 3600;
	memset(&s, 0, sizeof(s));
	s.interval = 1.0;
	s.wall.tv_sec = 86400 * 100 + 3601;
	s.procs = procs;
	s.nprocs = N;
	for (size_t i = 0; i < N; i++) {
		procs[i].pid = (uint32_t)(i + 1);
		procs[i].start_ns = 1;
		snprintf(procs[i].comm, sizeof(procs[i].comm), "p%zu", i);
		procs[i].all.tx_bytes = 10;
	}
	before = mallinfo2();
	a = alerts_new(&cfg, 1.0);
	CHECK(a != NULL);
	for (int t = 0; t < 3; t++) {
		alerts_update(a, &s, &n);
		s.wall.tv_sec++;
	}
	after = mallinfo2();
	grown = after.uordblks + after.hblkhd - before.uordblks - before.hblkhd;
	printf("  %d processes, --window 3600: %zu bytes (%zu per process)\n", N, grown, grown / N);
	CHECK(grown < (size_t)N * 4096);
	alerts_free(a);
	free(procs);

	/*
	 * 3,600 ticks in 64 buckets of 57: one 3,600,000-byte second keeps the
	 * rate at 1,000 B/s or more until it leaves the window, an hour later give
	 * or take a bucket; then the alert clears after the hold.
	 */
	cfg.process_rate = 900;
	cfg.hold = 10;
	a = alerts_new(&cfg, 1.0);
	fake_init(&f, 1.0);
	{
		const struct alert_event *e = tick(a, &f, 9, 3600 * 1000, 0, &n);
		int cleared_at = 0;

		CHECK(n == 1 && e && !e->cleared);
		for (int t = 1; t < 5000 && !cleared_at; t++) {
			e = tick(a, &f, 9, 0, 0, &n);
			if (n == 1 && e->cleared)
				cleared_at = t;
			else
				CHECK_UINT(n, 0);
		}
		printf("  a burst under --window 3600 cleared after %d ticks\n", cleared_at);
		CHECK(cleared_at >= 3600 - 57 + 10 && cleared_at <= 3600 + 57 + 10);
	}
	alerts_free(a);
}

int main(void)
{
	test_map_drops();
	test_raise_once_and_clear_after_hold();
	test_window_and_threshold_change();
	test_total_interface_quota();
	test_quota_seeded_from_today();
	test_many_at_once();
	test_long_window_memory_bounded();
	test_format();
	test_unit_and_container_rates();
	test_exec_split();
	return check_finish("test_alerts");
}
