// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "wire.h"
#include "capture.h" /* before wire.skel.h, which uses its types */
#include "counters.skel.h"
#include "core/exitcodes.h"
#include "core/timefmt.h"
#include "kernel/loader.h"
#include "kernel/privileges.h"
#include "kernel/tc_attach.h"
#include "wire.skel.h"

#define DEFAULT_BTF "/sys/kernel/btf/vmlinux"

static bool verbose;

__attribute__((format(printf, 2, 0))) static int
libbpf_print(enum libbpf_print_level level __attribute__((unused)), const char *fmt, va_list args)
{
	/* Probing tiers the kernel refuses is expected: keep quiet unless asked. */
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* Which tier a program belongs to, from its name prefix; HOOKS_AUTO = every tier. */
static enum hook_tier program_tier(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	if (strncmp(name, "tp_", 3) == 0)
		return HOOKS_TRACEPOINT;
	if (strncmp(name, "fexit_", 6) == 0 || strncmp(name, "fentry_", 7) == 0)
		return HOOKS_FENTRY;
	if (strncmp(name, "kprobe_", 7) == 0 || strncmp(name, "kretprobe_", 10) == 0)
		return HOOKS_KPROBE;
	return HOOKS_AUTO;
}

/* The kernel function or tracepoint a program attaches to: the part after '/'. */
static const char *program_target(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');

	return slash ? slash + 1 : sec;
}

/*
 * Functions that live in a module (SCTP is sctp.ko in Debian's kernels):
 * attached when the module is loaded at start, found in the module's split
 * BTF under /sys/kernel/btf. A module loaded later is not counted (README,
 * Limitations).
 */
static const struct {
	const char *func, *module;
} module_targets[] = {
	{ "sctp_sendmsg", "sctp" },
	{ "sctp_recvmsg", "sctp" },
};

static bool module_target_exists(const struct btf *vmlinux, const char *target)
{
	for (size_t i = 0; i < sizeof(module_targets) / sizeof(module_targets[0]); i++) {
		char path[64];
		struct btf *mod;
		bool found;

		if (strcmp(module_targets[i].func, target) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module_targets[i].module);
		/* libbpf takes the base without const; parsing only reads it. */
		mod = btf__parse_split(path, (struct btf *)(uintptr_t)vmlinux);
		if (!mod)
			return false;
		found = btf__find_by_name_kind(mod, target, BTF_KIND_FUNC) >= 0;
		btf__free(mod);
		return found;
	}
	return false;
}

static bool target_exists(const struct btf *btf, const struct bpf_program *prog)
{
	const char *target = program_target(prog);
	char typedef_name[128];

	if (strncmp(bpf_program__section_name(prog), "tp_btf/", 7) == 0) {
		snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", target);
		return btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF) >= 0;
	}
	if (strncmp(bpf_program__section_name(prog), "iter/", 5) == 0) {
		snprintf(typedef_name, sizeof(typedef_name), "bpf_iter_%s", target);
		return btf__find_by_name_kind(btf, typedef_name, BTF_KIND_FUNC) >= 0;
	}
	return btf__find_by_name_kind(btf, target, BTF_KIND_FUNC) >= 0 ||
	       module_target_exists(btf, target);
}

/*
 * Functions a tier cannot do without; the others (tcp_sendpage before 6.5,
 * ping sockets, IPv6) are attached where the kernel has them.
 */
static bool target_required(const struct bpf_program *prog)
{
	static const char *const required[] = {
		"tcp_sendmsg", "tcp_cleanup_rbuf", "udp_sendmsg", "udp_recvmsg",
		"sock_send_length", "sock_recv_length", "tcp_rcv_space_adjust",
		"inet_sock_set_state", "sched_process_exit",
	};
	const char *target = program_target(prog);

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (strcmp(target, required[i]) == 0)
			return true;
	return false;
}

