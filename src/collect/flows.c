// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "core/classify.h"
#include "collect/flows.h"
#include "kernel/mapread.h"
#include "core/proc_key.h"
#include "core/rates.h"
#include "kernel/tc_attach.h"
#include "core/timefmt.h"

/* A flow without packets this long is retired; it comes back if it moves again. */
#define FLOW_IDLE_NS (60ull * 1000000000ull)
/* A process's wire state outlives its last sighting this long (it may reappear). */
#define PROC_FORGET_SECONDS 120.0

/* Protocol set bits: enum nh_app values first, then the L4 classes. */
enum {
	PROTO_BIT_TCP = 40,
	PROTO_BIT_UDP,
	PROTO_BIT_ICMP,
	PROTO_BIT_ICMPV6,
	PROTO_BIT_OTHER,
};

struct flow_row {
	struct nh_flow_key key;
	struct nh_flow_val val;
	bool owned;
	struct nh_proc_key owner;
	uint64_t owner_cookie;
	char comm[NH_COMM_LEN];
	uint64_t credited[NH_DIR_MAX]; /* bytes already added to the owner's wire total */
};

struct flow_set {
	struct flow_row *rows;
	size_t n;
};

struct proc_wire {
	struct nh_proc_key key;
	uint64_t total[NH_DIR_MAX];    /* credited so far */
	uint64_t reported[NH_DIR_MAX]; /* what the previous snapshot showed */
	uint64_t protocols;
	double seen_at;
};

struct iface_row {
	uint32_t ifindex;
	struct nh_iface_val sum;
	uint64_t retired_unowned[NH_DIR_MAX]; /* bytes of unowned flows already retired */
	uint64_t unowned_live[NH_DIR_MAX];    /* bytes of unowned flows in the map now */
	/* What the previous snapshot showed, for the interval figures. */
	uint64_t reported_bytes[NH_DIR_MAX];
	uint64_t reported_packets[NH_DIR_MAX];
	uint64_t reported_unattributed[NH_DIR_MAX];
};

struct flows {
	int ifaces_fd, flows_fd;
	const struct tc_attach *tc;
	int ncpus;
	size_t max_flows, max_ifaces;
	/* Batch buffers. */
	struct nh_flow_key *keys;
	struct nh_flow_val *vals;
	__u32 *iface_keys;
	struct nh_iface_val *iface_vals; /* ncpus values per key */
	struct flow_set prev, cur;
	struct iface_row *ifaces;
	size_t nifaces;
	struct proc_wire *procs;
	size_t nprocs, cap_procs;
	/* Snapshot arrays this module owns. */
	struct interface_stats *out_ifaces;
	struct flow_stats *out_flows;
};

static int flow_key_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct flow_row *)a)->key, &((const struct flow_row *)b)->key,
		      sizeof(struct nh_flow_key));
}

/* bsearch: a process key against a proc_wire. */
static int key_vs_proc_wire(const void *key, const void *elem)
{
	return proc_key_cmp(key, &((const struct proc_wire *)elem)->key);
}

static uint64_t l4_bit(uint8_t ip_version, uint8_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return 1ull << PROTO_BIT_TCP;
	case IPPROTO_UDP:
		return 1ull << PROTO_BIT_UDP;
	case IPPROTO_ICMP:
		return ip_version == 4 ? 1ull << PROTO_BIT_ICMP : 1ull << PROTO_BIT_OTHER;
	case IPPROTO_ICMPV6:
		return ip_version == 6 ? 1ull << PROTO_BIT_ICMPV6 : 1ull << PROTO_BIT_OTHER;
	default:
		return 1ull << PROTO_BIT_OTHER;
	}
}

size_t flows_protocol_names(uint64_t set, const char **names, size_t max)
{
	static const struct {
		int bit;
		const char *name;
	} l4[] = {
		{ PROTO_BIT_TCP, "TCP" },	{ PROTO_BIT_UDP, "UDP" },
		{ PROTO_BIT_ICMP, "ICMP" },	{ PROTO_BIT_ICMPV6, "ICMPv6" },
		{ PROTO_BIT_OTHER, "other" },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(l4) / sizeof(l4[0]) && n < max; i++)
		if (set & (1ull << l4[i].bit))
			names[n++] = l4[i].name;
	for (int app = NH_APP_NONE + 1; app < NH_APP_MAX && n < max; app++)
		if (set & (1ull << app))
			names[n++] = classify_app_name((enum nh_app)app);
	return n;
}

