// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "collect/collector.h"
#include "collect/flows.h"
#include "collect/table.h"
#include "core/classify.h"
#include "core/proc_key.h"
#include "core/protocols.h"
#include "core/rates.h"
#include "core/timefmt.h"
#include "kernel/mapread.h"
#include "kernel/slot_array.h"

/* A datagram socket idle this long is forgotten; it comes back if it moves again. */
#define SOCK_IDLE_SECONDS 60.0

struct proc_row {
	struct nh_proc_key key;
	struct nh_proc_val val;
};

struct sock_row {
	__u64 cookie;
	struct nh_sock_val val;
	__u32 slot; /* read with val: the socket's index in the slot array */
	/* Carried from tick to tick by the table engine. */
	double changed_at; /* monotonic seconds of the last change */
	char comm[NH_COMM_LEN]; /* owner's name, kept after the owner is gone */
	size_t owner_at; /* where the owner's process row was last found */
	size_t conn_at;	 /* this tick's index in the snapshot's connections, or SIZE_MAX */
};

/* The table's value is val and slot together. */
_Static_assert(offsetof(struct sock_row, slot) ==
		       offsetof(struct sock_row, val) + sizeof(struct nh_sock_val),
	       "slot follows val");
_Static_assert(sizeof(struct nh_sock_val) % 8 == 0 && offsetof(struct nh_sock_slot, val) == 0,
	       "socket counters are whole aligned words");
#define SOCK_ROW_VAL_SIZE (sizeof(struct nh_sock_val) + sizeof(__u32))

struct uid_row {
	__u32 uid;
	__u32 pad;
	struct nh_uid_val val;
	/* Carried from tick to tick by the table engine. */
	struct nh_uid_freed freed; /* entries of this uid userspace deleted, since start */
	bool freed_changed;	   /* freed must be written to the kernel's uid_freed map */
};

struct collector {
	const struct loader *ld;
	int procs_fd, socks_fd, uid_usage_fd, uid_freed_fd;
	/* Rows of the current and previous tick, sorted by key. */
	struct table procs, socks, uids;
	/* The counters' socket slots, mapped: sockets are read in place. */
	struct slot_array sock_slots;
	uint64_t unattributed_before[NH_UNATTR_MAX];
	double last_read;
	struct snapshot snap;
	struct flows *flows;
};

static int proc_row_cmp(const void *a, const void *b)
{
	return proc_key_cmp(&((const struct proc_row *)a)->key, &((const struct proc_row *)b)->key);
}

static int uid_row_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static const struct proc_row *find_proc(struct collector *c, const struct nh_proc_key *key)
{
	return table_find(&c->procs, key);
}

/*
 * The process row of the socket's owner, or NULL. The process table is
 * sorted and changes little between ticks, so the row is mostly where it
 * was found last time: one key comparison instead of a binary search per
 * socket.
 */
static const struct proc_row *find_owner(struct collector *c, struct sock_row *row)
{
	const struct proc_row *owner;

	if (!row->val.owner.tgid)
		return NULL;
	if (row->owner_at < c->procs.ncur) {
		owner = table_row(&c->procs, row->owner_at);
		if (proc_key_cmp(&owner->key, &row->val.owner) == 0)
			return owner;
	}
	owner = find_proc(c, &row->val.owner);
	if (owner)
		row->owner_at = table_index(&c->procs, owner);
	return owner;
}

static const struct sock_row *find_sock(struct collector *c, __u64 cookie)
{
	return table_find(&c->socks, &cookie);
}

/*
 * Userspace deleted one of uid's entries: give its share back. Every uid of
 * an entry read this tick has a row (the kernel records the uid first, and
 * the uid map is read after the others).
 */
static void uid_freed_one(struct collector *c, __u32 uid, bool sock)
{
	struct uid_row *row = table_find(&c->uids, &uid);

	if (!row)
		return;
	if (sock)
		row->freed.socks++;
	else
		row->freed.procs++;
	row->freed_changed = true;
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
	for (size_t i = 0; i < c->procs.ncur; i++) {
		const struct proc_row *row = table_row(&c->procs, i);
		const struct proc_row *before = table_before(&c->procs, i);
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
		 * row stays findable until table_end() so its sockets still find it.
		 */
		if (p->exited) {
			if (!bpf_map_delete_elem(c->procs_fd, &row->key))
				uid_freed_one(c, row->val.uid, false);
			table_drop(&c->procs, i);
		}
	}
}

