// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/text.h"
#include "sinks/metrics/metrics_model.h"

#define PROTOCOL_NAME_LEN 16

struct iface_key {
	char name[IF_NAMESIZE];
};

struct protocol_key {
	char name[PROTOCOL_NAME_LEN];
};

int metrics_state_init(struct metrics_state *s, size_t max_series)
{
	memset(s, 0, sizeof(*s));
	s->extra.tick_seconds = -1;
	metrics_table_init(&s->procs, sizeof(struct metrics_process_key), max_series);
	metrics_table_init(&s->ifaces, sizeof(struct iface_key), max_series);
	/* Protocol classes are a short fixed list (applications and L4 names). */
	metrics_table_init(&s->protocols, sizeof(struct protocol_key), 256);
	return 0;
}

void metrics_state_free(struct metrics_state *s)
{
	metrics_table_free(&s->procs);
	metrics_table_free(&s->ifaces);
	metrics_table_free(&s->protocols);
	free(s->programs);
	free(s->held);
}

static void printable_key(char *dst, size_t dstlen, const char *src, size_t srcmax)
{
	memset(dst, 0, dstlen);
	text_printable(dst, dstlen, src, strnlen(src, srcmax));
}

static int held_cmp(const void *x, const void *y)
{
	const struct metrics_held *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

/* Held processes of earlier ticks (the first n, sorted). */
static struct metrics_held *held_find(const struct metrics_state *s, size_t n,
				      const struct process_stats *p)
{
	struct metrics_held key = { .pid = p->pid, .start_ns = p->start_ns };

	return array_find(&key, s->held, n, sizeof(*s->held), held_cmp);
}

static void process_key(struct metrics_process_key *key, const struct process_stats *p)
{
	const char *container = p->ident.container_name ? p->ident.container_name
							 : p->ident.container_id;

	memset(key, 0, sizeof(*key));
	printable_key(key->name, sizeof(key->name), p->comm, sizeof(p->comm));
	key->uid = p->uid;
	if (p->ident.unit)
		printable_key(key->unit, sizeof(key->unit), p->ident.unit, strlen(p->ident.unit));
	if (container)
		printable_key(key->container, sizeof(key->container), container,
			      strlen(container));
}

/*
 * Each process's bytes into the series of its labels. One whose identity is
 * pending is held (sorted in at the end of the tick: n log n) until it is
 * known, it exits, or it has waited METRICS_HOLD_TICKS.
 */
static int add_processes(struct metrics_state *s, const struct snapshot *snap)
{
	size_t held_before = s->nheld, kept = 0;

	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct process_stats *p = &snap->procs[i];
		uint64_t v[4] = {p->all.tx_bytes, p->all.rx_bytes, p->wire.tx_bytes,
				 p->wire.rx_bytes};
		struct metrics_held *h = held_find(s, held_before, p);
		struct metrics_process_key key;

		process_key(&key, p);
		if (h) {
			for (int k = 0; k < 4; k++)
				v[k] += h->v[k];
			h->released = true;
		}
		/* A series appears when a process first moves bytes, not for every idle one. */
		if (!(v[0] | v[1] | v[2] | v[3]))
			continue;
		if (p->ident.pending && !p->exited && (!h || h->ticks < METRICS_HOLD_TICKS) &&
		    (h || s->nheld < METRICS_HOLD_MAX)) {
			if (!h) {
				if (array_grow((void **)&s->held, &s->held_cap, s->nheld + 1,
					       sizeof(*s->held)))
					return -ENOMEM;
				h = &s->held[s->nheld++];
				*h = (struct metrics_held){ .pid = p->pid, .start_ns = p->start_ns };
			}
			h->key = key;
			memcpy(h->v, v, sizeof(h->v));
			h->released = false;
			continue;
		}
		if (metrics_table_add(&s->procs, &key, v, 4))
			return -ENOMEM;
	}
	/*
	 * Held entries age. One whose process was not in this snapshot (filtered
	 * out, or gone) is counted under its name and user when its time is up.
	 */
	for (size_t i = 0; i < s->nheld; i++) {
		struct metrics_held *h = &s->held[i];

		if (h->released)
			continue;
		if (++h->ticks > METRICS_HOLD_TICKS) {
			if (metrics_table_add(&s->procs, &h->key, h->v, 4))
				return -ENOMEM;
			continue;
		}
		s->held[kept++] = *h;
	}
	s->nheld = kept;
	if (s->nheld)
		qsort(s->held, s->nheld, sizeof(*s->held), held_cmp);
	return 0;
}

