// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alerts.h"
#include "core/array.h"
#include "core/rates.h"

/*
 * One thing a rate threshold watches: a process, an interface or the whole
 * host. Its rate is the bytes of the last `width` ticks over their seconds.
 */
struct watched {
	uint32_t pid; /* process key; for interfaces the name */
	uint64_t start_ns;
	char name[IF_NAMESIZE > NH_COMM_LEN ? IF_NAMESIZE : NH_COMM_LEN];
	uint64_t (*ring)[2]; /* bytes up, down per bucket of ticks */
	double *secs;        /* the bucket's length */
	size_t head, filled;
	size_t in_head; /* ticks added to the head bucket */
	uint64_t sum[2];
	double sum_secs;
	bool raised;
	double below_since; /* clock when the rate went back under; < 0 while over */
	bool seen;          /* in this snapshot: kept by the sweep */
};

/* A unit or container: the sums of its processes' bytes, judged like a process. */
struct group_watch {
	char *name;
	struct watched w;
};

/* The unit or container groups of one kind, sorted by name. */
struct group_set {
	enum alert_kind kind;
	struct group_watch *items;
	size_t n, cap;
};

struct quota {
	char comm[NH_COMM_LEN];
	uint64_t bytes; /* today */
	bool raised;
};

struct alerts {
	struct alert_config cfg;
	size_t width; /* ticks in the window */
	double clock;    /* seconds of snapshots seen */
	double interval; /* the last snapshot's */

	struct watched *procs;
	size_t nprocs, procs_cap;
	struct watched *ifaces;
	size_t nifaces, ifaces_cap;
	struct watched total;
	struct group_set units, containers;

	struct quota *quotas;
	size_t nquotas, quotas_cap;
	bool quotas_sorted; /* false after a seed appended names */
	long quota_day; /* UTC day number the quotas count */

	/* Map drops: the counters last tick, and the alert while they grow. */
	uint64_t drops_seen[NH_DROP_MAPS];
	bool drops_raised;
	double drops_quiet_since; /* clock when they stopped growing; < 0 while growing */
	char drops_maps[ALERT_GROUP_LEN];

	struct alert_event *events;
	size_t nevents, events_cap;
	struct alert_event *active;
	size_t nactive, active_cap;
};

static const char *const kind_names[ALERT_KIND_MAX] = {
	[ALERT_PROCESS_RATE] = "process_rate",
	[ALERT_TOTAL_RATE] = "total_rate",
	[ALERT_INTERFACE_RATE] = "interface_rate",
	[ALERT_DAILY_QUOTA] = "daily_quota",
	[ALERT_UNIT_RATE] = "unit_rate",
	[ALERT_CONTAINER_RATE] = "container_rate",
	[ALERT_MAP_DROPS] = "map_drops",
};

const char *alert_kind_name(enum alert_kind kind)
{
	return kind < ALERT_KIND_MAX ? kind_names[kind] : "unknown";
}

const char *alert_direction_name(enum alert_direction dir)
{
	switch (dir) {
	case ALERT_DIR_UPLOAD:
		return "upload";
	case ALERT_DIR_DOWNLOAD:
		return "download";
	default:
		return NULL;
	}
}

void alert_config_defaults(struct alert_config *c)
{
	memset(c, 0, sizeof(*c));
	c->process_rate = ALERTS_DEFAULT_PROCESS_RATE;
	c->hold = ALERTS_DEFAULT_HOLD_S;
	c->window = ALERTS_DEFAULT_WINDOW_S;
}

