// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/metrics/metrics_table.h"

/*
 * Folded keys remembered, at most: past this the folded counter stops
 * growing (documented), so a flood of names cannot grow memory.
 */
#define FOLDED_TRACK_MAX (1u << 20)

static uint64_t hash_key(const unsigned char *k, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= k[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

int metrics_table_init(struct metrics_table *t, size_t keylen, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->keylen = keylen;
	t->stride = (keylen + 7) / 8 * 8 + sizeof(uint64_t) * METRICS_TABLE_VALUES;
	t->max = max ? max : 1;
	return 0;
}

void metrics_table_free(struct metrics_table *t)
{
	free(t->entries);
	free(t->index);
	free(t->folded);
	memset(t, 0, sizeof(*t));
}

static int grow(struct metrics_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64, icap = 128;
	unsigned char *entries;
	uint32_t *index;

	if (cap > t->max)
		cap = t->max;
	while (icap < cap * 2)
		icap *= 2;
	entries = realloc(t->entries, cap * t->stride);
	if (!entries)
		return -ENOMEM;
	t->entries = entries;
	index = calloc(icap, sizeof(*index));
	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t slot = hash_key(t->entries + i * t->stride, t->keylen) & (icap - 1);

		while (index[slot])
			slot = (slot + 1) & (icap - 1);
		index[slot] = (uint32_t)(i + 1);
	}
	free(t->index);
	t->index = index;
	t->index_cap = icap;
	t->cap = cap;
	return 0;
}

/* Count a folded key once; returns 0 or -ENOMEM. */
static int note_folded(struct metrics_table *t, uint64_t h)
{
	size_t slot;

	h |= 1; /* 0 marks an empty slot */
	if (t->folded_n * 2 >= t->folded_cap) {
		size_t cap = t->folded_cap ? t->folded_cap * 2 : 256;
		uint64_t *set;

		if (t->folded_n >= FOLDED_TRACK_MAX)
			return 0;
		set = calloc(cap, sizeof(*set));
		if (!set)
			return -ENOMEM;
		for (size_t i = 0; i < t->folded_cap; i++) {
			if (!t->folded[i])
				continue;
			slot = t->folded[i] & (cap - 1);
			while (set[slot])
				slot = (slot + 1) & (cap - 1);
			set[slot] = t->folded[i];
		}
		free(t->folded);
		t->folded = set;
		t->folded_cap = cap;
	}
	slot = h & (t->folded_cap - 1);
	while (t->folded[slot]) {
		if (t->folded[slot] == h)
			return 0;
		slot = (slot + 1) & (t->folded_cap - 1);
	}
	t->folded[slot] = h;
	t->folded_n++;
	t->folded_total++;
	return 0;
}

int metrics_table_add(struct metrics_table *t, const void *key, const uint64_t *v, size_t nv)
{
	uint64_t h = hash_key(key, t->keylen);
	uint64_t *values;
	size_t slot;

	if (nv > METRICS_TABLE_VALUES)
		nv = METRICS_TABLE_VALUES;
	if (t->index_cap) {
		for (slot = h & (t->index_cap - 1); t->index[slot];
		     slot = (slot + 1) & (t->index_cap - 1)) {
			size_t i = t->index[slot] - 1;

			if (memcmp(t->entries + i * t->stride, key, t->keylen) == 0) {
				values = (uint64_t *)metrics_table_values(t, i);
				for (size_t j = 0; j < nv; j++)
					values[j] += v[j];
				return 0;
			}
		}
	}
	if (t->n == t->max) {
		for (size_t j = 0; j < nv; j++)
			t->other[j] += v[j];
		t->other_used = true;
		return note_folded(t, h);
	}
	if (t->n == t->cap) {
		if (grow(t))
			return -ENOMEM;
	}
	slot = h & (t->index_cap - 1);
	while (t->index[slot])
		slot = (slot + 1) & (t->index_cap - 1);
	t->index[slot] = (uint32_t)(t->n + 1);
	memset(t->entries + t->n * t->stride, 0, t->stride);
	memcpy(t->entries + t->n * t->stride, key, t->keylen);
	values = (uint64_t *)metrics_table_values(t, t->n);
	for (size_t j = 0; j < nv; j++)
		values[j] = v[j];
	t->n++;
	return 0;
}

int metrics_table_copy(struct metrics_table *dst, const struct metrics_table *src)
{
	*dst = *src;
	dst->index = NULL;
	dst->index_cap = 0;
	dst->folded = NULL;
	dst->folded_cap = 0;
	dst->cap = src->n;
	dst->entries = NULL;
	if (!src->n)
		return 0;
	dst->entries = malloc(src->n * src->stride);
	if (!dst->entries)
		return -ENOMEM;
	memcpy(dst->entries, src->entries, src->n * src->stride);
	return 0;
}
