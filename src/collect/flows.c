// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "collect/flows.h"
#include "collect/table.h"
#include "core/array.h"
#include "core/classify.h"
#include "core/proc_key.h"
#include "core/protocols.h"
#include "core/rates.h"
#include "core/timefmt.h"
#include "kernel/mapread.h"
#include "kernel/slot_array.h"

/* A flow without packets this long is retired; it comes back if it moves again. */
#define FLOW_IDLE_NS (60ull * 1000000000ull)
/* A process's wire state outlives its last sighting this long (it may reappear). */
#define PROC_FORGET_SECONDS 120.0

struct flow_row {
	struct nh_flow_key key;
	struct nh_flow_val val;
	__u32 slot; /* read with val: the flow's index in the slot array */
	/* Carried from tick to tick by the table engine. */
	bool owned;
	struct nh_proc_key owner;
	uint64_t owner_cookie;
	char comm[NH_COMM_LEN];
	uint64_t credited[NH_DIR_MAX]; /* bytes already added to the owner's wire total */
};

/* The table's value is val and slot together. */
_Static_assert(offsetof(struct flow_row, slot) ==
		       offsetof(struct flow_row, val) + sizeof(struct nh_flow_val),
	       "slot follows val");
#define FLOW_ROW_VAL_SIZE (sizeof(struct nh_flow_val) + sizeof(__u32))

/*
 * A flow retired this tick: its key is gone from the map, its slot is given
 * back on the next tick. A program that found the slot before the delete may
 * still have added to it: what the slot holds beyond bytes is credited then.
 */
struct retiring_flow {
	__u32 slot;
	__u32 ifindex;
	bool owned;
	struct nh_proc_key owner;
	uint64_t bytes[NH_DIR_MAX]; /* what the flow had when it was reported */
};

struct iface_row {
	__u32 ifindex;
	struct nh_iface_val sum; /* the per-CPU values, added up */
	/* Carried from tick to tick by the table engine. */
	uint64_t retired_unowned[NH_DIR_MAX]; /* bytes of unowned flows already retired */
	uint64_t unowned_live[NH_DIR_MAX];    /* bytes of unowned flows in the map now */
	/* What the previous snapshot showed, for the interval figures. */
	uint64_t reported_bytes[NH_DIR_MAX];
	uint64_t reported_packets[NH_DIR_MAX];
	uint64_t reported_unattributed[NH_DIR_MAX];
};

struct proc_wire {
	struct nh_proc_key key;
	uint64_t total[NH_DIR_MAX];    /* credited so far */
	uint64_t reported[NH_DIR_MAX]; /* what the previous snapshot showed */
	uint64_t protocols;
	double seen_at;
};

/* What a process's flows and sockets add to it this tick: one per process, then sorted. */
struct wire_credit {
	struct nh_proc_key key;
	uint64_t bytes[NH_DIR_MAX];
	uint64_t protocols;
};

struct flows {
	int ifaces_fd, flows_fd;
	/* The classifier's slot array, mapped: flows are read in place. */
	struct slot_array slots;
	struct retiring_flow *retiring; /* what slots.retiring holds, for late bytes */
	size_t nretiring;
	/* The shares of unowned flows: what userspace retired (wire.h). */
	int remote_retired_fd;
	volatile __u64 *unowned_retired_out;
	uint64_t unowned_retired;
	int ncpus;
	struct table flow_rows, iface_rows;
	struct nh_iface_val *iface_percpu; /* ncpus values per row of iface_rows */
	/* Wire state per process, sorted by key; next is the merge's target. */
	struct proc_wire *procs, *procs_next;
	size_t nprocs, cap_procs, cap_next;
	struct wire_credit *credits;
	size_t ncredits, cap_credits;
	/*
	 * Open addressing over credits by process key (index + 1; 0: empty), so
	 * that the tens of thousands of flows and sockets of a tick fold into one
	 * credit per process before the sort: n log n in processes, not in flows.
	 */
	uint32_t *credit_slots;
	size_t credit_mask;	    /* this tick's slots, less one */
	size_t credit_last[2];	    /* index + 1 of the last two credits added to; 0: none */
	size_t credit_slots_cap; /* allocated */
	/* Snapshot arrays this module owns. */
	struct interface_stats *out_ifaces;
	size_t cap_out_ifaces;
	struct flow_stats *out_flows;
	struct flow_app *apps; /* flows_apps(): as many as out_flows */
	size_t napps;
};