static struct proc_wire *proc_find(struct flows *f, const struct nh_proc_key *key)
{
	return bsearch(key, f->procs, f->nprocs, sizeof(*f->procs), key_vs_proc_wire);
}

static struct proc_wire *proc_get(struct flows *f, const struct nh_proc_key *key, double now)
{
	struct proc_wire *p = proc_find(f, key);
	size_t at = 0;

	if (p)
		return p;
	if (f->nprocs == f->cap_procs) {
		size_t cap = f->cap_procs ? f->cap_procs * 2 : 256;
		void *procs = realloc(f->procs, cap * sizeof(*f->procs));

		if (!procs)
			return NULL;
		f->procs = procs;
		f->cap_procs = cap;
	}
	while (at < f->nprocs && proc_key_cmp(&f->procs[at].key, key) < 0)
		at++;
	memmove(&f->procs[at + 1], &f->procs[at], (f->nprocs - at) * sizeof(*f->procs));
	f->nprocs++;
	p = &f->procs[at];
	memset(p, 0, sizeof(*p));
	p->key = *key;
	p->seen_at = now;
	return p;
}

static struct iface_row *iface_find(struct flows *f, uint32_t ifindex)
{
	for (size_t i = 0; i < f->nifaces; i++)
		if (f->ifaces[i].ifindex == ifindex)
			return &f->ifaces[i];
	return NULL;
}

/* Sum the per-CPU interface counters into f->ifaces (one row per key). */
static int read_ifaces(struct flows *f)
{
	size_t stride = sizeof(struct nh_iface_val); /* multiple of 8: no per-CPU padding */
	long total = mapread_all(f->ifaces_fd, f->iface_keys, sizeof(*f->iface_keys), f->iface_vals,
				 stride * (size_t)f->ncpus, f->max_ifaces);

	if (total < 0)
		return (int)total;
	for (long i = 0; i < total; i++) {
		struct iface_row *row;
		struct nh_iface_val sum;
		const struct nh_iface_val *cpu =
			(const void *)((char *)f->iface_vals + i * stride * f->ncpus);

		memset(&sum, 0, sizeof(sum));
		for (int c = 0; c < f->ncpus; c++) {
			for (int d = 0; d < NH_DIR_MAX; d++) {
				sum.bytes[d] += cpu[c].bytes[d];
				sum.packets[d] += cpu[c].packets[d];
				sum.noflow_bytes[d] += cpu[c].noflow_bytes[d];
				sum.noflow_packets[d] += cpu[c].noflow_packets[d];
			}
		}
		row = iface_find(f, f->iface_keys[i]);
		if (!row && f->nifaces < f->max_ifaces) {
			row = &f->ifaces[f->nifaces++];
			memset(row, 0, sizeof(*row));
			row->ifindex = f->iface_keys[i];
		}
		if (row)
			row->sum = sum;
	}
	return 0;
}

static int read_flows(struct flows *f)
{
	long total = mapread_all(f->flows_fd, f->keys, sizeof(*f->keys), f->vals, sizeof(*f->vals),
				 f->max_flows + MAPREAD_SLACK);

	if (total < 0)
		return (int)total;
	for (long i = 0; i < total; i++) {
		memset(&f->cur.rows[i], 0, sizeof(f->cur.rows[i]));
		f->cur.rows[i].key = f->keys[i];
		f->cur.rows[i].val = f->vals[i];
	}
	f->cur.n = (size_t)total;
	qsort(f->cur.rows, f->cur.n, sizeof(*f->cur.rows), flow_key_cmp);
	return 0;
}

/* Credit what the flow counted since the last credit to its owner. */
static void credit_owner(struct flows *f, struct flow_row *row, enum nh_app app, double now)
{
	struct proc_wire *p;

	if (!row->owned)
		return;
	p = proc_get(f, &row->owner, now);
	if (!p)
		return;
	for (int d = 0; d < NH_DIR_MAX; d++) {
		p->total[d] += counter_delta(row->val.bytes[d], row->credited[d]);
		row->credited[d] = row->val.bytes[d];
	}
	p->protocols |= l4_bit(row->key.family, row->key.protocol);
	if (app != NH_APP_NONE)
		p->protocols |= 1ull << app;
}

