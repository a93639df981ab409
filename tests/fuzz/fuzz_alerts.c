// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The alert engine fed a stream of snapshots decoded from the input: any
 * thresholds within the settings' bounds, processes that come, go, exit and
 * reuse PIDs, interfaces that vanish, byte counts up to 2^64 and a wall
 * clock that may step back. Events must be well-formed (kind, terminated
 * names, formatting) and every active alert a raised one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alerts.h"
#include "fuzz_util.h"
#include "settings/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROCS_MAX 12
#define IFACES_MAX 4
#define TICKS_MAX 400

/* A threshold from off to past any link, spread over the decades that matter. */
static double fuzz_rate(struct fuzz_input *in)
{
	uint8_t b = fuzz_u8(in);

	if (b < 32)
		return 0.0;
	return (double)(b % 64) * (double)(1ULL << (b % 40));
}

static uint64_t fuzz_bytes(struct fuzz_input *in)
{
	uint8_t b = fuzz_u8(in);

	if (b == 0xff)
		return fuzz_u64(in); /* a wrapped or corrupt counter */
	return (uint64_t)(b & 0x3f) << (b >> 6) * 10;
}

static void decode_snapshot(struct fuzz_input *in, struct snapshot *s, double interval)
{
	s->wall.tv_sec += (int8_t)fuzz_u8(in);
	s->interval = interval;
	s->nprocs = fuzz_u8(in) % (PROCS_MAX + 1);
	s->totals.tx_bytes = s->totals.rx_bytes = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct process_stats *p = &s->procs[i];
		uint8_t b = fuzz_u8(in);

		memset(p, 0, sizeof(*p));
		/* Distinct (pid, start_ns) per snapshot, as the collector gives. */
		p->pid = (uint32_t)i * 2 + (b & 1);
		p->start_ns = b >> 1 & 3;
		p->exited = b & 0x80;
		snprintf(p->comm, sizeof(p->comm), "p%u", fuzz_u8(in) % 8);
		if (b & 0x40)
			memset(p->comm, 0xff - (b & 0x3f), sizeof(p->comm) - 1);
		p->all.tx_bytes = fuzz_bytes(in);
		p->all.rx_bytes = fuzz_bytes(in);
		p->window.tx = traffic_rate(p->all.tx_bytes, interval);
		p->window.rx = traffic_rate(p->all.rx_bytes, interval);
		s->totals.tx_bytes += p->all.tx_bytes;
		s->totals.rx_bytes += p->all.rx_bytes;
	}
	s->nifaces = fuzz_u8(in) % (IFACES_MAX + 1);
	for (size_t i = 0; i < s->nifaces; i++) {
		struct interface_stats *f = &s->ifaces[i];
		uint8_t b = fuzz_u8(in);

		memset(f, 0, sizeof(*f));
		f->ifindex = (uint32_t)i + 1;
		snprintf(f->name, sizeof(f->name), "eth%u", b % 6);
		f->present = !(b & 0x80);
		f->bytes.tx_bytes = fuzz_bytes(in);
		f->bytes.rx_bytes = fuzz_bytes(in);
	}
}

static void check_events(const struct alert_event *ev, size_t n)
{
	char text[512];

	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind >= ALERT_KIND_MAX || !alert_kind_name(ev[i].kind))
			abort();
		if (!memchr(ev[i].comm, '\0', sizeof(ev[i].comm)) ||
		    !memchr(ev[i].interface, '\0', sizeof(ev[i].interface)))
			abort();
		alert_event_format(&ev[i], text, sizeof(text));
		if (!memchr(text, '\0', sizeof(text)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct process_stats procs[PROCS_MAX];
	struct interface_stats ifaces[IFACES_MAX];
	struct snapshot s = {.procs = procs, .ifaces = ifaces, .hooks = "fuzz", .tc = "off"};
	struct alert_config cfg;
	const struct alert_event *ev;
	struct alerts *a;
	double interval;
	size_t n;

	alert_config_defaults(&cfg);
	cfg.process_rate = fuzz_rate(&in);
	cfg.total_rate = fuzz_rate(&in);
	cfg.interface_rate = fuzz_rate(&in);
	cfg.daily_quota = (uint64_t)fuzz_rate(&in);
	cfg.hold = (double)(fuzz_u8(&in) % 30);
	interval = SETTINGS_INTERVAL_MIN * (1 + fuzz_u8(&in) % 20);
	cfg.window = interval * (1 + fuzz_u8(&in) % 8);
	s.wall.tv_sec = 1795046400 + (time_t)(fuzz_u32(&in) % 200000) - 100000;

	a = alerts_new(&cfg, interval);
	if (!a)
		abort();
	for (int q = fuzz_u8(&in) % 4; q > 0; q--) {
		char comm[8];
		uint64_t bytes;

		/* One value per statement: arguments are evaluated in no set order. */
		snprintf(comm, sizeof(comm), "p%u", fuzz_u8(&in) % 8);
		bytes = fuzz_bytes(&in);
		alerts_seed_quota(a, s.wall.tv_sec, comm, bytes, fuzz_u8(&in) & 1);
	}
	for (int tick = 0; in.len && tick < TICKS_MAX; tick++) {
		uint8_t op = fuzz_u8(&in);

		if (op == 0xfe)
			alerts_set_process_rate(a, fuzz_rate(&in));
		decode_snapshot(&in, &s, interval);
		ev = alerts_update(a, &s, &n);
		check_events(ev, n);
		ev = alerts_active(a, &n);
		check_events(ev, n);
		for (size_t i = 0; i < n; i++)
			if (ev[i].cleared)
				abort(); /* an active alert is a raised one */
	}
	alerts_free(a);
	return 0;
}