/* Run one seeding iterator to its end; its output is empty, the work is its map inserts. */
static int run_iterator(struct bpf_link *link)
{
	char buf[64];
	ssize_t n;
	int fd;

	if (!link)
		return -ENOENT;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf));
	while (n > 0 || (n < 0 && errno == EINTR));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* A TCP socket in a state where copied_seq is a valid baseline (ESTABLISHED up to CLOSING). */
static bool tcp_state_seedable(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);

	/* TCP_INFO answers for TCP sockets only: one call tells protocol and state. */
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len))
		return false;
	switch (info.tcpi_state) {
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSE_WAIT:
	case TCP_LAST_ACK:
	case TCP_CLOSING:
		return true;
	default:
		return false;
	}
}

/* Socket inodes already seeded: a socket shared by many descriptors is peeked once. */
struct inode_set {
	unsigned long *slots; /* open addressing, 0 = free */
	size_t cap, used;
};

/* Adds ino; false if it was there already (or no memory: then peek again, harmlessly). */
static bool inode_set_add(struct inode_set *set, unsigned long ino)
{
	size_t i;

	if (!ino)
		return true;
	if (2 * (set->used + 1) > set->cap) {
		struct inode_set grown = { .cap = set->cap ? 2 * set->cap : 1024 };

		grown.slots = calloc(grown.cap, sizeof(*grown.slots));
		if (!grown.slots)
			return true;
		for (size_t j = 0; j < set->cap; j++)
			if (set->slots[j])
				inode_set_add(&grown, set->slots[j]);
		free(set->slots);
		*set = grown;
	}
	for (i = (ino * 0x9E3779B97F4A7C15ul) & (set->cap - 1); set->slots[i];
	     i = (i + 1) & (set->cap - 1))
		if (set->slots[i] == ino)
			return false;
	set->slots[i] = ino;
	set->used++;
	return true;
}

/* Peek at each of one process's TCP sockets not seen yet; returns how many were seeded. */
static int seed_process(long pid, struct inode_set *seen)
{
	char path[64], link[64];
	struct dirent *fe;
	int pidfd, seeded = 0;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	fds = opendir(path);
	if (!fds)
		return 0;
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	while (pidfd >= 0 && (fe = readdir(fds))) {
		unsigned long ino;
		ssize_t n;
		int fd;
		char none;

		if (fe->d_name[0] < '0' || fe->d_name[0] > '9')
			continue;
		n = readlinkat(dirfd(fds), fe->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1 || !inode_set_add(seen, ino))
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(fe->d_name), 0);
		if (fd < 0)
			continue;
		if (tcp_state_seedable(fd) &&
		    (recv(fd, &none, 0, MSG_PEEK | MSG_DONTWAIT) >= 0 || errno == EAGAIN))
			seeded++;
		close(fd);
	}
	if (pidfd >= 0)
		close(pidfd);
	closedir(fds);
	return seeded;
}

/*
 * Where the kernel refuses iterators: borrow each process's TCP sockets
 * (pidfd_getfd, 5.6+) and make a zero-byte MSG_PEEK read on them. It consumes
 * nothing and changes nothing, but passes the receive hooks, which create the
 * socket's entry with its current copied_seq: the same baseline the iterator
 * gives. Returns the number of sockets seeded, or -errno.
 */
static int seed_by_peek(void)
{
	struct inode_set seen = { 0 };
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	int seeded = 0;

	if (!proc)
		return -errno;
	while ((pe = readdir(proc))) {
		long pid = strtol(pe->d_name, NULL, 10);

		if (pid > 0 && pid != getpid())
			seeded += seed_process(pid, &seen);
	}
	closedir(proc);
	free(seen.slots);
	return seeded;
}

/*
 * Give TCP sockets that predate nethound their receive baseline, after the
 * hooks are attached so that no connection falls between the two. Without it
 * a connection first read through splice loses that read (the hooks on that
 * path do not say how much it took). The iterator covers nethound's own
 * namespace, accept queues included; the peeks every socket a process holds,
 * in every namespace. Then their owners, so that they are listed with their
 * process before their first byte. Never fatal.
 */
