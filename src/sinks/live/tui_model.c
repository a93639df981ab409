// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "core/array.h"
#include "core/protocols.h"
#include "core/rates.h"
#include "core/text.h"
#include "sinks/live/tui_model.h"

/* 512 KiB/s, then whole MiB/s: the steps a user flips through with T. */
static const double thresholds[] = {
    512.0 * 1024, 1024.0 * 1024, 2.0 * 1024 * 1024, 5.0 * 1024 * 1024, 10.0 * 1024 * 1024,
};
#define NTHRESHOLDS (sizeof(thresholds) / sizeof(thresholds[0]))

static const char *const sort_names[TUI_SORT_MAX] = {
    [TUI_SORT_UP] = "upload", [TUI_SORT_DOWN] = "download", [TUI_SORT_TOTAL] = "total",
    [TUI_SORT_NAME] = "name", [TUI_SORT_PID] = "PID",
};

/* Widths; the protocols column takes what is left, from PROTO_MIN up. */
static const int col_width[TUI_COL_MAX] = {
    [TUI_COL_PID] = 7,	     [TUI_COL_NAME] = 15,     [TUI_COL_UP] = 12,
    [TUI_COL_DOWN] = 12,     [TUI_COL_UP_TOTAL] = 10, [TUI_COL_DOWN_TOTAL] = 10,
    [TUI_COL_PROTOCOLS] = 0, [TUI_COL_WHO] = 20,
};
#define PROTO_MIN 8

static const char *const col_title[TUI_COL_MAX] = {
    [TUI_COL_PID] = "PID",
    [TUI_COL_NAME] = "NAME",
    [TUI_COL_UP] = "UP/s",
    [TUI_COL_DOWN] = "DOWN/s",
    [TUI_COL_UP_TOTAL] = "SENT",
    [TUI_COL_DOWN_TOTAL] = "RECEIVED",
    [TUI_COL_PROTOCOLS] = "PROTOCOLS",
    [TUI_COL_WHO] = "WHO",
};

static const char *const who_names[TUI_WHO_MAX] = {
    [TUI_WHO_NONE] = "",
    [TUI_WHO_USER] = "user",
    [TUI_WHO_UNIT] = "unit",
    [TUI_WHO_CONTAINER] = "container",
};
static const char *const who_titles[TUI_WHO_MAX] = {
    [TUI_WHO_NONE] = "WHO",
    [TUI_WHO_USER] = "USER",
    [TUI_WHO_UNIT] = "UNIT",
    [TUI_WHO_CONTAINER] = "CONTAINER",
};

const char *tui_who_name(enum tui_who who)
{
	return who >= 0 && who < TUI_WHO_MAX ? who_names[who] : "";
}

void tui_model_init(struct tui_model *m, double now)
{
	memset(m, 0, sizeof(*m));
	m->now = now;
	m->started = now;
	m->threshold = thresholds[1]; /* 1 MiB/s, the alert engine's default */
	m->sort = TUI_SORT_TOTAL;
}

void tui_model_free(struct tui_model *m)
{
	free(m->rows);
	free(m->groups);
	free(m->scratch);
	free(m->view);
	free(m->conns);
	free(m->ifaces);
	memset(m, 0, sizeof(*m));
}

const char *tui_sort_name(enum tui_sort sort)
{
	return sort >= 0 && sort < TUI_SORT_MAX ? sort_names[sort] : "?";
}

double tui_model_threshold(const struct tui_model *m)
{
	return m->threshold;
}

static int key_cmp(uint32_t pid_a, uint64_t start_a, uint32_t pid_b, uint64_t start_b)
{
	if (pid_a != pid_b)
		return pid_a < pid_b ? -1 : 1;
	if (start_a != start_b)
		return start_a < start_b ? -1 : 1;
	return 0;
}

static int row_key_cmp(const void *a, const void *b)
{
	const struct tui_row *x = a, *y = b;

	return key_cmp(x->pid, x->start_ns, y->pid, y->start_ns);
}

static void printable_comm(char *dst, const char *comm)
{
	text_printable(dst, NH_COMM_LEN, comm, strnlen(comm, NH_COMM_LEN - 1));
}

static void copy_label(char *dst, const char *name)
{
	/* A name once known stays: the snapshot's may be NULL again only by accident. */
	if (name)
		text_printable(dst, TUI_LABEL_LEN, name, strlen(name));
}

