// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What it costs userspace to read the kernel's counters each tick, the way
 * the collector does today against the way an mmap-able map would allow:
 * ENTRIES entries (default 20,000, bench/scale's socket count) of the socket
 * map's key and value sizes, in a hash map of its capacity read by the
 * collector's own reader (mapread_all: bpf_map_lookup_batch), and in a
 * BPF_F_MMAPABLE array of the same capacity scanned in place. Needs root (it creates BPF maps); creates no program.
 *
 * Usage: build/bench/map_read [ENTRIES] [ROUNDS]
 * It is a benchmark: it prints the figures and exits 0.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "kernel/mapread.h"

#define CAPACITY NH_MAX_SOCKS
#define SLOT (sizeof(__u64) + sizeof(struct nh_sock_val)) /* cookie, then the value */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Live slots (a cookie that is not 0) copied out, as a collector would. */
static size_t read_mmap(const char *slots, size_t high, char *out)
{
	size_t live = 0;

	for (size_t i = 0; i < high; i++) {
		__u64 cookie;

		memcpy(&cookie, slots + i * SLOT, sizeof(cookie));
		if (!cookie)
			continue;
		memcpy(out + live * SLOT, slots + i * SLOT, SLOT);
		live++;
	}
	return live;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_map_create_opts, mmapable, .map_flags = BPF_F_MMAPABLE);
	size_t entries = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	int rounds = argc > 2 ? atoi(argv[2]) : 100;
	struct nh_sock_val val = { .tx = 1, .rx = 2 };
	void *keys = malloc(CAPACITY * sizeof(__u64));
	void *vals = malloc(CAPACITY * sizeof(struct nh_sock_val));
	char *out = malloc(CAPACITY * SLOT), *slots;
	size_t got = 0;
	double t0, t1, t2;
	int hash, array;

	if (!entries || entries > CAPACITY || rounds <= 0 || !keys || !vals || !out) {
		fprintf(stderr, "usage: map_read [ENTRIES (1 to %d)] [ROUNDS]\n", CAPACITY);
		return 2;
	}
	hash = bpf_map_create(BPF_MAP_TYPE_HASH, "nh_bench_hash", sizeof(__u64), sizeof(val),
			      CAPACITY, NULL);
	array = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nh_bench_array", sizeof(__u32), SLOT, CAPACITY,
			       &mmapable);
	if (hash < 0 || array < 0) {
		fprintf(stderr, "map_read: cannot create BPF maps (%s); run as root\n",
			strerror(errno));
		return 1;
	}
	slots = mmap(NULL, CAPACITY * SLOT, PROT_READ | PROT_WRITE, MAP_SHARED, array, 0);
	if (slots == MAP_FAILED) {
		fprintf(stderr, "map_read: cannot map the array (%s)\n", strerror(errno));
		return 1;
	}
	for (__u64 cookie = 1; cookie <= entries; cookie++) {
		bpf_map_update_elem(hash, &cookie, &val, BPF_ANY);
		memcpy(slots + (cookie - 1) * SLOT, &cookie, sizeof(cookie));
		memcpy(slots + (cookie - 1) * SLOT + sizeof(cookie), &val, sizeof(val));
	}

	t0 = seconds();
	for (int r = 0; r < rounds; r++)
		got = (size_t)mapread_all(hash, keys, sizeof(__u64), vals, sizeof(val), CAPACITY);
	t1 = seconds();
	for (int r = 0; r < rounds; r++)
		got = read_mmap(slots, entries, out);
	t2 = seconds();
	printf("%zu entries of %zu bytes in maps of %d, mean of %d reads:\n", got, SLOT, CAPACITY,
	       rounds);
	printf("  hash map, bpf_map_lookup_batch: %8.3f ms a read, %6.0f ns an entry\n",
	       (t1 - t0) / rounds * 1e3, (t1 - t0) / rounds / (double)entries * 1e9);
	printf("  mmap-able array, scanned:       %8.3f ms a read, %6.0f ns an entry\n",
	       (t2 - t1) / rounds * 1e3, (t2 - t1) / rounds / (double)entries * 1e9);
	return 0;
}
