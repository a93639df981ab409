// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "pipeline/window.h"

struct window_key {
	uint64_t a, b; /* process: pid, start_ns; interface: ifindex, 0 */
};

struct window_row {
	struct window_key key;
	int64_t last;    /* slot number of the newest bytes */
	bool seen;       /* in this tick's snapshot */
	uint64_t tx[WINDOW_SLOTS_MAX], rx[WINDOW_SLOTS_MAX];
};

/* Rows kept sorted by key, so a tick is n lookups of log n each. */
struct window_table {
	struct window_row *rows;
	size_t n, cap;
	size_t sorted; /* rows[0..sorted) are in order; new ones follow */
};

struct window_rates {
	double window, slot_len, start;
	int nslots;
	struct window_table procs, ifaces;
	struct window_row totals;
};

struct window_rates *window_new(double window, double interval, double now)
{
	struct window_rates *w = calloc(1, sizeof(*w));
	double ticks = interval > 0 ? round(window / interval) : 1;

	if (!w)
		return NULL;
	w->nslots = ticks < 1 ? 1 : ticks > WINDOW_SLOTS_MAX ? WINDOW_SLOTS_MAX : (int)ticks;
	w->window = window > 0 ? window : interval;
	w->slot_len = w->window / w->nslots;
	w->start = now;
	return w;
}

void window_free(struct window_rates *w)
{
	if (!w)
		return;
	free(w->procs.rows);
	free(w->ifaces.rows);
	free(w);
}

static int key_cmp(const void *x, const void *y)
{
	const struct window_key *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return 0;
}

static int row_cmp(const void *x, const void *y)
{
	return key_cmp(&((const struct window_row *)x)->key, &((const struct window_row *)y)->key);
}

static struct window_row *table_get(struct window_table *t, const struct window_key *key,
				    int64_t slot)
{
	struct window_row *row = array_find(key, t->rows, t->sorted, sizeof(*t->rows), row_cmp);

	if (row)
		return row;
	if (array_grow((void **)&t->rows, &t->cap, t->n + 1, sizeof(*t->rows)))
		return NULL;
	row = &t->rows[t->n++];
	memset(row, 0, sizeof(*row));
	row->key = *key;
	row->last = slot;
	return row;
}

/* Forget rows this tick did not show, and sort the new ones in. */
static void table_sweep(struct window_table *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (!t->rows[i].seen)
			continue;
		t->rows[i].seen = false;
		t->rows[kept++] = t->rows[i];
	}
	t->n = kept;
	if (t->n > 1) /* rows may be NULL when empty, which qsort() must not get */
		qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
	t->sorted = t->n;
}

/* Add this tick's bytes in slot and return the rates over the window. */
static struct window_rate row_add(const struct window_rates *w, struct window_row *row,
				  int64_t slot, uint64_t tx, uint64_t rx, double span)
{
	struct window_rate rate = { 0, 0 };
	uint64_t sum_tx = 0, sum_rx = 0;

	/* Slots that passed without a tick (a pause, a suspend) hold nothing. */
	for (int64_t s = row->last + 1; s <= slot && s <= row->last + w->nslots; s++) {
		row->tx[s % w->nslots] = 0;
		row->rx[s % w->nslots] = 0;
	}
	if (slot > row->last)
		row->last = slot;
	row->tx[slot % w->nslots] += tx;
	row->rx[slot % w->nslots] += rx;
	row->seen = true;
	for (int i = 0; i < w->nslots; i++) {
		sum_tx += row->tx[i];
		sum_rx += row->rx[i];
	}
	if (span > 0) {
		rate.tx = (double)sum_tx / span;
		rate.rx = (double)sum_rx / span;
	}
	return rate;
}

int window_update(struct window_rates *w, struct snapshot *s, double now)
{
	/* Ticks come at whole intervals, give or take scheduling: round, not floor. */
	int64_t slot = llround((now - w->start) / w->slot_len);
	double span = now - w->start < w->window ? now - w->start : w->window;

	if (slot < 0)
		slot = 0;
	s->window = span;
	s->totals_window = row_add(w, &w->totals, slot, s->totals.tx_bytes, s->totals.rx_bytes,
				   span);
	for (size_t i = 0; i < s->nprocs; i++) {
		struct process_stats *p = &s->procs[i];
		struct window_key key = { .a = p->pid, .b = p->start_ns };
		struct window_row *row = table_get(&w->procs, &key, slot);

		if (!row)
			return -ENOMEM;
		p->window = row_add(w, row, slot, p->all.tx_bytes, p->all.rx_bytes, span);
	}
	for (size_t i = 0; i < s->nifaces; i++) {
		struct interface_stats *f = &s->ifaces[i];
		struct window_key key = { .a = f->ifindex, .b = 0 };
		struct window_row *row = table_get(&w->ifaces, &key, slot);

		if (!row)
			return -ENOMEM;
		f->window = row_add(w, row, slot, f->bytes.tx_bytes, f->bytes.rx_bytes, span);
	}
	table_sweep(&w->procs);
	table_sweep(&w->ifaces);
	return 0;
}
