// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What one socket-hook event costs on this kernel, step by step: programs on
 * tp_btf/sock_send_length that do nothing, one array add, today's hash
 * lookups, a slot kept in the socket's own storage, one kept in the process
 * leader's task storage, and both (hook_floor.bpf.c), all run on the same
 * SENDS datagrams of 64 bytes over loopback. bpf_stats
 * gives each one's mean run time; every other program that ran meanwhile
 * (a nethound started beside it: its socket and TC programs) is listed too,
 * on the same events.
 *
 * Usage: build/bench/hook_floor [SENDS]          (root; default 1,000,000)
 *        build/bench/hook_floor --hold SECONDS  (no load of its own: the
 *        programs count whatever traffic runs meanwhile, an iperf3 stream
 *        for instance, so that the floors are measured on bulk sends too)
 * Environment: FLOOR_ONLY=name loads that one program alone. Programs on one
 * hook run in turn, and the first to touch a cache line pays its miss: alone,
 * a program pays for every line it touches, as nethound's do.
 * It is a benchmark: it prints the figures and exits 0 (1 if it cannot run).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hook_floor.skel.h"

#define MAX_PROGS 4096
#define PORT 45999

struct prog_stat {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	__u64 run_cnt, run_time_ns;
};

/* Every loaded program's counters; returns how many. */
static size_t read_stats(struct prog_stat *out, size_t cap)
{
	__u32 id = 0;
	size_t n = 0;

	while (n < cap && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue; /* unloaded meanwhile */
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			out[n] = (struct prog_stat){ .id = id, .run_cnt = info.run_cnt,
						     .run_time_ns = info.run_time_ns };
			memcpy(out[n].name, info.name, sizeof(out[n].name));
			n++;
		}
		close(fd);
	}
	return n;
}

static const struct prog_stat *find_stat(const struct prog_stat *s, size_t n, __u32 id)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].id == id)
			return &s[i];
	return NULL;
}

/* SENDS datagrams to a socket of our own on 127.0.0.1, drained as they come. */
static int send_load(long sends)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int tx = socket(AF_INET, SOCK_DGRAM, 0), rx = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[64] = { 0 };

	if (tx < 0 || rx < 0 || bind(rx, (struct sockaddr *)&to, sizeof(to)))
		return -errno;
	for (long i = 0; i < sends; i++) {
		if (sendto(tx, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			return -errno;
		while (recv(rx, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	}
	close(tx);
	close(rx);
	return 0;
}

/* With name set, every other program stays unloaded; 1 if none has that name. */
static int only_one(struct hook_floor_bpf *skel, const char *name)
{
	struct bpf_program *prog;
	bool found = false;

	if (!name || !*name)
		return 0;
	bpf_object__for_each_program(prog, skel->obj) {
		bool keep = !strcmp(bpf_program__name(prog), name);

		found |= keep;
		bpf_program__set_autoload(prog, keep);
	}
	if (!found)
		fprintf(stderr, "hook_floor: no program named '%s' (FLOOR_ONLY)\n", name);
	return found ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct prog_stat before[MAX_PROGS], after[MAX_PROGS];
	bool hold = argc > 2 && !strcmp(argv[1], "--hold");
	long sends = argc > 1 ? strtol(argv[hold ? 2 : 1], NULL, 10) : 1000000;
	struct hook_floor_bpf *skel;
	size_t nbefore, nafter;
	int stats, err;

	if (sends <= 0) {
		fprintf(stderr, "usage: hook_floor [SENDS] | hook_floor --hold SECONDS\n");
		return 1;
	}
	/* On while this descriptor is open, whatever the sysctl says. */
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	skel = hook_floor_bpf__open();
	if (skel && only_one(skel, getenv("FLOOR_ONLY"))) {
		hook_floor_bpf__destroy(skel);
		close(stats);
		return 1;
	}
	if (stats < 0 || !skel || hook_floor_bpf__load(skel) || hook_floor_bpf__attach(skel)) {
		fprintf(stderr, "hook_floor: cannot load or attach the programs (%s); run as root\n",
			strerror(errno));
		return 1;
	}
	nbefore = read_stats(before, MAX_PROGS);
	err = hold ? (int)sleep((unsigned int)sends) : send_load(sends);
	nafter = read_stats(after, MAX_PROGS);
	hook_floor_bpf__destroy(skel);
	close(stats);
	if (err) {
		fprintf(stderr, "hook_floor: loopback UDP failed (%s)\n", strerror(-err));
		return 1;
	}
	if (hold)
		printf("%ld s of whatever traffic ran; mean run time per program:\n", sends);
	else
		printf("%ld datagrams of 64 bytes over 127.0.0.1; mean run time per program:\n",
		       sends);
	for (size_t i = 0; i < nafter; i++) {
		const struct prog_stat *b = find_stat(before, nbefore, after[i].id);
		__u64 runs = after[i].run_cnt - (b ? b->run_cnt : 0);
		__u64 ns = after[i].run_time_ns - (b ? b->run_time_ns : 0);

		if (runs)
			printf("  %-26s %10llu runs %8.1f ns\n", after[i].name,
			       (unsigned long long)runs, (double)ns / (double)runs);
	}
	return 0;
}
