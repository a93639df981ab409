// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "sinks/store/held.h"

static int held_cmp(const void *a, const void *b)
{
	const struct held_bytes *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

bool held_take(struct held *h, uint32_t pid, uint64_t start_ns, struct held_bytes *out)
{
	struct held_bytes key = {.pid = pid, .start_ns = start_ns}, *found;

	memset(out, 0, sizeof(*out));
	found = h->ncur ? bsearch(&key, h->cur, h->ncur, sizeof(key), held_cmp) : NULL;
	if (!found || found->taken)
		return false;
	found->taken = true;
	*out = *found;
	out->taken = false;
	return true;
}

int held_keep(struct held *h, const struct held_bytes *b)
{
	if (array_grow((void **)&h->next, &h->next_cap, h->nnext + 1, sizeof(*h->next)))
		return -ENOMEM;
	h->next[h->nnext++] = *b;
	return 0;
}

int held_end_tick(struct held *h, int (*release)(void *ctx, const struct held_bytes *b), void *ctx)
{
	struct held_bytes *swap = h->cur;
	size_t swap_cap = h->cur_cap;

	for (size_t i = 0; i < h->ncur; i++)
		if (!h->cur[i].taken && release(ctx, &h->cur[i]))
			return -ENOMEM;
	h->cur = h->next;
	h->cur_cap = h->next_cap;
	h->ncur = h->nnext;
	h->next = swap;
	h->next_cap = swap_cap;
	h->nnext = 0;
	if (h->ncur > 1) /* cur may be NULL when empty, which qsort() must not get */
		qsort(h->cur, h->ncur, sizeof(*h->cur), held_cmp);
	return 0;
}

void held_free(struct held *h)
{
	free(h->cur);
	free(h->next);
	memset(h, 0, sizeof(*h));
}
