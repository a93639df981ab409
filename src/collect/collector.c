// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include <netinet/in.h>

#include "collect/collector.h"
#include "collect/flows.h"
#include "kernel/mapread.h"
#include "core/proc_key.h"
#include "core/rates.h"
#include "kernel/tc_attach.h"
#include "core/timefmt.h"

/* A datagram socket idle this long is forgotten; it comes back if it moves again. */
#define SOCK_IDLE_SECONDS 60.0

struct proc_row {
	struct nh_proc_key key;
	struct nh_proc_val val;
};

struct sock_row {
	__u64 cookie;
	struct nh_sock_val val;
	double changed_at; /* monotonic seconds of the last change */
	char comm[NH_COMM_LEN]; /* owner's name, kept after the owner is gone */
	bool removed; /* deleted from the map this tick; dropped after the flows join */
};

struct row_set {
	struct proc_row *procs;
	size_t nprocs;
	struct sock_row *socks;
	size_t nsocks;
};

struct collector {
	const struct loader *ld;
	size_t max_procs, max_socks;
	/* Raw batch buffers. */
	struct nh_proc_key *proc_keys;
	struct nh_proc_val *proc_vals;
	__u64 *sock_keys;
	struct nh_sock_val *sock_vals;
	/* Rows of the previous and of the current tick, sorted by key. */
	struct row_set prev, cur;
	double last_read;
	struct snapshot snap;
	struct flows *flows;
};

static int proc_row_cmp(const void *a, const void *b)
{
	return proc_key_cmp(&((const struct proc_row *)a)->key, &((const struct proc_row *)b)->key);
}

static int sock_row_cmp(const void *a, const void *b)
{
	__u64 x = ((const struct sock_row *)a)->cookie, y = ((const struct sock_row *)b)->cookie;

	return x < y ? -1 : x > y;
}

static int read_rows(struct collector *c, struct row_set *rows)
{
	long n;

	n = mapread_all(loader_procs_fd(c->ld), c->proc_keys, sizeof(*c->proc_keys), c->proc_vals,
		     sizeof(*c->proc_vals), c->max_procs + MAPREAD_SLACK);
	if (n < 0)
		return (int)n;
	for (long i = 0; i < n; i++) {
		rows->procs[i].key = c->proc_keys[i];
		rows->procs[i].val = c->proc_vals[i];
	}
	rows->nprocs = (size_t)n;
	qsort(rows->procs, rows->nprocs, sizeof(*rows->procs), proc_row_cmp);

	n = mapread_all(loader_socks_fd(c->ld), c->sock_keys, sizeof(*c->sock_keys), c->sock_vals,
		     sizeof(*c->sock_vals), c->max_socks + MAPREAD_SLACK);
	if (n < 0)
		return (int)n;
	for (long i = 0; i < n; i++) {
		memset(&rows->socks[i], 0, sizeof(rows->socks[i]));
		rows->socks[i].cookie = c->sock_keys[i];
		rows->socks[i].val = c->sock_vals[i];
	}
	rows->nsocks = (size_t)n;
	qsort(rows->socks, rows->nsocks, sizeof(*rows->socks), sock_row_cmp);
	return 0;
}

static const struct proc_row *find_proc(const struct row_set *rows, const struct nh_proc_key *key)
{
	struct proc_row probe = { .key = *key };

	return bsearch(&probe, rows->procs, rows->nprocs, sizeof(*rows->procs), proc_row_cmp);
}

static struct sock_row *find_sock(const struct row_set *rows, __u64 cookie)
{
	struct sock_row probe = { .cookie = cookie };

	return bsearch(&probe, rows->socks, rows->nsocks, sizeof(*rows->socks), sock_row_cmp);
}

static void add_traffic(struct traffic *t, uint64_t tx_now, uint64_t tx_before, uint64_t rx_now,
			uint64_t rx_before)
{
	t->tx_bytes += counter_delta(tx_now, tx_before);
	t->rx_bytes += counter_delta(rx_now, rx_before);
	t->tx_total += tx_now;
	t->rx_total += rx_now;
}

