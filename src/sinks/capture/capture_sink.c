// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "core/array.h"
#include "core/exitcodes.h"
#include "core/packet.h"
#include "core/text.h"
#include "sinks/capture/capture_sink.h"
#include "sinks/capture/packet_label.h"
#include "sinks/capture/pcapng.h"
#include "sinks/capture/text_log.h"

/* An interface as the file knows it: its description block's id and its statistics. */
struct iface {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	int id;
	uint64_t received, lost;
};

/* What the last snapshot's identity knew of a process, as label words. */
struct known {
	uint32_t pid;
	uint64_t start_ns;
	char *words;
};

struct capture_sink {
	struct capture_config cfg;
	struct pcapng *file;
	struct iface *ifaces;
	size_t nifaces, ifaces_cap;
	struct known *known;
	size_t nknown, known_cap;
	uint64_t packets;
	uint64_t start_ns; /* CLOCK_REALTIME at start */
	double start_mono;
	bool done; /* count reached: later packets are not written */
	int error; /* first write error, -errno */
	char label[PACKET_LABEL_MAX];
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_known(const void *a, const void *b)
{
	const struct known *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static void forget_known(struct capture_sink *s)
{
	for (size_t i = 0; i < s->nknown; i++)
		free(s->known[i].words);
	s->nknown = 0;
}

/* The identity words of each process of the snapshot, for the packets until the next tick. */
static int learn_identities(struct capture_sink *s, const struct snapshot *snap)
{
	forget_known(s);
	if (array_grow((void **)&s->known, &s->known_cap, snap->nprocs, sizeof(*s->known)))
		return -ENOMEM;
	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct process_stats *p = &snap->procs[i];

		packet_label_identity(s->label, sizeof(s->label), &p->ident);
		if (!s->label[0])
			continue;
		s->known[s->nknown] = (struct known){
		    .pid = p->pid, .start_ns = p->start_ns, .words = strdup(s->label)};
		if (s->known[s->nknown].words)
			s->nknown++;
	}
	if (s->nknown)
		qsort(s->known, s->nknown, sizeof(*s->known), compare_known);
	return 0;
}

static const char *identity_of(const struct capture_sink *s, const struct captured_packet *pkt)
{
	struct known key = {.pid = pkt->pid, .start_ns = pkt->start_ns};
	const struct known *k = array_find(&key, s->known, s->nknown, sizeof(key), compare_known);

	return k ? k->words : NULL;
}

/* The interface's entry, with its description block written on first sight. */
static struct iface *iface_of(struct capture_sink *s, const struct captured_packet *pkt)
{
	struct iface *f;

