// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The table engine driven with plain arrays, as the collector drives it with map reads. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "check.h"
#include "collect/table.h"
#include "core/proc_key.h"
#include "core/rates.h"

struct val {
	uint64_t tx;
	uint64_t flags;
	uint32_t slot; /* slot-ordered tables: the entry's place, as a slot array gives it */
	uint32_t pad;
};

struct row {
	struct nh_proc_key key;
	struct val val;
	/* State the engine carries from tick to tick. */
	uint64_t reported;
	int ticks_seen;
};

static int row_cmp(const void *a, const void *b)
{
	return proc_key_cmp(&((const struct row *)a)->key, &((const struct row *)b)->key);
}

/* Every test runs twice: sorted tables and slot-ordered ones (both merge joins). */
static bool by_slot;

/* A key's slot: one per key alive in a tick; in the keys' own order, so both orders agree. */
static uint32_t slot_of(uint32_t tgid, uint64_t start_ns)
{
	return tgid * 100 + (uint32_t)(start_ns % 97);
}

static struct table_config config(size_t capacity)
{
	struct table_config cfg = {
		.key_size = sizeof(struct nh_proc_key),
		.val_size = sizeof(struct val),
		.val_offset = offsetof(struct row, val),
		.row_size = sizeof(struct row),
		.capacity = capacity,
		.cmp = row_cmp,
		.slot_offset = by_slot ? offsetof(struct row, val.slot) : 0,
	};

	return cfg;
}

/* One tick's map contents. */
struct tick {
	size_t n;
	struct nh_proc_key keys[8];
	struct val vals[8];
};

static void put(struct tick *t, uint32_t tgid, uint64_t start_ns, uint64_t tx)
{
	t->keys[t->n] = (struct nh_proc_key){ .tgid = tgid, .start_ns = start_ns };
	t->vals[t->n] = (struct val){ .tx = tx, .slot = slot_of(tgid, start_ns) };
	t->n++;
}

/* What a caller does per row: the delta since before, and carried state. */
static uint64_t delta_of(struct table *t, uint32_t tgid, uint64_t start_ns)
{
	struct nh_proc_key key = { .tgid = tgid, .start_ns = start_ns };
	struct row *r = table_find(t, &key);

	if (!r)
		return UINT64_MAX;
	return counter_delta(r->val.tx, r->reported);
}

/* Apply the caller's bookkeeping to every row: remember what was reported. */
static void report_all(struct table *t)
{
	for (size_t i = 0; i < t->ncur; i++) {
		struct row *r = table_row(t, i);

		r->reported = r->val.tx;
		r->ticks_seen++;
	}
}

static void test_deltas_and_order(void)
{
	struct table t;
	struct tick a = { 0 }, b = { 0 };
	struct table_config cfg = config(8);

	CHECK_INT(table_init(&t, &cfg), 0);
	/* Unsorted input comes out in key order (here also the slots' order). */
	put(&a, 30, 1, 100);
	put(&a, 10, 1, 50);
	put(&a, 20, 1, 0);
	CHECK_UINT(table_load(&t, a.keys, a.vals, a.n), 3);
	CHECK_UINT(((struct row *)table_row(&t, 0))->key.tgid, 10);
	CHECK_UINT(((struct row *)table_row(&t, 1))->key.tgid, 20);
	CHECK_UINT(((struct row *)table_row(&t, 2))->key.tgid, 30);
	for (size_t i = 0; i < 3; i++)
		CHECK(table_before(&t, i) == NULL); /* first tick: all new */
	CHECK_UINT(delta_of(&t, 30, 1), 100);
	report_all(&t);
	table_end(&t);

	put(&b, 10, 1, 80);
	put(&b, 30, 1, 100);
	put(&b, 40, 1, 7);
	table_load(&t, b.keys, b.vals, b.n);
	CHECK_UINT(t.ncur, 3);
	CHECK_UINT(delta_of(&t, 10, 1), 30);
	CHECK_UINT(delta_of(&t, 30, 1), 0);
	CHECK_UINT(delta_of(&t, 40, 1), 7);
	/* Pairing: before points at last tick's row, carried state came along. */
	for (size_t i = 0; i < t.ncur; i++) {
		const struct row *r = table_row(&t, i);
		const struct row *before = table_before(&t, i);

		if (r->key.tgid == 40) {
			CHECK(before == NULL);
			CHECK_INT(r->ticks_seen, 0);
		} else {
			CHECK(before && proc_key_cmp(&before->key, &r->key) == 0);
			CHECK_INT(r->ticks_seen, 1);
			CHECK_UINT(before->val.tx, r->key.tgid == 10 ? 50 : 100);
		}
	}
	/* 20 is not in this tick's map: it exited, and it is not found. */
	CHECK_UINT(delta_of(&t, 20, 1), UINT64_MAX);
	table_end(&t);
	CHECK_UINT(t.nprev, 3);
	table_free(&t);
}

