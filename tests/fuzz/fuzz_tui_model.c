// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live view's model fed a stream decoded from the input: snapshots with
 * processes that come, go, exit and reuse PIDs under hostile names (ESC, C1,
 * bidi, invalid UTF-8, empty), users, units and containers, connections,
 * interfaces that vanish, byte counts up to 2^64 and any interval, between
 * the key actions (sort, filter, group, who, threshold, rates, reset, alerts).
 * After each step the model must hold together (rows keyed and unique, the
 * view filtered, ordered and grouped as it says, find and connections
 * agreeing with it) and every formatter must give a terminated line with
 * nothing a terminal would act on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts/alerts.h"
#include "fuzz_util.h"
#include "sinks/live/tui_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROCS_MAX 16
#define CONNS_MAX 8
#define IFACES_MAX 4
#define STEPS_MAX 200
#define LINE_LEN 512 /* what tui.c draws a table line from */
#define CANARY 0x5a

/* Names a terminal would act on, or that break UTF-8, and ordinary ones. */
static const char *const hostile[] = {
    "",		  "nginx",	 "\x1b[31mred",	 "\x1b]0;title\x07", "\xc2\x9b" "2J",
    "\xe2\x80\xae" "gnp.exe", "\xe2\x81\xa6x\xe2\x81\xa9", "\xff\xfe\xfd", "\xc3",
    "\xe2\x82",	  "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "a\tb\nc\rd",
    "\x7f\x08\x08", "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
    "\xed\xa0\x80", "\xc0\xaf",	 "NGINX",	     "ngin",
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

/* Bytes in an interval: small, by powers of 2^10, or any 64-bit value (a wrapped counter). */
static uint64_t fuzz_bytes(struct fuzz_input *in)
{
	uint8_t b = fuzz_u8(in);

	if (b == 0xff)
		return fuzz_u64(in);
	return (uint64_t)(b & 0x3f) << (b >> 6) * 10;
}

/* A rate (bytes/s) from 0 to far past any link. */
static double fuzz_rate(struct fuzz_input *in)
{
	uint8_t b = fuzz_u8(in);

	if (b < 16)
		return 0.0;
	if (b == 0xff)
		return (double)fuzz_u64(in);
	return (double)(b % 64) * (double)(1ULL << (b % 48));
}

/* A name: hostile pieces glued together, raw input bytes, or a plain one; cut to max. */
static void fuzz_name(struct fuzz_input *in, char *dst, size_t max)
{
	uint8_t b = fuzz_u8(in);
	size_t used = 0;

	memset(dst, 0, max);
	switch (b & 3) {
	case 0:
		snprintf(dst, max, "p%u", b >> 2);
		break;
	case 1: /* raw bytes, possibly with no NUL at all in a comm */
		for (size_t i = 0; i < max; i++)
			dst[i] = (char)fuzz_u8(in);
		break;
	default:
		for (int k = (b >> 2) % 5 + 1; k > 0; k--) {
			const char *piece = hostile[fuzz_u8(in) % NHOSTILE];
			size_t n = strlen(piece);

			if (used + n > max)
				n = max - used;
			memcpy(dst + used, piece, n);
			used += n;
		}
		break;
	}
}

/* An identity name (user, unit, container): NULL, or NUL-terminated bytes as found. */
static char *fuzz_label(struct fuzz_input *in, char *pool, size_t *used, size_t room)
{
	uint8_t b = fuzz_u8(in);
	size_t max = b & 0x80 ? 140 : 12; /* past TUI_LABEL_LEN now and then */
	char *s;

	if (b < 0x20 || *used + max + 1 > room)
		return NULL;
	s = pool + *used;
	fuzz_name(in, s, max);
	s[max] = '\0';
	*used += max + 1;
	return s;
}

struct stream {
	struct process_stats procs[PROCS_MAX];
	struct connection_stats conns[CONNS_MAX];
	struct interface_stats ifaces[IFACES_MAX];
	char labels[PROCS_MAX * 3 * 141];
	uint64_t tx_total[PROCS_MAX], rx_total[PROCS_MAX];
	struct snapshot s;
	double now;
};

static double fuzz_interval(struct fuzz_input *in)
{
	uint8_t b = fuzz_u8(in);

	switch (b & 7) {
	case 0:
		return 0.0;
	case 1:
		return (double)fuzz_u32(in) / 1000.0; /* up to 49 days */
	case 2:
		return 1e-9 * (1 + (b >> 3)); /* tiny: rates near 2^64 * 1e9 */
	default:
		return 0.1 * (1 + (b >> 3)) + 0.001 * (b & 3); /* around the configured value */
	}
}

static void decode_snapshot(struct fuzz_input *in, struct stream *st)
{
	struct snapshot *s = &st->s;
	size_t labels = 0;

	s->interval = fuzz_interval(in);
	s->window = fuzz_u8(in) & 1 ? (double)(fuzz_u8(in) % 120) : 0.0;
	s->nprocs = fuzz_u8(in) % (PROCS_MAX + 1);
	s->totals.tx_bytes = s->totals.rx_bytes = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct process_stats *p = &s->procs[i];
		uint8_t b = fuzz_u8(in);

		memset(p, 0, sizeof(*p));
		/* Distinct (pid, start_ns) per snapshot, as the collector gives; PID 0 too. */
		p->pid = (uint32_t)i * 3 + b % 3;
		p->start_ns = b & 0x40 ? fuzz_u64(in) : (b >> 2 & 3);
		p->exited = b & 0x80;
		fuzz_name(in, p->comm, sizeof(p->comm));
		p->all.tx_bytes = fuzz_bytes(in);
		p->all.rx_bytes = fuzz_bytes(in);
		/* Cumulative as the collector keeps them, or anything after a wrap. */
		if (b & 0x20) {
			st->tx_total[i] = fuzz_u64(in);
			st->rx_total[i] = fuzz_u64(in);
		}
		st->tx_total[i] += p->all.tx_bytes;
		st->rx_total[i] += p->all.rx_bytes;
		p->all.tx_total = st->tx_total[i];
		p->all.rx_total = st->rx_total[i];
		p->protocols = fuzz_u8(in) & 1 ? fuzz_u64(in) : fuzz_u8(in);
		p->window.tx = fuzz_rate(in);
		p->window.rx = fuzz_rate(in);
		p->ident.user = fuzz_label(in, st->labels, &labels, sizeof(st->labels));
		p->ident.unit = fuzz_label(in, st->labels, &labels, sizeof(st->labels));
		p->ident.container_name =
		    fuzz_label(in, st->labels, &labels, sizeof(st->labels));
		p->ident.container_runtime = fuzz_u8(in) & 1 ? "docker" : NULL;
		s->totals.tx_bytes += p->all.tx_bytes;
		s->totals.rx_bytes += p->all.rx_bytes;
	}
	s->totals.tx_total += s->totals.tx_bytes;
	s->totals.rx_total += s->totals.rx_bytes;
	s->totals_window.tx = fuzz_rate(in);
	s->totals_window.rx = fuzz_rate(in);

	s->nconns = fuzz_u8(in) % (CONNS_MAX + 1);
	for (size_t i = 0; i < s->nconns; i++) {
		struct connection_stats *c = &s->conns[i];
		uint8_t b = fuzz_u8(in);

		memset(c, 0, sizeof(*c));
		if (s->nprocs && !(b & 0x80)) { /* mostly of a process in this snapshot */
			c->pid = s->procs[b % s->nprocs].pid;
			c->start_ns = s->procs[b % s->nprocs].start_ns;
		} else {
			c->pid = fuzz_u8(in);
		}
		c->family = b & 1 ? 10 : 2;
		c->protocol = b & 2 ? 17 : 6;
		c->local_port = (uint16_t)fuzz_u32(in);
		c->remote_port = (uint16_t)(c->local_port * 7 + b);
		for (size_t k = 0; k < sizeof(c->remote_addr); k++)
			c->remote_addr[k] = fuzz_u8(in);
		c->closed = b & 4;
		c->app = fuzz_u8(in);
		c->bytes.tx_bytes = fuzz_bytes(in);
		c->bytes.rx_bytes = fuzz_bytes(in);
		c->bytes.tx_total = c->bytes.tx_bytes + fuzz_bytes(in);
		c->bytes.rx_total = c->bytes.rx_bytes + fuzz_bytes(in);
	}

	s->nifaces = fuzz_u8(in) % (IFACES_MAX + 1);
	for (size_t i = 0; i < s->nifaces; i++) {
		struct interface_stats *f = &s->ifaces[i];
		uint8_t b = fuzz_u8(in);

		memset(f, 0, sizeof(*f));
		f->ifindex = (uint32_t)i + 1;
		fuzz_name(in, f->name, sizeof(f->name)); /* the model must terminate it */
		f->present = !(b & 0x80);
		f->bytes.tx_bytes = fuzz_bytes(in);
		f->bytes.rx_bytes = fuzz_bytes(in);
		f->bytes.tx_total = fuzz_u8(in) & 1 ? fuzz_u64(in) : f->bytes.tx_bytes;
		f->bytes.rx_total = f->bytes.rx_bytes;
		f->unattributed.tx_bytes = fuzz_bytes(in);
		f->window.tx = fuzz_rate(in);
	}
}

