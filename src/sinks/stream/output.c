// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include <netdb.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "core/classify.h"
#include "core/protocols.h"
#include "core/json.h"
#include "sinks/stream/output.h"
#include "core/rates.h"
#include "core/text.h"
#include "core/timefmt.h"
#include "alerts/alerts.h"

static const char *const l4_names[NH_L4_MAX] = { "tcp", "udp", "icmp", "other" };

static void json_traffic(struct json_writer *w, const struct traffic *t, double interval,
			 bool with_rates)
{
	json_key(w, "tx_bytes");
	json_u64(w, t->tx_bytes);
	json_key(w, "rx_bytes");
	json_u64(w, t->rx_bytes);
	json_key(w, "tx_total");
	json_u64(w, t->tx_total);
	json_key(w, "rx_total");
	json_u64(w, t->rx_total);
	if (!with_rates)
		return;
	json_key(w, "tx_rate");
	json_double(w, traffic_rate(t->tx_bytes, interval));
	json_key(w, "rx_rate");
	json_double(w, traffic_rate(t->rx_bytes, interval));
}

/* A uid that holds nothing and never lost an entry says nothing: it is left out. */
static bool uid_listed(const struct uid_stats *u)
{
	return u->procs || u->socks || u->proc_drops || u->sock_drops || u->overflow.tx_total ||
	       u->overflow.rx_total;
}

/* What one uid holds of the maps and was refused: the per-uid drops. */
static void json_uid(struct json_writer *w, const struct uid_stats *u)
{
	json_object_begin(w);
	json_key(w, "uid");
	json_u64(w, u->uid);
	json_key(w, "processes");
	json_u64(w, u->procs);
	json_key(w, "sockets");
	json_u64(w, u->socks);
	json_key(w, "process_drops");
	json_u64(w, u->proc_drops);
	json_key(w, "socket_drops");
	json_u64(w, u->sock_drops);
	json_key(w, "overflow");
	json_object_begin(w);
	json_traffic(w, &u->overflow, 0, false);
	json_object_end(w);
	json_object_end(w);
}

static void json_protocols(struct json_writer *w, uint64_t set)
{
	const char *names[64];
	size_t n = protocol_set_names(set, names, 64);

	json_key(w, "protocols");
	json_array_begin(w);
	for (size_t i = 0; i < n; i++)
		json_string(w, names[i]);
	json_array_end(w);
}

/* "remote_class" and "hostname" (null until resolved, or with -n). */
static void json_remote(struct json_writer *w, uint8_t ip_version, const uint8_t addr[16],
			const struct snapshot *s)
{
	char host[NI_MAXHOST];

	json_key(w, "remote_class");
	json_string(w, classify_address_name(classify_address(ip_version, addr)));
	json_key(w, "hostname");
	if (snapshot_host_name(s, ip_version == 6 ? AF_INET6 : AF_INET, addr, host, sizeof(host)))
		json_string(w, host);
	else
		json_null(w);
}

/* Rates over --window, beside the last interval's tx_rate/rx_rate. */
static void json_window(struct json_writer *w, const struct window_rate *r)
{
	json_key(w, "tx_rate_window");
	json_double(w, r->tx);
	json_key(w, "rx_rate_window");
	json_double(w, r->rx);
}

/* user, exe, cgroup_path, unit, container and pod: null where unknown or not applicable. */
static void json_identity(struct json_writer *w, const struct process_identity *id)
{
	json_key(w, "user");
	json_string_or_null(w, id->user);
	json_key(w, "exe");
	json_string_or_null(w, id->exe);
	json_key(w, "cgroup_path");
	json_string_or_null(w, id->cgroup_path);
	json_key(w, "unit");
	json_string_or_null(w, id->unit);
	json_key(w, "container");
	if (id->container_runtime) {
		json_object_begin(w);
		json_key(w, "runtime");
		json_string(w, id->container_runtime);
		json_key(w, "id");
		json_string_or_null(w, id->container_id);
		json_key(w, "name");
		json_string_or_null(w, id->container_name);
		json_object_end(w);
	} else {
		json_null(w);
	}
	json_key(w, "pod");
	if (id->pod_uid) {
		json_object_begin(w);
		json_key(w, "uid");
		json_string(w, id->pod_uid);
		json_key(w, "namespace");
		json_string_or_null(w, id->pod_namespace);
		json_key(w, "name");
		json_string_or_null(w, id->pod_name);
		json_object_end(w);
	} else {
		json_null(w);
	}
}