static void seed_sockets(struct counters_bpf *skel)
{
	int err, seeded;
	double started;

	err = run_iterator(skel->links.seed_tcp);
	if (err && verbose)
		fprintf(stderr, "nethound: TCP iterator %s\n",
			err == -ENOENT ? "not loaded" : strerror(-err));
	seeded = seed_by_peek();
	if (verbose && seeded < 0)
		fprintf(stderr, "nethound: sockets open before start not seeded (%s)\n",
			strerror(-seeded));
	else if (verbose)
		fprintf(stderr, "nethound: %d TCP sockets open before start seeded%s\n", seeded,
			!err ? ", and nethound's namespace by iterator" : "");
	/*
	 * Last, when every seeded socket has its entry: their owners. Without
	 * the iterator a socket learns its owner from its first byte.
	 */
	started = monotonic_seconds();
	err = run_iterator(skel->links.seed_owners);
	if (verbose && err)
		fprintf(stderr, "nethound: owners of sockets open before start known from their "
				"first byte: task file iterator %s\n",
			err == -ENOENT ? "not loaded" : strerror(-err));
	else if (verbose)
		fprintf(stderr, "nethound: owners of sockets open before start seeded in %.0f ms\n",
			(monotonic_seconds() - started) * 1e3);
}

/*
 * The seeding iterators a load takes: all, then without the task file
 * iterator (bpf_sock_from_file is 5.11+, iter/tcp 5.9+), then none.
 */
enum seeders { SEEDERS_ALL, SEEDERS_TCP, SEEDERS_NONE, SEEDERS_MAX };

static bool seeder_wanted(const struct bpf_program *prog, enum seeders seeders)
{
	const char *name = bpf_program__name(prog);

	if (strncmp(name, "seed_", 5) != 0)
		return true;
	return seeders == SEEDERS_ALL || (seeders == SEEDERS_TCP && strcmp(name, "seed_tcp") == 0);
}

static int try_tier_with(struct loader *ld, enum hook_tier tier, const struct btf *btf,
			 const char *btf_path, enum seeders seeders, char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = btf_path);
	struct counters_bpf *skel;
	struct bpf_program *prog;
	int err;

	skel = counters_bpf__open_opts(&open_opts);
	if (!skel) {
		snprintf(why, whylen, "opening the BPF object failed (%s)", strerror(errno));
		return -1;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		enum hook_tier t = program_tier(prog);
		bool wanted = (t == HOOKS_AUTO || t == tier) && seeder_wanted(prog, seeders);

		if (wanted && !target_exists(btf, prog)) {
			if (target_required(prog)) {
				snprintf(why, whylen, "kernel has no %s", program_target(prog));
				counters_bpf__destroy(skel);
				return -1;
			}
			wanted = false;
		}
		bpf_program__set_autoload(prog, wanted);
	}
	/* One uid's share follows the maps' sizes: set where they are known. */
	skel->rodata->uid_proc_quota = bpf_map__max_entries(skel->maps.procs) / NH_UID_SHARE;
	skel->rodata->uid_sock_quota = bpf_map__max_entries(skel->maps.socks) / NH_UID_SHARE;

	err = counters_bpf__load(skel);
	if (err) {
		snprintf(why, whylen, "the kernel refused to load its programs (%s%s)", strerror(-err),
			 tier == HOOKS_FENTRY && err == -EPERM ? ": BPF trampolines not permitted" : "");
		counters_bpf__destroy(skel);
		return -1;
	}
	err = counters_bpf__attach(skel);
	if (err) {
		snprintf(why, whylen, "the kernel refused to attach its programs (%s%s)",
			 strerror(-err),
			 tier == HOOKS_KPROBE && err == -ENOENT ? ": kernel built without CONFIG_KPROBES?"
								 : "");
		counters_bpf__destroy(skel);
		return -1;
	}
	ld->skel = skel;
	ld->tier = tier;
	seed_sockets(skel);
	return 0;
}