static void decode_alert(struct fuzz_input *in, struct alert_event *e)
{
	memset(e, 0, sizeof(*e));
	e->when = (time_t)fuzz_u32(in);
	e->kind = (enum alert_kind)(fuzz_u8(in) % ALERT_KIND_MAX);
	e->cleared = fuzz_u8(in) & 1;
	e->pid = fuzz_u32(in);
	fuzz_name(in, e->comm, sizeof(e->comm)); /* maybe with no NUL: the model terminates */
	fuzz_name(in, e->interface, sizeof(e->interface) - 1);
	e->value = fuzz_rate(in);
	e->threshold = fuzz_rate(in);
}

/* Terminated within len, and safe for a terminal; returns the length. */
static size_t check_text(const char *what, const char *buf, size_t len, bool utf8)
{
	const char *nul = memchr(buf, '\0', len);
	const char *why;

	if (!nul)
		fuzz_fail(what, "not terminated within its buffer", buf, len);
	why = fuzz_check_terminal_safe(buf, (size_t)(nul - buf), "", utf8);
	if (why)
		fuzz_fail(what, why, buf, (size_t)(nul - buf));
	return (size_t)(nul - buf);
}

/* A buffer of len bytes with a canary after it: nothing is written past len. */
struct outbuf {
	char buf[1024 + 1];
	size_t len;
};