static void fill_flow(struct flow_stats *out, const struct flow_row *row,
		      const struct flow_row *before, enum nh_app app)
{
	memset(out, 0, sizeof(*out));
	out->ifindex = row->key.ifindex;
	out->ip_version = row->key.family;
	out->protocol = row->key.protocol;
	out->app = (uint8_t)app;
	out->local_port = row->key.local_port;
	out->remote_port = row->key.remote_port;
	memcpy(out->local_addr, row->key.local_addr, 16);
	memcpy(out->remote_addr, row->key.remote_addr, 16);
	out->cookie = row->val.cookie;
	out->owned = row->owned;
	if (row->owned) {
		out->pid = row->owner.tgid;
		out->start_ns = row->owner.start_ns;
		memcpy(out->comm, row->comm, NH_COMM_LEN);
		out->comm[NH_COMM_LEN - 1] = '\0';
	}
	out->bytes.tx_total = row->val.bytes[NH_DIR_TX];
	out->bytes.rx_total = row->val.bytes[NH_DIR_RX];
	out->packets.tx_total = row->val.packets[NH_DIR_TX];
	out->packets.rx_total = row->val.packets[NH_DIR_RX];
	out->bytes.tx_bytes = counter_delta(row->val.bytes[NH_DIR_TX],
					    before ? before->val.bytes[NH_DIR_TX] : 0);
	out->bytes.rx_bytes = counter_delta(row->val.bytes[NH_DIR_RX],
					    before ? before->val.bytes[NH_DIR_RX] : 0);
	out->packets.tx_bytes = counter_delta(row->val.packets[NH_DIR_TX],
					      before ? before->val.packets[NH_DIR_TX] : 0);
	out->packets.rx_bytes = counter_delta(row->val.packets[NH_DIR_RX],
					      before ? before->val.packets[NH_DIR_RX] : 0);
}

static void collect_flows(struct flows *f, struct snapshot *s, flows_owner_fn owner, void *ctx,
			  double now)
{
	struct timespec ts;
	uint64_t now_ns;
	size_t kept = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock of bpf_ktime_get_ns */
	now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (size_t i = 0; i < f->nifaces; i++)
		memset(f->ifaces[i].unowned_live, 0, sizeof(f->ifaces[i].unowned_live));

	s->nflows = 0;
	for (size_t i = 0; i < f->cur.n; i++) {
		struct flow_row *row = &f->cur.rows[i];
		const struct flow_row *before =
			bsearch(row, f->prev.rows, f->prev.n, sizeof(*row), flow_key_cmp);
		struct iface_row *iface = iface_find(f, row->key.ifindex);
		bool retired = false;
		enum nh_app app;

		if (before) {
			row->owned = before->owned;
			row->owner = before->owner;
			row->owner_cookie = before->owner_cookie;
			memcpy(row->comm, before->comm, NH_COMM_LEN);
			memcpy(row->credited, before->credited, sizeof(row->credited));
		}
		/* A reused 5-tuple may carry a new socket: follow the cookie. */
		if (row->val.cookie && (!row->owned || row->val.cookie != row->owner_cookie)) {
			struct nh_proc_key who;
			char comm[NH_COMM_LEN];

			if (owner(ctx, row->val.cookie, &who, comm)) {
				row->owned = true;
				row->owner = who;
				row->owner_cookie = row->val.cookie;
				memcpy(row->comm, comm, NH_COMM_LEN);
			}
		}
		if (now_ns > row->val.last_ns && now_ns - row->val.last_ns >= FLOW_IDLE_NS) {
			struct nh_flow_val final;

			/* Atomic with respect to the map: a packet that raced in is in final. */
			if (bpf_map_lookup_and_delete_elem(f->flows_fd, &row->key, &final) == 0)
				row->val = final;
			retired = true;
		}
		app = classify_app(row->val.app, row->key.protocol, row->key.local_port,
				   row->key.remote_port);
		credit_owner(f, row, app, now);
		if (!row->owned && iface) {
			for (int d = 0; d < NH_DIR_MAX; d++) {
				if (retired)
					iface->retired_unowned[d] += row->val.bytes[d];
				else
					iface->unowned_live[d] += row->val.bytes[d];
			}
		}
		fill_flow(&s->flows[s->nflows++], row, before, app);
		if (!retired)
			f->cur.rows[kept++] = *row;
	}
	f->cur.n = kept;
}