static int iface_row_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* bsearch: a process key against a proc_wire. */
static int key_vs_proc_wire(const void *key, const void *elem)
{
	return proc_key_cmp(key, &((const struct proc_wire *)elem)->key);
}

static int credit_cmp(const void *a, const void *b)
{
	return proc_key_cmp(&((const struct wire_credit *)a)->key,
			    &((const struct wire_credit *)b)->key);
}

static struct proc_wire *proc_find(struct flows *f, const struct nh_proc_key *key)
{
	return array_find(key, f->procs, f->nprocs, sizeof(*f->procs), key_vs_proc_wire);
}

static size_t proc_key_hash(const struct nh_proc_key *key)
{
	uint64_t h = (key->tgid ^ key->start_ns) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ (h >> 29));
}

/*
 * The process's credit of this tick, made if new; NULL when full. Room was
 * made in flows_collect: one credit per flow, per process and per slot
 * given back at most, and twice as many slots.
 */
static struct wire_credit *credit_of(struct flows *f, const struct nh_proc_key *key)
{
	struct wire_credit *c;
	size_t at;

	for (at = proc_key_hash(key) & f->credit_mask; f->credit_slots[at];
	     at = (at + 1) & f->credit_mask) {
		c = &f->credits[f->credit_slots[at] - 1];
		if (proc_key_cmp(&c->key, key) == 0)
			return c;
	}
	if (f->ncredits == f->cap_credits)
		return NULL;
	c = &f->credits[f->ncredits++];
	f->credit_slots[at] = (uint32_t)f->ncredits;
	memset(c, 0, sizeof(*c));
	c->key = *key;
	return c;
}

/* Fold bytes and protocols into the process's credit of this tick. */
static void add_credit(struct flows *f, const struct nh_proc_key *key, uint64_t tx, uint64_t rx,
		       uint64_t protocols)
{
	struct wire_credit *c = NULL;
	size_t at;

	/*
	 * A process's flows mostly sit side by side (it opened them together),
	 * and on a local connection alternate with its peer's: one of the last
	 * two credits, without hashing.
	 */
	for (int i = 0; i < 2 && !c; i++)
		if (f->credit_last[i] &&
		    proc_key_cmp(&f->credits[f->credit_last[i] - 1].key, key) == 0)
			c = &f->credits[f->credit_last[i] - 1];
	if (!c)
		c = credit_of(f, key);
	if (!c)
		return;
	at = (size_t)(c - f->credits) + 1;
	if (f->credit_last[0] != at) {
		f->credit_last[1] = f->credit_last[0];
		f->credit_last[0] = at;
	}
	c->bytes[NH_DIR_TX] += tx;
	c->bytes[NH_DIR_RX] += rx;
	c->protocols |= protocols;
}

/*
 * Room for need credits this tick, each key once, and an empty index of at
 * least twice as many slots (a power of two). Twice this tick's need, not
 * the largest so far: clearing it is part of every tick.
 */
static int credits_begin(struct flows *f, size_t need)
{
	size_t slots = 16;

	f->ncredits = 0;
	memset(f->credit_last, 0, sizeof(f->credit_last));
	if (need > UINT32_MAX / 2)
		return -ENOMEM;
	while (slots < 2 * need)
		slots *= 2;
	if (array_grow((void **)&f->credits, &f->cap_credits, need, sizeof(*f->credits)) ||
	    array_grow((void **)&f->credit_slots, &f->credit_slots_cap, slots,
		       sizeof(*f->credit_slots)))
		return -ENOMEM;
	f->credit_mask = slots - 1;
	memset(f->credit_slots, 0, slots * sizeof(*f->credit_slots));
	return 0;
}

