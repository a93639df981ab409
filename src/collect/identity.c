// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * identity.c: the identity cache and its worker.
 *
 * The cache belongs to the pipeline's thread: only it looks entries up,
 * creates them and replaces their results, so a name it handed out stays put
 * until its next identity_tick(). The worker shares only a queue of keys to
 * resolve and a list of results, under one lock. Results are kept per key:
 * a uid, a cgroup id (never reused by the kernel, so a cgroup that vanished
 * keeps its last name), a process (pid and start time).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collect/cgroup_path.h"
#include "collect/identity.h"
#include "collect/identity_state.h"

#define BUCKETS (2 * IDENTITY_CACHE_CAPACITY)
#define NONE (-1)
#define USER_REFRESH_S 60.0    /* a renamed or new user shows within a minute */
#define UNNAMED_REFRESH_S 10.0 /* a container whose name is not on disk yet */
#define MISS_REFRESH_S 10.0    /* a cgroup not found (yet) */
#define UNUSED_SWEEP_S 120.0   /* entries nothing asked for this long are forgotten */
#define WALK_MAX_DEPTH 64

enum kind {
	KIND_USER = 1,
	KIND_CGROUP,
	KIND_PROC,
	KIND_PID, /* start-up only: a pid's executable and boot-time start, to match a process */
};

struct key {
	uint32_t kind;
	uint64_t a; /* uid, cgroup id or pid */
	uint64_t b; /* a process's start_ns */
};

/* Everything a key resolves to; unused fields NULL. Owned by one entry. */
struct result {
	char *text; /* user name, cgroup path or executable */
	char *unit;
	const char *runtime; /* a static string of cgroup_path_parse() */
	char *container_id;
	char *container_name;
	char *pod_uid;
	char *pod_namespace;
	char *pod_name;
	uint64_t boot_start_ns; /* KIND_PID: the process's start, CLOCK_BOOTTIME */
};

struct entry {
	struct key key;
	int next; /* bucket chain while in use, free list otherwise */
	bool in_use;
	bool pending; /* queued or being resolved */
	bool settled; /* resolved at least once (res NULL: nothing found) */
	struct result *res;
	double refresh_at;
	double last_use;
};

struct done {
	struct done *next;
	struct key key;
	struct result *res; /* NULL: not found */
	bool prefetched;    /* not asked for: the start-up sweep's (an entry is made for it) */
};

/* Cgroups and uids named at start-up, before any tick asks: at most this many of each. */
#define PREFETCH_MAX (IDENTITY_CACHE_CAPACITY / 4)

struct identity {
	/* Shared with the worker, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t work;
	bool stopping;
	unsigned int refs;
	unsigned int queue_head, queue_len;
	struct key queue[IDENTITY_QUEUE_CAPACITY];
	struct done *done;

	/* The worker's own, set before it starts. */
	int cgroup_fd;	      /* the cgroup v2 root, opened once: walks need no privilege after */
	char *cgroup_fd_path; /* where cgroup_fd is, as /proc/self/fd says; NULL: unknown */
	char *state_root;

	/* The pipeline thread's own. */
	double now, swept;
	uint64_t boot_offset_ns; /* CLOCK_BOOTTIME - CLOCK_MONOTONIC at the last tick */
	int free_list;
	int buckets[BUCKETS];
	struct entry entries[IDENTITY_CACHE_CAPACITY];
};

static void result_free(struct result *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->unit);
	free(r->container_id);
	free(r->container_name);
	free(r->pod_uid);
	free(r->pod_namespace);
	free(r->pod_name);
	free(r);
}

/* strdup of a field that may be empty: "" is NULL. Out of memory loses that name only. */
static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

/* ---- the worker's side: resolving one key ---- */

static struct result *resolve_user(uint32_t uid)
{
	size_t size = 1024;
	struct result *r = NULL;

	for (;;) {
		struct passwd pw, *found = NULL;
		char *buf = malloc(size);
		int err;

		if (!buf)
			return NULL;
		err = getpwuid_r(uid, &pw, buf, size, &found);
		if (err == ERANGE && size < (1u << 20)) {
			free(buf);
			size *= 4;
			continue;
		}
		if (!err && found && found->pw_name && found->pw_name[0]) {
			r = calloc(1, sizeof(*r));
			if (r)
				r->text = strdup(found->pw_name);
		}
		free(buf);
		return r;
	}
}