static void collect_ifaces(struct flows *f, struct snapshot *s)
{
	const struct tc_iface *list;
	size_t n = f->tc ? tc_attach_ifaces(f->tc, &list) : 0;

	s->nifaces = 0;
	for (size_t i = 0; i < n; i++) {
		struct interface_stats *out = &s->ifaces[s->nifaces++];
		struct iface_row *row = iface_find(f, list[i].ifindex);
		uint64_t unattributed[NH_DIR_MAX] = { 0, 0 };

		memset(out, 0, sizeof(*out));
		out->ifindex = list[i].ifindex;
		memcpy(out->name, list[i].name, sizeof(out->name));
		out->present = list[i].present;
		if (!row)
			continue;
		for (int d = 0; d < NH_DIR_MAX; d++)
			unattributed[d] = row->sum.noflow_bytes[d] + row->unowned_live[d] +
					  row->retired_unowned[d];
		out->bytes.tx_total = row->sum.bytes[NH_DIR_TX];
		out->bytes.rx_total = row->sum.bytes[NH_DIR_RX];
		out->packets.tx_total = row->sum.packets[NH_DIR_TX];
		out->packets.rx_total = row->sum.packets[NH_DIR_RX];
		out->unattributed.tx_total = unattributed[NH_DIR_TX];
		out->unattributed.rx_total = unattributed[NH_DIR_RX];
		out->bytes.tx_bytes = counter_delta(row->sum.bytes[NH_DIR_TX],
						    row->reported_bytes[NH_DIR_TX]);
		out->bytes.rx_bytes = counter_delta(row->sum.bytes[NH_DIR_RX],
						    row->reported_bytes[NH_DIR_RX]);
		out->packets.tx_bytes = counter_delta(row->sum.packets[NH_DIR_TX],
						      row->reported_packets[NH_DIR_TX]);
		out->packets.rx_bytes = counter_delta(row->sum.packets[NH_DIR_RX],
						      row->reported_packets[NH_DIR_RX]);
		/*
		 * A flow whose owner shows up late leaves the unattributed total,
		 * which can therefore shrink: the interval figure never goes negative.
		 */
		out->unattributed.tx_bytes =
			counter_delta(unattributed[NH_DIR_TX], row->reported_unattributed[NH_DIR_TX]);
		out->unattributed.rx_bytes =
			counter_delta(unattributed[NH_DIR_RX], row->reported_unattributed[NH_DIR_RX]);
		memcpy(row->reported_bytes, row->sum.bytes, sizeof(row->reported_bytes));
		memcpy(row->reported_packets, row->sum.packets, sizeof(row->reported_packets));
		memcpy(row->reported_unattributed, unattributed, sizeof(unattributed));
		if (!list[i].present) {
			/* Reported for the last time: its ifindex may be reused by another. */
			bpf_map_delete_elem(f->ifaces_fd, &row->ifindex);
			*row = f->ifaces[--f->nifaces];
		}
	}
}