static void json_process(struct json_writer *w, const struct process_stats *p, double interval)
{
	json_object_begin(w);
	json_key(w, "pid");
	json_u64(w, p->pid);
	json_key(w, "start_ns");
	json_u64(w, p->start_ns);
	json_key(w, "comm");
	json_bytes(w, p->comm, strnlen(p->comm, NH_COMM_LEN));
	json_key(w, "uid");
	json_u64(w, p->uid);
	json_key(w, "cgroup");
	json_u64(w, p->cgroup_id);
	json_identity(w, &p->ident);
	json_key(w, "exited");
	json_bool(w, p->exited);
	json_traffic(w, &p->all, interval, true);
	json_window(w, &p->window);
	json_key(w, "l4");
	json_object_begin(w);
	for (int i = 0; i < NH_L4_MAX; i++) {
		json_key(w, l4_names[i]);
		json_object_begin(w);
		json_traffic(w, &p->l4[i], interval, false);
		json_object_end(w);
	}
	json_object_end(w);
	json_protocols(w, p->protocols);
	json_key(w, "wire");
	json_object_begin(w);
	json_traffic(w, &p->wire, interval, true);
	json_object_end(w);
	json_object_end(w);
}

static void json_connection(struct json_writer *w, const struct connection_stats *c,
			    double interval, const struct snapshot *s)
{
	char addr[ADDR_STRLEN], proto[16];
	const char *name = protocol_name(c->protocol);

	if (!name) {
		snprintf(proto, sizeof(proto), "proto-%u", c->protocol);
		name = proto;
	}
	json_object_begin(w);
	json_key(w, "pid");
	json_u64(w, c->pid);
	json_key(w, "start_ns");
	json_u64(w, c->start_ns);
	json_key(w, "comm");
	json_bytes(w, c->comm, strnlen(c->comm, NH_COMM_LEN));
	json_key(w, "cookie");
	json_u64(w, c->cookie);
	json_key(w, "family");
	json_string(w, address_family_name(c->family, c->remote_addr));
	json_key(w, "proto");
	json_string(w, name);
	json_key(w, "local_addr");
	json_bytes(w, addr, format_address(addr, sizeof(addr), c->family, c->local_addr));
	json_key(w, "local_port");
	json_u64(w, c->local_port);
	json_key(w, "remote_addr");
	json_bytes(w, addr, format_address(addr, sizeof(addr), c->family, c->remote_addr));
	json_key(w, "remote_port");
	json_u64(w, c->remote_port);
	json_remote(w, c->family == AF_INET6 ? 6 : 4, c->remote_addr, s);
	json_key(w, "closed");
	json_bool(w, c->closed);
	json_traffic(w, &c->bytes, interval, true);
	json_object_end(w);
}

static void json_packets(struct json_writer *w, const struct traffic *packets)
{
	json_key(w, "tx_packets");
	json_u64(w, packets->tx_bytes);
	json_key(w, "rx_packets");
	json_u64(w, packets->rx_bytes);
	json_key(w, "tx_packets_total");
	json_u64(w, packets->tx_total);
	json_key(w, "rx_packets_total");
	json_u64(w, packets->rx_total);
}

