// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The metrics model without HTTP: counting, folding, exits, rendering and escaping. */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "settings/settings.h"
#include "sinks/metrics/metrics_model.h"
#include "sinks/metrics/metrics_table.h"

static const char *user_name(void *ctx, uint32_t uid)
{
	(void)ctx;
	return uid == 0 ? "root" : uid == 1000 ? "al\"ice" : NULL;
}

static void proc(struct process_stats *p, uint32_t pid, const char *comm, uint32_t uid,
		 uint64_t tx, uint64_t rx)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->uid = uid;
	memcpy(p->comm, comm, strnlen(comm, sizeof(p->comm) - 1));
	p->all.tx_bytes = tx;
	p->all.rx_bytes = rx;
	p->wire.tx_bytes = tx ? tx + 66 : 0;
}

static char *render(const struct metrics_state *st, enum metrics_format fmt)
{
	struct metrics_frame *f = metrics_frame_new(st, 1, "tracepoint", "tcx", 1.5);
	struct metrics_text t = { 0 };

	CHECK(f != NULL);
	CHECK_INT(metrics_render(f, fmt, user_name, NULL, 1, &t), 0);
	metrics_frame_free(f);
	return t.buf;
}

static void test_table_folds(void)
{
	struct metrics_table t;
	uint64_t one[2] = { 1, 2 };
	char key[8];

	metrics_table_init(&t, sizeof(key), 3);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5; i++) {
			memset(key, 0, sizeof(key));
			snprintf(key, sizeof(key), "k%d", i);
			CHECK_INT(metrics_table_add(&t, key, one, 2), 0);
		}
	}
	CHECK_UINT(t.n, 3);
	CHECK_UINT(metrics_table_values(&t, 0)[0], 2);
	CHECK_UINT(metrics_table_values(&t, 2)[1], 4);
	CHECK(t.other_used);
	CHECK_UINT(t.other[0], 4); /* k3 and k4, twice each */
	CHECK_UINT(t.folded_total, 2); /* each folded key counted once */
	metrics_table_free(&t);

	/* Growth past the first allocation keeps every key findable. */
	metrics_table_init(&t, sizeof(key), 5000);
	for (int i = 0; i < 3000; i++) {
		memset(key, 0, sizeof(key));
		snprintf(key, sizeof(key), "%d", i);
		metrics_table_add(&t, key, one, 1);
		metrics_table_add(&t, key, one, 1);
	}
	CHECK_UINT(t.n, 3000);
	CHECK_UINT(metrics_table_values(&t, 2999)[0], 2);
	CHECK(!t.other_used);
	metrics_table_free(&t);
}

static void test_sums_and_exits(void)
{
	struct process_stats p[3];
	struct snapshot s = { .procs = p, .nprocs = 3 };
	struct metrics_state st;
	char *text;

	metrics_state_init(&st, 100);
	proc(&p[0], 10, "curl", 0, 100, 5);
	proc(&p[1], 11, "curl", 0, 50, 0); /* same name and user: one series */
	proc(&p[2], 12, "idle", 0, 0, 0);  /* nothing moved: no series */
	metrics_state_update(&st, &s, true, NULL);
	/* Next tick: pid 10 exited with its last bytes, pid 11 is gone. */
	p[0].exited = true;
	p[0].all.tx_bytes = 7;
	s.nprocs = 1;
	metrics_state_update(&st, &s, true, NULL);
	/* Stopped (the live view's S): nothing counts. */
	metrics_state_update(&st, &s, false, NULL);
	/* A later process of the same name adds to the same series. */
	proc(&p[0], 13, "curl", 0, 1000, 0);
	metrics_state_update(&st, &s, true, NULL);
	text = render(&st, METRICS_FORMAT_PROMETHEUS);
	CHECK_CONTAINS(text, "nethound_process_transmit_bytes_total{name=\"curl\",user=\"root\"} 1157\n");
	CHECK_CONTAINS(text, "nethound_process_receive_bytes_total{name=\"curl\",user=\"root\"} 10\n");
	CHECK(strstr(text, "idle") == NULL);
	CHECK_CONTAINS(text, "# TYPE nethound_process_transmit_bytes_total counter\n");
	CHECK_CONTAINS(text, "nethound_ticks_total 4\n");
	CHECK_CONTAINS(text, "nethound_build_info{version=\"" NETHOUND_VERSION
			     "\",hooks=\"tracepoint\",tc=\"tcx\"} 1\n");
	CHECK_CONTAINS(text, "nethound_bpf_stats_enabled 1\n");
	CHECK(strstr(text, "# EOF") == NULL);
	free(text);
	text = render(&st, METRICS_FORMAT_OPENMETRICS);
	CHECK_CONTAINS(text, "# TYPE nethound_process_transmit_bytes counter\n");
	CHECK_CONTAINS(text, "# UNIT nethound_process_transmit_bytes bytes\n");
	CHECK_CONTAINS(text, "# TYPE nethound_build info\n");
	CHECK_CONTAINS(text, "nethound_process_transmit_bytes_total{name=\"curl\",user=\"root\"} 1157\n");
	CHECK(strlen(text) > 6 && strcmp(text + strlen(text) - 6, "# EOF\n") == 0);
	free(text);
	metrics_state_free(&st);
}