	for (size_t i = 0; i < s->nifaces; i++)
		if (s->ifaces[i].ifindex == pkt->ifindex &&
		    strncmp(s->ifaces[i].name, pkt->ifname, IF_NAMESIZE) == 0)
			return &s->ifaces[i];
	if (array_grow((void **)&s->ifaces, &s->ifaces_cap, s->nifaces + 1, sizeof(*s->ifaces)))
		return NULL;
	f = &s->ifaces[s->nifaces];
	*f = (struct iface){.ifindex = pkt->ifindex, .id = -1};
	/* The kernel's name, as bytes a terminal and a UTF-8 reader can take. */
	text_printable(f->name, sizeof(f->name), pkt->ifname, strnlen(pkt->ifname, IF_NAMESIZE));
	if (s->file) {
		f->id = pcapng_add_interface(s->file, (uint16_t)pkt->link, s->cfg.snaplen, f->name);
		if (f->id < 0) {
			s->error = f->id;
			return NULL;
		}
	}
	memcpy(f->name, pkt->ifname, IF_NAMESIZE);
	s->nifaces++;
	return f;
}

static int write_packet(struct capture_sink *s, const struct captured_packet *pkt)
{
	struct iface *f = iface_of(s, pkt);

	if (!f)
		return s->error ? s->error : -ENOMEM;
	packet_label(s->label, sizeof(s->label), pkt, pkt->pid ? identity_of(s, pkt) : NULL);
	s->packets++;
	f->received++;
	if (s->file) {
		struct pcapng_packet epb = {
		    .ifid = (uint32_t)f->id,
		    .ts_ns = pkt->ts_ns,
		    .data = pkt->data,
		    .caplen = pkt->caplen,
		    .len = pkt->len,
		    .flags = pkt->outbound ? PCAPNG_OUTBOUND : PCAPNG_INBOUND,
		    .comment = s->label,
		    .pid = pkt->pid,
		};
		int rc = pcapng_write_packet(s->file, &epb);

		if (rc)
			return rc;
	}
	if (s->cfg.text && text_log_line(s->cfg.text, s->packets, pkt, s->label) < 0)
		return -(errno ? errno : EIO);
	return 0;
}

static int capture_event(void *ctx, const struct stream_event *ev)
{
	struct capture_sink *s = ctx;
	const struct captured_packet *pkt = ev->data;
	int rc;

	if (strcmp(ev->stream, PACKET_STREAM) != 0 || ev->len != sizeof(*pkt) || s->error)
		return s->error;
	if (pkt->kind == PACKET_EVENT_LOST) {
		struct iface *f = iface_of(s, pkt);

		if (f)
			f->lost = pkt->lost;
		return SINK_CONTINUE;
	}
	if (s->done)
		return SINK_STOP;
	rc = write_packet(s, pkt);
	if (rc) {
		s->error = rc;
		return rc;
	}
	if (s->cfg.count && s->packets >= s->cfg.count) {
		s->done = true;
		return SINK_STOP;
	}
	return SINK_CONTINUE;
}

static int flush_all(struct capture_sink *s)
{
	int rc = 0;

	if (s->file)
		rc = pcapng_flush(s->file);
	if (!rc && s->cfg.text && fflush(s->cfg.text))
		rc = -(errno ? errno : EIO);
	if (rc && !s->error)
		s->error = rc;
	return s->error;
}

static int capture_tick(void *ctx, const struct sink_tick *t)
{
	struct capture_sink *s = ctx;

	if (learn_identities(s, t->snap))
		return -ENOMEM;
	/* A reader at the other end of a pipe sees packets within a tick. */
	if (flush_all(s))
		return s->error;
	if (s->cfg.duration > 0 && t->now - s->start_mono >= s->cfg.duration)
		return SINK_STOP;
	return SINK_CONTINUE;
}

static int capture_start(void *ctx, struct pipeline *p, char *err, size_t errlen)
{
	struct capture_sink *s = ctx;
	struct timespec mono;
	struct utsname u;
	char os[256] = "";

	(void)p;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	s->start_mono = (double)mono.tv_sec + (double)mono.tv_nsec / 1e9;
	s->start_ns = realtime_ns();
	if (s->cfg.pcapng) {
		if (uname(&u) == 0)
			snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		s->file =
		    pcapng_open(s->cfg.pcapng, "nethound " NETHOUND_VERSION, os[0] ? os : NULL);
		if (!s->file || pcapng_flush(s->file)) {
			snprintf(err, errlen, "nethound: cannot write %s (%s)", s->cfg.pcapng_name,
				 strerror(s->file ? -pcapng_flush(s->file) : ENOMEM));
			return NH_EXIT_FAILURE;
		}
	}
	if (s->cfg.text) {
		text_log_header(s->cfg.text);
		if (fflush(s->cfg.text)) {
			snprintf(err, errlen, "nethound: cannot write %s (%s)", s->cfg.text_name,
				 strerror(errno));
			return NH_EXIT_FAILURE;
		}
	}
	/* As tcpdump does: the programs are attached, packets from here on are caught. */
	fprintf(s->cfg.report,
		"nethound: capturing, %" PRIu32 " bytes of each packet; Ctrl-C stops\n",
		s->cfg.snaplen);
	return 0;
}

/* The end: each interface's statistics (what the ring lost among them) in the file. */
static int capture_finish(void *ctx)
{
	struct capture_sink *s = ctx;
	uint64_t now = realtime_ns(), lost = 0;
	char comment[160];

	for (size_t i = 0; i < s->nifaces && s->file && !s->error; i++) {
		struct iface *f = &s->ifaces[i];
		struct pcapng_stats isb = {.ifid = (uint32_t)f->id,
					   .ts_ns = now,
					   .start_ns = s->start_ns,
					   .end_ns = now,
					   .received = f->received,
					   .dropped = f->lost};

		if (f->lost) {
			snprintf(comment, sizeof(comment),
				 "nethound: %" PRIu64
				 " packets lost: the capture ring buffer was full",
				 f->lost);
			isb.comment = comment;
		}
		if (pcapng_write_stats(s->file, &isb))
			s->error = pcapng_flush(s->file);
	}
	for (size_t i = 0; i < s->nifaces; i++)
		lost += s->ifaces[i].lost;
	flush_all(s);
	fprintf(s->cfg.report, "nethound: %" PRIu64 " packets captured, %" PRIu64 " lost\n",
		s->packets, lost);
	if (lost)
		fprintf(s->cfg.report,
			"nethound: %" PRIu64
			" packets were lost because the capture ring buffer was "
			"full; a larger --ring-size or a narrower filter keeps them\n",
			lost);
	if (s->error) {
		fprintf(s->cfg.report,
			"nethound: writing the capture failed (%s); the file is "
			"incomplete\n",
			strerror(-s->error));
		return NH_EXIT_FAILURE;
	}
	return NH_EXIT_OK;
}

struct capture_sink *capture_sink_new(const struct capture_config *cfg)
{
	struct capture_sink *s = calloc(1, sizeof(*s));

	if (s)
		s->cfg = *cfg;
	return s;
}

struct sink capture_sink(struct capture_sink *s)
{
	return (struct sink){.name = "capture",
			     .ctx = s,
			     .start = capture_start,
			     .tick = capture_tick,
			     .event = capture_event,
			     .finish = capture_finish};
}

uint64_t capture_sink_packets(const struct capture_sink *s)
{
	return s->packets;
}

void capture_sink_free(struct capture_sink *s)
{
	if (!s)
		return;
	forget_known(s);
	pcapng_close(s->file);
	free(s->known);
	free(s->ifaces);
	free(s);
}