static void copy_who(struct tui_row *r, const struct process_identity *id)
{
	copy_label(r->who[TUI_WHO_USER], id->user);
	copy_label(r->who[TUI_WHO_UNIT], id->unit);
	copy_label(r->who[TUI_WHO_CONTAINER], process_container_label(id));
}

static double row_up(const struct tui_model *m, const struct tui_row *r)
{
	return tui_rate(m, r->up_rate, r->up_window);
}

static double row_down(const struct tui_model *m, const struct tui_row *r)
{
	return tui_rate(m, r->down_rate, r->down_window);
}

/*
 * Each direction on its own, as the alert engine judges; on the rates shown,
 * so a red row always shows a figure over the threshold.
 */
static bool row_over(const struct tui_model *m, const struct tui_row *r)
{
	return !r->exited && (row_up(m, r) > m->threshold || row_down(m, r) > m->threshold);
}

static int sort_cmp(const struct tui_model *m, const struct tui_row *x, const struct tui_row *y)
{
	double a = 0, b = 0;
	int c;

	switch (m->sort) {
	case TUI_SORT_UP:
		a = row_up(m, x), b = row_up(m, y);
		break;
	case TUI_SORT_DOWN:
		a = row_down(m, x), b = row_down(m, y);
		break;
	case TUI_SORT_TOTAL:
		a = row_up(m, x) + row_down(m, x), b = row_up(m, y) + row_down(m, y);
		break;
	case TUI_SORT_NAME:
		c = strcasecmp(x->comm, y->comm);
		if (c)
			return c;
		break;
	case TUI_SORT_PID:
	case TUI_SORT_MAX:
		break;
	}
	/* Rates descending; ties (and the PID sort) by PID ascending, so rows do not jump. */
	if (a != b)
		return a < b ? 1 : -1;
	return key_cmp(x->pid, x->start_ns, y->pid, y->start_ns);
}

static int view_cmp(const void *a, const void *b, void *m)
{
	return sort_cmp(m, *(const struct tui_row *const *)a, *(const struct tui_row *const *)b);
}

static bool matches_filter(const struct tui_model *m, const struct tui_row *r)
{
	return !m->filter[0] || strcasestr(r->comm, m->filter);
}

/* Rows of one group together (by name; no name last), then in the sort's order. */
static int group_member_cmp(const void *a, const void *b, void *ctx)
{
	const struct tui_model *m = ctx;
	const struct tui_row *x = *(const struct tui_row *const *)a;
	const struct tui_row *y = *(const struct tui_row *const *)b;
	const char *gx = x->who[m->group], *gy = y->who[m->group];
	int c = (!*gx) - (!*gy);

	if (!c)
		c = strcmp(gx, gy);
	return c ? c : sort_cmp(m, x, y);
}

static void add_to_group(struct tui_row *g, const struct tui_row *r)
{
	g->up_rate += r->up_rate;
	g->down_rate += r->down_rate;
	g->up_window += r->up_window;
	g->down_window += r->down_window;
	g->up_total += r->up_total;
	g->down_total += r->down_total;
	g->protocols |= r->protocols;
	g->members++;
}

/* Subtotal rows by the sort (and by name where it ties, so the order is stable). */
static int group_cmp(const void *a, const void *b, void *ctx)
{
	const struct tui_row *x = a, *y = b;
	int c = sort_cmp(ctx, x, y);

	return c ? c : strcmp(x->comm, y->comm);
}

/*
 * The grouped view: the filtered rows (in m->scratch) clustered by group, a
 * subtotal row per cluster, the subtotal rows sorted, each followed by its
 * rows. n log n; view has room for rows and groups, groups for one per row.
 */
