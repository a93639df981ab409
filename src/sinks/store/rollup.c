// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/store/rollup.h"

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	/* A separator no name has, so ("ab", "") and ("a", "b") differ; NULL like "". */
	return (h ^ 0x100) * 1099511628211ULL;
}

/* FNV-1a over the names, seeded with the hour, then a multiplicative mix. */
static uint64_t rollup_hash(int64_t hour, const char *name, const char *user, const char *unit,
			    const char *container)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)hour;

	h = fnv(fnv(fnv(fnv(h, name), user), unit), container);
	return h * 0x9E3779B97F4A7C15ULL;
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* An owned copy; "" and NULL are both NULL. */
static int copy_label(char **dst, const char *src)
{
	*dst = NULL;
	if (!src || !*src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static void free_labels(struct rollup *r)
{
	free(r->user);
	free(r->unit);
	free(r->container);
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
		for (j = rollup_hash(r->hour, r->name, r->user, r->unit, r->container) & (cap - 1);
		     slots[j].hour; j = (j + 1) & (cap - 1))
			;
		slots[j] = *r;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

int rollup_add(struct rollup_table *t, int64_t hour, const char *name,
	       const struct rollup_who *who, const uint64_t v[4])
{
	static const struct rollup_who nobody;
	size_t j;

	if (!who)
		who = &nobody;
	if ((t->used + 1) * 2 > t->cap && rollup_grow(t))
		return -ENOMEM;
	for (j = rollup_hash(hour, name, who->user, who->unit, who->container) & (t->cap - 1);
	     t->slots[j].hour; j = (j + 1) & (t->cap - 1)) {
		const struct rollup *r = &t->slots[j];

		if (r->hour == hour && strcmp(r->name, name) == 0 && same(r->user, who->user) &&
		    same(r->unit, who->unit) && same(r->container, who->container))
			break;
	}
	if (!t->slots[j].hour) {
		struct rollup *r = &t->slots[j];

		if (copy_label(&r->user, who->user) || copy_label(&r->unit, who->unit) ||
		    copy_label(&r->container, who->container)) {
			free_labels(r);
			memset(r, 0, sizeof(*r));
			return -ENOMEM;
		}
		r->hour = hour;
		snprintf(r->name, sizeof(r->name), "%s", name);
		t->used++;
	}
	for (int k = 0; k < 4; k++)
		t->slots[j].v[k] += v[k];
	return 0;
}

bool rollup_has(const struct rollup_table *t, int64_t hour, const char *name,
		const struct rollup_who *who)
{
	static const struct rollup_who nobody;

	if (!t->cap)
		return false;
	if (!who)
		who = &nobody;
	for (size_t j = rollup_hash(hour, name, who->user, who->unit, who->container) & (t->cap - 1);
	     t->slots[j].hour; j = (j + 1) & (t->cap - 1)) {
		const struct rollup *r = &t->slots[j];

		if (r->hour == hour && strcmp(r->name, name) == 0 && same(r->user, who->user) &&
		    same(r->unit, who->unit) && same(r->container, who->container))
			return true;
	}
	return false;
}

void rollup_clear(struct rollup_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].hour)
			free_labels(&t->slots[i]);
	if (t->slots)
		memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->used = 0;
}

void rollup_free(struct rollup_table *t)
{
	rollup_clear(t);
	free(t->slots);
	t->slots = NULL;
	t->cap = t->used = 0;
}
