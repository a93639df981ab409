/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Counters keyed by a fixed-size label tuple (a process's name and uid, an
 * interface's name), bounded: once max keys exist, a new key's values go to
 * one "other" entry and the key is counted as folded. Keys are never
 * removed, so a counter of an exited process keeps its value.
 */
#ifndef NETHOUND_METRICS_TABLE_H
#define NETHOUND_METRICS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_TABLE_VALUES 6

struct metrics_table {
	size_t keylen; /* bytes compared; keys are zero-padded by the caller */
	size_t stride; /* bytes per entry: the key rounded up to 8, then the values */
	size_t max;    /* entries before folding */
	size_t n, cap;
	unsigned char *entries; /* insertion order, so output is stable */
	uint32_t *index;	/* open addressing: entry number + 1, 0 = empty */
	size_t index_cap;	/* a power of two, at least twice cap */
	uint64_t other[METRICS_TABLE_VALUES];
	bool other_used;
	/* Hashes of keys folded into other, so each key is counted once. */
	uint64_t *folded;
	size_t folded_n, folded_cap;
	uint64_t folded_total;
};

/* Keys of at most keylen bytes; max of at least 1. Returns 0 or -ENOMEM. */
int metrics_table_init(struct metrics_table *t, size_t keylen, size_t max);
void metrics_table_free(struct metrics_table *t);

/* Add v to key's counters (or to other once the table is full). Returns 0 or -ENOMEM. */
int metrics_table_add(struct metrics_table *t, const void *key, const uint64_t *v, size_t nv);

static inline const void *metrics_table_key(const struct metrics_table *t, size_t i)
{
	return t->entries + i * t->stride;
}

static inline const uint64_t *metrics_table_values(const struct metrics_table *t, size_t i)
{
	return (const uint64_t *)(t->entries + i * t->stride +
				  (t->stride - sizeof(uint64_t) * METRICS_TABLE_VALUES));
}

/* A copy for another thread: same keys and values, no index. Returns 0 or -ENOMEM. */
int metrics_table_copy(struct metrics_table *dst, const struct metrics_table *src);

#endif