static void rebuild_grouped(struct tui_model *m, size_t n)
{
	const struct tui_row **rows = m->scratch;
	size_t out = 0;

	qsort_r(rows, n, sizeof(*rows), group_member_cmp, m);
	m->ngroups = 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = rows[i]->who[m->group];
		struct tui_row *g;

		if (i && strcmp(rows[i - 1]->who[m->group], name) == 0) {
			add_to_group(&m->groups[m->ngroups - 1], rows[i]);
			continue;
		}
		g = &m->groups[m->ngroups++];
		memset(g, 0, sizeof(*g));
		g->group = true;
		g->first = i;
		/* PID 0 and the name's hash: the selection stays on a group across ticks. */
		g->start_ns = 1469598103934665603ull;
		for (const char *c = name; *c; c++)
			g->start_ns = (g->start_ns ^ (unsigned char)*c) * 1099511628211ull;
		snprintf(g->who[m->group], sizeof(g->who[m->group]), "%s", name);
		/* Cut at a character, as a row's name is: the name is printable UTF-8 already. */
		text_printable(g->comm, sizeof(g->comm), name, strlen(name));
		add_to_group(g, rows[i]);
	}
	for (size_t i = 0; i < m->ngroups; i++)
		m->groups[i].over = row_over(m, &m->groups[i]);
	qsort_r(m->groups, m->ngroups, sizeof(*m->groups), group_cmp, m);
	for (size_t i = 0; i < m->ngroups; i++) {
		const struct tui_row *g = &m->groups[i];

		m->view[out++] = g;
		for (size_t j = 0; j < g->members; j++)
			m->view[out++] = rows[g->first + j];
	}
	m->nview = out;
}