/* owner: the process row of the socket's owner, NULL if it has none or none is left. */
static bool sock_removable(const struct sock_row *row, const struct sock_row *before,
			   const struct proc_row *owner, double now)
{
	const struct nh_sock_val *v = &row->val;

	if (!before || row->changed_at == now)
		return false; /* moved during this interval: wait for it to settle */
	if (v->flags & NH_SOCK_CLOSED)
		return true;
	if (v->owner.tgid && (!owner || (owner->val.flags & NH_PROC_EXITED)))
		return true;
	/*
	 * Established (or seeded with its owner at start), and nobody has moved
	 * a byte on it since: an idle connection held open. Its baseline lives
	 * on in the socket itself, so a later read is still exact (README, "How
	 * it counts"); the entry only takes room from its uid's share.
	 */
	if (!v->tx && !v->rx && now - row->changed_at >= SOCK_IDLE_SECONDS)
		return true;
	/* TCP sockets are closed through their state; only datagrams age out. */
	return v->protocol != IPPROTO_TCP && now - row->changed_at >= SOCK_IDLE_SECONDS;
}

/* Sockets: deltas, and closed/orphaned/idle entries deleted once settled. */
static void collect_socks(struct collector *c, double now)
{
	struct snapshot *s = &c->snap;

	s->nconns = 0;
	s->nprotocols = 0;
	for (size_t i = 0; i < c->socks.ncur; i++) {
		struct sock_row *row = table_row(&c->socks, i);
		const struct sock_row *before = table_before(&c->socks, i);
		const struct proc_row *owner = find_owner(c, row);
		bool removed = false;
		struct connection_stats *conn;

		row->conn_at = SIZE_MAX;
		/* changed_at and comm came with the row from the previous tick. */
		if (!before || before->val.tx != row->val.tx || before->val.rx != row->val.rx)
			row->changed_at = now;
		if (owner)
			memcpy(row->comm, owner->val.comm, NH_COMM_LEN);
		/*
		 * The owner speaks the socket's protocol: its snapshot row has the
		 * process row's index (collect_procs keeps the order), and
		 * flows_collect carries the set on from tick to tick.
		 */
		if (owner && (row->val.family == AF_INET || row->val.family == AF_INET6))
			s->procs[table_index(&c->procs, owner)].protocols |= protocol_set_l4(
				row->val.family == AF_INET6 ? 6 : 4, (uint8_t)row->val.protocol);

		if (sock_removable(row, before, owner, now)) {
			__u32 index;

			/*
			 * The slot the key led to, read after the delete: what raced
			 * in before it is in the final read. A key a program deleted
			 * itself (kprobe tier) is the scan's to retire.
			 */
			if (!bpf_map_lookup_and_delete_elem(c->socks_fd, &row->cookie, &index) &&
			    index < c->sock_slots.count) {
				struct nh_sock_val final;

				slot_copy_words(&final, slot_array_at(&c->sock_slots, index),
						sizeof(final));
				slot_array_retire(&c->sock_slots, index);
				if (index == row->slot) {
					row->val.tx = final.tx > row->val.tx ? final.tx : row->val.tx;
					row->val.rx = final.rx > row->val.rx ? final.rx : row->val.rx;
				}
				uid_freed_one(c, row->val.uid, true);
			}
			removed = true;
			/* Still findable by the flows' join in this tick; gone after it. */
			table_drop(&c->socks, i);
		}

		/*
		 * A packet socket has no addresses or ports to show: its bytes are
		 * the process's, its row serves the wire join only. An owner
		 * without bytes: a connection older than nethound, owner seeded.
		 */
		if (row->val.owner.tgid &&
		    (row->val.family == AF_INET || row->val.family == AF_INET6)) {
			row->conn_at = s->nconns;
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
			/* Until a flow of its own says otherwise (classify_conns). */
			conn->app = (uint8_t)classify_app_by_port(row->val.protocol,
								  row->val.local_port,
								  row->val.remote_port);
			add_traffic(&conn->bytes, row->val.tx, before ? before->val.tx : 0,
				    row->val.rx, before ? before->val.rx : 0);
			snapshot_count_connection(s, conn);
		}
	}
}

/*
 * Per uid: entries held and refused, and the bytes of its processes that had
 * no entry (in the totals too: counted, attributed to no process). Then the
 * entries deleted this tick go to the kernel, which frees the uid's share.
 */