static void json_interface(struct json_writer *w, const struct interface_stats *i,
			   double interval)
{
	json_object_begin(w);
	json_key(w, "name");
	json_bytes(w, i->name, strnlen(i->name, sizeof(i->name)));
	json_key(w, "ifindex");
	json_u64(w, i->ifindex);
	json_key(w, "present");
	json_bool(w, i->present);
	json_traffic(w, &i->bytes, interval, true);
	json_window(w, &i->window);
	json_packets(w, &i->packets);
	json_key(w, "unattributed");
	json_object_begin(w);
	json_traffic(w, &i->unattributed, interval, true);
	json_object_end(w);
	json_object_end(w);
}

/* Interfaces by index, so naming a flow's interface is a binary search, not a scan. */
struct iface_index {
	const struct interface_stats **by_ifindex;
	size_t n;
};

static int iface_cmp(const void *a, const void *b)
{
	uint32_t x = (*(const struct interface_stats *const *)a)->ifindex;
	uint32_t y = (*(const struct interface_stats *const *)b)->ifindex;

	return x < y ? -1 : x > y;
}

static int iface_key_cmp(const void *key, const void *elem)
{
	uint32_t x = *(const uint32_t *)key, y = (*(const struct interface_stats *const *)elem)->ifindex;

	return x < y ? -1 : x > y;
}

static void iface_index_build(struct iface_index *ix, const struct snapshot *s)
{
	ix->n = 0;
	ix->by_ifindex = malloc((s->nifaces + 1) * sizeof(*ix->by_ifindex));
	if (!ix->by_ifindex)
		return; /* flows then show no interface name */
	for (size_t i = 0; i < s->nifaces; i++)
		ix->by_ifindex[ix->n++] = &s->ifaces[i];
	qsort(ix->by_ifindex, ix->n, sizeof(*ix->by_ifindex), iface_cmp);
}

static const char *interface_name(const struct iface_index *ix, uint32_t ifindex)
{
	const struct interface_stats *const *found =
		ix->n ? bsearch(&ifindex, ix->by_ifindex, ix->n, sizeof(*ix->by_ifindex),
				iface_key_cmp)
		      : NULL;

	return found ? (*found)->name : NULL;
}

static void json_flow(struct json_writer *w, const struct snapshot *s,
		      const struct iface_index *ix, const struct flow_stats *f)
{
	int family = f->ip_version == 6 ? AF_INET6 : AF_INET;
	const char *ifname = interface_name(ix, f->ifindex);
	const char *app = classify_app_name((enum nh_app)f->app);
	char addr[ADDR_STRLEN];

	json_object_begin(w);
	json_key(w, "interface");
	json_string_or_null(w, ifname);
	json_key(w, "ip");
	json_string(w, classify_l3_name(f->ip_version));
	json_key(w, "proto");
	json_string(w, classify_l4_name(f->ip_version, f->protocol));
	json_key(w, "app");
	json_string_or_null(w, app);
	json_key(w, "local_addr");
	json_bytes(w, addr, format_address(addr, sizeof(addr), (uint16_t)family, f->local_addr));
	json_key(w, "local_port");
	json_u64(w, f->local_port);
	json_key(w, "remote_addr");
	json_bytes(w, addr, format_address(addr, sizeof(addr), (uint16_t)family, f->remote_addr));
	json_key(w, "remote_port");
	json_u64(w, f->remote_port);
	json_remote(w, f->ip_version, f->remote_addr, s);
	json_key(w, "cookie");
	json_u64(w, f->cookie);
	json_key(w, "pid");
	if (f->owned)
		json_u64(w, f->pid);
	else
		json_null(w);
	json_key(w, "start_ns");
	if (f->owned)
		json_u64(w, f->start_ns);
	else
		json_null(w);
	json_key(w, "comm");
	if (f->owned)
		json_bytes(w, f->comm, strnlen(f->comm, NH_COMM_LEN));
	else
		json_null(w);
	json_traffic(w, &f->bytes, s->interval, true);
	json_packets(w, &f->packets);
	json_object_end(w);
}