/* Depth-first under dfd (whose path below the root is path) for the directory with inode ino. */
static bool walk_for(int dfd, char *path, size_t len, size_t cap, uint64_t ino, int depth)
{
	DIR *d;
	struct dirent *e;
	bool found = false;

	if (depth > WALK_MAX_DEPTH)
		return false;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return false;
	}
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct stat st;
		int fd;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (len + 1 + n + 1 > cap)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		if (e->d_ino == ino) {
			found = true;
			break;
		}
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && st.st_ino == ino) {
			close(fd);
			found = true;
			break;
		}
		found = walk_for(fd, path, len + 1 + n, cap, ino, depth + 1);
	}
	if (!found)
		path[len] = '\0';
	closedir(d);
	return found;
}

/*
 * The path of cgroup id below the v2 root: the cgroup id is the inode number
 * of its directory. Walking is cheap next to a tick's budget and needs no
 * privilege beyond reading directories, which nethound keeps after it drops
 * capabilities.
 */
/*
 * The quick way, with CAP_DAC_READ_SEARCH: the kernel opens the cgroup by
 * its id (a kernfs file handle is the id), and /proc/self/fd names it.
 */
static bool cgroup_path_by_handle(int root_fd, const char *root_path, uint64_t id, char *path,
				  size_t cap)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = {.fh = {.handle_bytes = sizeof(uint64_t), .handle_type = 0xfe /* FILEID_KERNFS */},
	       .id = id};
	char link[64], target[PATH_MAX];
	size_t len = root_path ? strlen(root_path) : 0;
	ssize_t n;
	int fd;

	if (!root_path)
		return false;
	fd = open_by_handle_at(root_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n <= 0 || (size_t)n < len)
		return false;
	target[n] = '\0';
	if (memcmp(target, root_path, len) != 0 || (target[len] != '/' && target[len] != '\0'))
		return false;
	snprintf(path, cap, "%s", target[len] ? target + len : "/");
	return true;
}

static bool cgroup_path_of(int root_fd, uint64_t id, char *path, size_t cap)
{
	struct stat st;
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return false;
	path[0] = '\0';
	if (fstat(fd, &st) == 0 && st.st_ino == id) {
		close(fd);
		snprintf(path, cap, "/");
		return true;
	}
	return walk_for(fd, path, 0, cap, id, 0);
}

static bool result_labels(struct result *r, const char *state_root, const struct cgroup_labels *l)
{
	struct state_names names;

	if (!l->runtime[0] && !l->pod_uid[0])
		return false;
	identity_state_names(state_root, l, &names);
	r->runtime = l->runtime[0] ? l->runtime : NULL;
	r->container_id = dup_or_null(l->container_id);
	r->container_name = dup_or_null(names.container);
	r->pod_uid = dup_or_null(l->pod_uid);
	r->pod_namespace = dup_or_null(names.pod_namespace);
	r->pod_name = dup_or_null(names.pod_name);
	return true;
}

/* What a cgroup's path says, with the names its runtime's state gives. */
static struct result *cgroup_result(const struct identity *id, const char *path)
{
	struct cgroup_labels l;
	struct result *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->text = strdup(path[0] ? path : "/");
	cgroup_path_parse(path, &l);
	r->unit = dup_or_null(l.unit);
	result_labels(r, id->state_root, &l);
	return r;
}

static struct result *resolve_cgroup(const struct identity *id, uint64_t cgid)
{
	char path[PATH_MAX];

	if (id->cgroup_fd < 0 ||
	    (!cgroup_path_by_handle(id->cgroup_fd, id->cgroup_fd_path, cgid, path, sizeof(path)) &&
	     !cgroup_path_of(id->cgroup_fd, cgid, path, sizeof(path))))
		return NULL;
	return cgroup_result(id, path);
}

