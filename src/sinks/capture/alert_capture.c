// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/exitcodes.h"
#include "core/packet.h"
#include "core/timefmt.h"
#include "kernel/capture_ring.h"
#include "pipeline/pipeline.h"
#include "sinks/capture/alert_capture.h"
#include "sinks/capture/packet_label.h"
#include "sinks/capture/pcapng.h"

#define IFACES_MAX 16
#define BLOCK_OVERHEAD 64 /* an EPB's header and trailer, bytes beside data and comment */

/* Packets the ring lost so far, per interface (from the stream's loss reports). */
struct lost {
	uint32_t ifindex;
	uint64_t lost;
};

struct file_iface {
	uint32_t ifindex;
	int id;
	uint64_t received, lost_before;
};

/* One capture under way: one process, one file. */
struct active {
	uint32_t pid;
	double deadline; /* CLOCK_MONOTONIC seconds */
	uint64_t start_ns;
	uint64_t bytes;
	bool full; /* max_bytes reached: nothing more is written */
	FILE *out;
	struct pcapng *file;
	struct file_iface ifaces[IFACES_MAX];
	size_t nifaces;
};

struct alert_capture {
	struct alert_capture_config cfg;
	struct pipeline *p;
	int dirfd;
	struct active active[ALERT_CAPTURE_ACTIVE_MAX];
	size_t nactive, files;
	struct lost lost[IFACES_MAX];
	size_t nlost;
	char label[PACKET_LABEL_MAX];
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t lost_on(const struct alert_capture *a, uint32_t ifindex)
{
	for (size_t i = 0; i < a->nlost; i++)
		if (a->lost[i].ifindex == ifindex)
			return a->lost[i].lost;
	return 0;
}

/* The kernel copies the packets of the processes being captured, or none. */
static void update_filter(struct alert_capture *a)
{
	struct capture_filter f = {.snaplen = a->cfg.snaplen};

	for (size_t i = 0; i < a->nactive; i++)
		if (!a->active[i].full)
			f.pids[f.npids++] = a->active[i].pid;
	f.idle = f.npids == 0;
	pipeline_capture_set(a->p, &f);
}

/* A file name from a process name: only [A-Za-z0-9._-], never starting with a dot. */
static void file_name(char *buf, size_t len, const struct alert_event *e)
{
	char when[32], name[NH_COMM_LEN + 1];
	struct tm tm;
	size_t n = 0;

	gmtime_r(&e->when, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	for (size_t i = 0; i < NH_COMM_LEN && e->comm[i]; i++) {
		char c = e->comm[i];
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || (c == '.' && n);

		name[n++] = keep ? c : '_';
	}
	name[n] = '\0';
	snprintf(buf, len, "%s-%s-%" PRIu32 ".pcapng", when, n ? name : "unnamed", e->pid);
}

static void start_capture(struct alert_capture *a, struct alert_event *e, double now)
{
	struct active *c = &a->active[a->nactive];
	char name[128];
	int fd;

	file_name(name, sizeof(name), e);
	fd = openat(a->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "nethound: capture on alert: cannot create %s/%s (%s)\n",
			a->cfg.dir, name, strerror(errno));
		return;
	}
	*c = (struct active){.pid = e->pid, .deadline = now + a->cfg.seconds,
			     .start_ns = realtime_ns()};
	c->out = fdopen(fd, "w");
	if (c->out)
		c->file = pcapng_open(c->out, "nethound " NETHOUND_VERSION, NULL);
	if (!c->file) {
		if (c->out)
			fclose(c->out);
		else
			close(fd);
		unlinkat(a->dirfd, name, 0);
		return;
	}
	pcapng_flush(c->file);
	snprintf(e->capture_file, sizeof(e->capture_file), "%s/%s", a->cfg.dir, name);
	a->nactive++;
	a->files++;
}

/* Each interface's statistics, then close. */
static void end_capture(struct alert_capture *a, struct active *c)
{
	uint64_t now = realtime_ns();

	for (size_t i = 0; i < c->nifaces; i++) {
		struct file_iface *f = &c->ifaces[i];
		struct pcapng_stats isb = {.ifid = (uint32_t)f->id,
					   .ts_ns = now,
					   .start_ns = c->start_ns,
					   .end_ns = now,
					   .received = f->received,
					   .dropped = lost_on(a, f->ifindex) - f->lost_before};
		char comment[160];

		if (isb.dropped) {
			snprintf(comment, sizeof(comment),
				 "nethound: %" PRIu64 " packets lost: the capture ring buffer was full",
				 isb.dropped);
			isb.comment = comment;
		}
		pcapng_write_stats(c->file, &isb);
	}
	if (pcapng_close(c->file))
		fprintf(stderr, "nethound: capture on alert: writing pid %" PRIu32 "'s file failed\n",
			c->pid);
	fclose(c->out);
}

static void on_events(void *ctx, struct alert_event *events, size_t n)
{
	struct alert_capture *a = ctx;
	double now = monotonic_seconds();
	bool changed = false;

	for (size_t i = 0; i < n; i++) {
		struct alert_event *e = &events[i];
		bool busy = false;

		if (e->kind != ALERT_PROCESS_RATE || e->cleared || !e->pid)
			continue;
		for (size_t j = 0; j < a->nactive; j++)
			busy = busy || a->active[j].pid == e->pid;
		if (busy || a->nactive == ALERT_CAPTURE_ACTIVE_MAX ||
		    a->files == ALERT_CAPTURE_FILES_MAX)
			continue;
		start_capture(a, e, now);
		changed = true;
	}
	if (changed)
		update_filter(a);
}

static int alert_capture_tick(void *ctx, const struct sink_tick *t)
{
	struct alert_capture *a = ctx;
	bool changed = false;

	for (size_t i = 0; i < a->nactive;) {
		struct active *c = &a->active[i];

		if (t->now < c->deadline && !c->full) {
			pcapng_flush(c->file);
			i++;
			continue;
		}
		end_capture(a, c);
		a->active[i] = a->active[--a->nactive];
		changed = true;
	}
	if (changed)
		update_filter(a);
	return SINK_CONTINUE;
}

static struct file_iface *iface_of(struct active *c, const struct captured_packet *pkt,
				   const struct alert_capture *a)
{
	struct file_iface *f;
	char name[IF_NAMESIZE + 1];

	for (size_t i = 0; i < c->nifaces; i++)
		if (c->ifaces[i].ifindex == pkt->ifindex)
			return &c->ifaces[i];
	if (c->nifaces == IFACES_MAX)
		return NULL;
	f = &c->ifaces[c->nifaces];
	packet_label_escape(name, sizeof(name), 0, pkt->ifname, strnlen(pkt->ifname, IF_NAMESIZE));
	f->id = pcapng_add_interface(c->file, (uint16_t)pkt->link, a->cfg.snaplen, name);
	if (f->id < 0)
		return NULL;
	f->ifindex = pkt->ifindex;
	f->received = 0;
	f->lost_before = lost_on(a, pkt->ifindex);
	c->nifaces++;
	return f;
}

static void note_lost(struct alert_capture *a, const struct captured_packet *pkt)
{
	for (size_t i = 0; i < a->nlost; i++) {
		if (a->lost[i].ifindex == pkt->ifindex) {
			a->lost[i].lost = pkt->lost;
			return;
		}
	}
	if (a->nlost < IFACES_MAX)
		a->lost[a->nlost++] = (struct lost){.ifindex = pkt->ifindex, .lost = pkt->lost};
}

static int alert_capture_event(void *ctx, const struct stream_event *ev)
{
	struct alert_capture *a = ctx;
	const struct captured_packet *pkt = ev->data;
	struct file_iface *f;
	struct active *c = NULL;
	size_t need;

	if (strcmp(ev->stream, PACKET_STREAM) != 0 || ev->len != sizeof(*pkt))
		return SINK_CONTINUE;
	if (pkt->kind == PACKET_EVENT_LOST) {
		note_lost(a, pkt);
		return SINK_CONTINUE;
	}
	for (size_t i = 0; i < a->nactive && !c; i++)
		if (a->active[i].pid == pkt->pid && !a->active[i].full)
			c = &a->active[i];
	if (!c)
		return SINK_CONTINUE;
	packet_label(a->label, sizeof(a->label), pkt, NULL);
	need = pkt->caplen + strlen(a->label) + BLOCK_OVERHEAD;
	if (c->bytes + need > a->cfg.max_bytes) {
		c->full = true; /* closed at the next tick */
		return SINK_CONTINUE;
	}
	f = iface_of(c, pkt, a);
	if (!f)
		return SINK_CONTINUE;
	struct pcapng_packet epb = {.ifid = (uint32_t)f->id,
				    .ts_ns = pkt->ts_ns,
				    .data = pkt->data,
				    .caplen = pkt->caplen,
				    .len = pkt->len,
				    .flags = pkt->outbound ? PCAPNG_OUTBOUND : PCAPNG_INBOUND,
				    .comment = a->label,
				    .pid = pkt->pid};
	if (pcapng_write_packet(c->file, &epb) == 0) {
		c->bytes += need;
		f->received++;
	}
	return SINK_CONTINUE;
}

static int alert_capture_start(void *ctx, struct pipeline *p, char *err, size_t errlen)
{
	struct alert_capture *a = ctx;
	struct capture_filter idle = {.snaplen = a->cfg.snaplen, .idle = true};
	int rc;

	a->p = p;
	a->dirfd = open(a->cfg.dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (a->dirfd < 0) {
		snprintf(err, errlen,
			 "nethound: --capture-on-alert: cannot use %s (%s); give an existing "
			 "directory (not a symbolic link)",
			 a->cfg.dir, strerror(errno));
		return NH_EXIT_USAGE;
	}
	rc = pipeline_capture(p, &idle, err, errlen);
	if (rc)
		return rc;
	pipeline_on_alert_events(p, on_events, a);
	return 0;
}

static int alert_capture_finish(void *ctx)
{
	struct alert_capture *a = ctx;

	while (a->nactive)
		end_capture(a, &a->active[--a->nactive]);
	return NH_EXIT_OK;
}

struct alert_capture *alert_capture_new(const struct alert_capture_config *cfg)
{
	struct alert_capture *a = calloc(1, sizeof(*a));

	if (a) {
		a->cfg = *cfg;
		a->dirfd = -1;
	}
	return a;
}

struct sink alert_capture_sink(struct alert_capture *a)
{
	return (struct sink){.name = "capture-on-alert",
			     .ctx = a,
			     .start = alert_capture_start,
			     .tick = alert_capture_tick,
			     .event = alert_capture_event,
			     .finish = alert_capture_finish};
}

void alert_capture_free(struct alert_capture *a)
{
	if (!a)
		return;
	if (a->dirfd >= 0)
		close(a->dirfd);
	free(a);
}
