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
	if ((!cfg->cmp && !cfg->slot_offset) || !cfg->key_size ||
	    cfg->val_offset < cfg->key_size || cfg->val_offset + cfg->val_size > cfg->row_size ||
	    (cfg->slot_offset && (cfg->slot_offset < cfg->key_size ||
				  cfg->slot_offset + sizeof(uint32_t) > cfg->row_size)))
		return -EINVAL;
	if (cap > SIZE_MAX / cfg->row_size || cap > SIZE_MAX / cfg->key_size ||
	    (cfg->val_size && cap > SIZE_MAX / cfg->val_size))
		return -ENOMEM;
	t->cfg = *cfg;
	t->cfg.capacity = cap;
	t->cur = calloc(cap, cfg->row_size);
	t->prev = calloc(cap, cfg->row_size);
	t->paired = calloc(cap, sizeof(*t->paired));
	t->drop = calloc(cap, sizeof(*t->drop));
	if (cfg->slot_offset) {
		t->index_slots = 16;
		while (t->index_slots < 2 * cap)
			t->index_slots *= 2;
		t->index = calloc(t->index_slots, sizeof(*t->index));
	}
	if (!t->cur || !t->prev || !t->paired || !t->drop || (cfg->slot_offset && !t->index)) {
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
	free(t->index);
	memset(t, 0, sizeof(*t));
}

static void *prev_row(const struct table *t, size_t i)
{
	return (char *)t->prev + i * t->cfg.row_size;
}

/*
 * Current row i pairs with previous row j, or with none (TABLE_NONE): the
 * caller's state comes from j, or starts zeroed, as do the bytes between key
 * and value. Whatever the row's memory held before is overwritten.
 */
static void pair(struct table *t, size_t i, size_t j)
{
	const struct table_config *cfg = &t->cfg;
	size_t state = cfg->val_offset + cfg->val_size;
	char *row = table_row(t, i);

	t->paired[i] = j;
	t->drop[i] = false;
	if (cfg->val_offset > cfg->key_size)
		memset(row + cfg->key_size, 0, cfg->val_offset - cfg->key_size);
	if (j != TABLE_NONE)
		memcpy(row + state, (char *)prev_row(t, j) + state, cfg->row_size - state);
	else
		memset(row + state, 0, cfg->row_size - state);
}

/* Keys are map keys: byte-equal exactly when the map holds them as one entry. */
static uint64_t key_hash(const void *key, size_t n)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	h ^= h >> 29;
	return h * 0xc4ceb9fe1a85ec53ull;
}

/*
 * The index slot holding key's row, or the empty slot where it would go (its
 * hash set). A row is read only when its hash matches: the index stays in cache.
 */
static struct table_slot *index_slot(struct table *t, const void *key)
{
	uint64_t hash = key_hash(key, t->cfg.key_size);
	size_t mask = t->index_used - 1, at = (size_t)hash & mask;

	for (;; at = (at + 1) & mask) {
		struct table_slot *slot = &t->index[at];

		if (!slot->row) {
			slot->hash = hash;
			return slot;
		}
		if (slot->hash == hash &&
		    memcmp(table_row(t, slot->row - 1), key, t->cfg.key_size) == 0)
			return slot;
	}
}

static uint32_t row_slot(const struct table *t, const void *row)
{
	uint32_t slot;

	memcpy(&slot, (const char *)row + t->cfg.slot_offset, sizeof(slot));
	return slot;
}

static int slot_cmp(const void *a, const void *b, void *table)
{
	uint32_t x = row_slot(table, a), y = row_slot(table, b);

	return x < y ? -1 : x > y;
}

/*
 * Rows in strictly ascending slot order, for a reader that did not give them
 * so: sorted, and a slot given twice kept once (the first in the sorted
 * order). Returns the rows kept.
 */
static size_t slot_order(struct table *t, size_t n)
{
	size_t kept = 0;

	qsort_r(t->cur, n, t->cfg.row_size, slot_cmp, t);
	for (size_t i = 0; i < n; i++) {
		if (kept && row_slot(t, table_row(t, kept - 1)) == row_slot(t, table_row(t, i)))
			continue;
		if (kept != i)
			memcpy(table_row(t, kept), table_row(t, i), t->cfg.row_size);
		kept++;
	}
	return kept;
}

/*
 * Slot-ordered rows against the previous tick's, kept in the same order: a
 * merge on the slot. A slot given back and taken by another key since holds
 * a different key: that row is new. Returns false, having stopped, at the
 * first row whose slot is not above the one before (the reader broke its
 * promise): the rows are then put in order and paired again. One pass over
 * the rows, which are megabytes at tens of thousands of sockets.
 */