/*
 * The seeding iterators are BPF tracing programs that some kernels refuse
 * where they accept the tier (this project's host refused a task file
 * iterator that used the cookie helper): then the tier loads with fewer,
 * down to none, and seeding falls back to peeks and owners to first bytes.
 * What a tier's load proved refused is not tried again for the next tier.
 */
static int try_tier(struct loader *ld, enum hook_tier tier, const struct btf *btf,
		    const char *btf_path, char *why, size_t whylen)
{
	static enum seeders loadable = SEEDERS_ALL;

	for (enum seeders seeders = loadable; seeders < SEEDERS_MAX; seeders++) {
		if (try_tier_with(ld, tier, btf, btf_path, seeders, why, whylen) == 0) {
			/* The tier loads with these: it was the others the kernel refused. */
			loadable = seeders;
			return 0;
		}
		if (verbose && seeders != SEEDERS_NONE)
			fprintf(stderr, "nethound: %s tier with %s refused (%s)\n",
				hook_tier_name(tier),
				seeders == SEEDERS_ALL ? "all seeding iterators"
						       : "the TCP seeding iterator",
				why);
	}
	return -1;
}

/*
 * The capture's view of processes is the counters' own: the wire object's
 * socks and procs maps are the counters object's. The ring and the per-CPU
 * scratch are sized for capture only when one is asked for.
 */
static int share_maps(struct loader *ld, const struct loader_config *opts, char *err,
		      size_t errlen)
{
	struct wire_bpf *w = ld->wire;
	int rc, cpus;

	rc = bpf_map__reuse_fd(w->maps.socks, bpf_map__fd(ld->skel->maps.socks));
	if (!rc)
		rc = bpf_map__reuse_fd(w->maps.sock_slots, bpf_map__fd(ld->skel->maps.sock_slots));
	if (!rc)
		rc = bpf_map__reuse_fd(w->maps.procs, bpf_map__fd(ld->skel->maps.procs));
	if (rc) {
		snprintf(err, errlen, "nethound: cannot share the socket maps with the TC classifier (%s)",
			 strerror(-rc));
		return rc;
	}
	cpus = libbpf_num_possible_cpus();
	if (cpus <= 0) {
		snprintf(err, errlen, "nethound: cannot count the possible CPUs (%s)", strerror(-cpus));
		return cpus ? cpus : -EINVAL;
	}
	/* No capture: the capture's owner cache (preallocated) shrinks to a token size. */
	if (!opts->capture_ring_bytes) {
		rc = bpf_map__set_max_entries(w->maps.capture_first_owner, (__u32)cpus);
	} else {
		rc = bpf_map__set_max_entries(w->maps.capture_ring, (__u32)opts->capture_ring_bytes);
		if (!rc)
			rc = bpf_map__set_max_entries(w->maps.capture_scratch, (__u32)cpus);
	}
	if (rc)
		snprintf(err, errlen, "nethound: cannot size the capture ring (%s)", strerror(-rc));
	ld->capture = rc == 0 && opts->capture_ring_bytes;
	return rc;
}

/*
 * Load the wire classifier and attach it. With --tc auto and no -i, a kernel
 * that refuses is not fatal: socket counting goes on, the user is told why.
 */
