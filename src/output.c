// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "json.h"
#include "output.h"
#include "rates.h"
#include "timefmt.h"

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
	json_key(w, "exited");
	json_bool(w, p->exited);
	json_traffic(w, &p->all, interval, true);
	json_key(w, "l4");
	json_object_begin(w);
	for (int i = 0; i < NH_L4_MAX; i++) {
		json_key(w, l4_names[i]);
		json_object_begin(w);
		json_traffic(w, &p->l4[i], interval, false);
		json_object_end(w);
	}
	json_object_end(w);
	json_object_end(w);
}

static void json_connection(struct json_writer *w, const struct connection_stats *c,
			    double interval)
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
	format_address(addr, sizeof(addr), c->family, c->local_addr);
	json_key(w, "local_addr");
	json_string(w, addr);
	json_key(w, "local_port");
	json_u64(w, c->local_port);
	format_address(addr, sizeof(addr), c->family, c->remote_addr);
	json_key(w, "remote_addr");
	json_string(w, addr);
	json_key(w, "remote_port");
	json_u64(w, c->remote_port);
	json_key(w, "closed");
	json_bool(w, c->closed);
	json_traffic(w, &c->bytes, interval, true);
	json_object_end(w);
}

void output_json(FILE *out, const struct snapshot *s)
{
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
	json_key(&w, "hooks");
	json_string(&w, s->hooks);
	json_key(&w, "totals");
	json_object_begin(&w);
	json_traffic(&w, &s->totals, s->interval, true);
	json_object_end(&w);
	json_key(&w, "drops");
	json_object_begin(&w);
	json_key(&w, "processes");
	json_u64(&w, s->drops[NH_DROP_PROC]);
	json_key(&w, "sockets");
	json_u64(&w, s->drops[NH_DROP_SOCK]);
	json_object_end(&w);
	json_key(&w, "processes");
	json_array_begin(&w);
	for (size_t i = 0; i < s->nprocs; i++)
		json_process(&w, &s->procs[i], s->interval);
	json_array_end(&w);
	json_key(&w, "connections");
	json_array_begin(&w);
	for (size_t i = 0; i < s->nconns; i++)
		json_connection(&w, &s->conns[i], s->interval);
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

/* A process name made printable for a terminal: control bytes shown as '?'. */
static void printable_comm(char *dst, const char *comm)
{
	size_t i;

	for (i = 0; i < NH_COMM_LEN - 1 && comm[i]; i++)
		dst[i] = (unsigned char)comm[i] < 0x20 || comm[i] == 0x7f ? '?' : comm[i];
	dst[i] = '\0';
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
	if (s->drops[NH_DROP_PROC] || s->drops[NH_DROP_SOCK])
		fprintf(out, "warning: maps full, %llu process and %llu socket updates dropped\n",
			(unsigned long long)s->drops[NH_DROP_PROC],
			(unsigned long long)s->drops[NH_DROP_SOCK]);
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