static bool pair_rows_by_slot(struct table *t)
{
	size_t j = 0;

	for (size_t i = 0; i < t->ncur; i++) {
		const char *row = table_row(t, i);
		uint32_t slot = row_slot(t, row);

		if (i && slot <= row_slot(t, table_row(t, i - 1)))
			return false;
		while (j < t->nprev && row_slot(t, prev_row(t, j)) < slot)
			j++;
		pair(t, i,
		     j < t->nprev && row_slot(t, prev_row(t, j)) == slot &&
				     memcmp(prev_row(t, j), row, t->cfg.key_size) == 0
			     ? j
			     : TABLE_NONE);
	}
	return true;
}

/*
 * The key index of a slot-ordered table's rows, in place: rows keep their
 * places (paired and drop refer to them). Two live slots with one key can
 * only be a kprobe-tier unlink racing the read; the first is found. The
 * index is twice this tick's rows, not the capacity: clearing it is part of
 * every tick that looks a row up.
 */
static void index_rows(struct table *t)
{
	t->index_used = 16;
	while (t->index_used < 2 * t->ncur && t->index_used < t->index_slots)
		t->index_used *= 2;
	memset(t->index, 0, t->index_used * sizeof(*t->index));
	for (size_t i = 0; i < t->ncur; i++) {
		struct table_slot *slot = index_slot(t, table_row(t, i));

		if (!slot->row)
			slot->row = i + 1;
	}
	t->indexed = true;
}

/* Sorted current rows against sorted previous rows: one pass over both. */
static void pair_rows(struct table *t)
{
	size_t j = 0;

	for (size_t i = 0; i < t->ncur; i++) {
		const char *row = table_row(t, i);
		int order = 1;

		while (j < t->nprev && (order = t->cfg.cmp(prev_row(t, j), row)) < 0)
			j++;
		pair(t, i, j < t->nprev && order == 0 ? j : TABLE_NONE);
	}
}

/* Order the n rows that hold a key and a value, drop repeated keys, pair with the previous tick. */
static size_t settle(struct table *t, size_t n)
{
	const struct table_config *cfg = &t->cfg;
	size_t kept = 0;

	if (cfg->slot_offset) {
		t->ncur = n;
		t->indexed = false;
		if (!pair_rows_by_slot(t)) {
			t->ncur = slot_order(t, n);
			pair_rows_by_slot(t);
		}
		return t->ncur;
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

size_t table_load(struct table *t, const void *keys, const void *vals, size_t n)
{
	const struct table_config *cfg = &t->cfg;

	if (n > cfg->capacity) {
		t->dropped += n - cfg->capacity;
		n = cfg->capacity;
	}
	for (size_t i = 0; i < n; i++) {
		char *row = table_row(t, i);

		memcpy(row, (const char *)keys + i * cfg->key_size, cfg->key_size);
		memcpy(row + cfg->val_offset, (const char *)vals + i * cfg->val_size,
		       cfg->val_size);
	}
	return settle(t, n);
}

int table_read(struct table *t, table_read_fn read, void *ctx)
{
	long n;

	/* Allocated on first use: tables read in place (table_read_rows) never need them. */
	if (!t->keys)
		t->keys = calloc(t->cfg.capacity, t->cfg.key_size);
	if (!t->vals)
		t->vals = calloc(t->cfg.capacity, t->cfg.val_size ? t->cfg.val_size : 1);
	if (!t->keys || !t->vals)
		return -ENOMEM; /* the next call tries again; table_free frees either */
	n = read(ctx, t->keys, t->cfg.key_size, t->vals, t->cfg.val_size, t->cfg.capacity);
	if (n < 0)
		return (int)n;
	table_load(t, t->keys, t->vals, (size_t)n);
	return 0;
}

int table_read_rows(struct table *t, table_read_rows_fn read, void *ctx)
{
	const struct table_config *cfg = &t->cfg;
	long n = read(ctx, t->cur, cfg->row_size, cfg->key_size, cfg->val_offset, cfg->val_size,
		      cfg->capacity);

	if (n < 0)
		return (int)n;
	settle(t, (size_t)n > cfg->capacity ? cfg->capacity : (size_t)n);
	return 0;
}

void *table_find(struct table *t, const void *key)
{
	if (t->cfg.slot_offset) {
		const struct table_slot *slot;

		if (!t->indexed)
			index_rows(t);
		slot = index_slot(t, key);
		return slot->row ? table_row(t, slot->row - 1) : NULL;
	}
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
	t->indexed = false;
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