/* /proc/PID/stat's start time (field 22, clock ticks since boot) in ns. */
static bool proc_start_boottime(int dirfd, uint64_t *ns)
{
	char buf[1024], *p;
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	int fd = openat(dirfd, "stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || hz <= 0)
		return false;
	buf[n] = '\0';
	/* comm may hold spaces and ')': the fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return false;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return false;
	}
	if (sscanf(p, " %llu", &ticks) != 1)
		return false;
	*ns = (uint64_t)ticks * (1000000000ull / (uint64_t)hz);
	return true;
}

/*
 * The process the kernel saw (pid and CLOCK_MONOTONIC start) is the one at
 * /proc/PID: its boot-time start, less the boot-to-monotonic offset, agrees
 * within two clock ticks. Otherwise the PID was reused.
 */
static uint64_t boot_offset_ns(void)
{
	struct timespec mono, boot;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return (uint64_t)(boot.tv_sec - mono.tv_sec) * 1000000000ull + (uint64_t)boot.tv_nsec -
	       (uint64_t)mono.tv_nsec;
}

/* A boot-time start from /proc and the kernel's CLOCK_MONOTONIC start_ns agree within 2 ticks. */
static bool same_start(uint64_t boot_started, uint64_t start_ns, uint64_t offset)
{
	uint64_t tick = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);

	start_ns += offset;
	return boot_started + 2 * tick >= start_ns && start_ns + 2 * tick >= boot_started;
}

static bool same_process(int dirfd, uint64_t start_ns)
{
	uint64_t started;

	return proc_start_boottime(dirfd, &started) &&
	       same_start(started, start_ns, boot_offset_ns());
}

/* cgroup v1 lines of /proc/PID/cgroup: where the cgroupfs drivers put containers on hybrid hosts.
 */
static void proc_v1_labels(int dirfd, struct result *r, const char *state_root)
{
	char line[4096];
	FILE *f;
	int fd = openat(dirfd, "cgroup", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, ':');
		struct cgroup_labels l;

		if (!path || !strncmp(line, "0:", 2))
			continue;
		path = strchr(path + 1, ':');
		if (!path)
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (cgroup_path_parse(path + 1, &l) && result_labels(r, state_root, &l))
			break;
	}
	fclose(f);
}

static struct result *resolve_proc(const struct identity *id, uint32_t pid, uint64_t start_ns)
{
	char dir[32], exe[PATH_MAX];
	struct result *r;
	ssize_t n;
	int fd;

	snprintf(dir, sizeof(dir), "/proc/%u", pid);
	/* Everything below is read through this one directory: the process cannot change under us.
	 */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (!same_process(fd, start_ns)) {
		close(fd);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r) {
		n = readlinkat(fd, "exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			r->text = strdup(exe);
		}
		proc_v1_labels(fd, r, id->state_root);
	}
	close(fd);
	return r;
}

static struct result *resolve(const struct identity *id, const struct key *k)
{
	switch (k->kind) {
	case KIND_USER:
		return resolve_user((uint32_t)k->a);
	case KIND_CGROUP:
		return resolve_cgroup(id, k->a);
	case KIND_PROC:
		return resolve_proc(id, (uint32_t)k->a, k->b);
	}
	return NULL;
}

static void destroy(struct identity *id)
{
	while (id->done) {
		struct done *d = id->done;

		id->done = d->next;
		result_free(d->res);
		free(d);
	}
	for (int i = 0; i < IDENTITY_CACHE_CAPACITY; i++)
		result_free(id->entries[i].res);
	if (id->cgroup_fd >= 0)
		close(id->cgroup_fd);
	free(id->cgroup_fd_path);
	free(id->state_root);
	pthread_cond_destroy(&id->work);
	pthread_mutex_destroy(&id->lock);
	free(id);
}

/* Drop one reference; the caller holds the lock, which is released. */
static void put_locked(struct identity *id)
{
	bool last = --id->refs == 0;

	pthread_mutex_unlock(&id->lock);
	if (last)
		destroy(id);
}

/* Hand a start-up result to the pipeline's thread; false once stopping. */
static bool post_prefetched(struct identity *id, struct key k, struct result *r)
{
	struct done *d = calloc(1, sizeof(*d));
	bool go_on;

	if (!d) {
		result_free(r);
		return false;
	}
	d->key = k;
	d->res = r;
	d->prefetched = true;
	pthread_mutex_lock(&id->lock);
	d->next = id->done;
	id->done = d;
	go_on = !id->stopping;
	pthread_mutex_unlock(&id->lock);
	return go_on;
}