static void test_pid_reuse(void)
{
	struct table t;
	struct tick a = { 0 }, b = { 0 };
	struct table_config cfg = config(8);

	CHECK_INT(table_init(&t, &cfg), 0);
	put(&a, 100, 5000, 1000);
	table_load(&t, a.keys, a.vals, a.n);
	report_all(&t);
	table_end(&t);
	/* Same tgid, a later start: another process, which must not inherit 1000 bytes. */
	put(&b, 100, 5000, 1000);
	put(&b, 100, 9000, 30);
	table_load(&t, b.keys, b.vals, b.n);
	CHECK_UINT(t.ncur, 2);
	CHECK_UINT(delta_of(&t, 100, 5000), 0);
	CHECK_UINT(delta_of(&t, 100, 9000), 30);
	CHECK(table_before(&t, 1) == NULL);
	CHECK_INT(((struct row *)table_row(&t, 1))->ticks_seen, 0);
	table_end(&t);
	table_free(&t);
}

static void test_sweep(void)
{
	struct table t;
	struct tick a = { 0 };
	struct table_config cfg = config(8);
	struct nh_proc_key gone = { .tgid = 2, .start_ns = 1 };

	CHECK_INT(table_init(&t, &cfg), 0);
	put(&a, 1, 1, 10);
	put(&a, 2, 1, 20);
	put(&a, 3, 1, 30);
	table_load(&t, a.keys, a.vals, a.n);
	report_all(&t);
	/* Dropped: still findable in this tick (sockets still join their owner)... */
	table_drop(&t, table_index(&t, table_find(&t, &gone)));
	CHECK(table_find(&t, &gone) != NULL);
	table_end(&t);
	/* ...and not carried: if the key comes back it is new, its bytes all new. */
	CHECK_UINT(t.nprev, 2);
	CHECK_UINT(((struct row *)t.prev)[0].key.tgid, 1);
	CHECK_UINT(((struct row *)t.prev)[1].key.tgid, 3);
	table_load(&t, a.keys, a.vals, a.n);
	CHECK_UINT(delta_of(&t, 2, 1), 20);
	CHECK_UINT(delta_of(&t, 3, 1), 0);
	CHECK(table_before(&t, 1) == NULL);
	table_end(&t);
	/* An empty tick empties the table. */
	table_load(&t, a.keys, a.vals, 0);
	CHECK_UINT(t.ncur, 0);
	table_end(&t);
	CHECK_UINT(t.nprev, 0);
	table_free(&t);
}

static void test_capacity_and_duplicates(void)
{
	struct table t;
	struct tick a = { 0 };
	struct table_config cfg = config(3);

	CHECK_INT(table_init(&t, &cfg), 0);
	for (uint32_t i = 0; i < 5; i++)
		put(&a, 10 - i, 1, i);
	/* Five rows into three: three kept, two counted, nothing written past the end. */
	CHECK_UINT(table_load(&t, a.keys, a.vals, a.n), 3);
	CHECK_UINT(t.dropped, 2);
	CHECK_UINT(((struct row *)table_row(&t, 0))->key.tgid, 8);
	table_end(&t);
	/* A batch read that returns a key twice counts it once. */
	a.n = 0;
	put(&a, 7, 1, 5);
	put(&a, 7, 1, 5);
	put(&a, 6, 1, 1);
	CHECK_UINT(table_load(&t, a.keys, a.vals, a.n), 2);
	CHECK_UINT(t.dropped, 2);
	table_end(&t);
	table_free(&t);
	cfg.val_offset = 0; /* overlaps the key */
	CHECK_INT(table_init(&t, &cfg), -EINVAL);
}

