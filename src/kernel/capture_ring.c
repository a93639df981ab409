// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "wire.h"
#include "kernel/capture_ring.h"
#include "wire.skel.h"

#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define NAME_CACHE 64

struct iface_name {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	enum packet_link link;
};

struct iface_lost {
	uint32_t ifindex;
	uint64_t lost;
};

struct capture_ring {
	struct loader *ld;
	struct ring_buffer *rb;
	int64_t realtime_offset_ns; /* CLOCK_REALTIME minus CLOCK_MONOTONIC at open */
	struct iface_name names[NAME_CACHE];
	size_t nnames, next_name;
	uint64_t lost_seen; /* total lost when last reported */
	struct iface_lost *lost;
	size_t nlost;
	int ncpus;
	/* During one drain: */
	int (*emit)(void *pctx, const void *data, size_t len);
	void *pctx;
	int status; /* non-zero once emit asked to stop or failed */
	int emitted;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The link type from the device type: Ethernet framing, or none (IP from the first byte). */
static enum packet_link link_of(const char *name)
{
	char path[64];
	unsigned type = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/type", name);
	f = fopen(path, "re");
	if (!f)
		return PACKET_LINK_ETHERNET;
	if (fscanf(f, "%u", &type) != 1)
		type = ARPHRD_ETHER;
	fclose(f);
	return type == ARPHRD_ETHER || type == ARPHRD_LOOPBACK ? PACKET_LINK_ETHERNET
							       : PACKET_LINK_RAW;
}

/* Name and link type of an interface, asked of the kernel once (a few are cached). */
static const struct iface_name *iface_lookup(struct capture_ring *c, uint32_t ifindex)
{
	struct iface_name *n;

	for (size_t i = 0; i < c->nnames; i++)
		if (c->names[i].ifindex == ifindex)
			return &c->names[i];
	if (c->nnames < NAME_CACHE) {
		n = &c->names[c->nnames++];
	} else {
		n = &c->names[c->next_name];
		c->next_name = (c->next_name + 1) % NAME_CACHE;
	}
	n->ifindex = ifindex;
	if (!if_indextoname(ifindex, n->name))
		snprintf(n->name, sizeof(n->name), "if%u", ifindex);
	n->link = link_of(n->name);
	return n;
}

static int emit_one(struct capture_ring *c, const struct captured_packet *pkt)
{
	int rc = c->emit(c->pctx, pkt, sizeof(*pkt));

	c->emitted++;
	if (rc) {
		c->status = rc;
		return -ECANCELED; /* libbpf stops the drain on a negative return */
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct capture_ring *c = ctx;
	const struct nh_capture_rec *r = data;
	const struct iface_name *n;
	struct captured_packet pkt = {.kind = PACKET_EVENT_PACKET};

	if (size < sizeof(*r) || size - sizeof(*r) < r->caplen)
		return 0; /* not ours to understand: skip */
	n = iface_lookup(c, r->ifindex);
	pkt.ifindex = r->ifindex;
	memcpy(pkt.ifname, n->name, sizeof(pkt.ifname));
	pkt.link = n->link;
	pkt.ts_ns = (uint64_t)((int64_t)r->ts_ns + c->realtime_offset_ns);
	pkt.len = r->len;
	pkt.caplen = r->caplen;
	pkt.outbound = r->dir == NH_DIR_TX;
	pkt.pid = r->tgid;
	pkt.start_ns = r->start_ns;
	pkt.uid = r->uid;
	pkt.cgroup_id = r->cgroup_id;
	memcpy(pkt.comm, r->comm, sizeof(pkt.comm));
	pkt.data = (const uint8_t *)(r + 1);
	return emit_one(c, &pkt);
}

static uint64_t percpu_sum(int fd, const void *key, int ncpus)
{
	uint64_t values[ncpus], sum = 0;

	if (bpf_map_lookup_elem(fd, key, values))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += values[i];
	return sum;
}

static struct iface_lost *lost_entry(struct capture_ring *c, uint32_t ifindex)
{
	struct iface_lost *grown;

	for (size_t i = 0; i < c->nlost; i++)
		if (c->lost[i].ifindex == ifindex)
			return &c->lost[i];
	grown = realloc(c->lost, (c->nlost + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	c->lost = grown;
	c->lost[c->nlost] = (struct iface_lost){.ifindex = ifindex};
	return &c->lost[c->nlost++];
}

/* New losses since the last drain, one event per interface that lost more. */
static void report_lost(struct capture_ring *c)
{
	int stats = bpf_map__fd(c->ld->wire->maps.capture_stats);
	int by_iface = bpf_map__fd(c->ld->wire->maps.capture_lost);
	__u32 stat = NH_CAPTURE_LOST, key, *prev = NULL;
	uint64_t total = percpu_sum(stats, &stat, c->ncpus);

	if (total == c->lost_seen)
		return;
	c->lost_seen = total;
	while (!c->status && bpf_map_get_next_key(by_iface, prev, &key) == 0) {
		struct iface_lost *l = lost_entry(c, key);
		uint64_t lost = percpu_sum(by_iface, &key, c->ncpus);

		prev = &key;
		if (!l || lost <= l->lost)
			continue;
		l->lost = lost;
		const struct iface_name *n = iface_lookup(c, key);
		struct captured_packet ev = {
		    .kind = PACKET_EVENT_LOST, .ifindex = key, .link = n->link, .lost = lost};

		memcpy(ev.ifname, n->name, sizeof(ev.ifname));
		emit_one(c, &ev);
	}
}

int capture_ring_drain(struct capture_ring *c,
		       int (*emit)(void *pctx, const void *data, size_t len), void *pctx)
{
	int rc;

	c->emit = emit;
	c->pctx = pctx;
	c->status = 0;
	c->emitted = 0;
	rc = ring_buffer__consume(c->rb);
	if (rc < 0 && !c->status)
		return rc;
	if (!c->status)
		report_lost(c);
	if (c->status < 0)
		return c->status;
	return c->emitted;
}

int capture_ring_fd(struct capture_ring *c)
{
	return ring_buffer__epoll_fd(c->rb);
}

static void set_filter(struct nh_capture_cfg *cfg, const struct capture_filter *f)
{
	struct nh_capture_cfg next = {
	    .snaplen = f->snaplen, .protocol = f->protocol, .port = f->port};

	next.npids = (__u32)f->npids;
	memcpy(next.pids, f->pids, f->npids * sizeof(f->pids[0]));
	next.nuids = (__u32)f->nuids;
	memcpy(next.uids, f->uids, f->nuids * sizeof(f->uids[0]));
	next.ncomms = (__u32)f->ncomms;
	for (size_t i = 0; i < f->ncomms; i++)
		strncpy(next.comms[i], f->comms[i], NH_COMM_LEN - 1);
	/* Everything in place before a packet can see on. */
	__atomic_store_n(&cfg->on, 0, __ATOMIC_SEQ_CST);
	next.on = 0;
	memcpy(cfg, &next, sizeof(next));
	if (!f->idle)
		__atomic_store_n(&cfg->on, 1, __ATOMIC_SEQ_CST);
}

static bool filter_valid(const struct capture_filter *f)
{
	return f->npids <= CAPTURE_MATCH_MAX && f->ncomms <= CAPTURE_MATCH_MAX &&
	       f->nuids <= CAPTURE_MATCH_MAX && f->snaplen && f->snaplen <= NH_CAPTURE_SNAP_MAX;
}

int capture_ring_set_filter(struct capture_ring *c, const struct capture_filter *f)
{
	if (!filter_valid(f))
		return -EINVAL;
	set_filter(&c->ld->wire->bss->capture_cfg, f);
	return 0;
}

struct capture_ring *capture_ring_open(struct loader *ld, const struct capture_filter *f, char *err,
				       size_t errlen)
{
	struct capture_ring *c;

	if (!loader_can_capture(ld)) {
		snprintf(err, errlen,
			 "nethound: capture needs the TC classifier, which is not "
			 "running; see the messages above, or drop --tc off");
		errno = ENOTSUP;
		return NULL;
	}
	if (!filter_valid(f)) {
		snprintf(err, errlen, "nethound: capture filter out of bounds");
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "nethound: out of memory");
		return NULL;
	}
	c->ld = ld;
	c->ncpus = libbpf_num_possible_cpus();
	c->rb = ring_buffer__new(bpf_map__fd(ld->wire->maps.capture_ring), on_record, c, NULL);
	if (!c->rb || c->ncpus <= 0) {
		snprintf(err, errlen, "nethound: cannot open the capture ring buffer (%s)",
			 strerror(errno));
		ring_buffer__free(c->rb);
		free(c);
		return NULL;
	}
	c->realtime_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	set_filter(&ld->wire->bss->capture_cfg, f);
	return c;
}

void capture_ring_close(struct capture_ring *c)
{
	if (!c)
		return;
	if (c->ld->wire)
		__atomic_store_n(&c->ld->wire->bss->capture_cfg.on, 0, __ATOMIC_SEQ_CST);
	ring_buffer__free(c->rb);
	free(c->lost);
	free(c);
}