/* Processes: deltas against the previous tick; exited ones reported, then freed. */
static void collect_procs(struct collector *c)
{
	struct snapshot *s = &c->snap;

	s->nprocs = 0;
	for (size_t i = 0; i < c->cur.nprocs; i++) {
		struct proc_row *row = &c->cur.procs[i];
		const struct proc_row *before = find_proc(&c->prev, &row->key);
		struct process_stats *p = &s->procs[s->nprocs++];

		memset(p, 0, sizeof(*p));
		p->pid = row->key.tgid;
		p->start_ns = row->key.start_ns;
		memcpy(p->comm, row->val.comm, NH_COMM_LEN);
		p->comm[NH_COMM_LEN - 1] = '\0';
		p->uid = row->val.uid;
		p->cgroup_id = row->val.cgroup_id;
		p->exited = row->val.flags & NH_PROC_EXITED;
		for (int l4 = 0; l4 < NH_L4_MAX; l4++) {
			uint64_t tx0 = before ? before->val.tx[l4] : 0;
			uint64_t rx0 = before ? before->val.rx[l4] : 0;

			add_traffic(&p->l4[l4], row->val.tx[l4], tx0, row->val.rx[l4], rx0);
			add_traffic(&p->all, row->val.tx[l4], tx0, row->val.rx[l4], rx0);
		}
		s->totals.tx_bytes += p->all.tx_bytes;
		s->totals.rx_bytes += p->all.rx_bytes;

		/*
		 * An exited process gets no more bytes: its counts are final. Its
		 * row stays until forget_exited() so its sockets still find it.
		 */
		if (p->exited)
			bpf_map_delete_elem(loader_procs_fd(c->ld), &row->key);
	}
}

static bool owner_alive(const struct collector *c, const struct nh_proc_key *owner)
{
	const struct proc_row *row = find_proc(&c->cur, owner);

	return row && !(row->val.flags & NH_PROC_EXITED);
}

static bool sock_removable(const struct collector *c, const struct sock_row *row,
			   const struct sock_row *before, double now)
{
	const struct nh_sock_val *v = &row->val;

	if (!before || row->changed_at == now)
		return false; /* moved during this interval: wait for it to settle */
	if (v->flags & NH_SOCK_CLOSED)
		return true;
	if (v->owner.tgid && !owner_alive(c, &v->owner))
		return true;
	/* TCP sockets are closed through their state; only datagrams age out. */
	return v->protocol != IPPROTO_TCP && now - row->changed_at >= SOCK_IDLE_SECONDS;
}

/* Sockets: deltas, and closed/orphaned/idle entries deleted once settled. */
static void collect_socks(struct collector *c, double now)
{
	struct snapshot *s = &c->snap;
	s->nconns = 0;
	for (size_t i = 0; i < c->cur.nsocks; i++) {
		struct sock_row *row = &c->cur.socks[i];
		const struct sock_row *before = find_sock(&c->prev, row->cookie);
		const struct proc_row *owner = find_proc(&c->cur, &row->val.owner);
		bool removed = false;
		struct connection_stats *conn;

		row->changed_at = now;
		if (before && before->val.tx == row->val.tx && before->val.rx == row->val.rx)
			row->changed_at = before->changed_at;
		if (owner)
			memcpy(row->comm, owner->val.comm, NH_COMM_LEN);
		else if (before)
			memcpy(row->comm, before->comm, NH_COMM_LEN);

		if (sock_removable(c, row, before, now)) {
			struct nh_sock_val final;

			/* Atomic with respect to the map: what raced in is in "final". */
			if (bpf_map_lookup_and_delete_elem(loader_socks_fd(c->ld), &row->cookie,
							   &final) == 0) {
				row->val.tx = final.tx > row->val.tx ? final.tx : row->val.tx;
				row->val.rx = final.rx > row->val.rx ? final.rx : row->val.rx;
			}
			removed = true;
		}

		if (row->val.owner.tgid && (row->val.tx || row->val.rx)) {
			conn = &s->conns[s->nconns++];
			memset(conn, 0, sizeof(*conn));
			conn->cookie = row->cookie;
			conn->pid = row->val.owner.tgid;
			conn->start_ns = row->val.owner.start_ns;
			memcpy(conn->comm, row->comm, NH_COMM_LEN);
			conn->comm[NH_COMM_LEN - 1] = '\0';
			conn->family = row->val.family;
			conn->protocol = row->val.protocol;
			conn->local_port = row->val.local_port;
			conn->remote_port = row->val.remote_port;
			memcpy(conn->local_addr, row->val.local_addr, 16);
			memcpy(conn->remote_addr, row->val.remote_addr, 16);
			conn->closed = removed || (row->val.flags & NH_SOCK_CLOSED);
			add_traffic(&conn->bytes, row->val.tx, before ? before->val.tx : 0, row->val.rx,
				    before ? before->val.rx : 0);
		}
		row->removed = removed;
	}
}

/* Sockets deleted this tick leave the rows carried to the next one. */
static void forget_removed_socks(struct collector *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->cur.nsocks; i++)
		if (!c->cur.socks[i].removed)
			c->cur.socks[kept++] = c->cur.socks[i];
	c->cur.nsocks = kept;
}