/* An alert raised and not cleared yet: since when, what, how fast. */
static void json_alert(struct json_writer *w, const struct alert_event *e)
{
	struct timespec since = {.tv_sec = e->when};
	const char *dir = alert_direction_name(e->direction);
	char when[40];

	format_rfc3339_utc(when, sizeof(when), &since);
	json_object_begin(w);
	json_key(w, "type");
	json_string(w, alert_kind_name(e->kind));
	json_key(w, "since");
	json_string(w, when);
	json_key(w, "pid");
	if (e->kind == ALERT_PROCESS_RATE)
		json_u64(w, e->pid);
	else
		json_null(w);
	json_key(w, "comm");
	if (e->kind == ALERT_PROCESS_RATE || e->kind == ALERT_DAILY_QUOTA)
		json_bytes(w, e->comm, strnlen(e->comm, NH_COMM_LEN));
	else
		json_null(w);
	json_key(w, "interface");
	if (e->kind == ALERT_INTERFACE_RATE)
		json_string(w, e->interface);
	else
		json_null(w);
	json_key(w, "unit");
	json_string_or_null(w, e->kind == ALERT_UNIT_RATE ? e->group : NULL);
	json_key(w, "container");
	json_string_or_null(w, e->kind == ALERT_CONTAINER_RATE ? e->group : NULL);
	json_key(w, "direction");
	json_string_or_null(w, dir);
	json_key(w, "value");
	json_double(w, e->value);
	json_key(w, "threshold");
	json_double(w, e->threshold);
	json_object_end(w);
}

void output_json(FILE *out, const struct snapshot *s)
{
	struct iface_index ix;
	struct json_writer w;
	char when[40];

	format_rfc3339_utc(when, sizeof(when), &s->wall);
	json_init(&w, out);
	json_object_begin(&w);
	json_key(&w, "version");
	json_string(&w, NETHOUND_VERSION);
	json_key(&w, "timestamp");
	json_string(&w, when);
	json_key(&w, "interval");
	json_double(&w, s->interval);
	json_key(&w, "window");
	json_double(&w, s->window);
	json_key(&w, "hooks");
	json_string(&w, s->hooks);
	json_key(&w, "tc");
	json_string(&w, s->tc ? s->tc : "off");
	json_key(&w, "totals");
	json_object_begin(&w);
	json_traffic(&w, &s->totals, s->interval, true);
	json_window(&w, &s->totals_window);
	json_object_end(&w);
	json_key(&w, "drops");
	json_object_begin(&w);
	json_key(&w, "processes");
	json_u64(&w, s->drops[NH_DROP_PROC]);
	json_key(&w, "sockets");
	json_u64(&w, s->drops[NH_DROP_SOCK]);
	json_key(&w, "pending");
	json_u64(&w, s->drops[NH_DROP_PENDING]);
	json_key(&w, "uids");
	json_u64(&w, s->drops[NH_DROP_UID]);
	json_key(&w, "flows");
	json_u64(&w, s->wire_drops[NH_WIRE_DROP_FLOW]);
	json_key(&w, "interfaces");
	json_u64(&w, s->wire_drops[NH_WIRE_DROP_IFACE]);
	json_object_end(&w);
	json_key(&w, "unattributed");
	json_object_begin(&w);
	json_traffic(&w, &s->unattributed, s->interval, false);
	json_object_end(&w);
	json_key(&w, "uids");
	json_array_begin(&w);
	for (size_t i = 0; i < s->nuids; i++)
		if (uid_listed(&s->uids[i]))
			json_uid(&w, &s->uids[i]);
	json_array_end(&w);
	json_key(&w, "processes");
	json_array_begin(&w);
	for (size_t i = 0; i < s->nprocs; i++)
		json_process(&w, &s->procs[i], s->interval);
	json_array_end(&w);
	json_key(&w, "connections");
	json_array_begin(&w);
	for (size_t i = 0; i < s->nconns; i++)
		json_connection(&w, &s->conns[i], s->interval, s);
	json_array_end(&w);
	json_key(&w, "interfaces");
	json_array_begin(&w);
	for (size_t i = 0; i < s->nifaces; i++)
		json_interface(&w, &s->ifaces[i], s->interval);
	json_array_end(&w);
	json_key(&w, "flows");
	json_array_begin(&w);
	iface_index_build(&ix, s);
	for (size_t i = 0; i < s->nflows; i++)
		json_flow(&w, s, &ix, &s->flows[i]);
	free(ix.by_ifindex);
	json_array_end(&w);
	json_key(&w, "alerts");
	json_array_begin(&w);
	for (size_t i = 0; i < s->nalerts; i++)
		json_alert(&w, &s->alerts[i]);
	json_array_end(&w);
	json_object_end(&w);
	fputc('\n', out);
}