void alert_event_format(const struct alert_event *e, char *buf, size_t len)
{
	char value[32], threshold[32], who[64];
	const char *dir = alert_direction_name(e->direction);

	if (e->kind == ALERT_MAP_DROPS) {
		if (e->cleared)
			snprintf(buf, len, "map_drops cleared: kernel maps (%.60s) no longer full",
				 e->group);
		else
			snprintf(buf, len,
				 "map_drops raised: kernel maps (%.60s) full, %.0f updates not "
				 "counted",
				 e->group, e->value);
		return;
	}
	/* A quota is an amount of bytes, every other alert a rate. */
	if (e->kind == ALERT_DAILY_QUOTA) {
		format_bytes(value, sizeof(value), e->value);
		format_bytes(threshold, sizeof(threshold), e->threshold);
	} else {
		format_rate(value, sizeof(value), e->value, 0);
		format_rate(threshold, sizeof(threshold), e->threshold, 0);
	}
	switch (e->kind) {
	case ALERT_PROCESS_RATE:
		snprintf(who, sizeof(who), "%s (pid %u)", e->comm, e->pid);
		break;
	case ALERT_INTERFACE_RATE:
		snprintf(who, sizeof(who), "interface %s", e->interface);
		break;
	case ALERT_DAILY_QUOTA:
		snprintf(who, sizeof(who), "%s today", e->comm);
		break;
	case ALERT_UNIT_RATE:
		snprintf(who, sizeof(who), "unit %.50s", e->group);
		break;
	case ALERT_CONTAINER_RATE:
		snprintf(who, sizeof(who), "container %.50s", e->group);
		break;
	default:
		snprintf(who, sizeof(who), "all processes");
		break;
	}
	snprintf(buf, len, "%s %s: %s%s%s %s %s %s", alert_kind_name(e->kind),
		 e->cleared ? "cleared" : "raised", who, dir ? " " : "", dir ? dir : "", value,
		 e->cleared ? "back under" : "over", threshold);
}

static size_t window_width(double window, double interval)
{
	double w = interval > 0 ? round(window / interval) : 1;

	if (w < 1)
		w = 1;
	if (w > ALERTS_WINDOW_SAMPLES_MAX)
		w = ALERTS_WINDOW_SAMPLES_MAX;
	return (size_t)w;
}

struct alerts *alerts_new(const struct alert_config *cfg, double interval)
{
	struct alerts *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->cfg = *cfg;
	a->width = window_width(cfg->window, interval);
	a->quota_day = -1;
	a->total.below_since = -1;
	a->units.kind = ALERT_UNIT_RATE;
	a->containers.kind = ALERT_CONTAINER_RATE;
	return a;
}

static void watched_free(struct watched *w)
{
	free(w->ring);
	free(w->secs);
}

void alerts_free(struct alerts *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nprocs; i++)
		watched_free(&a->procs[i]);
	for (size_t i = 0; i < a->nifaces; i++)
		watched_free(&a->ifaces[i]);
	watched_free(&a->total);
	for (int k = 0; k < 2; k++) {
		struct group_set *g = k ? &a->containers : &a->units;

		for (size_t i = 0; i < g->n; i++) {
			free(g->items[i].name);
			watched_free(&g->items[i].w);
		}
		free(g->items);
	}
	free(a->procs);
	free(a->ifaces);
	free(a->quotas);
	free(a->events);
	free(a->active);
	free(a);
}

void alerts_set_process_rate(struct alerts *a, double bytes_per_second)
{
	a->cfg.process_rate = bytes_per_second;
}

/*
 * Add a tick's bytes. The ring holds at most ALERTS_RING_BUCKETS buckets
 * whatever the window, so memory is bounded per watched thing (16,000
 * processes under --window 3600 would otherwise keep 1.4 GB of samples): up
 * to that many ticks a bucket is one tick and the window exact; beyond, a
 * bucket sums several ticks and the window slides a bucket at a time, so it
 * spans the window give or take one bucket (1/64 of it). The rate stays the
 * bytes over the seconds of exactly the ticks it holds.
 */