/* Every cgroup under dfd (whose path below the root is path), depth first. */
static void prefetch_walk(struct identity *id, int dfd, char *path, size_t len, size_t cap,
			  int depth, size_t *budget)
{
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (fstat(dfd, &st) || !*budget ||
	    !post_prefetched(id, (struct key){KIND_CGROUP, st.st_ino, 0},
			     cgroup_result(id, len ? path : "/"))) {
		close(dfd);
		*budget = 0;
		return;
	}
	--*budget;
	d = depth < WALK_MAX_DEPTH ? fdopendir(dfd) : NULL;
	if (!d) {
		close(dfd);
		return;
	}
	while (*budget && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int fd;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    len + 1 + n + 1 > cap)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		prefetch_walk(id, fd, path, len + 1 + n, cap, depth + 1, budget);
		path[len] = '\0';
	}
	closedir(d);
}

/* A running process's executable, with its start to match the kernel's key later. */
static struct result *pid_result(const struct identity *id, int dirfd)
{
	char exe[PATH_MAX];
	struct result *r;
	uint64_t started;
	ssize_t n;

	if (!proc_start_boottime(dirfd, &started))
		return NULL;
	n = readlinkat(dirfd, "exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	r = calloc(1, sizeof(*r));
	if (r) {
		r->text = strdup(exe);
		r->boot_start_ns = started;
		proc_v1_labels(dirfd, r, id->state_root);
	}
	return r;
}

/*
 * The processes running now (/proc/PID/status and exe): their users, and
 * their executables by pid, so processes first seen at the first tick are
 * named in it too.
 */
static void prefetch_processes(struct identity *id)
{
	uint32_t *seen = calloc(PREFETCH_MAX, sizeof(*seen));
	size_t nseen = 0, nprocs = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");

	while (seen && d && nprocs < PREFETCH_MAX && (e = readdir(d))) {
		char file[64], line[256];
		unsigned int uid = 0;
		bool known = false, found = false;
		FILE *f;
		int fd, dfd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(file, sizeof(file), "/proc/%.20s", e->d_name);
		dfd = open(file, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		nprocs++;
		if (!post_prefetched(id, (struct key){KIND_PID, strtoul(e->d_name, NULL, 10), 0},
				     pid_result(id, dfd))) {
			close(dfd);
			break;
		}
		fd = openat(dfd, "status", O_RDONLY | O_CLOEXEC);
		close(dfd);
		f = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (!f) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while (!found && fgets(line, sizeof(line), f))
			found = sscanf(line, "Uid: %u", &uid) == 1;
		fclose(f);
		for (size_t i = 0; i < nseen && !known; i++)
			known = seen[i] == uid;
		if (!found || known || nseen == PREFETCH_MAX)
			continue;
		seen[nseen++] = uid;
		if (!post_prefetched(id, (struct key){KIND_USER, uid, 0}, resolve_user(uid)))
			break;
	}
	if (d)
		closedir(d);
	free(seen);
}

/*
 * Before the first tick asks: every cgroup that exists and the users of the
 * processes running, so a first snapshot (a one-shot dump) has their names.
 * On the worker, while the pipeline loads and attaches; never waited for.
 */
static void prefetch(struct identity *id)
{
	char path[PATH_MAX];
	size_t budget = PREFETCH_MAX;
	int fd = id->cgroup_fd >= 0 ? openat(id->cgroup_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				    : -1;

	path[0] = '\0';
	if (fd >= 0)
		prefetch_walk(id, fd, path, 0, sizeof(path), 0, &budget);
	prefetch_processes(id);
}

static void *worker_main(void *arg)
{
	struct identity *id = arg;

	prefetch(id);
	pthread_mutex_lock(&id->lock);
	for (;;) {
		struct key k;
		struct done *d;

		while (!id->stopping && id->queue_len == 0)
			pthread_cond_wait(&id->work, &id->lock);
		if (id->stopping)
			break;
		k = id->queue[id->queue_head];
		id->queue_head = (id->queue_head + 1) % IDENTITY_QUEUE_CAPACITY;
		id->queue_len--;
		pthread_mutex_unlock(&id->lock);

		d = calloc(1, sizeof(*d));
		if (d) {
			d->key = k;
			d->res = resolve(id, &k);
		}

		pthread_mutex_lock(&id->lock);
		/* Out of memory: the entry stays pending and is forgotten by the sweep. */
		if (d) {
			d->next = id->done;
			id->done = d;
		}
	}
	put_locked(id);
	return NULL;
}

/* The first cgroup2 mount point in a mountinfo file (octal escapes undone). */
static char *find_cgroup2(const char *mountinfo)
{
	FILE *f = fopen(mountinfo, "re");
	char line[4096], *found = NULL;

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		char mnt[4096];
		size_t o = 0;
		const char *p;
		int field = 0;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		for (p = line; *p && field < 4; p++)
			if (*p == ' ')
				field++;
		while (*p && *p != ' ' && o + 1 < sizeof(mnt)) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] && p[3]) {
				mnt[o++] =
				    (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
				p += 4;
			} else {
				mnt[o++] = *p++;
			}
		}
		mnt[o] = '\0';
		found = strdup(mnt);
	}
	fclose(f);
	return found;
}

