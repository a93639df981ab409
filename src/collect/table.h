/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The table engine: one tick's cycle over a map of cumulative counters.
 * Read the rows, pair each with the previous tick's row of the same key,
 * let the caller compute deltas and mark rows to drop, then carry the kept
 * rows to the next tick. Two orders:
 * - sorted by key (tables read from BPF hash maps): a sort, O(n log n), then
 *   a merge join with the previous tick in O(n); table_find is a binary search;
 * - by slot (tables read from a slot array, whose index is a stable identity
 *   while the entry lives): a merge on the slot in O(n), no sort; table_find
 *   hashes the keys the first time it is called in a tick.
 *
 * A row is the caller's struct: the key at offset 0, the value at val_offset,
 * then any state of the caller's own (last change, owner name, ...), which
 * the engine copies from the previous row of the same key and zeroes for a
 * new key. The engine knows nothing of BPF: a reader callback fills keys and
 * values, so tests drive it with plain arrays.
 */
#ifndef NETHOUND_TABLE_H
#define NETHOUND_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Orders two rows (or a row and a bare key): only the key at offset 0 is read. */
typedef int (*table_cmp_fn)(const void *a, const void *b);

/*
 * Fill up to cap keys (key_size each) and values (val_size each); return
 * the count or -errno.
 */
typedef long (*table_read_fn)(void *ctx, void *keys, size_t key_size, void *vals, size_t val_size,
			      size_t cap);

/* A table_read_fn for a BPF hash map: ctx points to its int fd. */
long table_read_bpf_map(void *ctx, void *keys, size_t key_size, void *vals, size_t val_size,
			size_t cap);

/*
 * Fill up to cap rows in place, row_size bytes apart: each one's key
 * (key_size bytes) at offset 0 and its value (val_size bytes) at val_offset;
 * the rest of a row is the engine's. Return the count or -errno. For readers
 * that copy from memory (a mapped slot array): no buffer between the reader
 * and the rows.
 */
typedef long (*table_read_rows_fn)(void *ctx, void *rows, size_t row_size, size_t key_size,
				   size_t val_offset, size_t val_size, size_t cap);

struct table_config {
	size_t key_size;
	size_t val_size;
	size_t val_offset; /* where the value sits in a row */
	size_t row_size;   /* key, value and the caller's state */
	size_t capacity;   /* rows per tick; what is past it is counted in dropped */
	table_cmp_fn cmp;  /* sorted tables */
	/*
	 * Tables read from a slot array: where in the row the entry's __u32 slot
	 * index sits (0: none, a sorted table; the key is at 0). The reader gives
	 * rows in ascending slot order and a slot holds one key while it lives,
	 * so rows pair with the previous tick's by a merge on the slot and one
	 * key comparison. The key index is built only when table_find is first
	 * called in a tick.
	 */
	size_t slot_offset;
};

struct table_slot {
	uint64_t hash;
	size_t row; /* index + 1; 0: empty */
};

struct table {
	struct table_config cfg;
	void *keys, *vals; /* table_read's buffers, capacity entries each; NULL until it runs */
	void *cur, *prev;  /* rows, in the table's order: by key or by slot */
	size_t ncur, nprev;
	size_t *paired;		    /* per current row: index in prev, or TABLE_NONE */
	/* Slot-ordered: open addressing by key hash; a slot holds the hash and row index + 1. */
	struct table_slot *index;
	size_t index_slots; /* allocated: a power of two, twice the capacity */
	size_t index_used;  /* this tick's: a power of two, twice the rows */
	bool indexed;	    /* index describes cur */
	bool *drop;		    /* per current row: not carried to the next tick */
	unsigned long long dropped; /* rows past capacity, since table_init */
};

#define TABLE_NONE ((size_t)-1)

/* Returns 0 or -errno (-EINVAL for a row that cannot hold key and value). */
int table_init(struct table *t, const struct table_config *cfg);
void table_free(struct table *t);

/*
 * Start a tick with n rows from plain arrays: copy (rows past capacity are
 * counted in t->dropped and ignored), sort, keep the first of duplicate keys,
 * pair with the previous tick. Returns the number of current rows.
 */
size_t table_load(struct table *t, const void *keys, const void *vals, size_t n);

/* table_load from what read puts in the table's own buffers. Returns 0 or -errno. */
int table_read(struct table *t, table_read_fn read, void *ctx);

/* Start a tick as table_load does, with rows read in place. Returns 0 or -errno. */
int table_read_rows(struct table *t, table_read_rows_fn read, void *ctx);

static inline void *table_row(const struct table *t, size_t i)
{
	return (char *)t->cur + i * t->cfg.row_size;
}

/* The previous tick's row of current row i, or NULL if its key is new. */
static inline const void *table_before(const struct table *t, size_t i)
{
	size_t j = t->paired[i];

	return j == TABLE_NONE ? NULL : (const char *)t->prev + j * t->cfg.row_size;
}

/* Value of a row, whichever tick it belongs to. */
static inline const void *table_val(const struct table *t, const void *row)
{
	return (const char *)row + t->cfg.val_offset;
}

/*
 * Current row with this key (a row or a bare key), or NULL. Sorted: O(log n);
 * slot-ordered: O(1), the rows indexed on the tick's first call.
 */
void *table_find(struct table *t, const void *key);

/* Index of a row table_row or table_find returned. */
static inline size_t table_index(const struct table *t, const void *row)
{
	return (size_t)((const char *)row - (const char *)t->cur) / t->cfg.row_size;
}

/* Row i is not carried to the next tick; it stays findable until table_end. */
static inline void table_drop(struct table *t, size_t i)
{
	t->drop[i] = true;
}

/* End the tick: the kept rows become the previous tick's, in order. */
void table_end(struct table *t);

#endif