static void out_prepare(struct outbuf *o, size_t len)
{
	o->len = len;
	memset(o->buf, CANARY, sizeof(o->buf));
}

static void out_check(const char *what, const struct outbuf *o, bool utf8)
{
	for (size_t i = o->len; i < sizeof(o->buf); i++)
		if ((unsigned char)o->buf[i] != CANARY)
			fuzz_fail(what, "wrote past its buffer", o->buf, sizeof(o->buf));
	if (o->len)
		check_text(what, o->buf, o->len, utf8);
}

static double row_up(const struct tui_model *m, const struct tui_row *r)
{
	return tui_rate(m, r->up_rate, r->up_window);
}

static double row_down(const struct tui_model *m, const struct tui_row *r)
{
	return tui_rate(m, r->down_rate, r->down_window);
}

static int key_order(const struct tui_row *x, const struct tui_row *y)
{
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return 0;
}

/* The order the header promises, written from the README's words, not the model's code. */
static int promised_order(const struct tui_model *m, const struct tui_row *x,
			  const struct tui_row *y)
{
	double a = 0, b = 0;

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
	case TUI_SORT_NAME: {
		int c = strcasecmp(x->comm, y->comm);

		if (c)
			return c;
		break;
	}
	default:
		break;
	}
	if (a != b)
		return a < b ? 1 : -1;
	return key_order(x, y);
}

static bool shown_by_filter(const struct tui_model *m, const struct tui_row *r)
{
	return !m->filter[0] || strcasestr(r->comm, m->filter);
}

static bool is_model_row(const struct tui_model *m, const struct tui_row *r)
{
	return r >= m->rows && r < m->rows + m->nrows;
}

static void check_row_text(const struct tui_row *r)
{
	check_text("row comm", r->comm, sizeof(r->comm), true);
	for (int w = 0; w < TUI_WHO_MAX; w++)
		check_text("row who", r->who[w], sizeof(r->who[w]), true);
}