/* flows_owner_fn: the socket table of this tick, sockets removed in it included. */
static bool socket_owner(void *ctx, uint64_t cookie, struct nh_proc_key *owner,
			 char comm[NH_COMM_LEN])
{
	struct collector *c = ctx;
	const struct sock_row *row = find_sock(&c->cur, cookie);

	if (!row || !row->val.owner.tgid)
		return false;
	*owner = row->val.owner;
	memcpy(comm, row->comm, NH_COMM_LEN);
	return true;
}

/* Drop exited processes from the rows carried to the next tick. */
static void forget_exited(struct collector *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->cur.nprocs; i++)
		if (!(c->cur.procs[i].val.flags & NH_PROC_EXITED))
			c->cur.procs[kept++] = c->cur.procs[i];
	c->cur.nprocs = kept;
}

const struct snapshot *collector_tick(struct collector *c)
{
	struct snapshot *s = &c->snap;
	const volatile __u64 *drops = loader_drops(c->ld);
	double now = monotonic_seconds();
	struct row_set tmp;
	int err;

	err = read_rows(c, &c->cur);
	if (err) {
		errno = -err;
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &s->wall);
	s->interval = now - c->last_read;
	s->hooks = hook_tier_name(c->ld->tier);
	s->totals.tx_bytes = 0;
	s->totals.rx_bytes = 0;
	for (int i = 0; i < NH_DROP_MAX; i++)
		s->drops[i] = drops[i];

	collect_procs(c);
	collect_socks(c, now);
	s->tc = tc_mode_name(c->ld->tc_mode);
	if (loader_wire_drops(c->ld))
		for (int i = 0; i < NH_WIRE_DROP_MAX; i++)
			s->wire_drops[i] = loader_wire_drops(c->ld)[i];
	err = flows_collect(c->flows, s, socket_owner, c);
	if (err) {
		errno = -err;
		return NULL;
	}
	forget_removed_socks(c);
	forget_exited(c);
	s->totals.tx_total += s->totals.tx_bytes;
	s->totals.rx_total += s->totals.rx_bytes;

	tmp = c->prev;
	c->prev = c->cur;
	c->cur = tmp;
	c->last_read = now;
	return s;
}

static void *alloc_array(size_t n, size_t size)
{
	return calloc(n, size);
}

static size_t map_capacity(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

struct collector *collector_new(const struct loader *ld)
{
	struct collector *c = calloc(1, sizeof(*c));
	size_t np, ns;

	if (!c)
		return NULL;
	c->ld = ld;
	c->max_procs = map_capacity(loader_procs_fd(ld));
	c->max_socks = map_capacity(loader_socks_fd(ld));
	np = c->max_procs + MAPREAD_SLACK;
	ns = c->max_socks + MAPREAD_SLACK;
	c->proc_keys = alloc_array(np, sizeof(*c->proc_keys));
	c->proc_vals = alloc_array(np, sizeof(*c->proc_vals));
	c->sock_keys = alloc_array(ns, sizeof(*c->sock_keys));
	c->sock_vals = alloc_array(ns, sizeof(*c->sock_vals));
	c->prev.procs = alloc_array(np, sizeof(*c->prev.procs));
	c->cur.procs = alloc_array(np, sizeof(*c->cur.procs));
	c->prev.socks = alloc_array(ns, sizeof(*c->prev.socks));
	c->cur.socks = alloc_array(ns, sizeof(*c->cur.socks));
	c->snap.procs = alloc_array(np, sizeof(*c->snap.procs));
	c->snap.conns = alloc_array(ns, sizeof(*c->snap.conns));
	c->flows = flows_new(loader_ifaces_fd(ld), loader_flows_fd(ld), ld->tc);
	if (!c->flows || !c->proc_keys || !c->proc_vals || !c->sock_keys || !c->sock_vals || !c->prev.procs ||
	    !c->cur.procs || !c->prev.socks || !c->cur.socks || !c->snap.procs || !c->snap.conns) {
		collector_free(c);
		errno = ENOMEM;
		return NULL;
	}
	/* The maps were created with the programs: all they hold counts. */
	c->last_read = monotonic_seconds();
	return c;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	free(c->proc_keys);
	free(c->proc_vals);
	free(c->sock_keys);
	free(c->sock_vals);
	free(c->prev.procs);
	free(c->cur.procs);
	free(c->prev.socks);
	free(c->cur.socks);
	free(c->snap.procs);
	free(c->snap.conns);
	flows_free(c->flows);
	free(c);
}