static void collect_uids(struct collector *c)
{
	struct snapshot *s = &c->snap;
	const volatile __u64 *unattr = loader_unattributed(c->ld);
	uint64_t now[NH_UNATTR_MAX];

	s->nuids = 0;
	for (size_t i = 0; i < c->uids.ncur; i++) {
		struct uid_row *row = table_row(&c->uids, i);
		const struct uid_row *before = table_before(&c->uids, i);
		struct uid_stats *u = &s->uids[s->nuids++];

		memset(u, 0, sizeof(*u));
		u->uid = row->uid;
		u->procs = counter_delta(row->val.procs, row->freed.procs);
		u->socks = counter_delta(row->val.socks,
					 row->val.socks_unlinked + row->freed.socks);
		u->proc_drops = row->val.proc_drops;
		u->sock_drops = row->val.sock_drops;
		add_traffic(&u->overflow, row->val.overflow_tx, before ? before->val.overflow_tx : 0,
			    row->val.overflow_rx, before ? before->val.overflow_rx : 0);
		s->totals.tx_bytes += u->overflow.tx_bytes;
		s->totals.rx_bytes += u->overflow.rx_bytes;
		if (row->freed_changed &&
		    !bpf_map_update_elem(c->uid_freed_fd, &row->uid, &row->freed, BPF_ANY))
			row->freed_changed = false; /* else try again next tick */
	}
	for (int d = 0; d < NH_UNATTR_MAX; d++)
		now[d] = unattr[d];
	add_traffic(&s->unattributed, now[NH_UNATTR_TX], c->unattributed_before[NH_UNATTR_TX],
		    now[NH_UNATTR_RX], c->unattributed_before[NH_UNATTR_RX]);
	s->totals.tx_bytes += s->unattributed.tx_bytes;
	s->totals.rx_bytes += s->unattributed.rx_bytes;
	memcpy(c->unattributed_before, now, sizeof(now));
}

/* flows_owner_fn: the socket table of this tick, sockets removed in it included. */
static bool socket_owner(void *ctx, uint64_t cookie, struct nh_proc_key *owner,
			 char comm[NH_COMM_LEN])
{
	struct collector *c = ctx;
	const struct sock_row *row = find_sock(c, cookie);

	if (!row || !row->val.owner.tgid)
		return false;
	*owner = row->val.owner;
	memcpy(comm, row->comm, NH_COMM_LEN);
	return true;
}

/*
 * Each connection's application: what the first of its flows was classified
 * as, else its own ports' guess (set when it was filled). A flow's cookie
 * leads to its socket row, which knows its connection. Walked backwards, so
 * that a connection's first flow writes last: O(flows with an application).
 */
static void classify_conns(struct collector *c)
{
	size_t n;
	const struct flow_app *apps = flows_apps(c->flows, &n);

	for (size_t i = n; i-- > 0;) {
		const struct sock_row *row = find_sock(c, apps[i].cookie);
		struct connection_stats *conn;
		const char *was;

		if (!row || row->conn_at >= c->snap.nconns)
			continue;
		conn = &c->snap.conns[row->conn_at];
		was = snapshot_connection_protocol(conn);
		conn->app = apps[i].app;
		/* Its bytes were summed under the port's guess: they move to the flow's name. */
		if (snapshot_connection_protocol(conn) != was) {
			snapshot_protocol_bytes(&c->snap, was, conn->bytes.tx_bytes,
						conn->bytes.rx_bytes, true);
			snapshot_count_connection(&c->snap, conn);
		}
	}
}

const struct snapshot *collector_tick(struct collector *c, const struct watched_iface *ifaces,
				      size_t nifaces)
{
	struct snapshot *s = &c->snap;
	const volatile __u64 *drops = loader_drops(c->ld);
	double now = monotonic_seconds();
	int err;

	/* Retired on the previous tick: no program still holds them. */
	slot_array_give_back(&c->sock_slots);
	err = table_read(&c->procs, table_read_bpf_map, &c->procs_fd);
	if (!err)
		err = table_read_rows(&c->socks, slot_array_read, &c->sock_slots);
	/* After the entries: every uid they name is in this read. */
	if (!err)
		err = table_read(&c->uids, table_read_bpf_map, &c->uid_usage_fd);
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
	collect_uids(c);
	s->tc = tc_mode_name(c->ld->tc_mode);
	if (loader_wire_drops(c->ld))
		for (int i = 0; i < NH_WIRE_DROP_MAX; i++)
			s->wire_drops[i] = loader_wire_drops(c->ld)[i];
	err = flows_collect(c->flows, s, ifaces, nifaces, socket_owner, c);
	if (!err)
		classify_conns(c);
	/* What was deleted from the maps is gone whether or not the tick completes. */
	table_end(&c->socks);
	table_end(&c->procs);
	table_end(&c->uids);
	if (err) {
		errno = -err;
		return NULL;
	}
	s->totals.tx_total += s->totals.tx_bytes;
	s->totals.rx_total += s->totals.rx_bytes;
	c->last_read = now;
	return s;
}