static int watched_sample(struct watched *w, size_t width, uint64_t up, uint64_t down, double secs)
{
	size_t per = (width + ALERTS_RING_BUCKETS - 1) / ALERTS_RING_BUCKETS;
	size_t buckets = (width + per - 1) / per;

	if (!w->ring) {
		w->ring = calloc(buckets, sizeof(*w->ring));
		w->secs = calloc(buckets, sizeof(*w->secs));
		if (!w->ring || !w->secs)
			return -ENOMEM;
	}
	if (!w->filled || w->in_head == per) {
		/* A new bucket; once the ring is full it replaces the oldest. */
		if (w->filled)
			w->head = (w->head + 1) % buckets;
		if (w->filled == buckets) {
			w->sum[0] -= w->ring[w->head][0];
			w->sum[1] -= w->ring[w->head][1];
			w->sum_secs -= w->secs[w->head];
		} else {
			w->filled++;
		}
		w->ring[w->head][0] = w->ring[w->head][1] = 0;
		w->secs[w->head] = 0;
		w->in_head = 0;
	}
	w->ring[w->head][0] += up;
	w->ring[w->head][1] += down;
	w->secs[w->head] += secs;
	w->in_head++;
	w->sum[0] += up;
	w->sum[1] += down;
	w->sum_secs += secs;
	return 0;
}

static int add_event(struct alerts *a, const struct alert_event *e)
{
	if (array_grow((void **)&a->events, &a->events_cap, a->nevents + 1, sizeof(*a->events)))
		return -ENOMEM;
	a->events[a->nevents++] = *e;
	if (!e->cleared) {
		if (array_grow((void **)&a->active, &a->active_cap, a->nactive + 1, sizeof(*a->active)))
			return -ENOMEM;
		a->active[a->nactive++] = *e;
		return 0;
	}
	for (size_t i = 0; i < a->nactive; i++) {
		const struct alert_event *r = &a->active[i];

		if (r->kind == e->kind && r->pid == e->pid && r->start_ns == e->start_ns &&
		    strcmp(r->interface, e->interface) == 0 && strcmp(r->comm, e->comm) == 0 &&
		    strcmp(r->group, e->group) == 0) {
			memmove(&a->active[i], &a->active[i + 1],
				(a->nactive - i - 1) * sizeof(*a->active));
			a->nactive--;
			break;
		}
	}
	return 0;
}

/*
 * Raise when either direction's rate is over the threshold; clear once both
 * have stayed at or under it for the hold time. The event carries what was
 * filled in by the caller (who) and the rate that decided.
 */
static int judge(struct alerts *a, struct watched *w, double threshold, struct alert_event *e)
{
	double up = w->sum_secs > 0 ? (double)w->sum[0] / w->sum_secs : 0;
	double down = w->sum_secs > 0 ? (double)w->sum[1] / w->sum_secs : 0;
	bool over = threshold > 0 && (up > threshold || down > threshold);

	e->direction = up >= down ? ALERT_DIR_UPLOAD : ALERT_DIR_DOWNLOAD;
	e->value = up >= down ? up : down;
	e->threshold = threshold;
	if (over) {
		w->below_since = -1;
		if (w->raised)
			return 0;
		w->raised = true;
		e->cleared = false;
		return add_event(a, e);
	}
	if (!w->raised)
		return 0;
	/* Under since the start of this tick's interval, not its end. */
	if (w->below_since < 0)
		w->below_since = a->clock - a->interval;
	if (a->clock - w->below_since < a->cfg.hold && threshold > 0)
		return 0;
	w->raised = false;
	w->below_since = -1;
	e->cleared = true;
	return add_event(a, e);
}

/*
 * Processes, interfaces and quota names are kept sorted and found by binary
 * search. Entries first seen in a tick are appended, then sorted in once:
 * n log n a tick, where inserting each in place would move the array n times.
 */
static int watched_proc_cmp(const void *x, const void *y)
{
	const struct watched *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return 0;
}

static int watched_name_cmp(const void *x, const void *y)
{
	return strcmp(((const struct watched *)x)->name, ((const struct watched *)y)->name);
}

static struct watched *watched_append(struct watched **arr, size_t *n, size_t *cap)
{
	struct watched *w;

	if (array_grow((void **)arr, cap, *n + 1, sizeof(**arr)))
		return NULL;
	w = &(*arr)[(*n)++];
	memset(w, 0, sizeof(*w));
	w->below_since = -1;
	return w;
}

static struct watched *find_proc(const struct alerts *a, const struct process_stats *p)
{
	struct watched key = { .pid = p->pid, .start_ns = p->start_ns };