static int by_interval_bytes(const void *a, const void *b)
{
	const struct process_stats *x = *(const struct process_stats *const *)a;
	const struct process_stats *y = *(const struct process_stats *const *)b;
	uint64_t tx = x->all.tx_bytes + x->all.rx_bytes, ty = y->all.tx_bytes + y->all.rx_bytes;

	if (tx != ty)
		return tx < ty ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* A process name made printable for a terminal: what could drive it shown as '?'. */
static void printable_comm(char *dst, const char *comm)
{
	text_printable(dst, NH_COMM_LEN, comm, strnlen(comm, NH_COMM_LEN - 1));
}

void output_table(FILE *out, const struct snapshot *s)
{
	const struct process_stats **order;
	char txr[24], rxr[24], txt[24], rxt[24], when[40], comm[NH_COMM_LEN];

	format_rfc3339_utc(when, sizeof(when), &s->wall);
	format_rate(txr, sizeof(txr), traffic_rate(s->totals.tx_bytes, s->interval), 0);
	format_rate(rxr, sizeof(rxr), traffic_rate(s->totals.rx_bytes, s->interval), 0);
	fprintf(out, "nethound %s  %s  hooks: %s  up %s  down %s\n", NETHOUND_VERSION, when, s->hooks,
		txr, rxr);
	if (s->drops[NH_DROP_PROC] || s->drops[NH_DROP_SOCK] || s->drops[NH_DROP_PENDING] ||
	    s->drops[NH_DROP_UID])
		fprintf(out,
			"warning: maps full, %llu process, %llu socket, %llu call and %llu uid "
			"updates dropped (see --json uids)\n",
			(unsigned long long)s->drops[NH_DROP_PROC],
			(unsigned long long)s->drops[NH_DROP_SOCK],
			(unsigned long long)s->drops[NH_DROP_PENDING],
			(unsigned long long)s->drops[NH_DROP_UID]);
	fprintf(out, "%8s %-15s %6s %12s %12s %11s %11s\n", "PID", "COMMAND", "UID", "SENT/s",
		"RECEIVED/s", "SENT", "RECEIVED");

	order = calloc(s->nprocs ? s->nprocs : 1, sizeof(*order));
	if (!order)
		return;
	for (size_t i = 0; i < s->nprocs; i++)
		order[i] = &s->procs[i];
	qsort(order, s->nprocs, sizeof(*order), by_interval_bytes);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *p = order[i];

		format_rate(txr, sizeof(txr), traffic_rate(p->all.tx_bytes, s->interval), 0);
		format_rate(rxr, sizeof(rxr), traffic_rate(p->all.rx_bytes, s->interval), 0);
		format_bytes(txt, sizeof(txt), (double)p->all.tx_total);
		format_bytes(rxt, sizeof(rxt), (double)p->all.rx_total);
		printable_comm(comm, p->comm);
		fprintf(out, "%8u %-15s %6u %12s %12s %11s %11s%s\n", p->pid, comm, p->uid, txr, rxr,
			txt, rxt, p->exited ? " (exited)" : "");
	}
	free(order);
}