/*
 * The cgroup v2 root: given, else our mount namespace's, else (ip netns exec
 * mounts a fresh /sys over the cgroup mounts) the one init or our parent
 * sees, through /proc/PID/root. -1 if there is none: cgroup paths stay unknown.
 */
static int open_cgroup_root(const char *given)
{
	char *mnt = given ? strdup(given) : find_cgroup2("/proc/self/mountinfo");
	int others[2] = {1, (int)getppid()};
	int fd = -1;

	if (mnt)
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(mnt);
	for (size_t i = 0; fd < 0 && !given && i < sizeof(others) / sizeof(others[0]); i++) {
		char info[64], path[4096 + 32];

		snprintf(info, sizeof(info), "/proc/%d/mountinfo", others[i]);
		mnt = find_cgroup2(info);
		if (mnt) {
			snprintf(path, sizeof(path), "/proc/%d/root%s", others[i], mnt);
			fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
		free(mnt);
	}
	return fd;
}

/* What /proc/self/fd says fd is; NULL if it cannot. */
static char *fd_path(int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	/* The root itself is "/": the prefix to strip is then empty. */
	return strdup(strcmp(target, "/") == 0 ? "" : target);
}

struct identity *identity_new(const struct identity_config *cfg)
{
	const char *state_root = cfg && cfg->state_root ? cfg->state_root : NULL;
	pthread_attr_t attr;
	sigset_t all, old;
	struct identity *id;
	pthread_t tid;
	int err;

	/*
	 * Tests point the state directories at a tree of their own (README,
	 * "Identity"); never when run with file capabilities by someone else.
	 */
	if (!state_root)
		state_root = secure_getenv("NETHOUND_STATE_ROOT");
	id = calloc(1, sizeof(*id));
	if (!id)
		return NULL;
	err = pthread_mutex_init(&id->lock, NULL);
	if (err) {
		free(id);
		errno = err;
		return NULL;
	}
	err = pthread_cond_init(&id->work, NULL);
	if (err) {
		pthread_mutex_destroy(&id->lock);
		free(id);
		errno = err;
		return NULL;
	}
	id->refs = 1;
	id->cgroup_fd = open_cgroup_root(cfg ? cfg->cgroup_root : NULL);
	id->cgroup_fd_path = fd_path(id->cgroup_fd);
	id->state_root = strdup(state_root ? state_root : "");
	for (int i = 0; i < BUCKETS; i++)
		id->buckets[i] = NONE;
	for (int i = 0; i < IDENTITY_CACHE_CAPACITY; i++)
		id->entries[i].next = i + 1 < IDENTITY_CACHE_CAPACITY ? i + 1 : NONE;
	id->free_list = 0;
	if (!id->state_root) {
		destroy(id);
		errno = ENOMEM;
		return NULL;
	}

	err = pthread_attr_init(&attr);
	if (err) {
		destroy(id);
		errno = err;
		return NULL;
	}
	/* Detached: nethound never waits on a hung NSS module or a slow disk to exit. */
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	id->refs++;
	err = pthread_create(&tid, &attr, worker_main, id);
	if (err)
		id->refs--;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err) {
		destroy(id);
		errno = err;
		return NULL;
	}
	return id;
}