static int start_wire(struct loader *ld, const struct loader_config *opts, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = opts->btf_path);
	bool optional = opts->tc == TC_MODE_AUTO && !opts->nifaces;
	int code = NH_EXIT_KERNEL, rc;

	ld->tc_mode = TC_MODE_OFF;
	if (opts->tc == TC_MODE_OFF)
		return 0;
	/*
	 * A capture names the sender of a socket's first packets from the running
	 * task (bpf_get_current_task); kernels that refuse that helper to TC
	 * programs get the classifier without it (the branch is dead code then).
	 */
	for (int lock_owner = 1; lock_owner >= 0; lock_owner--) {
		ld->wire = wire_bpf__open_opts(&open_opts);
		if (!ld->wire) {
			snprintf(err, errlen, "nethound: opening the wire BPF object failed (%s)",
				 strerror(errno));
			return NH_EXIT_FAILURE;
		}
		ld->wire->rodata->capture_lock_owner = lock_owner;
		/* The shares of unowned flows follow the flow map's size. */
		ld->wire->rodata->unowned_quota =
			bpf_map__max_entries(ld->wire->maps.flows) / NH_UNOWNED_SHARE;
		ld->wire->rodata->remote_quota =
			bpf_map__max_entries(ld->wire->maps.flows) / NH_REMOTE_SHARE;
		rc = share_maps(ld, opts, err, errlen);
		if (rc) {
			code = NH_EXIT_FAILURE;
			goto fail;
		}
		rc = wire_bpf__load(ld->wire);
		if (!rc)
			break;
		snprintf(err, errlen,
			 "nethound: the kernel refused the TC classifier (%s); try --tc off",
			 strerror(-rc));
		if (!lock_owner)
			goto fail;
		if (verbose)
			fprintf(stderr, "nethound: TC classifier refused with the capture's lock "
					"owner (%s); trying without\n", strerror(-rc));
		wire_bpf__destroy(ld->wire);
		ld->wire = NULL;
	}
	ld->tc = tc_attach_new(bpf_program__fd(ld->wire->progs.wire_ingress),
			       bpf_program__fd(ld->wire->progs.wire_egress), opts->tc, opts->ifaces,
			       opts->nifaces, err, errlen, &code);
	if (!ld->tc)
		goto fail;
	ld->tc_mode = tc_attach_mode(ld->tc);
	return 0;
fail:
	wire_bpf__destroy(ld->wire);
	ld->wire = NULL;
	if (optional && code == NH_EXIT_KERNEL) {
		fprintf(stderr, "%s\nnethound: going on without wire accounting\n", err);
		err[0] = '\0';
		return 0;
	}
	return code;
}

int loader_start(struct loader *ld, const struct loader_config *opts, char *err, size_t errlen)
{
	static const enum hook_tier auto_order[] = { HOOKS_FENTRY, HOOKS_TRACEPOINT, HOOKS_KPROBE };
	const char *btf_path = opts->btf_path ? opts->btf_path : DEFAULT_BTF;
	enum hook_tier one[1] = { opts->hooks };
	const enum hook_tier *order = opts->hooks == HOOKS_AUTO ? auto_order : one;
	size_t norder = opts->hooks == HOOKS_AUTO ? 3 : 1, used = 0;
	char why[256];
	struct btf *btf;

	memset(ld, 0, sizeof(*ld));
	verbose = opts->verbose;
	libbpf_set_print(libbpf_print);

	if (!privileges_sufficient(opts->tc != TC_MODE_OFF)) {
		snprintf(err, errlen,
			 "nethound: needs root or CAP_BPF+CAP_PERFMON+CAP_NET_ADMIN; run it with sudo");
		return NH_EXIT_PRIVILEGE;
	}
	if (access(btf_path, R_OK)) {
		if (opts->btf_path)
			snprintf(err, errlen, "nethound: cannot read BTF file %s (%s); check the path",
				 btf_path, strerror(errno));
		else
			snprintf(err, errlen,
				 "nethound: kernel has no BTF at %s; boot a kernel built with "
				 "CONFIG_DEBUG_INFO_BTF=y or pass --btf FILE",
				 btf_path);
		return NH_EXIT_KERNEL;
	}
	btf = btf__parse(btf_path, NULL);
	if (!btf) {
		char reason[128];

		/* libbpf's own error codes (e.g. "invalid ELF") are past errno's range. */
		libbpf_strerror(-errno, reason, sizeof(reason));
		snprintf(err, errlen, "nethound: %s is not usable BTF (%s); pass a BTF file with --btf",
			 btf_path, reason);
		return NH_EXIT_KERNEL;
	}

	for (size_t i = 0; i < norder; i++) {
		if (try_tier(ld, order[i], btf, opts->btf_path, why, sizeof(why)) == 0) {
			int rc;

			btf__free(btf);
			rc = start_wire(ld, opts, err, errlen);
			if (rc)
				loader_stop(ld);
			return rc;
		}
		if (opts->verbose)
			fprintf(stderr, "nethound: %s tier unavailable: %s\n",
				hook_tier_name(order[i]), why);
		if (opts->hooks != HOOKS_AUTO) {
			snprintf(err, errlen,
				 "nethound: the %s hook tier is not available on this kernel: %s; "
				 "try --hooks auto",
				 hook_tier_name(order[i]), why);
			btf__free(btf);
			return NH_EXIT_KERNEL;
		}
		used += (size_t)snprintf(err + used, used < errlen ? errlen - used : 0, "%s%s: %s",
					 i ? "; " : "nethound: no usable hook tier (", hook_tier_name(order[i]),
					 why);
	}
	if (used < errlen)
		snprintf(err + used, errlen - used,
			 "); nethound needs fentry, the sock_*_length tracepoints (kernel >= 6.3) or kprobes");
	btf__free(btf);
	return NH_EXIT_KERNEL;
}