	return array_find(&key, a->procs, a->nprocs, sizeof(*a->procs), watched_proc_cmp);
}

/* Watched entries for this tick's new processes. 0 or -ENOMEM. */
static int add_new_procs(struct alerts *a, const struct snapshot *s)
{
	size_t known = a->nprocs;

	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *p = &s->procs[i];
		struct watched key = { .pid = p->pid, .start_ns = p->start_ns }, *w;

		if (array_find(&key, a->procs, known, sizeof(*a->procs), watched_proc_cmp))
			continue;
		w = watched_append(&a->procs, &a->nprocs, &a->procs_cap);
		if (!w)
			return -ENOMEM;
		w->pid = p->pid;
		w->start_ns = p->start_ns;
	}
	if (a->nprocs != known)
		qsort(a->procs, a->nprocs, sizeof(*a->procs), watched_proc_cmp);
	return 0;
}

static struct watched *find_iface(const struct alerts *a, const char *name)
{
	struct watched key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return array_find(&key, a->ifaces, a->nifaces, sizeof(*a->ifaces), watched_name_cmp);
}

static int add_new_ifaces(struct alerts *a, const struct snapshot *s)
{
	size_t known = a->nifaces;

	for (size_t i = 0; i < s->nifaces; i++) {
		struct watched key, *w;

		snprintf(key.name, sizeof(key.name), "%s", s->ifaces[i].name);
		if (array_find(&key, a->ifaces, known, sizeof(*a->ifaces), watched_name_cmp))
			continue;
		w = watched_append(&a->ifaces, &a->nifaces, &a->ifaces_cap);
		if (!w)
			return -ENOMEM;
		snprintf(w->name, sizeof(w->name), "%s", s->ifaces[i].name);
	}
	if (a->nifaces != known)
		qsort(a->ifaces, a->nifaces, sizeof(*a->ifaces), watched_name_cmp);
	return 0;
}

/* src may be shorter than NH_COMM_LEN (a name read back from the database): never read past it. */
static void copy_comm(char *dst, const char *src)
{
	size_t n = strnlen(src, NH_COMM_LEN - 1);

	memcpy(dst, src, n);
	memset(dst + n, 0, NH_COMM_LEN - n);
}

static int update_processes(struct alerts *a, const struct snapshot *s)
{
	size_t out = 0;

	if (add_new_procs(a, s))
		return -ENOMEM;
	for (size_t i = 0; i < a->nprocs; i++)
		a->procs[i].seen = false;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *p = &s->procs[i];
		struct alert_event e = {.when = s->wall.tv_sec, .kind = ALERT_PROCESS_RATE,
					.pid = p->pid, .start_ns = p->start_ns};
		struct watched *w;

		/*
		 * An exited process is judged on its final bytes too: a sender
		 * that moves most of its data in the tick it exits in (or lives
		 * less than a tick) would otherwise never raise. It is reported
		 * once, so the next tick's sweep below clears what it raised.
		 */
		w = find_proc(a, p); /* added by add_new_procs */
		if (!w || watched_sample(w, a->width, p->all.tx_bytes, p->all.rx_bytes, s->interval))
			return -ENOMEM;
		w->seen = true;
		copy_comm(w->name, p->comm);
		copy_comm(e.comm, p->comm);
		if (judge(a, w, a->cfg.process_rate, &e))
			return -ENOMEM;
	}
	for (size_t i = 0; i < a->nprocs; i++) {
		struct watched *w = &a->procs[i];

		if (w->seen) {
			a->procs[out++] = *w;
			continue;
		}
		if (w->raised) {
			struct alert_event e = {.when = s->wall.tv_sec, .kind = ALERT_PROCESS_RATE,
						.cleared = true, .pid = w->pid,
						.start_ns = w->start_ns,
						.threshold = a->cfg.process_rate};

			copy_comm(e.comm, w->name);
			if (add_event(a, &e))
				return -ENOMEM;
		}
		watched_free(w);
	}
	a->nprocs = out;
	return 0;
}