/* The view and what grouping needs, sized to the rows (which may have moved). */
static int alloc_view(struct tui_model *m)
{
	size_t n = m->nrows ? m->nrows : 1;

	free(m->view);
	free(m->scratch);
	free(m->groups);
	m->view = calloc(2 * n, sizeof(*m->view));
	m->scratch = calloc(n, sizeof(*m->scratch));
	m->groups = calloc(n, sizeof(*m->groups));
	m->nview = m->ngroups = 0;
	if (!m->view || !m->scratch || !m->groups) {
		free(m->view);
		free(m->scratch);
		free(m->groups);
		m->view = NULL;
		m->scratch = NULL;
		m->groups = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void rebuild_view(struct tui_model *m)
{
	if (!m->view)
		return;
	size_t n = 0;

	if (m->group != TUI_WHO_NONE) {
		for (size_t i = 0; i < m->nrows; i++)
			if (matches_filter(m, &m->rows[i]))
				m->scratch[n++] = &m->rows[i];
		rebuild_grouped(m, n);
		return;
	}
	m->nview = 0;
	for (size_t i = 0; i < m->nrows; i++)
		if (matches_filter(m, &m->rows[i]))
			m->view[m->nview++] = &m->rows[i];
	qsort_r(m->view, m->nview, sizeof(*m->view), view_cmp, m);
}

void tui_model_add_alert(struct tui_model *m, const struct alert_event *e)
{
	struct alert_event *a = &m->alerts[m->alert_head];
	char comm[NH_COMM_LEN];

	*a = *e;
	printable_comm(comm, e->comm);
	memcpy(a->comm, comm, sizeof(a->comm));
	m->alert_head = (m->alert_head + 1) % TUI_MAX_ALERTS;
	if (m->nalerts < TUI_MAX_ALERTS)
		m->nalerts++;
}

const struct alert_event *tui_model_alert(const struct tui_model *m, size_t i)
{
	if (i >= m->nalerts)
		return NULL;
	return &m->alerts[(m->alert_head + TUI_MAX_ALERTS - 1 - i) % TUI_MAX_ALERTS];
}

/* Drop exited rows whose time is up, keeping m->rows sorted and dense. */
static void sweep(struct tui_model *m)
{
	size_t out = 0;

	for (size_t i = 0; i < m->nrows; i++) {
		struct tui_row *r = &m->rows[i];

		if (!r->marked && !r->exited) {
			/* Gone without an exit report (can only happen after a stop): now exited.
			 */
			r->exited = true;
			r->exited_at = m->now;
			r->up_rate = r->down_rate = 0;
			r->up_window = r->down_window = 0;
			r->over = false; /* no rate left to be red for */
		}
		if (r->exited && m->now - r->exited_at >= TUI_EXITED_KEEP_S)
			continue;
		m->rows[out++] = *r;
	}
	m->nrows = out;
}

static int copy_details(struct tui_model *m, const struct snapshot *s)
{
	if (array_grow((void **)&m->conns, &m->conns_cap, s->nconns, sizeof(*m->conns)) ||
	    array_grow((void **)&m->ifaces, &m->ifaces_cap, s->nifaces, sizeof(*m->ifaces)))
		return -ENOMEM;
	m->nconns = s->nconns;
	for (size_t i = 0; i < s->nconns; i++) {
		const struct connection_stats *c = &s->conns[i];
		struct tui_conn *t = &m->conns[i];

		memset(t, 0, sizeof(*t));
		t->pid = c->pid;
		t->start_ns = c->start_ns;
		t->family = c->family;
		t->protocol = c->protocol;
		t->local_port = c->local_port;
		t->remote_port = c->remote_port;
		memcpy(t->remote_addr, c->remote_addr, sizeof(t->remote_addr));
		t->closed = c->closed;
		t->up_rate = traffic_rate(c->bytes.tx_bytes, s->interval);
		t->down_rate = traffic_rate(c->bytes.rx_bytes, s->interval);
		t->up_total = c->bytes.tx_total;
		t->down_total = c->bytes.rx_total;
		/* Sniffed on the connection's flow, else its port's: the collector decided. */
		t->app = c->app;
	}
	m->nifaces = s->nifaces;
	for (size_t i = 0; i < s->nifaces; i++) {
		const struct interface_stats *in = &s->ifaces[i];
		struct tui_iface *t = &m->ifaces[i];

		memcpy(t->name, in->name, sizeof(t->name));
		t->name[IF_NAMESIZE - 1] = '\0';
		t->present = in->present;
		t->up_rate = traffic_rate(in->bytes.tx_bytes, s->interval);
		t->down_rate = traffic_rate(in->bytes.rx_bytes, s->interval);
		t->up_window = in->window.tx;
		t->down_window = in->window.rx;
		t->up_total = in->bytes.tx_total;
		t->down_total = in->bytes.rx_total;
		t->unattr_up_rate = traffic_rate(in->unattributed.tx_bytes, s->interval);
		t->unattr_down_rate = traffic_rate(in->unattributed.rx_bytes, s->interval);
		t->unattr_up_total = in->unattributed.tx_total;
		t->unattr_down_total = in->unattributed.rx_total;
	}
	return 0;
}

static int take(struct tui_model *m, const struct snapshot *s, double now, bool show)
{
	size_t old = m->nrows;
	bool resort = false;

	m->now = now;
	if (array_grow((void **)&m->rows, &m->cap, m->nrows + s->nprocs, sizeof(*m->rows)))
		return -ENOMEM;
	for (size_t i = 0; i < m->nrows; i++)
		m->rows[i].marked = false;
	if (show)
		m->active = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *p = &s->procs[i];
		struct tui_row *r =
		    old ? bsearch(&(struct tui_row){.pid = p->pid, .start_ns = p->start_ns},
				  m->rows, old, sizeof(*m->rows), row_key_cmp)
			: NULL;

		if (!r) {
			r = &m->rows[m->nrows++];
			memset(r, 0, sizeof(*r));
			r->pid = p->pid;
			r->start_ns = p->start_ns;
			/*
			 * Totals count from the first interval we show: a process that
			 * appeared during a stop brings bytes from before it in its totals.
			 */
			r->tx_base = p->all.tx_total - p->all.tx_bytes;
			r->rx_base = p->all.rx_total - p->all.rx_bytes;
			resort = true;
		}
		r->marked = true;
		r->tx_seen = p->all.tx_total;
		r->rx_seen = p->all.rx_total;
		printable_comm(r->comm, p->comm); /* at exit the name is captured again: exec */
		copy_who(r, &p->ident);
		r->protocols = p->protocols;
		if (!show) {
			r->tx_base += p->all.tx_bytes;
			r->rx_base += p->all.rx_bytes;
		} else {
			r->up_rate = traffic_rate(p->all.tx_bytes, s->interval);
			r->down_rate = traffic_rate(p->all.rx_bytes, s->interval);
			r->up_window = p->window.tx;
			r->down_window = p->window.rx;
			if ((r->up_rate > 0 || r->down_rate > 0) && !p->exited)
				m->active++;
		}
		r->up_total = r->tx_seen - r->tx_base;
		r->down_total = r->rx_seen - r->rx_base;
		if (p->exited && !r->exited) {
			r->exited = true;
			r->exited_at = now;
		}
		r->over = row_over(m, r);
	}
	if (resort)
		qsort(m->rows, m->nrows, sizeof(*m->rows), row_key_cmp);
	sweep(m);

	m->hooks = s->hooks;
	m->tc = s->tc;
	m->tx_seen = s->totals.tx_total;
	m->rx_seen = s->totals.rx_total;
	if (!m->ticked)
		m->tx_base = s->totals.tx_total - s->totals.tx_bytes,
		m->rx_base = s->totals.rx_total - s->totals.rx_bytes;
	m->ticked = true;
	if (!show) {
		m->tx_base += s->totals.tx_bytes;
		m->rx_base += s->totals.rx_bytes;
	} else {
		m->up_rate = traffic_rate(s->totals.tx_bytes, s->interval);
		m->down_rate = traffic_rate(s->totals.rx_bytes, s->interval);
		m->up_window = s->totals_window.tx;
		m->down_window = s->totals_window.rx;
		m->interval = s->interval;
		m->window = s->window;
		m->spark[m->spark_head] = m->up_rate + m->down_rate;
		m->spark_head = (m->spark_head + 1) % TUI_SPARK_LEN;
		if (m->spark_len < TUI_SPARK_LEN)
			m->spark_len++;
		if (copy_details(m, s))
			return -ENOMEM;
	}
	m->up_total = m->tx_seen - m->tx_base;
	m->down_total = m->rx_seen - m->rx_base;

	/* The view points into rows, which may have moved: rebuild it. */
	if (alloc_view(m))
		return -ENOMEM;
	rebuild_view(m);
	return 0;
}

int tui_model_update(struct tui_model *m, const struct snapshot *s, double now)
{
	return take(m, s, now, true);
}

int tui_model_skip(struct tui_model *m, const struct snapshot *s, double now)
{
	return take(m, s, now, false);
}

void tui_model_reset(struct tui_model *m)
{
	for (size_t i = 0; i < m->nrows; i++) {
		struct tui_row *r = &m->rows[i];

		r->tx_base = r->tx_seen;
		r->rx_base = r->rx_seen;
		r->up_total = r->down_total = 0;
	}
	m->tx_base = m->tx_seen;
	m->rx_base = m->rx_seen;
	m->up_total = m->down_total = 0;
	if (m->view)
		rebuild_view(m);
}

void tui_model_cycle_who(struct tui_model *m)
{
	m->who_col = (enum tui_who)((m->who_col + 1) % TUI_WHO_MAX);
}

int tui_model_cycle_group(struct tui_model *m)
{
	static const enum tui_who next[TUI_WHO_MAX] = {
	    [TUI_WHO_NONE] = TUI_WHO_UNIT,
	    [TUI_WHO_UNIT] = TUI_WHO_CONTAINER,
	    [TUI_WHO_CONTAINER] = TUI_WHO_USER,
	    [TUI_WHO_USER] = TUI_WHO_NONE,
	};

	m->group = next[m->group];
	if (!m->view && alloc_view(m))
		return -ENOMEM;
	rebuild_view(m);
	return 0;
}

void tui_model_set_sort(struct tui_model *m, enum tui_sort sort)
{
	if (sort < 0 || sort >= TUI_SORT_MAX)
		return;
	m->sort = sort;
	if (m->view)
		rebuild_view(m);
}

void tui_model_set_filter(struct tui_model *m, const char *filter)
{
	snprintf(m->filter, sizeof(m->filter), "%s", filter ? filter : "");
	if (m->view)
		rebuild_view(m);
}

static void judge_rows(struct tui_model *m)
{
	/* Rows are judged against the new value at once; alerts only come from ticks. */
	for (size_t i = 0; i < m->nrows; i++)
		m->rows[i].over = row_over(m, &m->rows[i]);
}

void tui_model_cycle_threshold(struct tui_model *m)
{
	size_t next = 0;

	/* The next step above the current value (which may be a configured one), wrapping. */
	while (next < NTHRESHOLDS && thresholds[next] <= m->threshold)
		next++;
	m->threshold = thresholds[next % NTHRESHOLDS];
	judge_rows(m);
}

void tui_model_toggle_rates(struct tui_model *m)
{
	m->rates = m->rates == TUI_RATES_LAST ? TUI_RATES_WINDOW : TUI_RATES_LAST;
	judge_rows(m);
	if (m->view)
		rebuild_view(m);
}

void tui_model_set_threshold(struct tui_model *m, double bytes_per_second)
{
	m->threshold = bytes_per_second;
	judge_rows(m);
}

long tui_model_find(const struct tui_model *m, uint32_t pid, uint64_t start_ns)
{
	for (size_t i = 0; i < m->nview; i++)
		if (m->view[i]->pid == pid && m->view[i]->start_ns == start_ns)
			return (long)i;
	return -1;
}

static int conn_cmp(const void *a, const void *b)
{
	const struct tui_conn *x = *(const struct tui_conn *const *)a;
	const struct tui_conn *y = *(const struct tui_conn *const *)b;
	double rx = x->up_rate + x->down_rate, ry = y->up_rate + y->down_rate;
	uint64_t tx = x->up_total + x->down_total, ty = y->up_total + y->down_total;

	if (rx != ry)
		return rx < ry ? 1 : -1;
	if (tx != ty)
		return tx < ty ? 1 : -1;
	return x->remote_port < y->remote_port ? -1 : x->remote_port > y->remote_port;
}

size_t tui_model_connections(const struct tui_model *m, uint32_t pid, uint64_t start_ns,
			     const struct tui_conn **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nconns && n < max; i++)
		if (m->conns[i].pid == pid && m->conns[i].start_ns == start_ns)
			out[n++] = &m->conns[i];
	qsort(out, n, sizeof(*out), conn_cmp);
	return n;
}

