/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Userspace's side of a slot array: a BPF_F_MMAPABLE array whose entries the
 * programs count into, found through a hash map of key -> slot index, with a
 * BPF_MAP_TYPE_STACK of free slots and a counter of slots ever handed out
 * (bpf/owner_maps.bpf.h, bpf/wire.bpf.c). Userspace reads the live slots in
 * place each tick instead of copying a hash map out with a batch lookup.
 *
 * A slot's live word: 0 free or retired, 1 in use, 2 or more unlinked by a
 * program (its key deleted in the kernel). Retiring a slot (after its key
 * was deleted, by userspace or by a program) sets it to 0; the slot goes
 * back to the free stack on the next tick, when no program that found it
 * before the delete can still be writing to it.
 */
#ifndef NETHOUND_SLOT_ARRAY_H
#define NETHOUND_SLOT_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

struct slot_array {
	char *base;
	size_t stride;	    /* the array's value size */
	size_t count;	    /* max_entries */
	size_t bytes;	    /* mapped */
	size_t key_offset;  /* of the key in a slot; the value is at 0 */
	size_t live_offset; /* of the __u32 live word in a slot */
	int free_fd;
	const volatile __u64 *used;
	__u32 *retiring; /* retired this tick, given back on the next */
	size_t nretiring;
};

/*
 * Map array_fd, whose values must be value_size bytes: the counters at 0,
 * the key at key_offset, the live word at live_offset. Returns 0 or -errno
 * (-EINVAL for a value size or layout that does not match).
 */
int slot_array_map(struct slot_array *a, int array_fd, size_t value_size, size_t key_offset,
		   size_t live_offset, int free_fd, const volatile __u64 *used);
void slot_array_unmap(struct slot_array *a);

/* Slots ever handed out: the live ones are all below this. */
size_t slot_array_high(const struct slot_array *a);

static inline void *slot_array_at(const struct slot_array *a, size_t i)
{
	return a->base + i * a->stride;
}

/* The slot's live word, read with acquire order: what it guards is read after it. */
static inline __u32 slot_array_live(const struct slot_array *a, size_t i)
{
	return __atomic_load_n((__u32 *)(a->base + i * a->stride + a->live_offset),
			       __ATOMIC_ACQUIRE);
}

/*
 * A table_read_rows_fn (collect/table.h) over the slot array ctx: copy the
 * live slots out, at most cap, into rows row_size bytes apart. Each one's key
 * (key_size bytes at key_offset) goes to the row's start; at val_offset, its
 * counters (the slot's first row_val_size - 4 bytes, a multiple of 8, a word
 * at a time) and then its index (a __u32). A slot a program unlinked is
 * retired, not copied. Returns how many were copied, or -EINVAL for sizes the
 * slots or the rows do not have.
 */
long slot_array_read(void *ctx, void *rows, size_t row_size, size_t key_size, size_t val_offset,
		     size_t row_val_size, size_t cap);

/*
 * Retire slot i, whose key is gone from the kernel's hash map: not read
 * again, free from the next tick. Returns false (and does nothing) if it is
 * retired already.
 */
bool slot_array_retire(struct slot_array *a, __u32 i);

/* Give the slots retired on the previous tick back to the programs. */
void slot_array_give_back(struct slot_array *a);

/*
 * Copy n bytes (a multiple of 8, both 8-aligned) a word at a time, each
 * word one load: programs add to these counters while they are read.
 */
void slot_copy_words(void *dst, const void *src, size_t n);

#endif