/*
 * Merge this tick's credits into the sorted process states: sort the credits
 * (one per process), then one pass over both arrays. New processes enter in
 * order, without the shifting an insert per process would cost.
 */
static int apply_credits(struct flows *f, double now)
{
	size_t i = 0, j = 0, n = 0;
	struct proc_wire *tmp;
	size_t cap;

	if (f->ncredits > 1) /* credits may be NULL when empty, which qsort() must not get */
		qsort(f->credits, f->ncredits, sizeof(*f->credits), credit_cmp);
	if (array_grow((void **)&f->procs_next, &f->cap_next, f->nprocs + f->ncredits,
		       sizeof(*f->procs_next)))
		return -ENOMEM;
	while (i < f->nprocs || j < f->ncredits) {
		int order = i == f->nprocs     ? 1
			    : j == f->ncredits ? -1
					       : proc_key_cmp(&f->procs[i].key, &f->credits[j].key);
		struct proc_wire *p = &f->procs_next[n++];

		if (order <= 0) {
			*p = f->procs[i++];
		} else {
			memset(p, 0, sizeof(*p));
			p->key = f->credits[j].key;
			p->seen_at = now;
		}
		for (; j < f->ncredits && proc_key_cmp(&f->credits[j].key, &p->key) == 0; j++) {
			for (int d = 0; d < NH_DIR_MAX; d++)
				p->total[d] += f->credits[j].bytes[d];
			p->protocols |= f->credits[j].protocols;
		}
	}
	tmp = f->procs;
	f->procs = f->procs_next;
	f->procs_next = tmp;
	cap = f->cap_procs;
	f->cap_procs = f->cap_next;
	f->cap_next = cap;
	f->nprocs = n;
	f->ncredits = 0;
	memset(f->credit_last, 0, sizeof(f->credit_last)); /* the credits were sorted */
	return 0;
}

/* table_read_fn: the per-CPU interface map, each key's values added up. */
static long read_ifaces(void *ctx, void *keys, size_t key_size, void *vals, size_t val_size,
			size_t cap)
{
	struct flows *f = ctx;
	size_t stride = sizeof(struct nh_iface_val); /* multiple of 8: no per-CPU padding */
	struct nh_iface_val *sums = vals;
	long total = mapread_all(f->ifaces_fd, keys, key_size, f->iface_percpu,
				 stride * (size_t)f->ncpus, cap);

	(void)val_size;
	for (long i = 0; i < total; i++) {
		const struct nh_iface_val *cpu = &f->iface_percpu[(size_t)i * (size_t)f->ncpus];
		struct nh_iface_val *sum = &sums[i];

		memset(sum, 0, sizeof(*sum));
		for (int c = 0; c < f->ncpus; c++) {
			for (int d = 0; d < NH_DIR_MAX; d++) {
				sum->bytes[d] += cpu[c].bytes[d];
				sum->packets[d] += cpu[c].packets[d];
				sum->noflow_bytes[d] += cpu[c].noflow_bytes[d];
				sum->noflow_packets[d] += cpu[c].noflow_packets[d];
			}
		}
	}
	return total;
}

_Static_assert(sizeof(struct nh_flow_val) % 8 == 0 && offsetof(struct nh_flow_slot, val) == 0,
	       "flow counters are whole aligned words");

/*
 * A retired flow that was created unowned gives its place back: to the
 * overall share, and to its remote's. Only userspace writes remote_retired,
 * so reading and writing back loses no count.
 */
