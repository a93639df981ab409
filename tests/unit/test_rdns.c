// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdns.c: non-blocking cached reverse DNS. Only 127.0.0.1 goes to the real
 * resolver (answered from /etc/hosts); every other address is handed to an
 * injected resolver so no test can send a DNS query off this machine.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "check.h"
#include "collect/rdns.h"

static atomic_uint resolver_calls;
static atomic_int resolver_inflight;
static atomic_bool resolver_saw_garbage; /* IPv4 key with nonzero bytes 4..15 */

/* Blocking resolvers wait here until the test opens the gate (or a timeout). */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void reset_counters(void)
{
	atomic_store(&resolver_calls, 0);
	atomic_store(&resolver_saw_garbage, false);
}

static void gate_set(bool open)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
}

/* Wait for the gate, at most timeout_s; the timeout keeps a broken test from hanging. */
static void gate_wait(int timeout_s)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_s;
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		if (pthread_cond_timedwait(&gate_cond, &gate_lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&gate_lock);
}

/* The name the fake resolvers give an address, so a test can tell every answer apart. */
static void fake_name(char *buf, size_t len, int family, const unsigned char a[16])
{
	if (family == AF_INET) {
		snprintf(buf, len, "v4-%u-%u-%u-%u.test", a[0], a[1], a[2], a[3]);
		return;
	}
	snprintf(buf, len, "v6-");
	for (int i = 0; i < 16 && strlen(buf) + 3 <= len; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%02x", a[i]);
}

static void note_call(int family, const unsigned char addr[16])
{
	atomic_fetch_add(&resolver_calls, 1);
	if (family == AF_INET)
		for (int i = 4; i < 16; i++)
			if (addr[i])
				atomic_store(&resolver_saw_garbage, true);
}

static int fast_resolver(int family, const unsigned char addr[16], char *host, size_t hostlen)
{
	note_call(family, addr);
	fake_name(host, hostlen, family, addr);
	return 0;
}

static int failing_resolver(int family, const unsigned char addr[16], char *host, size_t hostlen)
{
	(void)host;
	(void)hostlen;
	note_call(family, addr);
	return EAI_NONAME;
}

static int gated_resolver(int family, const unsigned char addr[16], char *host, size_t hostlen,
			  int timeout_s)
{
	atomic_fetch_add(&resolver_inflight, 1);
	note_call(family, addr);
	gate_wait(timeout_s);
	fake_name(host, hostlen, family, addr);
	atomic_fetch_sub(&resolver_inflight, 1);
	return 0;
}

/* A DNS server that takes 2 s to answer. */
static int slow_resolver(int family, const unsigned char addr[16], char *host, size_t hostlen)
{
	return gated_resolver(family, addr, host, hostlen, 2);
}

/* Stuck in a 3 s resolve, like glibc waiting on a dead server. */
static int stuck_resolver(int family, const unsigned char addr[16], char *host, size_t hostlen)
{
	return gated_resolver(family, addr, host, hostlen, 3);
}

/* Held until the test releases it; the timeout only guards against a hang. */
static int blocking_resolver(int family, const unsigned char addr[16], char *host, size_t hostlen)
{
	return gated_resolver(family, addr, host, hostlen, 10);
}

/* Ignores hostlen's terminator: fills the whole buffer without a NUL. */
static int unterminated_resolver(int family, const unsigned char addr[16], char *host,
				 size_t hostlen)
{
	note_call(family, addr);
	memset(host, 'a', hostlen);
	return 0;
}

/* Poll like the live view does, but every 10 ms, for up to timeout_ms. */
static bool poll_lookup(struct rdns *r, int family, const unsigned char addr[16], char *host,
			size_t hostlen, long timeout_ms)
{
	for (long waited = 0; waited <= timeout_ms; waited += 10) {
		if (rdns_lookup(r, family, addr, host, hostlen))
			return true;
		sleep_ms(10);
	}
	return false;
}

static bool wait_until_inflight(int n, long timeout_ms)
{
	for (long waited = 0; waited <= timeout_ms; waited++) {
		if (atomic_load(&resolver_inflight) == n)
			return true;
		sleep_ms(1);
	}
	return false;
}

/*
 * After rdns_free(), workers stuck in a resolve leave on their own: open the
 * gate, wait for them, and give the last one a moment to free the state so
 * valgrind sees no leak.
 */
static void drain_workers(void)
{
	gate_set(true);
	CHECK(wait_until_inflight(0, 5000));
	sleep_ms(50);
}

static void ipv4(unsigned char a[16], unsigned int n)
{
	memset(a, 0, 16);
	a[0] = 10;
	a[1] = (unsigned char)(n >> 16);
	a[2] = (unsigned char)(n >> 8);
	a[3] = (unsigned char)n;
}

/* ::ffff:a.b.c.d, what a dual-stack socket stores for an IPv4 peer. */
static void v4mapped(unsigned char a[16], const unsigned char v4[16])
{
	memset(a, 0, 16);
	a[10] = 0xff;
	a[11] = 0xff;
	memcpy(a + 12, v4, 4);
}

static void test_real_localhost(void)
{
	const unsigned char lo[16] = {127, 0, 0, 1};
	char host[NI_MAXHOST];
	char again[NI_MAXHOST];
	unsigned char lo_mapped[16];
	struct rdns *r = rdns_new();

	if (!CHECK(r != NULL))
		return;
	v4mapped(lo_mapped, lo);
	strcpy(host, "untouched");
	CHECK(!rdns_lookup(r, AF_INET, lo, host, sizeof(host)));
	CHECK_STR(host, "untouched");
	if (CHECK(poll_lookup(r, AF_INET, lo, host, sizeof(host), 5000))) {
		CHECK(host[0] != '\0');
		CHECK(strlen(host) < NI_MAXHOST);
		/* The IPv4-mapped form is answered from the same entry, with no new query. */
		CHECK(rdns_lookup(r, AF_INET6, lo_mapped, again, sizeof(again)));
		CHECK_STR(again, host);
	}
	rdns_free(r);
}

static void test_nonblocking(void)
{
	unsigned char a[16];
	char host[NI_MAXHOST];
	char want[NI_MAXHOST];
	struct rdns *r = rdns_new_with(slow_resolver, 2);
	unsigned int misses = 0;
	double start, elapsed;

	if (!CHECK(r != NULL))
		return;
	gate_set(false);
	reset_counters();
	start = now_s();
	for (unsigned int n = 0; n < 100; n++) {
		ipv4(a, n);
		misses += !rdns_lookup(r, AF_INET, a, host, sizeof(host));
	}
	elapsed = now_s() - start;
	CHECK(elapsed < 1.0);
	CHECK_UINT(misses, 100);

	/* Queued first, so among the first two answered after the 2 s resolve. */
	ipv4(a, 0);
	fake_name(want, sizeof(want), AF_INET, a);
	start = now_s();
	if (CHECK(poll_lookup(r, AF_INET, a, host, sizeof(host), 5000)))
		CHECK_STR(host, want);
	CHECK(now_s() - start > 1.0);
	rdns_free(r);
	drain_workers();
}

static void test_negative_cache(void)
{
	const unsigned char a[16] = {192, 0, 2, 99};
	char host[NI_MAXHOST];
	struct rdns *r = rdns_new_with(failing_resolver, 2);

	if (!CHECK(r != NULL))
		return;
	reset_counters();
	CHECK(!rdns_lookup(r, AF_INET, a, host, sizeof(host)));
	for (int waited = 0; waited < 5000 && atomic_load(&resolver_calls) == 0; waited++)
		sleep_ms(1);
	CHECK_UINT(atomic_load(&resolver_calls), 1);
	/* Until the failure is stored the entry is pending, which also asks nobody. */
	for (int i = 0; i < 20; i++) {
		CHECK(!rdns_lookup(r, AF_INET, a, host, sizeof(host)));
		sleep_ms(5);
	}
	CHECK_UINT(atomic_load(&resolver_calls), 1);
	rdns_free(r);
}

static void test_duplicates_in_flight(void)
{
	const unsigned char a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
	char host[NI_MAXHOST];
	char want[NI_MAXHOST];
	struct rdns *r = rdns_new_with(blocking_resolver, 4);

	if (!CHECK(r != NULL))
		return;
	gate_set(false);
	reset_counters();
	for (int i = 0; i < 50; i++)
		CHECK(!rdns_lookup(r, AF_INET6, a, host, sizeof(host)));
	CHECK(wait_until_inflight(1, 5000));
	for (int i = 0; i < 50; i++)
		CHECK(!rdns_lookup(r, AF_INET6, a, host, sizeof(host)));
	gate_set(true);
	fake_name(want, sizeof(want), AF_INET6, a);
	if (CHECK(poll_lookup(r, AF_INET6, a, host, sizeof(host), 5000)))
		CHECK_STR(host, want);
	CHECK_UINT(atomic_load(&resolver_calls), 1);
	rdns_free(r);
	drain_workers();
}

static void test_ipv4_normalisation(void)
{
	const unsigned char clean[16] = {192, 0, 2, 7};
	unsigned char garbage[16];
	unsigned char mapped[16];
	char host[NI_MAXHOST];
	struct rdns *r = rdns_new_with(fast_resolver, 2);

	if (!CHECK(r != NULL))
		return;
	/* Only the first 4 bytes count for IPv4; the rest is whatever the kernel left. */
	memset(garbage, 0xa5, sizeof(garbage));
	memcpy(garbage, clean, 4);
	v4mapped(mapped, clean);
	reset_counters();
	/* Asked first with garbage: the resolver must still see a clean address. */
	CHECK(!rdns_lookup(r, AF_INET, garbage, host, sizeof(host)));
	if (CHECK(poll_lookup(r, AF_INET, garbage, host, sizeof(host), 5000)))
		CHECK_STR(host, "v4-192-0-2-7.test");
	CHECK(rdns_lookup(r, AF_INET, clean, host, sizeof(host)));
	CHECK_STR(host, "v4-192-0-2-7.test");
	CHECK(rdns_lookup(r, AF_INET6, mapped, host, sizeof(host)));
	CHECK_STR(host, "v4-192-0-2-7.test");
	CHECK_UINT(atomic_load(&resolver_calls), 1);
	CHECK(!atomic_load(&resolver_saw_garbage));

	/* Unknown families are refused without a query. */
	CHECK(!rdns_lookup(r, AF_UNIX, clean, host, sizeof(host)));
	sleep_ms(20);
	CHECK_UINT(atomic_load(&resolver_calls), 1);
	rdns_free(r);
}

static void test_truncation(void)
{
	const unsigned char a[16] = {198, 51, 100, 1};
	const unsigned char b[16] = {198, 51, 100, 2};
	char small[8];
	char big[2 * NI_MAXHOST];
	struct rdns *r = rdns_new_with(fast_resolver, 1);
	struct rdns *u = rdns_new_with(unterminated_resolver, 1);

	if (!CHECK(r != NULL) || !CHECK(u != NULL)) {
		rdns_free(r);
		rdns_free(u);
		return;
	}
	if (CHECK(poll_lookup(r, AF_INET, a, big, sizeof(big), 5000))) {
		memset(small, 'X', sizeof(small));
		CHECK(rdns_lookup(r, AF_INET, a, small, sizeof(small)));
		CHECK_STR(small, "v4-198-");
		/* No room at all: still a hit, nothing written. */
		CHECK(rdns_lookup(r, AF_INET, a, small, 0));
	}
	/* A resolver that forgets the NUL yields at most NI_MAXHOST - 1 bytes. */
	if (CHECK(poll_lookup(u, AF_INET, b, big, sizeof(big), 5000)))
		CHECK_UINT(strlen(big), NI_MAXHOST - 1);
	rdns_free(r);
	rdns_free(u);
}

/*
 * Ask for addresses first..last-1 until each has been seen with its own name;
 * returns how many were never seen plus how many came with a wrong name.
 */
static unsigned int resolve_batch(struct rdns *r, unsigned int first, unsigned int last, bool *done)
{
	unsigned int remaining = last - first, wrong = 0;
	unsigned char a[16];
	char host[NI_MAXHOST];
	char want[NI_MAXHOST];

	for (long waited = 0; remaining && waited < 5000; waited++) {
		for (unsigned int n = first; n < last; n++) {
			if (done[n])
				continue;
			ipv4(a, n);
			if (!rdns_lookup(r, AF_INET, a, host, sizeof(host)))
				continue;
			fake_name(want, sizeof(want), AF_INET, a);
			wrong += strcmp(host, want) != 0;
			done[n] = true;
			remaining--;
		}
		if (remaining)
			sleep_ms(1);
	}
	return remaining + wrong;
}

static void test_bounded_queue(void)
{
	enum { TOTAL = 2 * RDNS_QUEUE_CAPACITY + 10 };
	static bool done[TOTAL];
	unsigned char a[16];
	char host[NI_MAXHOST];
	struct rdns *r = rdns_new_with(blocking_resolver, 2);

	if (!CHECK(r != NULL))
		return;
	gate_set(false);
	reset_counters();
	for (unsigned int n = 0; n < TOTAL; n++) {
		ipv4(a, n);
		CHECK(!rdns_lookup(r, AF_INET, a, host, sizeof(host)));
	}
	CHECK(wait_until_inflight(2, 5000));
	CHECK_UINT(atomic_load(&resolver_calls), 2);
	gate_set(true);

	/* Overflowed asks were dropped, not lost: asking again gets every name, each its own. */
	CHECK_UINT(resolve_batch(r, 0, TOTAL, done), 0);
	/* Each address reached the resolver exactly once. */
	CHECK_UINT(atomic_load(&resolver_calls), TOTAL);
	rdns_free(r);
	drain_workers();
}

/*
 * Batches, each fully seen before the next is asked, make the LRU order
 * deterministic: every batch is newer than all earlier ones, so filling past
 * capacity evicts the oldest batches and never an answer not yet seen.
 */
static void test_eviction(void)
{
	enum { TOTAL = RDNS_CACHE_CAPACITY + 500, BATCH = 128, OLD = 3 * BATCH };
	static bool done[TOTAL];
	unsigned char a[16];
	char host[NI_MAXHOST];
	char want[NI_MAXHOST];
	struct rdns *r = rdns_new_with(fast_resolver, 2);
	unsigned int failed = 0, wrong = 0, misses = 0;

	if (!CHECK(r != NULL))
		return;
	reset_counters();
	for (unsigned int first = 0; first < TOTAL; first += BATCH)
		failed +=
		    resolve_batch(r, first, first + BATCH < TOTAL ? first + BATCH : TOTAL, done);
	CHECK_UINT(failed, 0);
	/* Nothing seen was evicted before its turn, so nothing was resolved twice. */
	CHECK_UINT(atomic_load(&resolver_calls), TOTAL);

	/* The newest entries all survived and still carry their own names. */
	for (unsigned int n = TOTAL - (RDNS_CACHE_CAPACITY - BATCH); n < TOTAL; n++) {
		ipv4(a, n);
		fake_name(want, sizeof(want), AF_INET, a);
		if (rdns_lookup(r, AF_INET, a, host, sizeof(host)))
			wrong += strcmp(host, want) != 0;
		else
			misses++;
	}
	CHECK_UINT(misses, 0);
	CHECK_UINT(wrong, 0);
	CHECK_UINT(atomic_load(&resolver_calls), TOTAL);

	/* 500 had to go: at least the three oldest batches, 0 first among them. */
	misses = 0;
	for (unsigned int n = 0; n < OLD; n++) {
		ipv4(a, n);
		misses += !rdns_lookup(r, AF_INET, a, host, sizeof(host));
	}
	CHECK_UINT(misses, OLD);

	/* An evicted address is simply resolved again. */
	ipv4(a, 0);
	fake_name(want, sizeof(want), AF_INET, a);
	if (CHECK(poll_lookup(r, AF_INET, a, host, sizeof(host), 5000)))
		CHECK_STR(host, want);
	rdns_free(r);
}

static void test_free_is_prompt(void)
{
	const unsigned char a[16] = {203, 0, 113, 5};
	char host[NI_MAXHOST];
	struct rdns *r = rdns_new_with(stuck_resolver, 1);
	double start;

	if (!CHECK(r != NULL))
		return;
	gate_set(false);
	reset_counters();
	CHECK(!rdns_lookup(r, AF_INET, a, host, sizeof(host)));
	CHECK(wait_until_inflight(1, 5000));
	start = now_s();
	rdns_free(r);
	CHECK(now_s() - start < 1.0);
	/* Returned while the worker is still inside its resolve. */
	CHECK_INT(atomic_load(&resolver_inflight), 1);
	drain_workers();
}

static void test_bad_arguments(void)
{
	const unsigned char a[16] = {127, 0, 0, 1};
	char host[16];

	errno = 0;
	CHECK(rdns_new_with(NULL, 1) == NULL);
	CHECK_INT(errno, EINVAL);
	errno = 0;
	CHECK(rdns_new_with(fast_resolver, 0) == NULL);
	CHECK_INT(errno, EINVAL);
	CHECK(rdns_new_with(fast_resolver, RDNS_MAX_WORKERS + 1) == NULL);
	CHECK(!rdns_lookup(NULL, AF_INET, a, host, sizeof(host)));
	rdns_free(NULL);
}

int main(void)
{
	test_bad_arguments();
	test_real_localhost();
	test_nonblocking();
	test_negative_cache();
	test_duplicates_in_flight();
	test_ipv4_normalisation();
	test_truncation();
	test_bounded_queue();
	test_eviction();
	test_free_is_prompt();
	return check_finish("test_rdns");
}