/* Seconds as a label: the measured interval jitters (0.998 s), the configured one does not. */
static void format_seconds(char *buf, size_t len, double s)
{
	snprintf(buf, len, s >= 10 ? "%.0f" : "%.2g", s);
}

void tui_format_rates_label(const struct tui_model *m, bool brief, char *buf, size_t len)
{
	char secs[32];

	if (m->rates == TUI_RATES_LAST && m->interval <= 0) {
		snprintf(buf, len, "%s", brief ? "per tick" : "rates: last interval");
	} else if (m->rates == TUI_RATES_LAST) {
		format_seconds(secs, sizeof(secs), m->interval);
		snprintf(buf, len, "%s%ss", brief ? "per " : "rates: ", secs);
	} else if (m->window > 0) {
		format_seconds(secs, sizeof(secs), m->window);
		snprintf(buf, len, "%s%ss avg", brief ? "" : "rates: ", secs);
	} else {
		snprintf(buf, len, "%sno window", brief ? "" : "rates: ");
	}
}

void tui_format_rate(const struct tui_model *m, char *buf, size_t len, double bytes_per_second)
{
	format_rate(buf, len, bytes_per_second, m->bits);
}

void tui_format_duration(char *buf, size_t len, double seconds)
{
	unsigned long long s = seconds > 0 ? (unsigned long long)seconds : 0;
	unsigned long long d = s / 86400, h = s / 3600 % 24, mi = s / 60 % 60, se = s % 60;

	if (d)
		snprintf(buf, len, "%llud %02llu:%02llu:%02llu", d, h, mi, se);
	else if (h)
		snprintf(buf, len, "%llu:%02llu:%02llu", h, mi, se);
	else
		snprintf(buf, len, "%llu:%02llu", mi, se);
}