static void give_back_share(struct flows *f, const struct flow_row *row)
{
	struct nh_remote_key remote;
	struct nh_remote_val retired = { 0 };

	if (!(row->val.flags & NH_FLOW_UNOWNED) || f->remote_retired_fd < 0)
		return;
	f->unowned_retired++;
	memset(&remote, 0, sizeof(remote));
	remote.family = row->key.family;
	memcpy(remote.addr, row->key.remote_addr, sizeof(remote.addr));
	bpf_map_lookup_elem(f->remote_retired_fd, &remote, &retired);
	retired.flows++;
	bpf_map_update_elem(f->remote_retired_fd, &remote, &retired, BPF_ANY);
}

/*
 * Retire an idle flow: delete its key (a new packet makes a new flow), stop
 * reading its slot, and take its last counts, with what raced in before the
 * delete. Its slot goes back on the next tick (give_back_slots). Returns
 * false, and leaves the flow as it is, if the key could not be deleted.
 */
static bool retire_flow(struct flows *f, struct flow_row *row)
{
	const struct nh_flow_slot *slot = slot_array_at(&f->slots, row->slot);
	struct retiring_flow *r;

	if (bpf_map_delete_elem(f->flows_fd, &row->key) || !slot_array_retire(&f->slots, row->slot))
		return false;
	slot_copy_words(&row->val, &slot->val, sizeof(row->val));
	give_back_share(f, row);
	r = &f->retiring[f->nretiring++];
	r->slot = row->slot;
	r->ifindex = row->key.ifindex;
	r->owned = row->owned;
	r->owner = row->owner;
	memcpy(r->bytes, row->val.bytes, sizeof(r->bytes));
	return true;
}

/*
 * The slots of the flows retired on the previous tick go back to the
 * classifier. Bytes a program added after the final read (it had found the
 * slot before the delete) are credited as the flow's were: to its owner, or
 * to its interface's unattributed bytes.
 */
static void give_back_slots(struct flows *f)
{
	for (size_t i = 0; i < f->nretiring; i++) {
		const struct retiring_flow *r = &f->retiring[i];
		const struct nh_flow_slot *slot = slot_array_at(&f->slots, r->slot);
		uint64_t late[NH_DIR_MAX];
		struct iface_row *iface;

		for (int d = 0; d < NH_DIR_MAX; d++)
			late[d] = counter_delta(__atomic_load_n(&slot->val.bytes[d], __ATOMIC_RELAXED),
						r->bytes[d]);
		if (r->owned) {
			add_credit(f, &r->owner, late[NH_DIR_TX], late[NH_DIR_RX], 0);
		} else if ((iface = table_find(&f->iface_rows, &r->ifindex))) {
			for (int d = 0; d < NH_DIR_MAX; d++)
				iface->retired_unowned[d] += late[d];
		}
	}
	f->nretiring = 0;
	slot_array_give_back(&f->slots);
}