void identity_free(struct identity *id)
{
	if (!id)
		return;
	pthread_mutex_lock(&id->lock);
	id->stopping = true;
	id->queue_len = 0;
	pthread_cond_broadcast(&id->work);
	put_locked(id);
}

/* ---- the pipeline thread's side: the cache ---- */

static unsigned int key_bucket(const struct key *k)
{
	uint64_t h = k->kind * 0x9e3779b97f4a7c15ull;

	h ^= k->a + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= k->b + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (unsigned int)(h & (BUCKETS - 1));
}

static bool key_equal(const struct key *x, const struct key *y)
{
	return x->kind == y->kind && x->a == y->a && x->b == y->b;
}

static struct entry *find_entry(struct identity *id, const struct key *k)
{
	for (int i = id->buckets[key_bucket(k)]; i != NONE; i = id->entries[i].next)
		if (key_equal(&id->entries[i].key, k))
			return &id->entries[i];
	return NULL;
}

static void remove_entry(struct identity *id, struct entry *e)
{
	int i = (int)(e - id->entries);
	int *link = &id->buckets[key_bucket(&e->key)];

	while (*link != i)
		link = &id->entries[*link].next;
	*link = e->next;
	result_free(e->res);
	memset(e, 0, sizeof(*e));
	e->next = id->free_list;
	id->free_list = i;
}

static bool request(struct identity *id, struct entry *e)
{
	bool queued = false;

	pthread_mutex_lock(&id->lock);
	if (id->queue_len < IDENTITY_QUEUE_CAPACITY) {
		id->queue[(id->queue_head + id->queue_len) % IDENTITY_QUEUE_CAPACITY] = e->key;
		id->queue_len++;
		pthread_cond_signal(&id->work);
		queued = true;
	}
	pthread_mutex_unlock(&id->lock);
	e->pending = queued;
	return queued;
}

/*
 * What is known of k; asks the worker if nothing is, or if it is time to ask
 * again. *settled: k has been resolved (even to nothing).
 */
static const struct result *ask(struct identity *id, struct key k, bool may_request, bool *settled)
{
	struct entry *e = find_entry(id, &k);

	*settled = e && e->settled;
	if (!e) {
		unsigned int b;
		int i;

		if (!may_request || id->free_list == NONE)
			return NULL;
		i = id->free_list;
		e = &id->entries[i];
		id->free_list = e->next;
		b = key_bucket(&k);
		*e = (struct entry){.key = k, .in_use = true, .next = id->buckets[b]};
		id->buckets[b] = i;
		e->last_use = id->now;
		request(id, e);
		return NULL;
	}
	e->last_use = id->now;
	if (may_request && !e->pending && id->now >= e->refresh_at)
		request(id, e);
	return e->res;
}

/* Fields the new result lacks keep the old values: a stopped container keeps its name. */
static void merge_into(struct result *new, struct result *old)
{
	char **pairs[][2] = {
	    {&new->unit, &old->unit},
	    {&new->container_id, &old->container_id},
	    {&new->container_name, &old->container_name},
	    {&new->pod_uid, &old->pod_uid},
	    {&new->pod_namespace, &old->pod_namespace},
	    {&new->pod_name, &old->pod_name},
	};

	if (!new->runtime)
		new->runtime = old->runtime;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!*pairs[i][0]) {
			*pairs[i][0] = *pairs[i][1];
			*pairs[i][1] = NULL;
		}
	}
}

static double next_refresh(const struct key *k, const struct result *r, double now)
{
	switch (k->kind) {
	case KIND_USER:
		return now + USER_REFRESH_S;
	case KIND_CGROUP:
		if (!r)
			return now + MISS_REFRESH_S;
		if ((r->runtime && !r->container_name && strcmp(r->runtime, "lxc") != 0) ||
		    (r->pod_uid && !r->pod_namespace))
			return now + UNNAMED_REFRESH_S;
		return INFINITY;
	default:
		return INFINITY; /* a process's executable is read once */
	}
}

/* An entry for a start-up result nothing asked for yet; NULL if known already or no room. */
static struct entry *prefetched_entry(struct identity *id, const struct done *d)
{
	unsigned int b = key_bucket(&d->key);
	struct entry *e;
	int i;