/* Rows a map can hand back in one read: its size plus a batch read's slack. */
static size_t map_rows(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return (size_t)info.max_entries + MAPREAD_SLACK;
}

struct collector *collector_new(const struct loader *ld)
{
	struct collector *c = calloc(1, sizeof(*c));
	struct table_config procs = {
		.key_size = sizeof(struct nh_proc_key),
		.val_size = sizeof(struct nh_proc_val),
		.val_offset = offsetof(struct proc_row, val),
		.row_size = sizeof(struct proc_row),
		.cmp = proc_row_cmp,
	};
	struct table_config socks = {
		.key_size = sizeof(__u64),
		.val_size = SOCK_ROW_VAL_SIZE,
		.val_offset = offsetof(struct sock_row, val),
		.row_size = sizeof(struct sock_row),
		/* tens of thousands of rows: paired by slot, no sort */
		.slot_offset = offsetof(struct sock_row, slot),
	};
	struct table_config uids = {
		.key_size = sizeof(__u32),
		.val_size = sizeof(struct nh_uid_val),
		.val_offset = offsetof(struct uid_row, val),
		.row_size = sizeof(struct uid_row),
		.cmp = uid_row_cmp,
	};
	struct flow_maps flow_maps;
	int ifaces_fd, err;

	if (!c)
		return NULL;
	c->ld = ld;
	c->procs_fd = loader_procs_fd(ld);
	c->socks_fd = loader_socks_fd(ld);
	c->uid_usage_fd = loader_uid_usage_fd(ld);
	c->uid_freed_fd = loader_uid_freed_fd(ld);
	ifaces_fd = loader_ifaces_fd(ld);
	/* The maps know their sizes: every buffer below follows from them. */
	procs.capacity = map_rows(c->procs_fd);
	/* The socket slots size the socket table. */
	err = slot_array_map(&c->sock_slots, loader_sock_slots_fd(ld), sizeof(struct nh_sock_slot),
			     offsetof(struct nh_sock_slot, key), offsetof(struct nh_sock_slot, live),
			     loader_free_sock_slots_fd(ld), loader_sock_slots_used(ld));
	if (err) {
		collector_free(c);
		errno = -err;
		return NULL;
	}
	socks.capacity = c->sock_slots.count;
	uids.capacity = map_rows(c->uid_usage_fd);
	err = table_init(&c->procs, &procs);
	if (!err)
		err = table_init(&c->socks, &socks);
	if (!err)
		err = table_init(&c->uids, &uids);
	if (err) {
		collector_free(c);
		errno = -err;
		return NULL;
	}
	c->snap.procs = calloc(c->procs.cfg.capacity, sizeof(*c->snap.procs));
	c->snap.conns = calloc(c->socks.cfg.capacity, sizeof(*c->snap.conns));
	c->snap.uids = calloc(c->uids.cfg.capacity, sizeof(*c->snap.uids));
	flow_maps.flows_fd = loader_flows_fd(ld);
	flow_maps.slots_fd = loader_flow_slots_fd(ld);
	flow_maps.free_fd = loader_free_flow_slots_fd(ld);
	flow_maps.slots_used = loader_flow_slots_used(ld);
	c->flows = flows_new(ifaces_fd, map_rows(ifaces_fd), &flow_maps);
	if (c->flows)
		flows_set_shares(c->flows, loader_remote_retired_fd(ld), loader_unowned_retired(ld));
	if (!c->flows || !c->snap.procs || !c->snap.conns || !c->snap.uids) {
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
	table_free(&c->procs);
	table_free(&c->socks);
	slot_array_unmap(&c->sock_slots);
	table_free(&c->uids);
	free(c->snap.procs);
	free(c->snap.uids);
	free(c->snap.conns);
	flows_free(c->flows);
	free(c);
}