static int update_interfaces(struct alerts *a, const struct snapshot *s)
{
	if (a->cfg.interface_rate <= 0)
		return 0;
	size_t out = 0;

	if (add_new_ifaces(a, s))
		return -ENOMEM;
	for (size_t i = 0; i < a->nifaces; i++)
		a->ifaces[i].seen = false;
	for (size_t i = 0; i < s->nifaces; i++) {
		const struct interface_stats *f = &s->ifaces[i];
		struct alert_event e = {.when = s->wall.tv_sec, .kind = ALERT_INTERFACE_RATE};
		struct watched *w = find_iface(a, f->name);

		if (!w || watched_sample(w, a->width, f->bytes.tx_bytes, f->bytes.rx_bytes,
					 s->interval))
			return -ENOMEM;
		w->seen = true;
		snprintf(e.interface, sizeof(e.interface), "%s", f->name);
		if (judge(a, w, a->cfg.interface_rate, &e))
			return -ENOMEM;
	}
	/* An interface that is gone is forgotten (container hosts churn veths); its alert clears. */
	for (size_t i = 0; i < a->nifaces; i++) {
		struct watched *w = &a->ifaces[i];

		if (w->seen) {
			a->ifaces[out++] = *w;
			continue;
		}
		if (w->raised) {
			struct alert_event e = {.when = s->wall.tv_sec, .kind = ALERT_INTERFACE_RATE,
						.cleared = true, .threshold = a->cfg.interface_rate};

			snprintf(e.interface, sizeof(e.interface), "%s", w->name);
			if (add_event(a, &e))
				return -ENOMEM;
		}
		watched_free(w);
	}
	a->nifaces = out;
	return 0;
}

static int update_total(struct alerts *a, const struct snapshot *s)
{
	struct alert_event e = {.when = s->wall.tv_sec, .kind = ALERT_TOTAL_RATE};

	if (a->cfg.total_rate <= 0)
		return 0;
	if (watched_sample(&a->total, a->width, s->totals.tx_bytes, s->totals.rx_bytes,
			   s->interval))
		return -ENOMEM;
	return judge(a, &a->total, a->cfg.total_rate, &e);
}

/* A process's bytes under a group name, for one tick. */
struct group_sample {
	const char *name;
	uint64_t up, down;
};

static int sample_cmp(const void *a, const void *b)
{
	return strcmp(((const struct group_sample *)a)->name,
		      ((const struct group_sample *)b)->name);
}

static const char *group_of(enum alert_kind kind, const struct process_stats *p)
{
	return kind == ALERT_UNIT_RATE ? p->ident.unit : process_container_label(&p->ident);
}

static void group_event(const struct group_set *g, const struct group_watch *gw, time_t when,
			struct alert_event *e)
{
	memset(e, 0, sizeof(*e));
	e->when = when;
	e->kind = g->kind;
	snprintf(e->group, sizeof(e->group), "%s", gw->name);
}

/*
 * Units or containers: the tick's bytes summed per name (sorted: n log n),
 * merged with the sorted groups watched so far. A group without bytes this
 * tick gets a zero sample, and is forgotten once its window is empty and no
 * alert of it is raised.
 */