void loader_stop(struct loader *ld)
{
	/* Filters first, so no packet runs a program whose maps are going away. */
	tc_attach_free(ld->tc);
	ld->tc = NULL;
	wire_bpf__destroy(ld->wire);
	ld->wire = NULL;
	counters_bpf__destroy(ld->skel);
	ld->skel = NULL;
}

int loader_procs_fd(const struct loader *ld)
{
	return bpf_map__fd(ld->skel->maps.procs);
}

int loader_socks_fd(const struct loader *ld)
{
	return bpf_map__fd(ld->skel->maps.socks);
}

const volatile __u64 *loader_drops(const struct loader *ld)
{
	return ld->skel->bss->drops;
}

int loader_uid_usage_fd(const struct loader *ld)
{
	return bpf_map__fd(ld->skel->maps.uid_usage);
}

int loader_uid_freed_fd(const struct loader *ld)
{
	return bpf_map__fd(ld->skel->maps.uid_freed);
}

const volatile __u64 *loader_unattributed(const struct loader *ld)
{
	return ld->skel->bss->unattributed;
}

int loader_ifaces_fd(const struct loader *ld)
{
	return ld->wire ? bpf_map__fd(ld->wire->maps.ifaces) : -1;
}

int loader_flows_fd(const struct loader *ld)
{
	return ld->wire ? bpf_map__fd(ld->wire->maps.flows) : -1;
}

int loader_sock_slots_fd(const struct loader *ld)
{
	return bpf_map__fd(ld->skel->maps.sock_slots);
}

int loader_free_sock_slots_fd(const struct loader *ld)
{
	return bpf_map__fd(ld->skel->maps.free_sock_slots);
}

const volatile __u64 *loader_sock_slots_used(const struct loader *ld)
{
	return &ld->skel->bss->sock_slots_used;
}

int loader_flow_slots_fd(const struct loader *ld)
{
	return ld->wire ? bpf_map__fd(ld->wire->maps.flow_slots) : -1;
}

int loader_free_flow_slots_fd(const struct loader *ld)
{
	return ld->wire ? bpf_map__fd(ld->wire->maps.free_flow_slots) : -1;
}

const volatile __u64 *loader_flow_slots_used(const struct loader *ld)
{
	return ld->wire ? &ld->wire->bss->flow_slots_used : NULL;
}

int loader_remote_retired_fd(const struct loader *ld)
{
	return ld->wire ? bpf_map__fd(ld->wire->maps.remote_retired) : -1;
}

volatile __u64 *loader_unowned_retired(const struct loader *ld)
{
	return ld->wire ? &ld->wire->bss->unowned_retired : NULL;
}

const volatile __u64 *loader_wire_drops(const struct loader *ld)
{
	return ld->wire ? ld->wire->bss->wire_drops : NULL;
}

bool loader_can_capture(const struct loader *ld)
{
	return ld->wire && ld->capture;
}