void tui_format_protocols(char *buf, size_t len, uint64_t set)
{
	const char *names[64];
	size_t n = protocol_set_names(set, names, 64), used = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t need = strlen(names[i]) + (i ? 1 : 0);
		/*
		 * A name that is not the last must leave room for the "+" that says
		 * more follow; with len 1 there is not even that (no wrap below 0).
		 */
		size_t plus = i + 1 < n ? 1 : 0;
		size_t room = len - 1 - used > plus ? len - 1 - used - plus : 0;

		if (need > room) {
			if (used + 1 < len) {
				buf[used++] = '+';
				buf[used] = '\0';
			}
			return;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", names[i]);
	}
}

void tui_sparkline(const struct tui_model *m, int width, bool utf8, char *buf, size_t len)
{
	static const char *const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	static const char ascii[] = ".:-=+*#";
	size_t shown = width > 0 ? (size_t)width : 0, used = 0;
	size_t samples = m->spark_len < shown ? m->spark_len : shown;
	double max = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < samples; i++) {
		double v = m->spark[(m->spark_head + TUI_SPARK_LEN - samples + i) % TUI_SPARK_LEN];

		if (v > max)
			max = v;
	}
	for (size_t i = 0; i < shown; i++) {
		const char *cell = " ";
		char one[2] = {0};

		if (i >= shown - samples) {
			size_t k = i - (shown - samples);
			double v =
			    m->spark[(m->spark_head + TUI_SPARK_LEN - samples + k) % TUI_SPARK_LEN];

			if (utf8) {
				int level = max > 0 ? (int)(v / max * 7.0 + 0.5) : 0;

				cell = blocks[level];
			} else if (v > 0 && max > 0) {
				/* Zero stays blank in ASCII, so a quiet minute reads as empty. */
				int level = (int)ceil(v / max * 7.0) - 1;

				one[0] = ascii[level < 0 ? 0 : level > 6 ? 6 : level];
				cell = one;
			}
		}
		if (used + strlen(cell) >= len)
			break;
		memcpy(buf + used, cell, strlen(cell) + 1);
		used += strlen(cell);
	}
}