/* Credit what the flow counted since the last credit to its owner. */
static void credit_owner(struct flows *f, struct flow_row *row, enum nh_app app)
{
	uint64_t delta[NH_DIR_MAX];

	if (!row->owned)
		return;
	for (int d = 0; d < NH_DIR_MAX; d++) {
		delta[d] = counter_delta(row->val.bytes[d], row->credited[d]);
		row->credited[d] = row->val.bytes[d];
	}
	add_credit(f, &row->owner, delta[NH_DIR_TX], delta[NH_DIR_RX],
		   protocol_set_l4(row->key.family, row->key.protocol) | protocol_set_app(app));
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

static void collect_flows(struct flows *f, struct snapshot *s, flows_owner_fn owner, void *ctx)
{
	struct timespec ts;
	uint64_t now_ns;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock of bpf_ktime_get_ns */
	now_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (size_t i = 0; i < f->iface_rows.ncur; i++) {
		struct iface_row *iface = table_row(&f->iface_rows, i);

		memset(iface->unowned_live, 0, sizeof(iface->unowned_live));
	}

	give_back_slots(f);
	s->nflows = 0;
	for (size_t i = 0; i < f->flow_rows.ncur; i++) {
		struct flow_row *row = table_row(&f->flow_rows, i);
		const struct flow_row *before = table_before(&f->flow_rows, i);
		struct iface_row *iface;
		bool retired = false;
		enum nh_app app;

		/* Owner and credits came with the row from the previous tick. */
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
		if (now_ns > row->val.last_ns && now_ns - row->val.last_ns >= FLOW_IDLE_NS &&
		    retire_flow(f, row)) {
			retired = true;
			table_drop(&f->flow_rows, i);
		}
		app = classify_app(row->val.app, row->key.protocol, row->key.local_port,
				   row->key.remote_port);
		credit_owner(f, row, app);
		/* Only unowned bytes go to the interface: owned flows skip the lookup. */
		if (!row->owned && (iface = table_find(&f->iface_rows, &row->key.ifindex))) {
			for (int d = 0; d < NH_DIR_MAX; d++) {
				if (retired)
					iface->retired_unowned[d] += row->val.bytes[d];
				else
					iface->unowned_live[d] += row->val.bytes[d];
			}
		}
		fill_flow(&s->flows[s->nflows++], row, before, app);
		if (row->val.cookie && app != NH_APP_NONE)
			f->apps[f->napps++] = (struct flow_app){ row->val.cookie, (uint8_t)app };
	}
	if (f->unowned_retired_out)
		*f->unowned_retired_out = f->unowned_retired;
}

/*
 * Every interface the classifier is attached to, each once: the array grows
 * with the attach list. One the kernel's map had no room for is reported with
 * zero counts (its bytes are in wire_drops[NH_WIRE_DROP_IFACE]).
 */
static int collect_ifaces(struct flows *f, struct snapshot *s, const struct watched_iface *list,
			  size_t n)
{
	s->nifaces = 0;
	if (array_grow((void **)&f->out_ifaces, &f->cap_out_ifaces, n, sizeof(*f->out_ifaces)))
		return -ENOMEM;
	s->ifaces = f->out_ifaces;
	for (size_t i = 0; i < n; i++) {
		struct interface_stats *out = &s->ifaces[s->nifaces++];
		struct iface_row *row = table_find(&f->iface_rows, &list[i].ifindex);
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
			table_drop(&f->iface_rows, table_index(&f->iface_rows, row));
		}
	}
	return 0;
}

/* Processes: wire traffic and protocol sets, from flows and from their sockets. */
static int collect_procs(struct flows *f, struct snapshot *s, double now)
{
	size_t kept = 0;
	int err;

	/* What the collector found its sockets speak: kept with the process's wire state. */
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *ps = &s->procs[i];
		struct nh_proc_key key = { .tgid = ps->pid, .start_ns = ps->start_ns };

		if (ps->protocols)
			add_credit(f, &key, 0, 0, ps->protocols);
	}
	err = apply_credits(f, now);
	if (err)
		return err;
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
	for (size_t i = 0; i < f->nprocs; i++)
		if (now - f->procs[i].seen_at < PROC_FORGET_SECONDS)
			f->procs[kept++] = f->procs[i];
	f->nprocs = kept;
	return 0;
}