/* Processes: wire traffic and protocol sets, from flows and from their sockets. */
static void collect_procs(struct flows *f, struct snapshot *s, double now)
{
	for (size_t i = 0; i < s->nconns; i++) {
		const struct connection_stats *c = &s->conns[i];
		struct nh_proc_key key = { .tgid = c->pid, .start_ns = c->start_ns };
		struct proc_wire *p = proc_get(f, &key, now);

		if (p)
			p->protocols |= l4_bit(c->family == AF_INET6 ? 6 : 4, (uint8_t)c->protocol);
	}
	for (size_t i = 0; i < s->nprocs; i++) {
		struct process_stats *ps = &s->procs[i];
		struct nh_proc_key key = { .tgid = ps->pid, .start_ns = ps->start_ns };
		struct proc_wire *p = proc_find(f, &key);

		if (ps->l4[NH_L4_TCP].tx_total || ps->l4[NH_L4_TCP].rx_total)
			ps->protocols |= 1ull << PROTO_BIT_TCP;
		if (ps->l4[NH_L4_UDP].tx_total || ps->l4[NH_L4_UDP].rx_total)
			ps->protocols |= 1ull << PROTO_BIT_UDP;
		if (!p)
			continue;
		p->seen_at = now;
		ps->protocols |= p->protocols;
		ps->wire.tx_total = p->total[NH_DIR_TX];
		ps->wire.rx_total = p->total[NH_DIR_RX];
		ps->wire.tx_bytes = counter_delta(p->total[NH_DIR_TX], p->reported[NH_DIR_TX]);
		ps->wire.rx_bytes = counter_delta(p->total[NH_DIR_RX], p->reported[NH_DIR_RX]);
		memcpy(p->reported, p->total, sizeof(p->total));
		if (ps->exited)
			p->seen_at = 0; /* reported its last: forget below */
	}
	/* Forget processes that exited or have not been seen for a while. */
	{
		size_t kept = 0;

		for (size_t i = 0; i < f->nprocs; i++)
			if (now - f->procs[i].seen_at < PROC_FORGET_SECONDS)
				f->procs[kept++] = f->procs[i];
		f->nprocs = kept;
	}
}

int flows_collect(struct flows *f, struct snapshot *s, flows_owner_fn owner, void *ctx)
{
	double now = monotonic_seconds();
	struct flow_set tmp;
	int err;

	s->nifaces = 0;
	s->nflows = 0;
	s->ifaces = f->out_ifaces;
	s->flows = f->out_flows;
	if (f->flows_fd >= 0) {
		err = read_ifaces(f);
		if (!err)
			err = read_flows(f);
		if (err)
			return err;
		collect_flows(f, s, owner, ctx, now);
		collect_ifaces(f, s);
		tmp = f->prev;
		f->prev = f->cur;
		f->cur = tmp;
	}
	collect_procs(f, s, now);
	return 0;
}

struct flows *flows_new(int ifaces_fd, int flows_fd, const struct tc_attach *tc)
{
	struct flows *f = calloc(1, sizeof(*f));
	size_t nf;

	if (!f)
		return NULL;
	f->ifaces_fd = ifaces_fd;
	f->flows_fd = flows_fd;
	f->tc = tc;
	if (flows_fd < 0)
		return f;
	f->ncpus = libbpf_num_possible_cpus();
	if (f->ncpus <= 0) {
		free(f);
		errno = EINVAL;
		return NULL;
	}
	f->max_flows = NH_MAX_FLOWS;
	f->max_ifaces = NH_MAX_IFACES;
	nf = f->max_flows + MAPREAD_SLACK;
	f->keys = calloc(nf, sizeof(*f->keys));
	f->vals = calloc(nf, sizeof(*f->vals));
	f->prev.rows = calloc(nf, sizeof(*f->prev.rows));
	f->cur.rows = calloc(nf, sizeof(*f->cur.rows));
	f->out_flows = calloc(nf, sizeof(*f->out_flows));
	f->iface_keys = calloc(f->max_ifaces, sizeof(*f->iface_keys));
	f->iface_vals = calloc(f->max_ifaces * (size_t)f->ncpus, sizeof(*f->iface_vals));
	f->ifaces = calloc(f->max_ifaces, sizeof(*f->ifaces));
	f->out_ifaces = calloc(f->max_ifaces, sizeof(*f->out_ifaces));
	if (!f->keys || !f->vals || !f->prev.rows || !f->cur.rows || !f->out_flows ||
	    !f->iface_keys || !f->iface_vals || !f->ifaces || !f->out_ifaces) {
		flows_free(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

void flows_free(struct flows *f)
{
	if (!f)
		return;
	free(f->keys);
	free(f->vals);
	free(f->prev.rows);
	free(f->cur.rows);
	free(f->out_flows);
	free(f->iface_keys);
	free(f->iface_vals);
	free(f->ifaces);
	free(f->out_ifaces);
	free(f->procs);
	free(f);
}