static void check_view(const struct tui_model *m)
{
	size_t matching = 0, members = 0;

	for (size_t i = 0; i < m->nrows; i++) {
		check_row_text(&m->rows[i]);
		if (i && key_order(&m->rows[i - 1], &m->rows[i]) >= 0)
			fuzz_fail("rows", "not sorted by (pid, start_ns) or not unique", "", 0);
		if (m->rows[i].exited && m->now - m->rows[i].exited_at >= TUI_EXITED_KEEP_S)
			fuzz_fail("rows", "an exited row kept past its time", "", 0);
		if (shown_by_filter(m, &m->rows[i]))
			matching++;
	}
	if (!m->view)
		return;
	if (m->group == TUI_WHO_NONE) {
		if (m->nview != matching)
			fuzz_fail("view", "not the rows the filter passes", "", 0);
		for (size_t i = 0; i < m->nview; i++) {
			if (!is_model_row(m, m->view[i]) || !shown_by_filter(m, m->view[i]))
				fuzz_fail("view", "a row the filter hides, or no row", "", 0);
			if (i && promised_order(m, m->view[i - 1], m->view[i]) >= 0)
				fuzz_fail("view", "not in the sort's order", m->view[i]->comm,
					  strlen(m->view[i]->comm));
		}
	} else {
		const struct tui_row *prev_group = NULL;

		for (size_t i = 0; i < m->nview;) {
			const struct tui_row *g = m->view[i++];
			uint64_t up = 0, down = 0;

			if (!g->group || is_model_row(m, g))
				fuzz_fail("grouped view", "a member where a subtotal row belongs",
					  "", 0);
			check_row_text(g);
			if (!g->members || g->members > m->nview - i)
				fuzz_fail("grouped view", "a group with no or too many rows", "", 0);
			if (prev_group && promised_order(m, prev_group, g) > 0)
				fuzz_fail("grouped view", "groups not in the sort's order", g->comm,
					  strlen(g->comm));
			for (size_t j = 0; j < g->members; j++, i++) {
				const struct tui_row *r = m->view[i];

				if (!is_model_row(m, r) || !shown_by_filter(m, r))
					fuzz_fail("grouped view", "a member that is no shown row",
						  "", 0);
				if (strcmp(r->who[m->group], g->who[m->group]))
					fuzz_fail("grouped view", "a member of another group",
						  r->who[m->group], strlen(r->who[m->group]));
				if (j && promised_order(m, m->view[i - 1], r) >= 0)
					fuzz_fail("grouped view", "members not in the sort's order",
						  r->comm, strlen(r->comm));
				up += r->up_total;
				down += r->down_total;
			}
			if (up != g->up_total || down != g->down_total)
				fuzz_fail("grouped view", "subtotal is not the sum of its rows", "",
					  0);
			members += g->members;
			prev_group = g;
		}
		if (members != matching)
			fuzz_fail("grouped view", "not the rows the filter passes", "", 0);
	}
	/* find: each shown row at its own index (a group's key is PID 0 and a hash). */
	for (size_t i = 0; i < m->nview; i++) {
		long at = tui_model_find(m, m->view[i]->pid, m->view[i]->start_ns);

		if (at < 0 || (size_t)at > i || key_order(m->view[at], m->view[i]))
			fuzz_fail("find", "does not find a shown row", "", 0);
		if (!m->view[i]->group && m->view[i]->pid && (size_t)at != i)
			fuzz_fail("find", "a process row found at another index", "", 0);
	}
	for (size_t i = 0; i < m->nrows; i++)
		if (!shown_by_filter(m, &m->rows[i]) &&
		    tui_model_find(m, m->rows[i].pid, m->rows[i].start_ns) >= 0 &&
		    m->rows[i].pid)
			fuzz_fail("find", "finds a row the filter hides", "", 0);
}

static void check_connections(const struct tui_model *m)
{
	const struct tui_conn *out[CONNS_MAX + 1];

	for (size_t i = 0; i < m->nrows; i++) {
		const struct tui_row *r = &m->rows[i];
		size_t want = 0, n;

		for (size_t k = 0; k < m->nconns; k++)
			want += m->conns[k].pid == r->pid && m->conns[k].start_ns == r->start_ns;
		n = tui_model_connections(m, r->pid, r->start_ns, out, CONNS_MAX + 1);
		if (n != want)
			fuzz_fail("connections", "not those of the process", "", 0);
		for (size_t k = 0; k < n; k++) {
			if (out[k]->pid != r->pid || out[k]->start_ns != r->start_ns)
				fuzz_fail("connections", "another process's", "", 0);
			if (k && out[k - 1]->up_rate + out[k - 1]->down_rate <
				     out[k]->up_rate + out[k]->down_rate)
				fuzz_fail("connections", "not fastest first", "", 0);
		}
		if (n > 1 && tui_model_connections(m, r->pid, r->start_ns, out, 1) != 1)
			fuzz_fail("connections", "more than asked for", "", 0);
	}
	for (size_t i = 0; i < m->nifaces; i++)
		if (!memchr(m->ifaces[i].name, '\0', sizeof(m->ifaces[i].name)))
			fuzz_fail("interfaces", "name not terminated", m->ifaces[i].name,
				  sizeof(m->ifaces[i].name));
	for (size_t i = 0; i < TUI_MAX_ALERTS + 1; i++) {
		const struct alert_event *e = tui_model_alert(m, i);

		if ((e != NULL) != (i < m->nalerts))
			fuzz_fail("alerts", "count and entries disagree", "", 0);
		if (e)
			check_text("alert comm", e->comm, sizeof(e->comm), true);
	}
}

