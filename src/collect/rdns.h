/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reverse DNS for the live view and JSON output. A lookup never waits for a
 * resolver: the polling loop asks every tick, gets a name once a worker thread
 * has found one, and shows the address until then.
 */
#ifndef NETHOUND_RDNS_H
#define NETHOUND_RDNS_H

#include <stdbool.h>
#include <stddef.h>

/* Distinct addresses remembered; the least recently used one makes room. */
#define RDNS_CACHE_CAPACITY 4096
/* Addresses waiting for a worker; more are dropped and asked for again next tick. */
#define RDNS_QUEUE_CAPACITY 256
/* Sanity bound for rdns_new_with(). */
#define RDNS_MAX_WORKERS 64

struct rdns;

/*
 * Resolve one address (IPv4 in the first 4 bytes of addr, the rest zero) into
 * host, NUL-terminated. Returns 0 on success, nonzero if the address has no
 * name or the resolver failed. Called from worker threads.
 */
typedef int (*rdns_resolve_fn)(int family, const unsigned char addr[16], char *host,
			       size_t hostlen);

/* getnameinfo(NI_NAMEREQD) on 2 workers. NULL with errno set on failure. */
struct rdns *rdns_new(void);

/* Tests inject a resolver; workers is 1..RDNS_MAX_WORKERS. */
struct rdns *rdns_new_with(rdns_resolve_fn fn, size_t workers);

/*
 * Never waits: workers are detached and the last of them to leave frees the
 * shared state. A worker inside a resolve (getnameinfo() cannot be cancelled)
 * finishes it after rdns_free() has returned, so fn and whatever it uses must
 * stay valid until then; the default resolver needs nothing. Must not race
 * with rdns_lookup() on the same object.
 */
void rdns_free(struct rdns *r);

/*
 * Copy the cached name for addr into host (NUL-terminated, truncated to
 * hostlen) and return true. Otherwise return false and leave host alone: the
 * address is known to have no name, or a lookup is queued (or the queue is
 * full, and the next call tries again). family is AF_INET or AF_INET6; an
 * IPv4-mapped IPv6 address shares the plain IPv4 entry. Thread-safe.
 */
bool rdns_lookup(struct rdns *r, int family, const unsigned char addr[16], char *host,
		 size_t hostlen);

#endif
