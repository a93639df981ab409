// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>

#include "sinks/store/caps.h"

bool caps_moved_bytes(const struct process_stats *p)
{
	return p->all.tx_bytes || p->all.rx_bytes || p->wire.tx_bytes || p->wire.rx_bytes;
}

struct ranked {
	uint64_t bytes;
	size_t proc;
};

/* Busiest first; the snapshot's order breaks ties, so the choice is stable. */
static int ranked_cmp(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return a->proc < b->proc ? -1 : a->proc > b->proc;
}

int caps_choose_rows(const struct snapshot *s, unsigned cap, bool **keep, size_t *moved)
{
	struct ranked *ranked;
	size_t n = 0;

	*keep = NULL;
	for (size_t i = 0; i < s->nprocs; i++)
		n += caps_moved_bytes(&s->procs[i]);
	*moved = n;
	if (!cap || n <= cap)
		return 0;
	ranked = malloc(n * sizeof(*ranked));
	*keep = calloc(s->nprocs, sizeof(**keep));
	if (!ranked || !*keep) {
		free(ranked);
		free(*keep);
		*keep = NULL;
		return -ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct process_stats *p = &s->procs[i];

		if (caps_moved_bytes(p))
			ranked[n++] = (struct ranked){
				p->all.tx_bytes + p->all.rx_bytes + p->wire.tx_bytes +
					p->wire.rx_bytes,
				i,
			};
	}
	qsort(ranked, n, sizeof(*ranked), ranked_cmp);
	for (size_t i = 0; i < cap; i++)
		(*keep)[ranked[i].proc] = true;
	free(ranked);
	return 0;
}

int name_cap_admit(struct name_cap *c, int64_t hour, const char *name,
		   const struct rollup_who *who)
{
	static const uint64_t none[4];

	if (!c->cap || hour < c->hour)
		return 1;
	if (hour > c->hour) {
		rollup_clear(&c->admitted);
		c->hour = hour;
	}
	if (rollup_has(&c->admitted, hour, name, who))
		return 1;
	if (c->admitted.used >= c->cap)
		return 0;
	return rollup_add(&c->admitted, hour, name, who, none) ? -ENOMEM : 1;
}

void name_cap_free(struct name_cap *c)
{
	rollup_free(&c->admitted);
}