static void test_backwards(void)
{
	struct table t;
	struct tick a = { 0 }, b = { 0 };
	struct table_config cfg = config(4);

	CHECK_INT(table_init(&t, &cfg), 0);
	put(&a, 1, 1, 1000);
	table_load(&t, a.keys, a.vals, a.n);
	report_all(&t);
	table_end(&t);
	/* A counter that went backwards (a recreated map entry) counts from zero again. */
	put(&b, 1, 1, 40);
	table_load(&t, b.keys, b.vals, b.n);
	CHECK_UINT(((const struct row *)table_before(&t, 0))->val.tx, 1000);
	CHECK_UINT(delta_of(&t, 1, 1), counter_delta(40, 1000));
	CHECK(delta_of(&t, 1, 1) <= 40);
	table_end(&t);
	table_free(&t);
}

/* table_read: a reader callback in place of the BPF batch read. */
struct fake_map {
	struct tick contents;
	int err;
};

static long fake_read(void *ctx, void *keys, size_t key_size, void *vals, size_t val_size,
		      size_t cap)
{
	struct fake_map *m = ctx;
	size_t n = m->contents.n < cap ? m->contents.n : cap;

	if (m->err)
		return -m->err;
	memcpy(keys, m->contents.keys, n * key_size);
	memcpy(vals, m->contents.vals, n * val_size);
	return (long)n;
}

/* A table of two rows and a map of three keys: the reader gets the capacity. */
static void start_overfull(struct table *t, struct fake_map *m)
{
	struct table_config cfg = config(2);

	CHECK_INT(table_init(t, &cfg), 0);
	put(&m->contents, 5, 1, 9);
	put(&m->contents, 4, 1, 8);
	put(&m->contents, 3, 1, 7);
}

static void test_read_callback(void)
{
	struct table t;
	struct fake_map m = { 0 };

	start_overfull(&t, &m);
	CHECK_INT(table_read(&t, fake_read, &m), 0);
	CHECK_UINT(t.ncur, 2); /* the reader is told the capacity */
	CHECK_UINT(delta_of(&t, 4, 1), 8);
	table_end(&t);
	m.err = EIO;
	CHECK_INT(table_read(&t, fake_read, &m), -EIO);
	table_free(&t);
}

/*
 * table_read_rows: the reader writes rows in place, over what the memory
 * held before (here: junk in every byte); the engine zeroes a new key's
 * state and carries a known key's.
 */
static long fake_read_rows(void *ctx, void *rows, size_t row_size, size_t key_size,
			   size_t val_offset, size_t val_size, size_t cap)
{
	struct fake_map *m = ctx;
	size_t n = m->contents.n < cap ? m->contents.n : cap;

	if (m->err)
		return -m->err;
	for (size_t i = 0; i < n; i++) {
		char *row = (char *)rows + i * row_size;

		memset(row, 0xab, row_size);
		memcpy(row, &m->contents.keys[i], key_size);
		memcpy(row + val_offset, &m->contents.vals[i], val_size);
	}
	return (long)n;
}