	if (id->free_list == NONE)
		return NULL;
	i = id->free_list;
	e = &id->entries[i];
	id->free_list = e->next;
	*e = (struct entry){
	    .key = d->key, .in_use = true, .next = id->buckets[b], .last_use = id->now};
	id->buckets[b] = i;
	return e;
}

static void settle(struct identity *id, struct done *d)
{
	struct entry *e = find_entry(id, &d->key);

	/* A start-up result for a key already asked for: the asked one is on its way. */
	if (d->prefetched && e && (e->pending || e->settled)) {
		result_free(d->res);
		return;
	}
	if (!e && d->prefetched)
		e = prefetched_entry(id, d);
	if (!e) {
		result_free(d->res);
		return;
	}
	e->pending = false;
	e->settled = true;
	if (d->res && e->res && d->key.kind == KIND_CGROUP)
		merge_into(d->res, e->res);
	/* A cgroup or user that vanished keeps its last name. */
	if (d->res || !e->res) {
		result_free(e->res);
		e->res = d->res;
	} else {
		result_free(d->res);
	}
	e->refresh_at = next_refresh(&e->key, e->res, id->now);
	/* The cgroup is gone for good once found missing after it was named. */
	if (!d->res && e->res && d->key.kind == KIND_CGROUP)
		e->refresh_at = INFINITY;
}

void identity_tick(struct identity *id, double now)
{
	struct done *list;

	if (!id)
		return;
	id->now = now;
	id->boot_offset_ns = boot_offset_ns();
	pthread_mutex_lock(&id->lock);
	list = id->done;
	id->done = NULL;
	pthread_mutex_unlock(&id->lock);
	while (list) {
		struct done *d = list;

		list = d->next;
		settle(id, d);
		free(d);
	}
	/* A sweep every few seconds costs the capacity, not a tick's work per process. */
	if (now - id->swept >= 10.0) {
		id->swept = now;
		for (int i = 0; i < IDENTITY_CACHE_CAPACITY; i++) {
			struct entry *e = &id->entries[i];

			if (e->in_use && !e->pending && now - e->last_use > UNUSED_SWEEP_S)
				remove_entry(id, e);
		}
	}
}

void identity_fill(struct identity *id, struct process_stats *p)
{
	const struct result *user, *cg, *proc, *c;
	bool user_known, cg_known, proc_known;

	memset(&p->ident, 0, sizeof(p->ident));
	if (!id)
		return;
	user = ask(id, (struct key){KIND_USER, p->uid, 0}, true, &user_known);
	cg = ask(id, (struct key){KIND_CGROUP, p->cgroup_id, 0}, true, &cg_known);
	/* An exited process has no /proc entry left to read. */
	proc = ask(id, (struct key){KIND_PROC, p->pid, p->start_ns}, !p->exited, &proc_known);
	if (!proc_known) {
		/* Running when nethound started: named by the start-up sweep if it is this process.
		 */
		const struct entry *e = find_entry(id, &(struct key){KIND_PID, p->pid, 0});

		if (e && e->res &&
		    same_start(e->res->boot_start_ns, p->start_ns, id->boot_offset_ns)) {
			proc = e->res;
			proc_known = true;
		}
	}
	/* On a hybrid host the container may come from the process's v1 paths. */
	p->ident.pending = !user_known || !cg_known ||
			   (!p->exited && !proc_known && !(cg && (cg->runtime || cg->pod_uid)));
	p->ident.user = user ? user->text : NULL;
	p->ident.exe = proc ? proc->text : NULL;
	if (cg) {
		p->ident.cgroup_path = cg->text;
		p->ident.unit = cg->unit;
	}
	/* The v2 path names the container, else a v1 path (cgroupfs drivers on hybrid hosts). */
	c = cg && (cg->runtime || cg->pod_uid) ? cg : proc;
	if (c) {
		p->ident.container_runtime = c->runtime;
		p->ident.container_id = c->runtime ? c->container_id : NULL;
		p->ident.container_name = c->runtime ? c->container_name : NULL;
		p->ident.pod_uid = c->pod_uid;
		p->ident.pod_namespace = c->pod_namespace;
		p->ident.pod_name = c->pod_name;
	}
}