/*
 * Unit and container labels; a process whose identity is pending is held so
 * its first bytes land in its labelled series; one that never resolves is
 * counted under name and user after the hold.
 */
static void test_identity_labels_and_hold(void)
{
	struct process_stats p[2];
	struct snapshot s = { .procs = p, .nprocs = 2 };
	struct metrics_state st;
	char *text;

	metrics_state_init(&st, 100);
	proc(&p[0], 20, "nginx", 0, 300, 0);
	p[0].ident.pending = true;
	proc(&p[1], 21, "slow", 0, 7, 0);
	p[1].ident.pending = true;
	metrics_state_update(&st, &s, true, NULL);
	text = render(&st, METRICS_FORMAT_PROMETHEUS);
	CHECK(strstr(text, "name=\"nginx\"") == NULL); /* held, not yet a series */
	free(text);
	/* Known now: the held 300 and this tick's 200 go to the labelled series. */
	p[0].all.tx_bytes = 200;
	p[0].ident = (struct process_identity){ .unit = "docker-ab.scope",
						.container_runtime = "docker",
						.container_id = "ab12", .container_name = "we\"b" };
	for (int tick = 0; tick < METRICS_HOLD_TICKS + 1; tick++) {
		metrics_state_update(&st, &s, true, NULL);
		p[0].all.tx_bytes = 0;
		p[1].all.tx_bytes = 0;
	}
	text = render(&st, METRICS_FORMAT_PROMETHEUS);
	CHECK_CONTAINS(text, "nethound_process_transmit_bytes_total{name=\"nginx\",user=\"root\","
			     "unit=\"docker-ab.scope\",container=\"we\\\"b\"} 500\n");
	/* Never resolved (7 in each of two ticks): counted after the hold, without unit and container. */
	CHECK_CONTAINS(text, "nethound_process_transmit_bytes_total{name=\"slow\",user=\"root\"} 14\n");
	free(text);
	metrics_state_free(&st);
}

static void test_labels_escaped(void)
{
	struct process_stats p[3];
	struct snapshot s = { .procs = p, .nprocs = 3 };
	struct metrics_state st;
	char *text;

	metrics_state_init(&st, 2);
	proc(&p[0], 1, "a\"b\\c\nd\x1b", 1000, 1, 0);
	proc(&p[1], 2, "x\x01", 4242, 2, 0);
	proc(&p[2], 3, "third", 0, 4, 0); /* past --metrics-max-series 2 */
	metrics_state_update(&st, &s, true, NULL);
	text = render(&st, METRICS_FORMAT_PROMETHEUS);
	/* Controls become '?' (text_printable); quote and backslash are escaped. */
	CHECK_CONTAINS(text, "{name=\"a\\\"b\\\\c?d?\",user=\"al\\\"ice\"} 1\n");
	/* A uid without a name is shown as its number. */
	CHECK_CONTAINS(text, "{name=\"x?\",user=\"4242\"} 2\n");
	CHECK_CONTAINS(text, "nethound_process_transmit_bytes_total{name=\"other\",user=\"other\","
			     "folded=\"true\"} 4\n");
	CHECK_CONTAINS(text, "nethound_metrics_series_folded_total{table=\"process\"} 1\n");
	CHECK_CONTAINS(text, "nethound_metrics_max_series 2\n");
	free(text);
	metrics_state_free(&st);
}