static int update_groups(struct alerts *a, struct group_set *g, double threshold,
			 const struct snapshot *s)
{
	struct group_sample *samples;
	struct group_watch *merged;
	size_t n = 0, m = 0, i = 0, j = 0;
	int rc = 0;

	if (threshold <= 0 && !g->n)
		return 0;
	samples = calloc(s->nprocs + 1, sizeof(*samples));
	merged = calloc(g->n + s->nprocs + 1, sizeof(*merged));
	if (!samples || !merged) {
		free(samples);
		free(merged);
		return -ENOMEM;
	}
	for (size_t k = 0; k < s->nprocs; k++) {
		const char *name = group_of(g->kind, &s->procs[k]);

		if (name && *name)
			samples[n++] = (struct group_sample){ name, s->procs[k].all.tx_bytes,
							      s->procs[k].all.rx_bytes };
	}
	qsort(samples, n, sizeof(*samples), sample_cmp);
	while (rc == 0 && (i < n || j < g->n)) {
		int c = i == n ? 1 : j == g->n ? -1 : strcmp(samples[i].name, g->items[j].name);
		uint64_t up = 0, down = 0;
		struct group_watch gw;
		struct alert_event e;

		if (c <= 0) {
			const char *name = samples[i].name;

			for (; i < n && strcmp(samples[i].name, name) == 0; i++) {
				up += samples[i].up;
				down += samples[i].down;
			}
		}
		if (c < 0) {
			memset(&gw, 0, sizeof(gw));
			gw.name = strdup(samples[i - 1].name);
			gw.w.below_since = -1;
			if (!gw.name) {
				rc = -ENOMEM;
				break;
			}
		} else {
			gw = g->items[j++];
		}
		if (watched_sample(&gw.w, a->width, up, down, s->interval)) {
			rc = -ENOMEM;
		} else {
			group_event(g, &gw, s->wall.tv_sec, &e);
			rc = judge(a, &gw.w, threshold, &e);
		}
		if (!gw.w.raised && gw.w.sum[0] == 0 && gw.w.sum[1] == 0 && rc == 0) {
			free(gw.name);
			watched_free(&gw.w);
			continue;
		}
		merged[m++] = gw;
	}
	/* Out of memory midway: what was not merged yet is kept as it was. */
	for (; j < g->n; j++)
		merged[m++] = g->items[j];
	free(samples);
	free(g->items);
	g->items = merged;
	g->n = m;
	g->cap = m;
	return rc;
}

/* The quotas count UTC days: a new day starts every name from zero. */
static void quota_day_begins(struct alerts *a, time_t now)
{
	long day = (long)(now / 86400);

	if (day != a->quota_day) {
		a->nquotas = 0;
		a->quota_day = day;
	}
}

static int quota_cmp(const void *x, const void *y)
{
	return strncmp(((const struct quota *)x)->comm, ((const struct quota *)y)->comm,
		       NH_COMM_LEN);
}

static struct quota *quota_append(struct alerts *a, const char *comm)
{
	struct quota *q;

	if (array_grow((void **)&a->quotas, &a->quotas_cap, a->nquotas + 1, sizeof(*a->quotas)))
		return NULL;
	q = &a->quotas[a->nquotas++];
	memset(q, 0, sizeof(*q));
	copy_comm(q->comm, comm);
	return q;
}

/* Sort what was appended in, adding up the counts of a name that came twice. */
static void quotas_settle(struct alerts *a)
{
	size_t kept = 0;

	if (a->nquotas) /* else quotas may be NULL, which qsort() must not get */
		qsort(a->quotas, a->nquotas, sizeof(*a->quotas), quota_cmp);
	for (size_t i = 0; i < a->nquotas; i++) {
		if (kept && quota_cmp(&a->quotas[kept - 1], &a->quotas[i]) == 0) {
			a->quotas[kept - 1].bytes += a->quotas[i].bytes;
			a->quotas[kept - 1].raised |= a->quotas[i].raised;
			continue;
		}
		a->quotas[kept++] = a->quotas[i];
	}
	a->nquotas = kept;
	a->quotas_sorted = true;
}

/* Today's count for a process name; all of this tick's names were added beforehand. */
static struct quota *quota_of(const struct alerts *a, const char *comm)
{
	struct quota key;

	copy_comm(key.comm, comm);
	return array_find(&key, a->quotas, a->nquotas, sizeof(*a->quotas), quota_cmp);
}

int alerts_seed_quota(struct alerts *a, time_t now, const char *comm, uint64_t bytes,
		      bool already_raised)
{
	struct quota *q;

	if (!a->cfg.daily_quota)
		return 0;
	quota_day_begins(a, now);
	/* Appended now, sorted in (and merged with the same name) before the next tick. */
	q = quota_append(a, comm);
	if (!q)
		return -ENOMEM;
	q->bytes = bytes;
	q->raised = already_raised;
	a->quotas_sorted = false;
	return 0;
}