static void test_read_rows(void)
{
	struct table t;
	struct fake_map m = { 0 };
	struct row *r;

	start_overfull(&t, &m);
	CHECK_INT(table_read_rows(&t, fake_read_rows, &m), 0);
	CHECK_UINT(t.ncur, 2); /* the reader is told the capacity */
	for (size_t i = 0; i < t.ncur; i++) {
		r = table_row(&t, i);
		CHECK(r->reported == 0 && r->ticks_seen == 0 && table_before(&t, i) == NULL);
		r->ticks_seen = 1;
	}
	table_end(&t);

	m.contents.n = 0;
	put(&m.contents, 4, 1, 18);
	put(&m.contents, 6, 1, 5);
	CHECK_INT(table_read_rows(&t, fake_read_rows, &m), 0);
	r = table_find(&t, &(struct nh_proc_key){ .tgid = 4, .start_ns = 1 });
	CHECK(r && r->ticks_seen == 1 && r->val.tx == 18); /* carried */
	CHECK(r && table_before(&t, table_index(&t, r)) &&
	      ((const struct row *)table_before(&t, table_index(&t, r)))->val.tx == 8);
	r = table_find(&t, &(struct nh_proc_key){ .tgid = 6, .start_ns = 1 });
	CHECK(r && r->ticks_seen == 0 && r->reported == 0); /* new: zeroed over the junk */
	table_end(&t);
	m.err = EIO;
	CHECK_INT(table_read_rows(&t, fake_read_rows, &m), -EIO);
	table_free(&t);
}

/*
 * Many keys, given reversed every other round (a slot-ordered table sorts
 * them) and looked up through the key index: every one pairs with its own row.
 */
static void test_many_keys(void)
{
	enum { N = 5000 };
	struct nh_proc_key *keys = calloc(N, sizeof(*keys));
	struct val *vals = calloc(N, sizeof(*vals));
	struct table_config cfg = config(N);
	struct table t;
	bool all = true;

	CHECK_INT(table_init(&t, &cfg), 0);
	for (int round = 0; round < 6; round++) {
		for (size_t i = 0; i < N; i++) {
			/* Reversed every other round, and one key in ten replaced by a new one. */
			size_t k = round % 2 ? N - 1 - i : i;

			keys[i] = (struct nh_proc_key){ .tgid = (uint32_t)k,
							.start_ns = k % 10 == 0 ? (uint64_t)round : 0 };
			vals[i].tx = k * 10 + (uint64_t)round;
			vals[i].slot = slot_of(keys[i].tgid, keys[i].start_ns);
		}
		CHECK_UINT(table_load(&t, keys, vals, N), N);
		for (size_t i = 0; i < N; i++) {
			const struct row *r = table_row(&t, i);
			const struct row *before = table_before(&t, i);
			/* New: the first round, a replaced key, or one dropped last round. */
			bool fresh = round == 0 || r->key.tgid % 10 == 0 ||
				     r->key.tgid % 7 == (uint32_t)(round - 1) % 7;

			all &= (before == NULL) == fresh;
			all &= !before || (before->val.tx + 1 == r->val.tx &&
					   proc_key_cmp(&before->key, &r->key) == 0);
			all &= table_find(&t, &r->key) == r;
		}
		/* Drop a seventh of the rows: they must come back as new next round. */
		for (size_t i = 0; i < N; i++)
			if (((const struct row *)table_row(&t, i))->key.tgid % 7 == (uint32_t)round % 7)
				table_drop(&t, i);
		table_end(&t);
	}
	CHECK(all);
	table_free(&t);
	free(keys);
	free(vals);
}

/* A slot-ordered table: the value carries the entry's slot, as a slot array's reader gives it. */
struct slot_val {
	uint64_t tx;
	uint32_t slot;
	uint32_t pad;
};

struct slot_row {
	uint64_t cookie;
	struct slot_val val;
	int ticks_seen;
};

static size_t slot_load(struct table *t, const uint64_t *cookies, const uint32_t *slots,
			const uint64_t *tx, size_t n)
{
	struct slot_val vals[8];

	for (size_t i = 0; i < n; i++)
		vals[i] = (struct slot_val){ .tx = tx[i], .slot = slots[i] };
	return table_load(t, cookies, vals, n);
}

static const struct slot_row *slot_before(struct table *t, uint64_t cookie)
{
	struct slot_row *r = table_find(t, &cookie);

	return r ? table_before(t, table_index(t, r)) : NULL;
}