void tui_layout_columns(int width, struct tui_layout *out)
{
	tui_layout_columns_who(width, TUI_WHO_NONE, out);
}

void tui_layout_columns_who(int width, enum tui_who who, struct tui_layout *out)
{
	static const enum tui_col always[] = {TUI_COL_PID, TUI_COL_NAME, TUI_COL_UP, TUI_COL_DOWN};
	int x = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		enum tui_col c = always[i];

		out->cols[out->ncols].col = c;
		out->cols[out->ncols].x = x;
		out->cols[out->ncols].width = col_width[c];
		out->ncols++;
		x += col_width[c] + 1;
	}
	if (x + col_width[TUI_COL_UP_TOTAL] + 1 + col_width[TUI_COL_DOWN_TOTAL] <= width) {
		for (enum tui_col c = TUI_COL_UP_TOTAL; c <= TUI_COL_DOWN_TOTAL; c++) {
			out->cols[out->ncols].col = c;
			out->cols[out->ncols].x = x;
			out->cols[out->ncols].width = col_width[c];
			out->ncols++;
			x += col_width[c] + 1;
		}
	}
	if (who != TUI_WHO_NONE && x + col_width[TUI_COL_WHO] <= width) {
		out->cols[out->ncols].col = TUI_COL_WHO;
		out->cols[out->ncols].x = x;
		out->cols[out->ncols].width = col_width[TUI_COL_WHO];
		out->ncols++;
		x += col_width[TUI_COL_WHO] + 1;
	}
	if (width - x >= PROTO_MIN) {
		out->cols[out->ncols].col = TUI_COL_PROTOCOLS;
		out->cols[out->ncols].x = x;
		out->cols[out->ncols].width = width - x;
		out->ncols++;
	}
}

static bool right_aligned(enum tui_col c)
{
	return c != TUI_COL_NAME && c != TUI_COL_PROTOCOLS && c != TUI_COL_WHO;
}

/* Where a line being built has got to: bytes in the buffer, screen columns they fill. */
struct line_pos {
	size_t bytes;
	int cols;
};

/*
 * Screen columns of the longest prefix of text that fits in max columns, no
 * character cut; *bytes gets its length. Text is printable UTF-8 (the model
 * made it so): wcwidth() in the terminal's locale says how wide each
 * character is (CJK two columns, combining marks none); a character it does
 * not know takes one.
 */
static int fit_columns(const char *text, int max, size_t *bytes)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t at = 0, avail = strlen(text);
	int cols = 0;

	while (at < avail) {
		uint32_t cp;
		size_t n = utf8_decode(s + at, avail - at, &cp);
		int w = 1;

		if (n == 0)
			n = 1;
		else if (n > 1)
			w = wcwidth((wchar_t)cp);
		if (w < 0)
			w = 1;
		if (cols + w > max)
			break;
		cols += w;
		at += n;
	}
	*bytes = at;
	return cols;
}

/*
 * Append one cell at its column, by screen columns, not bytes: a name in
 * UTF-8 takes fewer columns than bytes, and the cells after it stay aligned.
 * text is cut to the column width.
 */
static void put_cell(char *buf, size_t len, struct line_pos *pos, int x, int width, bool right,
		     const char *text)
{
	size_t take;
	int cols = fit_columns(text, width > 0 ? width : 0, &take);
	int pad = right ? width - cols : 0;

	while ((pos->cols < x || pad > 0) && pos->bytes + 1 < len) {
		if (pos->cols >= x)
			pad--;
		buf[pos->bytes++] = ' ';
		pos->cols++;
	}
	buf[pos->bytes] = '\0';
	if (pos->bytes + 1 >= len)
		return;
	/* A short buffer cuts the text, before a character rather than inside one. */
	if (take > len - pos->bytes - 1) {
		take = len - pos->bytes - 1;
		while (take && ((unsigned char)text[take] & 0xc0) == 0x80)
			take--;
	}
	memcpy(buf + pos->bytes, text, take);
	pos->bytes += take;
	pos->cols += cols;
	buf[pos->bytes] = '\0';
}

