// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/store/rollup.h"

/* FNV-1a over the name, seeded with the hour, then a multiplicative mix. */
static uint64_t rollup_hash(int64_t hour, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)hour;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return h * 0x9E3779B97F4A7C15ULL;
}

static int rollup_grow(struct rollup_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct rollup *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		struct rollup *r = &t->slots[i];
		size_t j;

		if (!r->hour)
			continue;
		for (j = rollup_hash(r->hour, r->name) & (cap - 1); slots[j].hour; j = (j + 1) & (cap - 1))
			;
		slots[j] = *r;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

int rollup_add(struct rollup_table *t, int64_t hour, const char *name, const uint64_t v[4])
{
	size_t j;

	if ((t->used + 1) * 2 > t->cap && rollup_grow(t))
		return -ENOMEM;
	for (j = rollup_hash(hour, name) & (t->cap - 1); t->slots[j].hour;
	     j = (j + 1) & (t->cap - 1))
		if (t->slots[j].hour == hour && strcmp(t->slots[j].name, name) == 0)
			break;
	if (!t->slots[j].hour) {
		t->slots[j].hour = hour;
		snprintf(t->slots[j].name, sizeof(t->slots[j].name), "%s", name);
		t->used++;
	}
	for (int k = 0; k < 4; k++)
		t->slots[j].v[k] += v[k];
	return 0;
}

void rollup_clear(struct rollup_table *t)
{
	if (t->slots)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->used = 0;
}

void rollup_free(struct rollup_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->used = 0;
}