static void test_slot_ordered(void)
{
	struct table_config cfg = {
		.key_size = sizeof(uint64_t),
		.val_size = sizeof(struct slot_val),
		.val_offset = offsetof(struct slot_row, val),
		.row_size = sizeof(struct slot_row),
		.capacity = 8,
		.slot_offset = offsetof(struct slot_row, val.slot),
	};
	struct table t;
	struct slot_row *r;

	cfg.slot_offset = 4;
	CHECK_INT(table_init(&t, &cfg), -EINVAL); /* the slot inside the key */
	cfg.slot_offset = offsetof(struct slot_row, val.slot);
	CHECK_INT(table_init(&t, &cfg), 0); /* no comparison needed */
	CHECK_UINT(slot_load(&t, (uint64_t[]){ 100, 200, 300 }, (uint32_t[]){ 0, 1, 2 },
			     (uint64_t[]){ 10, 20, 30 }, 3), 3);
	for (size_t i = 0; i < t.ncur; i++) {
		CHECK(table_before(&t, i) == NULL);
		((struct slot_row *)table_row(&t, i))->ticks_seen = 1;
	}
	table_drop(&t, 2); /* 300 is retired: its slot comes back with another key */
	table_end(&t);

	/*
	 * 100 stays in slot 0; slot 1 was given back and now holds 400; 300's
	 * slot 2 holds 500; 600 is new in slot 4. Given out of order: sorted.
	 */
	CHECK_UINT(slot_load(&t, (uint64_t[]){ 600, 100, 400, 500 }, (uint32_t[]){ 4, 0, 1, 2 },
			     (uint64_t[]){ 60, 15, 40, 50 }, 4), 4);
	CHECK(slot_before(&t, 100) && slot_before(&t, 100)->val.tx == 10);
	r = table_find(&t, &(uint64_t){ 100 });
	CHECK(r && r->ticks_seen == 1 && r->val.tx == 15 && r->val.slot == 0);
	CHECK(table_find(&t, &(uint64_t){ 400 }) && slot_before(&t, 400) == NULL);
	r = table_find(&t, &(uint64_t){ 400 });
	CHECK(r && r->ticks_seen == 0); /* not 200's state, though it took 200's slot */
	CHECK(table_find(&t, &(uint64_t){ 500 }) && slot_before(&t, 500) == NULL);
	CHECK(table_find(&t, &(uint64_t){ 600 }) && slot_before(&t, 600) == NULL);
	CHECK(table_find(&t, &(uint64_t){ 200 }) == NULL);
	CHECK(table_find(&t, &(uint64_t){ 300 }) == NULL);
	for (size_t i = 1; i < t.ncur; i++)
		CHECK(((struct slot_row *)table_row(&t, i - 1))->val.slot <
		      ((struct slot_row *)table_row(&t, i))->val.slot);
	table_end(&t);

	/* A slot given twice is kept once; the index is rebuilt for the new tick. */
	CHECK_UINT(slot_load(&t, (uint64_t[]){ 100, 700, 600 }, (uint32_t[]){ 0, 0, 4 },
			     (uint64_t[]){ 16, 70, 61 }, 3), 2);
	CHECK(slot_before(&t, 100) && slot_before(&t, 100)->val.tx == 15);
	CHECK(slot_before(&t, 600) && slot_before(&t, 600)->val.tx == 60);
	CHECK(table_find(&t, &(uint64_t){ 700 }) == NULL);
	CHECK(table_find(&t, &(uint64_t){ 400 }) == NULL);
	table_end(&t);
	table_free(&t);
}

int main(void)
{
	for (int pass = 0; pass < 2; pass++) {
		by_slot = pass == 1;
		test_deltas_and_order();
		test_pid_reuse();
		test_sweep();
		test_capacity_and_duplicates();
		test_backwards();
		test_read_callback();
		test_read_rows();
		test_many_keys();
	}
	test_slot_ordered();
	return check_finish("test_table");
}