void tui_format_header(const struct tui_model *m, const struct tui_layout *l, char *buf, size_t len)
{
	static const enum tui_col sort_col[TUI_SORT_MAX] = {
	    [TUI_SORT_UP] = TUI_COL_UP,	    [TUI_SORT_DOWN] = TUI_COL_DOWN,
	    [TUI_SORT_TOTAL] = TUI_COL_MAX, [TUI_SORT_NAME] = TUI_COL_NAME,
	    [TUI_SORT_PID] = TUI_COL_PID,
	};
	struct line_pos pos = { 0, 0 };

	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; i < l->ncols; i++) {
		enum tui_col c = l->cols[i].col;
		char title[32];
		/* Sorting by total marks both rate columns. */
		bool sorted = sort_col[m->sort] == c ||
			      (m->sort == TUI_SORT_TOTAL && (c == TUI_COL_UP || c == TUI_COL_DOWN));

		if (m->bits && (c == TUI_COL_UP || c == TUI_COL_DOWN))
			snprintf(title, sizeof(title), "%s%s",
				 c == TUI_COL_UP ? "UP bit/s" : "DOWN bit/s", sorted ? "*" : "");
		else if (c == TUI_COL_WHO)
			snprintf(title, sizeof(title), "%s", who_titles[m->who_col]);
		else if (c == TUI_COL_PROTOCOLS && l->cols[i].width < (int)strlen(col_title[c]))
			snprintf(title, sizeof(title), "PROTO");
		else
			snprintf(title, sizeof(title), "%s%s", col_title[c], sorted ? "*" : "");
		put_cell(buf, len, &pos, l->cols[i].x, l->cols[i].width, right_aligned(c), title);
	}
}

/* "nginx.service (3)"; rows of no known one: "(no unit) (2)". */
static void group_cell(const struct tui_model *m, const struct tui_row *g, char *buf, size_t len)
{
	if (g->who[m->group][0])
		snprintf(buf, len, "%s (%zu)", g->who[m->group], g->members);
	else
		snprintf(buf, len, "(no %s) (%zu)", who_names[m->group], g->members);
}

void tui_format_row(const struct tui_model *m, const struct tui_layout *l,
		    const struct tui_row *row, char *buf, size_t len)
{
	struct line_pos pos = { 0, 0 };

	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; i < l->ncols; i++) {
		enum tui_col c = l->cols[i].col;
		char cell[256];

		switch (c) {
		case TUI_COL_PID:
			/* A subtotal row: its name over PID and NAME, and how many rows it sums. */
			if (row->group) {
				group_cell(m, row, cell, sizeof(cell));
				put_cell(buf, len, &pos, 0,
					 l->cols[i + 1].x + l->cols[i + 1].width, false, cell);
				i++;
				continue;
			}
			snprintf(cell, sizeof(cell), "%u", row->pid);
			break;
		case TUI_COL_NAME:
			snprintf(cell, sizeof(cell), "%s%s", m->group ? "  " : "", row->comm);
			break;
		case TUI_COL_WHO:
			snprintf(cell, sizeof(cell), "%s",
				 row->who[m->group && row->group ? m->group : m->who_col]);
			break;
		case TUI_COL_UP:
			tui_format_rate(m, cell, sizeof(cell), row_up(m, row));
			break;
		case TUI_COL_DOWN:
			tui_format_rate(m, cell, sizeof(cell), row_down(m, row));
			break;
		case TUI_COL_UP_TOTAL:
			format_bytes(cell, sizeof(cell), (double)row->up_total);
			break;
		case TUI_COL_DOWN_TOTAL:
			format_bytes(cell, sizeof(cell), (double)row->down_total);
			break;
		case TUI_COL_PROTOCOLS:
			tui_format_protocols(cell,
					     (size_t)l->cols[i].width + 1 < sizeof(cell)
						 ? (size_t)l->cols[i].width + 1
						 : sizeof(cell),
					     row->protocols);
			break;
		case TUI_COL_MAX:
			cell[0] = '\0';
			break;
		}
		put_cell(buf, len, &pos, l->cols[i].x, l->cols[i].width, right_aligned(c), cell);
	}
}