int flows_collect(struct flows *f, struct snapshot *s, const struct watched_iface *ifaces,
		  size_t nifaces, flows_owner_fn owner, void *ctx)
{
	double now = monotonic_seconds();
	int err = 0;

	s->nifaces = 0;
	s->nflows = 0;
	f->napps = 0;
	s->ifaces = f->out_ifaces;
	s->flows = f->out_flows;
	if (f->flows_fd >= 0) {
		err = table_read(&f->iface_rows, read_ifaces, f);
		if (!err)
			err = table_read_rows(&f->flow_rows, slot_array_read, &f->slots);
		if (err)
			return err;
	}
	/* At most one credit per flow, per process and per slot given back. */
	err = credits_begin(f, f->flow_rows.ncur + s->nprocs + f->nretiring);
	if (!err && f->flows_fd >= 0) {
		collect_flows(f, s, owner, ctx);
		err = collect_ifaces(f, s, ifaces, nifaces);
	}
	if (f->flows_fd >= 0) {
		/* Retired flows and vanished interfaces left the maps: forget them too. */
		table_end(&f->flow_rows);
		table_end(&f->iface_rows);
	}
	if (!err)
		err = collect_procs(f, s, now);
	return err;
}

struct flows *flows_new(int ifaces_fd, size_t iface_rows, const struct flow_maps *maps)
{
	struct flows *f = calloc(1, sizeof(*f));
	struct table_config flows = {
		.key_size = sizeof(struct nh_flow_key),
		.val_size = FLOW_ROW_VAL_SIZE,
		.val_offset = offsetof(struct flow_row, val),
		.row_size = sizeof(struct flow_row),
		/* tens of thousands of rows: paired by slot, no sort */
		.slot_offset = offsetof(struct flow_row, slot),
	};
	struct table_config ifaces = {
		.key_size = sizeof(__u32),
		.val_size = sizeof(struct nh_iface_val),
		.val_offset = offsetof(struct iface_row, sum),
		.row_size = sizeof(struct iface_row),
		.capacity = iface_rows,
		.cmp = iface_row_cmp,
	};
	int err;

	if (!f)
		return NULL;
	f->ifaces_fd = ifaces_fd;
	f->flows_fd = maps->flows_fd;
	f->remote_retired_fd = -1;
	if (f->flows_fd < 0)
		return f;
	f->ncpus = libbpf_num_possible_cpus();
	/* Its size sizes every flow buffer. */
	err = f->ncpus <= 0 ? -EINVAL
			    : slot_array_map(&f->slots, maps->slots_fd, sizeof(struct nh_flow_slot),
					     offsetof(struct nh_flow_slot, key),
					     offsetof(struct nh_flow_slot, live), maps->free_fd,
					     maps->slots_used);
	if (err) {
		flows_free(f);
		errno = -err;
		return NULL;
	}
	flows.capacity = f->slots.count;
	if (table_init(&f->flow_rows, &flows) || table_init(&f->iface_rows, &ifaces)) {
		flows_free(f);
		errno = ENOMEM;
		return NULL;
	}
	/* Sized from the tables, which were sized from the maps. */
	f->out_flows = calloc(f->flow_rows.cfg.capacity, sizeof(*f->out_flows));
	f->apps = calloc(f->flow_rows.cfg.capacity, sizeof(*f->apps));
	f->iface_percpu = calloc(f->iface_rows.cfg.capacity * (size_t)f->ncpus,
				 sizeof(*f->iface_percpu));
	f->retiring = calloc(f->slots.count, sizeof(*f->retiring));
	if (!f->out_flows || !f->apps || !f->iface_percpu || !f->retiring) {
		flows_free(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

const struct flow_app *flows_apps(const struct flows *f, size_t *n)
{
	*n = f->napps;
	return f->apps;
}

void flows_set_shares(struct flows *f, int remote_retired_fd, volatile __u64 *unowned_retired)
{
	f->remote_retired_fd = remote_retired_fd;
	f->unowned_retired_out = unowned_retired;
}

void flows_free(struct flows *f)
{
	if (!f)
		return;
	slot_array_unmap(&f->slots);
	free(f->retiring);
	table_free(&f->flow_rows);
	table_free(&f->iface_rows);
	free(f->iface_percpu);
	free(f->out_flows);
	free(f->apps);
	free(f->out_ifaces);
	free(f->procs);
	free(f->procs_next);
	free(f->credits);
	free(f->credit_slots);
	free(f);
}