/* Bytes per process name since UTC midnight; one alert per name and day. */
static int update_quotas(struct alerts *a, const struct snapshot *s)
{
	size_t known;

	if (!a->cfg.daily_quota)
		return 0;
	quota_day_begins(a, s->wall.tv_sec);
	if (!a->quotas_sorted)
		quotas_settle(a);
	known = a->nquotas;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *p = &s->procs[i];
		struct quota key;

		copy_comm(key.comm, p->comm);
		if (!(p->all.tx_bytes + p->all.rx_bytes) ||
		    array_find(&key, a->quotas, known, sizeof(*a->quotas), quota_cmp))
			continue;
		if (!quota_append(a, p->comm))
			return -ENOMEM;
	}
	if (a->nquotas != known)
		quotas_settle(a);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *p = &s->procs[i];
		uint64_t bytes = p->all.tx_bytes + p->all.rx_bytes;
		struct quota *q;

		if (!bytes)
			continue;
		q = quota_of(a, p->comm);
		if (!q)
			return -ENOMEM;
		q->bytes += bytes;
		if (!q->raised && q->bytes > a->cfg.daily_quota) {
			struct alert_event e = {.when = s->wall.tv_sec, .kind = ALERT_DAILY_QUOTA,
						.value = (double)q->bytes,
						.threshold = (double)a->cfg.daily_quota};

			copy_comm(e.comm, q->comm);
			q->raised = true;
			if (add_event(a, &e))
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Raised in the first tick any map's drop counter grows, naming the maps
 * that dropped; cleared once none has grown for the hold time. A flood
 * that keeps a map full is one alert, not one per tick.
 */
static int update_drops(struct alerts *a, const struct snapshot *s)
{
	struct alert_event e = { .when = s->wall.tv_sec, .kind = ALERT_MAP_DROPS };
	uint64_t grown = 0;
	size_t used = 0;

	for (unsigned m = 0; m < NH_DROP_MAPS; m++) {
		uint64_t now = snapshot_map_drops(s, m);

		if (now > a->drops_seen[m]) {
			grown += now - a->drops_seen[m];
			if (!a->drops_raised && used < sizeof(a->drops_maps))
				used += (size_t)snprintf(a->drops_maps + used,
							 sizeof(a->drops_maps) - used, "%s%s",
							 used ? "," : "",
							 snapshot_drop_map_name(m));
		}
		a->drops_seen[m] = now;
	}
	if (grown) {
		a->drops_quiet_since = -1;
		if (a->drops_raised)
			return 0;
		a->drops_raised = true;
		e.value = (double)grown;
		snprintf(e.group, sizeof(e.group), "%s", a->drops_maps);
		return add_event(a, &e);
	}
	if (!a->drops_raised)
		return 0;
	if (a->drops_quiet_since < 0)
		a->drops_quiet_since = a->clock - a->interval;
	if (a->clock - a->drops_quiet_since < a->cfg.hold)
		return 0;
	a->drops_raised = false;
	e.cleared = true;
	snprintf(e.group, sizeof(e.group), "%s", a->drops_maps);
	a->drops_maps[0] = '\0';
	return add_event(a, &e);
}

const struct alert_event *alerts_update(struct alerts *a, const struct snapshot *s, size_t *n)
{
	a->nevents = 0;
	a->clock += s->interval;
	a->interval = s->interval;
	errno = 0;
	if (update_processes(a, s) || update_interfaces(a, s) || update_total(a, s) ||
	    update_groups(a, &a->units, a->cfg.unit_rate, s) ||
	    update_groups(a, &a->containers, a->cfg.container_rate, s) || update_quotas(a, s) ||
	    update_drops(a, s)) {
		errno = ENOMEM;
		*n = 0;
		return NULL;
	}
	*n = a->nevents;
	return a->nevents ? a->events : NULL;
}

const struct alert_event *alerts_active(const struct alerts *a, size_t *n)
{
	*n = a->nactive;
	return a->nactive ? a->active : NULL;
}