static void check_layout(const struct tui_layout *l, int width, enum tui_who who)
{
	bool has[TUI_COL_MAX] = {0};

	if (l->ncols < 4 || l->ncols > TUI_COL_MAX)
		fuzz_fail("layout", "column count out of range", "", 0);
	for (int i = 0; i < l->ncols; i++) {
		if (l->cols[i].col >= TUI_COL_MAX || has[l->cols[i].col] || l->cols[i].width < 0)
			fuzz_fail("layout", "a column twice or out of range", "", 0);
		has[l->cols[i].col] = true;
		if (i && l->cols[i - 1].x + l->cols[i - 1].width >= l->cols[i].x)
			fuzz_fail("layout", "columns overlap", "", 0);
		if (i >= 4 && l->cols[i].x + l->cols[i].width > width)
			fuzz_fail("layout", "an optional column past the width", "", 0);
	}
	if (has[TUI_COL_WHO] && who == TUI_WHO_NONE)
		fuzz_fail("layout", "a WHO column nobody asked for", "", 0);
}

/* Every formatter at one width and buffer size. */
static void render(struct fuzz_input *in, const struct tui_model *m)
{
	static struct outbuf o;
	struct tui_layout l;
	int width = (int)(fuzz_u32(in) % 301);
	size_t small = fuzz_u8(in) % 80;
	double any = fuzz_rate(in);

	tui_layout_columns(width, &l);
	check_layout(&l, width, TUI_WHO_NONE);
	tui_layout_columns_who(width, m->who_col, &l);
	check_layout(&l, width, m->who_col);

	for (int pass = 0; pass < 2; pass++) {
		size_t len = pass ? small : LINE_LEN;
		/* A full line stays whole UTF-8; a cut buffer only has to stay harmless. */
		bool utf8 = !pass;

		out_prepare(&o, len);
		tui_format_header(m, &l, o.buf, o.len);
		out_check("tui_format_header", &o, utf8);
		for (size_t i = 0; i < m->nview; i++) {
			out_prepare(&o, len);
			tui_format_row(m, &l, m->view[i], o.buf, o.len);
			out_check("tui_format_row", &o, utf8);
		}
		for (int u = 0; u < 2; u++) {
			out_prepare(&o, pass ? small : sizeof(o.buf) - 1);
			tui_sparkline(m, pass ? width - 150 : width, u, o.buf, o.len);
			out_check("tui_sparkline", &o, u);
		}
		out_prepare(&o, pass ? small : 64);
		tui_format_rate(m, o.buf, o.len, any);
		out_check("tui_format_rate", &o, true);
		out_prepare(&o, pass ? small : 64);
		tui_format_rate(m, o.buf, o.len, m->up_rate + m->down_rate);
		out_check("tui_format_rate", &o, true);
		out_prepare(&o, pass ? small : 64);
		tui_format_duration(o.buf, o.len, m->now - m->started);
		out_check("tui_format_duration", &o, true);
		out_prepare(&o, pass ? small : 64);
		tui_format_duration(o.buf, o.len, (double)fuzz_u32(in) * (fuzz_u8(in) + 1));
		out_check("tui_format_duration", &o, true);
		out_prepare(&o, pass ? small : 1024);
		tui_format_protocols(o.buf, o.len, fuzz_u8(in) & 1 ? fuzz_u64(in) : ~0ULL);
		out_check("tui_format_protocols", &o, true);
		for (int brief = 0; brief < 2; brief++) {
			out_prepare(&o, pass ? small : 64);
			tui_format_rates_label(m, brief, o.buf, o.len);
			out_check("tui_format_rates_label", &o, true);
		}
	}
	/* Names the status bar shows; out-of-range values get a harmless one. */
	for (int k = -1; k <= TUI_SORT_MAX; k++) {
		const char *name = tui_sort_name((enum tui_sort)k);

		check_text("tui_sort_name", name, strlen(name) + 1, true);
	}
	for (int k = -1; k <= TUI_WHO_MAX; k++) {
		const char *name = tui_who_name((enum tui_who)k);

		check_text("tui_who_name", name, strlen(name) + 1, true);
	}
	if (tui_model_threshold(m) != m->threshold)
		fuzz_fail("tui_model_threshold", "not the model's", "", 0);
	/* The sparkline fills exactly width cells when it has the room. */
	for (int u = 0; u < 2; u++) {
		size_t cells = 0;

		out_prepare(&o, sizeof(o.buf) - 1);
		tui_sparkline(m, width, u, o.buf, o.len);
		for (const unsigned char *c = (const unsigned char *)o.buf; *c; c++)
			cells += (*c & 0xc0) != 0x80;
		if (cells != (size_t)width)
			fuzz_fail("tui_sparkline", "not width cells", o.buf, strlen(o.buf));
	}
	for (size_t i = 0; i < m->nview; i++) {
		/* The protocols column is never cut inside a name: whole names, then "+". */
		char full[1024], cut[64];
		size_t n;

		tui_format_protocols(full, sizeof(full), m->view[i]->protocols);
		tui_format_protocols(cut, 1 + fuzz_u8(in) % 40, m->view[i]->protocols);
		n = strlen(cut);
		if (n && cut[n - 1] == '+')
			n--;
		if (strncmp(full, cut, n) || (full[n] && full[n] != ',' && n))
			fuzz_fail("tui_format_protocols", "cut inside a name", cut, strlen(cut));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	static struct stream st;
	struct tui_model m;
	struct alert_event e;

	memset(&st, 0, sizeof(st));
	st.s.procs = st.procs;
	st.s.conns = st.conns;
	st.s.ifaces = st.ifaces;
	st.s.hooks = "fuzz";
	st.s.tc = "off";
	st.now = (double)fuzz_u32(&in) / 16.0;
	tui_model_init(&m, st.now);
	m.bits = fuzz_u8(&in) & 1;

	for (int step = 0; in.len && step < STEPS_MAX; step++) {
		uint8_t op = fuzz_u8(&in);
		char *filter;
		int rc = 0;

		switch (op % 16) {
		case 0 ... 3: /* ticks come most often */
		case 4:
			st.now += (double)(fuzz_u8(&in) % 32) / 4.0;
			decode_snapshot(&in, &st);
			rc = op % 16 == 4 ? tui_model_skip(&m, &st.s, st.now)
					  : tui_model_update(&m, &st.s, st.now);
			break;
		case 5:
			tui_model_reset(&m);
			for (size_t i = 0; i < m.nrows; i++)
				if (m.rows[i].up_total || m.rows[i].down_total)
					fuzz_fail("reset", "a row's totals not zero", "", 0);
			break;
		case 6:
			/* Past the last sort too: the model must ignore it. */
			tui_model_set_sort(&m, (enum tui_sort)(fuzz_u8(&in) % (TUI_SORT_MAX + 2)));
			break;
		case 7:
			tui_model_cycle_who(&m);
			break;
		case 8:
			rc = tui_model_cycle_group(&m);
			break;
		case 9:
			filter = fuzz_u8(&in) & 1 ? fuzz_string(&in, 48) : NULL;
			tui_model_set_filter(&m, filter);
			free(filter);
			if (!memchr(m.filter, '\0', sizeof(m.filter)))
				fuzz_fail("filter", "not terminated", m.filter, sizeof(m.filter));
			break;
		case 10:
			tui_model_cycle_threshold(&m);
			break;
		case 11:
			tui_model_toggle_rates(&m);
			break;
		case 12:
			tui_model_set_threshold(&m, fuzz_rate(&in));
			break;
		case 13:
			decode_alert(&in, &e);
			tui_model_add_alert(&m, &e);
			break;
		default:
			render(&in, &m);
			break;
		}
		if (rc)
			abort(); /* no allocation fails here */
		for (size_t i = 0; i < m.nrows; i++)
			if (m.rows[i].over != (!m.rows[i].exited &&
					       (row_up(&m, &m.rows[i]) > m.threshold ||
						row_down(&m, &m.rows[i]) > m.threshold)))
				fuzz_fail("rows", "over the threshold not as the rates say",
					  m.rows[i].comm, strlen(m.rows[i].comm));
		check_view(&m);
		check_connections(&m);
	}
	render(&in, &m);
	tui_model_free(&m);
	return 0;
}
