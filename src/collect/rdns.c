// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdns.c: cached reverse DNS resolved by worker threads.
 *
 * The cache is a fixed array of entries chained into hash buckets. An address
 * being resolved has a PENDING entry, so repeated asks while it is queued or in
 * flight cost nothing and reach the resolver once. Failures are cached too:
 * a dead DNS server must not be asked again every second.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "collect/rdns.h"

#define NSEC_PER_SEC 1000000000ull
#define NAMED_TTL_NS (600 * NSEC_PER_SEC)
#define NAMELESS_TTL_NS (60 * NSEC_PER_SEC)
#define DEFAULT_WORKERS 2
/* Twice the entries keeps chains short; a power of two so the hash can be masked. */
#define BUCKETS (2 * RDNS_CACHE_CAPACITY)
#define NONE (-1)

struct key {
	int family;
	unsigned char addr[16];
};

enum entry_state {
	ENTRY_FREE,
	ENTRY_PENDING,
	ENTRY_NAMED,
	ENTRY_NAMELESS,
};

struct entry {
	struct key key;
	enum entry_state state;
	int next; /* bucket chain while in use, free list otherwise */
	char *name;
	uint64_t expires_ns;
	uint64_t last_use; /* use_clock value; a counter orders uses within one clock tick too */
};

struct rdns {
	pthread_mutex_t lock;
	pthread_cond_t work;
	rdns_resolve_fn resolve; /* set before the workers start, never changed */
	bool stopping;
	unsigned int refs; /* the owner's plus one per live worker */
	uint64_t use_clock;
	int free_list;
	unsigned int queue_head;
	unsigned int queue_len;
	struct key queue[RDNS_QUEUE_CAPACITY];
	int buckets[BUCKETS];
	struct entry entries[RDNS_CACHE_CAPACITY];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int resolve_getnameinfo(int family, const unsigned char addr[16], char *host, size_t hostlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
	} else {
		return EAI_FAMILY;
	}
	return getnameinfo((struct sockaddr *)&ss, len, host, (socklen_t)hostlen, NULL, 0,
			   NI_NAMEREQD);
}

/* Equal addresses must give equal keys whatever the caller left in unused bytes. */
static bool make_key(struct key *k, int family, const unsigned char addr[16])
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(k, 0, sizeof(*k));
	if (family == AF_INET) {
		k->family = AF_INET;
		memcpy(k->addr, addr, 4);
	} else if (family == AF_INET6 && memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
		/* A dual-stack socket's IPv4 peer: the same host, the same PTR record. */
		k->family = AF_INET;
		memcpy(k->addr, addr + 12, 4);
	} else if (family == AF_INET6) {
		k->family = AF_INET6;
		memcpy(k->addr, addr, 16);
	} else {
		return false;
	}
	return true;
}