/* --listen and 'listen': what each form binds to. */
static void test_listen_values(void)
{
	static const struct {
		const char *value;
		int family; /* 0: refused */
		const char *addr;
		unsigned port;
	} cases[] = {
		{ "9077", AF_INET, "127.0.0.1", 9077 },
		{ ":9100", AF_INET, "127.0.0.1", 9100 },
		{ "localhost:80", AF_INET, "127.0.0.1", 80 },
		{ "0.0.0.0:9077", AF_INET, "0.0.0.0", 9077 },
		{ "10.1.2.3", AF_INET, "10.1.2.3", SETTINGS_METRICS_PORT },
		{ "on", AF_INET, "127.0.0.1", SETTINGS_METRICS_PORT },
		{ "[::1]:9077", AF_INET6, "::1", 9077 },
		{ "[::]", AF_INET6, "::", SETTINGS_METRICS_PORT },
		{ "", 0, NULL, 0 },
		{ "0", 0, NULL, 0 },
		{ "65536", 0, NULL, 0 },
		{ "::1:9077", 0, NULL, 0 },
		{ "[::1", 0, NULL, 0 },
		{ "[::1]x", 0, NULL, 0 },
		{ "host.example:9077", 0, NULL, 0 },
		{ "1.2.3.4:", 0, NULL, 0 },
		{ "1.2.3.4:-1", 0, NULL, 0 },
	};
	char why[256], shown[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct options o;
		int rc;

		settings_defaults(&o);
		rc = settings_set_listen(&o, cases[i].value, why, sizeof(why));
		if (!cases[i].family) {
			CHECK_INT(rc, -1);
			CHECK(!o.listen_set);
			continue;
		}
		CHECK_INT(rc, 0);
		CHECK(o.listen_set);
		CHECK_INT(o.listen_addr.ss_family, cases[i].family);
		if (cases[i].family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)&o.listen_addr;

			inet_ntop(AF_INET, &sin->sin_addr, shown, sizeof(shown));
			CHECK_UINT(ntohs(sin->sin_port), cases[i].port);
		} else {
			const struct sockaddr_in6 *sin6 = (const void *)&o.listen_addr;

			inet_ntop(AF_INET6, &sin6->sin6_addr, shown, sizeof(shown));
			CHECK_UINT(ntohs(sin6->sin6_port), cases[i].port);
		}
		CHECK_STR(shown, cases[i].addr);
	}
	{
		struct options o;

		settings_defaults(&o);
		CHECK_INT(settings_set_listen(&o, "9077", why, sizeof(why)), 0);
		CHECK_INT(settings_set_listen(&o, "off", why, sizeof(why)), 0);
		CHECK(!o.listen_set);
		CHECK_UINT(o.metrics_max_series, SETTINGS_METRICS_SERIES_DEFAULT);
		CHECK_INT(settings_set_metrics_max_series(&o, "0", why, sizeof(why)), -1);
		CHECK_INT(settings_set_metrics_max_series(&o, "5", why, sizeof(why)), 0);
		CHECK_UINT(o.metrics_max_series, 5);
	}
}

int main(void)
{
	test_identity_labels_and_hold();
	test_listen_values();
	test_table_folds();
	test_sums_and_exits();
	test_labels_escaped();
	return check_finish("test_metrics");
}
