// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/table.h"
#include "kernel/mapread.h"

int table_init(struct table *t, const struct table_config *cfg)
{
	size_t cap = cfg->capacity ? cfg->capacity : 1;

	memset(t, 0, sizeof(*t));
	if (!cfg->cmp || !cfg->key_size || cfg->val_offset < cfg->key_size ||
	    cfg->val_offset + cfg->val_size > cfg->row_size)
		return -EINVAL;
	if (cap > SIZE_MAX / cfg->row_size || cap > SIZE_MAX / cfg->key_size ||
	    (cfg->val_size && cap > SIZE_MAX / cfg->val_size))
		return -ENOMEM;
	t->cfg = *cfg;
	t->cfg.capacity = cap;
	t->keys = calloc(cap, cfg->key_size);
	t->vals = calloc(cap, cfg->val_size ? cfg->val_size : 1);
	t->cur = calloc(cap, cfg->row_size);
	t->prev = calloc(cap, cfg->row_size);
	t->paired = calloc(cap, sizeof(*t->paired));
	t->drop = calloc(cap, sizeof(*t->drop));
	if (!t->keys || !t->vals || !t->cur || !t->prev || !t->paired || !t->drop) {
		table_free(t);
		return -ENOMEM;
	}
	return 0;
}

void table_free(struct table *t)
{
	free(t->keys);
	free(t->vals);
	free(t->cur);
	free(t->prev);
	free(t->paired);
	free(t->drop);
	memset(t, 0, sizeof(*t));
}

static void *prev_row(const struct table *t, size_t i)
{
	return (char *)t->prev + i * t->cfg.row_size;
}

/* Sorted current rows against sorted previous rows: one pass over both. */
static void pair_rows(struct table *t)
{
	size_t state = t->cfg.val_offset + t->cfg.val_size;
	size_t j = 0;

	for (size_t i = 0; i < t->ncur; i++) {
		char *row = table_row(t, i);
		int order = 1;

		while (j < t->nprev && (order = t->cfg.cmp(prev_row(t, j), row)) < 0)
			j++;
		t->paired[i] = TABLE_NONE;
		t->drop[i] = false;
		if (j < t->nprev && order == 0) {
			t->paired[i] = j;
			memcpy(row + state, (char *)prev_row(t, j) + state,
			       t->cfg.row_size - state);
		}
	}
}

size_t table_load(struct table *t, const void *keys, const void *vals, size_t n)
{
	const struct table_config *cfg = &t->cfg;
	size_t kept = 0;

	if (n > cfg->capacity) {
		t->dropped += n - cfg->capacity;
		n = cfg->capacity;
	}
	for (size_t i = 0; i < n; i++) {
		char *row = table_row(t, i);

		memset(row, 0, cfg->row_size);
		memcpy(row, (const char *)keys + i * cfg->key_size, cfg->key_size);
		memcpy(row + cfg->val_offset, (const char *)vals + i * cfg->val_size,
		       cfg->val_size);
	}
	qsort(t->cur, n, cfg->row_size, cfg->cmp);
	/* A batch read racing with updates may return a key twice: count it once. */
	for (size_t i = 0; i < n; i++) {
		if (kept && cfg->cmp(table_row(t, kept - 1), table_row(t, i)) == 0)
			continue;
		if (kept != i)
			memcpy(table_row(t, kept), table_row(t, i), cfg->row_size);
		kept++;
	}
	t->ncur = kept;
	pair_rows(t);
	return kept;
}

int table_read(struct table *t, table_read_fn read, void *ctx)
{
	long n = read(ctx, t->keys, t->cfg.key_size, t->vals, t->cfg.val_size, t->cfg.capacity);

	if (n < 0)
		return (int)n;
	table_load(t, t->keys, t->vals, (size_t)n);
	return 0;
}

void *table_find(const struct table *t, const void *key)
{
	return bsearch(key, t->cur, t->ncur, t->cfg.row_size, t->cfg.cmp);
}

void table_end(struct table *t)
{
	size_t kept = 0;
	void *tmp;

	for (size_t i = 0; i < t->ncur; i++) {
		if (t->drop[i])
			continue;
		if (kept != i)
			memcpy(table_row(t, kept), table_row(t, i), t->cfg.row_size);
		kept++;
	}
	tmp = t->prev;
	t->prev = t->cur;
	t->nprev = kept;
	t->cur = tmp;
	t->ncur = 0;
}

long table_read_bpf_map(void *ctx, void *keys, size_t key_size, void *vals, size_t val_size,
			size_t cap)
{
	return mapread_all(*(const int *)ctx, keys, key_size, vals, val_size, cap);
}