static bool key_equal(const struct key *a, const struct key *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static unsigned int key_bucket(const struct key *k)
{
	uint32_t h = 2166136261u ^ (uint32_t)k->family; /* FNV-1a */

	for (size_t i = 0; i < sizeof(k->addr); i++) {
		h ^= k->addr[i];
		h *= 16777619u;
	}
	return h & (BUCKETS - 1);
}

static int find_entry(const struct rdns *r, const struct key *k, unsigned int bucket)
{
	for (int i = r->buckets[bucket]; i != NONE; i = r->entries[i].next)
		if (key_equal(&r->entries[i].key, k))
			return i;
	return NONE;
}

static void remove_entry(struct rdns *r, int i)
{
	struct entry *e = &r->entries[i];
	int *link = &r->buckets[key_bucket(&e->key)];

	while (*link != i)
		link = &r->entries[*link].next;
	*link = e->next;

	free(e->name);
	e->name = NULL;
	e->state = ENTRY_FREE;
	e->next = r->free_list;
	r->free_list = i;
}

/*
 * A free entry, or the least recently used settled one. PENDING entries stay:
 * a worker will fill them. NONE only if every entry is pending.
 */
static int take_entry(struct rdns *r)
{
	int victim = NONE;

	if (r->free_list == NONE) {
		for (int i = 0; i < RDNS_CACHE_CAPACITY; i++) {
			const struct entry *e = &r->entries[i];

			if (e->state != ENTRY_PENDING &&
			    (victim == NONE || e->last_use < r->entries[victim].last_use))
				victim = i;
		}
		if (victim == NONE)
			return NONE;
		remove_entry(r, victim);
	}
	victim = r->free_list;
	r->free_list = r->entries[victim].next;
	return victim;
}

/* Queue k for a worker; if the queue or cache is full, the caller's next tick asks again. */
static void request(struct rdns *r, const struct key *k, unsigned int bucket)
{
	struct entry *e;
	int i;

	if (r->queue_len == RDNS_QUEUE_CAPACITY)
		return;
	i = take_entry(r);
	if (i == NONE)
		return;

	e = &r->entries[i];
	e->key = *k;
	e->state = ENTRY_PENDING;
	e->name = NULL;
	e->last_use = ++r->use_clock;
	/* Read the head only now: evicting above may have unlinked from this very bucket. */
	e->next = r->buckets[bucket];
	r->buckets[bucket] = i;

	r->queue[(r->queue_head + r->queue_len) % RDNS_QUEUE_CAPACITY] = *k;
	r->queue_len++;
	pthread_cond_signal(&r->work);
}

/* Settle the PENDING entry for k; takes ownership of name (NULL: no name). */
static void store_result(struct rdns *r, const struct key *k, char *name, uint64_t now)
{
	int i = find_entry(r, k, key_bucket(k));
	struct entry *e;

	if (i == NONE || r->entries[i].state != ENTRY_PENDING) {
		free(name);
		return;
	}
	e = &r->entries[i];
	e->name = name;
	e->state = name ? ENTRY_NAMED : ENTRY_NAMELESS;
	e->expires_ns = now + (name ? NAMED_TTL_NS : NAMELESS_TTL_NS);
	e->last_use = ++r->use_clock;
}

static void destroy(struct rdns *r)
{
	for (int i = 0; i < RDNS_CACHE_CAPACITY; i++)
		free(r->entries[i].name);
	pthread_cond_destroy(&r->work);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Drop one reference; the caller holds the lock, which is released. */
static void put_locked(struct rdns *r)
{
	bool last = --r->refs == 0;

	pthread_mutex_unlock(&r->lock);
	if (last)
		destroy(r);
}

static void *worker_main(void *arg)
{
	struct rdns *r = arg;
	char host[NI_MAXHOST];

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct key k;
		char *name = NULL;

		while (!r->stopping && r->queue_len == 0)
			pthread_cond_wait(&r->work, &r->lock);
		if (r->stopping)
			break;
		k = r->queue[r->queue_head];
		r->queue_head = (r->queue_head + 1) % RDNS_QUEUE_CAPACITY;
		r->queue_len--;
		pthread_mutex_unlock(&r->lock);

		host[0] = '\0';
		if (r->resolve(k.family, k.addr, host, sizeof(host)) == 0) {
			/* The resolver's bytes are untrusted; bound them before copying. */
			host[sizeof(host) - 1] = '\0';
			/* Out of memory counts as no name: retried when the entry expires. */
			if (host[0])
				name = strdup(host);
		}

		pthread_mutex_lock(&r->lock);
		store_result(r, &k, name, now_ns());
	}
	put_locked(r);
	return NULL;
}

struct rdns *rdns_new_with(rdns_resolve_fn fn, size_t workers)
{
	pthread_attr_t attr;
	sigset_t all, old;
	struct rdns *r;
	int err = 0;

	if (!fn || workers == 0 || workers > RDNS_MAX_WORKERS) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	err = pthread_mutex_init(&r->lock, NULL);
	if (err) {
		free(r);
		errno = err;
		return NULL;
	}
	err = pthread_cond_init(&r->work, NULL);
	if (err) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		errno = err;
		return NULL;
	}
	r->resolve = fn;
	r->refs = 1;
	for (int i = 0; i < BUCKETS; i++)
		r->buckets[i] = NONE;
	for (int i = 0; i < RDNS_CACHE_CAPACITY; i++)
		r->entries[i].next = i + 1 < RDNS_CACHE_CAPACITY ? i + 1 : NONE;
	r->free_list = 0;

	err = pthread_attr_init(&attr);
	if (err) {
		destroy(r);
		errno = err;
		return NULL;
	}
	/* Detached, so rdns_free() and program exit never wait on a dead DNS server. */
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Workers inherit a full mask: SIGINT and SIGTERM must reach the polling loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t n = 0; n < workers; n++) {
		pthread_t tid;

		pthread_mutex_lock(&r->lock);
		r->refs++;
		pthread_mutex_unlock(&r->lock);
		err = pthread_create(&tid, &attr, worker_main, r);
		if (err) {
			pthread_mutex_lock(&r->lock);
			r->refs--;
			pthread_mutex_unlock(&r->lock);
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err) {
		rdns_free(r);
		errno = err;
		return NULL;
	}
	return r;
}

struct rdns *rdns_new(void)
{
	return rdns_new_with(resolve_getnameinfo, DEFAULT_WORKERS);
}

void rdns_free(struct rdns *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	r->queue_len = 0;
	pthread_cond_broadcast(&r->work);
	put_locked(r);
}

static void copy_name(char *dst, size_t len, const char *src)
{
	size_t n;

	if (!dst || len == 0)
		return;
	n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

bool rdns_lookup(struct rdns *r, int family, const unsigned char addr[16], char *host,
		 size_t hostlen)
{
	bool found = false;
	unsigned int bucket;
	struct key k;
	uint64_t now;
	int i;

	if (!r || !addr || !make_key(&k, family, addr))
		return false;
	bucket = key_bucket(&k);
	now = now_ns();

	pthread_mutex_lock(&r->lock);
	i = find_entry(r, &k, bucket);
	if (i != NONE) {
		struct entry *e = &r->entries[i];

		if (e->state == ENTRY_PENDING)
			goto out;
		if (now < e->expires_ns) {
			e->last_use = ++r->use_clock;
			if (e->state == ENTRY_NAMED) {
				copy_name(host, hostlen, e->name);
				found = true;
			}
			goto out;
		}
		remove_entry(r, i);
	}
	request(r, &k, bucket);
out:
	pthread_mutex_unlock(&r->lock);
	return found;
}
