// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>

#include <bpf/bpf.h>

#include "kernel/mapread.h"

long mapread_all(int fd, void *keys, size_t key_size, void *vals, size_t val_size, size_t cap)
{
	__u64 token = 0;
	size_t total = 0;
	bool first = true;

	while (total < cap) {
		__u32 count = (__u32)(cap - total);
		int err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					       (char *)keys + total * key_size,
					       (char *)vals + total * val_size, &count, NULL);

		total += count;
		if (err) {
			if (errno == ENOENT) /* end of the map */
				break;
			return -errno;
		}
		first = false;
	}
	return (long)total;
}
