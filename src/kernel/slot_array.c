// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "kernel/slot_array.h"

int slot_array_map(struct slot_array *a, int array_fd, size_t value_size, size_t key_offset,
		   size_t live_offset, int free_fd, const volatile __u64 *used)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *at;

	memset(a, 0, sizeof(*a));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(array_fd, &info, &len))
		return -errno;
	/* An array's values are 8-aligned: value_size is the stride only if a multiple of 8. */
	if (info.value_size != value_size || value_size % 8 || key_offset >= value_size ||
	    live_offset + 4 > value_size || !info.max_entries || !used || page <= 0)
		return -EINVAL;
	a->bytes = (size_t)info.max_entries * value_size;
	a->bytes = (a->bytes + (size_t)page - 1) / (size_t)page * (size_t)page;
	a->retiring = calloc(info.max_entries, sizeof(*a->retiring));
	if (!a->retiring)
		return -ENOMEM;
	at = mmap(NULL, a->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, array_fd, 0);
	if (at == MAP_FAILED) {
		int err = -errno;

		free(a->retiring);
		memset(a, 0, sizeof(*a));
		return err;
	}
	a->base = at;
	a->stride = value_size;
	a->count = info.max_entries;
	a->key_offset = key_offset;
	a->live_offset = live_offset;
	a->free_fd = free_fd;
	a->used = used;
	return 0;
}

void slot_array_unmap(struct slot_array *a)
{
	if (a->base)
		munmap(a->base, a->bytes);
	free(a->retiring);
	memset(a, 0, sizeof(*a));
}

size_t slot_array_high(const struct slot_array *a)
{
	uint64_t used = *a->used;

	return used < a->count ? (size_t)used : a->count;
}

long slot_array_read(void *ctx, void *rows, size_t row_size, size_t key_size, size_t val_offset,
		     size_t row_val_size, size_t cap)
{
	struct slot_array *a = ctx;
	size_t high = slot_array_high(a), n = 0, val_size = row_val_size - sizeof(__u32);

	if (row_val_size <= sizeof(__u32) || val_size % 8 || val_size > a->key_offset ||
	    a->key_offset + key_size > a->stride || key_size > val_offset ||
	    val_offset + row_val_size > row_size)
		return -EINVAL;
	for (size_t i = 0; i < high && n < cap; i++) {
		const char *slot = slot_array_at(a, i);
		char *row = (char *)rows + n * row_size;
		__u32 index = (__u32)i, live = slot_array_live(a, i);

		if (live != 1) {
			if (live)
				slot_array_retire(a, index);
			continue;
		}
		memcpy(row, slot + a->key_offset, key_size);
		slot_copy_words(row + val_offset, slot, val_size);
		memcpy(row + val_offset + val_size, &index, sizeof(index));
		n++;
	}
	return (long)n;
}

bool slot_array_retire(struct slot_array *a, __u32 i)
{
	__u32 *live = (__u32 *)(a->base + (size_t)i * a->stride + a->live_offset);

	if (i >= a->count || !__atomic_exchange_n(live, 0, __ATOMIC_ACQ_REL))
		return false;
	/* Each slot is queued once per use, so count entries are enough. */
	a->retiring[a->nretiring++] = i;
	return true;
}

void slot_array_give_back(struct slot_array *a)
{
	/* The stack holds every slot: a push cannot find it full. */
	for (size_t i = 0; i < a->nretiring; i++)
		bpf_map_update_elem(a->free_fd, NULL, &a->retiring[i], BPF_ANY);
	a->nretiring = 0;
}

void slot_copy_words(void *dst, const void *src, size_t n)
{
	const uint64_t *from = src;

	for (size_t i = 0; i < n / 8; i++) {
		uint64_t w = __atomic_load_n(&from[i], __ATOMIC_RELAXED);

		memcpy((char *)dst + i * 8, &w, 8);
	}
}