static int add_interfaces(struct metrics_state *s, const struct snapshot *snap)
{
	for (size_t i = 0; i < snap->nifaces; i++) {
		const struct interface_stats *f = &snap->ifaces[i];
		uint64_t v[6] = {f->bytes.tx_bytes,	   f->bytes.rx_bytes,
				 f->packets.tx_bytes,	   f->packets.rx_bytes,
				 f->unattributed.tx_bytes, f->unattributed.rx_bytes};
		struct iface_key key;

		printable_key(key.name, sizeof(key.name), f->name, sizeof(f->name));
		if (metrics_table_add(&s->ifaces, &key, v, 6))
			return -ENOMEM;
	}
	return 0;
}

/* The store's protocol split: the flow's application, else the port's, else the L4 name. */
static int add_protocols(struct metrics_state *s, const struct snapshot *snap)
{
	for (size_t k = 0; k < snap->nprotocols; k++) {
		const struct protocol_bytes *p = &snap->protocols[k];
		uint64_t v[2] = {p->tx_bytes, p->rx_bytes};
		struct protocol_key key;

		if (!v[0] && !v[1])
			continue;
		memset(&key, 0, sizeof(key));
		snprintf(key.name, sizeof(key.name), "%s", p->name);
		if (metrics_table_add(&s->protocols, &key, v, 2))
			return -ENOMEM;
	}
	return 0;
}

int metrics_state_update(struct metrics_state *s, const struct snapshot *snap, bool running,
			 const struct metrics_extra *extra)
{
	if (running &&
	    (add_processes(s, snap) || add_interfaces(s, snap) || add_protocols(s, snap)))
		return -ENOMEM;
	memcpy(s->drops, snap->drops, sizeof(s->drops));
	memcpy(s->wire_drops, snap->wire_drops, sizeof(s->wire_drops));
	memset(s->alerts_active, 0, sizeof(s->alerts_active));
	for (size_t i = 0; i < snap->nalerts; i++)
		if (snap->alerts[i].kind < ALERT_KIND_MAX)
			s->alerts_active[snap->alerts[i].kind]++;
	s->ticks++;
	if (extra) {
		if (extra->nprograms > s->programs_cap) {
			struct pipeline_program *p =
			    realloc(s->programs, extra->nprograms * sizeof(*p));

			if (!p)
				return -ENOMEM;
			s->programs = p;
			s->programs_cap = extra->nprograms;
		}
		s->extra = *extra;
		if (extra->nprograms)
			memcpy(s->programs, extra->programs,
			       extra->nprograms * sizeof(s->programs[0]));
	}
	s->extra.programs = NULL; /* the frame reads s->programs */
	return 0;
}

struct metrics_frame *metrics_frame_new(const struct metrics_state *s, uint64_t generation,
					const char *hooks, const char *tc, double start_time)
{
	struct metrics_frame *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (metrics_table_copy(&f->procs, &s->procs) ||
	    metrics_table_copy(&f->ifaces, &s->ifaces) ||
	    metrics_table_copy(&f->protocols, &s->protocols)) {
		metrics_frame_free(f);
		return NULL;
	}
	f->generation = generation;
	f->refs = 1;
	memcpy(f->drops, s->drops, sizeof(f->drops));
	memcpy(f->wire_drops, s->wire_drops, sizeof(f->wire_drops));
	memcpy(f->alerts_active, s->alerts_active, sizeof(f->alerts_active));
	f->ticks = s->ticks;
	f->max_series = s->procs.max;
	f->extra = s->extra;
	if (s->extra.nprograms) {
		f->programs = malloc(s->extra.nprograms * sizeof(f->programs[0]));
		if (!f->programs) {
			metrics_frame_free(f);
			return NULL;
		}
		memcpy(f->programs, s->programs, s->extra.nprograms * sizeof(f->programs[0]));
	}
	f->start_time = start_time;
	snprintf(f->hooks, sizeof(f->hooks), "%s", hooks ? hooks : "");
	snprintf(f->tc, sizeof(f->tc), "%s", tc ? tc : "");
	return f;
}

void metrics_frame_free(struct metrics_frame *f)
{
	if (!f)
		return;
	metrics_table_free(&f->procs);
	metrics_table_free(&f->ifaces);
	metrics_table_free(&f->protocols);
	free(f->programs);
	free(f);
}

const char *metrics_content_type(enum metrics_format fmt)
{
	return fmt == METRICS_FORMAT_OPENMETRICS
		   ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
		   : "text/plain; version=0.0.4; charset=utf-8";
}

/* Rendering. An allocation failure sets failed; the caller checks once at the end. */

struct out {
	struct metrics_text *t;
	enum metrics_format fmt;
	bool failed;
};

static void reserve(struct out *o, size_t more)
{
	struct metrics_text *t = o->t;
	char *buf;
	size_t cap;

	if (o->failed || t->len + more < t->cap)
		return;
	cap = t->cap ? t->cap : 4096;
	while (cap <= t->len + more)
		cap *= 2;
	buf = realloc(t->buf, cap);
	if (!buf) {
		o->failed = true;
		return;
	}
	t->buf = buf;
	t->cap = cap;
}

static void put(struct out *o, const char *s, size_t n)
{
	reserve(o, n + 1);
	if (o->failed)
		return;
	memcpy(o->t->buf + o->t->len, s, n);
	o->t->len += n;
	o->t->buf[o->t->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	reserve(o, 128);
	if (o->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->t->buf + o->t->len, o->t->cap - o->t->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->failed = true;
		return;
	}
	if ((size_t)n >= o->t->cap - o->t->len) {
		reserve(o, (size_t)n + 1);
		if (o->failed)
			return;
		va_start(ap, fmt);
		vsnprintf(o->t->buf + o->t->len, o->t->cap - o->t->len, fmt, ap);
		va_end(ap);
	}
	o->t->len += (size_t)n;
}

void metrics_escape_label(struct metrics_text *t, const char *s)
{
	struct out o = {.t = t};

	for (; *s; s++) {
		if (*s == '\\')
			put(&o, "\\\\", 2);
		else if (*s == '"')
			put(&o, "\\\"", 2);
		else if (*s == '\n')
			put(&o, "\\n", 2);
		else
			put(&o, s, 1);
	}
}

static void label(struct out *o, bool first, const char *name, const char *value)
{
	if (!first)
		put(o, ",", 1);
	puts_(o, name);
	put(o, "=\"", 2);
	if (o->failed)
		return;
	metrics_escape_label(o->t, value);
	put(o, "\"", 1);
}

enum kind { COUNTER, GAUGE, INFO };

struct family {
	const char *name; /* without _total; with _info for INFO */
	enum kind kind;
	const char *unit; /* the name's last word when it is a base unit, else NULL */
	const char *help;
};

/* HELP and TYPE (and UNIT in OpenMetrics); the sample name goes to sample. */
static void header(struct out *o, const struct family *f, char *sample, size_t len)
{
	bool om = o->fmt == METRICS_FORMAT_OPENMETRICS;
	const char *type = f->kind == COUNTER	   ? "counter"
			   : f->kind == INFO && om ? "info"
						   : "gauge";
	char family[128];

	snprintf(sample, len, "%s%s", f->name, f->kind == COUNTER ? "_total" : "");
	if (om)
		snprintf(family, sizeof(family), "%.*s",
			 (int)(strlen(f->name) - (f->kind == INFO ? strlen("_info") : 0)), f->name);
	else
		snprintf(family, sizeof(family), "%s", sample);
	putf(o, "# HELP %s %s\n# TYPE %s %s\n", family, f->help, family, type);
	if (om && f->unit)
		putf(o, "# UNIT %s %s\n", family, f->unit);
}

static void value_u64(struct out *o, uint64_t v)
{
	putf(o, " %" PRIu64 "\n", v);
}

/* Label text of every process series ("name=\"curl\",user=\"root\",unit=...""), offsets in at. */
static size_t *process_labels(struct out *o, const struct metrics_frame *f,
			      metrics_user_name_fn *user_name, void *user_ctx,
			      struct metrics_text *labels)
{
	size_t *at = calloc(f->procs.n + 1, sizeof(*at));
	struct out lo = {.t = labels, .fmt = o->fmt};

	if (!at) {
		o->failed = true;
		return NULL;
	}
	for (size_t i = 0; i < f->procs.n; i++) {
		const struct metrics_process_key *k = metrics_table_key(&f->procs, i);
		const char *user = user_name ? user_name(user_ctx, k->uid) : NULL;
		char uid[16], shown[256];

		if (user) {
			text_printable(shown, sizeof(shown), user, strlen(user));
		} else {
			snprintf(uid, sizeof(uid), "%" PRIu32, k->uid);
			snprintf(shown, sizeof(shown), "%s", uid);
		}
		at[i] = labels->len;
		label(&lo, true, "name", k->name);
		label(&lo, false, "user", shown);
		/* Absent, not empty, where none applies: the two are the same to Prometheus. */
		if (k->unit[0])
			label(&lo, false, "unit", k->unit);
		if (k->container[0])
			label(&lo, false, "container", k->container);
		put(&lo, "", 0); /* writes the NUL that ends this label string */
		if (lo.failed)
			break;
		labels->len++; /* keep the NUL: each label string stands alone */
	}
	if (lo.failed) {
		o->failed = true;
		free(at);
		return NULL;
	}
	return at;
}

static const struct family process_families[] = {
    [MP_TX] = {"nethound_process_transmit_bytes", COUNTER, "bytes",
	       "Payload bytes sent by processes of this name and user since nethound started."},
    [MP_RX] = {"nethound_process_receive_bytes", COUNTER, "bytes",
	       "Payload bytes received by processes of this name and user since nethound "
	       "started."},
    [MP_WIRE_TX] = {"nethound_process_wire_transmit_bytes", COUNTER, "bytes",
		    "Frame bytes of these processes' flows sent on monitored interfaces."},
    [MP_WIRE_RX] = {"nethound_process_wire_receive_bytes", COUNTER, "bytes",
		    "Frame bytes of these processes' flows received on monitored "
		    "interfaces."},
};

static void render_processes(struct out *o, const struct metrics_frame *f,
			     metrics_user_name_fn *user_name, void *user_ctx)
{
	struct metrics_text labels = {0};
	size_t *at = process_labels(o, f, user_name, user_ctx, &labels);
	char sample[128];

	if (!at)
		goto out;
	for (size_t m = 0; m < 4; m++) {
		header(o, &process_families[m], sample, sizeof(sample));
		for (size_t i = 0; i < f->procs.n; i++) {
			putf(o, "%s{%s}", sample, labels.buf + at[i]);
			value_u64(o, metrics_table_values(&f->procs, i)[m]);
		}
		/* Series past --metrics-max-series, with a label no real series has. */
		if (f->procs.other_used) {
			putf(o, "%s{name=\"other\",user=\"other\",folded=\"true\"}", sample);
			value_u64(o, f->procs.other[m]);
		}
	}
out:
	free(at);
	free(labels.buf);
}

static const struct family iface_families[] = {
    [MI_TX] = {"nethound_interface_transmit_bytes", COUNTER, "bytes",
	       "Frame bytes sent on the interface, as TC sees them."},
    [MI_RX] = {"nethound_interface_receive_bytes", COUNTER, "bytes",
	       "Frame bytes received on the interface, as TC sees them."},
    [MI_TX_PACKETS] = {"nethound_interface_transmit_packets", COUNTER, NULL,
		       "Frames sent on the interface."},
    [MI_RX_PACKETS] = {"nethound_interface_receive_packets", COUNTER, NULL,
		       "Frames received on the interface."},
    [MI_UNATTR_TX] = {"nethound_interface_unattributed_transmit_bytes", COUNTER, "bytes",
		      "Frame bytes sent that no local socket owns (forwarding, ARP, ...)."},
    [MI_UNATTR_RX] = {"nethound_interface_unattributed_receive_bytes", COUNTER, "bytes",
		      "Frame bytes received that no local socket owns."},
};

static void render_keyed(struct out *o, const struct metrics_table *t, const struct family *fam,
			 size_t nfam, const char *label_name)
{
	char sample[128];

	for (size_t m = 0; m < nfam; m++) {
		header(o, &fam[m], sample, sizeof(sample));
		for (size_t i = 0; i < t->n; i++) {
			putf(o, "%s{", sample);
			label(o, true, label_name, metrics_table_key(t, i));
			put(o, "}", 1);
			value_u64(o, metrics_table_values(t, i)[m]);
		}
		if (t->other_used) {
			putf(o, "%s{%s=\"other\",folded=\"true\"}", sample, label_name);
			value_u64(o, t->other[m]);
		}
	}
}

static const struct family protocol_families[] = {
    {"nethound_protocol_transmit_bytes", COUNTER, "bytes",
     "Payload bytes sent per protocol class: the application its flow was recognised as, "
     "else a well-known port's, else the L4 protocol."},
    {"nethound_protocol_receive_bytes", COUNTER, "bytes",
     "Payload bytes received per protocol class."},
};

static void render_own(struct out *o, const struct metrics_frame *f, int bpf_stats_enabled)
{
	static const struct family drops = {"nethound_drops", COUNTER, NULL,
					    "Updates lost because a BPF map was full."};
	static const struct family alerts = {"nethound_alerts_active", GAUGE, NULL,
					     "Alerts raised and not cleared, by type."};
	static const struct family folded = {
	    "nethound_metrics_series_folded", COUNTER, NULL,
	    "Distinct label sets folded into the 'other' series past --metrics-max-series."};
	static const struct family series = {"nethound_metrics_series", GAUGE, NULL,
					     "Series kept, by table."};
	static const struct family max = {"nethound_metrics_max_series", GAUGE, NULL,
					  "Series kept at most per table (--metrics-max-series)."};
	static const struct family run_time = {
	    "nethound_bpf_program_run_seconds", COUNTER, "seconds",
	    "Time the kernel spent in this BPF program (counts only while bpf_stats is on)."};
	static const struct family runs = {"nethound_bpf_program_runs", COUNTER, NULL,
					   "Runs of this BPF program (counts only while "
					   "bpf_stats is on)."};
	static const struct family stats_on = {"nethound_bpf_stats_enabled", GAUGE, NULL,
					       "1 if kernel.bpf_stats_enabled is on."};
	static const struct family ticks = {"nethound_ticks", COUNTER, NULL,
					    "Snapshots taken since nethound started."};
	static const struct family tick_dur = {
	    "nethound_tick_duration_seconds", GAUGE, "seconds",
	    "Duration of the last tick: collect, alerts, sinks."};
	static const struct family backlog = {"nethound_store_backlog_ticks", GAUGE, NULL,
					      "Ticks waiting to be written to the database."};
	static const struct family start = {"nethound_start_time_seconds", GAUGE, "seconds",
					    "Unix time nethound started counting."};
	static const struct family build = {"nethound_build_info", INFO, NULL,
					    "nethound's version and how it attached."};
	char sample[128];

	header(o, &drops, sample, sizeof(sample));
	for (unsigned i = 0; i < NH_DROP_MAPS; i++) {
		putf(o, "%s{map=\"%s\"}", sample, snapshot_drop_map_name(i));
		value_u64(o, i < NH_DROP_MAX ? f->drops[i] : f->wire_drops[i - NH_DROP_MAX]);
	}
	header(o, &alerts, sample, sizeof(sample));
	for (size_t i = 0; i < ALERT_KIND_MAX; i++) {
		putf(o, "%s{type=\"%s\"}", sample, alert_kind_name((enum alert_kind)i));
		value_u64(o, f->alerts_active[i]);
	}
	header(o, &folded, sample, sizeof(sample));
	putf(o, "%s{table=\"process\"}", sample);
	value_u64(o, f->procs.folded_total);
	putf(o, "%s{table=\"interface\"}", sample);
	value_u64(o, f->ifaces.folded_total);
	header(o, &series, sample, sizeof(sample));
	putf(o, "%s{table=\"process\"} %zu\n", sample, f->procs.n + f->procs.other_used);
	putf(o, "%s{table=\"interface\"} %zu\n", sample, f->ifaces.n + f->ifaces.other_used);
	header(o, &max, sample, sizeof(sample));
	putf(o, "%s %zu\n", sample, f->max_series);
	if (f->extra.nprograms) {
		header(o, &run_time, sample, sizeof(sample));
		for (size_t i = 0; i < f->extra.nprograms; i++) {
			putf(o, "%s{program=\"%s\"} %" PRIu64 ".%09" PRIu64 "\n", sample,
			     f->programs[i].name, f->programs[i].run_time_ns / 1000000000u,
			     f->programs[i].run_time_ns % 1000000000u);
		}
		header(o, &runs, sample, sizeof(sample));
		for (size_t i = 0; i < f->extra.nprograms; i++) {
			putf(o, "%s{program=\"%s\"}", sample, f->programs[i].name);
			value_u64(o, f->programs[i].run_cnt);
		}
	}
	if (bpf_stats_enabled >= 0) {
		header(o, &stats_on, sample, sizeof(sample));
		putf(o, "%s %d\n", sample, bpf_stats_enabled);
	}
	header(o, &ticks, sample, sizeof(sample));
	putf(o, "%s", sample);
	value_u64(o, f->ticks);
	if (f->extra.tick_seconds >= 0) {
		header(o, &tick_dur, sample, sizeof(sample));
		putf(o, "%s %.9f\n", sample, f->extra.tick_seconds);
	}
	if (f->extra.has_backlog) {
		header(o, &backlog, sample, sizeof(sample));
		putf(o, "%s", sample);
		value_u64(o, f->extra.backlog);
	}
	header(o, &start, sample, sizeof(sample));
	putf(o, "%s %.3f\n", sample, f->start_time);
	header(o, &build, sample, sizeof(sample));
	putf(o, "%s{", sample);
	label(o, true, "version", NETHOUND_VERSION);
	label(o, false, "hooks", f->hooks);
	label(o, false, "tc", f->tc);
	puts_(o, "} 1\n");
}

int metrics_render(const struct metrics_frame *f, enum metrics_format fmt,
		   metrics_user_name_fn *user_name, void *user_ctx, int bpf_stats_enabled,
		   struct metrics_text *out)
{
	struct out o = {.t = out, .fmt = fmt};

	out->len = 0;
	reserve(&o, 4096 + f->procs.n * 400 + f->ifaces.n * 600);
	render_processes(&o, f, user_name, user_ctx);
	render_keyed(&o, &f->ifaces, iface_families, 6, "device");
	render_keyed(&o, &f->protocols, protocol_families, 2, "protocol");
	render_own(&o, f, bpf_stats_enabled);
	if (fmt == METRICS_FORMAT_OPENMETRICS)
		puts_(&o, "# EOF\n");
	return o.failed ? -ENOMEM : 0;
}
